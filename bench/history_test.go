package bench

import (
	"math"
	"path/filepath"
	"strings"
	"testing"
)

func TestReadHistoryCommitOrder(t *testing.T) {
	// Given out of order; commit-time puts them in order.
	c := writeResults(t, "c.bench", []string{"commit=cccccccccccccccc", "commit-time=2025-03-01T00:00:00Z"},
		sample{"CommitCreate/members=8", "ns/commit", []float64{30, 31, 29}},
		sample{"Size/msg=KeyPackage", "B/msg", []float64{288}})
	a := writeResults(t, "a.bench", []string{"commit=aaaaaaaaaaaaaaaa", "commit-time=2025-01-01T00:00:00+02:00"},
		sample{"CommitCreate/members=8", "ns/commit", []float64{10, 12, 11}},
		sample{"CommitCreate/members=64", "ns/commit", []float64{100}})
	b := writeResults(t, "b.bench", []string{"commit=bbbbbbbbbbbbbbbb", "commit-time=2025-02-01T00:00:00Z"},
		sample{"CommitCreate/members=8", "ns/commit", []float64{20}})
	h, err := ReadHistory([]string{c, a, b}, "ns/commit", "")
	if err != nil {
		t.Fatal(err)
	}
	if got := strings.Join(h.Labels, " "); got != "aaaaaaaaaaaa bbbbbbbbbbbb cccccccccccc" {
		t.Errorf("labels %q", got)
	}
	if h.Unit != "sec/commit" || h.Better != -1 || len(h.Series) != 2 {
		t.Fatalf("history %+v", h)
	}
	// The names keep only what tells the series apart.
	if !strings.HasPrefix(h.Common, "CommitCreate") || h.Series[0].Name != "members=8" || h.Series[1].Name != "members=64" {
		t.Errorf("common %q, names %q and %q", h.Common, h.Series[0].Name, h.Series[1].Name)
	}
	want := map[string][]float64{"members=8": {11e-9, 20e-9, 30e-9}, "members=64": {100e-9, math.NaN(), math.NaN()}}
	for _, s := range h.Series {
		var w []float64
		w = want[s.Name]
		if w == nil {
			t.Fatalf("unexpected series %q", s.Name)
		}
		for i := range w {
			if !(math.IsNaN(w[i]) && math.IsNaN(s.Values[i])) && math.Abs(s.Values[i]-w[i]) > 1e-15 {
				t.Errorf("%s: values %v, want %v", s.Name, s.Values, w)
			}
		}
	}

	// Two results of one commit are told apart.
	h, err = ReadHistory([]string{a, b, b}, "ns/commit", "")
	if err != nil || strings.Join(h.Labels, " ") != "aaaaaaaaaaaa bbbbbbbbbbbb bbbbbbbbbbbb#2" {
		t.Errorf("labels %q, %v", h.Labels, err)
	}

	// A filter picks benchmarks.
	h, err = ReadHistory([]string{c, a, b}, "ns/commit", "/members:64")
	if err != nil || len(h.Series) != 1 {
		t.Errorf("filtered: %v, %+v", err, h)
	}
}

func TestReadHistoryArgumentOrder(t *testing.T) {
	// Without commit-time on every file the order given is kept, and
	// files are labelled by version or name.
	x := writeResults(t, "x.bench", []string{"commit-time=2025-03-01T00:00:00Z", "version=v2"}, sample{"Op", "events/s", []float64{5}})
	y := writeResults(t, "y.bench", []string{"version="}, sample{"Op", "events/s", []float64{6}})
	h, err := ReadHistory([]string{x, y}, "events/s", "")
	if err != nil {
		t.Fatal(err)
	}
	if got := strings.Join(h.Labels, " "); got != "v2 y.bench" || h.Better != 1 {
		t.Errorf("labels %q, better %d", got, h.Better)
	}
}

func TestReadHistoryBadInput(t *testing.T) {
	good := writeResults(t, "good.bench", nil, sample{"Op", "ns/commit", []float64{1}})
	badTime := writeResults(t, "badtime.bench", []string{"commit-time=yesterday"}, sample{"Op", "ns/commit", []float64{1}})
	for _, c := range []struct {
		files       []string
		unit, query string
		want        string
	}{
		{nil, "ns/commit", "", "no result files"},
		{[]string{good}, "events/s", "", "no results in unit events/s"},
		{[]string{good, badTime}, "ns/commit", "", "commit-time \"yesterday\""},
		{[]string{good}, "ns/commit", "(((", "filter"},
		{[]string{filepath.Join(t.TempDir(), "none.bench")}, "ns/commit", "", "none.bench"},
	} {
		_, err := ReadHistory(c.files, c.unit, c.query)
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%v %s %q: error %v, want %q", c.files, c.unit, c.query, err, c.want)
		}
	}
}

func TestShortenNames(t *testing.T) {
	s := []HistorySeries{{Name: "Op-2"}, {Name: "Op/x=1-2"}, {Name: "Other/x=1-2"}}
	common := shortenNames(s)
	if common != "-2" || s[0].Name != "Op" || s[1].Name != "Op/x=1" || s[2].Name != "Other/x=1" {
		t.Errorf("common %q, names %q %q %q", common, s[0].Name, s[1].Name, s[2].Name)
	}
	one := []HistorySeries{{Name: "Op/x=1"}}
	if shortenNames(one) != "" || one[0].Name != "Op/x=1" {
		t.Errorf("one series renamed to %q", one[0].Name)
	}
}

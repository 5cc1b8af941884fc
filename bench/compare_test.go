package bench

import (
	"errors"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"golang.org/x/perf/benchfmt"

	"cgkalab/models/suite"
)

// sample is one benchmark's values in one unit.
type sample struct {
	name, unit string
	values     []float64
}

// writeResults writes samples as a result file, one line per value, and
// returns its path.
func writeResults(t *testing.T, name string, extra []string, samples ...sample) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), name)
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	cfg, err := FileConfig("test", extra)
	if err != nil {
		t.Fatal(err)
	}
	rw := NewResultWriter(f, cfg)
	for _, s := range samples {
		for _, v := range s.values {
			if err := rw.Write(s.name, benchfmt.Value{Value: v, Unit: s.unit}); err != nil {
				t.Fatal(err)
			}
		}
	}
	return path
}

// lognormal returns n seeded draws around median with spread sigma.
func lognormal(seed uint64, n int, median, sigma float64) []float64 {
	r := rand.New(rand.NewPCG(seed, 0))
	out := make([]float64, n)
	for i := range out {
		out[i] = median * math.Exp(sigma*r.NormFloat64())
	}
	return out
}

func scaled(v []float64, f float64) []float64 {
	out := make([]float64, len(v))
	for i, x := range v {
		out[i] = x * f
	}
	return out
}

func opts(threshold float64) CompareOptions {
	return CompareOptions{Threshold: threshold, Alpha: 0.05}
}

func find(t *testing.T, c *Comparison, name, unit string) Delta {
	t.Helper()
	for _, d := range c.Deltas {
		if (d.Name == name || strings.HasPrefix(d.Name, name+"-")) && d.Unit == unit { // -GOMAXPROCS
			return d
		}
	}
	t.Fatalf("no delta for %s %s in %+v", name, unit, c.Deltas)
	return Delta{}
}

func TestCompareSameDistribution(t *testing.T) {
	// Two files of the same code: the same distribution of times, drawn
	// with different seeds, and the same exact sizes.
	old := writeResults(t, "old.bench", nil,
		sample{"CommitCreate/n=8", "ns/commit", lognormal(1, 10, 1e6, 0.1)},
		sample{"Sim/spec=a", "events/s", lognormal(2, 10, 500, 0.1)},
		sample{"Size/msg=KeyPackage", "B/msg", []float64{288}})
	new := writeResults(t, "new.bench", nil,
		sample{"CommitCreate/n=8", "ns/commit", lognormal(3, 10, 1e6, 0.1)},
		sample{"Sim/spec=a", "events/s", lognormal(4, 10, 500, 0.1)},
		sample{"Size/msg=KeyPackage", "B/msg", []float64{288}})
	c, err := Compare(old, new, opts(0.05))
	if err != nil {
		t.Fatal(err)
	}
	if len(c.Deltas) != 3 {
		t.Fatalf("%d deltas, want 3", len(c.Deltas))
	}
	for _, d := range c.Deltas {
		if d.Significant || d.Regression {
			t.Errorf("%s %s: significant change %+.1f%% (%v) between samples of one distribution", d.Name, d.Unit, 100*d.Change, d.Cmp)
		}
	}
	if err := c.Err(opts(0.05)); err != nil {
		t.Error(err)
	}
	var out strings.Builder
	if err := WriteComparison(&out, c, opts(0.05)); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"sec/commit (lower is better)", "events/s (higher is better)", "B/msg (lower is better)", "CommitCreate/n=8", "~", "p="} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("table lacks %q:\n%s", want, out.String())
		}
	}
}

func TestCompareRegression(t *testing.T) {
	times := lognormal(1, 10, 1e6, 0.05)
	steady := lognormal(5, 10, 1e6, 0.002) // a 3% shift is significant
	rate := lognormal(2, 10, 500, 0.05)
	old := writeResults(t, "old.bench", nil,
		sample{"Slower", "ns/commit", times},
		sample{"Faster", "ns/commit", times},
		sample{"SlightlySlower", "ns/commit", steady},
		sample{"FewerEvents", "events/s", rate},
		sample{"MoreEvents", "events/s", rate},
		sample{"Bigger", "B/msg", []float64{1000}},
		sample{"Gone", "ns/commit", times})
	new := writeResults(t, "new.bench", nil,
		sample{"Slower", "ns/commit", scaled(times, 1.3)},
		sample{"Faster", "ns/commit", scaled(times, 0.7)},
		sample{"SlightlySlower", "ns/commit", scaled(steady, 1.03)},
		sample{"FewerEvents", "events/s", scaled(rate, 0.7)},
		sample{"MoreEvents", "events/s", scaled(rate, 1.3)},
		sample{"Bigger", "B/msg", []float64{1010}},
		sample{"Added", "ns/commit", times})
	c, err := Compare(old, new, opts(0.05))
	if err != nil {
		t.Fatal(err)
	}
	for _, w := range []struct {
		name, unit              string
		significant, regression bool
	}{
		{"Slower", "sec/commit", true, true},
		{"Faster", "sec/commit", true, false},
		{"SlightlySlower", "sec/commit", true, false}, // 3% < 5%
		{"FewerEvents", "events/s", true, true},
		{"MoreEvents", "events/s", true, false},
		{"Bigger", "B/msg", true, false}, // 1% < 5%, exact
		{"Gone", "sec/commit", false, false},
		{"Added", "sec/commit", false, false},
	} {
		d := find(t, c, w.name, w.unit)
		if d.Significant != w.significant || d.Regression != w.regression {
			t.Errorf("%s %s: significant %v regression %v (change %+.1f%%, %v), want %v %v",
				w.name, w.unit, d.Significant, d.Regression, 100*d.Change, d.Cmp, w.significant, w.regression)
		}
	}
	err = c.Err(opts(0.05))
	if !errors.Is(err, ErrRegression) || !strings.Contains(err.Error(), "Slower") || !strings.Contains(err.Error(), "FewerEvents") {
		t.Errorf("error %v", err)
	}
	var out strings.Builder
	WriteComparison(&out, c, opts(0.05))
	for _, want := range []string{"REGRESSION (past 5%)", "(old only)", "(new only)", "+30.00%", "-30.00%", "+1.00%"} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("table lacks %q:\n%s", want, out.String())
		}
	}

	// A lower threshold catches the small changes; --metric limits the units.
	c, err = Compare(old, new, CompareOptions{Threshold: 0.005, Alpha: 0.05, Units: []string{"ns/commit", "B/msg"}})
	if err != nil {
		t.Fatal(err)
	}
	if !find(t, c, "SlightlySlower", "sec/commit").Regression || !find(t, c, "Bigger", "B/msg").Regression {
		t.Error("0.5% threshold: 3% slower and 1% bigger are not regressions")
	}
	for _, d := range c.Deltas {
		if d.Unit == "events/s" {
			t.Errorf("--metric ns/commit,B/msg compared %s", d.Unit)
		}
	}
}

// TestCompareMeasured compares real measurements: the same operation on
// both sides is no regression, and the operation with a delay injected
// (the same work done three times) is one.
func TestCompareMeasured(t *testing.T) {
	s, err := suite.ByID(1)
	if err != nil {
		t.Fatal(err)
	}
	priv, err := s.DeriveKeyPair(make([]byte, 32))
	if err != nil {
		t.Fatal(err)
	}
	rng := rand.NewChaCha8([32]byte{})
	work := func(reps int) float64 {
		cpu := CPUTime()
		for range 20 * reps {
			if _, _, err := s.EncryptWithLabel(priv.PublicKey(), "UpdatePathNode", nil, make([]byte, 32), rng); err != nil {
				t.Fatal(err)
			}
		}
		return float64(CPUTime() - cpu)
	}
	var a, b, slow []float64
	for range 8 { // interleaved, so that load on the machine hits all alike
		a, b, slow = append(a, work(1)), append(b, work(1)), append(slow, work(3))
	}
	old := writeResults(t, "old.bench", nil, sample{"Op", "cpu-ns/commit", a})
	same := writeResults(t, "same.bench", nil, sample{"Op", "cpu-ns/commit", b})
	slower := writeResults(t, "slow.bench", nil, sample{"Op", "cpu-ns/commit", slow})
	c, err := Compare(old, same, opts(0.5))
	if err != nil {
		t.Fatal(err)
	}
	if err := c.Err(opts(0.5)); err != nil {
		t.Errorf("same operation: %v", err)
	}
	c, err = Compare(old, slower, opts(0.05))
	if err != nil {
		t.Fatal(err)
	}
	if err := c.Err(opts(0.05)); !errors.Is(err, ErrRegression) {
		t.Errorf("operation done three times: no regression found: %+v", c.Deltas[0])
	}
}

func TestCompareBadInput(t *testing.T) {
	dir := t.TempDir()
	good := writeResults(t, "good.bench", nil, sample{"Op", "ns/commit", []float64{1, 2, 3}})
	write := func(name, body string) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
		return p
	}
	for _, c := range []struct {
		old, new string
		o        CompareOptions
		want     string
	}{
		{good, write("syntax.bench", "goos: linux\nBenchmarkOp 1 2 ns/commit 3\n"), opts(0.05), "syntax.bench:2"},
		{write("empty.bench", "just text\n"), good, opts(0.05), "empty.bench: no benchmark results"},
		{good, filepath.Join(dir, "missing.bench"), opts(0.05), "missing.bench"},
		{good, good, CompareOptions{Threshold: 0.05, Alpha: 0.05, Units: []string{"events/s"}}, "no benchmark results in unit events/s"},
		{good, good, CompareOptions{Threshold: 0.05, Alpha: 0}, "alpha"},
	} {
		_, err := Compare(c.old, c.new, c.o)
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("Compare(%s, %s): error %v, want one containing %q", filepath.Base(c.old), filepath.Base(c.new), err, c.want)
		}
	}
}

func TestCompareNotes(t *testing.T) {
	a := writeResults(t, "a.bench", []string{"cpu=A"}, sample{"Op", "ns/commit", []float64{1, 2, 3}})
	b := writeResults(t, "b.bench", []string{"cpu=B"}, sample{"Op", "ns/commit", []float64{1, 2, 3}})
	c, err := Compare(a, b, opts(0.05))
	if err != nil {
		t.Fatal(err)
	}
	if len(c.Notes) != 1 || !strings.Contains(c.Notes[0], "cpu differs") {
		t.Errorf("notes %q", c.Notes)
	}
}

func TestParsePercent(t *testing.T) {
	for in, want := range map[string]float64{"5%": 0.05, "0%": 0, " 12.5% ": 0.125, "1000%": 10} {
		if got, err := ParsePercent(in); err != nil || math.Abs(got-want) > 1e-12 {
			t.Errorf("%q: %v, %v", in, got, err)
		}
	}
	for _, in := range []string{"5", "0.05", "-1%", "1001%", "x%", "NaN%", ""} {
		if _, err := ParsePercent(in); err == nil {
			t.Errorf("%q accepted", in)
		}
	}
}

package bench

import (
	"bytes"
	"math"
	"runtime"
	"strconv"
	"strings"
	"testing"
	"time"

	"golang.org/x/perf/benchfmt"

	"cgkalab/models/suite"
)

// readAll reads a result file back with benchfmt.Reader, failing on any
// syntax error, and returns copies of its results and its unit metadata.
func readAll(t *testing.T, data []byte) ([]*benchfmt.Result, benchfmt.UnitMetadataMap) {
	t.Helper()
	r := benchfmt.NewReader(bytes.NewReader(data), "test.bench")
	var out []*benchfmt.Result
	for r.Scan() {
		switch rec := r.Result().(type) {
		case *benchfmt.SyntaxError:
			t.Fatalf("%v\n%s", rec, data)
		case *benchfmt.Result:
			out = append(out, rec.Clone())
		}
	}
	if err := r.Err(); err != nil {
		t.Fatal(err)
	}
	return out, r.Units()
}

// nameKeys returns the /key=value parts of a benchmark name.
func nameKeys(n benchfmt.Name) map[string]string {
	_, parts := n.Parts()
	m := map[string]string{}
	for _, p := range parts {
		if k, v, ok := strings.Cut(strings.TrimPrefix(string(p), "/"), "="); ok {
			m[k] = v
		}
	}
	return m
}

func TestTreeResultsRoundTrip(t *testing.T) {
	s, err := suite.ByID(1)
	if err != nil {
		t.Fatal(err)
	}
	rows, err := TreeTable(s, []int{8}, []TreeShape{Warm, Built}, 3, t.Output())
	if err != nil {
		t.Fatal(err)
	}
	cfg, err := FileConfig("v-test", []string{"commit=abc123", "commit-time=2025-01-02T03:04:05Z"})
	if err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	if err := WriteTreeResults(NewResultWriter(&buf, cfg), uint16(s.ID), rows); err != nil {
		t.Fatal(err)
	}
	results, units := readAll(t, buf.Bytes())
	if len(results) != 2*2*3 { // shapes × steps × runs
		t.Fatalf("%d results, want 12", len(results))
	}
	for _, k := range []string{"goos", "goarch", "go", "version", "commit", "commit-time"} {
		if results[0].GetConfig(k) == "" {
			t.Errorf("no %s configuration", k)
		}
	}
	if got := results[0].GetConfig("commit"); got != "abc123" {
		t.Errorf("commit %q", got)
	}
	first := rows[0].Samples[0]
	r := results[0]
	base, _ := r.Name.Parts()
	keys := nameKeys(r.Name)
	if string(base) != "CommitCreate" || keys["shape"] != "warm" || keys["members"] != "8" || keys["suite"] != "0x0001" {
		t.Errorf("name %s", r.Name)
	}
	if gmp := runtime.GOMAXPROCS(0); gmp > 1 && !strings.HasSuffix(string(r.Name), "-"+strconv.Itoa(gmp)) {
		t.Errorf("name %s lacks the GOMAXPROCS suffix", r.Name)
	}
	// The reader tidies ns to sec.
	for unit, want := range map[string]float64{
		"sec/commit":          first.Create.Seconds(),
		"cpu-sec/commit":      first.CreateCPU.Seconds(),
		"crypto-sec/commit":   first.CreateCr.Seconds(),
		"ratio-to-crypto":     float64(first.Create) / float64(first.CreateCr),
		"cpu-ratio-to-crypto": float64(first.CreateCPU) / float64(first.CreateCrCPU),
		"path-B/commit":       float64(rows[0].CommitBytes),
	} {
		got, ok := r.Value(unit)
		if !ok || math.Abs(got-want) > 1e-9*math.Abs(want) {
			t.Errorf("%s: got %v (%v), want %v", unit, got, ok, want)
		}
	}
	if units.GetBetter("sec/commit") != -1 || units.GetBetter("path-B/commit") != -1 {
		t.Error("lower is not better for the commit units")
	}
	if units.GetAssumption("path-B/commit").SummaryLabel() != "exact" || units.GetAssumption("sec/commit").SummaryLabel() != "median" {
		t.Error("assumptions: want exact byte counts and medians of times")
	}
	if base, _ := results[3].Name.Parts(); string(base) != "CommitProcess" {
		t.Errorf("result 3 is %s, want CommitProcess", results[3].Name)
	}
}

func TestSizeResultsRoundTrip(t *testing.T) {
	s, err := suite.ByID(1)
	if err != nil {
		t.Fatal(err)
	}
	rows, err := KeyPackageSizes(s, 1)
	if err != nil {
		t.Fatal(err)
	}
	rows = append(rows, SizeRow{Suite: s, Message: MsgCommitAdd, Form: FormPublic, Shape: Built, N: 64, Bytes: 1234})
	cfg, _ := FileConfig("", nil)
	var buf bytes.Buffer
	if err := WriteSizeResults(NewResultWriter(&buf, cfg), rows); err != nil {
		t.Fatal(err)
	}
	results, units := readAll(t, buf.Bytes())
	if len(results) != len(rows) {
		t.Fatalf("%d results for %d rows", len(results), len(rows))
	}
	for i, r := range results {
		if v, ok := r.Value("B/msg"); !ok || v != float64(rows[i].Bytes) {
			t.Errorf("%s: %v, want %d B/msg", r.Name, v, rows[i].Bytes)
		}
	}
	keys := nameKeys(results[2].Name)
	if keys["msg"] != "Commit_1_Add_+_path" || keys["form"] != "PublicMessage" || keys["shape"] != "built" || keys["members"] != "64" {
		t.Errorf("name %s", results[2].Name)
	}
	if _, ok := nameKeys(results[0].Name)["members"]; ok {
		t.Errorf("%s: a KeyPackage has no group size", results[0].Name)
	}
	if units.GetAssumption("B/msg").SummaryLabel() != "exact" {
		t.Error("B/msg is not exact")
	}
}

func TestSimResultsRoundTrip(t *testing.T) {
	// The format of measured results; the values are made up.
	res := []SimResult{{Spec: "full-64", Members: 64, Events: 600, Elapsed: 2 * time.Second, CPU: 3 * time.Second, Heap: 64 << 10, RefOp: 50 * time.Microsecond}}
	cfg, _ := FileConfig("", nil)
	var buf bytes.Buffer
	if err := WriteSimResults(NewResultWriter(&buf, cfg), res); err != nil {
		t.Fatal(err)
	}
	results, units := readAll(t, buf.Bytes())
	if len(results) != 1 {
		t.Fatalf("%d results", len(results))
	}
	for unit, want := range map[string]float64{"events/s": 300, "cpu-sec/event": 5e-3, "B/member": 1024, "ref-ops/event": 100} {
		if got, ok := results[0].Value(unit); !ok || math.Abs(got-want) > 1e-9*want {
			t.Errorf("%s: %v, want %v", unit, got, want)
		}
	}
	if units.GetBetter("events/s") != 1 || units.GetBetter("B/member") != -1 || units.GetBetter("ref-ops/event") != -1 {
		t.Error("directions: events/s higher is better, B/member and ref-ops/event lower")
	}
}

func TestFileConfig(t *testing.T) {
	cfg, err := FileConfig("v1", []string{"commit=aaa", "commit=bbb", "machine=ci-2"})
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]string{}
	for _, c := range cfg {
		got[c.Key] = string(c.Value)
		if !c.File {
			t.Errorf("%s is not a file configuration", c.Key)
		}
	}
	if got["commit"] != "bbb" || got["machine"] != "ci-2" || got["version"] != "v1" || got["goos"] != runtime.GOOS {
		t.Errorf("configuration %v", got)
	}
	cfg, _ = FileConfig("v1", []string{"version="})
	for _, c := range cfg {
		if c.Key == "version" {
			t.Error("an empty value does not remove the key")
		}
	}
	for _, bad := range []string{"commit", "=x", "Commit=x", "a b=c", "k=line\nbreak"} {
		if _, err := FileConfig("", []string{bad}); err == nil {
			t.Errorf("%q accepted", bad)
		}
	}
}

func TestName(t *testing.T) {
	for _, c := range []struct {
		got, want string
	}{
		{Name("Size", "msg", "Welcome, 1 joiner", "shape", "", "members", "8"), "Size/msg=Welcome_1_joiner/members=8"},
		{Name("X", "k", "a/b=c"), "X/k=a_b_c"},
	} {
		if c.got != c.want {
			t.Errorf("got %q, want %q", c.got, c.want)
		}
	}
}

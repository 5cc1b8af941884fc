package experiments

import (
	"bytes"
	"encoding/csv"
	"errors"
	"flag"
	"io"
	"os"
	"path/filepath"
	"slices"
	"testing"

	"cgkalab/sim/metrics"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata/golden")

// goldenRun writes one fixed run's files and the summary into a new
// directory and returns it.
func goldenRun(t *testing.T) string {
	t.Helper()
	spec, err := Decode("t.yaml", []byte(base+"sweep:\n  group.initial: [11]\n"))
	if err != nil {
		t.Fatal(err)
	}
	runs := spec.Expand()
	run := runs[0]
	res := fakeResult(&run.Config, run.Seed)
	rec := &Record{
		Format: FormatVersion, Version: "v0.0.0-test", Experiment: spec.Name, Run: run.ID, Seed: run.Seed,
		Params: run.Params, Config: run.Config, Mode: res.Mode, Stats: res.Stats, Summary: Summarize(res.Events),
		Runs: len(runs), SpecDigest: SpecDigest(spec.Name, runs),
	}
	dir := t.TempDir()
	if err := writeRunFiles(dir, rec, res); err != nil {
		t.Fatal(err)
	}
	if _, err := Merge(dir, nil, nil, nil); err != nil {
		t.Fatal(err)
	}
	return dir
}

// TestGoldenFiles pins the bytes of every result file. Run with -update
// after a deliberate change of the format (and bump FormatVersion if
// readers would misread the new files).
func TestGoldenFiles(t *testing.T) {
	a, b := goldenRun(t), goldenRun(t)
	names := []string{"initial=11_seed=1.events.csv", "initial=11_seed=1.health.csv", "initial=11_seed=1.json", SummaryFile}
	entries, _ := os.ReadDir(a)
	if len(entries) != len(names) {
		t.Errorf("%d files written, want %d", len(entries), len(names))
	}
	for _, n := range names {
		got, err := os.ReadFile(filepath.Join(a, n))
		if err != nil {
			t.Fatal(err)
		}
		again, _ := os.ReadFile(filepath.Join(b, n))
		if !bytes.Equal(got, again) {
			t.Errorf("%s: two writes differ", n)
		}
		golden := filepath.Join("testdata", "golden", n)
		if *update {
			if err := os.MkdirAll(filepath.Dir(golden), 0o755); err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(golden, got, 0o644); err != nil {
				t.Fatal(err)
			}
			continue
		}
		want, err := os.ReadFile(golden)
		if err != nil {
			t.Fatalf("%v (run with -update to create)", err)
		}
		if !bytes.Equal(got, want) {
			t.Errorf("%s differs from %s:\n%s", n, golden, got)
		}
	}
}

func TestEventsCSVReadsBack(t *testing.T) {
	dir := goldenRun(t)
	f, err := os.Open(filepath.Join(dir, "initial=11_seed=1.events.csv"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	rows, err := csv.NewReader(f).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(rows[0], metrics.Columns([]string{"commit", "welcome"})) || len(rows) != 7 {
		t.Fatalf("header %v, %d rows", rows[0], len(rows))
	}
	col := func(name string) int { return slices.Index(rows[0], name) }
	if r := rows[2]; r[col("time_s")] != "0.30000000000000004" || r[col("kind")] != "add" || r[col("path")] != "1" || r[col("welcome_bytes")] != "4101" {
		t.Errorf("add row %v", r)
	}
	if r := rows[3]; r[col("time_s")] != "1e-07" || r[col("path")] != "0" {
		t.Errorf("send row %v", r)
	}
	if r := rows[6]; r[col("rejected")] != `stale "epoch", retry` {
		t.Errorf("update row %v", r)
	}
	rec, err := ReadRecord(filepath.Join(dir, "initial=11_seed=1.json"))
	if err != nil {
		t.Fatal(err)
	}
	if rec.Run != "initial=11_seed=1" || rec.Config.Workload.Initial != 11 || rec.Summary.Kind("commit").Count != 2 {
		t.Errorf("record %+v", rec)
	}
}

func TestWriteAtomicFailure(t *testing.T) {
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "f.csv"), []byte("old"), 0o644); err != nil {
		t.Fatal(err)
	}
	err := writeAtomic(dir, "f.csv", func(w io.Writer) error {
		w.Write([]byte("half"))
		return errors.New("disk on fire")
	})
	if err == nil {
		t.Fatal("no error")
	}
	if b, _ := os.ReadFile(filepath.Join(dir, "f.csv")); string(b) != "old" {
		t.Errorf("failed write replaced the file with %q", b)
	}
	assertNoTemps(t, dir)
}

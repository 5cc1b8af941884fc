package experiments

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
	"testing"

	"cgkalab/models/protocol"
	"cgkalab/sim"
	"cgkalab/sim/driver"
	"cgkalab/sim/metrics"
	"cgkalab/sim/security"
)

// fakeResult is a small, fixed result that depends on the config and seed
// only, like a real run.
func fakeResult(cfg *driver.Config, seed uint64) *driver.Result {
	n := cfg.Workload.Initial
	s := int64(seed)
	tenth := 0.1 // a variable, so that 0.1 + 0.2 is float64 arithmetic
	ev := []metrics.Event{
		{Time: 0, Kind: "create", Epoch: 0, Members: 1, SenderCPU: 1000},
		{Time: tenth + 0.2, Kind: "add", Actor: 0, Epoch: 1, Members: n, BytesUp: 5000 + s, BytesDown: 4000 * int64(n-1),
			Recipients: n - 1, KindBytes: []metrics.KindBytes{{Kind: "commit", Bytes: 900}, {Kind: "welcome", Bytes: 4100 + s}}, Sender: protocol.Ops{Encrypt: 3, Sign: 1, AEAD: 1},
			Receiver: protocol.Ops{Decrypt: 1, Verify: 1}, SenderCPU: 2500, ReceiverCPU: 700, Processed: 2, Verified: 2, Path: true, Added: n - 1},
		{Time: 1e-7, Kind: "send", Actor: 3, Epoch: 1, Members: n, BytesUp: 230, BytesDown: 230 * int64(n-1), Recipients: n - 1, Sender: protocol.Ops{AEAD: 1}},
		{Time: 3600.5, Kind: "commit", Actor: 2, Epoch: 2, Members: n, BytesUp: 1200 + 10*s, BytesDown: 1100 * int64(n-1), Recipients: n - 1,
			KindBytes: []metrics.KindBytes{{Kind: "commit", Bytes: 1200 + 10*s}}, Processed: 1, Verified: 1, Path: true},
		{Time: 7200, Kind: "commit", Actor: 1, Epoch: 3, Members: n - 1, BytesUp: 800, BytesDown: 0, Removed: 1},
		{Time: 7201.25, Kind: "update", Actor: 4, Epoch: 3, Members: n - 1, Rejected: `stale "epoch", retry`},
	}
	res := &driver.Result{
		Mode:   cfg.Mode(),
		Events: ev,
		Health: []metrics.Health{
			{Time: 0, Epoch: 1, Members: n, Leaves: n, MeanResolution: 1},
			{Time: 3600, Epoch: 2, Members: n, Leaves: n + 1, BlankParents: 3, UnmergedLeaves: 1, MeanResolution: 1.0 / 3},
		},
	}
	if cfg.Workload.Compromises.Enabled() {
		res.Security = &security.Report{Epochs: 3, ExposedEpochs: 1, Messages: 1, Compromises: []*security.Compromise{
			{Member: 2, Time: sim.Hour, Epoch: 2, Healing: sim.Time(seed) * sim.Minute, FSWindow: sim.Minute, Exposed: 1},
		}}
	}
	return res
}

// fakeRun counts calls and reports progress halfway.
type fakeRun struct {
	calls  []string
	failAt int // 1-based call that fails; 0 never
	onCall func(call int)
	// stops makes a run stop when ctx is done, as the driver does;
	// otherwise the run in flight finishes.
	stops bool
}

func (f *fakeRun) run(ctx context.Context, cfg *driver.Config, seed uint64, progress func(driver.Progress)) (*driver.Result, error) {
	f.calls = append(f.calls, fmt.Sprintf("%d/%d", cfg.Workload.Initial, seed))
	if f.onCall != nil {
		f.onCall(len(f.calls))
	}
	if len(f.calls) == f.failAt {
		return nil, errors.New("boom")
	}
	if err := ctx.Err(); f.stops && err != nil {
		return nil, err
	}
	progress(driver.Progress{Done: 0, Total: cfg.Duration})
	progress(driver.Progress{Done: cfg.Duration * 35 / 100, Total: cfg.Duration, Events: 10})
	progress(driver.Progress{Done: cfg.Duration, Total: cfg.Duration, Events: 20})
	return fakeResult(cfg, seed), nil
}

func sweepSpec(t *testing.T, extra string) *Spec {
	t.Helper()
	s, err := Decode("t.yaml", []byte(base+"seeds: 2\nsweep:\n  group.initial: [10, 20]\n"+extra))
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func TestRunAllSkipsFinished(t *testing.T) {
	out := t.TempDir()
	spec := sweepSpec(t, "")
	f := &fakeRun{}
	var progress bytes.Buffer
	r := &Runner{Out: out, Version: "test", Run: f.run, Progress: &progress}
	recs, err := r.RunAll(context.Background(), spec, Selection{})
	if err != nil {
		t.Fatal(err)
	}
	if len(f.calls) != 4 || len(recs) != 4 {
		t.Fatalf("first pass: %d calls, %d records", len(f.calls), len(recs))
	}
	for _, want := range []string{
		"run 2/4 initial=10_seed=2: 30% of virtual time (21 min of 60 min)",
		"run 4/4 initial=20_seed=2: done, full mode, 6 events\n",
	} {
		if !strings.Contains(progress.String(), want) {
			t.Errorf("progress lacks %q:\n%s", want, progress.String())
		}
	}
	dir := filepath.Join(out, "t")
	first, err := os.ReadFile(filepath.Join(dir, "initial=20_seed=1.events.csv"))
	if err != nil {
		t.Fatal(err)
	}
	assertNoTemps(t, dir)

	// Second pass: nothing to do.
	f.calls = nil
	progress.Reset()
	recs, err = r.RunAll(context.Background(), spec, Selection{})
	if err != nil || len(f.calls) != 0 || len(recs) != 4 {
		t.Fatalf("second pass: %v, %d calls, %d records", err, len(f.calls), len(recs))
	}
	if !strings.Contains(progress.String(), "run 1/4 initial=10_seed=1: finished earlier, skipped") {
		t.Errorf("progress:\n%s", progress.String())
	}

	// A lost JSON, and debris of an interrupted run, redo exactly that run.
	if err := os.Remove(filepath.Join(dir, "initial=20_seed=1.json")); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, ".initial=20_seed=1.json.tmp123"), []byte("{"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "initial=20_seed=1.events.csv"), []byte("partial"), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := r.RunAll(context.Background(), spec, Selection{}); err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(f.calls, []string{"20/1"}) {
		t.Fatalf("third pass calls %v, want [20/1]", f.calls)
	}
	again, _ := os.ReadFile(filepath.Join(dir, "initial=20_seed=1.events.csv"))
	if !bytes.Equal(first, again) {
		t.Error("rerun wrote a different events file")
	}
	assertNoTemps(t, dir)

	// A corrupt JSON counts as unfinished.
	f.calls = nil
	os.WriteFile(filepath.Join(dir, "initial=10_seed=2.json"), []byte(`{"format": 1, "run": "initial=10_se`), 0o644)
	if _, err := r.RunAll(context.Background(), spec, Selection{}); err != nil || !slices.Equal(f.calls, []string{"10/2"}) {
		t.Fatalf("corrupt JSON: %v, calls %v", err, f.calls)
	}

	// A changed configuration reruns everything.
	f.calls = nil
	if _, err := r.RunAll(context.Background(), sweepSpec(t, "sample: 3\n"), Selection{}); err != nil || len(f.calls) != 4 {
		t.Fatalf("changed config: %v, calls %v", err, f.calls)
	}
}

func assertNoTemps(t *testing.T, dir string) {
	t.Helper()
	entries, _ := os.ReadDir(dir)
	for _, e := range entries {
		if strings.HasPrefix(e.Name(), ".") {
			t.Errorf("temporary file left: %s", e.Name())
		}
	}
}

func TestShards(t *testing.T) {
	spec, err := Decode("t.yaml", []byte(base+"seeds: 5\n"))
	if err != nil {
		t.Fatal(err)
	}
	out := t.TempDir()
	var all []string
	for i := range 2 {
		f := &fakeRun{}
		r := &Runner{Out: out, Run: f.run}
		recs, err := r.RunAll(context.Background(), spec, Selection{Shard: Shard{Index: i, Count: 2}})
		if err != nil {
			t.Fatal(err)
		}
		want := map[int][]string{0: {"10/1", "10/3", "10/5"}, 1: {"10/2", "10/4"}}[i]
		if !slices.Equal(f.calls, want) || len(recs) != len(want) {
			t.Errorf("shard %d/2 ran %v, want %v", i, f.calls, want)
		}
		all = append(all, f.calls...)
	}
	if len(all) != 5 {
		t.Errorf("shards together ran %v", all)
	}
	recs, err := Merge(filepath.Join(out, "t"), nil, nil, nil)
	if err != nil || len(recs) != 5 {
		t.Fatalf("merge: %v, %d records", err, len(recs))
	}
	for i, r := range recs {
		if r.Index != i {
			t.Errorf("merged record %d has index %d", i, r.Index)
		}
	}
	if _, err := (&Runner{Out: out, Run: (&fakeRun{}).run}).RunAll(context.Background(), spec, Selection{Shard: Shard{Index: 2, Count: 2}}); err == nil {
		t.Error("shard 2/2 accepted")
	}
	for in, ok := range map[string]bool{"0/1": true, "3/4": true, "4/4": false, "-1/2": false, "1": false, "a/b": false, "0/0": false} {
		if _, err := ParseShard(in); (err == nil) != ok {
			t.Errorf("ParseShard(%q): %v", in, err)
		}
	}
}

func TestRunAllStops(t *testing.T) {
	spec := sweepSpec(t, "")
	out := t.TempDir()
	dir := filepath.Join(out, "t")

	// A failing run stops the sweep; the runs before it keep their files.
	f := &fakeRun{failAt: 2}
	_, err := (&Runner{Out: out, Run: f.run}).RunAll(context.Background(), spec, Selection{})
	if err == nil || !strings.Contains(err.Error(), "run initial=10_seed=2: boom") {
		t.Fatalf("error %v", err)
	}
	if _, err := os.Stat(filepath.Join(dir, "initial=10_seed=1.json")); err != nil {
		t.Error("first run's record missing")
	}
	if _, err := os.Stat(filepath.Join(dir, "initial=10_seed=2.json")); err == nil {
		t.Error("failed run has a record")
	}

	// Cancelling stops between runs.
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	f = &fakeRun{onCall: func(int) { cancel() }}
	recs, err := (&Runner{Out: out, Run: f.run}).RunAll(ctx, spec, Selection{})
	if !errors.Is(err, context.Canceled) || len(f.calls) != 1 || len(recs) != 2 {
		t.Fatalf("cancel: %v, calls %v, %d records", err, f.calls, len(recs))
	}
	if _, err := os.Stat(filepath.Join(dir, "initial=10_seed=2.json")); err != nil {
		t.Error("the run in flight when cancelled finished but has no record")
	}
}

func TestSummarize(t *testing.T) {
	cfg := &driver.Config{Fidelity: "full"}
	cfg.Workload.Initial = 11
	s := Summarize(fakeResult(cfg, 1).Events)
	if s.Events != 6 || s.FinalMembers != 10 || s.FinalEpoch != 3 {
		t.Errorf("summary %+v", s)
	}
	var kinds []string
	for _, k := range s.Kinds {
		kinds = append(kinds, k.Kind)
	}
	if !slices.Equal(kinds, []string{"add", "commit", "create", "send", "update"}) {
		t.Errorf("kinds %v", kinds)
	}
	c := s.Kind("commit")
	if c.Count != 2 || c.BytesUp != (Stat{N: 2, Sum: 2010, Mean: 1005, P50: 800, P90: 1210, P99: 1210, Max: 1210}) {
		t.Errorf("commit bytes up %+v", c.BytesUp)
	}
	if c.BytesDownPerRecipient.N != 1 || c.BytesDownPerRecipient.Mean != 1100 || c.ReceiverCPU.N != 1 {
		t.Errorf("commit %+v", c)
	}
	if st := NewStat([]float64{5, 1, 4, 2, 3, 6, 7, 8, 9, 10}); st.P50 != 5 || st.P90 != 9 || st.P99 != 10 || st.Mean != 5.5 {
		t.Errorf("NewStat: %+v", st)
	}
}

// runAll runs spec into out with a fresh fake and fails the test on error.
func runAll(t *testing.T, out string, spec *Spec, sel Selection) (*fakeRun, string) {
	t.Helper()
	f := &fakeRun{}
	var progress bytes.Buffer
	if _, err := (&Runner{Out: out, Run: f.run, Progress: &progress}).RunAll(context.Background(), spec, sel); err != nil {
		t.Fatalf("%v\n%s", err, progress.String())
	}
	return f, progress.String()
}

// snapshot reads the regular files directly in dir.
func snapshot(t *testing.T, dir string) map[string]string {
	t.Helper()
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	m := map[string]string{}
	for _, e := range entries {
		if e.Type().IsRegular() {
			b, err := os.ReadFile(filepath.Join(dir, e.Name()))
			if err != nil {
				t.Fatal(err)
			}
			m[e.Name()] = string(b)
		}
	}
	return m
}

func sameSnapshot(t *testing.T, what string, got, want map[string]string) {
	t.Helper()
	for n, b := range want {
		if g, ok := got[n]; !ok {
			t.Errorf("%s: %s missing", what, n)
		} else if g != b {
			t.Errorf("%s: %s differs", what, n)
		}
	}
	for n := range got {
		if _, ok := want[n]; !ok {
			t.Errorf("%s: extra file %s", what, n)
		}
	}
}

var errDied = errors.New("died here (test)")

// TestInterruptedEditedRerunNeverMixes edits an experiment, reruns it and
// interrupts the rerun at every point where a file is published or moved
// (as a kill would) and in every run (as a signal would), then reruns the
// original experiment: it must end with exactly the files a clean run of
// the original makes, and never report a mixed run as finished.
func TestInterruptedEditedRerunNeverMixes(t *testing.T) {
	specA := sweepSpec(t, "")
	specB := sweepSpec(t, "security:\n  compromises: {process: poisson, every: 20m}\n")
	ref := t.TempDir()
	runAll(t, ref, specA, Selection{})
	want := snapshot(t, filepath.Join(ref, "t"))
	wantSummary, err := Merge(filepath.Join(ref, "t"), nil, specA, nil)
	if err != nil {
		t.Fatal(err)
	}

	check := func(name, out string) {
		t.Helper()
		dir := filepath.Join(out, "t")
		_, progress := runAll(t, out, specA, Selection{})
		got := snapshot(t, dir)
		sameSnapshot(t, name, got, want)
		if t.Failed() {
			t.Fatalf("%s: rerun of the original said:\n%s", name, progress)
		}
		recs, err := Merge(dir, nil, nil, nil)
		if err != nil || len(recs) != len(wantSummary) {
			t.Fatalf("%s: merge: %v, %d records", name, err, len(recs))
		}
		a, _ := os.ReadFile(filepath.Join(dir, SummaryFile))
		b, _ := os.ReadFile(filepath.Join(ref, "t", SummaryFile))
		if !bytes.Equal(a, b) {
			t.Fatalf("%s: summary.csv differs from a clean run's", name)
		}
	}

	// Killed at the k-th rename of the rerun of B, for every k.
	points := 0
	for k := 1; ; k++ {
		out := t.TempDir()
		runAll(t, out, specA, Selection{})
		n := 0
		beforeRenameForTesting = func(string) error {
			if n++; n == k {
				return errDied
			}
			return nil
		}
		_, err := (&Runner{Out: out, Run: (&fakeRun{}).run}).RunAll(context.Background(), specB, Selection{})
		beforeRenameForTesting = nil
		if err == nil {
			break // k is past the last rename: B finished
		}
		if !errors.Is(err, errDied) {
			t.Fatal(err)
		}
		points++
		check(fmt.Sprintf("killed at rename %d", k), out)
	}
	// 4 runs × (4 files published + 4 moved aside) at least.
	if points < 4*7 {
		t.Errorf("only %d kill points", points)
	}

	// Stopped by a signal in each run of the rerun of B.
	for c := 1; c <= 4; c++ {
		out := t.TempDir()
		runAll(t, out, specA, Selection{})
		ctx, cancel := context.WithCancel(context.Background())
		f := &fakeRun{stops: true, onCall: func(call int) {
			if call == c {
				cancel()
			}
		}}
		_, err := (&Runner{Out: out, Run: f.run}).RunAll(ctx, specB, Selection{})
		cancel()
		if !errors.Is(err, context.Canceled) {
			t.Fatalf("cancelled in run %d: %v", c, err)
		}
		check(fmt.Sprintf("cancelled in run %d", c), out)
	}
}

// TestRerunCatchesMixedFiles mixes files of two configurations by hand (as
// older versions could) and leaves a compromises CSV beside a run without
// compromises: a rerun redoes the mixed run only, moves both aside with a
// message, and keeps them.
func TestRerunCatchesMixedFiles(t *testing.T) {
	specA := sweepSpec(t, "")
	specB := sweepSpec(t, "security:\n  compromises: {process: poisson, every: 20m}\n")
	other := t.TempDir()
	runAll(t, other, specB, Selection{})
	out := t.TempDir()
	runAll(t, out, specA, Selection{})
	dir := filepath.Join(out, "t")
	want := snapshot(t, dir)
	copyTo := func(from, name, to string) {
		b, err := os.ReadFile(filepath.Join(from, name))
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, to), b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	// Events of seed 1 under the name of seed 2 (a fake run's events
	// depend on the seed), and a compromises CSV of the other experiment.
	copyTo(dir, "initial=10_seed=1.events.csv", "initial=10_seed=2.events.csv")
	copyTo(filepath.Join(other, "t"), "initial=20_seed=1.compromises.csv", "initial=20_seed=1.compromises.csv")

	f, progress := runAll(t, out, specA, Selection{})
	if !slices.Equal(f.calls, []string{"10/2"}) {
		t.Errorf("calls %v, want [10/2]", f.calls)
	}
	for _, s := range []string{
		"run 2/4 initial=10_seed=2: files of more than one run: initial=10_seed=2.events.csv has another SHA-256 than the record says; moved",
		"run 3/4 initial=20_seed=1: not part of the finished run; moved initial=20_seed=1.compromises.csv to",
	} {
		if !strings.Contains(progress, s) {
			t.Errorf("progress lacks %q:\n%s", s, progress)
		}
	}
	sameSnapshot(t, "after the rerun", snapshot(t, dir), want)
	stale := snapshot(t, filepath.Join(dir, StaleDir))
	for _, n := range []string{"initial=10_seed=2.events.csv", "initial=10_seed=2.json", "initial=20_seed=1.compromises.csv"} {
		if _, ok := stale[n]; !ok {
			t.Errorf("%s not kept in %s: %v", n, StaleDir, slices.Sorted(maps.Keys(stale)))
		}
	}
}

func TestRunsNoLongerInExperiment(t *testing.T) {
	big, err := Decode("t.yaml", []byte(base+"sweep:\n  group.initial: [10, 20, 30]\n"))
	if err != nil {
		t.Fatal(err)
	}
	small, err := Decode("t.yaml", []byte(base+"sweep:\n  group.initial: [10, 30]\n"))
	if err != nil {
		t.Fatal(err)
	}
	out := t.TempDir()
	dir := filepath.Join(out, "t")
	runAll(t, out, big, Selection{})
	f, progress := runAll(t, out, small, Selection{})
	if len(f.calls) != 0 {
		t.Errorf("reran %v", f.calls)
	}
	if !strings.Contains(progress, "run initial=20_seed=1 is no longer in the experiment; moved initial=20_seed=1.events.csv,") {
		t.Errorf("progress:\n%s", progress)
	}
	for n := range snapshot(t, dir) {
		if strings.HasPrefix(n, "initial=20_") {
			t.Errorf("%s left among the results", n)
		}
	}
	if _, err := os.Stat(filepath.Join(dir, StaleDir, "initial=20_seed=1.json")); err != nil {
		t.Error(err)
	}
	// The runs kept took their new places, so they merge as the new experiment.
	recs, err := Merge(dir, nil, nil, nil)
	if err != nil || len(recs) != 2 || recs[1].Run != "initial=30_seed=1" || recs[1].Index != 1 || recs[1].Runs != 2 {
		t.Fatalf("merge: %v %+v", err, recs)
	}
	// Only the process of shard 0 moves other runs aside.
	runAll(t, out, big, Selection{Shard: Shard{Index: 1, Count: 2}})
	if _, err := os.Stat(filepath.Join(dir, "initial=30_seed=1.json")); err != nil {
		t.Error("shard 1/2 moved a run of shard 0:", err)
	}
}

func TestNonResultJSONIgnored(t *testing.T) {
	out := t.TempDir()
	dir := filepath.Join(out, "t")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	others := map[string]string{
		"notes.json":        `{"note": "mine"}`,
		"list.json":         `[1, 2]`,
		"broken.json":       `{"format": `,
		"seed=1.events.txt": "not ours",
	}
	for n, b := range others {
		if err := os.WriteFile(filepath.Join(dir, n), []byte(b), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	spec := sweepSpec(t, "")
	runAll(t, out, spec, Selection{})
	runAll(t, out, spec, Selection{})
	recs, err := Merge(dir, nil, nil, nil)
	if err != nil || len(recs) != 4 {
		t.Fatalf("merge: %v, %d records", err, len(recs))
	}
	if recs, err := ReadRecords(dir); err != nil || len(recs) != 4 {
		t.Fatalf("ReadRecords: %v, %d records", err, len(recs))
	}
	got := snapshot(t, dir)
	for n, b := range others {
		if got[n] != b {
			t.Errorf("%s changed or moved", n)
		}
	}
}

func TestTemporaryFilesCleaned(t *testing.T) {
	spec := sweepSpec(t, "")
	out := t.TempDir()
	dir := filepath.Join(out, "t")
	runAll(t, out, spec, Selection{})
	temps := []string{
		".initial=10_seed=1.events.csv.tmp123",   // run 1 (shard 0/2)
		".initial=10_seed=2.json.tmp4567-8",      // run 2 (shard 1/2)
		".summary.csv.tmp99-1",                   // not a run's
		".initial=99_seed=1.health.csv.tmp12-34", // a run no longer in the experiment
	}
	for _, n := range temps {
		if err := os.WriteFile(filepath.Join(dir, n), []byte("partial"), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	exists := func(n string) bool { _, err := os.Stat(filepath.Join(dir, n)); return err == nil }
	runAll(t, out, spec, Selection{Shard: Shard{Index: 1, Count: 2}})
	if !exists(temps[0]) || exists(temps[1]) || !exists(temps[2]) || !exists(temps[3]) {
		t.Errorf("shard 1/2 removed the wrong temporary files: %v", slices.Sorted(maps.Keys(snapshot(t, dir))))
	}
	runAll(t, out, spec, Selection{})
	assertNoTemps(t, dir)
}

func TestResultFileMode(t *testing.T) {
	for _, c := range []struct{ umask, want int }{{0o022, 0o644}, {0o077, 0o600}, {0o002, 0o664}} {
		old := syscall.Umask(c.umask)
		out := t.TempDir()
		runAll(t, out, sweepSpec(t, "security:\n  at: [1m]\n"), Selection{})
		_, err := Merge(filepath.Join(out, "t"), nil, nil, nil)
		syscall.Umask(old)
		if err != nil {
			t.Fatal(err)
		}
		entries, _ := os.ReadDir(filepath.Join(out, "t"))
		for _, e := range entries {
			st, err := e.Info()
			if err != nil {
				t.Fatal(err)
			}
			if e.Type().IsRegular() && st.Mode().Perm() != os.FileMode(c.want) {
				t.Errorf("umask %03o: %s has mode %v, want %v", c.umask, e.Name(), st.Mode().Perm(), os.FileMode(c.want))
			}
		}
	}
}

func TestSeedSelection(t *testing.T) {
	spec, err := Decode("t.yaml", []byte(base+"seeds: [0, 5, 7]\nsweep:\n  group.initial: [10, 20]\n"))
	if err != nil {
		t.Fatal(err)
	}
	out := t.TempDir()
	f := &fakeRun{}
	recs, err := (&Runner{Out: out, Run: f.run}).RunAll(context.Background(), spec, Selection{Seeds: []uint64{0}})
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(f.calls, []string{"10/0", "20/0"}) || len(recs) != 2 || recs[0].Index != 0 || recs[1].Index != 3 {
		t.Errorf("seed 0 ran %v, records %d", f.calls, len(recs))
	}
	if (Selection{Seeds: []uint64{0}}).All() || !(Selection{}).All() {
		t.Error("Selection.All")
	}
	if _, err := (&Runner{Out: out, Run: f.run}).RunAll(context.Background(), spec, Selection{Seeds: []uint64{9}}); err == nil ||
		!strings.Contains(err.Error(), "seed 9 is not among the seeds") {
		t.Errorf("seed 9: %v", err)
	}
	// The other seeds complete the experiment, which then merges.
	runAll(t, out, spec, Selection{Seeds: []uint64{5}})
	runAll(t, out, spec, Selection{Seeds: []uint64{7}})
	if recs, err := Merge(filepath.Join(out, "t"), nil, spec, nil); err != nil || len(recs) != 6 {
		t.Fatalf("merge: %v, %d records", err, len(recs))
	}
}

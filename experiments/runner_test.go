package experiments

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"cgkalab/models/protocol"
	"cgkalab/sim"
	"cgkalab/sim/driver"
	"cgkalab/sim/metrics"
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
			Recipients: n - 1, CommitBytes: 900, WelcomeBytes: 4100 + s, Sender: protocol.Ops{Encrypt: 3, Sign: 1, AEAD: 1},
			Receiver: protocol.Ops{Decrypt: 1, Verify: 1}, SenderCPU: 2500, ReceiverCPU: 700, Processed: 2, Verified: 2, Path: true, Added: n - 1},
		{Time: 1e-7, Kind: "send", Actor: 3, Epoch: 1, Members: n, BytesUp: 230, BytesDown: 230 * int64(n-1), Recipients: n - 1, Sender: protocol.Ops{AEAD: 1}},
		{Time: 3600.5, Kind: "commit", Actor: 2, Epoch: 2, Members: n, BytesUp: 1200 + 10*s, BytesDown: 1100 * int64(n-1), Recipients: n - 1,
			CommitBytes: 1200 + 10*s, Processed: 1, Verified: 1, Path: true, BlankParents: 3, UnmergedLeaves: 1},
		{Time: 7200, Kind: "commit", Actor: 1, Epoch: 3, Members: n - 1, BytesUp: 800, BytesDown: 0, Removed: 1},
		{Time: 7201.25, Kind: "update", Actor: 4, Epoch: 3, Members: n - 1, Rejected: `stale "epoch", retry`},
	}
	return &driver.Result{
		Mode:   cfg.Mode(),
		Events: ev,
		Health: []metrics.Health{
			{Time: 0, Epoch: 1, Members: n, Leaves: n, MeanResolution: 1},
			{Time: 3600, Epoch: 2, Members: n, Leaves: n + 1, BlankParents: 3, UnmergedLeaves: 1, MeanResolution: 1.0 / 3},
		},
	}
}

// fakeRun counts calls and reports progress halfway.
type fakeRun struct {
	calls  []string
	failAt int // 1-based call that fails; 0 never
	onCall func(call int)
}

func (f *fakeRun) run(ctx context.Context, cfg *driver.Config, seed uint64, progress func(done, total sim.Time)) (*driver.Result, error) {
	f.calls = append(f.calls, fmt.Sprintf("%d/%d", cfg.Workload.Initial, seed))
	if f.onCall != nil {
		f.onCall(len(f.calls))
	}
	if len(f.calls) == f.failAt {
		return nil, errors.New("boom")
	}
	progress(0, cfg.Duration)
	progress(cfg.Duration*35/100, cfg.Duration)
	progress(cfg.Duration, cfg.Duration)
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
		"run 2/4 initial=10_seed=2: 30% of virtual time\n",
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

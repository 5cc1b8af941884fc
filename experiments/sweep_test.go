package experiments

import (
	"slices"
	"strings"
	"testing"

	"cgkalab/sim"
)

func TestSweepOrderAndIDs(t *testing.T) {
	s, err := Decode("t.yaml", []byte(base+`seeds: [7, 3]
mls: {commit: {when: periodic, every: 5m}}
sweep:
  group.initial: [100, 1_000]
  workload.joins.every: [10m, 1h]
  mls.commit.every: [1h]
`))
	if err != nil {
		t.Fatal(err)
	}
	var ids []string
	for _, r := range s.Expand() {
		ids = append(ids, r.ID)
	}
	want := []string{
		"initial=100_joins.every=10m_commit.every=1h_seed=7",
		"initial=100_joins.every=10m_commit.every=1h_seed=3",
		"initial=100_joins.every=1h_commit.every=1h_seed=7",
		"initial=100_joins.every=1h_commit.every=1h_seed=3",
		"initial=1000_joins.every=10m_commit.every=1h_seed=7",
		"initial=1000_joins.every=10m_commit.every=1h_seed=3",
		"initial=1000_joins.every=1h_commit.every=1h_seed=7",
		"initial=1000_joins.every=1h_commit.every=1h_seed=3",
	}
	if !slices.Equal(ids, want) {
		t.Fatalf("ids\n%q\nwant\n%q", ids, want)
	}
	r := s.Expand()[6]
	wantParams := []Param{{"group.initial", "1000"}, {"workload.joins.every", "1h"}, {"mls.commit.every", "1h"}}
	if !slices.Equal(r.Params, wantParams) || r.Seed != 7 {
		t.Errorf("run 6: params %v seed %d", r.Params, r.Seed)
	}
	w := r.Config.Workload
	if w.Initial != 1000 || w.Joins.Process != "poisson" || w.Joins.Every != sim.Hour || !strings.Contains(string(r.Config.Options), `"when":"periodic","every":3600000000000`) {
		t.Errorf("run 6 config: %+v", w)
	}
	if got := s.Sweep[1]; got.Key != "workload.joins.every" || got.Short != "joins.every" || !slices.Equal(got.Values, []string{"10m", "1h"}) {
		t.Errorf("axis: %+v", got)
	}
	// The base file is left as written.
	if s2 := s.Expand()[0]; s2.Config.Workload.Initial != 100 {
		t.Errorf("first run initial %d", s2.Config.Workload.Initial)
	}
}

func TestSweepMappingValues(t *testing.T) {
	s, err := Decode("t.yaml", []byte(base+`sweep:
  network.latency:
    - 0.1
    - {dist: lognormal, value: 0.1, sigma: 0.5}
`))
	if err != nil {
		t.Fatal(err)
	}
	runs := s.Expand()
	if len(runs) != 2 || runs[0].ID != "latency=0.1_seed=1" || runs[1].ID != "latency=lognormal-0.1-0.5_seed=1" {
		t.Fatalf("runs: %v, %v", runs[0].ID, runs[1].ID)
	}
	if l := runs[1].Config.Network.Latency; l != (sim.Dist{Kind: sim.DistLogNormal, Value: 0.1, Sigma: 0.5}) {
		t.Errorf("latency %+v", l)
	}
}

func TestSweepIDsUnique(t *testing.T) {
	_, err := Decode("t.yaml", []byte(base+"sweep:\n  protocol: [\"a b\", a/b]\n"))
	if err == nil {
		t.Fatal("two values with the label a-b accepted")
	}
}

func TestShortKey(t *testing.T) {
	keys := []string{"workload.joins.every", "mls.commit.every", "group.initial", "workload.leaves.every"}
	want := []string{"joins.every", "commit.every", "initial", "leaves.every"}
	for i := range keys {
		if got := shortKey(keys, i); got != want[i] {
			t.Errorf("shortKey(%s) = %s, want %s", keys[i], got, want[i])
		}
	}
}

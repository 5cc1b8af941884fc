package driver_test

import (
	"context"
	"fmt"
	"os"
	"runtime"
	"strconv"
	"testing"
	"time"

	"cgkalab/bench"
	"cgkalab/models/mlsgroup"
	"cgkalab/models/protocol"
	"cgkalab/sim"
	"cgkalab/sim/driver"
	"cgkalab/sim/security"
	"cgkalab/sim/workload"
)

// benchMaxLog10 is the log10 of the largest group a benchmark may build
// (CGKALAB_BENCH_MAX, default 4).
func benchMaxLog10() int {
	if v, err := strconv.Atoi(os.Getenv("CGKALAB_BENCH_MAX")); err == nil {
		return v
	}
	return 4
}

// BenchmarkModes runs benchConfig's hour (a commit a minute in a freshly
// built tree of n members, compromises every 5 minutes) in sampled and
// scaled mode: wall time per run, and modelled CPU beside measured.
func BenchmarkModes(b *testing.B) {
	for _, l := range []int{4, 5} {
		if l > benchMaxLog10() {
			continue
		}
		n := pow10(l)
		for _, mode := range []string{"sampled", "scaled"} {
			b.Run(fmt.Sprintf("n=%d/mode=%s", n, mode), func(b *testing.B) {
				var commits int
				var measured, modelled int64
				for b.Loop() {
					cfg := benchConfig(n, true)
					cfg.Fidelity = mode
					d := newDriver()
					d.Clock = bench.CPUTime
					res, err := d.Run(context.Background(), cfg, 1, nil)
					if err != nil {
						b.Fatal(err)
					}
					commits += res.Stats.Commits
					for _, e := range res.Events {
						measured += e.SenderCPU
						modelled += e.SenderModelCPU
					}
				}
				b.ReportMetric(float64(commits)/float64(b.N), "commits/op")
				b.ReportMetric(float64(measured)/1e9/float64(b.N), "sender-cpu-s/op")
				b.ReportMetric(float64(modelled)/1e9/float64(b.N), "sender-model-cpu-s/op")
			})
		}
	}
}

func pow10(l int) int {
	n := 1
	for range l {
		n *= 10
	}
	return n
}

// feeder wraps an MLS group and feeds a second oracle of its own, so a
// benchmark can weigh what that oracle holds.
type feeder struct {
	*mlsgroup.Group
	o *security.Oracle
}

func (f *feeder) Apply(in protocol.Intent) ([]*protocol.Outcome, error) {
	outs, err := f.Group.Apply(in)
	for _, out := range outs {
		f.o.Observe(sim.FromDuration(in.Now), out, 0)
	}
	return outs, err
}

// BenchmarkOracleMemory weighs the security oracle per accepted commit in
// a churned group of n members (a freshly built tree, joins, leaves and
// Update proposals blanking paths, a commit a minute for two hours): with
// the encryption edges listed in every Outcome (edges=eager, as before
// RevealedBy) and asked for on demand (edges=lazy). The figure is the
// live heap the oracle adds, after a collection, per commit; beside it,
// history-B/commit is what the group's history behind RevealedBy holds
// (kept in both cases; it also gives the tree's encoded size), per commit
// (its per-node arrays grow with n, not with commits).
func BenchmarkOracleMemory(b *testing.B) {
	for _, l := range []int{3, 4, 5} {
		if l > benchMaxLog10() {
			continue
		}
		n := pow10(l)
		for _, eager := range []bool{true, false} {
			name := map[bool]string{true: "eager", false: "lazy"}[eager]
			b.Run(fmt.Sprintf("n=%d/edges=%s", n, name), func(b *testing.B) {
				var perCommit, history float64
				for b.Loop() {
					cfg := benchConfig(n, false)
					cfg.Fidelity = "scaled"
					cfg.Duration = 2 * sim.Hour
					cfg.Workload.Updates = workload.Arrival{Process: "poisson", Every: 20 * sim.Second}
					var f *feeder
					d := &driver.Driver{Protocols: map[string]protocol.Factory{"mls": func(env protocol.Env) (protocol.Group, error) {
						g, err := mlsgroup.New(env)
						if err != nil {
							return nil, err
						}
						if eager {
							g.(*mlsgroup.Group).EagerEdgesForTesting()
						}
						f = &feeder{Group: g.(*mlsgroup.Group), o: security.New()}
						if !eager {
							f.o.AskRevealer(f.Group)
						}
						return f, nil
					}}}
					res, err := d.Run(context.Background(), cfg, 1, nil)
					if err != nil {
						b.Fatal(err)
					}
					with := liveHeap()
					f.o = nil
					without := liveHeap()
					runtime.KeepAlive(f)
					perCommit = float64(with-without) / float64(res.Stats.Commits)
					history = float64(f.HistoryBytesForTesting()) / float64(res.Stats.Commits)
				}
				b.ReportMetric(perCommit, "oracle-B/commit")
				b.ReportMetric(history, "history-B/commit")
			})
		}
	}
}

// liveHeap returns the heap in use after two collections (the second
// frees what cleanups released after the first, such as crypto/ed25519's
// cache of expanded keys).
func liveHeap() uint64 {
	runtime.GC()
	time.Sleep(10 * time.Millisecond)
	runtime.GC()
	var m runtime.MemStats
	runtime.ReadMemStats(&m)
	return m.HeapAlloc
}

// createConfig is a run that only creates a group of n members in scaled
// mode: one second of virtual time with no workload.
func createConfig(n int) *driver.Config {
	cfg := benchConfig(n, false)
	cfg.Fidelity = "scaled"
	cfg.Duration = sim.Second
	none := workload.Arrival{Process: "none"}
	w := &cfg.Workload
	w.Joins, w.Leaves, w.Updates, w.Messages, w.Compromises = none, none, none, none, none
	w.Offline.Share = 0
	return cfg
}

// BenchmarkCreate creates a group of n members in scaled mode (KeyPackages
// with real keys and signatures, the creation commit adding everyone with
// every KeyPackage verified, the Welcome with its GroupSecrets accounted)
// and reports the live heap per member after a collection, with the
// group still held.
func BenchmarkCreate(b *testing.B) {
	for _, l := range []int{4, 5, 6} {
		if l > benchMaxLog10() {
			continue
		}
		n := pow10(l)
		b.Run(fmt.Sprintf("n=%d", n), func(b *testing.B) {
			var perMember float64
			for b.Loop() {
				base := liveHeap()
				var g protocol.Group
				d := &driver.Driver{Protocols: map[string]protocol.Factory{"mls": func(env protocol.Env) (protocol.Group, error) {
					var err error
					g, err = mlsgroup.New(env)
					return g, err
				}}}
				if _, err := d.Run(context.Background(), createConfig(n), 1, nil); err != nil {
					b.Fatal(err)
				}
				perMember = float64(liveHeap()-base) / float64(n)
				heldGroup = g
			}
			b.ReportMetric(perMember, "B/member")
		})
	}
}

// heldGroup keeps the last created group alive for heap profiles.
var heldGroup protocol.Group

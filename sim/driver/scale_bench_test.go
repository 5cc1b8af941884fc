package driver_test

import (
	"context"
	"fmt"
	"os"
	"runtime"
	"strconv"
	"strings"
	"testing"
	"time"

	"cgkalab/bench"
	"cgkalab/experiments"
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

// benchDuration is CGKALAB_BENCH_HOURS virtual hours if set (a shorter
// run, for profiles), else def.
func benchDuration(def sim.Time) sim.Time {
	if v, err := strconv.ParseFloat(os.Getenv("CGKALAB_BENCH_HOURS"), 64); err == nil {
		return sim.FromSeconds(v * 3600)
	}
	return def
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
		for _, shape := range []string{protocol.ShapeBuilt, protocol.ShapeWarm} {
			b.Run(fmt.Sprintf("shape=%s/n=%d", shape, n), func(b *testing.B) {
				var perMember float64
				cfg := createConfig(n)
				cfg.Workload.Shape.Kind = shape
				for b.Loop() {
					base := liveHeap()
					var g protocol.Group
					d := &driver.Driver{Protocols: map[string]protocol.Factory{"mls": func(env protocol.Env) (protocol.Group, error) {
						var err error
						g, err = mlsgroup.New(env)
						return g, err
					}}}
					if _, err := d.Run(context.Background(), cfg, 1, nil); err != nil {
						b.Fatal(err)
					}
					perMember = float64(liveHeap()-base) / float64(n)
					heldGroup = g
				}
				b.ReportMetric(perMember, "B/member")
			})
		}
	}
}

// heldGroup keeps the last created group alive for heap profiles.
var heldGroup protocol.Group

// scaleRun is one benchmark run's figures.
type scaleRun struct {
	res      *driver.Result
	wall     time.Duration
	cpu      time.Duration // process CPU time, all threads
	held     uint64        // live heap after the run, the group still held
	peak     uint64        // peak resident set of the process so far, bytes
	modelled int64         // sender and receivers' modelled CPU, ns
}

// runScale runs cfg once in scaled mode with a CPU clock and measures it.
func runScale(b *testing.B, cfg *driver.Config) scaleRun {
	b.Helper()
	var g protocol.Group
	d := &driver.Driver{Clock: bench.CPUTime, Protocols: map[string]protocol.Factory{"mls": func(env protocol.Env) (protocol.Group, error) {
		var err error
		g, err = mlsgroup.New(env)
		return g, err
	}}}
	base := liveHeap()
	cpu0, t0 := bench.CPUTime(), time.Now()
	last := -1
	res, err := d.Run(context.Background(), cfg, 1, func(p driver.Progress) {
		// Long runs say how far they are, on stderr.
		if pct := int(10 * p.Done / max(p.Total, 1)); pct > last {
			last = pct
			fmt.Fprintf(os.Stderr, "%s: %d%% of virtual time after %s wall, %d events\n", b.Name(), 10*pct, time.Since(t0).Round(time.Second), p.Events)
		}
	})
	if err != nil {
		b.Fatal(err)
	}
	r := scaleRun{res: res, wall: time.Since(t0), cpu: time.Duration(bench.CPUTime() - cpu0)}
	r.held = liveHeap() - base
	heldGroup = g
	r.peak = peakRSS()
	for _, e := range res.Events {
		r.modelled += e.SenderModelCPU + int64(e.Processed)*e.ReceiverModelCPU
	}
	return r
}

// report puts a run's figures on the benchmark line.
func (r scaleRun) report(b *testing.B, n int) {
	b.ReportMetric(r.wall.Seconds(), "wall-s")
	b.ReportMetric(r.cpu.Seconds(), "cpu-s")
	b.ReportMetric(float64(r.modelled)/1e9, "model-cpu-s")
	b.ReportMetric(float64(r.res.Stats.Commits), "commits")
	b.ReportMetric(float64(r.res.Stats.Events)/r.wall.Seconds(), "events/s")
	b.ReportMetric(float64(r.held)/float64(n), "held-B/member")
	b.ReportMetric(float64(r.peak)/(1<<30), "peak-rss-GiB")
}

// peakRSS returns the process's peak resident set size (VmHWM), in bytes.
func peakRSS() uint64 {
	data, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return 0
	}
	for _, line := range strings.Split(string(data), "\n") {
		if rest, ok := strings.CutPrefix(line, "VmHWM:"); ok {
			kb, _ := strconv.ParseUint(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(rest), "kB")), 10, 64)
			return kb << 10
		}
	}
	return 0
}

// BenchmarkDay runs the built-in experiment's workload (experiments
// default.yaml: joins, leaves, daily self-updates, application messages,
// offline members, compromises, a commit every 10 minutes) for its one
// virtual day with 10^5 members in scaled mode (CGKALAB_BENCH_MAX=5; goal:
// under 2 minutes). Run it alone: peak RSS is the process's.
func BenchmarkDay(b *testing.B) {
	for _, l := range []int{4, 5} {
		if l > benchMaxLog10() {
			continue
		}
		n := pow10(l)
		b.Run(fmt.Sprintf("n=%d", n), func(b *testing.B) {
			cfg := experiments.Default().Expand()[0].Config
			cfg.Workload.Initial = n
			cfg.Fidelity = "scaled"
			cfg.Duration = benchDuration(cfg.Duration)
			var r scaleRun
			for b.Loop() {
				r = runScale(b, &cfg)
			}
			r.report(b, n)
		})
	}
}

// millionConfig is the 10^4-commit workload: a group of n members that
// starts warm (a long-lived group: every node keyed), self-updates as commits every 10 seconds, joins and
// leaves every 2 minutes committed every minute, application messages
// every 30 seconds, the default offline members (who catch up on return),
// a compromise every 30 minutes, for 25 virtual hours, in scaled mode.
func millionConfig(n int) *driver.Config {
	cfg := experiments.Default().Expand()[0].Config
	cfg.Workload.Initial = n
	cfg.Workload.Shape = protocol.Shape{Kind: protocol.ShapeWarm}
	cfg.Fidelity = "scaled"
	cfg.Duration = 25 * sim.Hour
	w := &cfg.Workload
	w.Joins = workload.Arrival{Process: "poisson", Every: 2 * sim.Minute}
	w.Leaves = workload.Arrival{Process: "poisson", Every: 2 * sim.Minute}
	w.Updates = workload.Arrival{Process: "poisson", Every: 10 * sim.Second}
	w.Messages = workload.Arrival{Process: "poisson", Every: 30 * sim.Second}
	w.Compromises = workload.Arrival{Process: "poisson", Every: 30 * sim.Minute}
	// Returning members process what they missed. With a commit every 10
	// seconds the default's limit of 500 missed commits would have every
	// member away for 83 minutes rejoin: some 20,000 removals and adds an
	// hour at 10^6 members, a workload of its own.
	w.Offline.MaxBacklog = 0
	cfg.Options = mlsOptions(func(o *mlsgroup.Options) {
		o.Commit.When, o.Commit.Every = "periodic", time.Minute
		o.Updates = "commit"
	})
	return &cfg
}

// BenchmarkMillion runs millionConfig: 10^6 members through about 10^4
// commits with churn and compromises (CGKALAB_BENCH_MAX=6; goals: under 10
// minutes, peak RSS under 8 GiB). Smaller groups run the same workload.
// Run it alone: peak RSS is the process's.
func BenchmarkMillion(b *testing.B) {
	for _, l := range []int{4, 5, 6} {
		if l > benchMaxLog10() {
			continue
		}
		n := pow10(l)
		b.Run(fmt.Sprintf("n=%d", n), func(b *testing.B) {
			var r scaleRun
			for b.Loop() {
				cfg := millionConfig(n)
				cfg.Duration = benchDuration(cfg.Duration)
				r = runScale(b, cfg)
			}
			r.report(b, n)
		})
	}
}

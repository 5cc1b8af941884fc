package bench

import (
	"context"
	"fmt"
	"io"
	"math/rand/v2"
	"strconv"
	"time"

	"golang.org/x/perf/benchfmt"

	"cgkalab/experiments"
	"cgkalab/models/suite"
	"cgkalab/sim/driver"
)

// SimSpec is a fixed simulator benchmark: an experiment file of one run.
// The files use only keys whose meaning is settled (name, duration,
// fidelity, sample, group.initial, workload.*, security.*), so that a
// result stays comparable across releases; commits follow the defaults.
type SimSpec struct {
	Name string
	YAML string
}

// SimSpecs are the specs `cgkalab bench sim` measures: a small group in
// full fidelity, where every member processes every commit and the
// security oracle runs, and a larger sampled group.
var SimSpecs = []SimSpec{
	{"full-64", `
name: bench-full-64
duration: 30m
fidelity: full
group: {initial: 64}
workload:
  joins:    {process: poisson, every: 2m}
  leaves:   {process: poisson, every: 2m}
  updates:  {process: poisson, every: 2h, per_member: true}
  messages: {process: poisson, every: 5m, per_member: true, size: {dist: lognormal, value: 200, sigma: 1, max: 65536}}
  offline:
    share: 0.2
    online:  {dist: lognormal, value: 20m, sigma: 0.8}
    offline: {dist: lognormal, value: 5m, sigma: 1}
security:
  compromises: {process: poisson, every: 10m}
  at: [5m]
`},
	{"sampled-4096", `
name: bench-sampled-4096
duration: 10m
fidelity: sampled
sample: 8
group: {initial: 4096}
workload:
  joins:    {process: poisson, every: 1m}
  leaves:   {process: poisson, every: 1m}
  updates:  {process: poisson, every: 24h, per_member: true}
  messages: {process: poisson, every: 24h, per_member: true, size: 200}
`},
}

// SimSpecByName returns the spec called name.
func SimSpecByName(name string) (SimSpec, bool) {
	for _, s := range SimSpecs {
		if s.Name == name {
			return s, true
		}
	}
	return SimSpec{}, false
}

// SimResult is one measured simulation.
type SimResult struct {
	Spec    string
	Members int // initial members
	Events  uint64
	Elapsed time.Duration
	CPU     time.Duration // process CPU time, all cores
	// Heap is the live heap at the end of the run, less the live heap
	// before it: the simulation's state (group, members, records).
	Heap  int64
	RefOp time.Duration // the reference operation, measured before and after
}

// EventsPerSecond is the simulated events per second of elapsed time.
func (r SimResult) EventsPerSecond() float64 { return float64(r.Events) / r.Elapsed.Seconds() }

// CPUPerEvent is the process CPU time per simulated event.
func (r SimResult) CPUPerEvent() float64 { return float64(r.CPU) / float64(r.Events) }

// MeasureSim runs spec once and measures it, with the reference operation
// (RefOp) measured before and after.
func MeasureSim(ctx context.Context, spec SimSpec) (SimResult, error) {
	decoded, err := experiments.Decode("bench sim "+spec.Name, []byte(spec.YAML))
	if err != nil {
		return SimResult{}, err
	}
	refBefore, err := refOpBatches()
	if err != nil {
		return SimResult{}, err
	}
	out := SimResult{Spec: spec.Name}
	before := int64(HeapInUse())
	start, cpu0 := time.Now(), CPUTime()
	ended := false
	res, members, err := simulate(ctx, decoded, func() {
		if ended {
			return
		}
		ended = true
		out.Elapsed, out.CPU = time.Since(start), time.Duration(CPUTime()-cpu0)
		out.Heap = int64(HeapInUse()) - before
	})
	if err != nil {
		return SimResult{}, fmt.Errorf("bench sim %s: %w", spec.Name, err)
	}
	if !ended {
		return SimResult{}, fmt.Errorf("bench sim %s: the driver never reported the end of the run", spec.Name)
	}
	refAfter, err := refOpBatches()
	if err != nil {
		return SimResult{}, err
	}
	out.Members, out.Events = members, res.Stats.Events
	out.RefOp = median(append(refBefore, refAfter...))
	return out, nil
}

// simulate performs the one run of spec as `cgkalab run` does, and calls
// atEnd when the run reaches its end in virtual time, while its state is
// still live. It returns the result and the initial group size. This is
// the one place that builds a simulator for the benchmarks.
func simulate(ctx context.Context, spec *experiments.Spec, atEnd func()) (*driver.Result, int, error) {
	runs := spec.Expand()
	if len(runs) != 1 {
		return nil, 0, fmt.Errorf("want one run, the spec has %d", len(runs))
	}
	r := runs[0]
	d := &driver.Driver{Protocols: experiments.Protocols(), Clock: CPUTime}
	res, err := d.Run(ctx, &r.Config, r.Seed, func(p driver.Progress) {
		if p.Done >= p.Total {
			atEnd()
		}
	})
	return res, r.Config.Workload.Initial, err
}

// RefOp measures the reference operation: one HPKE EncryptWithLabel of a
// 32-byte secret under suite 1 (DHKEM(X25519), AES-128-GCM; RFC 9420,
// Section 5.1.3), the operation that dominates a commit's cost. It returns
// the median process CPU time per operation over a few batches.
func RefOp() (time.Duration, error) {
	b, err := refOpBatches()
	if err != nil {
		return 0, err
	}
	return median(b), nil
}

// refOpBatches returns the CPU time per reference operation of each of a
// few short batches. MeasureSim takes batches before and after a run, so
// that a machine slowed by other work for part of the run weighs on the
// reference as on the run.
func refOpBatches() ([]time.Duration, error) {
	s, err := suite.ByID(1)
	if err != nil {
		return nil, err
	}
	rng := rand.NewChaCha8(seedBytes(7))
	secret := make([]byte, 32)
	priv, err := s.DeriveKeyPair(secret)
	if err != nil {
		return nil, err
	}
	ctx := make([]byte, 100)
	const batches, per = 7, 100
	times := make([]time.Duration, batches)
	for i := range times {
		cpu := CPUTime()
		for range per {
			if _, _, err := s.EncryptWithLabel(priv.PublicKey(), "UpdatePathNode", ctx, secret, rng); err != nil {
				return nil, err
			}
		}
		times[i] = time.Duration(CPUTime()-cpu) / per
	}
	return times, nil
}

// WriteSimResults writes one BenchmarkSim line per result.
func WriteSimResults(rw *ResultWriter, results []SimResult) error {
	for _, r := range results {
		name := Name("Sim", "spec", r.Spec, "members", strconv.Itoa(r.Members))
		err := rw.Write(name,
			benchfmt.Value{Value: r.EventsPerSecond(), Unit: "events/s"},
			benchfmt.Value{Value: r.CPUPerEvent(), Unit: "cpu-ns/event"},
			benchfmt.Value{Value: float64(r.Heap) / float64(r.Members), Unit: "B/member"},
			benchfmt.Value{Value: r.CPUPerEvent() / float64(r.RefOp), Unit: "ref-ops/event"},
		)
		if err != nil {
			return err
		}
	}
	return nil
}

// WriteSimTable prints results as an aligned text table.
func WriteSimTable(w io.Writer, results []SimResult) {
	fmt.Fprintf(w, "%-14s %8s %8s %10s %10s %12s %12s %14s\n", "spec", "members", "events", "elapsed", "events/s", "CPU/event", "heap/member", "ref-ops/event")
	for _, r := range results {
		fmt.Fprintf(w, "%-14s %8d %8d %10s %10.0f %12s %12.0f %14.1f\n", r.Spec, r.Members, r.Events, round(r.Elapsed),
			r.EventsPerSecond(), round(time.Duration(r.CPUPerEvent())), float64(r.Heap)/float64(r.Members), r.CPUPerEvent()/float64(r.RefOp))
	}
}

package bench

import (
	"context"
	"os"
	"slices"
	"testing"
	"time"

	"cgkalab/models/suite"
)

// The CI smoke benchmark holds ratios measured in one process, not
// absolute times, so that it passes on any machine and under load, and
// fails on a gross regression: work that stops being bounded by its own
// cryptography. The bounds are about twice the largest ratios measured
// in seven runs on a 2-core machine under a load of 6 to 15 (creation
// 0.89 to 1.45, processing 0.91 to 1.59, simulator 103 to 136).
const (
	// smokeCreateBound bounds commit creation's CPU time over its
	// cryptography's, at 2^12 members.
	smokeCreateBound = 3.0
	// smokeProcessBound bounds commit processing's.
	smokeProcessBound = 4.0
	// smokeSimBound bounds the simulator's CPU time per event of the
	// full-64 spec, in reference operations (RefOp).
	smokeSimBound = 300.0
)

// TestSmoke runs when CGKALAB_SMOKE=1 (.ci/run sets it). With
// CGKALAB_SMOKE_OUT=FILE it also writes its measurements there in the Go
// benchmark format.
func TestSmoke(t *testing.T) {
	if os.Getenv("CGKALAB_SMOKE") != "1" {
		t.Skip("the smoke benchmark runs with CGKALAB_SMOKE=1")
	}
	start := time.Now()
	s, err := suite.ByID(1)
	if err != nil {
		t.Fatal(err)
	}
	rows, err := TreeTable(s, []int{1 << 12}, []TreeShape{Warm, Built}, 7, t.Output())
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range rows {
		var create, process []float64
		for _, x := range r.Samples {
			create = append(create, float64(x.CreateCPU)/float64(x.CreateCrCPU))
			process = append(process, float64(x.ProcessCPU)/float64(x.ProcCrCPU))
		}
		check(t, "commit creation, "+string(r.Shape)+" n=4096, CPU time / its crypto", medianOf(create), smokeCreateBound)
		check(t, "commit processing, "+string(r.Shape)+" n=4096, CPU time / its crypto", medianOf(process), smokeProcessBound)
	}
	spec, _ := SimSpecByName("full-64")
	var sims []SimResult
	var perRef []float64
	for range 3 {
		r, err := MeasureSim(context.Background(), spec)
		if err != nil {
			t.Fatal(err)
		}
		sims = append(sims, r)
		perRef = append(perRef, r.CPUPerEvent()/float64(r.RefOp))
		t.Logf("sim %s: %d events, %.0f events/s, reference op %s", r.Spec, r.Events, r.EventsPerSecond(), r.RefOp)
	}
	check(t, "simulator full-64, CPU time per event / reference op", medianOf(perRef), smokeSimBound)
	if out := os.Getenv("CGKALAB_SMOKE_OUT"); out != "" {
		writeSmoke(t, out, s, rows, sims)
	}
	t.Logf("smoke benchmark took %s", time.Since(start).Round(time.Millisecond))
}

func check(t *testing.T, what string, ratio, bound float64) {
	t.Helper()
	t.Logf("%s: %.2f (bound %.2f)", what, ratio, bound)
	if !(ratio <= bound) {
		t.Errorf("%s: %.2f exceeds its bound %.2f", what, ratio, bound)
	}
}

func medianOf(v []float64) float64 {
	s := slices.Clone(v)
	slices.Sort(s)
	return s[len(s)/2]
}

func writeSmoke(t *testing.T, out string, s *suite.Suite, rows []TreeRow, sims []SimResult) {
	f, err := os.Create(out)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	cfg, err := FileConfig("", nil)
	if err != nil {
		t.Fatal(err)
	}
	rw := NewResultWriter(f, cfg)
	if err := WriteTreeResults(rw, uint16(s.ID), rows); err != nil {
		t.Fatal(err)
	}
	if err := WriteSimResults(rw, sims); err != nil {
		t.Fatal(err)
	}
}

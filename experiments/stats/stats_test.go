package stats

import (
	"math"
	"strings"
	"testing"
)

func TestDescribe(t *testing.T) {
	xs := []float64{5, 1, 4, 2, 3, 10, 9, 8, 7, 6}
	s, err := Describe(xs)
	if err != nil {
		t.Fatal(err)
	}
	// Nearest rank: the p-quantile of 1..10 is the ⌈10p⌉-th value.
	if s.N != 10 || s.Min != 1 || s.Max != 10 || s.P10 != 1 || s.P25 != 3 || s.P50 != 5 || s.P75 != 8 || s.P90 != 9 || s.P99 != 10 {
		t.Errorf("summary %+v", s)
	}
	// Mean 5.5; sample variance Σ(x−5.5)²/9 = 82.5/9.
	if s.Mean != 5.5 || !near(s.StdDev, math.Sqrt(82.5/9), 1e-12) {
		t.Errorf("mean %v, sd %v", s.Mean, s.StdDev)
	}
	if xs[0] != 5 {
		t.Error("Describe sorted its argument")
	}
	one, err := Describe([]float64{3})
	if err != nil || one.P50 != 3 || one.P99 != 3 || !math.IsNaN(one.StdDev) {
		t.Errorf("one value: %+v, %v", one, err)
	}
	if _, err := Describe(nil); err == nil {
		t.Error("empty sample accepted")
	}
	if _, err := Describe([]float64{1, math.NaN()}); err == nil {
		t.Error("NaN accepted")
	}
}

// TestMeanCI checks the Student-t interval against a value worked out by
// hand: 2, 4, 6, 8 have mean 5 and sample standard deviation
// √(20/3) = 2.581989; the standard error is 2.581989/2 = 1.290994 and
// t(0.975; 3) = 3.182446, so the 95 % interval is 5 ± 4.108521.
func TestMeanCI(t *testing.T) {
	e, err := MeanCI([]float64{2, 4, 6, 8}, 0.95)
	if err != nil {
		t.Fatal(err)
	}
	if e.N != 4 || e.Mean != 5 || !near(e.StdDev, 2.581989, 1e-6) || !near(e.HalfWidth(), 4.108521, 1e-6) ||
		!near(e.Lower, 0.891479, 1e-6) || !near(e.Upper, 9.108521, 1e-6) {
		t.Errorf("estimate %+v", e)
	}
	one, err := MeanCI([]float64{7}, 0.95)
	if err != nil || one.Mean != 7 || !math.IsNaN(one.Lower) || !math.IsNaN(one.HalfWidth()) {
		t.Errorf("one seed: %+v, %v", one, err)
	}
	for _, c := range []struct {
		xs    []float64
		level float64
		want  string
	}{
		{nil, 0.95, "empty"},
		{[]float64{1, math.Inf(1)}, 0.95, "+Inf"},
		{[]float64{1, 2}, 0, "level 0"},
	} {
		if _, err := MeanCI(c.xs, c.level); err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("MeanCI(%v, %v): %v, want %q", c.xs, c.level, err, c.want)
		}
	}
}

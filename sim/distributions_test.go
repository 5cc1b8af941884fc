package sim

import (
	"fmt"
	"math"
	"slices"
	"testing"
)

// The draws are seeded, so these tests cannot flake; the tolerances are
// still several standard errors wide, so that a different seed would pass
// too and a wrong formula would not.

const nDraws = 100_000

func sampleMean(n int, draw func() float64) float64 {
	sum := 0.0
	for range n {
		sum += draw()
	}
	return sum / float64(n)
}

func checkNear(t *testing.T, what string, got, want, relTol float64) {
	t.Helper()
	if math.Abs(got-want) > relTol*math.Abs(want) {
		t.Errorf("%s = %.5g, want %.5g within %.1f%%", what, got, want, 100*relTol)
	}
}

func TestExponential(t *testing.T) {
	r := NewStreams(1).Stream("test/exponential")
	// Standard error of the mean: 1/sqrt(1e5) = 0.3%.
	checkNear(t, "mean of Exponential(3600)", sampleMean(nDraws, func() float64 { return Dist{Kind: DistExponential, Value: 3600}.Sample(r) }), 3600, 0.015)
}

func TestLogNormal(t *testing.T) {
	r := NewStreams(1).Stream("test/lognormal")
	const median, sigma = 60.0, 1.0
	xs := make([]float64, nDraws)
	for i := range xs {
		xs[i] = Dist{Kind: DistLogNormal, Value: median, Sigma: sigma}.Sample(r)
	}
	mean := 0.0
	for _, x := range xs {
		mean += x / nDraws
	}
	// Standard error of the mean: sqrt(e-1)/sqrt(1e5) = 0.4%.
	checkNear(t, "mean of LogNormal(60, 1)", mean, median*math.Exp(sigma*sigma/2), 0.025)
	slices.Sort(xs)
	checkNear(t, "median of LogNormal(60, 1)", xs[nDraws/2], median, 0.02)
}

func TestPareto(t *testing.T) {
	r := NewStreams(1).Stream("test/pareto")
	const xm, alpha = 2.0, 3.0
	sum, over, lo := 0.0, 0, math.Inf(1)
	for range nDraws {
		x := Dist{Kind: DistPareto, Value: xm, Alpha: alpha}.Sample(r)
		sum += x
		lo = math.Min(lo, x)
		if x > 2*xm {
			over++
		}
	}
	if lo < xm {
		t.Errorf("Pareto(%v, %v) drew %v < xm", xm, alpha, lo)
	}
	// Standard error of the mean: sqrt(3/4)/1.5/sqrt(1e5) = 0.2%.
	checkNear(t, "mean of Pareto(2, 3)", sum/nDraws, alpha*xm/(alpha-1), 0.02)
	// P(X > 2xm) = 2^-alpha = 1/8; standard error 0.8% relative.
	checkNear(t, "P(Pareto(2, 3) > 4)", float64(over)/nDraws, 0.125, 0.05)
}

func TestUniform(t *testing.T) {
	r := NewStreams(1).Stream("test/uniform")
	sum := 0.0
	for range nDraws {
		x := Dist{Kind: DistUniform, Value: 10, Max: 20}.Sample(r)
		if x < 10 || x >= 20 {
			t.Fatalf("Uniform(10, 20) drew %v", x)
		}
		sum += x
	}
	checkNear(t, "mean of Uniform(10, 20)", sum/nDraws, 15, 0.005)
}

func TestChooseK(t *testing.T) {
	r := NewStreams(1).Stream("test/choose")
	const n, k, trials = 50, 8, 20_000
	var counts [n]int
	for range trials {
		got := ChooseK(r, n, k)
		if len(got) != k {
			t.Fatalf("ChooseK(%d, %d) returned %d values", n, k, len(got))
		}
		for i, v := range got {
			if v < 0 || v >= n || (i > 0 && v <= got[i-1]) {
				t.Fatalf("ChooseK(%d, %d) = %v: want distinct increasing values in [0, %d)", n, k, got, n)
			}
			counts[v]++
		}
	}
	// Each value is chosen with probability k/n: expected 3200 times,
	// standard deviation about 52.
	for v, c := range counts {
		checkNear(t, fmt.Sprintf("times %d was chosen", v), float64(c), trials*k/n, 0.1)
	}

	for _, tc := range []struct{ n, k int }{{0, 0}, {10, 0}, {10, 10}, {1000, 500}, {100_000, 65}} {
		got := ChooseK(r, tc.n, tc.k)
		if len(got) != tc.k || !slices.IsSorted(got) || len(slices.Compact(slices.Clone(got))) != tc.k ||
			(tc.k > 0 && (got[0] < 0 || got[tc.k-1] >= tc.n)) {
			t.Errorf("ChooseK(%d, %d): not %d distinct sorted values in range", tc.n, tc.k, tc.k)
		}
	}

	dst := make([]int, 0, k)
	if a := testing.AllocsPerRun(100, func() { dst = AppendChooseK(dst[:0], r, 100_000, k) }); a != 0 {
		t.Errorf("AppendChooseK with room for k allocates %.1f times, want 0", a)
	}

	defer func() {
		if recover() == nil {
			t.Error("ChooseK(3, 4) did not panic")
		}
	}()
	ChooseK(r, 3, 4)
}

// TestChooseKDeterministic checks that the same stream gives the same
// choices, which the sampled fidelity mode relies on.
func TestChooseKDeterministic(t *testing.T) {
	a := ChooseK(NewStreams(7).Stream("receivers"), 50_000, 8)
	b := ChooseK(NewStreams(7).Stream("receivers"), 50_000, 8)
	if !slices.Equal(a, b) {
		t.Fatalf("same stream, different choices: %v and %v", a, b)
	}
}

// TestTruncation: max caps the unbounded families.
func TestTruncation(t *testing.T) {
	r := NewStreams(9).Stream("test/truncation")
	d := Dist{Kind: DistPareto, Value: 200, Alpha: 0.01, Max: 65536}
	capped := 0
	for range 1000 {
		x := d.Sample(r)
		if x < 200 || x > 65536 {
			t.Fatalf("draw %g outside [200, 65536]", x)
		}
		if x == 65536 {
			capped++
		}
	}
	if capped < 900 {
		t.Errorf("only %d of 1000 draws of a tail index 0.01 reached the cap", capped)
	}
}

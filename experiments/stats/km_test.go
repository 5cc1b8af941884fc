package stats

import (
	"math"
	"strings"
	"testing"
)

// TestKaplanMeierByHand checks the estimator against a small example with
// ties and censoring, worked out by hand. Ten healing times (hours; "+"
// marks a compromise still unhealed, censored, when the run ended):
//
//	1, 2, 2, 3+, 4, 5+, 6, 7+, 8, 9+
//
// At each distinct time t: n at risk (time ≥ t), d events, c censored;
// S(t) = Π (1 − d/n); Greenwood's sum V = Σ d/(n(n−d)).
//
//	t   n  d  c   S                      V
//	1  10  1  0   9/10        = 0.9      1/90                  = 0.011111
//	2   9  2  0   0.9·7/9     = 0.7      1/90 + 2/63   = 3/70  = 0.042857
//	3   7  0  1   0.7                    3/70
//	4   6  1  0   0.7·5/6     = 7/12     3/70 + 1/30   = 8/105 = 0.076190
//	5   5  0  1   7/12                   8/105
//	6   4  1  0   7/12·3/4    = 7/16     8/105 + 1/12  = 67/420 = 0.159524
//	7   3  0  1   7/16                   67/420
//	8   2  1  0   7/16·1/2    = 7/32     67/420 + 1/2  = 277/420 = 0.659524
//	9   1  0  1   7/32                   277/420
//
// The log–log band at 95 % (z = 1.959964): se = √V/|ln S| and the limits
// are S^exp(±z·se). At t = 1: se = 0.105409/0.105361 = 1.000463,
// exp(z·se) = 7.105511, lower = 0.9^7.105511 = 0.473009 and
// upper = 0.9^(1/7.105511) = 0.985281. Likewise
//
//	t   se        lower     upper
//	2   0.580416  0.328717  0.891949
//	4   0.512111  0.229787  0.820739
//	6   0.483143  0.118715  0.725649
//	8   0.534345  0.013149  0.586675
//
// Median: the first time with S ≤ 1/2 is 6 (S = 7/16). Its interval
// (Brookmeyer–Crowley, inverting the band): the lower limit is the first
// time the band's lower limit is ≤ 1/2, which is already 1 (0.473); the
// upper limit would be the first time the band's upper limit is ≤ 1/2,
// but it ends at 0.587: not reached.
//
// Variant: if the last time is an event (9 instead of 9+), the one
// member at risk heals, S(9) = 0 with a band [0, 0], and the upper limit
// is 9.
func TestKaplanMeierByHand(t *testing.T) {
	times := []float64{9, 2, 1, 3, 4, 5, 6, 7, 8, 2} // order must not matter
	obs := []bool{false, true, true, false, true, false, true, false, true, true}
	km, err := KaplanMeier(times, obs, 0.95)
	if err != nil {
		t.Fatal(err)
	}
	want := []Step{
		{Time: 1, AtRisk: 10, Events: 1, S: 0.9, Greenwood: 1.0 / 90, Lower: 0.473009, Upper: 0.985281},
		{Time: 2, AtRisk: 9, Events: 2, S: 0.7, Greenwood: 3.0 / 70, Lower: 0.328717, Upper: 0.891949},
		{Time: 3, AtRisk: 7, Censored: 1, S: 0.7, Greenwood: 3.0 / 70, Lower: 0.328717, Upper: 0.891949},
		{Time: 4, AtRisk: 6, Events: 1, S: 7.0 / 12, Greenwood: 8.0 / 105, Lower: 0.229787, Upper: 0.820739},
		{Time: 5, AtRisk: 5, Censored: 1, S: 7.0 / 12, Greenwood: 8.0 / 105, Lower: 0.229787, Upper: 0.820739},
		{Time: 6, AtRisk: 4, Events: 1, S: 7.0 / 16, Greenwood: 67.0 / 420, Lower: 0.118715, Upper: 0.725649},
		{Time: 7, AtRisk: 3, Censored: 1, S: 7.0 / 16, Greenwood: 67.0 / 420, Lower: 0.118715, Upper: 0.725649},
		{Time: 8, AtRisk: 2, Events: 1, S: 7.0 / 32, Greenwood: 277.0 / 420, Lower: 0.013149, Upper: 0.586675},
		{Time: 9, AtRisk: 1, Censored: 1, S: 7.0 / 32, Greenwood: 277.0 / 420, Lower: 0.013149, Upper: 0.586675},
	}
	if km.N != 10 || km.Events != 6 || km.Censored != 4 || len(km.Steps) != len(want) {
		t.Fatalf("N %d, events %d, censored %d, %d steps", km.N, km.Events, km.Censored, len(km.Steps))
	}
	for i, w := range want {
		g := km.Steps[i]
		if g.Time != w.Time || g.AtRisk != w.AtRisk || g.Events != w.Events || g.Censored != w.Censored ||
			!near(g.S, w.S, 1e-12) || !near(g.Greenwood, w.Greenwood, 1e-12) ||
			!near(g.Lower, w.Lower, 1e-6) || !near(g.Upper, w.Upper, 1e-6) {
			t.Errorf("step %d: got %+v\nwant %+v", i, g, w)
		}
	}
	m := km.Median()
	if m.Value != 6 || m.Lower != 1 || !math.IsInf(m.Upper, 1) || !m.Reached() || m.Level != 0.95 {
		t.Errorf("median %+v, want 6 in [1, not reached]", m)
	}
	for _, c := range []struct{ t, s float64 }{{0.5, 1}, {1, 0.9}, {3.5, 0.7}, {6, 7.0 / 16}, {100, 7.0 / 32}} {
		if got := km.At(c.t); !near(got, c.s, 1e-12) {
			t.Errorf("S(%v) = %v, want %v", c.t, got, c.s)
		}
	}

	obs[0] = true // the variant: 9 is an event
	km, err = KaplanMeier(times, obs, 0.95)
	if err != nil {
		t.Fatal(err)
	}
	last := km.Steps[len(km.Steps)-1]
	if last.S != 0 || last.Lower != 0 || last.Upper != 0 || !math.IsInf(last.Greenwood, 1) {
		t.Errorf("last step %+v, want S = 0 with a band [0, 0]", last)
	}
	if m := km.Median(); m.Value != 6 || m.Lower != 1 || m.Upper != 9 {
		t.Errorf("variant median %+v, want 6 in [1, 9]", m)
	}
}

// TestMedianNotReached: six compromises, two heal (at 1 and 2 h), four
// are censored; S falls to 5/6 and then 2/3 and stays there, so the
// median is not reached. The band's lower limit at t = 1 is
// (5/6)^7.118377 = 0.273 ≤ 1/2, so the interval's lower limit is 1: the
// data say the median is at least about 1 h, and bound it no further.
func TestMedianNotReached(t *testing.T) {
	km, err := KaplanMeier([]float64{1, 2, 3, 4, 5, 6}, []bool{true, true, false, false, false, false}, 0.95)
	if err != nil {
		t.Fatal(err)
	}
	m := km.Median()
	if m.Reached() || !math.IsInf(m.Value, 1) || !math.IsInf(m.Upper, 1) || m.Lower != 1 {
		t.Errorf("median %+v, want not reached with lower limit 1", m)
	}
	if !near(km.Steps[0].Lower, 0.273123, 1e-6) || !near(km.Steps[1].Upper, 0.904434, 1e-6) {
		t.Errorf("band %+v", km.Steps[:2])
	}
	// A quarter has healed by 2 h (S = 2/3 ≤ 3/4).
	if q := km.Quantile(0.25); q.Value != 2 {
		t.Errorf("quartile %+v", q)
	}

	// Nothing healed at all.
	km, err = KaplanMeier([]float64{5, 7}, []bool{false, false}, 0.95)
	if err != nil {
		t.Fatal(err)
	}
	if m := km.Median(); m.Reached() || !math.IsInf(m.Lower, 1) || km.Events != 0 || km.Steps[1].S != 1 {
		t.Errorf("all censored: median %+v, steps %+v", m, km.Steps)
	}
}

// TestMedianExactHalf: S falls to exactly 1/2 (a product of fractions
// that rounds) and the median is that time, not the next.
func TestMedianExactHalf(t *testing.T) {
	// S = 5/6 · 4/5 · 3/4 = 1/2 at t = 3.
	km, err := KaplanMeier([]float64{1, 2, 3, 4, 5, 6}, []bool{true, true, true, false, true, false}, 0.9)
	if err != nil {
		t.Fatal(err)
	}
	if m := km.Median(); m.Value != 3 {
		t.Errorf("median %+v, want 3", m)
	}
}

func TestKaplanMeierBadInput(t *testing.T) {
	for _, c := range []struct {
		times []float64
		obs   []bool
		level float64
		want  string
	}{
		{nil, nil, 0.95, "no observations"},
		{[]float64{1}, []bool{true, false}, 0.95, "1 times but 2 event flags"},
		{[]float64{1, -2}, []bool{true, true}, 0.95, "observation 1: time -2"},
		{[]float64{math.NaN()}, []bool{true}, 0.95, "time NaN"},
		{[]float64{math.Inf(1)}, []bool{false}, 0.95, "time +Inf"},
		{[]float64{1}, []bool{true}, 1, "level 1 not in (0, 1)"},
	} {
		if _, err := KaplanMeier(c.times, c.obs, c.level); err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("KaplanMeier(%v, %v, %v): error %v, want %q", c.times, c.obs, c.level, err, c.want)
		}
	}
}

func near(a, b, tol float64) bool { return math.Abs(a-b) <= tol }

// TestKaplanMeierWithoutCensoring: with every event observed the estimate
// is one minus the empirical distribution function, and its median the
// nearest-rank median Describe reports.
func TestKaplanMeierWithoutCensoring(t *testing.T) {
	xs := []float64{3.5, 1, 8, 2, 2, 13, 5, 0, 21, 1}
	obs := make([]bool, len(xs))
	for i := range obs {
		obs[i] = true
	}
	km, err := KaplanMeier(xs, obs, 0.95)
	if err != nil {
		t.Fatal(err)
	}
	for _, x := range append(xs, -1, 4, 100) {
		below := 0
		for _, y := range xs {
			if y <= x {
				below++
			}
		}
		if got, want := km.At(x), 1-float64(below)/float64(len(xs)); !near(got, want, 1e-12) {
			t.Errorf("S(%v) = %v, want %v", x, got, want)
		}
	}
	d, _ := Describe(xs)
	if m := km.Median(); m.Value != d.P50 {
		t.Errorf("median %v, nearest-rank median %v", m.Value, d.P50)
	}
}

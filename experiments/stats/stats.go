// Package stats holds the statistics the lab reports on result values:
// Kaplan–Meier survival estimates for right-censored times (PCS healing
// times of compromises that had not healed when a run ended), means with
// Student-t confidence intervals across seeds, and quantile summaries.
//
// It is a leaf: it imports gonum's stat packages and the standard library
// only, so the experiments package (which writes the summaries) and the
// plots and report packages (which read result files) share one
// implementation. Quantiles, means, standard deviations and the normal and
// Student-t quantiles come from gonum; only the Kaplan–Meier product and
// Greenwood's sum, which gonum does not have, are written here.
package stats

import (
	"errors"
	"fmt"
	"math"
	"slices"

	"gonum.org/v1/gonum/stat"
	"gonum.org/v1/gonum/stat/distuv"
)

// Level is the confidence level the lab reports intervals at.
const Level = 0.95

// Summary describes a sample. Quantiles are nearest-rank (gonum's
// stat.Empirical: the smallest value with at least the fraction p of the
// sample at or below it), so every quantile is a value that occurred.
type Summary struct {
	N                                 int
	Mean, StdDev                      float64 // StdDev: sample (n−1) standard deviation; NaN for n < 2
	Min, P10, P25, P50, P75, P90, P99 float64
	Max                               float64
}

// Describe summarises xs, which it leaves unchanged. An empty sample, or
// one holding NaN, is an error.
func Describe(xs []float64) (Summary, error) {
	if len(xs) == 0 {
		return Summary{}, errors.New("stats: empty sample")
	}
	if slices.ContainsFunc(xs, math.IsNaN) {
		return Summary{}, errors.New("stats: sample holds NaN")
	}
	s := slices.Clone(xs)
	slices.Sort(s)
	q := func(p float64) float64 { return stat.Quantile(p, stat.Empirical, s, nil) }
	sum := Summary{N: len(s), Min: s[0], Max: s[len(s)-1],
		P10: q(0.10), P25: q(0.25), P50: q(0.50), P75: q(0.75), P90: q(0.90), P99: q(0.99)}
	sum.Mean, sum.StdDev = stat.MeanStdDev(s, nil)
	if len(s) < 2 {
		sum.StdDev = math.NaN()
	}
	return sum, nil
}

// Estimate is a mean with its two-sided confidence interval.
type Estimate struct {
	N            int
	Mean, StdDev float64
	// Lower and Upper bound the interval; NaN when N < 2 (one seed says
	// nothing about the spread).
	Lower, Upper float64
	Level        float64
}

// HalfWidth is half the interval's width; NaN without an interval.
func (e Estimate) HalfWidth() float64 { return (e.Upper - e.Lower) / 2 }

// MeanCI returns the mean of xs with the Student-t confidence interval at
// level: mean ± t(1−α/2; n−1)·s/√n, which assumes the per-seed values are
// independent draws of a roughly normal quantity (seeds are independent;
// with few seeds normality is an assumption the reader should know).
func MeanCI(xs []float64, level float64) (Estimate, error) {
	if !(level > 0 && level < 1) {
		return Estimate{}, fmt.Errorf("stats: confidence level %v not in (0, 1)", level)
	}
	if len(xs) == 0 {
		return Estimate{}, errors.New("stats: empty sample")
	}
	for _, x := range xs {
		if math.IsNaN(x) || math.IsInf(x, 0) {
			return Estimate{}, fmt.Errorf("stats: sample holds %v", x)
		}
	}
	e := Estimate{N: len(xs), Level: level, Lower: math.NaN(), Upper: math.NaN(), StdDev: math.NaN()}
	if len(xs) == 1 {
		e.Mean = xs[0]
		return e, nil
	}
	e.Mean, e.StdDev = stat.MeanStdDev(xs, nil)
	t := distuv.StudentsT{Mu: 0, Sigma: 1, Nu: float64(len(xs) - 1)}.Quantile(1 - (1-level)/2)
	h := t * stat.StdErr(e.StdDev, float64(len(xs)))
	e.Lower, e.Upper = e.Mean-h, e.Mean+h
	return e, nil
}

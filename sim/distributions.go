package sim

import (
	"math"
	"math/rand/v2"
	"slices"
)

// The distributions below take their generator explicitly, normally one
// from Streams.Stream, so that every draw is attributable to a named
// stream. They return float64 in whatever unit the caller's parameters use;
// FromSeconds turns a number of seconds into virtual time.

// Exponential returns a draw from the exponential distribution with the
// given mean: the gap between arrivals of a Poisson process with rate
// 1/mean.
func Exponential(r *rand.Rand, mean float64) float64 {
	return mean * r.ExpFloat64()
}

// LogNormal returns a draw from the log-normal distribution whose median is
// median and whose logarithm has standard deviation sigma: median *
// e^(sigma*Z) with Z standard normal. Its mean is median * e^(sigma²/2).
// Suitable for session lengths and other positive, right-skewed quantities.
func LogNormal(r *rand.Rand, median, sigma float64) float64 {
	return median * math.Exp(sigma*r.NormFloat64())
}

// Pareto returns a draw from the Pareto (type I) distribution with minimum
// xm and tail index alpha: P(X > x) = (xm/x)^alpha for x >= xm. The mean is
// alpha*xm/(alpha-1) for alpha > 1 and infinite otherwise; the variance is
// finite only for alpha > 2. Draws are finite (at most about
// xm * 2^(53/alpha)).
func Pareto(r *rand.Rand, xm, alpha float64) float64 {
	u := 1 - r.Float64() // in (0, 1]
	return xm * math.Pow(u, -1/alpha)
}

// Uniform returns a draw from the uniform distribution on [lo, hi).
func Uniform(r *rand.Rand, lo, hi float64) float64 {
	return lo + (hi-lo)*r.Float64()
}

// ChooseK returns k distinct integers chosen uniformly from [0, n), in
// increasing order. It panics if k < 0 or k > n, like rand.IntN for a bad
// bound.
func ChooseK(r *rand.Rand, n, k int) []int {
	return AppendChooseK(nil, r, n, k)
}

// AppendChooseK is ChooseK appending to dst: with a dst of capacity k it
// does not allocate for k up to 64.
//
// It uses Floyd's algorithm (Bentley and Floyd, "A sample of brilliance",
// CACM 1987), which makes exactly k draws whatever n is: for j from n-k to
// n-1 it draws t in [0, j] and takes t, or j if t was already taken.
func AppendChooseK(dst []int, r *rand.Rand, n, k int) []int {
	if k < 0 || k > n {
		panic("sim: ChooseK: k out of range [0, n]")
	}
	start := len(dst)
	if k <= 64 {
		// A linear scan of at most 64 entries beats a map, and needs no
		// allocation.
		for j := n - k; j < n; j++ {
			t := r.IntN(j + 1)
			if slices.Contains(dst[start:], t) {
				t = j
			}
			dst = append(dst, t)
		}
	} else {
		taken := make(map[int]struct{}, k) // lookups only: order-free
		for j := n - k; j < n; j++ {
			t := r.IntN(j + 1)
			if _, ok := taken[t]; ok {
				t = j
			}
			taken[t] = struct{}{}
			dst = append(dst, t)
		}
	}
	slices.Sort(dst[start:])
	return dst
}

var inf = math.Inf(1)

func expHalfSq(s float64) float64 { return math.Exp(s * s / 2) }

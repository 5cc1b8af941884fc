package sim

import (
	"math"
	"math/rand/v2"
	"slices"
)

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

package par

import (
	"sync/atomic"
	"testing"
)

// TestDo: every index runs exactly once, for sizes around the chunk and
// worker thresholds.
func TestDo(t *testing.T) {
	for _, chunk := range []int{0, 1, 64} {
		for _, n := range []int{0, 1, 2, 3, 63, 64, 127, 128, 129, 1000, 10007} {
			counts := make([]atomic.Int32, n)
			Do(n, chunk, func(i int) { counts[i].Add(1) })
			for i := range counts {
				if c := counts[i].Load(); c != 1 {
					t.Fatalf("n=%d chunk=%d: index %d ran %d times", n, chunk, i, c)
				}
			}
		}
	}
}

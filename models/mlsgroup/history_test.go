package mlsgroup

import (
	"math/rand/v2"
	"testing"

	tm "cgkalab/models/treemath"
)

// TestNodeHistoryLookups: the jump-pointer lookups of a node's state at an
// epoch and of its next change agree with a walk through every change,
// for nodes that change rarely and nodes that change at every commit.
func TestNodeHistoryLookups(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	h := newEdgeLog()
	h.grow(tm.LeafCount(4))
	changes := map[tm.NodeIndex][]uint32{}
	for e := uint32(1); e < 3000; e++ {
		for x := range tm.NodeIndex(7) {
			if rng.IntN(int(x)+1) == 0 {
				h.set(x, e, 0)
				changes[x] = append(changes[x], e)
			}
		}
	}
	for x := range tm.NodeIndex(7) {
		eps := changes[x]
		for q := uint32(0); q < 3001; q += 1 + uint32(rng.IntN(7)) {
			var at uint32
			var atOK, nextOK bool
			var next uint32
			for _, ep := range eps {
				if ep <= q {
					at, atOK = ep, true
				} else if !nextOK {
					next, nextOK = ep, true
				}
			}
			ev, ok := h.eventAt(x, q)
			if ok != atOK || ok && ev.epoch&epochMask != at {
				t.Fatalf("node %d at %d: got %d %v, want %d %v", x, q, ev.epoch&epochMask, ok, at, atOK)
			}
			if got, ok := h.nextChange(x, q); ok != nextOK || got != next {
				t.Fatalf("node %d after %d: got %d %v, want %d %v", x, q, got, ok, next, nextOK)
			}
		}
	}
}

package static

import (
	"container/heap"
	"time"
)

// history counts, at each join, the messages sent before it that had not
// yet disappeared (its total) and those among them under a key the joiner
// receives (readable): what a newly added device can read of the group's
// history, assuming the delivery service keeps the ciphertexts.
type history struct {
	live     []int // per generation: messages sent and not yet disappeared
	expiries expiryHeap
	readable int
	total    int
}

type expiry struct {
	at  time.Duration
	gen uint32
}

type expiryHeap []expiry

func (h expiryHeap) Len() int           { return len(h) }
func (h expiryHeap) Less(i, j int) bool { return h[i].at < h[j].at }
func (h expiryHeap) Swap(i, j int)      { h[i], h[j] = h[j], h[i] }
func (h *expiryHeap) Push(x any)        { *h = append(*h, x.(expiry)) }
func (h *expiryHeap) Pop() any {
	old := *h
	x := old[len(old)-1]
	*h = old[:len(old)-1]
	return x
}

// sent records a message under generation gen at now, disappearing after
// ttl (never when 0).
func (h *history) sent(now, ttl time.Duration, gen uint32) {
	for len(h.live) <= int(gen) {
		h.live = append(h.live, 0)
	}
	h.live[gen]++
	if ttl > 0 {
		heap.Push(&h.expiries, expiry{now + ttl, gen})
	}
}

// join records a device added at now that receives the keys of gens.
func (h *history) join(now time.Duration, gens []uint32) {
	for len(h.expiries) > 0 && h.expiries[0].at <= now {
		e := heap.Pop(&h.expiries).(expiry)
		h.live[e.gen]--
	}
	for _, n := range h.live {
		h.total += n
	}
	for _, gen := range gens {
		if int(gen) < len(h.live) {
			h.readable += h.live[gen]
		}
	}
}

// HistoryReadable reports, summed over every member added after the
// group's creation, the past messages (sent before it joined and not yet
// disappeared) it could read with the keys it received, and all such
// messages. A joiner receives the current group key only.
func (g *Group) HistoryReadable() (readable, total int) { return g.hist.readable, g.hist.total }

package protocol

import (
	"container/heap"
	"time"
)

// History counts what newly added devices can read of a group's past, for
// designs that give joiners old keys (an archive key): at each join, the
// messages sent before it that had not yet disappeared (the total) and
// those among them under a key generation the joiner receives (readable),
// assuming the delivery service keeps the ciphertexts.
type History struct {
	live     []int // per key generation: messages sent and not yet disappeared
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

// Sent records a message under key generation gen at now, disappearing
// after ttl (never when 0).
func (h *History) Sent(now, ttl time.Duration, gen uint32) {
	for len(h.live) <= int(gen) {
		h.live = append(h.live, 0)
	}
	h.live[gen]++
	if ttl > 0 {
		heap.Push(&h.expiries, expiry{now + ttl, gen})
	}
}

// Join records a device added at now that receives the keys of gens.
func (h *History) Join(now time.Duration, gens []uint32) {
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

// Readable reports, summed over every join, the past messages the joiner
// could read and all such messages.
func (h *History) Readable() (readable, total int) { return h.readable, h.total }

// HistoryReporter is implemented by groups that give newly added devices
// keys to past messages: what the design buys beside its exposure.
type HistoryReporter interface {
	HistoryReadable() (readable, total int)
}

package sim

// Queue is a priority queue of pending events: a 4-ary min-heap of
// (time, sequence number, payload) kept in one slice. Pop returns the
// event with the earliest time; events with equal times come out in the
// order they were pushed, because each Push takes the next sequence
// number and the heap orders by (time, sequence). Keys are therefore all
// distinct, so the order of pops depends only on the pushes, never on the
// heap's internal layout.
//
// The payload E is stored inline, not boxed in an interface, so Push and
// Pop do not allocate once the slice has grown to the largest number of
// pending events (Grow can reserve it up front). Every heap move copies an
// E, so keep E small: a kind and a few integer fields, with larger state
// held by the handler and referred to by index.
//
// # Cancelling events
//
// The queue has no per-event cancel. Removing an arbitrary entry from a
// heap needs each entry's position, which costs a write on every heap move
// of every event to serve the few that are cancelled. There are two cheap
// ways instead.
//
// Lazy cancellation, O(1), the usual case: put a generation number in the
// payload and keep the current generation beside the state the event
// refers to. To cancel, increment the current generation; when the stale
// event pops, the handler sees the mismatch and ignores it:
//
//	m.updateGen++ // cancels member m's pending self-update
//	...
//	case selfUpdate:
//		if ev.Gen != members[ev.Member].updateGen {
//			return nil // cancelled
//		}
//
// Eager cancellation in bulk, O(Len): Filter drops every pending event that
// a predicate rejects, for example all events of a member who left, and
// rebuilds the heap in linear time.
//
// The zero Queue is empty and ready to use. A Queue is not safe for
// concurrent use.
type Queue[E any] struct {
	h   []item[E]
	seq uint64 // sequence number of the next Push
}

type item[E any] struct {
	at  Time
	seq uint64
	ev  E
}

// before reports whether a pops before b.
func before[E any](a, b *item[E]) bool {
	return a.at < b.at || (a.at == b.at && a.seq < b.seq)
}

// Len returns the number of pending events.
func (q *Queue[E]) Len() int { return len(q.h) }

// Grow reserves room for n more pending events, so that the next n Pushes
// do not allocate.
func (q *Queue[E]) Grow(n int) {
	if n > cap(q.h)-len(q.h) {
		h := make([]item[E], len(q.h), len(q.h)+n)
		copy(h, q.h)
		q.h = h
	}
}

// Push adds event e at time at. The queue accepts any time; it is the
// Engine that refuses times in the past.
func (q *Queue[E]) Push(at Time, e E) {
	q.h = append(q.h, item[E]{at: at, seq: q.seq, ev: e})
	q.seq++
	q.up(len(q.h) - 1)
}

// Peek returns the earliest pending event without removing it. ok is false
// when the queue is empty.
func (q *Queue[E]) Peek() (at Time, e E, ok bool) {
	if len(q.h) == 0 {
		return 0, e, false
	}
	return q.h[0].at, q.h[0].ev, true
}

// Pop removes and returns the earliest pending event (the first pushed of
// those with the earliest time). ok is false when the queue is empty.
func (q *Queue[E]) Pop() (at Time, e E, ok bool) {
	h := q.h
	if len(h) == 0 {
		return 0, e, false
	}
	top := h[0]
	n := len(h) - 1
	last := h[n]
	h[n] = item[E]{} // drop references held by the payload
	q.h = h[:n]
	if n > 0 {
		q.down(0, last)
	}
	return top.at, top.ev, true
}

// Filter removes every pending event for which keep returns false and
// returns how many it removed. keep is called once per pending event, in
// no particular order, and must not use the queue. The relative order of
// the events kept is unchanged. Filter costs O(Len) and does not allocate.
func (q *Queue[E]) Filter(keep func(at Time, e E) bool) int {
	h := q.h
	n := 0
	for i := range h {
		if keep(h[i].at, h[i].ev) {
			h[n] = h[i]
			n++
		}
	}
	removed := len(h) - n
	if removed == 0 {
		return 0
	}
	clear(h[n:])
	h = h[:n]
	q.h = h
	// Floyd's heap construction: sift down every parent, last first.
	for i := (n - 2) / 4; i >= 0; i-- {
		q.down(i, h[i])
	}
	return removed
}

// up moves the entry at index i towards the root until its parent pops
// before it. It carries the entry in a hole instead of swapping.
func (q *Queue[E]) up(i int) {
	h := q.h
	x := h[i]
	for i > 0 {
		p := (i - 1) / 4
		if !before(&x, &h[p]) {
			break
		}
		h[i] = h[p]
		i = p
	}
	h[i] = x
}

// down places x, which belongs at index i or below, by moving the earliest
// child up while that child pops before x.
func (q *Queue[E]) down(i int, x item[E]) {
	h := q.h
	n := len(h)
	for {
		c := 4*i + 1
		if c >= n {
			break
		}
		m := c // earliest of the up to four children c .. c+3
		if c+3 < n {
			if before(&h[c+1], &h[m]) {
				m = c + 1
			}
			if before(&h[c+2], &h[m]) {
				m = c + 2
			}
			if before(&h[c+3], &h[m]) {
				m = c + 3
			}
		} else {
			for j := c + 1; j < n; j++ {
				if before(&h[j], &h[m]) {
					m = j
				}
			}
		}
		if !before(&h[m], &x) {
			break
		}
		h[i] = h[m]
		i = m
	}
	h[i] = x
}

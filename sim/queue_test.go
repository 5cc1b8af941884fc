package sim

import (
	"container/heap"
	"fmt"
	"math/rand/v2"
	"slices"
	"testing"
)

// testEvent is a payload of the size the workload is expected to use.
type testEvent struct {
	Kind   uint8
	Member uint32
	Gen    uint32
}

type timed struct {
	at Time
	ev testEvent
}

func popAll(q *Queue[testEvent]) []timed {
	var out []timed
	for {
		at, ev, ok := q.Pop()
		if !ok {
			return out
		}
		out = append(out, timed{at, ev})
	}
}

func TestQueueFIFOTies(t *testing.T) {
	var q Queue[testEvent]
	times := []Time{5 * Second, 1 * Second, 5 * Second, 3 * Second}
	for i := range 1000 {
		q.Push(times[i%len(times)], testEvent{Member: uint32(i)})
	}
	got := popAll(&q)
	if len(got) != 1000 {
		t.Fatalf("popped %d events, want 1000", len(got))
	}
	for i := 1; i < len(got); i++ {
		a, b := got[i-1], got[i]
		if a.at > b.at || (a.at == b.at && a.ev.Member >= b.ev.Member) {
			t.Fatalf("pop %d: (%v, member %d) after (%v, member %d): want time order, then push order",
				i, b.at, b.ev.Member, a.at, a.ev.Member)
		}
	}
}

// TestQueueMatchesStableSort pushes 10^5 seeded random times with many
// ties and checks that popping everything equals a stable sort by time.
func TestQueueMatchesStableSort(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	var q Queue[testEvent]
	var want []timed
	for i := range 100_000 {
		e := timed{Time(r.IntN(5000)) * Millisecond, testEvent{Member: uint32(i)}}
		want = append(want, e)
		q.Push(e.at, e.ev)
	}
	slices.SortStableFunc(want, func(a, b timed) int { return int(a.at - b.at) })
	if got := popAll(&q); !slices.Equal(got, want) {
		t.Fatal("pop order differs from a stable sort by time")
	}
}

// TestQueueMatchesContainerHeap interleaves pushes and pops (seeded) on the
// 4-ary heap and on the container/heap reference used by the benchmark.
func TestQueueMatchesContainerHeap(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 4))
	var q Queue[testEvent]
	var ref stdHeap
	now := Time(0)
	for i := range 100_000 {
		if r.IntN(3) == 0 && q.Len() > 0 {
			at, ev, _ := q.Pop()
			x := heap.Pop(&ref).(stdItem)
			if at != x.at || ev != x.ev {
				t.Fatalf("op %d: Pop = (%v, %+v), reference (%v, %+v)", i, at, ev, x.at, x.ev)
			}
			now = at
			continue
		}
		at := now + Time(r.IntN(100))*Second
		q.Push(at, testEvent{Member: uint32(i)})
		ref.push(at, testEvent{Member: uint32(i)})
		if q.Len() != ref.Len() {
			t.Fatalf("op %d: Len = %d, reference %d", i, q.Len(), ref.Len())
		}
	}
}

func TestQueueEmptyAndPeek(t *testing.T) {
	var q Queue[testEvent]
	if _, _, ok := q.Pop(); ok {
		t.Fatal("Pop on empty queue: ok")
	}
	if _, _, ok := q.Peek(); ok {
		t.Fatal("Peek on empty queue: ok")
	}
	q.Push(2*Second, testEvent{Member: 2})
	q.Push(Second, testEvent{Member: 1})
	at, ev, ok := q.Peek()
	if !ok || at != Second || ev.Member != 1 || q.Len() != 2 {
		t.Fatalf("Peek = (%v, %+v, %v) with Len %d, want (1s, member 1, true) with Len 2", at, ev, ok, q.Len())
	}
	if at2, ev2, _ := q.Pop(); at2 != at || ev2 != ev {
		t.Fatalf("Pop after Peek = (%v, %+v), want (%v, %+v)", at2, ev2, at, ev)
	}
}

func TestQueueFilter(t *testing.T) {
	r := rand.New(rand.NewPCG(5, 6))
	var q Queue[testEvent]
	var want []timed
	for i := range 10_000 {
		e := timed{Time(r.IntN(100)) * Second, testEvent{Member: uint32(i % 7)}}
		q.Push(e.at, e.ev)
		if e.ev.Member != 3 {
			want = append(want, e)
		}
	}
	removed := q.Filter(func(_ Time, e testEvent) bool { return e.Member != 3 })
	if removed != 10_000-len(want) || q.Len() != len(want) {
		t.Fatalf("Filter removed %d, Len %d; want removed %d, Len %d", removed, q.Len(), 10_000-len(want), len(want))
	}
	if n := q.Filter(func(Time, testEvent) bool { return true }); n != 0 {
		t.Fatalf("Filter keeping all removed %d", n)
	}
	slices.SortStableFunc(want, func(a, b timed) int { return int(a.at - b.at) })
	if got := popAll(&q); !slices.Equal(got, want) {
		t.Fatal("after Filter, pop order differs from a stable sort of the kept events")
	}
}

func TestQueueSteadyStateAllocs(t *testing.T) {
	var q Queue[testEvent]
	q.Grow(1000)
	for i := range 1000 {
		q.Push(Time(i), testEvent{})
	}
	allocs := testing.AllocsPerRun(1000, func() {
		at, ev, _ := q.Pop()
		q.Push(at+500, ev)
	})
	if allocs != 0 {
		t.Fatalf("pop+push allocates %.1f times, want 0", allocs)
	}
}

// stdHeap is the same ordering as Queue, written the textbook way with
// container/heap: the reference of TestQueueMatchesContainerHeap and the
// baseline of BenchmarkQueue. Items pass through heap.Push and heap.Pop as
// interface values, as container/heap requires.
type stdHeap struct {
	items []stdItem
	seq   uint64
}

type stdItem struct {
	at  Time
	seq uint64
	ev  testEvent
}

func (h *stdHeap) Len() int { return len(h.items) }
func (h *stdHeap) Less(i, j int) bool {
	a, b := &h.items[i], &h.items[j]
	return a.at < b.at || (a.at == b.at && a.seq < b.seq)
}
func (h *stdHeap) Swap(i, j int) { h.items[i], h.items[j] = h.items[j], h.items[i] }
func (h *stdHeap) Push(x any)    { h.items = append(h.items, x.(stdItem)) }
func (h *stdHeap) Pop() any {
	n := len(h.items) - 1
	x := h.items[n]
	h.items = h.items[:n]
	return x
}

func (h *stdHeap) push(at Time, ev testEvent) {
	heap.Push(h, stdItem{at: at, seq: h.seq, ev: ev})
	h.seq++
}

// BenchmarkQueue measures the hold model: with a fixed number of events
// pending, each operation pops the earliest and pushes it back at that time
// plus a random (exponential, mean one hour) delay.
func BenchmarkQueue(b *testing.B) {
	// Delays are drawn before the timer starts, so both implementations
	// pay for the queue only.
	r := rand.New(rand.NewPCG(7, 8))
	var delays [1 << 12]Time
	for i := range delays {
		delays[i] = FromSeconds(Dist{Kind: DistExponential, Value: 3600}.Sample(r))
	}
	for _, impl := range []string{"4ary", "container-heap"} {
		for _, pending := range []int{100_000, 1_000_000} {
			b.Run(fmt.Sprintf("impl=%s/pending=%d", impl, pending), func(b *testing.B) {
				b.ReportAllocs()
				switch impl {
				case "4ary":
					var q Queue[testEvent]
					q.Grow(pending)
					for i := range pending {
						q.Push(delays[i%len(delays)]+Time(i), testEvent{Member: uint32(i)})
					}
					i := 0
					for b.Loop() {
						at, ev, _ := q.Pop()
						q.Push(at+delays[i&(len(delays)-1)], ev)
						i++
					}
				case "container-heap":
					h := &stdHeap{items: make([]stdItem, 0, pending+1)}
					for i := range pending {
						h.push(delays[i%len(delays)]+Time(i), testEvent{Member: uint32(i)})
					}
					i := 0
					for b.Loop() {
						x := heap.Pop(h).(stdItem)
						h.push(x.at+delays[i&(len(delays)-1)], x.ev)
						i++
					}
				}
			})
		}
	}
}

package sim

import (
	"crypto/sha256"
	"encoding/binary"
	"errors"
	"hash"
	"math/rand/v2"
	"slices"
	"testing"
)

const (
	kindArrive uint8 = iota
	kindUpdate
	kindMessage
	kindLeave
	kindReset
)

// workload is a small stand-in for sim/workload: members arrive as a
// Poisson process, stay for a log-normal session, send messages, update
// themselves periodically (cancelled lazily when they leave) and leave.
// It writes every handled event to a hash, the trace.
type workload struct {
	eng       *Engine[testEvent]
	arrivals  *rand.Rand
	sessions  *rand.Rand
	messages  *rand.Rand
	updateGen []uint32 // per member; bumping it cancels the pending update
	online    []bool
	trace     hash.Hash
	stale     int
}

func newWorkload(seed uint64) *workload {
	s := NewStreams(seed)
	w := &workload{
		eng:      new(Engine[testEvent]),
		arrivals: s.Stream("workload/arrivals"),
		sessions: s.Stream("workload/sessions"),
		messages: s.Stream("workload/messages"),
		trace:    sha256.New(),
	}
	if err := w.eng.At(0, testEvent{Kind: kindArrive}); err != nil {
		panic(err)
	}
	return w
}

func (w *workload) handle(now Time, ev testEvent) error {
	var rec [17]byte
	binary.BigEndian.PutUint64(rec[0:], uint64(now))
	rec[8] = ev.Kind
	binary.BigEndian.PutUint32(rec[9:], ev.Member)
	binary.BigEndian.PutUint32(rec[13:], ev.Gen)
	w.trace.Write(rec[:])

	e := w.eng
	m := ev.Member
	switch ev.Kind {
	case kindArrive:
		m = uint32(len(w.online))
		w.online = append(w.online, true)
		w.updateGen = append(w.updateGen, 0)
		if err := e.Schedule(FromSeconds(Dist{Kind: DistExponential, Value: 600}.Sample(w.arrivals)), testEvent{Kind: kindArrive}); err != nil {
			return err
		}
		if err := e.Schedule(FromSeconds(Dist{Kind: DistLogNormal, Value: 3600, Sigma: 1}.Sample(w.sessions)), testEvent{Kind: kindLeave, Member: m}); err != nil {
			return err
		}
		if err := e.Schedule(FromSeconds(Dist{Kind: DistExponential, Value: 300}.Sample(w.messages)), testEvent{Kind: kindMessage, Member: m}); err != nil {
			return err
		}
		return e.Schedule(Hour, testEvent{Kind: kindUpdate, Member: m})
	case kindUpdate:
		if ev.Gen != w.updateGen[m] {
			w.stale++
			return nil
		}
		return e.Schedule(Hour, testEvent{Kind: kindUpdate, Member: m, Gen: ev.Gen})
	case kindMessage:
		if !w.online[m] {
			return nil
		}
		return e.Schedule(FromSeconds(Dist{Kind: DistExponential, Value: 300}.Sample(w.messages)), testEvent{Kind: kindMessage, Member: m})
	case kindLeave:
		w.online[m] = false
		w.updateGen[m]++
	}
	return nil
}

func (w *workload) sum() [32]byte { return [32]byte(w.trace.Sum(nil)) }

// TestDeterminism runs the same seeded workload twice, and once in daily
// segments, and compares the hashes of the event traces.
func TestDeterminism(t *testing.T) {
	const days = 7
	a, b, c, other := newWorkload(1), newWorkload(1), newWorkload(1), newWorkload(2)
	for _, w := range []*workload{a, b, other} {
		if err := w.eng.Run(days*Day, w.handle); err != nil {
			t.Fatal(err)
		}
	}
	for d := Time(1); d <= days; d++ {
		if err := c.eng.Run(d*Day, c.handle); err != nil {
			t.Fatal(err)
		}
		if c.eng.Now() != d*Day {
			t.Fatalf("after Run(%v), Now = %v", d*Day, c.eng.Now())
		}
	}
	sa := a.eng.Stats()
	t.Logf("stats %+v, %d stale updates", sa, a.stale)
	if sa.Processed < 10_000 || a.stale == 0 {
		t.Fatalf("workload too small to mean much: %+v, %d stale updates", sa, a.stale)
	}
	if a.sum() != b.sum() {
		t.Error("two runs with seed 1 produced different traces")
	}
	if a.sum() != c.sum() {
		t.Error("a run in daily segments produced a different trace from one Run")
	}
	if sa != b.eng.Stats() || sa != c.eng.Stats() {
		t.Errorf("stats differ: %+v, %+v, %+v", sa, b.eng.Stats(), c.eng.Stats())
	}
	if a.sum() == other.sum() {
		t.Error("seeds 1 and 2 produced the same trace")
	}
}

func TestEngineUntil(t *testing.T) {
	var e Engine[testEvent]
	for i := 1; i <= 10; i++ {
		if err := e.At(Time(i)*Second, testEvent{Member: uint32(i)}); err != nil {
			t.Fatal(err)
		}
	}
	var seen []uint32
	h := func(now Time, ev testEvent) error {
		if now != Time(ev.Member)*Second || e.Now() != now {
			t.Errorf("member %d handled at now=%v, Now()=%v", ev.Member, now, e.Now())
		}
		seen = append(seen, ev.Member)
		return nil
	}
	if err := e.Run(5*Second, h); err != nil {
		t.Fatal(err)
	}
	if st := e.Stats(); !slices.Equal(seen, []uint32{1, 2, 3, 4, 5}) || st.Processed != 5 || st.Pending != 5 || e.Now() != 5*Second {
		t.Fatalf("Run(5s) handled %v, stats %+v, Now %v; want 1..5 (inclusive horizon), 5 pending, Now 5s", seen, st, e.Now())
	}
	if err := e.Run(3*Second, h); !errors.Is(err, ErrPast) {
		t.Errorf("Run(3s) at 5s: err = %v, want ErrPast", err)
	}
	if err := e.Run(Forever, h); err != nil {
		t.Fatal(err)
	}
	st := e.Stats()
	if len(seen) != 10 || st.Processed != 10 || st.Scheduled != 10 || st.Pending != 0 || st.MaxPending != 10 || e.Now() != 10*Second {
		t.Fatalf("after Run(Forever): handled %v, stats %+v, Now %v", seen, st, e.Now())
	}
}

func TestEnginePastEvent(t *testing.T) {
	var e Engine[testEvent]
	if err := e.At(10*Second, testEvent{Kind: kindMessage}); err != nil {
		t.Fatal(err)
	}
	err := e.Run(Forever, func(now Time, ev testEvent) error {
		if err := e.Schedule(-Nanosecond, ev); !errors.Is(err, ErrPast) {
			t.Errorf("Schedule(-1ns): err = %v, want ErrPast", err)
		}
		return e.At(now-Second, ev)
	})
	var ee *EventError[testEvent]
	if !errors.Is(err, ErrPast) || !errors.As(err, &ee) || ee.Time != 10*Second || ee.Event.Kind != kindMessage {
		t.Fatalf("Run = %v; want an *EventError at 10s wrapping ErrPast", err)
	}
	if st := e.Stats(); st.Scheduled != 1 || st.Pending != 0 {
		t.Errorf("refused events were scheduled: %+v", st)
	}
}

func TestEngineHandlerError(t *testing.T) {
	var e Engine[testEvent]
	for i := range 5 {
		e.At(Time(i)*Minute, testEvent{Member: uint32(i)})
	}
	boom := errors.New("boom")
	err := e.Run(Forever, func(now Time, ev testEvent) error {
		if ev.Member == 2 {
			return boom
		}
		return nil
	})
	var ee *EventError[testEvent]
	if !errors.Is(err, boom) || !errors.As(err, &ee) || ee.Time != 2*Minute || ee.Event.Member != 2 {
		t.Fatalf("Run = %v; want *EventError at 2m, member 2, wrapping boom", err)
	}
	if st := e.Stats(); st.Processed != 3 || st.Pending != 2 || e.Now() != 2*Minute {
		t.Fatalf("after the error: stats %+v, Now %v; want 3 processed, 2 pending, Now 2m", st, e.Now())
	}
	if got, want := err.Error(), "sim: at 2m00s handling {Kind:0 Member:2 Gen:0}: boom"; got != want {
		t.Errorf("Error() = %q, want %q", got, want)
	}
}

func TestEngineFIFOAtNow(t *testing.T) {
	var e Engine[testEvent]
	e.At(Second, testEvent{Member: 1})
	e.At(Second, testEvent{Member: 2})
	var seen []uint32
	e.Run(Forever, func(now Time, ev testEvent) error {
		seen = append(seen, ev.Member)
		if ev.Member == 1 {
			return e.Schedule(0, testEvent{Member: 3}) // after 2, at the same time
		}
		return nil
	})
	if !slices.Equal(seen, []uint32{1, 2, 3}) {
		t.Fatalf("handled %v, want [1 2 3]", seen)
	}
}

func TestEngineCancel(t *testing.T) {
	var e Engine[testEvent]
	gen := make([]uint32, 10)
	for m := range uint32(10) {
		e.At(10*Second, testEvent{Kind: kindUpdate, Member: m})
		e.At(20*Second, testEvent{Kind: kindMessage, Member: m})
	}
	e.At(5*Second, testEvent{Kind: kindReset, Member: 4})
	e.At(5*Second, testEvent{Kind: kindLeave, Member: 7})
	var seen []testEvent
	err := e.Run(Forever, func(now Time, ev testEvent) error {
		switch ev.Kind {
		case kindReset: // lazy: bump the generation, reschedule
			gen[ev.Member]++
			return e.Schedule(30*Second, testEvent{Kind: kindUpdate, Member: ev.Member, Gen: gen[ev.Member]})
		case kindLeave: // eager: drop everything of the member
			if n := e.Filter(func(_ Time, p testEvent) bool { return p.Member != ev.Member }); n != 2 {
				t.Errorf("Filter removed %d events of member %d, want 2", n, ev.Member)
			}
			return nil
		case kindUpdate:
			if ev.Gen != gen[ev.Member] {
				return nil // cancelled
			}
		}
		seen = append(seen, ev)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	var updates, messages []uint32
	for _, ev := range seen {
		if ev.Member == 7 {
			t.Errorf("member 7 left but %+v was handled", ev)
		}
		switch ev.Kind {
		case kindUpdate:
			updates = append(updates, ev.Member)
		case kindMessage:
			messages = append(messages, ev.Member)
		}
	}
	if want := []uint32{0, 1, 2, 3, 5, 6, 8, 9, 4}; !slices.Equal(updates, want) {
		t.Errorf("updates handled for %v, want %v (4's first cancelled and rescheduled last)", updates, want)
	}
	if want := []uint32{0, 1, 2, 3, 4, 5, 6, 8, 9}; !slices.Equal(messages, want) {
		t.Errorf("messages handled for %v, want %v", messages, want)
	}
}

func TestEngineScheduleSaturates(t *testing.T) {
	var e Engine[testEvent]
	e.At(Second, testEvent{})
	e.Run(Second, func(Time, testEvent) error { return e.Schedule(Forever, testEvent{Member: 1}) })
	if err := e.Run(1000*Day, func(now Time, ev testEvent) error {
		t.Errorf("event %+v at %v handled before Forever", ev, now)
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	if p := e.Stats().Pending; p != 1 {
		t.Fatalf("Pending = %d, want 1 (the event at Forever)", p)
	}
}

func TestEngineNestedRun(t *testing.T) {
	var e Engine[testEvent]
	e.At(0, testEvent{})
	var inner error
	e.Run(Forever, func(Time, testEvent) error {
		inner = e.Run(Forever, func(Time, testEvent) error { return nil })
		return nil
	})
	if !errors.Is(inner, ErrRunning) {
		t.Fatalf("nested Run = %v, want ErrRunning", inner)
	}
}

func TestEngineSteadyStateAllocs(t *testing.T) {
	var e Engine[testEvent]
	e.Grow(1000)
	for i := range 1000 {
		e.At(Time(i)*Millisecond, testEvent{Member: uint32(i)})
	}
	h := func(now Time, ev testEvent) error { return e.Schedule(Second, ev) }
	allocs := testing.AllocsPerRun(100, func() {
		if err := e.Run(e.Now()+Second/10, h); err != nil {
			t.Fatal(err)
		}
	})
	if allocs != 0 || e.Stats().Processed < 10_000 {
		t.Fatalf("%.1f allocations per Run of about 100 events, want 0 (processed %d)", allocs, e.Stats().Processed)
	}
}

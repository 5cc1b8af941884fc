package sim

import (
	"errors"
	"fmt"
)

// ErrPast is returned, wrapped with the times involved, when an event is
// scheduled before the current virtual time or Run is asked to stop at a
// time already passed. The engine never reorders such an event silently.
var ErrPast = errors.New("sim: time in the past")

// ErrRunning is returned by Run when it is called from inside a handler.
var ErrRunning = errors.New("sim: Run called while running")

// Engine is the discrete-event loop: a virtual clock and the queue of
// pending events of payload type E. Handlers schedule further events with
// At and Schedule; Run hands events to a handler in time order (insertion
// order among equal times) and moves the clock forward to each.
//
// The zero Engine starts at time 0 with nothing pending. An Engine is not
// safe for concurrent use; a run is one goroutine by design.
type Engine[E any] struct {
	now        Time
	q          Queue[E]
	running    bool
	processed  uint64
	scheduled  uint64
	maxPending int
}

// Stats are counters of an Engine since it was created.
type Stats struct {
	// Processed counts events handed to a handler, including one whose
	// handler returned an error. Lazily cancelled events count too: the
	// engine cannot tell them apart.
	Processed uint64
	// Scheduled counts events accepted by At and Schedule.
	Scheduled uint64
	// Pending is the number of events not yet processed: after Run returns,
	// those scheduled after its horizon.
	Pending int
	// MaxPending is the largest number of events pending at once.
	MaxPending int
}

// EventError is the error Run returns when a handler fails: the handler's
// error with the virtual time and the event being handled.
type EventError[E any] struct {
	Time  Time
	Event E
	Err   error
}

func (e *EventError[E]) Error() string {
	return fmt.Sprintf("sim: at %v handling %+v: %v", e.Time, e.Event, e.Err)
}

func (e *EventError[E]) Unwrap() error { return e.Err }

// Now returns the current virtual time: the time of the event being
// handled, or where the last Run stopped.
func (e *Engine[E]) Now() Time { return e.now }

// Stats returns the engine's counters.
func (e *Engine[E]) Stats() Stats {
	return Stats{
		Processed:  e.processed,
		Scheduled:  e.scheduled,
		Pending:    e.q.Len(),
		MaxPending: e.maxPending,
	}
}

// Grow reserves room for n more pending events, so that scheduling them
// does not allocate.
func (e *Engine[E]) Grow(n int) { e.q.Grow(n) }

// At schedules event ev at time t. A t before Now is refused with an error
// wrapping ErrPast, and nothing is scheduled. A t equal to Now is allowed:
// the event runs after those already pending at that time.
func (e *Engine[E]) At(t Time, ev E) error {
	if t < e.now {
		return fmt.Errorf("%w: event %+v at %v, now %v", ErrPast, ev, t, e.now)
	}
	e.q.Push(t, ev)
	e.scheduled++
	if n := e.q.Len(); n > e.maxPending {
		e.maxPending = n
	}
	return nil
}

// Schedule schedules event ev after the span d from Now. A negative d is
// refused with an error wrapping ErrPast. A time beyond Forever saturates
// at Forever, so "never" (such as FromSeconds of a huge draw) stays never.
func (e *Engine[E]) Schedule(d Time, ev E) error {
	if d < 0 {
		return fmt.Errorf("%w: event %+v after %v", ErrPast, ev, d)
	}
	t := e.now + d
	if t < e.now { // overflow
		t = Forever
	}
	return e.At(t, ev)
}

// Filter removes every pending event for which keep returns false, and
// returns how many it removed; see Queue.Filter. It is the eager form of
// cancellation; the lazy form, a generation number in the payload, is
// described on Queue.
func (e *Engine[E]) Filter(keep func(at Time, ev E) bool) int {
	return e.q.Filter(keep)
}

// Run processes pending events in order, calling handle for each with the
// clock set to the event's time, until no event remains at or before until.
// Events the handler schedules at or before until are processed in the
// same Run; later ones stay pending (see Stats.Pending) for a later Run.
//
// When Run returns nil, the clock stands at until, or, when until is
// Forever, at the last event processed. A handler error stops the run at
// once, with the clock at that event's time, and is returned wrapped in an
// *EventError[E]. Run returns an error wrapping ErrPast if until is before
// Now, and ErrRunning if called from a handler.
func (e *Engine[E]) Run(until Time, handle func(now Time, ev E) error) error {
	if e.running {
		return ErrRunning
	}
	if until < e.now {
		return fmt.Errorf("%w: Run until %v, now %v", ErrPast, until, e.now)
	}
	e.running = true
	defer func() { e.running = false }()

	for len(e.q.h) > 0 && e.q.h[0].at <= until {
		at, ev, _ := e.q.Pop()
		if at < e.now {
			panic("sim: internal error: the event queue went back in time")
		}
		e.now = at
		e.processed++
		if err := handle(at, ev); err != nil {
			return &EventError[E]{Time: at, Event: ev, Err: err}
		}
	}
	if until != Forever {
		e.now = until
	}
	return nil
}

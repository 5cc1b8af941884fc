// Package sim is the deterministic core of the cgkalab discrete-event
// simulator: virtual time, the event queue and loop, and the seeded random
// streams from which every draw of a run comes. It knows nothing of MLS or
// of any protocol; sim/workload and the packages beside it build on it.
//
// # Virtual time
//
// A Time is a count of nanoseconds of virtual time since the start of the
// run, used both for instants and for spans (Second, Hour, Day, ...). It
// moves only when the Engine takes the next event from its queue: a run
// covering a month of a 50,000-member group takes as long as its events
// take to handle, not a month. Nothing in this package reads the wall
// clock, and code driven by the engine must not either; CPU time that the
// protocol models measure is an output, never an input to scheduling.
//
// # Determinism
//
// Given the same run seed, the same code produces the same sequence of
// events, the same draws and so the same results, on any machine. The
// package keeps to these rules, and code built on it must too:
//
//   - Events with equal times are handled in the order they were scheduled
//     (a sequence number breaks ties), never in an order left to a heap's
//     layout. An event cannot be scheduled in the past: At and Schedule
//     return an error wrapping ErrPast instead of reordering it.
//   - Every random draw comes from a generator obtained from Streams,
//     passed explicitly; no package-level or time-seeded source is used.
//   - No goroutines: one run is one sequential loop. Parallelism comes from
//     running independent runs side by side.
//   - No iteration over maps where the order could reach the results;
//     maps serve as indexes only.
//
// # Random streams
//
// Streams derives one independent generator per concern from the run seed
// and the concern's name, by hashing the two. Streams are identified by
// name, never by the order in which they are created, so adding a stream
// for a new concern (or drawing more from one) leaves every other stream's
// draws, and every result that depends only on them, unchanged. Names are
// paths such as "workload/arrivals" or "member/42/keys". Exponential,
// LogNormal, Pareto, Uniform and ChooseK draw the distributions the
// workload needs from a generator passed in.
package sim

package sim

import (
	"crypto/sha256"
	"encoding/binary"
	"io"
	"math/rand/v2"
)

// Streams hands out the random sources of one run, all derived from the
// run's seed. Each source belongs to one concern and is identified by a
// name, and its seed is a hash of (run seed, name), so:
//
//   - the same run seed and name always give the same sequence, on every
//     machine and in every process;
//   - different names give independent sequences;
//   - creating, using or removing one stream never shifts the draws of any
//     other, so adding a new random concern to the workload leaves the
//     existing ones, and the results that depend only on them, unchanged.
//
// Streams must be created by name, never by order: do not derive a stream
// from a counter of streams created so far, and do not share one stream
// between concerns whose draws should not influence each other. Names are
// free-form; by convention they are paths from the general to the
// particular, such as "workload/arrivals", "network/delay" or
// "member/42/keys".
//
// Streams is a small immutable value, safe to copy and to use from several
// goroutines; the generators it returns are not.
type Streams struct {
	seed uint64
}

// NewStreams returns the streams of the run with the given seed.
func NewStreams(seed uint64) Streams { return Streams{seed: seed} }

// Seed returns the run seed.
func (s Streams) Seed() uint64 { return s.seed }

// Stream returns a new generator (PCG) for the named concern. Every call
// returns a fresh generator at the start of the same sequence, so call it
// once per concern and keep the result: two holders of the same name draw
// the same numbers, which is rarely what is wanted.
func (s Streams) Stream(name string) *rand.Rand {
	k := s.derive('r', name)
	return rand.New(rand.NewPCG(
		binary.BigEndian.Uint64(k[0:8]),
		binary.BigEndian.Uint64(k[8:16]),
	))
}

// Reader returns a new byte stream (ChaCha8) for the named concern, for
// code that takes its randomness as an io.Reader, such as key generation
// in the protocol models. Its Read fills the whole buffer and never fails.
// Reader and Stream with the same name are independent of each other. As
// with Stream, each call starts the same sequence afresh.
//
// The bytes are as unpredictable as ChaCha8 output, but anyone who knows the
// run seed can reproduce them: simulated keys protect nothing real.
func (s Streams) Reader(name string) io.Reader {
	return rand.NewChaCha8(s.derive('b', name))
}

// derive computes the seed of a stream: SHA-256 over a fixed label, the
// kind of stream, the run seed and the name. The name comes last, so the
// encoding is unambiguous without a length prefix.
func (s Streams) derive(kind byte, name string) [32]byte {
	const label = "cgkalab/sim stream v1\x00"
	var buf [64]byte
	b := append(buf[:0], label...)
	b = append(b, kind)
	b = binary.BigEndian.AppendUint64(b, s.seed)
	b = append(b, name...)
	return sha256.Sum256(b)
}

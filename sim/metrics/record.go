// Package metrics records what each simulated event cost and summarises a
// run: bytes up and down, cryptographic operations, CPU time of the real
// operations, and the ratchet tree's health over time. Records are plain
// rows so that result files, plots and spreadsheets read the same thing.
package metrics

import (
	"slices"

	"cgkalab/models/protocol"
)

// Event is one row of a run's event file: one operation by one member.
type Event struct {
	Time    float64 // virtual seconds since the start of the run
	Kind    string  // create, add, remove, update, commit, send, sync, rejoin, evict
	Actor   uint32
	Epoch   uint64 // after the event
	Members int    // after the event

	// Bytes: Up is what the actor uploaded; Down the total the delivery
	// service sent (all recipients together); Recipients how many got the
	// fanned-out messages.
	BytesUp    int64
	BytesDown  int64
	Recipients int
	// KindBytes are the bytes of one copy of each kind of message the
	// operation sent, in the order the kinds first appear.
	KindBytes []KindBytes

	Sender   protocol.Ops
	Receiver protocol.Ops
	// CPU time of the real operations, nanoseconds: the actor's, and one
	// receiver's (mean over receivers that processed for real). These are
	// the only columns that differ between identical runs.
	SenderCPU   int64
	ReceiverCPU int64
	// SenderModelCPU and ReceiverModelCPU are modelled, not measured: the
	// operation counts times the run's calibrated cost of each operation
	// (protocol.Calibration), nanoseconds; deterministic for a seed and a
	// calibration, and unaffected by work a fidelity mode accounts
	// instead of performing.
	SenderModelCPU   int64
	ReceiverModelCPU int64
	Processed        int
	Verified         int
	Path             bool
	Added            int
	Removed          int
	Rejected         string
}

// KindBytes is the size of the messages of one kind in an event.
type KindBytes struct {
	Kind  string
	Bytes int64
}

// Bytes returns the event's bytes of messages of kind.
func (e *Event) Bytes(kind string) int64 {
	for _, k := range e.KindBytes {
		if k.Kind == kind {
			return k.Bytes
		}
	}
	return 0
}

// AddBytes adds n bytes of a message of kind.
func (e *Event) AddBytes(kind string, n int64) {
	for i := range e.KindBytes {
		if e.KindBytes[i].Kind == kind {
			e.KindBytes[i].Bytes += n
			return
		}
	}
	e.KindBytes = append(e.KindBytes, KindBytes{kind, n})
}

// Columns returns the CSV header of an event file whose events send the
// message kinds given: one <kind>_bytes column per kind after the byte
// totals.
func Columns(kinds []string) []string {
	cols := []string{"time_s", "kind", "actor", "epoch", "members", "bytes_up", "bytes_down", "recipients"}
	for _, k := range kinds {
		cols = append(cols, k+"_bytes")
	}
	return append(cols,
		"sender_encrypt", "sender_decrypt", "sender_derive_key_pair", "sender_derive_secret", "sender_sign", "sender_verify", "sender_aead",
		"receiver_encrypt", "receiver_decrypt", "receiver_derive_key_pair", "receiver_derive_secret", "receiver_sign", "receiver_verify", "receiver_aead",
		"sender_cpu_ns", "receiver_cpu_ns", "sender_model_cpu_ns", "receiver_model_cpu_ns", "processed", "verified", "path", "added", "removed", "rejected")
}

// Kinds lists the message kinds of events, sorted.
func Kinds(events []Event) []string {
	var kinds []string
	for i := range events {
		for _, k := range events[i].KindBytes {
			if !slices.Contains(kinds, k.Kind) {
				kinds = append(kinds, k.Kind)
			}
		}
	}
	slices.Sort(kinds)
	return kinds
}

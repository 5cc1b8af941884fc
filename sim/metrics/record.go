// Package metrics records what each simulated event cost and summarises a
// run: bytes up and down, cryptographic operations, CPU time of the real
// operations, and the ratchet tree's health over time. Records are plain
// rows so that result files, plots and spreadsheets read the same thing.
package metrics

import "cgkalab/models/protocol"

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
	// Per message kind uploaded bytes, for commit events.
	CommitBytes  int64
	WelcomeBytes int64

	Sender   protocol.Ops
	Receiver protocol.Ops
	// CPU time of the real operations, nanoseconds: the actor's, and one
	// receiver's (mean over receivers that processed for real). These are
	// the only columns that differ between identical runs.
	SenderCPU   int64
	ReceiverCPU int64
	Processed   int
	Verified    int
	Path        bool
	Added       int
	Removed     int
	Rejected    string

	// Tree health after the event (commit events of tree protocols).
	BlankParents   int
	UnmergedLeaves int
}

// Columns are the CSV header of an event file, in Row's order.
var Columns = []string{
	"time_s", "kind", "actor", "epoch", "members",
	"bytes_up", "bytes_down", "recipients", "commit_bytes", "welcome_bytes",
	"sender_encrypt", "sender_decrypt", "sender_derive_key_pair", "sender_derive_secret", "sender_sign", "sender_verify", "sender_aead",
	"receiver_encrypt", "receiver_decrypt", "receiver_derive_key_pair", "receiver_derive_secret", "receiver_sign", "receiver_verify", "receiver_aead",
	"sender_cpu_ns", "receiver_cpu_ns", "processed", "verified", "path", "added", "removed", "rejected",
	"blank_parents", "unmerged_leaves",
}

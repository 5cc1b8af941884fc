// Package protocol is the small interface through which the simulator
// drives any group key agreement protocol, and the Outcome every protocol
// reports. Like the rest of models/, it knows nothing of events or files:
// the simulator decides who wants to do what and when (an Intent, with the
// virtual time as an input), the protocol performs it with real
// cryptography under its own handshake rules and says what happened and
// what it cost.
//
// The simulator issues intents (join, leave, update, send, sync, offline,
// evict, tick, and rejoin to groups that say they rejoin members
// themselves); how a protocol turns an intent into wire messages (MLS's
// proposals, commit policy and one-commit-per-epoch race; Sender Keys'
// rotations) is the protocol's own business. A protocol that needs one
// winner per epoch asks the simulator's Sequencer.
package protocol

import (
	"encoding/json"
	"fmt"
	"io"
	"math/rand/v2"
	"time"
)

// MemberID names a simulated client for its whole life. Protocols map it
// to their own positions (a leaf index, a sender key).
type MemberID uint32

// IntentKind is what the simulator asks of the group.
type IntentKind uint8

const (
	// Create: Actor creates the group with Targets as its first members.
	Create IntentKind = iota + 1
	// Join: Actor brings the new clients Targets into the group.
	Join
	// Leave: Actor takes the members Targets out of the group (itself to
	// leave).
	Leave
	// Update: Actor refreshes its own key material.
	Update
	// Send: Actor sends an application message of Size bytes; with TTL > 0
	// the message disappears (honest devices delete it and its keys) TTL
	// after it was sent.
	Send
	// Sync: Actor, back online, processes what it missed.
	Sync
	// Offline: Actor goes offline; the protocol notes the state it keeps
	// (what a compromise of the offline device reveals).
	Offline
	// Evict: the group's policy removes the idle members Targets (RFC 9750,
	// Section 7); the protocol chooses who acts, and Actor is unused.
	Evict
	// Tick: a timer the protocol asked for (Ticker) fired, or a handshake
	// that lost the race for an epoch may be retried.
	Tick
	// Rejoin: Actor, a member back from so long away that it will not
	// process what it missed, rejoins on its own and keeps its MemberID
	// (MLS: an external commit that removes its old leaf). Only groups
	// whose Rejoiner says so are sent it; for the others the simulator
	// removes the member and adds a new client (Leave, then Join).
	Rejoin
)

var intentNames = [...]string{"", "create", "join", "leave", "update", "send", "sync", "offline", "evict", "tick", "rejoin"}

func (k IntentKind) String() string {
	if int(k) < len(intentNames) && k > 0 {
		return intentNames[k]
	}
	return fmt.Sprintf("intent(%d)", uint8(k))
}

// Intent is one thing the simulator asks of the group.
type Intent struct {
	Kind    IntentKind
	Actor   MemberID
	Targets []MemberID
	Size    int           // Send: payload bytes
	TTL     time.Duration // Send: disappearing-message timer; 0 keeps the message
	// Now is the virtual time since the start of the run: an input, as in
	// a deterministic state machine; protocols never read a clock for it.
	Now time.Duration
	// More says another intent of the same action follows at once (a
	// member rejoining is removed, then added): a protocol that batches its
	// handshake may wait for it.
	More bool
	// Label, when set, names the outcome this intent produces directly in
	// the simulator's records (for example "rejoin-remove"); the protocol's
	// own follow-ups (a commit) keep their own names.
	Label string
}

// Message is one encoded message on the wire.
type Message struct {
	// Kind classifies the message for cost accounting ("commit",
	// "sender_key"); each protocol names its own kinds, and results get a
	// byte column per kind without any change to the simulator.
	Kind  string
	Bytes int // exact encoded length
	// To lists the recipients; nil means every member of the group other
	// than the sender, fanned out by the delivery service.
	To []MemberID
	// FromDS marks messages the delivery service sends on its own (a
	// ratchet tree for a joiner): nobody uploads them.
	FromDS bool
	// Refused marks a message the delivery service took but did not
	// deliver (a commit that lost the race for its epoch).
	Refused bool
}

// Ops counts cryptographic operations.
type Ops struct {
	Encrypt       int // public-key encryptions (HPKE EncryptWithLabel, DH ratchet steps)
	Decrypt       int // public-key decryptions
	DeriveKeyPair int
	DeriveSecret  int
	Sign          int
	Verify        int
	AEAD          int // symmetric seal/open of message content
}

// Add accumulates o2 into o.
func (o *Ops) Add(o2 Ops) {
	o.Encrypt += o2.Encrypt
	o.Decrypt += o2.Decrypt
	o.DeriveKeyPair += o2.DeriveKeyPair
	o.DeriveSecret += o2.DeriveSecret
	o.Sign += o2.Sign
	o.Verify += o2.Verify
	o.AEAD += o2.AEAD
}

// Outcome is what one protocol operation did. One intent may produce
// several (an MLS Update proposal, then the commit that covers it).
type Outcome struct {
	// Label names the operation in the simulator's records ("commit",
	// "lost-commit", "add", "send", "rotate").
	Label   string
	Actor   MemberID
	Epoch   uint64 // the group's epoch (or generation) after the operation
	Members int    // the group's size after the operation
	// Messages are what went on the wire.
	Messages []Message
	// Sender is the actor's work; Receiver the work of one receiver,
	// averaged over the Processed receivers that processed for real.
	Sender    Ops
	Receiver  Ops
	Processed int
	// Verified reports receivers whose resulting state was checked against
	// the sender's (epoch authenticators in MLS).
	Verified int
	Added    []MemberID
	Removed  []MemberID
	// Refreshed lists members whose key material the operation renewed
	// (the ideal predicate's "member refreshed its state").
	Refreshed []MemberID
	// Path reports that the actor's own keys were renewed (an MLS commit
	// with an UpdatePath).
	Path bool
	// Sequenced reports that the operation took the group to a new epoch
	// through the delivery service's sequencer (an accepted commit).
	Sequenced bool
	// Unsimulated reports that the fidelity mode did not perform this
	// operation's cryptographic work (a sampled member catching up follows
	// the shared state): its operation counts and CPU are absent, not zero.
	Unsimulated bool
	// SenderNanos and ReceiverNanos are the measured time of the actor's
	// real operations and of one receiver's (mean over Processed), when
	// the environment supplies a clock; zero otherwise.
	SenderNanos   int64
	ReceiverNanos int64
	// Security is what the oracle needs to know about the secrets this
	// operation produced; nil when there is nothing to say.
	Security *Security
	// Authenticator is a value all members agree on after the operation
	// (the MLS epoch authenticator), so runs can be compared.
	Authenticator []byte
	// Rejected is set when the operation was refused by the protocol's
	// rules (for example a proposal for a member already gone); the
	// simulator records it and goes on.
	Rejected string
}

// Group is one simulated group, holding the state of all its members as
// the protocol and fidelity mode require.
type Group interface {
	// Apply performs an intent. An error means the run cannot go on (a bug
	// or a failed consistency check), not that the protocol refused the
	// intent: refusals are Outcomes with Rejected set.
	Apply(in Intent) ([]*Outcome, error)
	// Epoch returns the current epoch (or message generation for
	// protocols without epochs).
	Epoch() uint64
	// Members returns the number of current members.
	Members() int
}

// Rejoiner is implemented by groups that may carry out Rejoin intents:
// RejoinsItself reports whether this group, as configured, does. A Rejoin
// is done when one of its outcomes lists the actor in Refreshed; until
// then (a lost race, proposals to commit first, nobody online to act)
// the simulator keeps the member offline and sends the intent again.
type Rejoiner interface {
	RejoinsItself() bool
}

// Ticker is implemented by groups with timers of their own (MLS periodic
// commits, Megolm periodic rotation): the simulator sends a Tick intent
// every TickEvery, from TickEvery on.
type Ticker interface {
	TickEvery() time.Duration
}

// Sequencer is the delivery service's ordering of handshake messages that
// need one winner per epoch, offered by the simulator to the protocols
// that need it. Claim asks to send such a message now: false means another
// member's message won the epoch first (the loser's message is created
// anyway, uploaded and refused), and the simulator will send a Tick once
// the loser has caught up.
type Sequencer interface {
	Claim() bool
}

// TreeHealth describes a ratchet tree's shape, for protocols that have one.
type TreeHealth struct {
	Leaves         int     // leaf slots
	Members        int     // non-blank leaves
	BlankParents   int     // blank parent nodes
	UnmergedLeaves int     // entries in unmerged_leaves lists
	MeanResolution float64 // mean copath resolution size over members' paths (sampled)
}

// HealthReporter is implemented by groups with a ratchet tree.
type HealthReporter interface {
	Health() TreeHealth
}

// Fidelity modes. A protocol supports at least Full.
const (
	// Full: every member keeps its own state and processes every message.
	Full = "full"
	// Sampled: Sample receivers process each message for real; the others
	// follow the shared public state.
	Sampled = "sampled"
)

// Env is what the simulator gives a protocol: its options, which members
// exist and are online, seeded randomness, and a clock for CPU accounting.
// Protocols never read the wall clock or global randomness themselves.
type Env struct {
	Suite  uint16
	Mode   string // Full or Sampled
	Sample int
	// Options is the protocol's own section of the experiment file (the
	// mls: keys for MLS), as JSON; empty means the protocol's defaults.
	Options json.RawMessage
	// Online reports whether a member is online now.
	Online func(MemberID) bool
	// Members lists the current members in the simulator's order (read
	// only), for protocols that choose actors themselves.
	Members func() []MemberID
	// Rand is the protocol's randomness (keys, encryptions).
	Rand io.Reader
	// Pick chooses sampled receivers.
	Pick *rand.Rand
	// Choose is the simulator's stream for choosing who acts; a protocol
	// that chooses actors itself (an MLS committer) draws from it.
	Choose *rand.Rand
	// Actor, if set, chooses an online member with rng the way the
	// workload chooses who acts (uniformly, or by activity weight); nil
	// means uniformly (RandomOnline over Members).
	Actor func(rng *rand.Rand) (MemberID, bool)
	// Sequencer orders handshake messages that need an epoch; nil allows
	// every claim.
	Sequencer Sequencer
	// Clock returns monotonic nanoseconds; nil disables CPU accounting.
	Clock func() int64
	// RetainEpochs is how many past epochs members keep (for late
	// messages); 0 deletes them at once.
	RetainEpochs int
	// Shape is the state the Create intent starts the group in, for
	// protocols whose cost depends on history (a ratchet tree): Built (as
	// one creator adding everyone leaves it), Warm (as if every member had
	// refreshed its state since) or Churned (a long-lived group in which a
	// share Blank of the parent nodes are blank). Protocols without such
	// state treat every shape alike.
	Shape Shape
}

// Shape is a group's starting state; see Env.Shape.
type Shape struct {
	Kind  string  // ShapeBuilt, ShapeWarm or ShapeChurned; "" means built
	Blank float64 // ShapeChurned: the share of blank parent nodes, in [0, 1]
}

// Shapes a group can start in.
const (
	ShapeBuilt   = "built"
	ShapeWarm    = "warm"
	ShapeChurned = "churned"
)

// Claim asks env's sequencer for an epoch; without one every claim wins.
func (env *Env) Claim() bool { return env.Sequencer == nil || env.Sequencer.Claim() }

// RandomActor chooses an online member as the workload would.
func (env *Env) RandomActor(rng *rand.Rand) (MemberID, bool) {
	if env.Actor != nil {
		return env.Actor(rng)
	}
	return RandomOnline(env.Members(), env.Online, rng)
}

// Now reads env's clock, or returns 0 without one.
func (env *Env) Now() int64 {
	if env.Clock == nil {
		return 0
	}
	return env.Clock()
}

// Factory creates a protocol's group for one run.
type Factory func(env Env) (Group, error)

// RandomOnline returns a uniformly chosen online member of members, if
// any: up to 64 draws from rng, then the first online member in order.
func RandomOnline(members []MemberID, online func(MemberID) bool, rng *rand.Rand) (MemberID, bool) {
	for range 64 {
		if len(members) == 0 {
			return 0, false
		}
		m := members[rng.IntN(len(members))]
		if online(m) {
			return m, true
		}
	}
	for _, m := range members {
		if online(m) {
			return m, true
		}
	}
	return 0, false
}

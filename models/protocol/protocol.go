// Package protocol is the small interface through which the simulator
// drives a group key agreement protocol, and the Outcome every protocol
// reports. Like the rest of models/, it knows nothing of time, events or
// files: the simulator decides who acts and when, the protocol performs
// the operation with real cryptography and says what it cost.
package protocol

import (
	"fmt"
	"io"
	"math/rand/v2"
)

// MemberID names a simulated client for its whole life. Protocols map it
// to their own positions (a leaf index, a sender key).
type MemberID uint32

// OpKind is what a member does.
type OpKind uint8

const (
	// OpCreate: Actor creates the group with Targets as its first members.
	OpCreate OpKind = iota + 1
	// OpAdd: Actor proposes adding the clients Targets.
	OpAdd
	// OpRemove: Actor proposes removing the members Targets (itself to leave).
	OpRemove
	// OpUpdate: Actor proposes a fresh key for itself.
	OpUpdate
	// OpCommit: Actor commits the pending proposals; Path asks for a key
	// update even when no proposal requires one.
	OpCommit
	// OpSend: Actor sends an application message of Size bytes.
	OpSend
	// OpSync: Actor, back online, processes what it missed.
	OpSync
	// OpOffline: Actor goes offline; the protocol notes the state it keeps
	// (what a compromise of the offline device reveals).
	OpOffline
)

var opNames = [...]string{"", "create", "add", "remove", "update", "commit", "send", "sync", "offline"}

func (k OpKind) String() string {
	if int(k) < len(opNames) && k > 0 {
		return opNames[k]
	}
	return fmt.Sprintf("op(%d)", uint8(k))
}

// Op is one operation for the protocol to perform.
type Op struct {
	Kind    OpKind
	Actor   MemberID
	Targets []MemberID
	Path    bool
	Size    int
	// Discard (commits): the delivery service refuses the commit because
	// another won the epoch; the protocol creates it, reports its size and
	// drops it.
	Discard bool
}

// MessageKind classifies wire messages for cost accounting.
type MessageKind uint8

const (
	MsgCommit MessageKind = iota + 1
	MsgProposal
	MsgWelcome
	MsgApplication
	MsgKeyPackage
	MsgRatchetTree // the tree a joiner fetches from the delivery service
	MsgGroupInfo
)

var msgNames = [...]string{"", "commit", "proposal", "welcome", "application", "key-package", "ratchet-tree", "group-info"}

func (k MessageKind) String() string {
	if int(k) < len(msgNames) && k > 0 {
		return msgNames[k]
	}
	return fmt.Sprintf("message(%d)", uint8(k))
}

// Message is one encoded message on the wire.
type Message struct {
	Kind  MessageKind
	Bytes int // exact encoded length
	// To lists the recipients; nil means every member of the group other
	// than the sender, fanned out by the delivery service.
	To []MemberID
	// FromDS marks messages the delivery service sends on its own (a
	// ratchet tree for a joiner): nobody uploads them.
	FromDS bool
}

// Ops counts cryptographic operations.
type Ops struct {
	Encrypt       int // HPKE encryptions (EncryptWithLabel)
	Decrypt       int // HPKE decryptions
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

// Outcome is what one operation did.
type Outcome struct {
	Epoch    uint64 // the group's epoch after the operation
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
	Updated  []MemberID // members whose Update proposals the commit applied
	Path     bool       // the commit carried a key update
	// SenderNanos and ReceiverNanos are the measured time of the actor's
	// real operations and of one receiver's (mean over Processed), when
	// the environment supplies a clock; zero otherwise.
	SenderNanos   int64
	ReceiverNanos int64
	// Reveals and Step describe, for the security oracle, how the secrets
	// this operation produced can be learned: what was encrypted to which
	// key and what derives from what (see Secret).
	Reveals []Reveal
	Step    *EpochStep
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
	// Apply performs op. An error means the run cannot go on (a bug or a
	// failed consistency check), not that the protocol refused the op.
	Apply(op Op) (*Outcome, error)
	// Epoch returns the current epoch (or message generation for
	// protocols without epochs).
	Epoch() uint64
	// Members returns the number of current members.
	Members() int
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

// Env is what the simulator gives a protocol: which members are online,
// seeded randomness, and a clock for CPU accounting. Protocols never read
// the wall clock or global randomness themselves.
type Env struct {
	Suite uint16
	// Mode is "full" (every member keeps its own state and processes every
	// message) or "sampled" (Sample receivers process each message for
	// real; the others follow the shared public state).
	Mode   string
	Sample int
	// Online reports whether a member is online now.
	Online func(MemberID) bool
	// Rand is the protocol's randomness (keys, encryptions).
	Rand io.Reader
	// Pick chooses sampled receivers.
	Pick *rand.Rand
	// Clock returns monotonic nanoseconds; nil disables CPU accounting.
	Clock func() int64
	// RetainEpochs is how many past epochs members keep (for late
	// messages); 0 deletes them at once.
	RetainEpochs int
}

// Factory creates a protocol's group for one run.
type Factory func(env Env) (Group, error)

// SecretKind names the kinds of secrets the security oracle tracks.
type SecretKind uint8

const (
	// SecretKey is an HPKE private key, named by its public key.
	SecretKey SecretKind = iota + 1
	// SecretPath is the path secret at position Index of the path of the
	// commit that started epoch Epoch.
	SecretPath
	// SecretCommit is the commit secret of the commit that started Epoch.
	SecretCommit
	// SecretJoiner is the joiner secret of Epoch, as a Welcome carries it.
	SecretJoiner
	// SecretEpoch stands for all of Epoch's secrets (its epoch secret and
	// everything derived from it, init_secret included).
	SecretEpoch
)

// Secret names one secret symbolically.
type Secret struct {
	Kind  SecretKind
	Key   []byte // SecretKey: the public key
	Epoch uint64
	Index int // SecretPath
}

// KeySecret names the private key of public key pub.
func KeySecret(pub []byte) Secret { return Secret{Kind: SecretKey, Key: pub} }

// Reveal says that knowing From gives To: To was encrypted to the key
// From, or To derives from From.
type Reveal struct {
	From, To Secret
}

// EpochStep says how an epoch follows from the one before: Epoch's
// secrets are known to whoever knows Prev's and every secret in Needs
// (the commit secret; none for a commit without a path). Other routes to an
// epoch (a Welcome's joiner secret) are Reveals.
type EpochStep struct {
	Epoch uint64
	Prev  uint64
	Needs []Secret
}

// Knowledge is what a compromise of a member's device reveals: the epochs
// whose secrets it holds (current and retained) and the secrets it holds
// (leaf and node keys, pending update keys, unused KeyPackage init keys).
type Knowledge struct {
	Epochs  []uint64
	Secrets []Secret
	// Current is the epoch the member's state is at (stale when offline).
	Current uint64
}

// Compromiser is implemented by groups that can say what a compromise of
// a member (or of a client whose KeyPackage awaits a Welcome) reveals.
type Compromiser interface {
	Compromise(m MemberID) (Knowledge, error)
}

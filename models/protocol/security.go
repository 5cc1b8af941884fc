package protocol

// The security oracle (sim/security) tracks secrets symbolically over what
// the protocols' real code reports, with three protocol-neutral
// primitives:
//
//   - a secret derives from all of a set of secrets (Derive; an encryption
//     to a key is the one-input case, Reveal);
//   - a message is protected by a secret (Security.Protected: knowing any
//     one of them decrypts the recorded ciphertext);
//   - a member refreshed its state (Outcome.Refreshed), for the ideal
//     predicate.
//
// Protocols with epochs also report when an epoch starts and which secret
// stands for it (Security.Epoch), so epoch-level figures can be kept.

// SecretKind is a namespace for secrets. SecretKey is shared by every
// protocol; each protocol numbers its own kinds from KindBase.
type SecretKind uint8

const (
	// SecretKey is a private key, named by its public key.
	SecretKey SecretKind = 1
	// KindBase is the first kind a protocol may define for itself.
	KindBase SecretKind = 16
)

// Secret names one secret symbolically: a kind and protocol-defined
// coordinates (an epoch and an index, a sender and a generation), or for
// SecretKey the public key.
type Secret struct {
	Kind SecretKind
	A, B uint64
	Key  []byte
}

// KeySecret names the private key of public key pub.
func KeySecret(pub []byte) Secret { return Secret{Kind: SecretKey, Key: pub} }

// Reveal says that knowing From gives To: To was encrypted to the key
// From, or To derives from From alone.
type Reveal struct {
	From, To Secret
}

// Derive says that whoever knows every secret in From knows To (MLS's
// joiner secret from the previous init secret and the commit secret).
type Derive struct {
	To   Secret
	From []Secret
}

// EpochMark says that epoch Epoch started with this operation and that
// Secret stands for all of its secrets.
type EpochMark struct {
	Epoch  uint64
	Secret Secret
}

// Security is what an operation tells the oracle.
type Security struct {
	Reveals []Reveal
	Derives []Derive
	// Epoch is set when the operation started an epoch.
	Epoch *EpochMark
	// Protected lists, for an application message, the secrets any one of
	// which decrypts it as recorded on the wire (one per ciphertext of a
	// fanned-out message, or the epoch and an archive key).
	Protected []Secret
}

// Knowledge is what a compromise of a member's device reveals.
type Knowledge struct {
	// Secrets are learned outright (private keys, chain keys, init
	// secrets); the oracle closes them over every Reveal and Derive.
	Secrets []Secret
	// Held are ratchet states the device holds: messages they protect
	// that are sent from the compromise on are exposed, earlier ones are
	// not (the device deleted their keys once used, RFC 9420, Section 9.2).
	Held []Secret
	// Epochs lists, for protocols with epochs, the epochs whose state the
	// device holds (current and retained); empty for a client that is not
	// yet a member (a KeyPackage awaiting a Welcome).
	Epochs []uint64
	// Current is the epoch the member's state is at (stale when offline).
	Current uint64
}

// Compromiser is implemented by groups that can say what a compromise of
// a member (or of a client about to join) reveals.
type Compromiser interface {
	Compromise(m MemberID) (Knowledge, error)
}

// Service stands for a service outside the group that holds secrets of
// its own (a key backup), in compromise records.
const Service = ^MemberID(0)

// ServiceCompromiser is implemented by groups whose design may include
// such a service: a compromise of it reveals what it holds. ok is false
// when this group runs without one (nothing is compromised), so that one
// experiment can compromise "the service" across a sweep of protocols.
type ServiceCompromiser interface {
	CompromiseService() (k Knowledge, ok bool, err error)
}

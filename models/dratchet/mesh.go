package dratchet

import (
	"errors"
	"fmt"
	"io"
	"maps"
	"slices"

	"cgkalab/models/protocol"
)

// DefaultOneTime is how many one-time prekeys a client uploads at
// registration (Signal uploads 100); it refills to this many once fewer
// than half are left on the server.
const DefaultOneTime = 100

// Mesh is the pairwise layer both group protocols share: every member's
// device (identity, prekeys, sessions) and the server's prekey directory.
// It does real cryptography and returns real encodings; it says what each
// operation derives (Security) and what a device holds (Knowledge) in the
// symbolic names of symbolic.go. Delivery order and offline queues are the
// caller's business: messages between two members must be decrypted in
// the order they were encrypted, as the simulator delivers them.
type Mesh struct {
	C       *Crypto
	Rand    io.Reader
	OneTime int // one-time prekeys per upload (0: none)
	MaxSkip int // skipped-key bound per session

	devices map[protocol.MemberID]*Device
	dir     map[protocol.MemberID]*listing
}

// listing is what the server holds for a client.
type listing struct {
	base    PrekeyBase
	oneTime []OneTimePrekey // not yet handed out
}

// Device is one member's client.
type Device struct {
	ID       protocol.MemberID
	Identity *Identity
	sessions map[protocol.MemberID]*Session
}

// NewMesh returns an empty mesh with libsignal's defaults.
func NewMesh(c *Crypto, rand io.Reader) *Mesh {
	return &Mesh{C: c, Rand: rand, OneTime: DefaultOneTime, MaxSkip: DefaultMaxSkip,
		devices: map[protocol.MemberID]*Device{}, dir: map[protocol.MemberID]*listing{}}
}

func (m *Mesh) batch() int { return max(m.OneTime, 0) }

// Device returns member id's device, or nil.
func (m *Mesh) Device(id protocol.MemberID) *Device { return m.devices[id] }

// Session returns a's session with b, or nil.
func (m *Mesh) Session(a, b protocol.MemberID) *Session {
	if d := m.devices[a]; d != nil {
		return d.sessions[b]
	}
	return nil
}

// Register creates member id's device and uploads its prekeys; it returns
// the encoded PrekeyUpload.
func (m *Mesh) Register(id protocol.MemberID, ops *protocol.Ops) ([]byte, error) {
	if m.devices[id] != nil {
		return nil, fmt.Errorf("member %d registered twice", id)
	}
	ident, err := m.C.NewIdentity(m.Rand, ops)
	if err != nil {
		return nil, err
	}
	keys, err := m.C.NewOneTime(ident, m.batch(), m.Rand, ops)
	if err != nil {
		return nil, err
	}
	base := ident.Base()
	upload := EncodeUpload(&base, keys)
	// The server stores what it parses.
	pb, pk, err := m.C.DecodeUpload(upload)
	if err != nil {
		return nil, err
	}
	m.devices[id] = &Device{ID: id, Identity: ident, sessions: map[protocol.MemberID]*Session{}}
	m.dir[id] = &listing{base: *pb, oneTime: pk}
	return upload, nil
}

// Refill uploads fresh one-time prekeys for member id once fewer than
// half of a batch are left on the server; it returns the encoded
// PrekeyRefill, or nil when none was due.
func (m *Mesh) Refill(id protocol.MemberID, ops *protocol.Ops) ([]byte, error) {
	l, d := m.dir[id], m.devices[id]
	if l == nil || d == nil {
		return nil, fmt.Errorf("member %d is not registered", id)
	}
	if m.batch() == 0 || 2*len(l.oneTime) >= m.batch() {
		return nil, nil
	}
	keys, err := m.C.NewOneTime(d.Identity, m.batch()-len(l.oneTime), m.Rand, ops)
	if err != nil {
		return nil, err
	}
	refill := EncodeRefill(keys)
	pk, err := m.C.DecodeRefill(refill)
	if err != nil {
		return nil, err
	}
	l.oneTime = append(l.oneTime, pk...)
	return refill, nil
}

// Initiate has from fetch to's prekey bundle (taking one one-time prekey,
// if any is left) and start a session whose first message seals plaintext.
// It returns the encoded bundle fetched, the encoded PairwiseMessage, and
// the secret protecting plaintext.
func (m *Mesh) Initiate(from, to protocol.MemberID, plaintext []byte, sec *protocol.Security, ops *protocol.Ops) (bundle, msg []byte, key protocol.Secret, err error) {
	d, l := m.devices[from], m.dir[to]
	if d == nil || l == nil || m.devices[to] == nil {
		return nil, nil, key, fmt.Errorf("session %d→%d: both must be registered", from, to)
	}
	if d.sessions[to] != nil || m.devices[to].sessions[from] != nil {
		return nil, nil, key, fmt.Errorf("session %d→%d exists already", from, to)
	}
	b := &PrekeyBundle{Base: l.base}
	if len(l.oneTime) > 0 {
		b.OneTime = &l.oneTime[0]
		l.oneTime = l.oneTime[1:]
	}
	bundle = EncodeBundle(b)
	got, err := m.C.DecodeBundle(bundle)
	if err != nil {
		return nil, nil, key, err
	}
	ops.Verify++
	if err := m.C.VerifyBundle(got); err != nil {
		return nil, nil, key, fmt.Errorf("bundle of %d: %w", to, err)
	}
	s, pm, setup, err := m.C.Initiate(d.Identity, got, plaintext, m.Rand, m.MaxSkip, ops)
	if err != nil {
		return nil, nil, key, fmt.Errorf("session %d→%d: %w", from, to, err)
	}
	d.sessions[to] = s
	p := Pair(from, to)
	m.C.declareSetup(sec, p, setup)
	m.C.declareStep(sec, p, 1, setup.SignedPrekey, s.own.PublicKey())
	key = declareMessage(sec, p, Pos{1, 0})
	return bundle, m.C.EncodePairwise(pm), key, nil
}

// Encrypt seals plaintext from from to to over their session and returns
// the encoded PairwiseMessage and the secret protecting plaintext.
func (m *Mesh) Encrypt(from, to protocol.MemberID, plaintext []byte, sec *protocol.Security, ops *protocol.Ops) ([]byte, protocol.Secret, error) {
	s := m.Session(from, to)
	if s == nil {
		return nil, protocol.Secret{}, fmt.Errorf("member %d has no session with %d", from, to)
	}
	rm, info, err := s.Encrypt(plaintext, m.Rand, ops)
	if err != nil {
		return nil, protocol.Secret{}, fmt.Errorf("session %d→%d: %w", from, to, err)
	}
	p := Pair(from, to)
	if info.NewStep {
		m.C.declareStep(sec, p, info.Pos.Step, info.Prev, info.Own)
	}
	key := declareMessage(sec, p, info.Pos)
	return m.C.EncodePairwise(&PairwiseMessage{Type: TypeRatchet, Ratchet: rm}), key, nil
}

// Decrypt has to open a PairwiseMessage from from: a PreKeyMessage
// creates to's session (checking the sender's identity key against the
// directory), a RatchetMessage uses it. On error to's state is unchanged.
func (m *Mesh) Decrypt(to, from protocol.MemberID, data []byte, sec *protocol.Security, ops *protocol.Ops) ([]byte, error) {
	d := m.devices[to]
	if d == nil {
		return nil, fmt.Errorf("member %d is not registered", to)
	}
	pm, err := m.C.DecodePairwise(data)
	if err != nil {
		return nil, fmt.Errorf("member %d, message from %d: %w", to, from, err)
	}
	var pt []byte
	var info RecvInfo
	switch pm.Type {
	case TypePreKey:
		if d.sessions[from] != nil {
			return nil, fmt.Errorf("member %d: a prekey message from %d, with whom it has a session", to, from)
		}
		l := m.dir[from]
		if l == nil {
			return nil, fmt.Errorf("member %d: a prekey message from %d, who is not in the directory", to, from)
		}
		var s *Session
		s, pt, _, info, err = m.C.Respond(d.Identity, pm.PreKey, m.C.basePublic(&l.base), m.Rand, m.MaxSkip, ops)
		if err == nil {
			d.sessions[from] = s
		}
	default:
		s := d.sessions[from]
		if s == nil {
			return nil, fmt.Errorf("member %d: a message from %d before any session", to, from)
		}
		pt, info, err = s.Decrypt(pm.Ratchet, m.Rand, ops)
	}
	if err != nil {
		return nil, fmt.Errorf("member %d, message from %d: %w", to, from, err)
	}
	if info.NewStep > 0 {
		p := Pair(to, from)
		m.C.declareStep(sec, p, info.NewStep, info.Prev, info.Own)
	}
	return pt, nil
}

// Remove deletes member id's device: removal needs no cryptography. Its
// directory listing stays (an account outlives a group membership, and a
// member still to process its prekey message checks its identity), and
// each peer deletes its session with it by Forget once it has processed
// what it received from it.
func (m *Mesh) Remove(id protocol.MemberID) {
	delete(m.devices, id)
	if l := m.dir[id]; l != nil {
		l.oneTime = nil // nobody starts a session with a departed member
	}
}

// Forget has member a delete its session with b.
func (m *Mesh) Forget(a, b protocol.MemberID) {
	if d := m.devices[a]; d != nil {
		delete(d.sessions, b)
	}
}

// Knowledge returns what a compromise of id's device reveals: its
// identity key, signed prekey and unused one-time prekeys, and for every
// session the root key, the ratchet private key it holds, its chain keys
// and its stored skipped message keys.
func (m *Mesh) Knowledge(id protocol.MemberID) ([]protocol.Secret, error) {
	d := m.devices[id]
	if d == nil {
		return nil, errors.New("not registered")
	}
	ident := d.Identity
	out := []protocol.Secret{protocol.KeySecret(ident.IK.PublicKey()), protocol.KeySecret(ident.SPK.PublicKey())}
	for _, ot := range slices.Sorted(maps.Keys(ident.OneTime)) {
		out = append(out, protocol.KeySecret(ident.OneTime[ot].PublicKey()))
	}
	for _, peer := range slices.Sorted(maps.Keys(d.sessions)) {
		p := Pair(id, peer)
		st := d.sessions[peer].State()
		out = append(out, rootSecret(p, st.RootStep))
		if st.OwnKey {
			out = append(out, protocol.KeySecret(st.OwnPublic))
		}
		if st.Send != nil {
			out = append(out, ChainSecret(p, *st.Send))
		}
		if st.Recv != nil {
			out = append(out, ChainSecret(p, *st.Recv))
		}
		for _, pos := range st.Skipped {
			out = append(out, MessageSecret(p, pos))
		}
	}
	return out, nil
}

// Sessions returns the number of sessions member id holds.
func (m *Mesh) Sessions(id protocol.MemberID) int {
	if d := m.devices[id]; d != nil {
		return len(d.sessions)
	}
	return 0
}

// Receivers accumulates the work of the receivers of one outcome.
type Receivers struct {
	Ops   protocol.Ops
	Nanos int64
	N     int // receivers that processed for real
}

// Average sets out's receiver figures to the mean per receiver.
func (rx *Receivers) Average(out *protocol.Outcome) {
	out.Processed = rx.N
	if rx.N == 0 {
		return
	}
	n, o := rx.N, rx.Ops
	out.Receiver = protocol.Ops{Encrypt: o.Encrypt / n, Decrypt: o.Decrypt / n, DeriveKeyPair: o.DeriveKeyPair / n,
		DeriveSecret: o.DeriveSecret / n, Sign: o.Sign / n, Verify: o.Verify / n, AEAD: o.AEAD / n}
	out.ReceiverNanos = rx.Nanos / int64(n)
}

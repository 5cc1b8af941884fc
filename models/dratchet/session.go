package dratchet

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"slices"

	"cgkalab/models/protocol"
)

// DefaultMaxSkip bounds a session's store of skipped message keys and the
// number of messages one message may skip, as libsignal does (2,000).
const DefaultMaxSkip = 2000

// Errors a receiver reports; every decryption error wraps one of them or
// the wire package's ErrMalformed.
var (
	ErrTooManySkipped = errors.New("message skips more message keys than the store allows")
	ErrNoKey          = errors.New("no message key (a duplicate, or older than the stored skipped keys)")
	ErrAuth           = errors.New("message failed authentication")
)

// Pos names a chain key: chain Step (the ratchet step that created it) at
// message number N. The same position names a message key.
type Pos struct{ Step, N uint32 }

// skipped is a stored message key of a message not yet received.
type skipped struct {
	key []byte // the sender's ratchet key of that chain
	pos Pos
	mk  []byte
}

// Session is one party's Double Ratchet state (Signal's Double Ratchet
// specification, Section 3.2), with the positions of its secrets in the
// pair's sequence of ratchet steps. Step k ≥ 1 is created by the owner of
// ratchet key k; ratchet keys alternate between the parties, key 0 being
// the responder's signed prekey.
type Session struct {
	c       *Crypto
	ad      []byte // associated data: initiator's then responder's identity
	maxSkip int

	rk       []byte
	own      *PrivateKey // DHs; in KEM mode nil between a decapsulation and the next send
	ownStep  uint32
	peer     []byte // DHr
	peerStep uint32

	cks      []byte // sending chain, nil until there is one
	sendStep uint32
	ns       uint32
	kemCT    []byte // KEM mode: the sending chain's encapsulation
	pn       uint32

	ckr      []byte // receiving chain, nil until there is one
	recvStep uint32
	nr       uint32

	skipped []skipped // oldest first
}

// State is what a session holds, by position: what a compromise of it
// reveals.
type State struct {
	RootStep uint32 // the root key is that of this step
	// OwnKey reports a ratchet private key is held: key OwnStep, whose
	// public key is OwnPublic.
	OwnKey    bool
	OwnStep   uint32
	OwnPublic []byte
	Send      *Pos // the sending chain key, if any
	Recv      *Pos // the receiving chain key, if any
	Skipped   []Pos
}

// State returns the session's positions.
func (s *Session) State() State {
	st := State{RootStep: max(s.sendStep, s.recvStep), OwnKey: s.own != nil && s.ownStep > 0, OwnStep: s.ownStep}
	if st.OwnKey {
		st.OwnPublic = s.own.PublicKey()
	}
	if s.cks != nil {
		st.Send = &Pos{s.sendStep, s.ns}
	}
	if s.ckr != nil {
		st.Recv = &Pos{s.recvStep, s.nr}
	}
	for _, k := range s.skipped {
		st.Skipped = append(st.Skipped, k.pos)
	}
	return st
}

// SendInfo says what an encryption did: the message's position, and
// whether it created ratchet step Pos.Step (KEM mode), with the public
// keys of the step: the peer's it encapsulated to and its own new one.
type SendInfo struct {
	Pos       Pos
	NewStep   bool
	Prev, Own []byte
}

// RecvInfo says what a decryption did: the message's position, the step
// the receiver created (DH mode, 0 if none) with its public keys (the
// peer's new one and its own new one), and the skipped keys stored.
type RecvInfo struct {
	Pos       Pos
	NewStep   uint32
	Prev, Own []byte
	Stored    []Pos
}

// newSession returns a session with root key rk.
func (c *Crypto) newSession(ad, rk []byte, maxSkip int) *Session {
	if maxSkip <= 0 {
		maxSkip = DefaultMaxSkip
	}
	return &Session{c: c, ad: ad, rk: rk, maxSkip: maxSkip}
}

// Encrypt seals plaintext as the next message of the sending chain. In
// KEM mode, a send after receiving a new peer key first makes a ratchet
// step: an encapsulation to the peer's key and a fresh key pair.
func (s *Session) Encrypt(plaintext []byte, rand io.Reader, ops *protocol.Ops) (*RatchetMessage, SendInfo, error) {
	var info SendInfo
	if s.c.kem() && (s.cks == nil || s.peerStep > s.sendStep) {
		if s.peer == nil {
			return nil, info, errors.New("no peer ratchet key to encapsulate to")
		}
		ct, ss, err := s.c.Encap(s.peer, rand)
		if err != nil {
			return nil, info, err
		}
		own, err := s.c.GenerateKey(rand)
		if err != nil {
			return nil, info, err
		}
		s.rk, s.cks = s.c.KDFRoot(s.rk, ss)
		s.own, s.ownStep, s.sendStep = own, s.peerStep+1, s.peerStep+1
		s.pn, s.ns, s.kemCT = s.ns, 0, ct
		info.NewStep, info.Prev, info.Own = true, s.peer, own.PublicKey()
		ops.Encrypt++
		ops.DeriveKeyPair++
		ops.DeriveSecret++
	}
	if s.cks == nil {
		return nil, info, errors.New("no sending chain yet")
	}
	h := Header{RatchetKey: s.own.PublicKey(), KEMCiphertext: s.kemCT, PN: s.pn, N: s.ns}
	next, mk := s.c.KDFChain(s.cks)
	ct, err := s.seal(mk, &h, plaintext)
	if err != nil {
		return nil, info, err
	}
	info.Pos = Pos{s.sendStep, s.ns}
	s.cks, s.ns = next, s.ns+1
	ops.DeriveSecret += 2
	ops.AEAD++
	return &RatchetMessage{Header: h, Ciphertext: ct}, info, nil
}

func (s *Session) aead(mk []byte, h *Header) (key, nonce, ad []byte) {
	key, nonce = s.c.MessageKeys(mk, labelMessage)
	return key, nonce, append(slices.Clip(s.ad), s.c.EncodeHeader(h)...)
}

func (s *Session) seal(mk []byte, h *Header, plaintext []byte) ([]byte, error) {
	key, nonce, ad := s.aead(mk, h)
	return s.c.Suite.Seal(key, nonce, ad, plaintext)
}

func (s *Session) open(mk []byte, m *RatchetMessage) ([]byte, error) {
	key, nonce, ad := s.aead(mk, &m.Header)
	pt, err := s.c.Suite.Open(key, nonce, ad, m.Ciphertext)
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrAuth, err)
	}
	return pt, nil
}

// Decrypt opens a message (Signal's RatchetDecrypt): from the store of
// skipped keys, or after a ratchet step if the header carries a new peer
// key, storing the keys of messages it skips. On any error the session is
// unchanged.
func (s *Session) Decrypt(m *RatchetMessage, rand io.Reader, ops *protocol.Ops) ([]byte, RecvInfo, error) {
	h := &m.Header
	for i, k := range s.skipped {
		if k.pos.N == h.N && bytes.Equal(k.key, h.RatchetKey) {
			pt, err := s.open(k.mk, m)
			ops.DeriveSecret++
			ops.AEAD++
			if err != nil {
				return nil, RecvInfo{}, err
			}
			s.skipped = slices.Delete(s.skipped, i, i+1)
			return pt, RecvInfo{Pos: k.pos}, nil
		}
	}
	t := *s // work on a copy; commit on success
	t.skipped = slices.Clip(s.skipped)
	var info RecvInfo
	var work protocol.Ops
	if !bytes.Equal(h.RatchetKey, t.peer) {
		if err := t.skip(h.PN, &info, &work); err != nil {
			return nil, info, err
		}
		if err := t.step(h, rand, &info, &work); err != nil {
			return nil, info, err
		}
	}
	if err := t.skip(h.N, &info, &work); err != nil {
		return nil, info, err
	}
	if t.ckr == nil {
		return nil, info, fmt.Errorf("%w: no receiving chain", ErrNoKey)
	}
	next, mk := t.c.KDFChain(t.ckr)
	work.DeriveSecret += 2
	pt, err := t.open(mk, m)
	work.AEAD++
	if err != nil {
		ops.Add(work) // the work was done all the same
		return nil, info, err
	}
	info.Pos = Pos{t.recvStep, t.nr}
	t.ckr, t.nr = next, t.nr+1
	*s = t
	ops.Add(work)
	return pt, info, nil
}

// skip stores the message keys of the receiving chain up to message
// number until (Signal's SkipMessageKeys), evicting the oldest stored keys
// beyond the bound.
func (s *Session) skip(until uint32, info *RecvInfo, ops *protocol.Ops) error {
	if s.ckr == nil {
		return nil
	}
	if until < s.nr {
		return fmt.Errorf("%w: message %d, chain already at %d", ErrNoKey, until, s.nr)
	}
	if int(until-s.nr) > s.maxSkip {
		return fmt.Errorf("%w: %d skipped, at most %d", ErrTooManySkipped, until-s.nr, s.maxSkip)
	}
	for s.nr < until {
		next, mk := s.c.KDFChain(s.ckr)
		ops.DeriveSecret++
		pos := Pos{s.recvStep, s.nr}
		s.skipped = append(s.skipped, skipped{key: s.peer, pos: pos, mk: mk})
		info.Stored = append(info.Stored, pos)
		s.ckr, s.nr = next, s.nr+1
	}
	if over := len(s.skipped) - s.maxSkip; over > 0 {
		s.skipped = slices.Clone(s.skipped[over:])
	}
	return nil
}

// step performs the receiver's ratchet step for a header with a new peer
// key (Signal's DHRatchet): the new receiving chain, and in DH mode a new
// key pair and sending chain at once. In KEM mode the receiver decapsulates
// and deletes its key; its next send makes the next step.
func (s *Session) step(h *Header, rand io.Reader, info *RecvInfo, ops *protocol.Ops) error {
	if s.own == nil {
		return fmt.Errorf("%w: a new ratchet key, but no key of ours is outstanding", ErrNoKey)
	}
	var ss []byte
	var err error
	if s.c.kem() {
		ss, err = s.c.Decap(s.own, h.KEMCiphertext)
	} else {
		ss, err = s.c.DH(s.own, h.RatchetKey)
	}
	ops.Decrypt++
	if err != nil {
		return fmt.Errorf("%w: ratchet step: %w", ErrAuth, err)
	}
	s.rk, s.ckr = s.c.KDFRoot(s.rk, ss)
	ops.DeriveSecret++
	s.peer, s.peerStep, s.recvStep, s.nr = h.RatchetKey, s.ownStep+1, s.ownStep+1, 0
	if s.c.kem() {
		s.own = nil
		return nil
	}
	own, err := s.c.GenerateKey(rand)
	if err != nil {
		return err
	}
	ss, err = s.c.DH(own, s.peer)
	if err != nil {
		return err
	}
	s.rk, s.cks = s.c.KDFRoot(s.rk, ss)
	s.own, s.ownStep, s.sendStep = own, s.peerStep+1, s.peerStep+1
	s.pn, s.ns = s.ns, 0
	info.NewStep, info.Prev, info.Own = s.sendStep, s.peer, own.PublicKey()
	ops.DeriveKeyPair++
	ops.Encrypt++
	ops.DeriveSecret++
	return nil
}

// StoredSkipped is the number of skipped message keys the session holds.
func (s *Session) StoredSkipped() int { return len(s.skipped) }

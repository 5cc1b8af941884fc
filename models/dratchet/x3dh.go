package dratchet

import (
	"bytes"
	"errors"
	"fmt"
	"io"

	"cgkalab/models/protocol"
	"cgkalab/models/suite"
	"cgkalab/models/wire"
)

// Signature labels (SignWithLabel prefixes "MLS 1.0 ").
const (
	labelSignedPrekey  = "cgkalab signed prekey"
	labelPreKeyMessage = "cgkalab prekey message"
)

// ErrIdentity is wrapped when a key does not belong to whom it claims.
var ErrIdentity = errors.New("identity check failed")

// Identity is a client's long-term keys and prekeys: an identity signature
// key of the suite's scheme, an identity DH or KEM key, a signed prekey,
// and the private halves of the one-time prekeys it has uploaded and not
// yet seen used.
type Identity struct {
	Sig      *suite.SignaturePrivateKey
	IK       *PrivateKey
	SPK      *PrivateKey
	SPKID    uint32
	spkSig   []byte
	OneTime  map[uint32]*PrivateKey
	nextOTID uint32
}

// NewIdentity draws a client's identity key, signature key and signed
// prekey from rand.
func (c *Crypto) NewIdentity(rand io.Reader, ops *protocol.Ops) (*Identity, error) {
	sig, err := c.Suite.GenerateSignatureKey(rand)
	if err != nil {
		return nil, err
	}
	ik, err := c.GenerateKey(rand)
	if err != nil {
		return nil, err
	}
	spk, err := c.GenerateKey(rand)
	if err != nil {
		return nil, err
	}
	id := &Identity{Sig: sig, IK: ik, SPK: spk, SPKID: 1, OneTime: map[uint32]*PrivateKey{}, nextOTID: 1}
	id.spkSig, err = c.Suite.SignWithLabel(sig, labelSignedPrekey, signedPrekeyTBS(ik.PublicKey(), id.SPKID, spk.PublicKey()))
	if err != nil {
		return nil, err
	}
	ops.DeriveKeyPair += 3
	ops.Sign++
	return id, nil
}

// Public is the identity's public key as the session's associated data
// uses it: the identity DH key, or in KEM mode the signature key (the key
// that authenticates the initiator there).
func (c *Crypto) Public(id *Identity) []byte {
	if c.kem() {
		return id.Sig.PublicKey()
	}
	return id.IK.PublicKey()
}

// basePublic returns the same for a published bundle.
func (c *Crypto) basePublic(b *PrekeyBase) []byte {
	if c.kem() {
		return b.SignatureKey
	}
	return b.IdentityKey
}

// Base returns the identity's published long-lived prekeys.
func (id *Identity) Base() PrekeyBase {
	return PrekeyBase{SignatureKey: id.Sig.PublicKey(), IdentityKey: id.IK.PublicKey(),
		SignedPrekeyID: id.SPKID, SignedPrekey: id.SPK.PublicKey(), Signature: id.spkSig}
}

// NewOneTime draws n one-time prekeys and returns their public halves.
func (c *Crypto) NewOneTime(id *Identity, n int, rand io.Reader, ops *protocol.Ops) ([]OneTimePrekey, error) {
	out := make([]OneTimePrekey, 0, n)
	for range n {
		k, err := c.GenerateKey(rand)
		if err != nil {
			return nil, err
		}
		id.OneTime[id.nextOTID] = k
		out = append(out, OneTimePrekey{ID: id.nextOTID, Key: k.PublicKey()})
		id.nextOTID++
		ops.DeriveKeyPair++
	}
	return out, nil
}

// VerifyBundle checks a bundle's signed prekey signature.
func (c *Crypto) VerifyBundle(b *PrekeyBundle) error {
	p := &b.Base
	if err := c.Suite.VerifyWithLabel(p.SignatureKey, labelSignedPrekey, signedPrekeyTBS(p.IdentityKey, p.SignedPrekeyID, p.SignedPrekey), p.Signature); err != nil {
		return fmt.Errorf("%w: signed prekey: %w", ErrIdentity, err)
	}
	return nil
}

// Setup says what a session setup used, for the security bookkeeping:
// the public keys whose private keys it depends on.
type Setup struct {
	InitiatorIdentity []byte // the initiator's identity DH key (DH mode)
	ResponderIdentity []byte // the responder's identity DH or KEM key
	SignedPrekey      []byte
	OneTime           bool
	OneTimeKey        []byte
}

// Initiate starts a session with the owner of bundle (X3DH, Section 3.3,
// or its KEM form; see doc.go) and seals plaintext as its first message.
// The bundle must have been verified.
func (c *Crypto) Initiate(self *Identity, b *PrekeyBundle, plaintext []byte, rand io.Reader, maxSkip int, ops *protocol.Ops) (*Session, *PairwiseMessage, Setup, error) {
	setup := Setup{InitiatorIdentity: self.IK.PublicKey(), ResponderIdentity: b.Base.IdentityKey,
		SignedPrekey: b.Base.SignedPrekey, OneTime: b.OneTime != nil}
	pm := &PreKeyMessage{SignedPrekeyID: b.Base.SignedPrekeyID, HasOneTime: b.OneTime != nil, IdentityKey: c.Public(self)}
	if b.OneTime != nil {
		pm.OneTimeID, setup.OneTimeKey = b.OneTime.ID, b.OneTime.Key
	}
	ad := append(bytes.Clone(c.Public(self)), c.basePublic(&b.Base)...)
	var sk []byte
	var err error
	if c.kem() {
		sk, err = c.initiateKEM(b, pm, ad, rand, ops)
	} else {
		sk, err = c.initiateDH(self, b, pm, ad, rand, ops)
	}
	if err != nil {
		return nil, nil, setup, err
	}
	// The first ratchet step, onto the signed prekey as the responder's
	// ratchet key 0 (Double Ratchet, Section 3.3: RatchetInitAlice).
	s := c.newSession(ad, sk, maxSkip)
	s.peer = b.Base.SignedPrekey
	if !c.kem() {
		own, err := c.GenerateKey(rand)
		if err != nil {
			return nil, nil, setup, err
		}
		dh, err := c.DH(own, s.peer)
		if err != nil {
			return nil, nil, setup, fmt.Errorf("signed prekey: %w", err)
		}
		s.rk, s.cks = c.KDFRoot(sk, dh)
		s.own, s.ownStep, s.sendStep = own, 1, 1
		ops.DeriveKeyPair++
		ops.Encrypt++
		ops.DeriveSecret++
	}
	m, _, err := s.Encrypt(plaintext, rand, ops)
	if err != nil {
		return nil, nil, setup, err
	}
	pm.Message = *m
	if c.kem() {
		tbs := wire.NewBuilder(256)
		c.writePreKey(tbs, pm, false)
		if pm.Signature, err = c.Suite.SignWithLabel(self.Sig, labelPreKeyMessage, tbs.Bytes()); err != nil {
			return nil, nil, setup, err
		}
		ops.Sign++
	}
	return s, &PairwiseMessage{Type: TypePreKey, PreKey: pm}, setup, nil
}

// f is X3DH's prefix of 0xFF bytes (X3DH, Section 2.2).
func (c *Crypto) f() []byte {
	return bytes.Repeat([]byte{0xff}, c.dh.fSize)
}

// initiateDH is X3DH (Section 3.3): DH1 = DH(IK_A, SPK_B), DH2 =
// DH(EK_A, IK_B), DH3 = DH(EK_A, SPK_B), DH4 = DH(EK_A, OPK_B), SK =
// HKDF(F || DH1 || DH2 || DH3 || DH4), with the identities in the info.
func (c *Crypto) initiateDH(self *Identity, b *PrekeyBundle, pm *PreKeyMessage, ad []byte, rand io.Reader, ops *protocol.Ops) ([]byte, error) {
	ek, err := c.GenerateKey(rand)
	if err != nil {
		return nil, err
	}
	pm.BaseKey = ek.PublicKey()
	ikm := c.f()
	for _, x := range []struct {
		own  *PrivateKey
		peer []byte
	}{{self.IK, b.Base.SignedPrekey}, {ek, b.Base.IdentityKey}, {ek, b.Base.SignedPrekey}} {
		dh, err := c.DH(x.own, x.peer)
		if err != nil {
			return nil, err
		}
		ikm = append(ikm, dh...)
	}
	if b.OneTime != nil {
		dh, err := c.DH(ek, b.OneTime.Key)
		if err != nil {
			return nil, err
		}
		ikm = append(ikm, dh...)
	}
	ops.DeriveKeyPair++
	ops.Encrypt += 3
	if b.OneTime != nil {
		ops.Encrypt++
	}
	ops.DeriveSecret++
	return c.sharedKey(ikm, labelX3DH, ad), nil
}

// initiateKEM is the KEM form: encapsulations to the responder's identity
// key and one-time prekey give SK; the encapsulation to the signed prekey
// is the first ratchet step's.
func (c *Crypto) initiateKEM(b *PrekeyBundle, pm *PreKeyMessage, ad []byte, rand io.Reader, ops *protocol.Ops) ([]byte, error) {
	ct, ss, err := c.Encap(b.Base.IdentityKey, rand)
	if err != nil {
		return nil, fmt.Errorf("identity key: %w", err)
	}
	pm.IdentityCT = ct
	ikm := append(bytes.Repeat([]byte{0xff}, 32), ss...)
	ops.Encrypt++
	if b.OneTime != nil {
		ct, ss, err := c.Encap(b.OneTime.Key, rand)
		if err != nil {
			return nil, fmt.Errorf("one-time prekey: %w", err)
		}
		pm.OneTimeCT = ct
		ikm = append(ikm, ss...)
		ops.Encrypt++
	}
	ops.DeriveSecret++
	return c.sharedKey(ikm, labelPQ, ad), nil
}

func (c *Crypto) sharedKey(ikm []byte, label string, ad []byte) []byte {
	info := append([]byte(label), ad...)
	return c.Suite.Expand(c.Suite.Extract(nil, ikm), info, c.Suite.Nh())
}

// Respond creates the responder's session from a PreKeyMessage (X3DH,
// Section 3.4) and opens its first message. initiator is the identity
// public key the directory lists for the sender; the one-time prekey used
// is deleted from self on success.
func (c *Crypto) Respond(self *Identity, pm *PreKeyMessage, initiator []byte, rand io.Reader, maxSkip int, ops *protocol.Ops) (*Session, []byte, Setup, RecvInfo, error) {
	setup := Setup{ResponderIdentity: self.IK.PublicKey(), SignedPrekey: self.SPK.PublicKey(), OneTime: pm.HasOneTime}
	var info RecvInfo
	if !bytes.Equal(pm.IdentityKey, initiator) {
		return nil, nil, setup, info, fmt.Errorf("%w: prekey message from an identity key the directory does not list for its sender", ErrIdentity)
	}
	if pm.SignedPrekeyID != self.SPKID {
		return nil, nil, setup, info, fmt.Errorf("%w: unknown signed prekey %d", ErrNoKey, pm.SignedPrekeyID)
	}
	var otk *PrivateKey
	if pm.HasOneTime {
		if otk = self.OneTime[pm.OneTimeID]; otk == nil {
			return nil, nil, setup, info, fmt.Errorf("%w: unknown or used one-time prekey %d", ErrNoKey, pm.OneTimeID)
		}
		setup.OneTimeKey = otk.PublicKey()
	}
	ad := append(bytes.Clone(initiator), c.Public(self)...)
	var sk []byte
	var err error
	if c.kem() {
		sk, err = c.respondKEM(self, pm, otk, ad, ops)
	} else {
		sk, err = c.respondDH(self, pm, otk, ad, ops)
	}
	if err != nil {
		return nil, nil, setup, info, err
	}
	s := c.newSession(ad, sk, maxSkip)
	s.own, s.ownStep = self.SPK, 0 // RatchetInitBob: the signed prekey is key 0
	pt, info, err := s.Decrypt(&pm.Message, rand, ops)
	if err != nil {
		return nil, nil, setup, info, fmt.Errorf("first message: %w", err)
	}
	// The step replaced key 0 (the signed prekey, which stays in self):
	// DH mode holds a new key pair, KEM mode none until it sends.
	if pm.HasOneTime {
		delete(self.OneTime, pm.OneTimeID)
	}
	return s, pt, setup, info, nil
}

func (c *Crypto) respondDH(self *Identity, pm *PreKeyMessage, otk *PrivateKey, ad []byte, ops *protocol.Ops) ([]byte, error) {
	ikm := c.f()
	pairs := []struct {
		own  *PrivateKey
		peer []byte
	}{{self.SPK, pm.IdentityKey}, {self.IK, pm.BaseKey}, {self.SPK, pm.BaseKey}}
	if otk != nil {
		pairs = append(pairs, struct {
			own  *PrivateKey
			peer []byte
		}{otk, pm.BaseKey})
	}
	for _, x := range pairs {
		dh, err := c.DH(x.own, x.peer)
		ops.Decrypt++
		if err != nil {
			return nil, fmt.Errorf("%w: X3DH: %w", ErrAuth, err)
		}
		ikm = append(ikm, dh...)
	}
	ops.DeriveSecret++
	return c.sharedKey(ikm, labelX3DH, ad), nil
}

func (c *Crypto) respondKEM(self *Identity, pm *PreKeyMessage, otk *PrivateKey, ad []byte, ops *protocol.Ops) ([]byte, error) {
	tbs := wire.NewBuilder(256)
	c.writePreKey(tbs, pm, false)
	ops.Verify++
	if err := c.Suite.VerifyWithLabel(pm.IdentityKey, labelPreKeyMessage, tbs.Bytes(), pm.Signature); err != nil {
		return nil, fmt.Errorf("%w: prekey message signature: %w", ErrAuth, err)
	}
	ss, err := c.Decap(self.IK, pm.IdentityCT)
	ops.Decrypt++
	if err != nil {
		return nil, fmt.Errorf("%w: identity key: %w", ErrAuth, err)
	}
	ikm := append(bytes.Repeat([]byte{0xff}, 32), ss...)
	if otk != nil {
		ss, err := c.Decap(otk, pm.OneTimeCT)
		ops.Decrypt++
		if err != nil {
			return nil, fmt.Errorf("%w: one-time prekey: %w", ErrAuth, err)
		}
		ikm = append(ikm, ss...)
	}
	ops.DeriveSecret++
	return c.sharedKey(ikm, labelPQ, ad), nil
}

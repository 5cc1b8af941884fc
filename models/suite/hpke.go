package suite

import (
	"crypto/cipher"
	"errors"
	"fmt"
	"io"

	"cgkalab/models/wire"
)

// kem is one HPKE KEM (RFC 9180, Section 4). Encapsulation takes its
// randomness from the caller so results are reproducible.
type kem interface {
	id() uint16
	// deriveKeyPair implements DeriveKeyPair(ikm) (RFC 9180, Section 7.1.3,
	// or the KEM's own definition for the PQ KEMs).
	deriveKeyPair(ikm []byte) (kemPrivateKey, error)
	// parsePrivate implements DeserializePrivateKey.
	parsePrivate(b []byte) (kemPrivateKey, error)
	encap(pub []byte, rand io.Reader) (sharedSecret, enc []byte, err error)
	// encSize is Nenc; a kem_output of another length is rejected early.
	encSize() int
	// publicKeySize is Npk.
	publicKeySize() int
}

type kemPrivateKey interface {
	publicKey() []byte // SerializePublicKey
	bytes() []byte     // SerializePrivateKey
	// setupBaseR implements SetupBaseR(enc, skR, info) (RFC 9180, Section
	// 5.1.1) with the KDF and AEAD of suite s: Decap, then KeySchedule.
	setupBaseR(s *Suite, enc, info []byte) (recipient, error)
}

// recipient is a receiving HPKE context, used once (the single-shot API of
// RFC 9180, Section 6.1). The DHKEMs use hpkeContext below; the
// post-quantum KEMs use crypto/hpke's Recipient.
type recipient interface {
	open(aad, ciphertext []byte) ([]byte, error)
	export(exporterContext []byte, length int) ([]byte, error)
}

// HPKEPrivateKey is a parsed HPKE private key of a suite's KEM.
type HPKEPrivateKey struct {
	suite *Suite
	k     kemPrivateKey
}

// PublicKey returns the encoded HPKEPublicKey.
func (k *HPKEPrivateKey) PublicKey() []byte { return k.k.publicKey() }

// Bytes returns SerializePrivateKey of the key.
func (k *HPKEPrivateKey) Bytes() []byte { return k.k.bytes() }

// DeriveKeyPair maps a secret to an HPKE key pair (RFC 9420, Section 5.1;
// RFC 9180, Section 7.1.3).
func (s *Suite) DeriveKeyPair(ikm []byte) (*HPKEPrivateKey, error) {
	k, err := s.kem.deriveKeyPair(ikm)
	if err != nil {
		return nil, fmt.Errorf("%s: DeriveKeyPair: %w", s.Name, err)
	}
	return &HPKEPrivateKey{suite: s, k: k}, nil
}

// ParseHPKEPrivateKey decodes a serialized HPKE private key.
func (s *Suite) ParseHPKEPrivateKey(b []byte) (*HPKEPrivateKey, error) {
	k, err := s.kem.parsePrivate(b)
	if err != nil {
		return nil, fmt.Errorf("%s: HPKE private key: %w", s.Name, err)
	}
	return &HPKEPrivateKey{suite: s, k: k}, nil
}

// HPKEPublicKeySize is the KEM's Npk; HPKEEncSize is Nenc.
func (s *Suite) HPKEPublicKeySize() int { return s.kem.publicKeySize() }
func (s *Suite) HPKEEncSize() int       { return s.kem.encSize() }

// hpkeSuiteID is "HPKE" || I2OSP(kem_id, 2) || I2OSP(kdf_id, 2) || I2OSP(aead_id, 2)
// (RFC 9180, Section 5.1).
func (s *Suite) hpkeSuiteID() []byte {
	k, f, a := s.kem.id(), s.hash.kdfID, s.aead.id
	return []byte{'H', 'P', 'K', 'E', byte(k >> 8), byte(k), byte(f >> 8), byte(f), byte(a >> 8), byte(a)}
}

// labeledExtract and labeledExpand implement RFC 9180, Section 4.
func labeledExtract(h hashAlg, suiteID, salt []byte, label string, ikm []byte) []byte {
	in := make([]byte, 0, 7+len(suiteID)+len(label)+len(ikm))
	in = append(in, "HPKE-v1"...)
	in = append(in, suiteID...)
	in = append(in, label...)
	in = append(in, ikm...)
	return h.extract(salt, in)
}

func labeledExpand(h hashAlg, suiteID, prk []byte, label string, info []byte, n int) []byte {
	in := make([]byte, 0, 2+7+len(suiteID)+len(label)+len(info))
	in = append(in, byte(n>>8), byte(n))
	in = append(in, "HPKE-v1"...)
	in = append(in, suiteID...)
	in = append(in, label...)
	in = append(in, info...)
	return h.expand(prk, in, n)
}

// hpkeContext is the result of KeySchedule in base mode (RFC 9180,
// Section 5.1). The AEAD key and base nonce are derived only when a
// message is sealed or opened, so an export-only use (SendExport,
// ReceiveExport) does not pay for them.
type hpkeContext struct {
	s      *Suite
	secret []byte // secret = LabeledExtract(shared_secret, "secret", psk="")
	ksc    []byte // key_schedule_context
}

// keySchedule implements KeySchedule<ROLE>(mode_base, shared_secret, info,
// psk="", psk_id="") (RFC 9180, Section 5.1).
func (s *Suite) keySchedule(sharedSecret, info []byte) *hpkeContext {
	id := s.hpkeSuiteID()
	pskIDHash := labeledExtract(s.hash, id, nil, "psk_id_hash", nil)
	infoHash := labeledExtract(s.hash, id, nil, "info_hash", info)
	ksc := make([]byte, 0, 1+len(pskIDHash)+len(infoHash))
	ksc = append(ksc, 0) // mode_base
	ksc = append(ksc, pskIDHash...)
	ksc = append(ksc, infoHash...)
	secret := labeledExtract(s.hash, id, sharedSecret, "secret", nil)
	return &hpkeContext{s: s, secret: secret, ksc: ksc}
}

// aead returns the context's AEAD and base_nonce; the first message uses
// seq = 0, so its nonce is base_nonce itself (RFC 9180, Section 5.2).
func (c *hpkeContext) aead() (cipher.AEAD, []byte, error) {
	id := c.s.hpkeSuiteID()
	key := labeledExpand(c.s.hash, id, c.secret, "key", c.ksc, c.s.aead.nk)
	nonce := labeledExpand(c.s.hash, id, c.secret, "base_nonce", c.ksc, c.s.aead.nn)
	a, err := c.s.aead.new(key)
	return a, nonce, err
}

// seal implements ContextS.Seal for seq = 0 (RFC 9180, Section 5.2).
func (c *hpkeContext) seal(aad, plaintext []byte) ([]byte, error) {
	a, nonce, err := c.aead()
	if err != nil {
		return nil, err
	}
	return a.Seal(nil, nonce, plaintext, aad), nil
}

// open implements ContextR.Open for seq = 0 (RFC 9180, Section 5.2).
func (c *hpkeContext) open(aad, ciphertext []byte) ([]byte, error) {
	a, nonce, err := c.aead()
	if err != nil {
		return nil, err
	}
	return a.Open(nil, nonce, ciphertext, aad)
}

// export implements Context.Export (RFC 9180, Section 5.3).
func (c *hpkeContext) export(exporterContext []byte, length int) ([]byte, error) {
	if length < 0 || length > 255*c.s.hash.size {
		return nil, fmt.Errorf("HPKE export length %d out of range", length)
	}
	id := c.s.hpkeSuiteID()
	exporter := labeledExpand(c.s.hash, id, c.secret, "exp", c.ksc, c.s.hash.size)
	return labeledExpand(c.s.hash, id, exporter, "sec", exporterContext, length), nil
}

// setupBaseS implements SetupBaseS(pkR, info) (RFC 9180, Section 5.1.1),
// drawing the KEM's randomness from rand.
func (s *Suite) setupBaseS(pub, info []byte, rand io.Reader) (enc []byte, c *hpkeContext, err error) {
	ss, enc, err := s.kem.encap(pub, rand)
	if err != nil {
		return nil, nil, fmt.Errorf("%s: HPKE encap: %w", s.Name, err)
	}
	return enc, s.keySchedule(ss, info), nil
}

// setupBaseR checks the receiver's inputs and runs SetupBaseR. Every
// failure wraps ErrDecrypt.
func (s *Suite) setupBaseR(priv *HPKEPrivateKey, enc, info []byte) (recipient, error) {
	if priv == nil || priv.suite == nil || priv.k == nil || priv.suite.kem.id() != s.kem.id() {
		return nil, fmt.Errorf("HPKE private key does not belong to %s: %w", s.Name, ErrDecrypt)
	}
	if len(enc) != s.kem.encSize() {
		return nil, fmt.Errorf("kem_output is %d bytes, want %d: %w", len(enc), s.kem.encSize(), ErrDecrypt)
	}
	r, err := priv.k.setupBaseR(s, enc, info)
	if err != nil {
		return nil, fmt.Errorf("HPKE decap: %w: %w", err, ErrDecrypt)
	}
	return r, nil
}

// SealBase implements single-shot HPKE base-mode encryption (RFC 9180,
// Section 6.1), drawing the KEM's randomness from rand.
func (s *Suite) SealBase(pub, info, aad, plaintext []byte, rand io.Reader) (enc, ciphertext []byte, err error) {
	enc, c, err := s.setupBaseS(pub, info, rand)
	if err != nil {
		return nil, nil, err
	}
	ct, err := c.seal(aad, plaintext)
	if err != nil {
		return nil, nil, err
	}
	return enc, ct, nil
}

// OpenBase implements single-shot HPKE base-mode decryption (RFC 9180,
// Section 6.1). Every failure wraps ErrDecrypt.
func (s *Suite) OpenBase(priv *HPKEPrivateKey, enc, info, aad, ciphertext []byte) ([]byte, error) {
	if len(ciphertext) < s.AEADOverhead() {
		return nil, fmt.Errorf("HPKE ciphertext is %d bytes, shorter than the AEAD tag: %w", len(ciphertext), ErrDecrypt)
	}
	r, err := s.setupBaseR(priv, enc, info)
	if err != nil {
		return nil, err
	}
	pt, err := r.open(aad, ciphertext)
	if err != nil {
		return nil, fmt.Errorf("HPKE open: %w", ErrDecrypt)
	}
	return pt, nil
}

// SendExport implements SetupBaseS followed by Export (RFC 9180, Sections
// 5.1 and 5.3), as external commits use it (RFC 9420, Section 8.3).
func (s *Suite) SendExport(pub, info, exporterContext []byte, length int, rand io.Reader) (enc, secret []byte, err error) {
	enc, c, err := s.setupBaseS(pub, info, rand)
	if err != nil {
		return nil, nil, err
	}
	secret, err = c.export(exporterContext, length)
	if err != nil {
		return nil, nil, fmt.Errorf("%s: %w", s.Name, err)
	}
	return enc, secret, nil
}

// ReceiveExport implements SetupBaseR followed by Export. A malformed
// kem_output or a key of another KEM gives an error wrapping ErrDecrypt.
func (s *Suite) ReceiveExport(priv *HPKEPrivateKey, enc, info, exporterContext []byte, length int) ([]byte, error) {
	r, err := s.setupBaseR(priv, enc, info)
	if err != nil {
		return nil, err
	}
	secret, err := r.export(exporterContext, length)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", s.Name, err)
	}
	return secret, nil
}

func encryptContext(label string, context []byte) []byte {
	b := wire.NewBuilder(len(label) + len(context) + 16)
	b.Vector(func(b *wire.Builder) { b.Raw([]byte("MLS 1.0 ")); b.Raw([]byte(label)) })
	b.Opaque(context)
	return b.Bytes()
}

// EncryptWithLabel implements RFC 9420, Section 5.1.3:
// SealBase(PublicKey, EncryptContext{"MLS 1.0 "+Label, Context}, "", Plaintext).
func (s *Suite) EncryptWithLabel(pub []byte, label string, context, plaintext []byte, rand io.Reader) (kemOutput, ciphertext []byte, err error) {
	return s.SealBase(pub, encryptContext(label, context), nil, plaintext, rand)
}

// DecryptWithLabel implements RFC 9420, Section 5.1.3. Every failure wraps
// ErrDecrypt.
func (s *Suite) DecryptWithLabel(priv *HPKEPrivateKey, label string, context, kemOutput, ciphertext []byte) ([]byte, error) {
	pt, err := s.OpenBase(priv, kemOutput, encryptContext(label, context), nil, ciphertext)
	if err != nil {
		return nil, fmt.Errorf("DecryptWithLabel %q: %w", label, err)
	}
	return pt, nil
}

var errShortRand = errors.New("random source returned too few bytes")

func readRand(rand io.Reader, n int) ([]byte, error) {
	if rand == nil {
		return nil, fmt.Errorf("%w: nil random source", errShortRand)
	}
	b := make([]byte, n)
	if _, err := io.ReadFull(rand, b); err != nil {
		return nil, fmt.Errorf("%w: %w", errShortRand, err)
	}
	return b, nil
}

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
	decap(enc []byte) (sharedSecret []byte, err error)
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
// Section 5.1): one AEAD key and base nonce, and the exporter secret.
type hpkeContext struct {
	aead     cipher.AEAD
	nonce    []byte
	exporter []byte
}

func (s *Suite) keySchedule(sharedSecret, info []byte, wantAEAD bool) (*hpkeContext, error) {
	id := s.hpkeSuiteID()
	pskIDHash := labeledExtract(s.hash, id, nil, "psk_id_hash", nil)
	infoHash := labeledExtract(s.hash, id, nil, "info_hash", info)
	ksc := make([]byte, 0, 1+len(pskIDHash)+len(infoHash))
	ksc = append(ksc, 0) // mode_base
	ksc = append(ksc, pskIDHash...)
	ksc = append(ksc, infoHash...)
	secret := labeledExtract(s.hash, id, sharedSecret, "secret", nil)
	c := &hpkeContext{exporter: labeledExpand(s.hash, id, secret, "exp", ksc, s.hash.size)}
	if wantAEAD {
		key := labeledExpand(s.hash, id, secret, "key", ksc, s.aead.nk)
		c.nonce = labeledExpand(s.hash, id, secret, "base_nonce", ksc, s.aead.nn)
		a, err := s.aead.new(key)
		if err != nil {
			return nil, err
		}
		c.aead = a
	}
	return c, nil
}

// SealBase implements single-shot HPKE base-mode encryption with empty AAD
// (RFC 9180, Section 6.1), drawing the KEM's randomness from rand.
func (s *Suite) SealBase(pub, info, aad, plaintext []byte, rand io.Reader) (enc, ciphertext []byte, err error) {
	ss, enc, err := s.kem.encap(pub, rand)
	if err != nil {
		return nil, nil, fmt.Errorf("%s: HPKE encap: %w", s.Name, err)
	}
	c, err := s.keySchedule(ss, info, true)
	if err != nil {
		return nil, nil, err
	}
	return enc, c.aead.Seal(nil, c.nonce, plaintext, aad), nil
}

// OpenBase implements single-shot HPKE base-mode decryption (RFC 9180,
// Section 6.1). Every failure wraps ErrDecrypt.
func (s *Suite) OpenBase(priv *HPKEPrivateKey, enc, info, aad, ciphertext []byte) ([]byte, error) {
	if priv == nil || priv.suite.kem.id() != s.kem.id() {
		return nil, fmt.Errorf("HPKE private key does not belong to %s: %w", s.Name, ErrDecrypt)
	}
	if len(enc) != s.kem.encSize() {
		return nil, fmt.Errorf("kem_output is %d bytes, want %d: %w", len(enc), s.kem.encSize(), ErrDecrypt)
	}
	if len(ciphertext) < s.AEADOverhead() {
		return nil, fmt.Errorf("HPKE ciphertext is %d bytes, shorter than the AEAD tag: %w", len(ciphertext), ErrDecrypt)
	}
	ss, err := priv.k.decap(enc)
	if err != nil {
		return nil, fmt.Errorf("HPKE decap: %v: %w", err, ErrDecrypt)
	}
	c, err := s.keySchedule(ss, info, true)
	if err != nil {
		return nil, err
	}
	pt, err := c.aead.Open(nil, c.nonce, ciphertext, aad)
	if err != nil {
		return nil, fmt.Errorf("HPKE open: %w", ErrDecrypt)
	}
	return pt, nil
}

// SendExport implements SetupBaseS followed by Export (RFC 9180, Sections
// 5.1 and 5.3), as external commits use it (RFC 9420, Section 8.3).
func (s *Suite) SendExport(pub, info, exporterContext []byte, length int, rand io.Reader) (enc, secret []byte, err error) {
	ss, enc, err := s.kem.encap(pub, rand)
	if err != nil {
		return nil, nil, fmt.Errorf("%s: HPKE encap: %w", s.Name, err)
	}
	c, err := s.keySchedule(ss, info, false)
	if err != nil {
		return nil, nil, err
	}
	return enc, labeledExpand(s.hash, s.hpkeSuiteID(), c.exporter, "sec", exporterContext, length), nil
}

// ReceiveExport implements SetupBaseR followed by Export.
func (s *Suite) ReceiveExport(priv *HPKEPrivateKey, enc, info, exporterContext []byte, length int) ([]byte, error) {
	if len(enc) != s.kem.encSize() {
		return nil, fmt.Errorf("kem_output is %d bytes, want %d: %w", len(enc), s.kem.encSize(), ErrDecrypt)
	}
	ss, err := priv.k.decap(enc)
	if err != nil {
		return nil, fmt.Errorf("HPKE decap: %v: %w", err, ErrDecrypt)
	}
	c, err := s.keySchedule(ss, info, false)
	if err != nil {
		return nil, err
	}
	return labeledExpand(s.hash, s.hpkeSuiteID(), c.exporter, "sec", exporterContext, length), nil
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
	b := make([]byte, n)
	if _, err := io.ReadFull(rand, b); err != nil {
		return nil, fmt.Errorf("%w: %v", errShortRand, err)
	}
	return b, nil
}

package suite

import (
	"crypto/hmac"
	"crypto/sha256"
	"crypto/sha512"
	"crypto/subtle"
	"errors"
	"fmt"
	"hash"
	"io"

	"cgkalab/models/wire"
)

// ID is a cipher suite code point (RFC 9420, Section 17.1).
type ID uint16

// Suite holds the primitives of one cipher suite. Suites are immutable and
// shared; obtain them with ByID.
type Suite struct {
	ID   ID
	Name string
	// Provisional marks code points not yet assigned by IANA (the PQ
	// draft's TBD values); the numbers used here are private-use values.
	Provisional bool

	draftValue string // "TBD1" … for the provisional suites

	hash hashAlg
	kem  kem
	aead aead
	sig  signer
}

var registry = map[ID]*Suite{}
var ordered []*Suite

func register(s *Suite) {
	if _, dup := registry[s.ID]; dup {
		panic(fmt.Sprintf("suite: duplicate registration of %#04x", uint16(s.ID)))
	}
	registry[s.ID] = s
	ordered = append(ordered, s)
}

// ErrUnsupported is returned by ByID for a suite this package does not implement.
var ErrUnsupported = errors.New("unsupported cipher suite")

// ByID returns the suite with the given code point.
func ByID(id ID) (*Suite, error) {
	if s, ok := registry[id]; ok {
		return s, nil
	}
	return nil, fmt.Errorf("%w %#04x", ErrUnsupported, uint16(id))
}

// All returns every implemented suite in registration order (RFC suites
// first, by code point).
func All() []*Suite { return append([]*Suite(nil), ordered...) }

func (s *Suite) String() string {
	if s.Provisional {
		return fmt.Sprintf("%s (%#04x, private use for draft value %s)", s.Name, uint16(s.ID), s.draftValue)
	}
	return fmt.Sprintf("%s (%#04x)", s.Name, uint16(s.ID))
}

// ---- Hash, KDF, MAC (RFC 9420, Section 5.1; RFC 5869) ----

// hashAlg is a hash function and the HKDF built on it (RFC 5869); kdfID
// is its HPKE KDF identifier (RFC 9180, Section 7.2).
type hashAlg struct {
	name  string
	size  int
	kdfID uint16
	new   func() hash.Hash
	sum   func(dst []byte, data []byte) []byte
}

var (
	sha256Alg = hashAlg{"SHA256", 32, 0x0001, sha256.New, func(dst, data []byte) []byte { h := sha256.Sum256(data); return append(dst, h[:]...) }}
	sha384Alg = hashAlg{"SHA384", 48, 0x0002, sha512.New384, func(dst, data []byte) []byte { h := sha512.Sum384(data); return append(dst, h[:]...) }}
	sha512Alg = hashAlg{"SHA512", 64, 0x0003, sha512.New, func(dst, data []byte) []byte { h := sha512.Sum512(data); return append(dst, h[:]...) }}
)

// extract is HKDF-Extract (RFC 5869, Section 2.2).
func (h hashAlg) extract(salt, ikm []byte) []byte {
	if len(salt) == 0 {
		salt = make([]byte, h.size)
	}
	m := hmac.New(h.new, salt)
	m.Write(ikm)
	return m.Sum(nil)
}

// expand is HKDF-Expand (RFC 5869, Section 2.3). n must not exceed
// 255*size; callers pass lengths fixed by the protocol.
func (h hashAlg) expand(prk, info []byte, n int) []byte {
	if n > 255*h.size {
		panic("suite: HKDF-Expand length too large")
	}
	return h.expandWith(hmac.New(h.new, prk), false, info, n)
}

// expandWith is HKDF-Expand with m, an HMAC keyed with the PRK; used says
// whether m has computed a MAC before and needs a reset. Only a used HMAC
// needs one: resetting a fresh one saves its keyed state, an allocation and
// a copy that a single one-block expansion never uses.
func (h hashAlg) expandWith(m hash.Hash, used bool, info []byte, n int) []byte {
	out := make([]byte, 0, n+h.size)
	var prev []byte
	for ctr := byte(1); len(out) < n; ctr++ {
		if used || ctr > 1 {
			m.Reset()
		}
		m.Write(prev)
		m.Write(info)
		m.Write([]byte{ctr})
		out = m.Sum(out)
		prev = out[len(out)-h.size:]
	}
	return out[:n:n]
}

// Nh is the output size of the suite's hash and KDF (KDF.Nh).
func (s *Suite) Nh() int { return s.hash.size }

// Hash returns Hash(data).
func (s *Suite) Hash(data []byte) []byte { return s.hash.sum(nil, data) }

// NewHash returns a streaming instance of the suite's hash.
func (s *Suite) NewHash() hash.Hash { return s.hash.new() }

// Extract is KDF.Extract: HKDF-Extract(salt, ikm).
func (s *Suite) Extract(salt, ikm []byte) []byte { return s.hash.extract(salt, ikm) }

// Expand is KDF.Expand: HKDF-Expand(prk, info, n).
func (s *Suite) Expand(prk, info []byte, n int) []byte { return s.hash.expand(prk, info, n) }

// ExpandWithLabel implements RFC 9420, Section 8:
// KDF.Expand(Secret, KDFLabel{length, "MLS 1.0 "+Label, Context}, Length).
func (s *Suite) ExpandWithLabel(secret []byte, label string, context []byte, length int) []byte {
	return s.Expand(secret, kdfLabel(label, context, length), length)
}

// kdfLabel encodes KDFLabel (RFC 9420, Section 8).
func kdfLabel(label string, context []byte, length int) []byte {
	b := wire.NewBuilder(2 + 1 + 8 + len(label) + 4 + len(context))
	b.U16(uint16(length))
	b.Vector(func(b *wire.Builder) { b.Raw([]byte("MLS 1.0 ")); b.Raw([]byte(label)) })
	b.Opaque(context)
	return b.Bytes()
}

// generationContext is the uint32 generation context of DeriveTreeSecret.
func generationContext(generation uint32) []byte {
	return []byte{byte(generation >> 24), byte(generation >> 16), byte(generation >> 8), byte(generation)}
}

// Expander expands one secret under several labels with its HMAC keyed
// once: deriving a secret-tree node's two children, or a ratchet's key,
// nonce and next secret, keys the HMAC once instead of each time.
type Expander struct {
	s    *Suite
	m    hash.Hash
	used bool
}

// NewExpander returns an Expander for secret.
func (s *Suite) NewExpander(secret []byte) *Expander {
	return &Expander{s: s, m: hmac.New(s.hash.new, secret)}
}

// ExpandWithLabel is Suite.ExpandWithLabel of the Expander's secret.
func (e *Expander) ExpandWithLabel(label string, context []byte, length int) []byte {
	out := e.s.hash.expandWith(e.m, e.used, kdfLabel(label, context, length), length)
	e.used = true
	return out
}

// DeriveTreeSecret is Suite.DeriveTreeSecret of the Expander's secret.
func (e *Expander) DeriveTreeSecret(label string, generation uint32, length int) []byte {
	return e.ExpandWithLabel(label, generationContext(generation), length)
}

// DeriveSecret implements RFC 9420, Section 8:
// ExpandWithLabel(Secret, Label, "", KDF.Nh).
func (s *Suite) DeriveSecret(secret []byte, label string) []byte {
	return s.ExpandWithLabel(secret, label, nil, s.hash.size)
}

// DeriveTreeSecret implements RFC 9420, Section 9:
// ExpandWithLabel(Secret, Label, uint32 Generation, Length).
func (s *Suite) DeriveTreeSecret(secret []byte, label string, generation uint32, length int) []byte {
	return s.ExpandWithLabel(secret, label, generationContext(generation), length)
}

// RefHash implements RFC 9420, Section 5.2: Hash(RefHashInput{label, value}).
func (s *Suite) RefHash(label string, value []byte) []byte {
	b := wire.NewBuilder(len(label) + len(value) + 8)
	b.String(label)
	b.Opaque(value)
	return s.Hash(b.Bytes())
}

// MakeKeyPackageRef implements RFC 9420, Section 5.2.
func (s *Suite) MakeKeyPackageRef(keyPackage []byte) []byte {
	return s.RefHash("MLS 1.0 KeyPackage Reference", keyPackage)
}

// MakeProposalRef implements RFC 9420, Section 5.2; the value is the
// encoded AuthenticatedContent carrying the proposal.
func (s *Suite) MakeProposalRef(authenticatedContent []byte) []byte {
	return s.RefHash("MLS 1.0 Proposal Reference", authenticatedContent)
}

// MAC returns HMAC(key, data) with the suite's hash (RFC 9420, Section 5.1).
func (s *Suite) MAC(key, data []byte) []byte {
	m := hmac.New(s.hash.new, key)
	m.Write(data)
	return m.Sum(nil)
}

// NewMAC returns an HMAC with the suite's hash keyed with key, for a MAC
// over data written in parts.
func (s *Suite) NewMAC(key []byte) hash.Hash { return hmac.New(s.hash.new, key) }

// VerifyMAC checks a MAC in constant time.
func (s *Suite) VerifyMAC(key, data, tag []byte) bool {
	return subtle.ConstantTimeCompare(s.MAC(key, data), tag) == 1
}

// ---- AEAD (RFC 9420, Sections 6.3 and 9) ----

// AEADKeySize is AEAD.Nk.
func (s *Suite) AEADKeySize() int { return s.aead.nk }

// AEADNonceSize is AEAD.Nn.
func (s *Suite) AEADNonceSize() int { return s.aead.nn }

// AEADOverhead is the tag length AEAD.Nt.
func (s *Suite) AEADOverhead() int { return 16 }

// ErrDecrypt is wrapped by every authentication or decryption failure.
var ErrDecrypt = errors.New("decryption failed")

// Seal encrypts plaintext with the suite's AEAD.
func (s *Suite) Seal(key, nonce, aad, plaintext []byte) ([]byte, error) {
	c, err := s.aead.new(key)
	if err != nil {
		return nil, err
	}
	if len(nonce) != c.NonceSize() {
		return nil, fmt.Errorf("AEAD nonce is %d bytes, want %d", len(nonce), c.NonceSize())
	}
	return c.Seal(nil, nonce, plaintext, aad), nil
}

// Open decrypts and authenticates ciphertext with the suite's AEAD.
func (s *Suite) Open(key, nonce, aad, ciphertext []byte) ([]byte, error) {
	c, err := s.aead.new(key)
	if err != nil {
		return nil, err
	}
	if len(nonce) != c.NonceSize() {
		return nil, fmt.Errorf("AEAD nonce is %d bytes, want %d: %w", len(nonce), c.NonceSize(), ErrDecrypt)
	}
	pt, err := c.Open(nil, nonce, ciphertext, aad)
	if err != nil {
		return nil, fmt.Errorf("AEAD open: %w", ErrDecrypt)
	}
	return pt, nil
}

// ---- Signatures (RFC 9420, Section 5.1.2) ----

// SignaturePrivateKey is a parsed signing key of the suite's scheme.
type SignaturePrivateKey struct {
	suite *Suite
	key   any    // scheme-specific
	pub   []byte // encoded public key
}

// PublicKey returns the encoded SignaturePublicKey.
func (k *SignaturePrivateKey) PublicKey() []byte { return k.pub }

// GenerateSignatureKey draws a signing key from rand.
func (s *Suite) GenerateSignatureKey(rand io.Reader) (*SignaturePrivateKey, error) {
	key, pub, err := s.sig.generate(rand)
	if err != nil {
		return nil, fmt.Errorf("%s: generating signature key: %w", s.Name, err)
	}
	return &SignaturePrivateKey{suite: s, key: key, pub: pub}, nil
}

// ParseSignaturePrivateKey decodes a signature private key in the format of
// the MLS test vectors (the scheme's raw private key or seed).
func (s *Suite) ParseSignaturePrivateKey(b []byte) (*SignaturePrivateKey, error) {
	key, pub, err := s.sig.parsePrivate(b)
	if err != nil {
		return nil, fmt.Errorf("%s: signature private key: %w", s.Name, err)
	}
	return &SignaturePrivateKey{suite: s, key: key, pub: pub}, nil
}

// signContent encodes SignContent (RFC 9420, Section 5.1.2) whose content
// is the concatenation of parts, in one buffer: a commit's content can be
// megabytes, and its parts need not be joined first.
func signContent(label string, parts ...[]byte) []byte {
	n := 0
	for _, p := range parts {
		n += len(p)
	}
	b := wire.NewBuilder(len(label) + n + 16)
	b.Vector(func(b *wire.Builder) { b.Raw([]byte("MLS 1.0 ")); b.Raw([]byte(label)) })
	b.Raw(wire.AppendVarint(nil, n))
	for _, p := range parts {
		b.Raw(p)
	}
	return b.Bytes()
}

// SignWithLabel implements RFC 9420, Section 5.1.2.
func (s *Suite) SignWithLabel(k *SignaturePrivateKey, label string, content []byte) ([]byte, error) {
	return s.SignWithLabelParts(k, label, content)
}

// SignWithLabelParts is SignWithLabel of the concatenation of parts.
func (s *Suite) SignWithLabelParts(k *SignaturePrivateKey, label string, parts ...[]byte) ([]byte, error) {
	if k == nil || k.suite == nil {
		return nil, fmt.Errorf("%s: SignWithLabel: no signing key", s.Name)
	}
	if k.suite.sig.name != s.sig.name {
		return nil, fmt.Errorf("signing key of %s used with %s", k.suite.Name, s.Name)
	}
	return s.sig.sign(k.key, signContent(label, parts...))
}

// ErrSignature is wrapped by every signature verification failure.
var ErrSignature = errors.New("invalid signature")

// VerifyWithLabel implements RFC 9420, Section 5.1.2.
func (s *Suite) VerifyWithLabel(pub []byte, label string, content, signature []byte) error {
	return s.VerifyWithLabelParts(pub, label, signature, content)
}

// VerifyWithLabelParts is VerifyWithLabel of the concatenation of parts.
func (s *Suite) VerifyWithLabelParts(pub []byte, label string, signature []byte, parts ...[]byte) error {
	if err := s.sig.verify(pub, signContent(label, parts...), signature); err != nil {
		return fmt.Errorf("%s %q: %w", s.sig.name, label, err)
	}
	return nil
}

// SignatureSize returns the length of every signature the suite makes, or
// 0 where lengths vary (ECDSA's DER encoding drops leading zero bytes).
func (s *Suite) SignatureSize() int { return s.sig.size }

// SignatureScheme names the suite's signature algorithm.
func (s *Suite) SignatureScheme() string { return s.sig.name }

// signer is one signature scheme.
type signer struct {
	name string
	// size is the length of every signature, or 0 where it varies
	// (DER-encoded ECDSA).
	size         int
	generate     func(rand io.Reader) (key any, pub []byte, err error)
	parsePrivate func(b []byte) (key any, pub []byte, err error)
	sign         func(key any, msg []byte) ([]byte, error)
	// verify returns an error wrapping ErrSignature when the signature is
	// invalid, and a descriptive error for a malformed key.
	verify func(pub, msg, sig []byte) error
}

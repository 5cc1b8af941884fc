package dratchet

import (
	"crypto/ecdh"
	"errors"
	"fmt"
	"io"

	"github.com/cloudflare/circl/dh/x25519"
	"github.com/cloudflare/circl/dh/x448"

	"cgkalab/models/suite"
)

// Crypto is the cipher suite's primitives as the ratchet uses them: the
// suite's KDF (HKDF), MAC (HMAC), AEAD and signature scheme, and for the
// asymmetric steps either the Diffie–Hellman group of the suite's DHKEM
// (classic X3DH and Double Ratchet) or, for the post-quantum suites, the
// suite's KEM through HPKE (a KEM ratchet; see doc.go).
type Crypto struct {
	Suite *suite.Suite
	dh    *dhGroup // nil in KEM mode
}

// Modes of the asymmetric step.
const (
	ModeDH  = "dh"
	ModeKEM = "kem"
)

// NewCrypto returns the primitives of cipher suite id.
func NewCrypto(id suite.ID) (*Crypto, error) {
	s, err := suite.ByID(id)
	if err != nil {
		return nil, err
	}
	return &Crypto{Suite: s, dh: dhGroups[id]}, nil
}

// Mode is ModeDH or ModeKEM.
func (c *Crypto) Mode() string {
	if c.dh != nil {
		return ModeDH
	}
	return ModeKEM
}

// PublicKeySize is the size of a ratchet, identity or prekey public key:
// the DH group's element, or the KEM's Npk.
func (c *Crypto) PublicKeySize() int {
	if c.dh != nil {
		return c.dh.pubSize
	}
	return c.Suite.HPKEPublicKeySize()
}

// KEMCiphertextSize is the KEM's Nenc in KEM mode, 0 in DH mode.
func (c *Crypto) KEMCiphertextSize() int {
	if c.dh != nil {
		return 0
	}
	return c.Suite.HPKEEncSize()
}

// PrivateKey is a ratchet, identity or prekey key pair.
type PrivateKey struct {
	pub []byte
	dh  dhKey                 // DH mode
	kem *suite.HPKEPrivateKey // KEM mode
}

// PublicKey returns the encoded public key.
func (k *PrivateKey) PublicKey() []byte { return k.pub }

// GenerateKey draws a key pair from rand: a random scalar of the DH group,
// or the KEM's DeriveKeyPair of 32 random bytes (RFC 9180, Section 7.1.3;
// draft-ietf-hpke-pq).
func (c *Crypto) GenerateKey(rand io.Reader) (*PrivateKey, error) {
	if c.dh != nil {
		k, err := c.dh.generate(rand)
		if err != nil {
			return nil, fmt.Errorf("%s key: %w", c.dh.name, err)
		}
		return &PrivateKey{pub: k.public(), dh: k}, nil
	}
	ikm := make([]byte, 32)
	if _, err := io.ReadFull(rand, ikm); err != nil {
		return nil, fmt.Errorf("KEM key: random source: %w", err)
	}
	k, err := c.Suite.DeriveKeyPair(ikm)
	if err != nil {
		return nil, err
	}
	return &PrivateKey{pub: k.PublicKey(), kem: k}, nil
}

// DH computes the Diffie–Hellman output of own and the peer's public key.
func (c *Crypto) DH(own *PrivateKey, peer []byte) ([]byte, error) {
	if c.dh == nil || own.dh == nil {
		return nil, errors.New("DH in KEM mode")
	}
	out, err := own.dh.dh(peer)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", c.dh.name, err)
	}
	return out, nil
}

// kemInfo separates the ratchet's KEM use from every other HPKE use.
var kemInfo = []byte("cgkalab ratchet KEM")

// Encap encapsulates a fresh shared secret of Nh bytes to pub (KEM mode):
// HPKE SetupBaseS and Export (RFC 9180, Sections 5.1 and 5.3).
func (c *Crypto) Encap(pub []byte, rand io.Reader) (ct, ss []byte, err error) {
	ct, ss, err = c.Suite.SendExport(pub, kemInfo, nil, c.Suite.Nh(), rand)
	if err != nil {
		return nil, nil, fmt.Errorf("KEM encapsulation: %w", err)
	}
	return ct, ss, nil
}

// Decap recovers the shared secret of ct with own (KEM mode).
func (c *Crypto) Decap(own *PrivateKey, ct []byte) ([]byte, error) {
	if own.kem == nil {
		return nil, errors.New("KEM decapsulation with a DH key")
	}
	ss, err := c.Suite.ReceiveExport(own.kem, ct, kemInfo, nil, c.Suite.Nh())
	if err != nil {
		return nil, fmt.Errorf("KEM decapsulation: %w", err)
	}
	return ss, nil
}

// ---- KDFs (Signal's Double Ratchet specification, Section 5.2, with the
// suite's HKDF and HMAC) ----

const (
	labelRoot    = "cgkalab DR root"
	labelMessage = "cgkalab DR message keys"
	labelX3DH    = "cgkalab X3DH"
	labelPQ      = "cgkalab KEM prekey"
	labelSender  = "cgkalab sender key message keys"
)

// KDFRoot is KDF_RK: HKDF with the root key as salt and the step's shared
// secret as input, giving the next root key and a chain key.
func (c *Crypto) KDFRoot(rk, ss []byte) (root, chain []byte) {
	h := c.Suite.Nh()
	out := c.Suite.Expand(c.Suite.Extract(rk, ss), []byte(labelRoot), 2*h)
	return out[:h:h], out[h:]
}

// KDFChain is KDF_CK: HMAC of the chain key with constants 0x01 (the
// message key) and 0x02 (the next chain key), as Signal does.
func (c *Crypto) KDFChain(ck []byte) (next, mk []byte) {
	return c.Suite.MAC(ck, []byte{2}), c.Suite.MAC(ck, []byte{1})
}

// MessageKeys expands a message key into the AEAD key and nonce (Signal
// expands to an AES-CBC key, MAC key and IV; an AEAD needs key and nonce).
func (c *Crypto) MessageKeys(mk []byte, label string) (key, nonce []byte) {
	nk, nn := c.Suite.AEADKeySize(), c.Suite.AEADNonceSize()
	out := c.Suite.Expand(c.Suite.Extract(nil, mk), []byte(label), nk+nn)
	return out[:nk:nk], out[nk:]
}

// ---- Diffie–Hellman groups of the DHKEM suites ----

type dhKey interface {
	public() []byte
	dh(pub []byte) ([]byte, error)
}

type dhGroup struct {
	name     string
	pubSize  int
	fSize    int // X3DH's F: 32 0xFF bytes, 57 for X448
	generate func(rand io.Reader) (dhKey, error)
}

func readRand(rand io.Reader, n int) ([]byte, error) {
	b := make([]byte, n)
	if rand == nil {
		return nil, errors.New("no random source")
	}
	if _, err := io.ReadFull(rand, b); err != nil {
		return nil, fmt.Errorf("random source: %w", err)
	}
	return b, nil
}

// X25519 and X448 (RFC 7748) from circl, which the suite package measured
// faster than crypto/ecdh for X25519 (models/suite/doc.go).
type x25519Key struct{ sk, pk x25519.Key }

func (k *x25519Key) public() []byte { return append([]byte(nil), k.pk[:]...) }
func (k *x25519Key) dh(pub []byte) ([]byte, error) {
	if len(pub) != x25519.Size {
		return nil, fmt.Errorf("public key is %d bytes, want %d", len(pub), x25519.Size)
	}
	var peer, out x25519.Key
	copy(peer[:], pub)
	if !x25519.Shared(&out, &k.sk, &peer) {
		return nil, errors.New("public key is a low-order point")
	}
	return out[:], nil
}

type x448Key struct{ sk, pk x448.Key }

func (k *x448Key) public() []byte { return append([]byte(nil), k.pk[:]...) }
func (k *x448Key) dh(pub []byte) ([]byte, error) {
	if len(pub) != x448.Size {
		return nil, fmt.Errorf("public key is %d bytes, want %d", len(pub), x448.Size)
	}
	var peer, out x448.Key
	copy(peer[:], pub)
	if !x448.Shared(&out, &k.sk, &peer) {
		return nil, errors.New("public key is a low-order point")
	}
	return out[:], nil
}

type nistKey struct {
	curve ecdh.Curve
	sk    *ecdh.PrivateKey
}

func (k *nistKey) public() []byte { return k.sk.PublicKey().Bytes() }
func (k *nistKey) dh(pub []byte) ([]byte, error) {
	p, err := k.curve.NewPublicKey(pub)
	if err != nil {
		return nil, err
	}
	return k.sk.ECDH(p)
}

// nistGenerate draws scalars by rejection sampling, as DHKEM's
// DeriveKeyPair does (RFC 9180, Section 7.1.3): crypto/ecdh's GenerateKey
// ignores the caller's randomness, which would break determinism.
func nistGenerate(curve ecdh.Curve, size int, mask byte) func(io.Reader) (dhKey, error) {
	return func(rand io.Reader) (dhKey, error) {
		for range 64 {
			b, err := readRand(rand, size)
			if err != nil {
				return nil, err
			}
			b[0] &= mask
			if sk, err := curve.NewPrivateKey(b); err == nil {
				return &nistKey{curve: curve, sk: sk}, nil
			}
		}
		return nil, errors.New("no valid scalar in 64 draws")
	}
}

var (
	groupX25519 = &dhGroup{"X25519", x25519.Size, 32, func(rand io.Reader) (dhKey, error) {
		b, err := readRand(rand, x25519.Size)
		if err != nil {
			return nil, err
		}
		k := &x25519Key{}
		copy(k.sk[:], b)
		x25519.KeyGen(&k.pk, &k.sk)
		return k, nil
	}}
	groupX448 = &dhGroup{"X448", x448.Size, 57, func(rand io.Reader) (dhKey, error) {
		b, err := readRand(rand, x448.Size)
		if err != nil {
			return nil, err
		}
		k := &x448Key{}
		copy(k.sk[:], b)
		x448.KeyGen(&k.pk, &k.sk)
		return k, nil
	}}
	groupP256 = &dhGroup{"P-256", 65, 32, nistGenerate(ecdh.P256(), 32, 0xff)}
	groupP384 = &dhGroup{"P-384", 97, 32, nistGenerate(ecdh.P384(), 48, 0xff)}
	groupP521 = &dhGroup{"P-521", 133, 32, nistGenerate(ecdh.P521(), 66, 0x01)}
)

// dhGroups maps the DHKEM suites of RFC 9420, Section 17.1 to their
// group; every other suite (the post-quantum ones) runs in KEM mode.
var dhGroups = map[suite.ID]*dhGroup{
	0x0001: groupX25519, 0x0002: groupP256, 0x0003: groupX25519, 0x0004: groupX448,
	0x0005: groupP521, 0x0006: groupX448, 0x0007: groupP384,
}

package suite

import (
	"crypto/ecdh"
	"errors"
	"fmt"
	"io"

	"github.com/cloudflare/circl/dh/x25519"
	"github.com/cloudflare/circl/dh/x448"
)

// dhKEM is DHKEM(Group, KDF) of RFC 9180, Section 4.1.
type dhKEM struct {
	kemID   uint16
	hash    hashAlg // the KEM's own KDF, which may differ from the suite's
	nsk     int     // Nsk
	npk     int     // Npk = Nenc
	bitmask byte    // RFC 9180, Section 7.1.3; 0 for the X curves
	// newPrivate parses a private key (DeserializePrivateKey).
	newPrivate func(sk []byte) (dhPrivate, error)
	// scalar is set for the NIST curves, whose private keys are integers
	// that may arrive without their leading zero bytes (RFC 9180, Section
	// 7.1.2); X25519 and X448 keys are byte strings of exactly Nsk bytes.
	scalar *nistScalar
}

// dhPrivate is a DH private key that can compute DH(sk, pk).
type dhPrivate interface {
	public() []byte
	scalar() []byte
	dh(pub []byte) ([]byte, error)
}

func (k *dhKEM) id() uint16         { return k.kemID }
func (k *dhKEM) encSize() int       { return k.npk }
func (k *dhKEM) publicKeySize() int { return k.npk }

func (k *dhKEM) suiteID() []byte { return []byte{'K', 'E', 'M', byte(k.kemID >> 8), byte(k.kemID)} }

// deriveKeyPair implements RFC 9180, Section 7.1.3.
func (k *dhKEM) deriveKeyPair(ikm []byte) (kemPrivateKey, error) {
	sid := k.suiteID()
	prk := labeledExtract(k.hash, sid, nil, "dkp_prk", ikm)
	if k.bitmask == 0 { // X25519, X448
		return k.parsePrivate(labeledExpand(k.hash, sid, prk, "sk", nil, k.nsk))
	}
	for counter := 0; counter < 256; counter++ {
		sk := labeledExpand(k.hash, sid, prk, "candidate", []byte{byte(counter)}, k.nsk)
		sk[0] &= k.bitmask
		if priv, err := k.newPrivate(sk); err == nil { // rejects 0 and values ≥ order
			return &dhKEMPrivate{kem: k, priv: priv}, nil
		}
	}
	return nil, errors.New("DeriveKeyPair: no valid candidate in 256 tries")
}

func (k *dhKEM) parsePrivate(b []byte) (kemPrivateKey, error) {
	if k.scalar == nil && len(b) != k.nsk {
		return nil, fmt.Errorf("private key is %d bytes, want %d", len(b), k.nsk)
	}
	priv, err := k.newPrivate(b)
	if err != nil {
		return nil, err
	}
	return &dhKEMPrivate{kem: k, priv: priv}, nil
}

// extractAndExpand implements ExtractAndExpand of RFC 9180, Section 4.1.
func (k *dhKEM) extractAndExpand(dh, kemContext []byte) []byte {
	sid := k.suiteID()
	prk := labeledExtract(k.hash, sid, nil, "eae_prk", dh)
	return labeledExpand(k.hash, sid, prk, "shared_secret", kemContext, k.hash.size)
}

// encap implements Encap(pkR) of RFC 9180, Section 4.1; the ephemeral key
// is DeriveKeyPair of Nsk bytes from rand, a valid GenerateKeyPair.
func (k *dhKEM) encap(pub []byte, rand io.Reader) (ss, enc []byte, err error) {
	if len(pub) != k.npk {
		return nil, nil, fmt.Errorf("public key is %d bytes, want %d", len(pub), k.npk)
	}
	seed, err := readRand(rand, k.nsk)
	if err != nil {
		return nil, nil, err
	}
	eph, err := k.deriveKeyPair(seed)
	if err != nil {
		return nil, nil, err
	}
	e := eph.(*dhKEMPrivate)
	dh, err := e.priv.dh(pub)
	if err != nil {
		return nil, nil, err
	}
	enc = e.priv.public()
	kemContext := append(append(make([]byte, 0, 2*k.npk), enc...), pub...)
	return k.extractAndExpand(dh, kemContext), enc, nil
}

type dhKEMPrivate struct {
	kem  *dhKEM
	priv dhPrivate
}

func (p *dhKEMPrivate) publicKey() []byte { return p.priv.public() }
func (p *dhKEMPrivate) bytes() []byte     { return p.priv.scalar() }

// decap implements Decap(enc, skR) of RFC 9180, Section 4.1.
func (p *dhKEMPrivate) decap(enc []byte) ([]byte, error) {
	dh, err := p.priv.dh(enc)
	if err != nil {
		return nil, err
	}
	pk := p.priv.public()
	kemContext := append(append(make([]byte, 0, 2*len(pk)), enc...), pk...)
	return p.kem.extractAndExpand(dh, kemContext), nil
}

func (p *dhKEMPrivate) setupBaseR(s *Suite, enc, info []byte) (recipient, error) {
	ss, err := p.decap(enc)
	if err != nil {
		return nil, err
	}
	return s.keySchedule(ss, info), nil
}

// ---- groups ----

type x25519Private struct{ sk, pk x25519.Key }

func newX25519Private(b []byte) (dhPrivate, error) {
	p := &x25519Private{}
	copy(p.sk[:], b)
	x25519.KeyGen(&p.pk, &p.sk)
	return p, nil
}
func (p *x25519Private) public() []byte { return append([]byte(nil), p.pk[:]...) }
func (p *x25519Private) scalar() []byte { return append([]byte(nil), p.sk[:]...) }
func (p *x25519Private) dh(pub []byte) ([]byte, error) {
	if len(pub) != x25519.Size {
		return nil, fmt.Errorf("X25519 public key is %d bytes, want %d", len(pub), x25519.Size)
	}
	var pk, out x25519.Key
	copy(pk[:], pub)
	if !x25519.Shared(&out, &p.sk, &pk) {
		return nil, errors.New("X25519 public key is a low-order point")
	}
	return out[:], nil
}

type x448Private struct{ sk, pk x448.Key }

func newX448Private(b []byte) (dhPrivate, error) {
	p := &x448Private{}
	copy(p.sk[:], b)
	x448.KeyGen(&p.pk, &p.sk)
	return p, nil
}
func (p *x448Private) public() []byte { return append([]byte(nil), p.pk[:]...) }
func (p *x448Private) scalar() []byte { return append([]byte(nil), p.sk[:]...) }
func (p *x448Private) dh(pub []byte) ([]byte, error) {
	if len(pub) != x448.Size {
		return nil, fmt.Errorf("X448 public key is %d bytes, want %d", len(pub), x448.Size)
	}
	var pk, out x448.Key
	copy(pk[:], pub)
	if !x448.Shared(&out, &p.sk, &pk) {
		return nil, errors.New("X448 public key is a low-order point")
	}
	return out[:], nil
}

// nistPrivate wraps crypto/ecdh for P-256, P-384 and P-521.
type nistPrivate struct {
	curve ecdh.Curve
	sk    *ecdh.PrivateKey
	pk    []byte
}

func nistParser(curve ecdh.Curve, scalar nistScalar) func([]byte) (dhPrivate, error) {
	return func(b []byte) (dhPrivate, error) {
		b, err := scalar.fixed(b)
		if err != nil {
			return nil, err
		}
		sk, err := curve.NewPrivateKey(b)
		if err != nil {
			return nil, err
		}
		return &nistPrivate{curve: curve, sk: sk, pk: sk.PublicKey().Bytes()}, nil
	}
}
func (p *nistPrivate) public() []byte { return append([]byte(nil), p.pk...) }
func (p *nistPrivate) scalar() []byte { return p.sk.Bytes() }
func (p *nistPrivate) dh(pub []byte) ([]byte, error) {
	pk, err := p.curve.NewPublicKey(pub)
	if err != nil {
		return nil, err
	}
	return p.sk.ECDH(pk)
}

// The DHKEMs of RFC 9180, Section 7.1.
var (
	dhkemP256   = &dhKEM{0x0010, sha256Alg, 32, 65, 0xff, nistParser(ecdh.P256(), p256Scalar), &p256Scalar}
	dhkemP384   = &dhKEM{0x0011, sha384Alg, 48, 97, 0xff, nistParser(ecdh.P384(), p384Scalar), &p384Scalar}
	dhkemP521   = &dhKEM{0x0012, sha512Alg, 66, 133, 0x01, nistParser(ecdh.P521(), p521Scalar), &p521Scalar}
	dhkemX25519 = &dhKEM{0x0020, sha256Alg, 32, 32, 0, newX25519Private, nil}
	dhkemX448   = &dhKEM{0x0021, sha512Alg, 56, 56, 0, newX448Private, nil}
)

package suite

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"fmt"
	"io"

	"github.com/cloudflare/circl/sign"
	"github.com/cloudflare/circl/sign/ed448"
	"github.com/cloudflare/circl/sign/mldsa/mldsa44"
	"github.com/cloudflare/circl/sign/mldsa/mldsa65"
	"github.com/cloudflare/circl/sign/mldsa/mldsa87"
)

// Signature schemes named in RFC 9420, Section 17.1 (TLS SignatureScheme
// names), encoded as RFC 9420, Section 5.1.1 says: EdDSA keys per RFC 8032,
// ECDSA public keys as uncompressed points, ECDSA signatures DER-encoded.

var ed25519Signer = signer{
	name: "ed25519",
	size: ed25519.SignatureSize,
	generate: func(rand io.Reader) (any, []byte, error) {
		seed, err := readRand(rand, ed25519.SeedSize)
		if err != nil {
			return nil, nil, err
		}
		k := ed25519.NewKeyFromSeed(seed)
		return k, []byte(k.Public().(ed25519.PublicKey)), nil
	},
	parsePrivate: func(b []byte) (any, []byte, error) {
		var k ed25519.PrivateKey
		switch len(b) {
		case ed25519.SeedSize:
			k = ed25519.NewKeyFromSeed(b)
		case ed25519.PrivateKeySize:
			k = ed25519.NewKeyFromSeed(b[:ed25519.SeedSize])
		default:
			return nil, nil, fmt.Errorf("Ed25519 private key is %d bytes, want 32", len(b))
		}
		return k, []byte(k.Public().(ed25519.PublicKey)), nil
	},
	sign: func(key any, msg []byte) ([]byte, error) {
		return ed25519.Sign(key.(ed25519.PrivateKey), msg), nil
	},
	verify: func(pub, msg, sig []byte) error {
		if len(pub) != ed25519.PublicKeySize {
			return fmt.Errorf("Ed25519 public key is %d bytes, want 32: %w", len(pub), ErrSignature)
		}
		if !ed25519.Verify(pub, msg, sig) {
			return ErrSignature
		}
		return nil
	},
}

var ed448Signer = signer{
	name: "ed448",
	size: ed448.SignatureSize,
	generate: func(rand io.Reader) (any, []byte, error) {
		seed, err := readRand(rand, ed448.SeedSize)
		if err != nil {
			return nil, nil, err
		}
		k := ed448.NewKeyFromSeed(seed)
		return k, []byte(k.Public().(ed448.PublicKey)), nil
	},
	parsePrivate: func(b []byte) (any, []byte, error) {
		var k ed448.PrivateKey
		switch len(b) {
		case ed448.SeedSize:
			k = ed448.NewKeyFromSeed(b)
		case ed448.PrivateKeySize:
			k = ed448.NewKeyFromSeed(b[:ed448.SeedSize])
		default:
			return nil, nil, fmt.Errorf("Ed448 private key is %d bytes, want %d", len(b), ed448.SeedSize)
		}
		return k, []byte(k.Public().(ed448.PublicKey)), nil
	},
	sign: func(key any, msg []byte) ([]byte, error) {
		return ed448.Sign(key.(ed448.PrivateKey), msg, ""), nil
	},
	verify: func(pub, msg, sig []byte) error {
		if len(pub) != ed448.PublicKeySize {
			return fmt.Errorf("Ed448 public key is %d bytes, want %d: %w", len(pub), ed448.PublicKeySize, ErrSignature)
		}
		if !ed448.Verify(pub, msg, sig, "") {
			return ErrSignature
		}
		return nil
	},
}

// ecdsaSigner signs with deterministic ECDSA (RFC 6979, which crypto/ecdsa
// uses when given no random source), so signature lengths and bytes are
// reproducible.
func ecdsaSigner(name string, curve elliptic.Curve, scalar nistScalar, h crypto.Hash, hashAlg hashAlg) signer {
	size := scalar.size
	parse := func(b []byte) (any, []byte, error) {
		b, err := scalar.fixed(b)
		if err != nil {
			return nil, nil, err
		}
		k, err := ecdsa.ParseRawPrivateKey(curve, b)
		if err != nil {
			return nil, nil, err
		}
		pub, err := k.PublicKey.Bytes()
		if err != nil {
			return nil, nil, err
		}
		return k, pub, nil
	}
	return signer{
		name: name,
		generate: func(rand io.Reader) (any, []byte, error) {
			for range 64 { // rejection sampling; P-521's top byte is masked
				b, err := readRand(rand, size)
				if err != nil {
					return nil, nil, err
				}
				if curve.Params().BitSize%8 != 0 {
					b[0] &= byte(1<<(curve.Params().BitSize%8) - 1)
				}
				if k, pub, err := parse(b); err == nil {
					return k, pub, nil
				}
			}
			return nil, nil, fmt.Errorf("%s: no valid scalar in 64 draws", name)
		},
		parsePrivate: parse,
		sign: func(key any, msg []byte) ([]byte, error) {
			return key.(*ecdsa.PrivateKey).Sign(nil, hashAlg.sum(nil, msg), h)
		},
		verify: func(pub, msg, sig []byte) error {
			k, err := ecdsa.ParseUncompressedPublicKey(curve, pub)
			if err != nil {
				return fmt.Errorf("%s public key: %w: %w", name, err, ErrSignature)
			}
			if !ecdsa.VerifyASN1(k, hashAlg.sum(nil, msg), sig) {
				return ErrSignature
			}
			return nil
		},
	}
}

var (
	p256Signer = ecdsaSigner("ecdsa_secp256r1_sha256", elliptic.P256(), p256Scalar, crypto.SHA256, sha256Alg)
	p384Signer = ecdsaSigner("ecdsa_secp384r1_sha384", elliptic.P384(), p384Scalar, crypto.SHA384, sha384Alg)
	p521Signer = ecdsaSigner("ecdsa_secp521r1_sha512", elliptic.P521(), p521Scalar, crypto.SHA512, sha512Alg)
)

// mldsaSigner is pure ML-DSA (FIPS 204, Algorithms 2 and 3) with an empty
// context string, as draft-ietf-tls-mldsa uses it; circl implements it.
// Public keys and signatures are the FIPS 204 encodings. The private key
// format is the 32-byte seed ξ of ML-DSA.KeyGen_internal (FIPS 204,
// Algorithm 6); the expanded private key encoding is not accepted.
// Signing is the deterministic variant (rnd = 0^32, FIPS 204, Section
// 3.4), so signatures are reproducible.
func mldsaSigner(name string, scheme sign.Scheme) signer {
	fromSeed := func(seed []byte) (any, []byte, error) {
		if len(seed) != scheme.SeedSize() {
			return nil, nil, fmt.Errorf("%s private key is %d bytes, want the %d-byte seed", scheme.Name(), len(seed), scheme.SeedSize())
		}
		pk, sk := scheme.DeriveKey(seed)
		pub, err := pk.MarshalBinary()
		if err != nil {
			return nil, nil, err
		}
		return sk, pub, nil
	}
	return signer{
		name: name,
		size: scheme.SignatureSize(),
		generate: func(rand io.Reader) (any, []byte, error) {
			seed, err := readRand(rand, scheme.SeedSize())
			if err != nil {
				return nil, nil, err
			}
			return fromSeed(seed)
		},
		parsePrivate: fromSeed,
		sign: func(key any, msg []byte) ([]byte, error) {
			return scheme.Sign(key.(sign.PrivateKey), msg, nil), nil
		},
		verify: func(pub, msg, sig []byte) error {
			pk, err := scheme.UnmarshalBinaryPublicKey(pub)
			if err != nil {
				return fmt.Errorf("%s public key: %w: %w", scheme.Name(), err, ErrSignature)
			}
			if !scheme.Verify(pk, msg, sig, nil) {
				return ErrSignature
			}
			return nil
		},
	}
}

// Names as in draft-ietf-tls-mldsa's TLS SignatureScheme registrations.
var (
	mldsa44Signer = mldsaSigner("mldsa44", mldsa44.Scheme())
	mldsa65Signer = mldsaSigner("mldsa65", mldsa65.Scheme())
	mldsa87Signer = mldsaSigner("mldsa87", mldsa87.Scheme())
)

package suite

// Benchmarks of every primitive of every suite, named
// BenchmarkX/suite=<decimal code point> (the PQ suites are 61441–61451,
// i.e. 0xF001–0xF00B). They give the per-operation costs from which the
// cryptographic lower bound of a commit is computed. Setup happens before
// b.Loop; each loop iteration is one call of the named operation.

import (
	"fmt"
	"testing"

	"github.com/cloudflare/circl/sign/mldsa/mldsa44"
	"github.com/cloudflare/circl/sign/mldsa/mldsa65"
	"github.com/cloudflare/circl/sign/mldsa/mldsa87"
)

func benchSuites(b *testing.B, f func(b *testing.B, s *Suite)) {
	for _, s := range All() {
		b.Run(fmt.Sprintf("suite=%d", s.ID), func(b *testing.B) { f(b, s) })
	}
}

func benchKey(b *testing.B, s *Suite) *HPKEPrivateKey {
	priv, err := s.DeriveKeyPair([]byte("benchmark key"))
	if err != nil {
		b.Fatal(err)
	}
	return priv
}

// BenchmarkSeal is EncryptWithLabel of an Nh-byte path secret, as an
// UpdatePath encrypts one per resolution member (RFC 9420, Section 7.6).
func BenchmarkSeal(b *testing.B) {
	benchSuites(b, func(b *testing.B, s *Suite) {
		pub, pt, ctx, rnd := benchKey(b, s).PublicKey(), make([]byte, s.Nh()), make([]byte, 64), seeded(1)
		for b.Loop() {
			if _, _, err := s.EncryptWithLabel(pub, "UpdatePathNode", ctx, pt, rnd); err != nil {
				b.Fatal(err)
			}
		}
	})
}

// BenchmarkOpen is DecryptWithLabel of BenchmarkSeal's message.
func BenchmarkOpen(b *testing.B) {
	benchSuites(b, func(b *testing.B, s *Suite) {
		priv, ctx := benchKey(b, s), make([]byte, 64)
		kemOut, ct, err := s.EncryptWithLabel(priv.PublicKey(), "UpdatePathNode", ctx, make([]byte, s.Nh()), seeded(1))
		if err != nil {
			b.Fatal(err)
		}
		for b.Loop() {
			if _, err := s.DecryptWithLabel(priv, "UpdatePathNode", ctx, kemOut, ct); err != nil {
				b.Fatal(err)
			}
		}
	})
}

// BenchmarkSendExport and BenchmarkReceiveExport are the HPKE export of an
// external commit (RFC 9420, Section 8.3).
func BenchmarkSendExport(b *testing.B) {
	benchSuites(b, func(b *testing.B, s *Suite) {
		pub, rnd := benchKey(b, s).PublicKey(), seeded(2)
		for b.Loop() {
			if _, _, err := s.SendExport(pub, nil, []byte("MLS 1.0 external init secret"), s.Nh(), rnd); err != nil {
				b.Fatal(err)
			}
		}
	})
}

func BenchmarkReceiveExport(b *testing.B) {
	benchSuites(b, func(b *testing.B, s *Suite) {
		priv := benchKey(b, s)
		enc, _, err := s.SendExport(priv.PublicKey(), nil, []byte("MLS 1.0 external init secret"), s.Nh(), seeded(2))
		if err != nil {
			b.Fatal(err)
		}
		for b.Loop() {
			if _, err := s.ReceiveExport(priv, enc, nil, []byte("MLS 1.0 external init secret"), s.Nh()); err != nil {
				b.Fatal(err)
			}
		}
	})
}

// BenchmarkDeriveKeyPair derives a node key pair from an Nh-byte node
// secret (RFC 9420, Section 7.4).
func BenchmarkDeriveKeyPair(b *testing.B) {
	benchSuites(b, func(b *testing.B, s *Suite) {
		ikm := make([]byte, s.Nh())
		for b.Loop() {
			if _, err := s.DeriveKeyPair(ikm); err != nil {
				b.Fatal(err)
			}
		}
	})
}

// signBenchMessages are 64 distinct 256-byte contents: ML-DSA's signing
// time depends on the message through its rejection loop, so the
// benchmarks cycle through several instead of timing one.
func signBenchMessages() [][]byte {
	msgs := make([][]byte, 64)
	for i := range msgs {
		msgs[i] = make([]byte, 256)
		seeded(uint64(1000 + i)).Read(msgs[i])
	}
	return msgs
}

func benchSigningKey(b *testing.B, s *Suite) *SignaturePrivateKey {
	k, err := s.GenerateSignatureKey(seeded(3))
	if err != nil {
		b.Fatal(err)
	}
	return k
}

// BenchmarkSign is SignWithLabel (deterministic signing for every scheme).
func BenchmarkSign(b *testing.B) {
	benchSuites(b, func(b *testing.B, s *Suite) {
		k, msgs, i := benchSigningKey(b, s), signBenchMessages(), 0
		for b.Loop() {
			if _, err := s.SignWithLabel(k, "LeafNodeTBS", msgs[i%len(msgs)]); err != nil {
				b.Fatal(err)
			}
			i++
		}
	})
}

// BenchmarkSignRandomized is hedged ML-DSA signing (FIPS 204, rnd drawn
// from crypto/rand inside circl) of the same messages, for comparison
// with the deterministic BenchmarkSign; ML-DSA suites only.
func BenchmarkSignRandomized(b *testing.B) {
	benchSuites(b, func(b *testing.B, s *Suite) {
		k, msgs, i := benchSigningKey(b, s), signBenchMessages(), 0
		sig := make([]byte, mldsa87.SignatureSize)
		var sign func(m []byte) error
		switch sk := k.key.(type) {
		case *mldsa44.PrivateKey:
			sign = func(m []byte) error { return mldsa44.SignTo(sk, m, nil, true, sig) }
		case *mldsa65.PrivateKey:
			sign = func(m []byte) error { return mldsa65.SignTo(sk, m, nil, true, sig) }
		case *mldsa87.PrivateKey:
			sign = func(m []byte) error { return mldsa87.SignTo(sk, m, nil, true, sig) }
		default:
			b.Skip("not an ML-DSA suite")
		}
		for b.Loop() {
			if err := sign(signContent("LeafNodeTBS", msgs[i%len(msgs)])); err != nil {
				b.Fatal(err)
			}
			i++
		}
	})
}

// BenchmarkVerify is VerifyWithLabel, public key decoding included.
func BenchmarkVerify(b *testing.B) {
	benchSuites(b, func(b *testing.B, s *Suite) {
		k, msgs, i := benchSigningKey(b, s), signBenchMessages(), 0
		sigs := make([][]byte, len(msgs))
		for j, m := range msgs {
			var err error
			if sigs[j], err = s.SignWithLabel(k, "LeafNodeTBS", m); err != nil {
				b.Fatal(err)
			}
		}
		pub := k.PublicKey()
		for b.Loop() {
			j := i % len(msgs)
			if err := s.VerifyWithLabel(pub, "LeafNodeTBS", msgs[j], sigs[j]); err != nil {
				b.Fatal(err)
			}
			i++
		}
	})
}

func BenchmarkGenerateSignatureKey(b *testing.B) {
	benchSuites(b, func(b *testing.B, s *Suite) {
		rnd := seeded(4)
		for b.Loop() {
			if _, err := s.GenerateSignatureKey(rnd); err != nil {
				b.Fatal(err)
			}
		}
	})
}

// BenchmarkDeriveSecret is DeriveSecret of an Nh-byte secret (RFC 9420,
// Section 8).
func BenchmarkDeriveSecret(b *testing.B) {
	benchSuites(b, func(b *testing.B, s *Suite) {
		secret := make([]byte, s.Nh())
		for b.Loop() {
			s.DeriveSecret(secret, "path")
		}
	})
}

// BenchmarkExpandWithLabel derives an AEAD key (RFC 9420, Section 9.1).
func BenchmarkExpandWithLabel(b *testing.B) {
	benchSuites(b, func(b *testing.B, s *Suite) {
		secret := make([]byte, s.Nh())
		for b.Loop() {
			s.ExpandWithLabel(secret, "key", nil, s.AEADKeySize())
		}
	})
}

// BenchmarkDeriveTreeSecret is one secret-tree ratchet step (RFC 9420,
// Section 9.1).
func BenchmarkDeriveTreeSecret(b *testing.B) {
	benchSuites(b, func(b *testing.B, s *Suite) {
		secret := make([]byte, s.Nh())
		for b.Loop() {
			s.DeriveTreeSecret(secret, "secret", 7, s.Nh())
		}
	})
}

// BenchmarkExtract is KDF.Extract of two Nh-byte inputs (key schedule,
// RFC 9420, Section 8).
func BenchmarkExtract(b *testing.B) {
	benchSuites(b, func(b *testing.B, s *Suite) {
		salt, ikm := make([]byte, s.Nh()), make([]byte, s.Nh())
		for b.Loop() {
			s.Extract(salt, ikm)
		}
	})
}

// BenchmarkMAC is the MAC of an Nh-byte transcript hash (confirmation tag,
// RFC 9420, Section 6.1).
func BenchmarkMAC(b *testing.B) {
	benchSuites(b, func(b *testing.B, s *Suite) {
		key, data := make([]byte, s.Nh()), make([]byte, s.Nh())
		for b.Loop() {
			s.MAC(key, data)
		}
	})
}

// BenchmarkHash hashes 1 KiB.
func BenchmarkHash(b *testing.B) {
	benchSuites(b, func(b *testing.B, s *Suite) {
		data := make([]byte, 1024)
		b.SetBytes(int64(len(data)))
		for b.Loop() {
			s.Hash(data)
		}
	})
}

// BenchmarkAEADSeal and BenchmarkAEADOpen process 1 KiB with a fresh key
// schedule per call (Seal and Open take the key), as the secret tree does.
func BenchmarkAEADSeal(b *testing.B) {
	benchSuites(b, func(b *testing.B, s *Suite) {
		key, nonce, pt := make([]byte, s.AEADKeySize()), make([]byte, s.AEADNonceSize()), make([]byte, 1024)
		b.SetBytes(int64(len(pt)))
		for b.Loop() {
			if _, err := s.Seal(key, nonce, nil, pt); err != nil {
				b.Fatal(err)
			}
		}
	})
}

func BenchmarkAEADOpen(b *testing.B) {
	benchSuites(b, func(b *testing.B, s *Suite) {
		key, nonce := make([]byte, s.AEADKeySize()), make([]byte, s.AEADNonceSize())
		ct, err := s.Seal(key, nonce, nil, make([]byte, 1024))
		if err != nil {
			b.Fatal(err)
		}
		b.SetBytes(1024)
		for b.Loop() {
			if _, err := s.Open(key, nonce, nil, ct); err != nil {
				b.Fatal(err)
			}
		}
	})
}

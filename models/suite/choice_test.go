package suite

// Benchmarks behind the primitive choices recorded in doc.go: each pits
// the candidate implementations of one primitive against each other on
// the operation this package performs with it.

import (
	"crypto/ecdh"
	"crypto/ed25519"
	"crypto/hkdf"
	"crypto/mlkem"
	"crypto/mlkem/mlkemtest"
	"crypto/sha256"
	"testing"

	"github.com/cloudflare/circl/dh/x25519"
	"github.com/cloudflare/circl/kem/mlkem/mlkem768"
	circled25519 "github.com/cloudflare/circl/sign/ed25519"
)

func BenchmarkChoiceX25519(b *testing.B) {
	var sk, peer [32]byte
	seeded(1).Read(sk[:])
	seeded(2).Read(peer[:])
	var peerPub x25519.Key
	x25519.KeyGen(&peerPub, (*x25519.Key)(&peer))
	// One DHKEM encap's worth of X25519: public key of the ephemeral
	// scalar, then DH with the recipient's public key.
	b.Run("impl=circl", func(b *testing.B) {
		for b.Loop() {
			var pk, ss x25519.Key
			x25519.KeyGen(&pk, (*x25519.Key)(&sk))
			if !x25519.Shared(&ss, (*x25519.Key)(&sk), &peerPub) {
				b.Fatal("low order")
			}
		}
	})
	b.Run("impl=stdlib", func(b *testing.B) {
		for b.Loop() {
			k, err := ecdh.X25519().NewPrivateKey(sk[:])
			if err != nil {
				b.Fatal(err)
			}
			_ = k.PublicKey().Bytes()
			p, err := ecdh.X25519().NewPublicKey(peerPub[:])
			if err != nil {
				b.Fatal(err)
			}
			if _, err := k.ECDH(p); err != nil {
				b.Fatal(err)
			}
		}
	})
}

func BenchmarkChoiceEd25519(b *testing.B) {
	seed := make([]byte, 32)
	seeded(3).Read(seed)
	msg := make([]byte, 256)
	sk := ed25519.NewKeyFromSeed(seed)
	csk := circled25519.NewKeyFromSeed(seed)
	sig := ed25519.Sign(sk, msg)
	pub := sk.Public().(ed25519.PublicKey)
	b.Run("op=sign/impl=stdlib", func(b *testing.B) {
		for b.Loop() {
			ed25519.Sign(sk, msg)
		}
	})
	b.Run("op=sign/impl=circl", func(b *testing.B) {
		for b.Loop() {
			circled25519.Sign(csk, msg)
		}
	})
	b.Run("op=verify/impl=stdlib", func(b *testing.B) {
		for b.Loop() {
			if !ed25519.Verify(pub, msg, sig) {
				b.Fatal("verify")
			}
		}
	})
	b.Run("op=verify/impl=circl", func(b *testing.B) {
		for b.Loop() {
			if !circled25519.Verify(circled25519.PublicKey(pub), msg, sig) {
				b.Fatal("verify")
			}
		}
	})
}

// BenchmarkChoiceMLKEMEncaps: decode the encapsulation key, then
// derandomized Encaps with m, as the sending side of HPKE must.
func BenchmarkChoiceMLKEMEncaps(b *testing.B) {
	seed, m := make([]byte, 64), make([]byte, 32)
	seeded(4).Read(seed)
	dk768, _ := mlkem.NewDecapsulationKey768(seed)
	dk1024, _ := mlkem.NewDecapsulationKey1024(seed)
	ek768, ek1024 := dk768.EncapsulationKey().Bytes(), dk1024.EncapsulationKey().Bytes()
	b.Run("kem=ML-KEM-768/impl=mlkemtest", func(b *testing.B) {
		for b.Loop() {
			k, err := mlkem.NewEncapsulationKey768(ek768)
			if err != nil {
				b.Fatal(err)
			}
			if _, _, err := mlkemtest.Encapsulate768(k, m); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("kem=ML-KEM-768/impl=circl", func(b *testing.B) {
		for b.Loop() {
			if _, _, err := mlkem768Params.encaps(ek768, m); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("kem=ML-KEM-1024/impl=mlkemtest", func(b *testing.B) {
		for b.Loop() {
			k, err := mlkem.NewEncapsulationKey1024(ek1024)
			if err != nil {
				b.Fatal(err)
			}
			if _, _, err := mlkemtest.Encapsulate1024(k, m); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("kem=ML-KEM-1024/impl=circl", func(b *testing.B) {
		for b.Loop() {
			if _, _, err := mlkem1024Params.encaps(ek1024, m); err != nil {
				b.Fatal(err)
			}
		}
	})
	// For reference: crypto/mlkem's own (randomized) Encapsulate on an
	// already decoded key, i.e. without the decoding cost.
	b.Run("kem=ML-KEM-768/impl=stdlib-predecoded", func(b *testing.B) {
		k := dk768.EncapsulationKey()
		for b.Loop() {
			k.Encapsulate()
		}
	})
}

// BenchmarkChoiceMLKEMDecaps: decapsulation with an already parsed key;
// crypto/mlkem (behind crypto/hpke, used) against circl.
func BenchmarkChoiceMLKEMDecaps(b *testing.B) {
	seed := make([]byte, 64)
	seeded(5).Read(seed)
	dk, _ := mlkem.NewDecapsulationKey768(seed)
	_, ct := dk.EncapsulationKey().Encapsulate()
	_, csk := mlkem768.NewKeyFromSeed(seed)
	b.Run("kem=ML-KEM-768/impl=stdlib", func(b *testing.B) {
		for b.Loop() {
			if _, err := dk.Decapsulate(ct); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("kem=ML-KEM-768/impl=circl", func(b *testing.B) {
		ss := make([]byte, 32)
		for b.Loop() {
			csk.DecapsulateTo(ss, ct)
		}
	})
}

func BenchmarkChoiceHKDFExpand(b *testing.B) {
	prk := make([]byte, 32)
	info := make([]byte, 40)
	b.Run("impl=own", func(b *testing.B) {
		for b.Loop() {
			sha256Alg.expand(prk, info, 32)
		}
	})
	b.Run("impl=stdlib", func(b *testing.B) {
		for b.Loop() {
			if _, err := hkdf.Expand(sha256.New, prk, string(info), 32); err != nil {
				b.Fatal(err)
			}
		}
	})
}

// BenchmarkChoiceMLKEMKeyGen: ML-KEM.KeyGen_internal(d, z) from a 64-byte
// seed, the bulk of DeriveKeyPair for the ML-KEM-based KEMs.
func BenchmarkChoiceMLKEMKeyGen(b *testing.B) {
	seed := make([]byte, 64)
	b.Run("kem=ML-KEM-768/impl=stdlib", func(b *testing.B) {
		for b.Loop() {
			if _, err := mlkem.NewDecapsulationKey768(seed); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("kem=ML-KEM-768/impl=circl", func(b *testing.B) {
		for b.Loop() {
			mlkem768.NewKeyFromSeed(seed)
		}
	})
}

package suite

// Cross-checks against independent HPKE implementations: Go's crypto/hpke
// (every DHKEM but X448, and the five post-quantum KEMs) and circl's hpke
// (all five DHKEMs). crypto/hpke ignores caller randomness when sealing, so
// against it the check is interoperability in both directions; circl's
// hpke takes a random source, so against it SealBase must match byte for
// byte.

import (
	"bytes"
	"crypto/ecdh"
	"crypto/hpke"
	"crypto/mlkem"
	"crypto/mlkem/mlkemtest"
	"fmt"
	"testing"

	circlhpke "github.com/cloudflare/circl/hpke"
	"github.com/cloudflare/circl/kem/xwing"
)

// stdKEM returns crypto/hpke's implementation of s's KEM, or nil.
func stdKEM(s *Suite) hpke.KEM {
	switch k := s.kem.(type) {
	case *pqKEM:
		return k.std
	case *dhKEM:
		switch k.kemID {
		case 0x0010:
			return hpke.DHKEM(ecdh.P256())
		case 0x0011:
			return hpke.DHKEM(ecdh.P384())
		case 0x0012:
			return hpke.DHKEM(ecdh.P521())
		case 0x0020:
			return hpke.DHKEM(ecdh.X25519())
		}
	}
	return nil
}

func TestInteropCryptoHPKE(t *testing.T) {
	forEachSuite(t, func(t *testing.T, s *Suite) {
		std := stdKEM(s)
		if std == nil {
			t.Skipf("crypto/hpke has no KEM %#04x; TestInteropCirclHPKE covers it", s.kem.id())
		}
		kdf, err := hpke.NewKDF(s.hash.kdfID)
		if err != nil {
			t.Fatal(err)
		}
		aead, err := hpke.NewAEAD(s.aead.id)
		if err != nil {
			t.Fatal(err)
		}
		info, aad, pt, ctx := []byte("info"), []byte("aad"), []byte("plaintext"), []byte("exporter context")
		for i := range 8 {
			ikm := fmt.Appendf(nil, "interop %d", i)
			ours, err := s.DeriveKeyPair(ikm)
			if err != nil {
				t.Fatal(err)
			}
			theirs, err := std.DeriveKeyPair(ikm)
			if err != nil {
				t.Fatal(err)
			}
			theirBytes, err := theirs.Bytes()
			if err != nil {
				t.Fatal(err)
			}
			sk := ours.Bytes()
			if s.kem.id() == 0x0020 {
				// crypto/hpke clamps serialized X25519 keys, as RFC 9180,
				// Section 7.1.2 asks; RFC 9180's own test vectors, the MLS
				// test vectors and circl do not, and neither do we. Both
				// forms deserialize to the same key.
				sk[0] &= 248
				sk[31] = sk[31]&127 | 64
			}
			if !bytes.Equal(sk, theirBytes) || !bytes.Equal(ours.PublicKey(), theirs.PublicKey().Bytes()) {
				t.Fatalf("DeriveKeyPair differs from crypto/hpke")
			}

			// SealBase → crypto/hpke's Recipient.
			enc, ct, err := s.SealBase(ours.PublicKey(), info, aad, pt, seeded(uint64(i)))
			if err != nil {
				t.Fatal(err)
			}
			r, err := hpke.NewRecipient(enc, theirs, kdf, aead, info)
			if err != nil {
				t.Fatalf("crypto/hpke NewRecipient on our kem_output: %v", err)
			}
			if got, err := r.Open(aad, ct); err != nil || !bytes.Equal(got, pt) {
				t.Errorf("crypto/hpke Open of SealBase output = %q, %v", got, err)
			}
			// Equal exports from equal key schedules: the shared secrets agree.
			enc, secret, err := s.SendExport(ours.PublicKey(), info, ctx, 32, seeded(uint64(i)))
			if err != nil {
				t.Fatal(err)
			}
			r, err = hpke.NewRecipient(enc, theirs, kdf, aead, info)
			if err != nil {
				t.Fatal(err)
			}
			if want, err := r.Export(string(ctx), 32); err != nil || !bytes.Equal(secret, want) {
				t.Errorf("SendExport = %x, crypto/hpke Export = %x, %v", secret, want, err)
			}

			// crypto/hpke's Sender → OpenBase and ReceiveExport.
			pk, err := std.NewPublicKey(ours.PublicKey())
			if err != nil {
				t.Fatal(err)
			}
			enc, sender, err := hpke.NewSender(pk, kdf, aead, info)
			if err != nil {
				t.Fatal(err)
			}
			ct, err = sender.Seal(aad, pt)
			if err != nil {
				t.Fatal(err)
			}
			if got, err := s.OpenBase(ours, enc, info, aad, ct); err != nil || !bytes.Equal(got, pt) {
				t.Errorf("OpenBase of crypto/hpke Seal output = %q, %v", got, err)
			}
			want, err := sender.Export(string(ctx), 32)
			if err != nil {
				t.Fatal(err)
			}
			if got, err := s.ReceiveExport(ours, enc, info, ctx, 32); err != nil || !bytes.Equal(got, want) {
				t.Errorf("ReceiveExport = %x, %v; crypto/hpke Export = %x", got, err, want)
			}
			// The single-shot hpke.Seal, as EncryptWithLabel's peer would use it.
			msg, err := hpke.Seal(pk, kdf, aead, encryptContext("UpdatePathNode", ctx), pt)
			if err != nil {
				t.Fatal(err)
			}
			n := s.HPKEEncSize()
			if got, err := s.DecryptWithLabel(ours, "UpdatePathNode", ctx, msg[:n], msg[n:]); err != nil || !bytes.Equal(got, pt) {
				t.Errorf("DecryptWithLabel of hpke.Seal output = %q, %v", got, err)
			}
		}
	})
}

// TestInteropCirclHPKE: for the DHKEMs, circl's Sender.Setup derives the
// ephemeral key from Nsk bytes of its random source exactly as SealBase
// does, so with the same seed the outputs must be identical.
func TestInteropCirclHPKE(t *testing.T) {
	forEachSuite(t, func(t *testing.T, s *Suite) {
		k, ok := s.kem.(*dhKEM)
		if !ok {
			t.Skip("circl's hpke does not implement the draft-ietf-hpke-pq KEMs as crypto/hpke does")
		}
		cs := circlhpke.NewSuite(circlhpke.KEM(k.kemID), circlhpke.KDF(s.hash.kdfID), circlhpke.AEAD(s.aead.id))
		scheme := circlhpke.KEM(k.kemID).Scheme()
		info, aad, pt, ctx := []byte("info"), []byte("aad"), []byte("plaintext"), []byte("exporter context")
		for i := range 8 {
			ikm := make([]byte, scheme.SeedSize()) // circl's DeriveKeyPair wants exactly this size
			seeded(uint64(100 + i)).Read(ikm)
			ours, err := s.DeriveKeyPair(ikm)
			if err != nil {
				t.Fatal(err)
			}
			pk, sk := scheme.DeriveKeyPair(ikm)
			pkb, _ := pk.MarshalBinary()
			skb, _ := sk.MarshalBinary()
			if !bytes.Equal(ours.PublicKey(), pkb) || !bytes.Equal(ours.Bytes(), skb) {
				t.Fatalf("DeriveKeyPair differs from circl")
			}
			sender, err := cs.NewSender(pk, info)
			if err != nil {
				t.Fatal(err)
			}
			wantEnc, sealer, err := sender.Setup(seeded(uint64(i)))
			if err != nil {
				t.Fatal(err)
			}
			wantCT, err := sealer.Seal(pt, aad)
			if err != nil {
				t.Fatal(err)
			}
			enc, ct, err := s.SealBase(ours.PublicKey(), info, aad, pt, seeded(uint64(i)))
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(enc, wantEnc) || !bytes.Equal(ct, wantCT) {
				t.Errorf("SealBase = %x, %x; circl = %x, %x", enc, ct, wantEnc, wantCT)
			}
			_, secret, err := s.SendExport(ours.PublicKey(), info, ctx, 32, seeded(uint64(i)))
			if err != nil {
				t.Fatal(err)
			}
			if want := sealer.Export(ctx, 32); !bytes.Equal(secret, want) {
				t.Errorf("SendExport = %x, circl = %x", secret, want)
			}
			receiver, err := cs.NewReceiver(sk, info)
			if err != nil {
				t.Fatal(err)
			}
			opener, err := receiver.Setup(enc)
			if err != nil {
				t.Fatal(err)
			}
			if got, err := opener.Open(ct, aad); err != nil || !bytes.Equal(got, pt) {
				t.Errorf("circl Open of SealBase output = %q, %v", got, err)
			}
		}
	})
}

// TestMLKEMEncapsAgainstStdlib: the ML-KEM encapsulation used by SealBase
// (circl) equals crypto/mlkem/mlkemtest's derandomized Encaps_internal
// byte for byte, and crypto/mlkem decapsulates it to the same secret.
func TestMLKEMEncapsAgainstStdlib(t *testing.T) {
	for i := range 16 {
		seed, m := make([]byte, 64), make([]byte, 32)
		r := seeded(uint64(200 + i))
		r.Read(seed)
		r.Read(m)

		dk768, err := mlkem.NewDecapsulationKey768(seed)
		if err != nil {
			t.Fatal(err)
		}
		ss, ct, err := mlkem768Params.encaps(dk768.EncapsulationKey().Bytes(), m)
		if err != nil {
			t.Fatal(err)
		}
		wantSS, wantCT, err := mlkemtest.Encapsulate768(dk768.EncapsulationKey(), m)
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(ss, wantSS) || !bytes.Equal(ct, wantCT) {
			t.Errorf("ML-KEM-768 encaps differs from mlkemtest.Encapsulate768")
		}
		if got, err := dk768.Decapsulate(ct); err != nil || !bytes.Equal(got, ss) {
			t.Errorf("ML-KEM-768 Decapsulate = %x, %v; want %x", got, err, ss)
		}

		dk1024, err := mlkem.NewDecapsulationKey1024(seed)
		if err != nil {
			t.Fatal(err)
		}
		ss, ct, err = mlkem1024Params.encaps(dk1024.EncapsulationKey().Bytes(), m)
		if err != nil {
			t.Fatal(err)
		}
		wantSS, wantCT, err = mlkemtest.Encapsulate1024(dk1024.EncapsulationKey(), m)
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(ss, wantSS) || !bytes.Equal(ct, wantCT) {
			t.Errorf("ML-KEM-1024 encaps differs from mlkemtest.Encapsulate1024")
		}
		if got, err := dk1024.Decapsulate(ct); err != nil || !bytes.Equal(got, ss) {
			t.Errorf("ML-KEM-1024 Decapsulate = %x, %v; want %x", got, err, ss)
		}
	}
}

// TestXWingEncapAgainstCircl: X-Wing's EncapsulateDerand takes a 64-byte
// eseed, ML-KEM's m first and the X25519 scalar second, as our encap reads
// its random source; circl's X-Wing encapsulation must agree byte for
// byte. (Only encapsulation is compared: circl's X-Wing key derivation
// does not follow draft-ietf-hpke-pq.)
func TestXWingEncapAgainstCircl(t *testing.T) {
	for i := range 16 {
		priv, err := kemMLKEM768X25519.deriveKeyPair(fmt.Appendf(nil, "xwing %d", i))
		if err != nil {
			t.Fatal(err)
		}
		eseed := make([]byte, 64)
		seeded(uint64(300 + i)).Read(eseed)
		ss, enc, err := kemMLKEM768X25519.encap(priv.publicKey(), bytes.NewReader(eseed))
		if err != nil {
			t.Fatal(err)
		}
		wantSS, wantCT, err := xwing.Encapsulate(priv.publicKey(), eseed)
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(ss, wantSS) || !bytes.Equal(enc, wantCT) {
			t.Errorf("X-Wing encap differs from circl")
		}
	}
}

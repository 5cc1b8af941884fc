package suite

import (
	"bytes"
	"errors"
	"fmt"
	"math/rand/v2"
	"testing"
)

// seeded returns a deterministic random source for tests.
func seeded(seed uint64) *rand.ChaCha8 {
	var s [32]byte
	s[0] = byte(seed)
	s[1] = byte(seed >> 8)
	return rand.NewChaCha8(s)
}

// forEachSuite runs f as a subtest for every registered suite.
func forEachSuite(t *testing.T, f func(t *testing.T, s *Suite)) {
	for _, s := range All() {
		t.Run(fmt.Sprintf("suite=%d", s.ID), func(t *testing.T) { f(t, s) })
	}
}

// TestRegistry holds the registered suites against RFC 9420, Section 17.1
// and the mapping table of draft-ietf-mls-pq-ciphersuites-06, Section 3.
func TestRegistry(t *testing.T) {
	want := []struct {
		id          ID
		kem, kdf, a uint16
		hash        string
		sig         string
		provisional bool
	}{
		{0x0001, 0x0020, 0x0001, 0x0001, "SHA256", "ed25519", false},
		{0x0002, 0x0010, 0x0001, 0x0001, "SHA256", "ecdsa_secp256r1_sha256", false},
		{0x0003, 0x0020, 0x0001, 0x0003, "SHA256", "ed25519", false},
		{0x0004, 0x0021, 0x0003, 0x0002, "SHA512", "ed448", false},
		{0x0005, 0x0012, 0x0003, 0x0002, "SHA512", "ecdsa_secp521r1_sha512", false},
		{0x0006, 0x0021, 0x0003, 0x0003, "SHA512", "ed448", false},
		{0x0007, 0x0011, 0x0002, 0x0002, "SHA384", "ecdsa_secp384r1_sha384", false},
		{PrivateUseTBD1, 0x647a, 0x0001, 0x0001, "SHA256", "ed25519", true},
		{PrivateUseTBD2, 0x647a, 0x0002, 0x0002, "SHA384", "ed25519", true},
		{PrivateUseTBD3, 0x0050, 0x0001, 0x0001, "SHA256", "ecdsa_secp256r1_sha256", true},
		{PrivateUseTBD4, 0x0050, 0x0002, 0x0002, "SHA384", "ecdsa_secp256r1_sha256", true},
		{PrivateUseTBD5, 0x0051, 0x0002, 0x0002, "SHA384", "ecdsa_secp384r1_sha384", true},
		{PrivateUseTBD6, 0x0041, 0x0002, 0x0002, "SHA384", "ed25519", true},
		{PrivateUseTBD7, 0x0041, 0x0002, 0x0002, "SHA384", "ecdsa_secp256r1_sha256", true},
		{PrivateUseTBD8, 0x0042, 0x0002, 0x0002, "SHA384", "ecdsa_secp384r1_sha384", true},
		{PrivateUseTBD9, 0x647a, 0x0002, 0x0003, "SHA384", "mldsa44", true},
		{PrivateUseTBD10, 0x0041, 0x0002, 0x0002, "SHA384", "mldsa65", true},
		{PrivateUseTBD11, 0x0042, 0x0002, 0x0002, "SHA384", "mldsa87", true},
	}
	if got := len(All()); got != len(want) {
		t.Errorf("All() has %d suites, want %d", got, len(want))
	}
	for i, w := range want {
		s, err := ByID(w.id)
		if err != nil {
			t.Errorf("ByID(%#04x): %v", uint16(w.id), err)
			continue
		}
		if All()[i] != s {
			t.Errorf("All()[%d] = %v, want %v", i, All()[i], s)
		}
		if s.kem.id() != w.kem || s.hash.kdfID != w.kdf || s.aead.id != w.a || s.hash.name != w.hash || s.SignatureScheme() != w.sig {
			t.Errorf("%v: KEM %#04x KDF %#04x AEAD %#04x hash %s sig %s; want %#04x %#04x %#04x %s %s",
				s, s.kem.id(), s.hash.kdfID, s.aead.id, s.hash.name, s.SignatureScheme(), w.kem, w.kdf, w.a, w.hash, w.sig)
		}
		if s.Provisional != w.provisional || (s.Provisional && (s.ID < 0xF000 || s.draftValue == "")) {
			t.Errorf("%v: Provisional = %v, want %v in the private-use range", s, s.Provisional, w.provisional)
		}
	}
	if _, err := ByID(0xF000); !errors.Is(err, ErrUnsupported) {
		t.Errorf("ByID(0xf000) error = %v, want ErrUnsupported", err)
	}
}

func TestEncryptWithLabelRoundTrip(t *testing.T) {
	forEachSuite(t, func(t *testing.T, s *Suite) {
		priv, err := s.DeriveKeyPair([]byte("round trip"))
		if err != nil {
			t.Fatal(err)
		}
		for _, pt := range [][]byte{nil, []byte("path secret"), bytes.Repeat([]byte{7}, 1000)} {
			kemOut, ct, err := s.EncryptWithLabel(priv.PublicKey(), "UpdatePathNode", []byte("ctx"), pt, seeded(1))
			if err != nil {
				t.Fatal(err)
			}
			if len(kemOut) != s.HPKEEncSize() || len(ct) != len(pt)+s.AEADOverhead() {
				t.Errorf("kem_output %d bytes, ciphertext %d; want %d, %d", len(kemOut), len(ct), s.HPKEEncSize(), len(pt)+s.AEADOverhead())
			}
			got, err := s.DecryptWithLabel(priv, "UpdatePathNode", []byte("ctx"), kemOut, ct)
			if err != nil || !bytes.Equal(got, pt) {
				t.Errorf("DecryptWithLabel = %x, %v; want %x", got, err, pt)
			}
			if _, err := s.DecryptWithLabel(priv, "Welcome", []byte("ctx"), kemOut, ct); !errors.Is(err, ErrDecrypt) {
				t.Errorf("wrong label: error %v, want ErrDecrypt", err)
			}
			if _, err := s.DecryptWithLabel(priv, "UpdatePathNode", []byte("ctX"), kemOut, ct); !errors.Is(err, ErrDecrypt) {
				t.Errorf("wrong context: error %v, want ErrDecrypt", err)
			}
		}
		// Export round trip (RFC 9420, Section 8.3), and out-of-range lengths.
		enc, secret, err := s.SendExport(priv.PublicKey(), []byte("info"), []byte("MLS 1.0 external init secret"), s.Nh(), seeded(2))
		if err != nil {
			t.Fatal(err)
		}
		got, err := s.ReceiveExport(priv, enc, []byte("info"), []byte("MLS 1.0 external init secret"), s.Nh())
		if err != nil || !bytes.Equal(got, secret) || len(secret) != s.Nh() {
			t.Errorf("ReceiveExport = %x, %v; want %x", got, err, secret)
		}
		if _, _, err := s.SendExport(priv.PublicKey(), nil, nil, 255*s.Nh()+1, seeded(2)); err == nil {
			t.Error("SendExport with length 255*Nh+1 succeeded")
		}
		if _, err := s.ReceiveExport(nil, enc, nil, nil, s.Nh()); !errors.Is(err, ErrDecrypt) {
			t.Errorf("ReceiveExport with nil key: error %v, want ErrDecrypt", err)
		}
	})
}

func TestDeriveKeyPair(t *testing.T) {
	forEachSuite(t, func(t *testing.T, s *Suite) {
		a, err := s.DeriveKeyPair([]byte("ikm"))
		if err != nil {
			t.Fatal(err)
		}
		b, err := s.DeriveKeyPair([]byte("ikm"))
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(a.Bytes(), b.Bytes()) || !bytes.Equal(a.PublicKey(), b.PublicKey()) {
			t.Error("DeriveKeyPair is not deterministic")
		}
		if len(a.PublicKey()) != s.HPKEPublicKeySize() {
			t.Errorf("public key is %d bytes, want Npk = %d", len(a.PublicKey()), s.HPKEPublicKeySize())
		}
		c, err := s.ParseHPKEPrivateKey(a.Bytes())
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(c.PublicKey(), a.PublicKey()) || !bytes.Equal(c.Bytes(), a.Bytes()) {
			t.Error("ParseHPKEPrivateKey(Bytes()) gives another key")
		}
		d, err := s.DeriveKeyPair([]byte("ikm2"))
		if err != nil {
			t.Fatal(err)
		}
		if bytes.Equal(d.PublicKey(), a.PublicKey()) {
			t.Error("different ikm gave the same key")
		}
		// The public key is the one the private key decrypts for.
		kemOut, ct, err := s.EncryptWithLabel(a.PublicKey(), "l", nil, []byte("x"), seeded(3))
		if err != nil {
			t.Fatal(err)
		}
		if _, err := s.DecryptWithLabel(c, "l", nil, kemOut, ct); err != nil {
			t.Error(err)
		}
		if _, err := s.DecryptWithLabel(d, "l", nil, kemOut, ct); !errors.Is(err, ErrDecrypt) {
			t.Errorf("other key: error %v, want ErrDecrypt", err)
		}
		a.Bytes()[0] ^= 1 // Bytes and PublicKey return copies
		a.PublicKey()[0] ^= 1
		if !bytes.Equal(a.Bytes(), b.Bytes()) || !bytes.Equal(a.PublicKey(), b.PublicKey()) {
			t.Error("Bytes or PublicKey alias the key")
		}
		for _, bad := range [][]byte{nil, make([]byte, 3), append(a.Bytes(), 0)} {
			if _, err := s.ParseHPKEPrivateKey(bad); err == nil {
				t.Errorf("ParseHPKEPrivateKey(%d bytes) succeeded", len(bad))
			}
		}
	})
}

func TestSignWithLabel(t *testing.T) {
	forEachSuite(t, func(t *testing.T, s *Suite) {
		k, err := s.GenerateSignatureKey(seeded(4))
		if err != nil {
			t.Fatal(err)
		}
		k2, err := s.GenerateSignatureKey(seeded(4))
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(k.PublicKey(), k2.PublicKey()) {
			t.Error("GenerateSignatureKey is not deterministic")
		}
		content := []byte("LeafNodeTBS")
		sig, err := s.SignWithLabel(k, "LeafNodeTBS", content)
		if err != nil {
			t.Fatal(err)
		}
		sig2, err := s.SignWithLabel(k2, "LeafNodeTBS", content)
		if err != nil || !bytes.Equal(sig, sig2) {
			t.Errorf("SignWithLabel is not deterministic: %v", err)
		}
		if err := s.VerifyWithLabel(k.PublicKey(), "LeafNodeTBS", content, sig); err != nil {
			t.Errorf("VerifyWithLabel: %v", err)
		}
		if err := s.VerifyWithLabel(k.PublicKey(), "FramedContentTBS", content, sig); !errors.Is(err, ErrSignature) {
			t.Errorf("wrong label: error %v, want ErrSignature", err)
		}
		if err := s.VerifyWithLabel(k.PublicKey(), "LeafNodeTBS", []byte("LeafNodeTBs"), sig); !errors.Is(err, ErrSignature) {
			t.Errorf("other content: error %v, want ErrSignature", err)
		}
		for _, i := range []int{0, len(sig) / 2, len(sig) - 1} {
			bad := bytes.Clone(sig)
			bad[i] ^= 0x10
			if err := s.VerifyWithLabel(k.PublicKey(), "LeafNodeTBS", content, bad); !errors.Is(err, ErrSignature) {
				t.Errorf("signature bit flipped at %d: error %v, want ErrSignature", i, err)
			}
		}
		for _, bad := range [][]byte{nil, sig[:len(sig)-1], append(bytes.Clone(sig), 0)} {
			if err := s.VerifyWithLabel(k.PublicKey(), "LeafNodeTBS", content, bad); !errors.Is(err, ErrSignature) {
				t.Errorf("signature of %d bytes: error %v, want ErrSignature", len(bad), err)
			}
		}
		pub := k.PublicKey()
		badPubs := [][]byte{nil, pub[:len(pub)-1], append(bytes.Clone(pub), 0), make([]byte, len(pub))}
		for i, bad := range badPubs {
			// An all-zero ML-DSA public key is a valid encoding; it just
			// does not verify this signature.
			if err := s.VerifyWithLabel(bad, "LeafNodeTBS", content, sig); err == nil {
				t.Errorf("malformed public key %d (%d bytes) verified", i, len(bad))
			}
		}
		if _, err := s.SignWithLabel(nil, "LeafNodeTBS", content); err == nil {
			t.Error("SignWithLabel(nil key) succeeded")
		}
		if _, err := s.SignWithLabel(&SignaturePrivateKey{}, "LeafNodeTBS", content); err == nil {
			t.Error("SignWithLabel(zero key) succeeded")
		}
		for _, other := range All() {
			if other.SignatureScheme() == s.SignatureScheme() {
				continue
			}
			ok, err := other.GenerateSignatureKey(seeded(5))
			if err != nil {
				t.Fatal(err)
			}
			if _, err := s.SignWithLabel(ok, "LeafNodeTBS", content); err == nil {
				t.Errorf("signing with a key of %v succeeded", other)
			}
			break
		}
		// A private key of the wrong size is refused.
		for _, n := range []int{0, 1, 31, 200} {
			if _, err := s.ParseSignaturePrivateKey(make([]byte, n)); err == nil {
				t.Errorf("ParseSignaturePrivateKey(%d bytes) succeeded", n)
			}
		}
	})
}

func TestAEAD(t *testing.T) {
	forEachSuite(t, func(t *testing.T, s *Suite) {
		key := bytes.Repeat([]byte{1}, s.AEADKeySize())
		nonce := bytes.Repeat([]byte{2}, s.AEADNonceSize())
		pt := bytes.Repeat([]byte{3}, 1024)
		ct, err := s.Seal(key, nonce, []byte("aad"), pt)
		if err != nil {
			t.Fatal(err)
		}
		if len(ct) != len(pt)+s.AEADOverhead() {
			t.Errorf("ciphertext %d bytes, want %d", len(ct), len(pt)+s.AEADOverhead())
		}
		got, err := s.Open(key, nonce, []byte("aad"), ct)
		if err != nil || !bytes.Equal(got, pt) {
			t.Errorf("Open = %v", err)
		}
		ct[5] ^= 1
		if _, err := s.Open(key, nonce, []byte("aad"), ct); !errors.Is(err, ErrDecrypt) {
			t.Errorf("flipped bit: error %v, want ErrDecrypt", err)
		}
		if _, err := s.Open(key, nonce, []byte("aad"), ct[:10]); !errors.Is(err, ErrDecrypt) {
			t.Errorf("truncated: error %v, want ErrDecrypt", err)
		}
		if _, err := s.Open(key, nonce[1:], nil, ct); !errors.Is(err, ErrDecrypt) {
			t.Errorf("short nonce: error %v, want ErrDecrypt", err)
		}
		if _, err := s.Seal(key[1:], nonce, nil, pt); err == nil {
			t.Error("Seal with a short key succeeded")
		}
		if _, err := s.Open(key[1:], nonce, nil, ct); err == nil {
			t.Error("Open with a short key succeeded")
		}
	})
}

// TestDeterminism: the same seed gives the same bytes, a different seed
// different ones (RFC 9420 leaves the randomness to the caller; here it is
// always the caller's).
func TestDeterminism(t *testing.T) {
	forEachSuite(t, func(t *testing.T, s *Suite) {
		priv, err := s.DeriveKeyPair([]byte("determinism"))
		if err != nil {
			t.Fatal(err)
		}
		run := func(seed uint64) (kemOut, ct, exp []byte) {
			kemOut, ct, err := s.EncryptWithLabel(priv.PublicKey(), "Welcome", nil, []byte("joiner secret"), seeded(seed))
			if err != nil {
				t.Fatal(err)
			}
			_, exp, err = s.SendExport(priv.PublicKey(), nil, []byte("x"), 32, seeded(seed))
			if err != nil {
				t.Fatal(err)
			}
			return kemOut, ct, exp
		}
		k1, c1, e1 := run(9)
		k2, c2, e2 := run(9)
		if !bytes.Equal(k1, k2) || !bytes.Equal(c1, c2) || !bytes.Equal(e1, e2) {
			t.Error("same seed, different kem_output, ciphertext or export")
		}
		k3, c3, _ := run(10)
		if bytes.Equal(k1, k3) || bytes.Equal(c1, c3) {
			t.Error("different seeds, same kem_output or ciphertext")
		}
		sk, err := s.GenerateSignatureKey(seeded(9))
		if err != nil {
			t.Fatal(err)
		}
		s1, _ := s.SignWithLabel(sk, "l", []byte("c"))
		s2, _ := s.SignWithLabel(sk, "l", []byte("c"))
		if !bytes.Equal(s1, s2) {
			t.Error("same key and content, different signatures")
		}
		if _, _, err := s.EncryptWithLabel(priv.PublicKey(), "l", nil, nil, bytes.NewReader(make([]byte, 3))); err == nil {
			t.Error("EncryptWithLabel with an exhausted random source succeeded")
		}
		if _, _, err := s.EncryptWithLabel(priv.PublicKey(), "l", nil, nil, nil); err == nil {
			t.Error("EncryptWithLabel with a nil random source succeeded")
		}
		if _, err := s.GenerateSignatureKey(nil); err == nil {
			t.Error("GenerateSignatureKey with a nil random source succeeded")
		}
	})
}

// otherKEMSuite returns a registered suite whose KEM differs from s's.
func otherKEMSuite(s *Suite) *Suite {
	all := All()
	for i := range all {
		o := all[(int(s.ID)+i)%len(all)]
		if o.kem.id() != s.kem.id() {
			return o
		}
	}
	return nil
}

func TestDecryptWithLabelMalformed(t *testing.T) {
	forEachSuite(t, func(t *testing.T, s *Suite) {
		priv, err := s.DeriveKeyPair([]byte("malformed"))
		if err != nil {
			t.Fatal(err)
		}
		kemOut, ct, err := s.EncryptWithLabel(priv.PublicKey(), "l", nil, []byte("secret"), seeded(11))
		if err != nil {
			t.Fatal(err)
		}
		other, err := otherKEMSuite(s).DeriveKeyPair([]byte("malformed"))
		if err != nil {
			t.Fatal(err)
		}
		flip := func(b []byte, i int) []byte { b = bytes.Clone(b); b[i] ^= 0x40; return b }
		// exportFails marks the cases that ReceiveExport must refuse too; a
		// flipped kem_output bit decapsulates to an unrelated secret
		// (implicit rejection for ML-KEM, another point for DH), which only
		// the AEAD detects.
		cases := []struct {
			name        string
			key         *HPKEPrivateKey
			kemOut, ct  []byte
			exportFails bool
		}{
			{"empty kem_output", priv, nil, ct, true},
			{"short kem_output", priv, kemOut[:len(kemOut)-1], ct, true},
			{"long kem_output", priv, append(bytes.Clone(kemOut), 0), ct, true},
			{"empty ciphertext", priv, kemOut, nil, false},
			{"ciphertext shorter than tag", priv, kemOut, ct[:s.AEADOverhead()-1], false},
			{"truncated ciphertext", priv, kemOut, ct[:len(ct)-1], false},
			{"flipped ciphertext bit", priv, kemOut, flip(ct, 0), false},
			{"flipped tag bit", priv, kemOut, flip(ct, len(ct)-1), false},
			{"flipped kem_output bit (first byte)", priv, flip(kemOut, 0), ct, false},
			{"flipped kem_output bit (middle)", priv, flip(kemOut, len(kemOut)/2), ct, false},
			{"flipped kem_output bit (last byte)", priv, flip(kemOut, len(kemOut)-1), ct, false},
			{"all-zero kem_output", priv, make([]byte, len(kemOut)), ct, false},
			{"nil key", nil, kemOut, ct, true},
			{"zero key", &HPKEPrivateKey{}, kemOut, ct, true},
			{"key of another suite's KEM", other, kemOut, ct, true},
		}
		for _, c := range cases {
			pt, err := s.DecryptWithLabel(c.key, "l", nil, c.kemOut, c.ct)
			if !errors.Is(err, ErrDecrypt) {
				t.Errorf("%s: DecryptWithLabel = %x, %v; want ErrDecrypt", c.name, pt, err)
			}
			if _, err := s.ReceiveExport(c.key, c.kemOut, nil, nil, 32); c.exportFails && !errors.Is(err, ErrDecrypt) {
				t.Errorf("%s: ReceiveExport error %v, want ErrDecrypt", c.name, err)
			}
		}
	})
}

// malformedHPKEPublicKeys lists public keys that EncryptWithLabel must
// refuse for s: wrong lengths for every KEM, and encodings outside the
// KEM's key space (an all-zero ML-KEM key is a valid encoding, so ML-KEM
// gets 12-bit coefficients ≥ q instead; the X curves get the zero point).
func malformedHPKEPublicKeys(s *Suite, pub []byte) map[string][]byte {
	m := map[string][]byte{
		"nil":   nil,
		"short": pub[:len(pub)-1],
		"long":  append(bytes.Clone(pub), 0),
	}
	ff := bytes.Repeat([]byte{0xff}, len(pub))
	switch k := s.kem.(type) {
	case *dhKEM:
		m["zero"] = make([]byte, len(pub))
		if k.kemID != 0x0020 && k.kemID != 0x0021 { // 0xff… is a valid X25519/X448 u-coordinate
			m["0xff"] = ff
		}
	case *pqKEM:
		m["coefficients ≥ q"] = ff
		if k.kemID != 0x0041 && k.kemID != 0x0042 { // hybrid: zero traditional key
			z := bytes.Clone(pub)
			clear(z[pqEKSize(k):])
			m["zero traditional part"] = z
		}
	}
	return m
}

func pqEKSize(k *pqKEM) int {
	if k.kemID == 0x0051 || k.kemID == 0x0042 {
		return mlkem1024Params.ekSize
	}
	return mlkem768Params.ekSize
}

func TestEncryptWithLabelMalformedPublicKey(t *testing.T) {
	forEachSuite(t, func(t *testing.T, s *Suite) {
		priv, err := s.DeriveKeyPair([]byte("pub"))
		if err != nil {
			t.Fatal(err)
		}
		for name, pub := range malformedHPKEPublicKeys(s, priv.PublicKey()) {
			if _, _, err := s.EncryptWithLabel(pub, "l", nil, []byte("x"), seeded(12)); err == nil {
				t.Errorf("EncryptWithLabel accepted a %s public key", name)
			}
			if _, _, err := s.SendExport(pub, nil, nil, 32, seeded(12)); err == nil {
				t.Errorf("SendExport accepted a %s public key", name)
			}
		}
	})
}

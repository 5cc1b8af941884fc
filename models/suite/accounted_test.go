package suite

import (
	"bytes"
	"crypto/elliptic"
	"io"
	"strings"
	"testing"
)

// countingReader counts the bytes read through it.
type countingReader struct {
	r io.Reader
	n int
}

func (c *countingReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.n += n
	return n, err
}

// TestAccountedEncryptionMatchesReal: for every suite, an accounted
// encryption has the lengths of a real one and draws exactly as many
// random bytes, so the stream after it is the one a real run sees.
func TestAccountedEncryptionMatchesReal(t *testing.T) {
	forEachSuite(t, func(t *testing.T, s *Suite) {
		priv, err := s.DeriveKeyPair(bytes.Repeat([]byte{7}, s.Nh()))
		if err != nil {
			t.Fatal(err)
		}
		for _, n := range []int{0, s.Nh(), 100} {
			for seed := range uint64(4) {
				real := &countingReader{r: seeded(seed)}
				kem, ct, err := s.EncryptWithLabel(priv.PublicKey(), "UpdatePathNode", []byte("ctx"), make([]byte, n), real)
				if err != nil {
					t.Fatal(err)
				}
				acc := &countingReader{r: seeded(seed)}
				if err := s.DrawEncapRandomness(acc); err != nil {
					t.Fatal(err)
				}
				if acc.n != real.n {
					t.Errorf("plaintext %d: accounted encapsulation draws %d bytes, the real one %d", n, acc.n, real.n)
				}
				fk, fc := s.AccountedEncryptWithLabel(n)
				if len(fk) != len(kem) || len(fc) != len(ct) {
					t.Errorf("plaintext %d: filler %d+%d bytes, real %d+%d", n, len(fk), len(fc), len(kem), len(ct))
				}
			}
		}
	})
}

// TestScalarDrawRejects: the hybrid P-256 KEM's accounted draw rejects an
// out-of-range scalar candidate and reads the next one, as the real
// encapsulation does.
func TestScalarDrawRejects(t *testing.T) {
	s, err := ByID(PrivateUseTBD3)
	if err != nil {
		t.Fatal(err)
	}
	priv, err := s.DeriveKeyPair(bytes.Repeat([]byte{9}, s.Nh()))
	if err != nil {
		t.Fatal(err)
	}
	// 32 bytes of ML-KEM randomness, one candidate above the order, one
	// zero candidate, then a valid one.
	stream := append(bytes.Repeat([]byte{1}, 32), bytes.Repeat([]byte{0xff}, 32)...)
	stream = append(stream, make([]byte, 32)...)
	stream = append(stream, bytes.Repeat([]byte{2}, 32)...)
	stream = append(stream, bytes.Repeat([]byte{3}, 64)...)
	real := &countingReader{r: bytes.NewReader(stream)}
	if _, _, err := s.EncryptWithLabel(priv.PublicKey(), "Welcome", nil, []byte("x"), real); err != nil {
		t.Fatal(err)
	}
	acc := &countingReader{r: bytes.NewReader(stream)}
	if err := s.DrawEncapRandomness(acc); err != nil {
		t.Fatal(err)
	}
	if real.n != 4*32 || acc.n != real.n {
		t.Errorf("real encapsulation read %d bytes, accounted %d; want 128", real.n, acc.n)
	}
	if order := elliptic.P256().Params().N; order.BitLen() != 256 {
		t.Fatalf("P-256 order has %d bits", order.BitLen())
	}
}

// TestPrivateBytesRoundTrip: every signature key that has a private form
// parses back to the same key, which signs what the original verifies.
func TestPrivateBytesRoundTrip(t *testing.T) {
	forEachSuite(t, func(t *testing.T, s *Suite) {
		k, err := s.GenerateSignatureKey(seeded(5))
		if err != nil {
			t.Fatal(err)
		}
		b, ok := k.PrivateBytes()
		if !ok {
			if s.SignatureScheme()[:5] != "mldsa" {
				t.Fatalf("%s keys have no private form", s.SignatureScheme())
			}
			return
		}
		k2, err := s.ParseSignaturePrivateKey(b)
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(k.PublicKey(), k2.PublicKey()) {
			t.Fatal("parsed key has another public key")
		}
		sig, err := s.SignWithLabel(k2, "LeafNodeTBS", []byte("content"))
		if err != nil {
			t.Fatal(err)
		}
		if err := s.VerifyWithLabel(k.PublicKey(), "LeafNodeTBS", []byte("content"), sig); err != nil {
			t.Fatal(err)
		}
	})
}

// TestSignatureSize: a suite that declares a fixed signature length signs
// every message at that length (accounted application messages rely on
// it); ECDSA suites, whose DER lengths vary, declare none.
func TestSignatureSize(t *testing.T) {
	forEachSuite(t, func(t *testing.T, s *Suite) {
		n := s.SignatureSize()
		if ecdsa := strings.HasPrefix(s.SignatureScheme(), "ecdsa"); ecdsa != (n == 0) {
			t.Fatalf("%s: SignatureSize %d", s.SignatureScheme(), n)
		}
		if n == 0 {
			return
		}
		k, err := s.GenerateSignatureKey(seeded(5))
		if err != nil {
			t.Fatal(err)
		}
		for i := range 16 {
			sig, err := s.SignWithLabel(k, "FramedContentTBS", bytes.Repeat([]byte{byte(i)}, i*37))
			if err != nil {
				t.Fatal(err)
			}
			if len(sig) != n {
				t.Fatalf("signature %d is %d bytes, SignatureSize says %d", i, len(sig), n)
			}
		}
	})
}

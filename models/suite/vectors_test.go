package suite

import (
	"bytes"
	"fmt"
	"math/rand/v2"
	"testing"

	"cgkalab/models/vectors"
	"cgkalab/models/vectors/vectortest"
)

// cryptoBasicsCase is one entry of crypto-basics.json (test-vectors.md,
// "Crypto Basics").
type cryptoBasicsCase struct {
	CipherSuite ID `json:"cipher_suite"`
	RefHash     struct {
		Label string      `json:"label"`
		Value vectors.Hex `json:"value"`
		Out   vectors.Hex `json:"out"`
	} `json:"ref_hash"`
	ExpandWithLabel struct {
		Secret  vectors.Hex `json:"secret"`
		Label   string      `json:"label"`
		Context vectors.Hex `json:"context"`
		Length  int         `json:"length"`
		Out     vectors.Hex `json:"out"`
	} `json:"expand_with_label"`
	DeriveSecret struct {
		Secret vectors.Hex `json:"secret"`
		Label  string      `json:"label"`
		Out    vectors.Hex `json:"out"`
	} `json:"derive_secret"`
	DeriveTreeSecret struct {
		Secret     vectors.Hex `json:"secret"`
		Label      string      `json:"label"`
		Generation uint32      `json:"generation"`
		Length     int         `json:"length"`
		Out        vectors.Hex `json:"out"`
	} `json:"derive_tree_secret"`
	SignWithLabel struct {
		Priv      vectors.Hex `json:"priv"`
		Pub       vectors.Hex `json:"pub"`
		Content   vectors.Hex `json:"content"`
		Label     string      `json:"label"`
		Signature vectors.Hex `json:"signature"`
	} `json:"sign_with_label"`
	EncryptWithLabel struct {
		Priv       vectors.Hex `json:"priv"`
		Pub        vectors.Hex `json:"pub"`
		Label      string      `json:"label"`
		Context    vectors.Hex `json:"context"`
		Plaintext  vectors.Hex `json:"plaintext"`
		KEMOutput  vectors.Hex `json:"kem_output"`
		Ciphertext vectors.Hex `json:"ciphertext"`
	} `json:"encrypt_with_label"`
}

// seeded returns a deterministic random source for tests.
func seeded(seed uint64) *rand.ChaCha8 {
	var s [32]byte
	s[0] = byte(seed)
	s[1] = byte(seed >> 8)
	return rand.NewChaCha8(s)
}

func TestCryptoBasicsVectors(t *testing.T) {
	var cases []cryptoBasicsCase
	vectortest.Load(t, "crypto-basics.json", &cases)
	for i, c := range cases {
		t.Run(fmt.Sprintf("%d/suite=%d", i, c.CipherSuite), func(t *testing.T) {
			s, err := ByID(c.CipherSuite)
			if err != nil {
				t.Skipf("suite %d not implemented: %v", c.CipherSuite, err)
			}
			if got := s.RefHash(c.RefHash.Label, c.RefHash.Value); !bytes.Equal(got, c.RefHash.Out) {
				t.Errorf("RefHash = %x, want %x", got, c.RefHash.Out)
			}
			e := c.ExpandWithLabel
			if got := s.ExpandWithLabel(e.Secret, e.Label, e.Context, e.Length); !bytes.Equal(got, e.Out) {
				t.Errorf("ExpandWithLabel = %x, want %x", got, e.Out)
			}
			d := c.DeriveSecret
			if got := s.DeriveSecret(d.Secret, d.Label); !bytes.Equal(got, d.Out) {
				t.Errorf("DeriveSecret = %x, want %x", got, d.Out)
			}
			ts := c.DeriveTreeSecret
			if got := s.DeriveTreeSecret(ts.Secret, ts.Label, ts.Generation, ts.Length); !bytes.Equal(got, ts.Out) {
				t.Errorf("DeriveTreeSecret = %x, want %x", got, ts.Out)
			}

			sg := c.SignWithLabel
			if err := s.VerifyWithLabel(sg.Pub, sg.Label, sg.Content, sg.Signature); err != nil {
				t.Errorf("VerifyWithLabel(vector signature): %v", err)
			}
			priv, err := s.ParseSignaturePrivateKey(sg.Priv)
			if err != nil {
				t.Fatalf("ParseSignaturePrivateKey: %v", err)
			}
			if !bytes.Equal(priv.PublicKey(), sg.Pub) {
				t.Errorf("signature public key %x, want %x", priv.PublicKey(), sg.Pub)
			}
			sig, err := s.SignWithLabel(priv, sg.Label, sg.Content)
			if err != nil {
				t.Fatalf("SignWithLabel: %v", err)
			}
			if err := s.VerifyWithLabel(sg.Pub, sg.Label, sg.Content, sig); err != nil {
				t.Errorf("VerifyWithLabel(own signature): %v", err)
			}

			ew := c.EncryptWithLabel
			hpriv, err := s.ParseHPKEPrivateKey(ew.Priv)
			if err != nil {
				t.Fatalf("ParseHPKEPrivateKey: %v", err)
			}
			if !bytes.Equal(hpriv.PublicKey(), ew.Pub) {
				t.Errorf("HPKE public key %x, want %x", hpriv.PublicKey(), ew.Pub)
			}
			pt, err := s.DecryptWithLabel(hpriv, ew.Label, ew.Context, ew.KEMOutput, ew.Ciphertext)
			if err != nil || !bytes.Equal(pt, ew.Plaintext) {
				t.Errorf("DecryptWithLabel(vector) = %x, %v; want %x", pt, err, ew.Plaintext)
			}
			kemOut, ct, err := s.EncryptWithLabel(ew.Pub, ew.Label, ew.Context, ew.Plaintext, seeded(1))
			if err != nil {
				t.Fatalf("EncryptWithLabel: %v", err)
			}
			pt, err = s.DecryptWithLabel(hpriv, ew.Label, ew.Context, kemOut, ct)
			if err != nil || !bytes.Equal(pt, ew.Plaintext) {
				t.Errorf("DecryptWithLabel(own) = %x, %v; want %x", pt, err, ew.Plaintext)
			}
		})
	}
}

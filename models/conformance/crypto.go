package conformance

import (
	"bytes"
	"math/rand/v2"

	"cgkalab/models/suite"
	"cgkalab/models/vectors"
)

// cryptoBasicsCase is one entry of crypto-basics.json (test-vectors.md,
// "Crypto Basics").
type cryptoBasicsCase struct {
	RefHash struct {
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

// seeded returns a deterministic random source: the runners' own
// encryptions and key draws are reproducible.
func seeded(seed uint64) *rand.ChaCha8 {
	var s [32]byte
	s[0], s[1] = byte(seed), byte(seed>>8)
	return rand.NewChaCha8(s)
}

func runCryptoBasics(ck *checker, s *suite.Suite, c *cryptoBasicsCase) error {
	// ref_hash: out == RefHash(label, value)
	ck.equal("RefHash", s.RefHash(c.RefHash.Label, c.RefHash.Value), c.RefHash.Out)
	// expand_with_label: out == ExpandWithLabel(secret, label, context, length)
	e := c.ExpandWithLabel
	ck.equal("ExpandWithLabel", s.ExpandWithLabel(e.Secret, e.Label, e.Context, e.Length), e.Out)
	// derive_secret: out == DeriveSecret(secret, label)
	d := c.DeriveSecret
	ck.equal("DeriveSecret", s.DeriveSecret(d.Secret, d.Label), d.Out)
	// derive_tree_secret: out == DeriveTreeSecret(secret, label, generation, length)
	ts := c.DeriveTreeSecret
	ck.equal("DeriveTreeSecret", s.DeriveTreeSecret(ts.Secret, ts.Label, ts.Generation, ts.Length), ts.Out)

	// sign_with_label: VerifyWithLabel(pub, label, content, signature),
	// and VerifyWithLabel(pub, label, content, SignWithLabel(priv, label,
	// content)).
	sg := c.SignWithLabel
	ck.noErr("VerifyWithLabel(vector signature)", s.VerifyWithLabel(sg.Pub, sg.Label, sg.Content, sg.Signature))
	priv, err := s.ParseSignaturePrivateKey(sg.Priv)
	if err != nil {
		return errorf("ParseSignaturePrivateKey: %w", err)
	}
	ck.equal("signature public key", priv.PublicKey(), sg.Pub)
	sig, err := s.SignWithLabel(priv, sg.Label, sg.Content)
	if err != nil {
		return errorf("SignWithLabel: %w", err)
	}
	ck.noErr("VerifyWithLabel(own signature)", s.VerifyWithLabel(sg.Pub, sg.Label, sg.Content, sig))

	// encrypt_with_label: DecryptWithLabel(priv, label, context,
	// kem_output, ciphertext) == plaintext; EncryptWithLabel(pub, label,
	// context, plaintext) gives a candidate that decrypts to plaintext.
	ew := c.EncryptWithLabel
	hpriv, err := s.ParseHPKEPrivateKey(ew.Priv)
	if err != nil {
		return errorf("ParseHPKEPrivateKey: %w", err)
	}
	ck.equal("HPKE public key", hpriv.PublicKey(), ew.Pub)
	pt, err := s.DecryptWithLabel(hpriv, ew.Label, ew.Context, ew.KEMOutput, ew.Ciphertext)
	if err != nil || !bytes.Equal(pt, ew.Plaintext) {
		ck.errorf("DecryptWithLabel(vector) = %x, %v; want %x", pt, err, ew.Plaintext)
	}
	kemOut, ct, err := s.EncryptWithLabel(ew.Pub, ew.Label, ew.Context, ew.Plaintext, seeded(1))
	if err != nil {
		return errorf("EncryptWithLabel: %w", err)
	}
	pt, err = s.DecryptWithLabel(hpriv, ew.Label, ew.Context, kemOut, ct)
	if err != nil || !bytes.Equal(pt, ew.Plaintext) {
		ck.errorf("DecryptWithLabel(own) = %x, %v; want %x", pt, err, ew.Plaintext)
	}
	return nil
}

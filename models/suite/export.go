package suite

import (
	"crypto/ecdsa"
	"crypto/ed25519"

	"github.com/cloudflare/circl/sign/ed448"
)

// PrivateBytes returns the signature private key in the form
// ParseSignaturePrivateKey reads back (an EdDSA seed, an ECDSA scalar), so
// a simulation can hold a million members' keys in a few dozen bytes each
// and parse them when a member acts. ok is false for a scheme whose key
// keeps no such form (ML-DSA keeps only its expanded key).
func (k *SignaturePrivateKey) PrivateBytes() (b []byte, ok bool) {
	switch key := k.key.(type) {
	case ed25519.PrivateKey:
		return key.Seed(), true
	case ed448.PrivateKey:
		return key.Seed(), true
	case *ecdsa.PrivateKey:
		b, err := key.Bytes()
		return b, err == nil
	}
	return nil, false
}

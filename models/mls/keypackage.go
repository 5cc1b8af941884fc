package mls

import (
	"bytes"
	"errors"
	"fmt"
	"io"

	rt "cgkalab/models/ratchettree"
	"cgkalab/models/suite"
	tm "cgkalab/models/treemath"
	"cgkalab/models/wire"
)

// KeyPackageBundle is a KeyPackage with the private keys its owner keeps
// until it is used (RFC 9420, Section 10).
type KeyPackageBundle struct {
	KeyPackage *KeyPackage
	InitKey    *suite.HPKEPrivateKey
	LeafKey    *suite.HPKEPrivateKey
	SigKey     *suite.SignaturePrivateKey
}

// DefaultCapabilities lists what this implementation supports: mls10, the
// given suite, basic credentials, and no non-default extensions or
// proposals (RFC 9420, Section 7.2).
func DefaultCapabilities(s *suite.Suite) *rt.Capabilities {
	return &rt.Capabilities{
		Versions:     []uint16{mls10},
		CipherSuites: []uint16{uint16(s.ID)},
		Credentials:  []uint16{rt.CredentialBasic},
	}
}

// NewKeyPackage creates a signed KeyPackage for a client with a basic
// credential (RFC 9420, Section 10). Keys are drawn from rand; sigKey may
// be nil to draw a fresh signature key.
func NewKeyPackage(s *suite.Suite, identity []byte, sigKey *suite.SignaturePrivateKey, lifetime rt.Lifetime, rand io.Reader) (*KeyPackageBundle, error) {
	var err error
	if sigKey == nil {
		if sigKey, err = s.GenerateSignatureKey(rand); err != nil {
			return nil, err
		}
	}
	initKey, err := drawHPKEKey(s, rand)
	if err != nil {
		return nil, err
	}
	leafKey, err := drawHPKEKey(s, rand)
	if err != nil {
		return nil, err
	}
	leaf := &rt.LeafNode{
		EncryptionKey: leafKey.PublicKey(),
		SignatureKey:  sigKey.PublicKey(),
		Credential:    rt.Credential{Type: rt.CredentialBasic, Identity: identity},
		Capabilities:  SharedCapabilities(s),
		Source:        rt.SourceKeyPackage,
		Lifetime:      lifetime,
	}
	if err := leaf.Sign(s, sigKey, nil, 0); err != nil {
		return nil, err
	}
	kp := &KeyPackage{Version: mls10, CipherSuite: s.ID, InitKey: initKey.PublicKey(), LeafNode: leaf}
	if kp.Signature, err = s.SignWithLabel(sigKey, "KeyPackageTBS", encode(kp.marshalTBS)); err != nil {
		return nil, err
	}
	return &KeyPackageBundle{KeyPackage: kp, InitKey: initKey, LeafKey: leafKey, SigKey: sigKey}, nil
}

func drawHPKEKey(s *suite.Suite, rand io.Reader) (*suite.HPKEPrivateKey, error) {
	ikm := make([]byte, s.Nh())
	if _, err := io.ReadFull(rand, ikm); err != nil {
		return nil, fmt.Errorf("drawing HPKE key: %w", err)
	}
	return s.DeriveKeyPair(ikm)
}

// Bytes returns the KeyPackage encoding.
func (k *KeyPackage) Bytes() []byte { return encode(k.Marshal) }

// Ref returns MakeKeyPackageRef of the KeyPackage (RFC 9420, Section 5.2).
func (k *KeyPackage) Ref(s *suite.Suite) []byte { return s.MakeKeyPackageRef(k.Bytes()) }

// ErrInvalidKeyPackage is wrapped by KeyPackage validation failures.
var ErrInvalidKeyPackage = errors.New("invalid KeyPackage")

// Validate checks a KeyPackage (RFC 9420, Section 10.1): version and suite,
// the KeyPackage and leaf signatures, leaf validity, and that init_key and
// encryption_key differ. now (seconds) checks the lifetime unless zero.
func (k *KeyPackage) Validate(s *suite.Suite, now uint64) error {
	if k.validated != nil && *k.validated == (keyPackageCheck{s.ID, now}) {
		return nil
	}
	if k.Version != mls10 {
		return fmt.Errorf("version %d: %w", k.Version, ErrInvalidKeyPackage)
	}
	if k.CipherSuite != s.ID {
		return fmt.Errorf("cipher suite %#04x in a %#04x group: %w", uint16(k.CipherSuite), uint16(s.ID), ErrInvalidKeyPackage)
	}
	if err := s.VerifyWithLabel(k.LeafNode.SignatureKey, "KeyPackageTBS", encode(k.marshalTBS), k.Signature); err != nil {
		return fmt.Errorf("signature: %w: %w", err, ErrInvalidKeyPackage)
	}
	t := rt.New(s)
	if err := t.ValidateLeaf(k.LeafNode, 0, rt.SourceKeyPackage, &rt.LeafPolicy{Now: now}); err != nil {
		return fmt.Errorf("%w: %w", err, ErrInvalidKeyPackage)
	}
	if bytes.Equal(k.InitKey, k.LeafNode.EncryptionKey) {
		return fmt.Errorf("init_key equals the leaf's encryption_key: %w", ErrInvalidKeyPackage)
	}
	return nil
}

// ParseKeyPackage decodes a KeyPackage, rejecting trailing bytes.
func ParseKeyPackage(data []byte) (*KeyPackage, error) {
	k := new(KeyPackage)
	if err := wire.Unmarshal(data, "KeyPackage", k.Unmarshal); err != nil {
		return nil, err
	}
	return k, nil
}

// leafForUpdate returns a copy of leaf re-keyed and re-signed for an Update
// proposal (RFC 9420, Section 12.1.2).
func leafForUpdate(s *suite.Suite, leaf *rt.LeafNode, sigKey *suite.SignaturePrivateKey, groupID []byte, at tm.LeafIndex, rand io.Reader) (*rt.LeafNode, *suite.HPKEPrivateKey, error) {
	key, err := drawHPKEKey(s, rand)
	if err != nil {
		return nil, nil, err
	}
	n := leaf.Clone()
	n.Source = rt.SourceUpdate
	n.EncryptionKey = key.PublicKey()
	n.Lifetime = rt.Lifetime{}
	n.ParentHash = nil
	if err := n.Sign(s, sigKey, groupID, at); err != nil {
		return nil, nil, err
	}
	return n, key, nil
}

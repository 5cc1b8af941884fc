// Package ratchettree holds the public ratchet tree of RFC 9420: LeafNode
// and ParentNode (Section 7.1, 7.2), blanking, extension and truncation
// (Section 7.7), Add, Update and Remove (Section 12.1), resolution and
// filtered direct paths (Section 4.1), tree hashes (Section 7.8) and parent
// hashes (Section 7.9), leaf validation (Section 7.3) and the checks a
// joiner performs (Section 12.4.3.1), and the ratchet_tree extension
// (Section 12.4.3.3).
//
// The tree is a flat array in the layout of Appendix C. Tree hashes are
// cached per node and recomputed only along paths that changed; the count
// of non-blank nodes under each node is kept so that the filtered direct
// path needs no resolution walk; an index of the encryption and signature
// keys makes every key uniqueness check a hash lookup (Section 16.7).
// Private keys are not held here: a member's private view lives beside the
// shared public tree (package treekem).
package ratchettree

import (
	"bytes"
	"fmt"

	"cgkalab/models/extension"

	"cgkalab/models/suite"
	"cgkalab/models/treemath"
	"cgkalab/models/wire"
)

// CredentialType values (RFC 9420, Section 17.5).
const (
	CredentialBasic uint16 = 1
	CredentialX509  uint16 = 2
)

// Credential is RFC 9420, Section 5.3's Credential: a basic identity or an
// X.509 chain.
type Credential struct {
	Type         uint16
	Identity     []byte   // basic
	Certificates [][]byte // x509, end-entity first
}

// Marshal writes the Credential encoding.
func (c *Credential) Marshal(b *wire.Builder) { c.marshal(b) }

// Unmarshal reads a Credential.
func (c *Credential) Unmarshal(r *wire.Reader) { c.unmarshal(r) }

func (c *Credential) marshal(b *wire.Builder) {
	b.U16(c.Type)
	switch c.Type {
	case CredentialBasic:
		b.Opaque(c.Identity)
	case CredentialX509:
		b.Vector(func(b *wire.Builder) {
			for _, cert := range c.Certificates {
				b.Opaque(cert)
			}
		})
	}
}

func (c *Credential) unmarshal(r *wire.Reader) {
	r.Struct("Credential", func(r *wire.Reader) {
		c.Type = r.U16()
		switch c.Type {
		case CredentialBasic:
			c.Identity = r.OpaqueCopy()
		case CredentialX509:
			r.Vector(func(r *wire.Reader) { c.Certificates = append(c.Certificates, r.OpaqueCopy()) })
		default:
			r.Failf("unknown credential type %d", c.Type)
		}
	})
}

// Capabilities is RFC 9420, Section 7.2's Capabilities.
type Capabilities struct {
	Versions     []uint16
	CipherSuites []uint16
	Extensions   []uint16
	Proposals    []uint16
	Credentials  []uint16
}

func marshalU16s(b *wire.Builder, v []uint16) {
	b.Vector(func(b *wire.Builder) {
		for _, x := range v {
			b.U16(x)
		}
	})
}

func unmarshalU16s(r *wire.Reader) []uint16 {
	var v []uint16
	r.Vector(func(r *wire.Reader) { v = append(v, r.U16()) })
	return v
}

func (c *Capabilities) marshal(b *wire.Builder) {
	marshalU16s(b, c.Versions)
	marshalU16s(b, c.CipherSuites)
	marshalU16s(b, c.Extensions)
	marshalU16s(b, c.Proposals)
	marshalU16s(b, c.Credentials)
}

func (c *Capabilities) unmarshal(r *wire.Reader) {
	r.Struct("Capabilities", func(r *wire.Reader) {
		c.Versions = unmarshalU16s(r)
		c.CipherSuites = unmarshalU16s(r)
		c.Extensions = unmarshalU16s(r)
		c.Proposals = unmarshalU16s(r)
		c.Credentials = unmarshalU16s(r)
	})
}

// noCapabilities stands for a nil Capabilities.
var noCapabilities Capabilities

// Caps returns the leaf's capabilities, empty ones if it has none.
func (n *LeafNode) Caps() *Capabilities {
	if n.Capabilities == nil {
		return &noCapabilities
	}
	return n.Capabilities
}

func contains(v []uint16, x uint16) bool {
	for _, y := range v {
		if y == x {
			return true
		}
	}
	return false
}

// LeafNodeSource says how a leaf entered the tree (RFC 9420, Section 7.2).
type LeafNodeSource uint8

const (
	SourceKeyPackage LeafNodeSource = 1
	SourceUpdate     LeafNodeSource = 2
	SourceCommit     LeafNodeSource = 3
)

func (s LeafNodeSource) String() string {
	switch s {
	case SourceKeyPackage:
		return "key_package"
	case SourceUpdate:
		return "update"
	case SourceCommit:
		return "commit"
	}
	return fmt.Sprintf("LeafNodeSource(%d)", uint8(s))
}

// Lifetime is RFC 9420, Section 7.2's Lifetime, in seconds since the Unix epoch.
type Lifetime struct {
	NotBefore, NotAfter uint64
}

// LeafNode is RFC 9420, Section 7.2's LeafNode.
type LeafNode struct {
	EncryptionKey []byte
	SignatureKey  []byte
	Credential    Credential
	// Capabilities may be shared by many leaves (a million leaves with the
	// same capabilities hold one copy): replace it, never change it in
	// place. Nil encodes as empty lists.
	Capabilities *Capabilities
	Source       LeafNodeSource
	Lifetime     Lifetime // key_package only
	ParentHash   []byte   // commit only
	Extensions   []extension.Extension
	Signature    []byte
}

// marshalContent writes the fields shared by LeafNode and LeafNodeTBS.
func (n *LeafNode) marshalContent(b *wire.Builder) {
	b.Opaque(n.EncryptionKey)
	b.Opaque(n.SignatureKey)
	n.Credential.marshal(b)
	n.Caps().marshal(b)
	b.U8(uint8(n.Source))
	switch n.Source {
	case SourceKeyPackage:
		b.U64(n.Lifetime.NotBefore)
		b.U64(n.Lifetime.NotAfter)
	case SourceCommit:
		b.Opaque(n.ParentHash)
	}
	extension.Encode(b, n.Extensions)
}

// Marshal writes the LeafNode encoding.
func (n *LeafNode) Marshal(b *wire.Builder) {
	n.marshalContent(b)
	b.Opaque(n.Signature)
}

// Bytes returns the LeafNode encoding.
func (n *LeafNode) Bytes() []byte {
	b := wire.NewBuilder(256)
	n.Marshal(b)
	return b.Bytes()
}

// Unmarshal reads a LeafNode.
func (n *LeafNode) Unmarshal(r *wire.Reader) {
	r.Struct("LeafNode", func(r *wire.Reader) {
		n.EncryptionKey = r.OpaqueCopy()
		n.SignatureKey = r.OpaqueCopy()
		n.Credential.unmarshal(r)
		n.Capabilities = new(Capabilities)
		n.Capabilities.unmarshal(r)
		n.Source = LeafNodeSource(r.U8())
		switch n.Source {
		case SourceKeyPackage:
			n.Lifetime.NotBefore = r.U64()
			n.Lifetime.NotAfter = r.U64()
		case SourceUpdate:
		case SourceCommit:
			n.ParentHash = r.OpaqueCopy()
		default:
			r.Failf("invalid leaf_node_source %d", n.Source)
		}
		n.Extensions = extension.Decode(r)
		n.Signature = r.OpaqueCopy()
	})
}

// tbs returns LeafNodeTBS (RFC 9420, Section 7.2): group_id and leaf_index
// are bound for update and commit leaves.
func (n *LeafNode) tbs(groupID []byte, leaf treemath.LeafIndex) []byte {
	b := wire.NewBuilder(256)
	n.marshalContent(b)
	if n.Source == SourceUpdate || n.Source == SourceCommit {
		b.Opaque(groupID)
		b.U32(uint32(leaf))
	}
	return b.Bytes()
}

// Sign sets the signature (RFC 9420, Section 7.2: SignWithLabel(.,
// "LeafNodeTBS", LeafNodeTBS)). groupID and leaf are ignored for
// key_package leaves.
func (n *LeafNode) Sign(s *suite.Suite, key *suite.SignaturePrivateKey, groupID []byte, leaf treemath.LeafIndex) error {
	sig, err := s.SignWithLabel(key, "LeafNodeTBS", n.tbs(groupID, leaf))
	if err != nil {
		return err
	}
	n.Signature = sig
	return nil
}

// VerifySignature checks the LeafNode's signature with its signature_key.
func (n *LeafNode) VerifySignature(s *suite.Suite, groupID []byte, leaf treemath.LeafIndex) error {
	return s.VerifyWithLabel(n.SignatureKey, "LeafNodeTBS", n.tbs(groupID, leaf), n.Signature)
}

// Clone returns a deep copy.
func (n *LeafNode) Clone() *LeafNode {
	c := *n
	c.EncryptionKey = bytes.Clone(n.EncryptionKey)
	c.SignatureKey = bytes.Clone(n.SignatureKey)
	c.ParentHash = bytes.Clone(n.ParentHash)
	c.Signature = bytes.Clone(n.Signature)
	c.Extensions = append([]extension.Extension(nil), n.Extensions...)
	return &c
}

// ParentNode is RFC 9420, Section 7.1's ParentNode.
type ParentNode struct {
	EncryptionKey  []byte
	ParentHash     []byte
	UnmergedLeaves []treemath.LeafIndex // sorted ascending
}

// Marshal writes the ParentNode encoding.
func (p *ParentNode) Marshal(b *wire.Builder) {
	b.Opaque(p.EncryptionKey)
	b.Opaque(p.ParentHash)
	b.Vector(func(b *wire.Builder) {
		for _, l := range p.UnmergedLeaves {
			b.U32(uint32(l))
		}
	})
}

// Unmarshal reads a ParentNode; unmerged_leaves must be strictly increasing
// (RFC 9420, Section 7.1).
func (p *ParentNode) Unmarshal(r *wire.Reader) {
	r.Struct("ParentNode", func(r *wire.Reader) {
		p.EncryptionKey = r.OpaqueCopy()
		p.ParentHash = r.OpaqueCopy()
		r.Vector(func(r *wire.Reader) {
			l := treemath.LeafIndex(r.U32())
			if k := len(p.UnmergedLeaves); k > 0 && p.UnmergedLeaves[k-1] >= l {
				r.Failf("unmerged_leaves not strictly increasing at %d", l)
			}
			p.UnmergedLeaves = append(p.UnmergedLeaves, l)
		})
	})
}

// NodeType tags a Node in the ratchet_tree extension and tree hash input
// (RFC 9420, Sections 7.8 and 12.4.3.3).
const (
	nodeTypeLeaf   uint8 = 1
	nodeTypeParent uint8 = 2
)

// Package treekem implements TreeKEM on the public ratchet tree: creating
// an UpdatePath (RFC 9420, Sections 7.4 to 7.6), merging one into the tree
// and decrypting it, and the commit secret (Section 12.4.2). A member's
// private view (its leaf key and the node keys it knows) is kept apart from
// the shared public tree.
//
// Every creation and processing reports its encryption edges (which path
// secret was encrypted to which recipient key) and the count of each
// cryptographic operation, measured by the code that performs them: the
// simulator's security oracle and cost accounting rest on these.
package treekem

import (
	rt "cgkalab/models/ratchettree"
	"cgkalab/models/wire"
)

// HPKECiphertext is RFC 9420, Section 7.6's HPKECiphertext.
type HPKECiphertext struct {
	KEMOutput  []byte
	Ciphertext []byte
}

// UpdatePathNode is RFC 9420, Section 7.6's UpdatePathNode.
type UpdatePathNode struct {
	EncryptionKey       []byte
	EncryptedPathSecret []HPKECiphertext
}

// UpdatePath is RFC 9420, Section 7.6's UpdatePath.
type UpdatePath struct {
	LeafNode *rt.LeafNode
	Nodes    []UpdatePathNode
}

// Marshal writes the UpdatePath encoding.
func (u *UpdatePath) Marshal(b *wire.Builder) {
	u.LeafNode.Marshal(b)
	b.Vector(func(b *wire.Builder) {
		for _, n := range u.Nodes {
			b.Opaque(n.EncryptionKey)
			b.Vector(func(b *wire.Builder) {
				for _, c := range n.EncryptedPathSecret {
					b.Opaque(c.KEMOutput)
					b.Opaque(c.Ciphertext)
				}
			})
		}
	})
}

// Bytes returns the UpdatePath encoding.
func (u *UpdatePath) Bytes() []byte {
	b := wire.NewBuilder(512 + 100*len(u.Nodes))
	u.Marshal(b)
	return b.Bytes()
}

// Unmarshal reads an UpdatePath.
func (u *UpdatePath) Unmarshal(r *wire.Reader) {
	r.Struct("UpdatePath", func(r *wire.Reader) {
		u.LeafNode = new(rt.LeafNode)
		u.LeafNode.Unmarshal(r)
		r.Vector(func(r *wire.Reader) {
			var n UpdatePathNode
			r.Struct("UpdatePathNode", func(r *wire.Reader) {
				n.EncryptionKey = r.OpaqueCopy()
				r.Vector(func(r *wire.Reader) {
					n.EncryptedPathSecret = append(n.EncryptedPathSecret, HPKECiphertext{
						KEMOutput:  r.OpaqueCopy(),
						Ciphertext: r.OpaqueCopy(),
					})
				})
			})
			u.Nodes = append(u.Nodes, n)
		})
	})
}

// ParseUpdatePath decodes an UpdatePath, rejecting trailing bytes.
func ParseUpdatePath(data []byte) (*UpdatePath, error) {
	u := new(UpdatePath)
	if err := wire.Unmarshal(data, "UpdatePath", u.Unmarshal); err != nil {
		return nil, err
	}
	return u, nil
}

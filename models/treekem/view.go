package treekem

import (
	"bytes"
	"fmt"

	"cgkalab/models/protocol"
	rt "cgkalab/models/ratchettree"
	"cgkalab/models/suite"
	tm "cgkalab/models/treemath"
)

// Ops counts the cryptographic operations one TreeKEM step performed; it
// is the simulator's operation record, so outcomes pass it on unchanged.
type Ops = protocol.Ops

// Edge records one encryption of a path secret: the path secret of node
// PathNode was encrypted to the HPKE key RecipientKey held at node
// Recipient. A node's key changes whenever the node is re-keyed, so
// (Recipient, RecipientKey) identifies the recipient key uniquely.
type Edge struct {
	PathNode     tm.NodeIndex
	Recipient    tm.NodeIndex
	RecipientKey []byte
}

// nodeKey is a private key the member holds, with the public key it was
// known under so a replaced node is never decrypted with a stale key.
type nodeKey struct {
	priv *suite.HPKEPrivateKey
	pub  []byte
}

// PrivateView is one member's private TreeKEM state: its leaf index, leaf
// key and the private keys of the parent nodes it knows on its direct path
// (RFC 9420, Section 4.2's tree invariant).
type PrivateView struct {
	Suite  *suite.Suite
	Leaf   tm.LeafIndex
	keys   map[tm.NodeIndex]nodeKey
	source KeySource // scale.go
}

// NewPrivateView returns the view of the member at leaf with leaf key
// leafKey, or with none yet when leafKey is nil: a simulation that shares
// one group state among members then supplies it from the view's key
// source when it is first needed (SetKeySource), since sending a message
// or a proposal needs none.
func NewPrivateView(s *suite.Suite, leaf tm.LeafIndex, leafKey *suite.HPKEPrivateKey) *PrivateView {
	v := &PrivateView{Suite: s, Leaf: leaf, keys: map[tm.NodeIndex]nodeKey{}}
	if leafKey != nil {
		v.keys[leaf.Node()] = nodeKey{leafKey, leafKey.PublicKey()}
	}
	return v
}

// Key returns the private key for node x if the view holds one that
// matches the key the tree has at x now.
func (v *PrivateView) Key(t *rt.Tree, x tm.NodeIndex) *suite.HPKEPrivateKey {
	k, ok := v.keys[x]
	if !ok || !bytes.Equal(k.pub, t.EncryptionKey(x)) {
		return v.fromSource(t, x)
	}
	return k.priv
}

// KnownNodes returns the nodes whose private keys the view holds, for the
// security oracle's account of what a compromise reveals.
func (v *PrivateView) KnownNodes() []tm.NodeIndex {
	out := make([]tm.NodeIndex, 0, len(v.keys))
	for x := range v.keys {
		out = append(out, x)
	}
	return out
}

// KnownKeys calls f for every private key the view holds, with its node and
// public key.
func (v *PrivateView) KnownKeys(f func(x tm.NodeIndex, pub []byte)) {
	for x, k := range v.keys {
		f(x, k.pub)
	}
}

// SetPathSecret derives the key pair of node x from a path secret (RFC 9420,
// Section 7.4: node_secret = DeriveSecret(path_secret, "node")) and stores
// it, checking it against the public key the tree has at x.
func (v *PrivateView) SetPathSecret(t *rt.Tree, x tm.NodeIndex, pathSecret []byte) error {
	priv, err := nodeKeyPair(v.Suite, pathSecret)
	if err != nil {
		return err
	}
	if pub := t.EncryptionKey(x); !bytes.Equal(pub, priv.PublicKey()) {
		return fmt.Errorf("path secret for node %d derives a key that differs from the tree's", x)
	}
	v.keys[x] = nodeKey{priv, priv.PublicKey()}
	return nil
}

// Prune deletes keys for nodes that are blank, off the member's direct
// path, or re-keyed in the tree (RFC 9420, Section 7.5: outdated key pairs
// are deleted).
func (v *PrivateView) Prune(t *rt.Tree) {
	for x, k := range v.keys {
		if !bytes.Equal(k.pub, t.EncryptionKey(x)) {
			delete(v.keys, x)
		}
	}
}

func nodeKeyPair(s *suite.Suite, pathSecret []byte) (*suite.HPKEPrivateKey, error) {
	return s.DeriveKeyPair(s.DeriveSecret(pathSecret, "node"))
}

// SetKeyForTesting gives the view a private key for node x without a path
// secret; benchmarks use it to build synthetic trees.
func (v *PrivateView) SetKeyForTesting(x tm.NodeIndex, priv *suite.HPKEPrivateKey) {
	v.keys[x] = nodeKey{priv, priv.PublicKey()}
}

// SetLeafKey replaces the member's leaf key, as when an Update proposal of
// its own is committed by another member.
func (v *PrivateView) SetLeafKey(priv *suite.HPKEPrivateKey) {
	v.keys[v.Leaf.Node()] = nodeKey{priv, priv.PublicKey()}
}

// Clone returns an independent copy of the view (keys are immutable and
// shared), so a staged commit can be discarded.
func (v *PrivateView) Clone() *PrivateView {
	c := &PrivateView{Suite: v.Suite, Leaf: v.Leaf, keys: make(map[tm.NodeIndex]nodeKey, len(v.keys)), source: v.source}
	for x, k := range v.keys {
		c.keys[x] = k
	}
	return c
}

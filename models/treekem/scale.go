package treekem

import (
	"bytes"
	"io"

	rt "cgkalab/models/ratchettree"
	"cgkalab/models/suite"
	tm "cgkalab/models/treemath"
)

// EncryptAccounted is Encrypt for a simulation in which only the members
// at the leaves readers will ever decrypt this UpdatePath. The
// encryptions to the resolution entries that cover those leaves (one per
// reader, RFC 9420, Section 7.6) are performed; every other encryption is
// accounted: its HPKECiphertext has the exact lengths of a real one (KEM
// output Nenc, path secret plus AEAD tag) with filler bytes, its seed is
// drawn from rand as Encrypt draws it, it is counted in Ops.Encrypt and
// listed among the edges, but no public-key work is done. Everything else
// (path keys, parent hashes, the signed LeafNode) is as Encrypt leaves it.
func (p *PendingPath) EncryptAccounted(t *rt.Tree, groupContext []byte, excluded, readers []tm.LeafIndex, rand io.Reader) (*UpdatePath, []Edge, error) {
	type slot struct {
		path      int
		recipient tm.NodeIndex
	}
	var real []slot
	for _, l := range readers {
		for i, c := range p.copath {
			if !tm.InSubtree(l.Node(), c) {
				continue
			}
			if _, entry, ok := t.ResolutionPosition(c, l); ok {
				real = append(real, slot{i, entry})
			}
			break
		}
	}
	return p.encrypt(t, groupContext, excluded, func(path int, r tm.NodeIndex) bool {
		for _, s := range real {
			if s.path == path && s.recipient == r {
				return true
			}
		}
		return false
	}, rand)
}

// KeySource gives a simulated member's view, on demand, the private key
// of node x that the member holds but the view has not derived (from the
// simulation's ground truth path secrets), or nil. A member of a million
// processes a commit with one key of its direct path (the one its
// ciphertext is for); deriving all of them first would cost a key pair
// derivation per level.
type KeySource func(x tm.NodeIndex) *suite.HPKEPrivateKey

// SetKeySource has Key ask src for the keys the view lacks.
func (v *PrivateView) SetKeySource(src KeySource) { v.source = src }

// fromSource asks the view's source for node x's key and keeps it if it
// is the key the tree has at x now.
func (v *PrivateView) fromSource(t *rt.Tree, x tm.NodeIndex) *suite.HPKEPrivateKey {
	if v.source == nil {
		return nil
	}
	priv := v.source(x)
	if priv == nil {
		return nil
	}
	pub := priv.PublicKey()
	if !bytes.Equal(pub, t.EncryptionKey(x)) {
		return nil
	}
	v.keys[x] = nodeKey{priv, pub}
	return priv
}

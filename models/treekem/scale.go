package treekem

import (
	"io"

	rt "cgkalab/models/ratchettree"
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

package ratchettree

import (
	"bytes"
	"fmt"

	"cgkalab/models/suite"
	tm "cgkalab/models/treemath"
	"cgkalab/models/wire"
)

// ParentHash computes the parent hash of parent node p with copath child s
// (RFC 9420, Section 7.9): Hash(ParentHashInput{p.encryption_key,
// p.parent_hash, original_sibling_tree_hash(s)}).
func (t *Tree) ParentHash(p, s tm.NodeIndex) []byte {
	pn := t.parents[p/2]
	return ParentHashOver(t.suite, pn, t.treeHashExcluding(s, pn.UnmergedLeaves))
}

// ParentHashOver computes the parent hash of parent node p over the
// original sibling tree hash osth (RFC 9420, Section 7.9), for a caller
// that assembles nodes outside a Tree.
func ParentHashOver(s *suite.Suite, p *ParentNode, osth []byte) []byte {
	b := wire.NewBuilder(3*len(osth) + len(p.EncryptionKey) + 16)
	b.Opaque(p.EncryptionKey)
	b.Opaque(p.ParentHash)
	b.Opaque(osth)
	return s.Hash(b.Bytes())
}

// SetPathParentHashes fills the parent_hash fields along the filtered
// direct path of leaf l from the root down (RFC 9420, Section 7.9), after
// an UpdatePath has set their keys and cleared their unmerged leaves. It
// returns the parent hash that l's LeafNode must carry.
func (t *Tree) SetPathParentHashes(l tm.LeafIndex) []byte {
	var pbuf, cbuf [tm.MaxPathLen]tm.NodeIndex
	path, copath := t.FilteredDirectPath(l, pbuf[:0], cbuf[:0])
	var next []byte // parent hash of the node above, empty at the root
	for i := len(path) - 1; i >= 0; i-- {
		if pn := t.parents[path[i]/2]; !bytes.Equal(pn.ParentHash, next) {
			q := *pn
			q.ParentHash = next
			t.SetParent(path[i], &q)
		}
		next = t.ParentHash(path[i], copath[i])
	}
	return next
}

// VerifyParentHashes checks that every non-blank parent node is
// parent-hash valid (RFC 9420, Section 7.9.2), top down: for each parent P
// and each child C of P, a node D in the resolution of C carries the
// parent hash of P with the other child as sibling, and P's unmerged leaves
// under C are exactly the rest of C's resolution. Exactly one of the
// children must supply such a D. The resolution scan is bounded by the
// number of P's unmerged leaves plus one, so the whole check costs
// O(n log n) hashes at most.
func (t *Tree) VerifyParentHashes() error {
	var res []tm.NodeIndex
	for i, pn := range t.parents {
		if pn == nil {
			continue
		}
		p := tm.NodeIndex(2*i + 1)
		left, _ := tm.Left(p)
		right, _ := tm.Right(p)
		found := 0
		for _, c := range [2][2]tm.NodeIndex{{left, right}, {right, left}} {
			child, sib := c[0], c[1]
			lo, hi := leafSpan(child)
			var under []tm.LeafIndex
			for _, u := range pn.UnmergedLeaves {
				if u >= lo && u < hi {
					under = append(under, u)
				}
			}
			res = t.AppendResolution(res[:0], child)
			if len(res) != len(under)+1 {
				continue
			}
			ph := t.ParentHash(p, sib)
			for _, d := range res {
				if !bytes.Equal(t.nodeParentHash(d), ph) {
					continue
				}
				// The rest of the resolution must be P's unmerged leaves under C.
				ok := true
				k := 0
				for _, r := range res {
					if r == d {
						continue
					}
					if k >= len(under) || under[k].Node() != r {
						ok = false
						break
					}
					k++
				}
				if ok {
					found++
					break
				}
			}
		}
		if found != 1 {
			return fmt.Errorf("parent node %d is not parent-hash valid (%d children vouch for it): %w", p, found, ErrInvalidTree)
		}
	}
	return nil
}

// nodeParentHash returns the parent_hash field of node x: a parent's, or
// a commit leaf's; nil otherwise.
func (t *Tree) nodeParentHash(x tm.NodeIndex) []byte {
	if l, ok := x.Leaf(); ok {
		if n := t.leaves[l]; n != nil && n.Source == SourceCommit {
			return n.ParentHash
		}
		return nil
	}
	if p := t.parents[x/2]; p != nil {
		return p.ParentHash
	}
	return nil
}

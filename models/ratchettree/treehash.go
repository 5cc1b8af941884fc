package ratchettree

import (
	"slices"
	"sync"

	"cgkalab/models/suite"
	tm "cgkalab/models/treemath"
	"cgkalab/models/wire"
)

// TreeHash returns the tree hash of the root (RFC 9420, Section 7.8),
// recomputing only nodes whose subtree changed since the last call.
func (t *Tree) TreeHash() []byte { return t.NodeTreeHash(t.Root()) }

// NodeTreeHash returns the tree hash of node x. The result aliases the
// cache: copy it to keep it across changes.
func (t *Tree) NodeTreeHash(x tm.NodeIndex) []byte {
	var b wire.Builder
	t.refresh(x, &b)
	return t.cached(x)
}

func (t *Tree) cached(x tm.NodeIndex) []byte {
	nh := t.suite.Nh()
	return t.hashes[int(x)*nh : (int(x)+1)*nh : (int(x)+1)*nh]
}

// parallelHashLevel is the lowest level at which refresh hashes both
// stale halves of a subtree at once (2^14 leaves under it).
const parallelHashLevel = 14

// refresh recomputes the stale hashes under x, children before parents.
// Depth is bounded by the tree height (at most 32).
func (t *Tree) refresh(x tm.NodeIndex, b *wire.Builder) {
	if t.hashOK[x] {
		return
	}
	if l, ok := x.Leaf(); ok {
		b.Reset()
		marshalLeafHashInput(b, l, t.leaves[l])
	} else {
		left, _ := tm.Left(x)
		right, _ := tm.Right(x)
		if x.Level() >= parallelHashLevel && !t.hashOK[left] && !t.hashOK[right] {
			// A tree rehashed whole (a group created at once, a joiner's
			// new tree): the two halves write disjoint cache slots.
			var wg sync.WaitGroup
			wg.Go(func() {
				var lb wire.Builder
				t.refresh(left, &lb)
			})
			t.refresh(right, b)
			wg.Wait()
		} else {
			t.refresh(left, b)
			t.refresh(right, b)
		}
		b.Reset()
		marshalParentHashInput(b, t.parents[x/2], t.cached(left), t.cached(right))
	}
	copy(t.cached(x), t.suite.Hash(b.Bytes()))
	t.hashOK[x] = true
}

// LeafTreeHash returns the tree hash of leaf l holding n (nil: blank),
// and ParentTreeHash that of a parent node p (nil: blank) over its
// children's tree hashes (RFC 9420, Section 7.8), for a caller that
// assembles nodes outside a Tree.
func LeafTreeHash(s *suite.Suite, l tm.LeafIndex, n *LeafNode) []byte {
	var b wire.Builder
	marshalLeafHashInput(&b, l, n)
	return s.Hash(b.Bytes())
}

// ParentTreeHash: see LeafTreeHash.
func ParentTreeHash(s *suite.Suite, p *ParentNode, left, right []byte) []byte {
	var b wire.Builder
	marshalParentHashInput(&b, p, left, right)
	return s.Hash(b.Bytes())
}

// marshalLeafHashInput writes TreeHashInput for a leaf (RFC 9420, Section 7.8).
func marshalLeafHashInput(b *wire.Builder, l tm.LeafIndex, n *LeafNode) {
	b.U8(nodeTypeLeaf)
	b.U32(uint32(l))
	b.Optional(n != nil, func(b *wire.Builder) { n.Marshal(b) })
}

// marshalParentHashInput writes TreeHashInput for a parent (RFC 9420, Section 7.8).
func marshalParentHashInput(b *wire.Builder, p *ParentNode, left, right []byte) {
	b.U8(nodeTypeParent)
	b.Optional(p != nil, func(b *wire.Builder) { p.Marshal(b) })
	b.Opaque(left)
	b.Opaque(right)
}

// treeHashExcluding returns the tree hash of x in the tree where the
// leaves in excluded (sorted) are blanked and removed from every parent's
// unmerged leaves, as original_sibling_tree_hash requires (RFC 9420,
// Section 7.9). Subtrees holding no excluded leaf use the cached hash, so
// the cost is proportional to the excluded leaves' paths.
func (t *Tree) treeHashExcluding(x tm.NodeIndex, excluded []tm.LeafIndex) []byte {
	var b wire.Builder
	t.refresh(x, &b)
	return t.hashExcluding(x, excluded, &b)
}

// leafSpan returns the leaf indices [lo, hi) under node x.
func leafSpan(x tm.NodeIndex) (lo, hi tm.LeafIndex) {
	lvl := x.Level()
	first := (uint64(x) >> (lvl + 1)) << (lvl + 1)
	return tm.LeafIndex(first / 2), tm.LeafIndex(first/2 + 1<<lvl)
}

func (t *Tree) hashExcluding(x tm.NodeIndex, excluded []tm.LeafIndex, b *wire.Builder) []byte {
	lo, hi := leafSpan(x)
	i, _ := slices.BinarySearch(excluded, lo)
	j, _ := slices.BinarySearch(excluded, hi)
	under := excluded[i:j]
	if len(under) == 0 {
		return slices.Clone(t.cached(x))
	}
	if l, ok := x.Leaf(); ok {
		b.Reset()
		marshalLeafHashInput(b, l, nil)
		return t.suite.Hash(b.Bytes())
	}
	left, _ := tm.Left(x)
	right, _ := tm.Right(x)
	lh := t.hashExcluding(left, under, b)
	rh := t.hashExcluding(right, under, b)
	p := t.parents[x/2]
	if p != nil {
		q := *p
		q.UnmergedLeaves = nil
		for _, u := range p.UnmergedLeaves {
			if _, found := slices.BinarySearch(under, u); !found {
				q.UnmergedLeaves = append(q.UnmergedLeaves, u)
			}
		}
		p = &q
	}
	b.Reset()
	marshalParentHashInput(b, p, lh, rh)
	return t.suite.Hash(b.Bytes())
}

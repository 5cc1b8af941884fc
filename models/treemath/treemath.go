// Package treemath implements the array-based tree arithmetic of RFC 9420,
// Appendix C: the nodes of a ratchet tree are stored in a flat array in
// in-order, leaves at even indices (leaf i at node 2i) and parent nodes at
// odd indices, so every structural relation is a few bit operations on the
// index.
//
// RFC 9420 (Section 4.1) only uses perfect binary trees, and Section 7.7
// keeps them perfect by doubling or halving the leaf count, so a LeafCount
// is valid only when it is a power of two. Every function that takes a
// LeafCount rejects any other count (ok=false, or Width 0); LeafCountFor
// rounds a member count up to a valid one. Leaf indices are uint32 on the
// wire, but node indices must fit in a uint32 too, so the largest tree has
// 2^31 leaves and 2^32-1 nodes (indices 0 .. 2^32-2).
//
// Out-of-range input never panics: it yields ok=false. No function
// allocates except DirectPath and Copath, which return a fresh slice; the
// Append forms reuse the caller's buffer.
package treemath

import "math/bits"

// NodeIndex is the position of a node in the array form of a ratchet
// tree (RFC 9420, Appendix C).
type NodeIndex uint32

// LeafIndex is the index of a leaf counting leaves only, from 0 at the left
// (RFC 9420, Section 4.1.1). Leaf i is node 2i.
type LeafIndex uint32

// LeafCount is the number of leaves of a tree. It is valid when it is a
// power of two (see Valid).
type LeafCount uint32

// MaxLeafCount is the largest valid LeafCount: with 2^31 leaves the node
// indices 0 .. 2^32-2 still fit in a NodeIndex.
const MaxLeafCount LeafCount = 1 << 31

// MaxPathLen is the longest direct path or copath, that of a leaf in a
// tree of MaxLeafCount leaves. A [MaxPathLen]NodeIndex array is always a
// large enough buffer for AppendDirectPath and AppendCopath.
const MaxPathLen = 31

// LeafCountFor returns the smallest valid LeafCount holding n leaves: the
// smallest power of two ≥ n, and 1 for n = 0. RFC 9420, Section 7.7 grows
// the tree by doubling, so this is the size of a tree with n members
// packed at the left. It returns 0, which is not Valid, for
// n > MaxLeafCount.
func LeafCountFor(n uint32) LeafCount {
	switch {
	case n <= 1:
		return 1
	case n > uint32(MaxLeafCount):
		return 0
	}
	return 1 << bits.Len32(n-1)
}

// Valid reports whether n is a power of two, the only tree sizes RFC 9420
// uses (Section 4.1: every tree is a perfect binary tree). Every power of
// two that fits in a uint32 is ≤ MaxLeafCount.
func (n LeafCount) Valid() bool {
	return n != 0 && n&(n-1) == 0
}

// Width returns the number of nodes of a tree with n leaves, 2n-1
// (node_width in RFC 9420, Appendix C), or 0 if n is not Valid. For
// n = 2^31 the product 2n wraps to 0 in uint32, and 0-1 = 2^32-1 is the
// correct width, so the modular arithmetic is exact for every valid n.
func (n LeafCount) Width() uint32 {
	if !n.Valid() {
		return 0
	}
	return uint32(n)<<1 - 1
}

// Depth returns log2(n), the level of the root of a tree with n leaves and
// the length of a leaf's direct path, or ok=false if n is not Valid.
func (n LeafCount) Depth() (uint32, bool) {
	if !n.Valid() {
		return 0, false
	}
	return uint32(bits.TrailingZeros32(uint32(n))), true
}

// Contains reports whether x is a node of the tree with n leaves; it is
// false for every x when n is not Valid.
func (n LeafCount) Contains(x NodeIndex) bool {
	return uint32(x) < n.Width()
}

// Root returns the root of the tree with n leaves, or ok=false if n is not
// Valid. RFC 9420, Appendix C computes root(n) = 2^log2(2n-1) - 1; for
// n = 2^d that is 2^d - 1 = n-1.
func Root(n LeafCount) (NodeIndex, bool) {
	if !n.Valid() {
		return 0, false
	}
	return NodeIndex(n - 1), true
}

// Level returns the level of x: 0 for leaves, one more than its children's
// level for parent nodes (RFC 9420, Appendix C). In the array layout this
// is the number of trailing 1 bits of x. It needs no tree size: a node's
// level does not depend on the tree holding it.
func (x NodeIndex) Level() uint32 {
	return uint32(bits.TrailingZeros32(^uint32(x)))
}

// IsLeaf reports whether x is a leaf, i.e. even (RFC 9420, Appendix C).
func (x NodeIndex) IsLeaf() bool {
	return x&1 == 0
}

// Leaf returns the leaf index of node x, x/2, or ok=false if x is a parent
// (odd) node (RFC 9420, Appendix C).
func (x NodeIndex) Leaf() (LeafIndex, bool) {
	if !x.IsLeaf() {
		return 0, false
	}
	return LeafIndex(x >> 1), true
}

// Node returns the node index of leaf l, 2l (RFC 9420, Appendix C). It
// assumes l < MaxLeafCount, as holds for every leaf of a valid tree; for
// larger l the top bit is lost. Check l against the tree's LeafCount
// first when l comes from the wire.
func (l LeafIndex) Node() NodeIndex {
	return NodeIndex(l) << 1
}

// Left returns the left child of x, or ok=false if x is a leaf (RFC 9420,
// Appendix C: parent 01x has left child 00x, where the two bits sit just
// above the trailing ones). The index 2^32-1, which no valid tree holds,
// is also rejected: its right child would not fit in 32 bits.
func Left(x NodeIndex) (NodeIndex, bool) {
	k := x.Level()
	if k == 0 || k >= 32 {
		return 0, false
	}
	return x ^ (1 << (k - 1)), true
}

// Right returns the right child of x, or ok=false if x is a leaf or
// 2^32-1 (RFC 9420, Appendix C: parent 01x has right child 10x).
func Right(x NodeIndex) (NodeIndex, bool) {
	k := x.Level()
	if k == 0 || k >= 32 {
		return 0, false
	}
	return x ^ (3 << (k - 1)), true
}

// Parent returns the parent of x in the tree with n leaves, or ok=false
// if x is the root, x is not in the tree, or n is not Valid (RFC 9420,
// Appendix C). The parent is one level up: bit k (k = Level(x)) is set,
// and bit k+1 is cleared, which turns a left child 00x or a right child
// 10x into 01x.
func Parent(x NodeIndex, n LeafCount) (NodeIndex, bool) {
	if !n.Contains(x) || x == NodeIndex(n-1) {
		return 0, false
	}
	k := x.Level()
	return x&^(1<<(k+1)) | 1<<k, true
}

// Sibling returns the other child of x's parent in the tree with n leaves,
// or ok=false if x is the root, x is not in the tree, or n is not Valid
// (RFC 9420, Appendix C). The two children 00x and 10x of a parent differ
// only in bit Level(x)+1, so flipping it gives the sibling.
func Sibling(x NodeIndex, n LeafCount) (NodeIndex, bool) {
	if !n.Contains(x) || x == NodeIndex(n-1) {
		return 0, false
	}
	return x ^ (2 << x.Level()), true
}

// ancestor returns the node at level l whose subtree contains x, assuming
// l ≥ Level(x). A node at level l keeps the bits of its subtree's indices
// above bit l and has bits 0 .. l-1 set. Shifts by 32 yield 0 in Go, so
// l = 31 (the root of a 2^31-leaf tree) needs no special case.
func ancestor(x NodeIndex, l uint32) NodeIndex {
	return x>>(l+1)<<(l+1) | (1<<l - 1)
}

// AppendDirectPath appends the direct path of x in the tree with n leaves
// to dst, from x's parent up to the root, and returns the extended slice.
// The direct path of the root is empty (RFC 9420, Section 4.1.2; direct_path
// in Appendix C). It returns dst unchanged and ok=false if x is not in the
// tree or n is not Valid. With cap(dst)-len(dst) ≥ MaxPathLen it does not
// allocate.
func AppendDirectPath(dst []NodeIndex, x NodeIndex, n LeafCount) ([]NodeIndex, bool) {
	if !n.Contains(x) {
		return dst, false
	}
	d, _ := n.Depth()
	for l := x.Level() + 1; l <= d; l++ {
		dst = append(dst, ancestor(x, l))
	}
	return dst, true
}

// DirectPath returns the direct path of x in a new slice; see
// AppendDirectPath.
func DirectPath(x NodeIndex, n LeafCount) ([]NodeIndex, bool) {
	if !n.Contains(x) {
		return nil, false
	}
	d, _ := n.Depth()
	return AppendDirectPath(make([]NodeIndex, 0, d-x.Level()), x, n)
}

// AppendCopath appends the copath of x in the tree with n leaves to dst
// and returns the extended slice: the sibling of x, then the siblings of
// the nodes of x's direct path except the root, so element i is the
// sibling of direct-path element i-1 (of x for i = 0) (RFC 9420,
// Section 4.1.2; copath in Appendix C). The copath of the root is empty.
// It returns dst unchanged and ok=false if x is not in the tree or n is
// not Valid. With cap(dst)-len(dst) ≥ MaxPathLen it does not allocate.
func AppendCopath(dst []NodeIndex, x NodeIndex, n LeafCount) ([]NodeIndex, bool) {
	if !n.Contains(x) {
		return dst, false
	}
	d, _ := n.Depth()
	for l := x.Level(); l < d; l++ {
		dst = append(dst, ancestor(x, l)^(2<<l))
	}
	return dst, true
}

// Copath returns the copath of x in a new slice; see AppendCopath.
func Copath(x NodeIndex, n LeafCount) ([]NodeIndex, bool) {
	if !n.Contains(x) {
		return nil, false
	}
	d, _ := n.Depth()
	return AppendCopath(make([]NodeIndex, 0, d-x.Level()), x, n)
}

// CommonAncestor returns the lowest common ancestor of x and y: the
// lowest node whose subtree contains both, which is x or y itself when one
// contains the other (RFC 9420, Appendix C, common_ancestor_direct; used
// e.g. in Section 12.4.3.1 to find the path secret a new member receives).
//
// A node at level l heads the subtree of all indices that agree with it
// above bit l. The answer is thus the node at the smallest level l with
// l ≥ Level(x), l ≥ Level(y) and x, y agreeing above bit l, i.e. l+1 ≥
// bits.Len32(x^y). The result does not depend on the tree size: any valid
// tree holding x and y holds it.
func CommonAncestor(x, y NodeIndex) NodeIndex {
	l := max(uint32(bits.Len32(uint32(x^y))), x.Level()+1, y.Level()+1) - 1
	return ancestor(x, l)
}

// InSubtree reports whether x lies in the subtree headed by head,
// including x == head: head is an ancestor of x or x itself
// (RFC 9420, Section 4.1; equivalent to CommonAncestor(x, head) == head).
func InSubtree(x, head NodeIndex) bool {
	l := head.Level()
	return x.Level() <= l && x>>(l+1) == head>>(l+1)
}

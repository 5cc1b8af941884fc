package ratchettree

import (
	"errors"
	"fmt"
	"slices"

	"cgkalab/models/suite"
	tm "cgkalab/models/treemath"
)

// Tree is the public ratchet tree of one group (RFC 9420, Section 4.1),
// stored as a flat array of nodes in the layout of Appendix C: leaf L at
// node 2L, parent nodes at odd indices. A nil node is blank.
type Tree struct {
	suite   *suite.Suite
	n       tm.LeafCount
	leaves  []*LeafNode   // indexed by leaf index
	parents []*ParentNode // parent node x at parents[x/2]

	// filled[x] counts the non-blank nodes in the subtree under x, so an
	// empty resolution is a single lookup.
	filled []uint32
	// ressize[x] is the size of x's resolution, so a receiver finds its
	// ciphertext in O(log n) however blank the tree (ResolutionPosition).
	ressize []uint32
	// hashes holds the cached tree hash of node x at [x*Nh, (x+1)*Nh),
	// valid where hashOK[x]. A change clears hashOK up to the root.
	hashes []byte
	hashOK []bool

	firstBlank tm.LeafIndex // no blank leaf lies left of this index

	// encKeys finds the nodes holding an encryption key, sigKeys the
	// leaves holding a signature key (RFC 9420, Section 16.7).
	encKeys, sigKeys keyIndex

	// journal records what changed since Begin, so a staged commit can be
	// rolled back without copying the tree.
	journal []change
	marks   []mark // one per open Begin, innermost last
}

// mark is where a Begin started: the journal length and the blank-leaf hint.
type mark struct {
	at         int
	firstBlank tm.LeafIndex
}

// change is one journal entry: the previous node at x, or a resize from n.
type change struct {
	x      tm.NodeIndex
	leaf   *LeafNode
	parent *ParentNode
	n      tm.LeafCount // non-zero for a resize
}

// ErrInvalidTree is wrapped by errors about a tree's structure or contents.
var ErrInvalidTree = errors.New("invalid ratchet tree")

// ErrDuplicateKey is wrapped by every finding of an encryption or
// signature key held twice (RFC 9420, Section 16.7).
var ErrDuplicateKey = errors.New("public key already in the tree")

// New returns a tree of one blank leaf.
func New(s *suite.Suite) *Tree {
	t := &Tree{suite: s}
	t.indexKeys()
	t.resize(1)
	return t
}

// indexKeys points the key indexes at t.
func (t *Tree) indexKeys() {
	enc := func(x uint32) []byte { return t.EncryptionKey(tm.NodeIndex(x)) }
	sig := func(l uint32) []byte { return t.leaves[l].SignatureKey }
	if t.encKeys.keyAt == nil {
		t.encKeys, t.sigKeys = newKeyIndex(enc), newKeyIndex(sig)
		return
	}
	t.encKeys, t.sigKeys = t.encKeys.clone(enc), t.sigKeys.clone(sig)
}

// Suite returns the tree's cipher suite.
func (t *Tree) Suite() *suite.Suite { return t.suite }

// LeafCount returns the number of leaf slots (a power of two).
func (t *Tree) LeafCount() tm.LeafCount { return t.n }

// Width returns the number of nodes, 2n-1.
func (t *Tree) Width() uint32 { return t.n.Width() }

// Root returns the root's node index.
func (t *Tree) Root() tm.NodeIndex { r, _ := tm.Root(t.n); return r }

// Leaf returns the LeafNode at l, or nil if blank or out of range.
func (t *Tree) Leaf(l tm.LeafIndex) *LeafNode {
	if uint32(l) >= uint32(t.n) {
		return nil
	}
	return t.leaves[l]
}

// ParentNode returns the ParentNode at node x, or nil if blank, not a
// parent, or out of range.
func (t *Tree) ParentNode(x tm.NodeIndex) *ParentNode {
	if x.IsLeaf() || uint32(x) >= t.Width() {
		return nil
	}
	return t.parents[x/2]
}

// IsBlank reports whether node x is blank (or outside the tree).
func (t *Tree) IsBlank(x tm.NodeIndex) bool {
	if uint32(x) >= t.Width() {
		return true
	}
	if l, ok := x.Leaf(); ok {
		return t.leaves[l] == nil
	}
	return t.parents[x/2] == nil
}

// EncryptionKey returns the HPKE public key at node x, or nil if blank.
func (t *Tree) EncryptionKey(x tm.NodeIndex) []byte {
	if l, ok := x.Leaf(); ok {
		if n := t.Leaf(l); n != nil {
			return n.EncryptionKey
		}
		return nil
	}
	if p := t.ParentNode(x); p != nil {
		return p.EncryptionKey
	}
	return nil
}

// Members returns the number of non-blank leaves.
func (t *Tree) Members() int {
	c := 0
	for _, l := range t.leaves {
		if l != nil {
			c++
		}
	}
	return c
}

// resize sets the leaf count to n (a power of two), growing or shrinking
// the arrays; nodes that stay keep their indices (Appendix C).
func (t *Tree) resize(n tm.LeafCount) {
	if len(t.marks) > 0 {
		t.journal = append(t.journal, change{n: t.n})
	}
	if n < t.n {
		// Only blank halves are dropped (Truncate, or a Rollback that has
		// already blanked what the growth added), so the key indexes hold
		// nothing of them.
		if r, _ := tm.Right(t.Root()); t.filled[r] != 0 {
			panic("ratchettree: shrinking over non-blank nodes")
		}
	}
	w := int(n.Width())
	nh := t.suite.Nh()
	old := len(t.filled)
	t.leaves = resizeSlice(t.leaves, int(n))
	t.parents = resizeSlice(t.parents, int(n)-1)
	t.filled = resizeSlice(t.filled, w)
	t.ressize = resizeSlice(t.ressize, w)
	t.hashOK = resizeSlice(t.hashOK, w)
	t.hashes = resizeSlice(t.hashes, w*nh)
	t.n = n
	if w > old && old > 0 {
		// Growing: the old root's subtree is the new left half; every new
		// node on the spine to the new root counts what lies below it.
		oldRoot, _ := tm.Root(n / 2)
		for x := oldRoot; ; {
			p, ok := tm.Parent(x, n)
			if !ok {
				break
			}
			t.filled[p] = t.filled[oldRoot]
			t.ressize[p] = t.ressize[oldRoot]
			t.hashOK[p] = false
			x = p
		}
	}
}

func resizeSlice[T any](s []T, n int) []T {
	if n <= len(s) {
		clear(s[n:])
		return s[:n]
	}
	return append(s, make([]T, n-len(s))...)
}

// touch records that node x changed by delta non-blank nodes: it clears the
// cached hashes of x and its ancestors and updates the subtree counts.
func (t *Tree) touch(x tm.NodeIndex, delta int) {
	for {
		t.hashOK[x] = false
		t.filled[x] = uint32(int(t.filled[x]) + delta)
		t.ressize[x] = t.ownResolutionSize(x)
		p, ok := tm.Parent(x, t.n)
		if !ok {
			return
		}
		x = p
	}
}

// SetLeaf places a LeafNode at l (nil blanks it). It does not touch the
// direct path; callers implementing proposals do that.
func (t *Tree) SetLeaf(l tm.LeafIndex, n *LeafNode) {
	old := t.leaves[l]
	if len(t.marks) > 0 {
		t.journal = append(t.journal, change{x: l.Node(), leaf: old})
	}
	// The old entries leave the key indexes before the node changes and the
	// new ones enter after, so a rebuild on insertion reads a tree that
	// agrees with every entry it holds.
	sameEnc := old != nil && n != nil && string(old.EncryptionKey) == string(n.EncryptionKey)
	sameSig := old != nil && n != nil && string(old.SignatureKey) == string(n.SignatureKey)
	if old != nil {
		if !sameEnc {
			t.encKeys.remove(old.EncryptionKey, uint32(l.Node()))
		}
		if !sameSig {
			t.sigKeys.remove(old.SignatureKey, uint32(l))
		}
	}
	t.leaves[l] = n
	if n != nil {
		if !sameEnc {
			t.encKeys.insert(n.EncryptionKey, uint32(l.Node()))
		}
		if !sameSig {
			t.sigKeys.insert(n.SignatureKey, uint32(l))
		}
	}
	delta := 0
	switch {
	case old == nil && n != nil:
		delta = 1
	case old != nil && n == nil:
		delta = -1
		if l < t.firstBlank {
			t.firstBlank = l
		}
	}
	t.touch(l.Node(), delta)
}

// SetParent places a ParentNode at parent node x (nil blanks it).
func (t *Tree) SetParent(x tm.NodeIndex, p *ParentNode) {
	old := t.parents[x/2]
	if len(t.marks) > 0 {
		t.journal = append(t.journal, change{x: x, parent: old})
	}
	same := old != nil && p != nil && string(old.EncryptionKey) == string(p.EncryptionKey)
	if old != nil && !same {
		t.encKeys.remove(old.EncryptionKey, uint32(x))
	}
	t.parents[x/2] = p
	if p != nil && !same {
		t.encKeys.insert(p.EncryptionKey, uint32(x))
	}
	delta := 0
	switch {
	case old == nil && p != nil:
		delta = 1
	case old != nil && p == nil:
		delta = -1
	}
	t.touch(x, delta)
}

// BlankPath blanks the parent nodes on l's direct path.
func (t *Tree) BlankPath(l tm.LeafIndex) {
	var buf [tm.MaxPathLen]tm.NodeIndex
	path, _ := tm.AppendDirectPath(buf[:0], l.Node(), t.n)
	for _, x := range path {
		if t.parents[x/2] != nil {
			t.SetParent(x, nil)
		}
	}
}

// Add places a new member's LeafNode in the leftmost blank leaf, extending
// the tree if there is none, and adds it to the unmerged leaves of every
// non-blank parent on its direct path (RFC 9420, Section 12.1.1).
func (t *Tree) Add(n *LeafNode) tm.LeafIndex {
	l := t.firstBlank
	for uint32(l) < uint32(t.n) && t.leaves[l] != nil {
		l++
	}
	if uint32(l) >= uint32(t.n) {
		t.resize(t.n * 2)
	}
	t.firstBlank = l + 1
	var buf [tm.MaxPathLen]tm.NodeIndex
	path, _ := tm.AppendDirectPath(buf[:0], l.Node(), t.n)
	for _, x := range path {
		if p := t.parents[x/2]; p != nil {
			// Copy on write: ParentNodes are never changed in place, so
			// journals and clones can share them.
			q := *p
			i, _ := slices.BinarySearch(p.UnmergedLeaves, l)
			q.UnmergedLeaves = slices.Insert(slices.Clone(p.UnmergedLeaves), i, l)
			t.SetParent(x, &q)
		}
	}
	t.SetLeaf(l, n)
	return l
}

// Update replaces the LeafNode at l and blanks its direct path (RFC 9420,
// Section 12.1.2).
func (t *Tree) Update(l tm.LeafIndex, n *LeafNode) error {
	if t.Leaf(l) == nil {
		return fmt.Errorf("update of blank or absent leaf %d: %w", l, ErrInvalidTree)
	}
	t.SetLeaf(l, n)
	t.BlankPath(l)
	return nil
}

// Remove blanks leaf l and its direct path, then truncates the tree
// (RFC 9420, Section 12.1.3).
func (t *Tree) Remove(l tm.LeafIndex) error {
	if t.Leaf(l) == nil {
		return fmt.Errorf("remove of blank or absent leaf %d: %w", l, ErrInvalidTree)
	}
	t.SetLeaf(l, nil)
	t.BlankPath(l)
	t.Truncate()
	return nil
}

// Truncate halves the tree while its right half is entirely blank
// (RFC 9420, Section 7.7). A tree keeps at least one leaf.
func (t *Tree) Truncate() {
	for t.n > 1 {
		root := t.Root()
		right, _ := tm.Right(root)
		if t.filled[right] != 0 {
			return
		}
		t.resize(t.n / 2)
	}
}

// AppendResolution appends the resolution of x (RFC 9420, Section 4.1.1)
// to dst: x itself and its unmerged leaves if x is non-blank, nothing for a
// blank leaf, and the children's resolutions for a blank parent. It walks
// only non-empty subtrees and allocates nothing beyond dst's growth.
func (t *Tree) AppendResolution(dst []tm.NodeIndex, x tm.NodeIndex) []tm.NodeIndex {
	var stack [tm.MaxPathLen + 1]tm.NodeIndex
	sp := 0
	stack[sp] = x
	sp++
	for sp > 0 {
		sp--
		y := stack[sp]
		if t.filled[y] == 0 {
			continue
		}
		if l, ok := y.Leaf(); ok {
			if t.leaves[l] != nil {
				dst = append(dst, y)
			}
			continue
		}
		if p := t.parents[y/2]; p != nil {
			dst = append(dst, y)
			for _, u := range p.UnmergedLeaves {
				dst = append(dst, u.Node())
			}
			continue
		}
		left, _ := tm.Left(y)
		right, _ := tm.Right(y)
		stack[sp] = right // right first so left is resolved first
		stack[sp+1] = left
		sp += 2
	}
	return dst
}

// ownResolutionSize computes the resolution size of x from its own node
// and its children's cached sizes.
func (t *Tree) ownResolutionSize(x tm.NodeIndex) uint32 {
	if l, ok := x.Leaf(); ok {
		if t.leaves[l] != nil {
			return 1
		}
		return 0
	}
	if p := t.parents[x/2]; p != nil {
		return 1 + uint32(len(p.UnmergedLeaves))
	}
	left, _ := tm.Left(x)
	right, _ := tm.Right(x)
	return t.ressize[left] + t.ressize[right]
}

// ResolutionSize returns the number of nodes in the resolution of x.
func (t *Tree) ResolutionSize(x tm.NodeIndex) int { return int(t.ressize[x]) }

// ResolutionPosition finds, in the resolution of x, the entry that covers
// leaf l (a node on l's direct path, or l itself when it is blank above or
// unmerged), and its position in the order AppendResolution gives. It
// costs O(log n) whatever the number of blank nodes. ok is false when l is
// not under x or no entry covers it (l is blank).
func (t *Tree) ResolutionPosition(x tm.NodeIndex, l tm.LeafIndex) (pos int, entry tm.NodeIndex, ok bool) {
	if !tm.InSubtree(l.Node(), x) {
		return 0, 0, false
	}
	for y := x; ; {
		if ll, isLeaf := y.Leaf(); isLeaf {
			return pos, y, t.leaves[ll] != nil
		}
		if p := t.parents[y/2]; p != nil {
			if k, unmerged := slices.BinarySearch(p.UnmergedLeaves, l); unmerged {
				return pos + 1 + k, l.Node(), true
			}
			return pos, y, true
		}
		left, _ := tm.Left(y)
		right, _ := tm.Right(y)
		if tm.InSubtree(l.Node(), left) {
			y = left
		} else {
			pos += int(t.ressize[left])
			y = right
		}
	}
}

// ResolutionEmpty reports whether the resolution of x is empty.
func (t *Tree) ResolutionEmpty(x tm.NodeIndex) bool { return t.filled[x] == 0 }

// FilteredDirectPath appends to path the filtered direct path of leaf l
// (RFC 9420, Section 4.1.2: the direct path without nodes whose copath
// child has an empty resolution) and to copath the matching copath nodes.
func (t *Tree) FilteredDirectPath(l tm.LeafIndex, path, copath []tm.NodeIndex) ([]tm.NodeIndex, []tm.NodeIndex) {
	x := l.Node()
	for {
		p, ok := tm.Parent(x, t.n)
		if !ok {
			return path, copath
		}
		s, _ := tm.Sibling(x, t.n)
		if t.filled[s] != 0 {
			path = append(path, p)
			copath = append(copath, s)
		}
		x = p
	}
}

// Begin opens a stage: changes from here on can be undone by Rollback or
// kept by Commit. Stages nest; an inner Commit keeps its changes within the
// enclosing stage, so an outer Rollback still undoes them.
func (t *Tree) Begin() {
	t.marks = append(t.marks, mark{at: len(t.journal), firstBlank: t.firstBlank})
}

// Commit closes the innermost stage, keeping its changes.
func (t *Tree) Commit() {
	if len(t.marks) == 0 {
		panic("ratchettree: Commit without Begin")
	}
	t.marks = t.marks[:len(t.marks)-1]
	if len(t.marks) == 0 {
		clear(t.journal)
		t.journal = t.journal[:0]
	}
}

// Rollback undoes every change of the innermost stage, newest first, and
// closes it. Cached hashes along the restored paths are recomputed on the
// next request.
func (t *Tree) Rollback() {
	if len(t.marks) == 0 {
		panic("ratchettree: Rollback without Begin")
	}
	m := t.marks[len(t.marks)-1]
	undo := t.journal[m.at:]
	t.journal = t.journal[:m.at]
	t.marks = t.marks[:len(t.marks)-1]
	// Restoring must not record: pause the journal while undoing.
	saved := t.marks
	t.marks = nil
	for i := len(undo) - 1; i >= 0; i-- {
		c := undo[i]
		switch {
		case c.n != 0:
			t.resize(c.n)
		case c.x.IsLeaf():
			l, _ := c.x.Leaf()
			t.SetLeaf(l, c.leaf)
		default:
			t.SetParent(c.x, c.parent)
		}
	}
	t.marks = saved
	clear(undo)
	t.firstBlank = m.firstBlank
}

// Staged reports whether a stage is open.
func (t *Tree) Staged() bool { return len(t.marks) > 0 }

// Clone returns a copy of the tree. Nodes are shared: LeafNodes and
// ParentNodes are replaced, never changed in place.
func (t *Tree) Clone() *Tree {
	c := *t
	c.journal, c.marks = nil, nil
	c.leaves = slices.Clone(t.leaves)
	c.parents = slices.Clone(t.parents)
	c.filled = slices.Clone(t.filled)
	c.ressize = slices.Clone(t.ressize)
	c.hashes = slices.Clone(t.hashes)
	c.hashOK = slices.Clone(t.hashOK)
	c.indexKeys()
	return &c
}

// Reserve sizes the tree for n leaves and its key indexes for the keys of
// n members and their parents, so that adding a million members one by
// one neither regrows the node arrays nor rehashes the indexes.
func (t *Tree) Reserve(n int) {
	if c := tm.LeafCountFor(uint32(n)); c > t.n {
		t.resize(c)
	}
	t.encKeys.reserve(2 * n)
	t.sigKeys.reserve(n)
}

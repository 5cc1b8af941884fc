package mlsgroup

import (
	"crypto/sha256"
	"fmt"
	"runtime"
	"slices"
	"sync"

	"cgkalab/models/mls"
	"cgkalab/models/protocol"
	rt "cgkalab/models/ratchettree"
	tm "cgkalab/models/treemath"
	"cgkalab/models/wire"
)

// The security oracle needs every encryption edge of every commit (which
// path secret went to which recipient key), but a commit in a freshly
// built or churned tree of n members encrypts to O(n) keys, and holding
// those edges for a whole run costs O(n) per commit. The group instead
// keeps, per tree node, the epochs at which its key changed or it was
// blanked, and per commit its committer and filtered direct path: O(log n)
// per commit. When the oracle comes to know a private key, it asks
// (protocol.Revealer) what was encrypted to it, and the group recomputes
// from that history which commits' resolutions held the key (RFC 9420,
// Sections 4.1.1 and 7.6).
//
// A node r holding key K from epoch from (the commit that installed it)
// up to the commit that replaced or blanked it, is a recipient of commit
// e (from < e < that commit) when r lies under the copath node c of the
// committer's filtered direct path and r is in the resolution of c in the
// tree commit e encrypted under: every node from c down to r's parent is
// blank, or the first non-blank one, q, lists r among its unmerged
// leaves, which holds exactly when r is a leaf added after q got its key
// (an Add appends the new leaf to the unmerged leaves of every non-blank
// node above it; a key change of q clears them).

// nodeEvent is one change of a node: at the commit of epoch epoch (the
// low 30 bits) it was blanked (blankBit) or got a new key, as an added
// leaf (addedBit) or otherwise; prev links to the node's previous change,
// and jump to an older one (Myers' jump pointers: depth is the number of
// changes up to this one), so that finding a node's state at an epoch
// costs O(log) of its history, not its length: a node near the root
// changes at nearly every commit.
type nodeEvent struct {
	epoch uint32
	prev  uint32
	jump  uint32
	depth uint32
}

const (
	blankBit  = 1 << 31
	addedBit  = 1 << 30
	epochMask = addedBit - 1
)

// commitRecord is what a commit with a path needs remembered: its
// committer and the filtered direct path (path[off:off+n] of edgeLog).
type commitRecord struct {
	leaf   tm.LeafIndex
	off, n uint32
}

// keyKind says what a registered key is.
type keyKind uint8

const (
	keyNode     keyKind = iota + 1 // the key of a tree node from epoch from on
	keyPending                     // a leaf key not yet in the tree (an Update proposal, a joiner's KeyPackage)
	keyInit                        // a joiner's KeyPackage init key
	keyPoolInit                    // a published KeyPackage's init key (keypool.go); from indexes Group.published
	keyPoolLeaf                    // a published KeyPackage's leaf key; from as for keyPoolInit
)

// keyRef is a key handed to the oracle.
type keyRef struct {
	kind keyKind
	node tm.NodeIndex
	from uint32
	// keyInit: the Welcome's epoch (0: not yet welcomed) and the index of
	// the path secret it carried (-1: none).
	welcome  uint32
	pathItem int32
}

// keyID names a public key in the registry by a 128-bit digest, so keys
// of any size cost the same.
type keyID [16]byte

func idOf(pub []byte) keyID {
	h := sha256.Sum256(pub)
	return keyID(h[:16])
}

// edgeLog is the history behind RevealedBy, and the running size of the
// tree's encoding (the ratchet_tree a joiner fetches), kept from the same
// record of which nodes each commit changed.
type edgeLog struct {
	head    []uint32 // per node: index in events of its latest change; 0 for none
	events  []nodeEvent
	commits []commitRecord // by epoch; n == 0 for commits without a path
	path    []tm.NodeIndex
	leaves  tm.LeafCount // the leaf count at the last record

	keys map[keyID]keyRef

	size  []uint32 // per node: 1 + the encoded node, 0 when blank
	total int      // sum of size
	buf   wire.Builder

	// eager lists every edge in the Outcomes instead (tests compare both);
	// check verifies the history against every commit's real edges.
	eager, check bool
}

func newEdgeLog() *edgeLog {
	return &edgeLog{events: []nodeEvent{{}}, keys: map[keyID]keyRef{}}
}

// grow makes room for nodes of a tree of n leaves.
func (h *edgeLog) grow(n tm.LeafCount) {
	if w := int(n.Width()); w > len(h.head) {
		h.head = append(h.head, make([]uint32, w-len(h.head))...)
		h.size = append(h.size, make([]uint32, w-len(h.size))...)
	}
}

// stateAt reports whether node x was blank in the tree of epoch e (after
// the commit that started it), and the epoch its key was installed.
func (h *edgeLog) stateAt(x tm.NodeIndex, e uint32) (blank bool, since uint32) {
	if int(x) >= len(h.head) {
		return true, 0
	}
	if ev, ok := h.eventAt(x, e); ok {
		return ev.epoch&blankBit != 0, ev.epoch & epochMask
	}
	return true, 0
}

// eventAt returns node x's last change at or before epoch e.
func (h *edgeLog) eventAt(x tm.NodeIndex, e uint32) (nodeEvent, bool) {
	if i := h.lastAtOrBefore(h.head[x], e); i != 0 {
		return h.events[i], true
	}
	return nodeEvent{}, false
}

// lastAtOrBefore returns the index of the first change at or before epoch
// e on the chain from change i back (0: none).
func (h *edgeLog) lastAtOrBefore(i, e uint32) uint32 {
	for i != 0 && h.events[i].epoch&epochMask > e {
		if j := h.events[i].jump; j != 0 && h.events[j].epoch&epochMask > e {
			i = j
		} else {
			i = h.events[i].prev
		}
	}
	return i
}

// nextChange returns the first epoch after from at which x changed, or
// false if it has not since.
func (h *edgeLog) nextChange(x tm.NodeIndex, from uint32) (uint32, bool) {
	i := h.head[x]
	if i == 0 || h.events[i].epoch&epochMask <= from {
		return 0, false
	}
	// The oldest change after from: the change after the last at or
	// before it.
	for p := h.events[i].prev; p != 0 && h.events[p].epoch&epochMask > from; p = h.events[i].prev {
		if j := h.events[i].jump; j != 0 && h.events[j].epoch&epochMask > from {
			i = j
		} else {
			i = p
		}
	}
	return h.events[i].epoch & epochMask, true
}

// set records that x changed at epoch e (flags: blankBit, addedBit).
func (h *edgeLog) set(x tm.NodeIndex, e, flags uint32) {
	p := h.head[x]
	ev := nodeEvent{epoch: e | flags, prev: p, jump: p, depth: h.events[p].depth + 1}
	if p != 0 {
		if j := h.events[p].jump; j != 0 && h.events[p].depth-h.events[j].depth == h.events[j].depth-h.events[h.events[j].jump].depth {
			ev.jump = h.events[j].jump
		}
	}
	h.head[x] = uint32(len(h.events))
	h.events = append(h.events, ev)
}

// resize updates the encoded size of node x from the tree.
func (h *edgeLog) resize(t *rt.Tree, x tm.NodeIndex) {
	n := nodeSize(t, x, &h.buf)
	h.total += int(n) - int(h.size[x])
	h.size[x] = n
}

// nodeSize returns 1 + the length of node x's encoding, 0 when blank.
func nodeSize(t *rt.Tree, x tm.NodeIndex, b *wire.Builder) uint32 {
	if t.IsBlank(x) {
		return 0
	}
	b.Reset()
	if l, ok := x.Leaf(); ok {
		t.Leaf(l).Marshal(b)
	} else {
		t.ParentNode(x).Marshal(b)
	}
	return uint32(1 + b.Len())
}

// start records the tree a group starts with at epoch 0 (a warm or
// churned shape): every non-blank node got its key then.
func (h *edgeLog) start(t *rt.Tree) {
	h.grow(t.LeafCount())
	h.commits = append(h.commits[:0], commitRecord{})
	w := int(t.Width())
	for x := range tm.NodeIndex(w) {
		if !t.IsBlank(x) {
			h.set(x, 0, 0)
		}
	}
	// Every node's encoded size, on every core (a million leaves to
	// encode), each worker with a builder of its own.
	per := (w + runtime.GOMAXPROCS(0) - 1) / runtime.GOMAXPROCS(0)
	var wg sync.WaitGroup
	for lo := 0; lo < w; lo += per {
		wg.Go(func() {
			var b wire.Builder
			for x := lo; x < min(lo+per, w); x++ {
				h.size[x] = nodeSize(t, tm.NodeIndex(x), &b)
			}
		})
	}
	wg.Wait()
	h.total = 0
	for _, n := range h.size {
		h.total += int(n)
	}
	h.leaves = t.LeafCount()
}

// record notes what the commit that started epoch e changed in t: the
// committer's filtered direct path (res.Path) got new keys, as did the
// leaves of the committer (with a path), of Updates and of Adds; the
// direct paths of updated and removed leaves were blanked, and those of
// added leaves gained unmerged leaves. The changed nodes are those leaves
// and their direct paths, each visited once.
func (h *edgeLog) record(t *rt.Tree, e uint64, committer tm.LeafIndex, res *mls.Outcome) {
	ep := uint32(e)
	for uint64(len(h.commits)) <= e {
		h.commits = append(h.commits, commitRecord{})
	}
	if res.Path != nil {
		h.commits[e] = commitRecord{leaf: committer, off: uint32(len(h.path)), n: uint32(len(res.Path))}
		h.path = append(h.path, res.Path...)
	}
	n := max(h.leaves, t.LeafCount())
	h.grow(n)
	newKey := newNodeSet(int(n.Width()), len(res.Path)+len(res.Updated)+len(res.Added)+1)
	for _, x := range res.Path {
		newKey.add(x)
	}
	var leaves []tm.LeafIndex
	if res.Path != nil {
		leaves = append(leaves, committer)
		newKey.add(committer.Node())
	}
	for _, l := range res.Updated {
		newKey.add(l.Node())
	}
	added := newNodeSet(int(n.Width()), len(res.Added))
	for _, l := range res.Added {
		newKey.add(l.Node())
		added.add(l.Node())
	}
	leaves = append(append(append(leaves, res.Updated...), res.Removed...), res.Added...)
	seen := newNodeSet(int(n.Width()), len(leaves)*int(tm.MaxPathLen))
	for _, l := range leaves {
		for x, ok := l.Node(), true; ok && !seen.has(x); x, ok = tm.Parent(x, n) {
			seen.add(x)
			blank, _ := h.stateAt(x, ep)
			switch now := t.IsBlank(x); {
			case now && !blank:
				h.set(x, ep, blankBit)
			case !now && added.has(x):
				h.set(x, ep, addedBit)
			case !now && (blank || newKey.has(x)):
				h.set(x, ep, 0)
			}
			h.resize(t, x)
		}
	}
	h.leaves = t.LeafCount()
}

// nodeSet is a set of nodes: a list while small, a bitmap over the tree's
// width when large (group creation adds every member at once).
type nodeSet struct {
	list []tm.NodeIndex
	bits []uint64
}

func newNodeSet(width, expect int) nodeSet {
	if expect > 256 {
		return nodeSet{bits: make([]uint64, (width+63)/64)}
	}
	return nodeSet{}
}

func (s *nodeSet) add(x tm.NodeIndex) {
	if s.bits != nil {
		s.bits[x/64] |= 1 << (x % 64)
		return
	}
	s.list = append(s.list, x)
}

func (s *nodeSet) has(x tm.NodeIndex) bool {
	if s.bits != nil {
		return int(x/64) < len(s.bits) && s.bits[x/64]&(1<<(x%64)) != 0
	}
	return slices.Contains(s.list, x)
}

// treeSize returns the length of t's ratchet_tree encoding (RFC 9420,
// Section 12.4.3.3): a vector of optional nodes up to the last non-blank
// one, which is a leaf in every tree RFC 9420's operations produce.
func (h *edgeLog) treeSize(t *rt.Tree) int {
	x := t.Root()
	for !x.IsLeaf() {
		r, _ := tm.Right(x)
		if t.ResolutionEmpty(r) {
			x, _ = tm.Left(x)
		} else {
			x = r
		}
	}
	return wire.OpaqueLen(int(x) + 1 + h.total)
}

// register notes a key handed to the oracle, unless it is known already.
func (h *edgeLog) register(pub []byte, ref keyRef) {
	id := idOf(pub)
	if old, ok := h.keys[id]; ok && old.kind != keyPending {
		return
	}
	h.keys[id] = ref
}

// registerNode notes the key of node x that a member holding the state of
// epoch e knows.
func (h *edgeLog) registerNode(pub []byte, x tm.NodeIndex, e uint64) {
	_, since := h.stateAt(x, uint32(e))
	h.register(pub, keyRef{kind: keyNode, node: x, from: since})
}

// installed resolves a pending key that a commit put at node x in epoch e.
func (h *edgeLog) installed(pub []byte, x tm.NodeIndex, e uint64) {
	if len(h.keys) == 0 {
		return
	}
	id := idOf(pub)
	if ref, ok := h.keys[id]; ok && ref.kind == keyPending {
		h.keys[id] = keyRef{kind: keyNode, node: x, from: uint32(e)}
	}
}

// welcomed resolves a registered init key whose Welcome epoch e carried
// the path secret at index item (-1 for none).
func (h *edgeLog) welcomed(initKey []byte, e uint64, item int) {
	if len(h.keys) == 0 {
		return
	}
	id := idOf(initKey)
	if ref, ok := h.keys[id]; ok && ref.kind == keyInit {
		ref.welcome, ref.pathItem = uint32(e), int32(item)
		h.keys[id] = ref
	}
}

// RevealedBy implements protocol.Revealer.
func (g *Group) RevealedBy(dst []protocol.Secret, pub []byte) []protocol.Secret {
	h := g.edges
	ref, ok := h.keys[idOf(pub)]
	if !ok || h.eager {
		return dst
	}
	switch ref.kind {
	case keyInit:
		if ref.welcome != 0 {
			dst = append(dst, joinerSecret(uint64(ref.welcome)))
			if ref.pathItem >= 0 {
				dst = append(dst, pathSecret(uint64(ref.welcome), int(ref.pathItem)))
			}
		}
	case keyNode:
		dst = h.nodeRevealed(dst, ref.node, ref.from)
	case keyPoolInit, keyPoolLeaf:
		dst = g.poolRevealed(dst, ref)
	}
	return dst
}

// nodeRevealed appends the path secrets encrypted to the key node x got
// at epoch from, until it changed.
func (h *edgeLog) nodeRevealed(dst []protocol.Secret, x tm.NodeIndex, from uint32) []protocol.Secret {
	end := uint32(len(h.commits))
	if next, ok := h.nextChange(x, from); ok {
		end = next
	}
	// A key an Update proposal installed is a recipient of the very
	// commit that applied it; an added leaf is not (its Welcome carries
	// the secrets), nor the committer's own path (recipient says so).
	first := from
	if ev, ok := h.eventAt(x, from); !ok || ev.epoch&addedBit != 0 {
		first++
	}
	return h.recipients(dst, x, from, first, end)
}

// recipients appends the path secrets of the commits of epochs [first,
// end) of which node r, holding the key it got at epoch from, was a
// recipient. It reads the states of the nodes above r through cursors
// that move forward with the epochs: a node near the root changes at
// nearly every commit, and looking its state up from the newest change
// back, epoch by epoch, would cost the length of its history each time.
func (h *edgeLog) recipients(dst []protocol.Secret, r tm.NodeIndex, from, first, end uint32) []protocol.Secret {
	var cursors [33]*nodeCursor // by level
	state := func(y tm.NodeIndex, e uint32) (bool, uint32) {
		c := cursors[y.Level()]
		if c == nil {
			c = h.cursor(y, first, end)
			cursors[y.Level()] = c
		}
		return c.at(e)
	}
	for e := first; e < end; e++ {
		if i, ok := h.recipient(e, r, from, state); ok {
			dst = append(dst, pathSecret(uint64(e), i))
		}
	}
	return dst
}

// nodeCursor steps through one node's states in increasing epochs.
type nodeCursor struct {
	evs []nodeEvent // the state at first (blankBit when none), then the changes up to end, oldest first
	i   int
}

// cursor returns a cursor on node x's states over epochs [first, end).
func (h *edgeLog) cursor(x tm.NodeIndex, first, end uint32) *nodeCursor {
	c := &nodeCursor{}
	if int(x) < len(h.head) {
		for i := h.lastAtOrBefore(h.head[x], end-1); i != 0; i = h.events[i].prev {
			ev := h.events[i]
			if ep := ev.epoch & epochMask; ep < end {
				c.evs = append(c.evs, ev)
				if ep <= first {
					break
				}
			}
		}
	}
	if len(c.evs) == 0 || c.evs[len(c.evs)-1].epoch&epochMask > first {
		c.evs = append(c.evs, nodeEvent{epoch: blankBit})
	}
	slices.Reverse(c.evs)
	return c
}

// at returns the state at epoch e, no earlier than the last asked for.
func (c *nodeCursor) at(e uint32) (blank bool, since uint32) {
	for c.i+1 < len(c.evs) && c.evs[c.i+1].epoch&epochMask <= e {
		c.i++
	}
	ev := c.evs[c.i]
	return ev.epoch&blankBit != 0, ev.epoch & epochMask
}

// recipient reports whether node r, holding the key it got at epoch from,
// was in the resolution of a copath node of the commit of epoch e, and at
// which index of the commit's path.
func (h *edgeLog) recipient(e uint32, r tm.NodeIndex, from uint32, state func(tm.NodeIndex, uint32) (bool, uint32)) (int, bool) {
	c := h.commits[e]
	if c.n == 0 {
		return 0, false
	}
	committer := c.leaf.Node()
	lca := tm.CommonAncestor(r, committer)
	if lca == r {
		return 0, false // r is the committer's leaf or on its direct path
	}
	i := slices.Index(h.path[c.off:c.off+c.n], lca)
	if i < 0 {
		return 0, false // r's side of the common ancestor had an empty resolution
	}
	// The copath child of lca, toward r; walk down to r.
	y := lca
	for {
		if r < y {
			y, _ = tm.Left(y)
		} else {
			y, _ = tm.Right(y)
		}
		if y == r {
			return i, true
		}
		if blank, since := state(y, e); !blank {
			// The first non-blank node above r: r is in the resolution
			// only as one of its unmerged leaves.
			return i, r.IsLeaf() && since < from
		}
	}
}

// CheckEdgesForTesting makes the group check, after every commit, that
// its history names exactly the recipients of the commit's real
// encryption edges, every non-blank node of the tree considered, and
// that the tree's encoded size it keeps is that of the encoding. It costs
// O(n) per commit.
func (g *Group) CheckEdgesForTesting() { g.edges.check = true }

// verify is CheckEdgesForTesting's check of the commit that started
// epoch e.
func (h *edgeLog) verify(t *rt.Tree, e uint64, res *mls.Outcome) error {
	want := map[tm.NodeIndex]int{}
	for _, ed := range res.Edges {
		want[ed.Recipient] = slices.Index(res.Path, ed.PathNode)
	}
	for x := range tm.NodeIndex(t.Width()) {
		if t.IsBlank(x) {
			continue
		}
		ev, _ := h.eventAt(x, uint32(e))
		from := ev.epoch & epochMask
		got, ok := 0, false
		if uint64(from) < e || ev.epoch&addedBit == 0 {
			got, ok = h.recipient(uint32(e), x, from, h.stateAt)
		}
		w, isWant := want[x]
		if ok != isWant || ok && got != w {
			return fmt.Errorf("mlsgroup: epoch %d: node %d (key of epoch %d): history says recipient %v at %d, the commit's edges %v at %d",
				e, x, from, ok, got, isWant, w)
		}
	}
	if got, want := h.treeSize(t), len(t.Bytes()); got != want {
		return fmt.Errorf("mlsgroup: epoch %d: kept tree size %d, encoding %d", e, got, want)
	}
	return nil
}

// HistoryBytesForTesting estimates the memory the history behind
// RevealedBy holds: its arrays at their capacity, and the key registry at
// 64 bytes an entry (digest, reference and map overhead).
func (g *Group) HistoryBytesForTesting() int {
	h := g.edges
	return 4*cap(h.head) + 16*cap(h.events) + 12*cap(h.commits) + 4*cap(h.path) + 4*cap(h.size) + 64*len(h.keys)
}

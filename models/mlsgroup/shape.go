package mlsgroup

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"sync"

	"cgkalab/models/internal/par"
	"cgkalab/models/mls"
	"cgkalab/models/protocol"
	rt "cgkalab/models/ratchettree"
	"cgkalab/models/suite"
	"cgkalab/models/treekem"
	tm "cgkalab/models/treemath"
)

// Starting shapes (protocol.Env.Shape). ShapeBuilt creates the group as
// one creator adding everyone in one commit with a path (create). The
// warm and churned shapes start the run in the steady state of a group
// that has lived long, as the Tainted TreeKEM and TreeKEM.js evaluations
// set their trees up, without replaying that history:
//
//   - Warm: every member has committed since it joined, one after another
//     in leaf order, so every parent node with members on both sides holds
//     a key, set by the last member under it to commit (the rightmost), and
//     every leaf is a fresh commit-sourced LeafNode.
//   - Churned: as warm, then a share Blank of the parent nodes is blank,
//     chosen at random (a 32-byte seed from the protocol's stream), with
//     the blanks that keep the tree valid: a parent node stays keyed only
//     if a child's resolution is a single node that can chain its parent
//     hash to it (RFC 9420, Section 7.9.2), else it is blanked too.
//
// What is real: every leaf's signature key and HPKE key pair, drawn from
// the protocol's stream in leaf order; every parent node's key pair,
// derived from a path secret (RFC 9420, Section 7.4) chained from the leaf
// secret of the member that set it, which the simulation keeps as the
// ground truth from which members' views follow; every LeafNode signed;
// every parent hash that a check can read computed (each keyed parent is
// chained to the child under it that set it, right before left, so the
// joiner's validation of Section 12.4.3.1 passes and the tree hash is
// that of the tree). What is synthetic: in a real history, the
// parent_hash of a node at the top of its setter's chain (a left child,
// and every even leaf) refers to its parent's content at the time, since
// overwritten, which no check can read; it holds Nh bytes derived from
// the node's own secret instead (the exact length). The group starts at
// epoch 0 with an epoch secret drawn at random, as group creation draws
// it (RFC 9420, Section 11); no message is sent for the history, and the
// create outcome carries no bytes.

// errShape reports a shape the group cannot start in.
var errShape = errors.New("mlsgroup: unknown group shape")

// createShaped creates the group in a warm or churned shape with actor
// and targets as its members, at leaves 0, 1, ... in that order.
func (g *Group) createShaped(actor protocol.MemberID, targets []protocol.MemberID) (*protocol.Outcome, error) {
	blank := 0.0
	switch g.env.Shape.Kind {
	case protocol.ShapeWarm:
	case protocol.ShapeChurned:
		blank = g.env.Shape.Blank
		if blank < 0 || blank > 1 {
			return nil, fmt.Errorf("mlsgroup: blank share %v is outside [0, 1]", blank)
		}
	default:
		return nil, fmt.Errorf("%w %q", errShape, g.env.Shape.Kind)
	}
	ids := append([]protocol.MemberID{actor}, targets...)
	t0 := g.now()
	b, err := g.newBuilder(ids, blank)
	if err != nil {
		return nil, err
	}
	if err := b.secrets(); err != nil {
		return nil, err
	}
	t, err := b.tree()
	if err != nil {
		return nil, err
	}
	grp, err := mls.StartGroup(g.suite, []byte("cgkalab-group"), t, g.cfg, g.env.Rand)
	if err != nil {
		return nil, err
	}
	if err := g.admitShaped(grp, b); err != nil {
		return nil, err
	}
	g.edges.start(t)
	out := &protocol.Outcome{Label: "create", Actor: actor, Added: targets, SenderNanos: g.now() - t0,
		Security: &protocol.Security{Epoch: &protocol.EpochMark{Epoch: 0, Secret: epochSecret(0)},
			Reveals: []protocol.Reveal{{From: epochSecret(0), To: initSecret(0)}}}}
	return out, nil
}

// builder assembles a warm or churned tree.
type builder struct {
	g      *Group
	s      *suite.Suite
	ids    []protocol.MemberID
	n      tm.LeafCount
	sigs   []*suite.SignaturePrivateKey
	leafs  []byte // leaf secrets, Nh bytes each
	blank  []bool // per parent node (x/2): blank
	res    []uint32
	keys   []*suite.HPKEPrivateKey // leaf keys by leaf
	pubs   [][]byte                // parent keys by x/2
	nh     int
	secret func(x tm.NodeIndex) []byte
}

// newBuilder draws every member's signature key and leaf secret, in leaf
// order, and chooses the blank parents.
func (g *Group) newBuilder(ids []protocol.MemberID, share float64) (*builder, error) {
	s := g.suite
	b := &builder{g: g, s: s, ids: ids, n: tm.LeafCountFor(uint32(len(ids))), nh: s.Nh(),
		sigs: make([]*suite.SignaturePrivateKey, len(ids)), leafs: make([]byte, len(ids)*s.Nh())}
	err := g.inOrder(len(ids), func(i int, r io.Reader) error {
		k, err := s.GenerateSignatureKey(r)
		if err != nil {
			return err
		}
		b.sigs[i] = k
		_, err = io.ReadFull(r, b.leafs[i*b.nh:(i+1)*b.nh])
		return err
	})
	if err != nil {
		return nil, err
	}
	b.blank = make([]bool, b.n.Width()/2+1)
	b.res = make([]uint32, b.n.Width())
	members := func(x tm.NodeIndex) bool { return b.count(x) > 0 }
	for x := tm.NodeIndex(1); uint32(x) < b.n.Width(); x += 2 {
		l, _ := tm.Left(x)
		r, _ := tm.Right(x)
		b.blank[x/2] = !members(l) || !members(r)
	}
	b.resolve()
	if share > 0 {
		var seed [32]byte
		if _, err := io.ReadFull(g.env.Rand, seed[:]); err != nil {
			return nil, err
		}
		b.churn(share, rand.New(rand.NewChaCha8(seed)))
	}
	return b, nil
}

// count returns the number of members under x.
func (b *builder) count(x tm.NodeIndex) int {
	lo, hi := leafRange(x)
	return max(0, min(hi, len(b.ids))-lo)
}

// leafRange returns the leaves [lo, hi) under x.
func leafRange(x tm.NodeIndex) (int, int) {
	lvl := x.Level()
	first := (uint64(x) >> (lvl + 1)) << (lvl + 1)
	return int(first / 2), int(first/2 + 1<<lvl)
}

// resolve computes the resolution size of every node, bottom-up.
func (b *builder) resolve() {
	for x := range tm.NodeIndex(b.n.Width()) {
		if x.IsLeaf() {
			b.res[x] = uint32(min(1, b.count(x)))
		}
	}
	for lvl := uint32(1); ; lvl++ {
		first := tm.NodeIndex(1<<lvl - 1)
		if uint32(first) >= b.n.Width() {
			return
		}
		for x := first; uint32(x) < b.n.Width(); x += 1 << (lvl + 1) {
			b.setRes(x)
		}
	}
}

func (b *builder) setRes(x tm.NodeIndex) {
	if !b.blank[x/2] {
		b.res[x] = 1
		return
	}
	l, _ := tm.Left(x)
	r, _ := tm.Right(x)
	b.res[x] = b.res[l] + b.res[r]
}

// vouchable reports whether keyed parent x has a child whose resolution
// is one node, which can carry x's parent hash.
func (b *builder) vouchable(x tm.NodeIndex) bool {
	l, _ := tm.Left(x)
	r, _ := tm.Right(x)
	return b.res[l] == 1 || b.res[r] == 1
}

// churn blanks parents in a random order until the share of blank parent
// nodes is reached, with the blanks each one forces above it.
func (b *builder) churn(share float64, rng *rand.Rand) {
	var keyed []tm.NodeIndex
	for x := tm.NodeIndex(1); uint32(x) < b.n.Width(); x += 2 {
		if !b.blank[x/2] {
			keyed = append(keyed, x)
		}
	}
	parents := int(b.n.Width() / 2)
	target := int(share*float64(parents) + 0.5)
	blanks := parents - len(keyed)
	rng.Shuffle(len(keyed), func(i, j int) { keyed[i], keyed[j] = keyed[j], keyed[i] })
	for _, x := range keyed {
		if blanks >= target {
			return
		}
		if !b.blank[x/2] {
			blanks += b.blankNode(x)
		}
	}
}

// blankNode blanks keyed parent x and updates the resolution sizes above
// it; the first keyed ancestor is blanked in turn if no child can vouch
// for it any more, and so on. It returns how many nodes it blanked.
func (b *builder) blankNode(x tm.NodeIndex) int {
	for n := 1; ; n++ {
		b.blank[x/2] = true
		b.setRes(x)
		q, ok := tm.Parent(x, b.n)
		for ok && b.blank[q/2] {
			b.setRes(q)
			q, ok = tm.Parent(q, b.n)
		}
		if !ok || b.vouchable(q) {
			return n
		}
		x = q
	}
}

// voucher returns the child of keyed parent x that carries its parent
// hash (the right one when it can), and the other.
func (b *builder) voucher(x tm.NodeIndex) (v, other tm.NodeIndex) {
	l, _ := tm.Left(x)
	r, _ := tm.Right(x)
	if b.res[r] == 1 {
		return r, l
	}
	return l, r
}

// single returns the one node in the resolution of x (res[x] == 1).
func (b *builder) single(x tm.NodeIndex) tm.NodeIndex {
	for !x.IsLeaf() && b.blank[x/2] {
		l, _ := tm.Left(x)
		if b.res[l] == 1 {
			x = l
		} else {
			x, _ = tm.Right(x)
		}
	}
	return x
}

// secrets derives every keyed parent's path secret from the leaf secret
// of the member that set it, along the chain of vouching nodes (RFC 9420,
// Section 7.4: path_secret[i+1] = DeriveSecret(path_secret[i], "path")),
// and every key pair, on every core.
func (b *builder) secrets() error {
	s := b.s
	g := b.g
	b.secret = func(x tm.NodeIndex) []byte {
		if l, ok := x.Leaf(); ok {
			return b.leafs[int(l)*b.nh : int(l+1)*b.nh]
		}
		ps, _ := g.ground.get(x)
		return ps
	}
	g.ground.reserve(tm.NodeIndex(b.n.Width()))
	for lvl := uint32(1); ; lvl++ {
		first := tm.NodeIndex(1<<lvl - 1)
		if uint32(first) >= b.n.Width() {
			break
		}
		// The nodes of a level depend only on the levels below.
		step := tm.NodeIndex(1) << (lvl + 1)
		par.Do(int((tm.NodeIndex(b.n.Width())-first+step-1)/step), 64, func(i int) {
			if x := first + tm.NodeIndex(i)*step; !b.blank[x/2] {
				v, _ := b.voucher(x)
				g.ground.set(x, s.DeriveSecret(b.secret(b.single(v)), "path"))
			}
		})
	}
	b.keys = make([]*suite.HPKEPrivateKey, len(b.ids))
	b.pubs = make([][]byte, b.n.Width()/2+1)
	errs := make([]error, int(b.n.Width()))
	par.Do(int(b.n.Width()), 64, func(i int) {
		x := tm.NodeIndex(i)
		if l, ok := x.Leaf(); ok {
			if int(l) < len(b.ids) {
				b.keys[l], errs[i] = s.DeriveKeyPair(s.DeriveSecret(b.secret(x), "node"))
			}
			return
		}
		if !b.blank[x/2] {
			var k *suite.HPKEPrivateKey
			if k, errs[i] = s.DeriveKeyPair(s.DeriveSecret(b.secret(x), "node")); errs[i] == nil {
				b.pubs[x/2] = k.PublicKey()
			}
		}
	})
	return errors.Join(errs...)
}

// stale is the synthetic parent_hash of a node at the top of its setter's
// chain: Nh bytes derived from the node's own secret.
func (b *builder) stale(x tm.NodeIndex) []byte {
	return b.s.ExpandWithLabel(b.secret(x), "cgkalab stale parent hash", nil, b.nh)
}

// tree assembles the tree: every node's final contents and tree hash are
// computed first, outside the Tree and on every core (assembly), then
// entered into a Tree, whose own tree hash must come out equal.
func (b *builder) tree() (*rt.Tree, error) {
	nh := b.nh
	a := &assembly{b: b, leaves: make([]*rt.LeafNode, len(b.ids)), parents: make([]*rt.ParentNode, b.n.Width()/2+1),
		hashes: make([]byte, int(b.n.Width())*nh)}
	root, _ := tm.Root(b.n)
	// The top of a chain that reaches the root has an empty parent hash.
	var top []byte
	if root.IsLeaf() || !b.blank[root/2] || b.res[root] == 1 {
		top = []byte{}
	}
	if err := a.final(root, top); err != nil {
		return nil, err
	}
	t := rt.New(b.s)
	t.Reserve(len(a.leaves))
	for i, n := range a.leaves {
		if l := t.Add(n); int(l) != i {
			return nil, fmt.Errorf("mlsgroup: building the tree: leaf %d went to %d", i, l)
		}
	}
	if t.LeafCount() != b.n {
		return nil, fmt.Errorf("mlsgroup: building the tree: %d leaves, want %d", t.LeafCount(), b.n)
	}
	for i, p := range a.parents {
		if p != nil {
			t.SetParent(tm.NodeIndex(2*i+1), p)
		}
	}
	if !bytes.Equal(t.TreeHash(), a.hash(root)) {
		return nil, errors.New("mlsgroup: building the tree: the assembled tree hash differs from the tree's")
	}
	return t, nil
}

// leaf returns member i's commit-sourced LeafNode with parent hash ph.
func (b *builder) leaf(i int, ph []byte) *rt.LeafNode {
	return &rt.LeafNode{EncryptionKey: b.keys[i].PublicKey(), SignatureKey: b.sigs[i].PublicKey(),
		Credential:   rt.Credential{Type: rt.CredentialBasic, Identity: fmt.Appendf(nil, "client-%d", b.ids[i])},
		Capabilities: mls.SharedCapabilities(b.s), Source: rt.SourceCommit, ParentHash: ph}
}

// assembly holds the tree's final nodes and tree hashes while they are
// computed.
type assembly struct {
	b       *builder
	leaves  []*rt.LeafNode
	parents []*rt.ParentNode // by x/2
	hashes  []byte           // tree hash of node x at x*Nh
}

func (a *assembly) hash(x tm.NodeIndex) []byte {
	return a.hashes[int(x)*a.b.nh : int(x+1)*a.b.nh]
}

// final sets the final contents and tree hashes of the subtree under x,
// whose resolution's one node carries ph (nil: x's subtree holds chain
// tops only, each with a synthetic parent hash). Only the chain that
// carries ph down from x depends on it: the subtrees beside the chain
// (the other child of each keyed node on it, the empty child of each
// blank one) are finished first, in parallel, then the chain top down
// (each parent hash needs the final hash of the subtree beside it, RFC
// 9420, Section 7.9), then the chain's tree hashes bottom up.
func (a *assembly) final(x tm.NodeIndex, ph []byte) error {
	b := a.b
	var chain, side []tm.NodeIndex
	carried := ph != nil // whether y receives a parent hash from above
	for y := x; ; {
		chain = append(chain, y)
		if y.IsLeaf() {
			break
		}
		l, _ := tm.Left(y)
		r, _ := tm.Right(y)
		if b.res[y] == 0 || (b.blank[y/2] && !carried) {
			side = append(side, l, r)
			break
		}
		if b.blank[y/2] {
			// A blank node passes a parent hash on to its one resolution node.
			if b.res[y] != 1 {
				return fmt.Errorf("mlsgroup: blank node %d with %d nodes in its resolution cannot carry a parent hash", y, b.res[y])
			}
			if b.res[l] == 1 {
				side, y = append(side, r), l
			} else {
				side, y = append(side, l), r
			}
			continue
		}
		v, other := b.voucher(y)
		side, y, carried = append(side, other), v, true
	}
	if err := a.sides(side); err != nil {
		return err
	}
	for _, y := range chain {
		if l, ok := y.Leaf(); ok {
			if b.res[y] == 0 {
				break
			}
			if ph == nil {
				ph = b.stale(y)
			}
			n := b.leaf(int(l), ph)
			if err := n.Sign(b.s, b.sigs[l], []byte("cgkalab-group"), l); err != nil {
				return err
			}
			a.leaves[l] = n
			break
		}
		if b.res[y] == 0 || b.blank[y/2] {
			continue
		}
		if ph == nil {
			ph = b.stale(y)
		}
		p := &rt.ParentNode{EncryptionKey: b.pubs[y/2], ParentHash: ph}
		a.parents[y/2] = p
		_, other := b.voucher(y)
		ph = rt.ParentHashOver(b.s, p, a.hash(other))
	}
	for i := len(chain) - 1; i >= 0; i-- {
		y := chain[i]
		if l, ok := y.Leaf(); ok {
			var n *rt.LeafNode
			if int(l) < len(a.leaves) {
				n = a.leaves[l]
			}
			copy(a.hash(y), rt.LeafTreeHash(b.s, l, n))
			continue
		}
		l, _ := tm.Left(y)
		r, _ := tm.Right(y)
		copy(a.hash(y), rt.ParentTreeHash(b.s, a.parents[y/2], a.hash(l), a.hash(r)))
	}
	return nil
}

// sides finishes the subtrees beside a chain, the large ones each on a
// goroutine of its own (the work under a node does not depend on the
// order in which they run: each writes only its own subtree's slots).
func (a *assembly) sides(side []tm.NodeIndex) error {
	const spawn = 1024 // leaves under a subtree worth a goroutine
	errs := make([]error, len(side))
	var wg sync.WaitGroup
	for i, y := range side {
		if lo, hi := leafRange(y); hi-lo >= spawn && lo < len(a.b.ids) {
			wg.Go(func() { errs[i] = a.final(y, nil) })
			continue
		}
		errs[i] = a.final(y, nil)
	}
	wg.Wait()
	return errors.Join(errs...)
}

// admitShaped makes every member's record, and in full mode its own state
// with the view its history gave it.
func (g *Group) admitShaped(grp *mls.Group, b *builder) error {
	t := grp.Tree()
	for i, id := range b.ids {
		m := g.newMember(id, tm.LeafIndex(i), b.keys[i], b.sigs[i])
		g.addMember(m)
		if !g.full {
			continue
		}
		v := treekem.NewPrivateView(g.suite, m.leaf, b.keys[i])
		path, _ := tm.DirectPath(m.leaf.Node(), t.LeafCount())
		for _, x := range path {
			if ps, ok := g.ground.get(x); ok && t.ParentNode(x) != nil {
				if err := v.SetPathSecret(t, x, ps); err != nil {
					return fmt.Errorf("mlsgroup: member %d's view of node %d: %w", id, x, err)
				}
			}
		}
		st, err := grp.AsMember(v, b.sigs[i])
		if err != nil {
			return err
		}
		m.state().state = st
		if i == 0 {
			g.latest = st
		}
	}
	if !g.full {
		g.canon = grp
	}
	return nil
}

package keyschedule

import (
	"cmp"
	"fmt"
	"maps"
	"slices"

	"cgkalab/models/suite"
	"cgkalab/models/treemath"
)

// RatchetKind selects one of a leaf's two hash ratchets (RFC 9420,
// Section 9): handshake for proposals and commits, application for
// application messages (Section 6.3.1).
type RatchetKind uint8

const (
	HandshakeRatchet RatchetKind = iota
	ApplicationRatchet
)

func (k RatchetKind) String() string {
	switch k {
	case HandshakeRatchet:
		return "handshake"
	case ApplicationRatchet:
		return "application"
	}
	return fmt.Sprintf("RatchetKind(%d)", uint8(k))
}

// SecretTreeConfig bounds the work and the retained state of a secret
// tree's ratchets. Section 9.2 lets members keep unconsumed keys "for
// some reasonable amount of time to handle out-of-order message
// delivery"; these two numbers are that policy.
type SecretTreeConfig struct {
	// MaxForwardDistance is the largest number of generations a ratchet
	// skips to reach a requested one: generation g is refused when
	// g - next > MaxForwardDistance, next being the ratchet's first
	// generation not yet derived.
	MaxForwardDistance uint32
	// OutOfOrderTolerance is how many generations behind the newest
	// derived generation a skipped key is kept, so at most this many keys
	// per ratchet. 0 allows in-order delivery only.
	OutOfOrderTolerance uint32
}

// DefaultSecretTreeConfig returns the limits OpenMLS uses by default: a
// forward distance of 1000 and an out-of-order tolerance of 5.
func DefaultSecretTreeConfig() SecretTreeConfig {
	return SecretTreeConfig{MaxForwardDistance: 1000, OutOfOrderTolerance: 5}
}

// RatchetKey is the key and nonce of one ratchet generation (RFC 9420,
// Section 9.1): ratchet_key_[N]_[j] and ratchet_nonce_[N]_[j].
type RatchetKey struct {
	Generation uint32
	Key        []byte
	Nonce      []byte
}

// GuardedNonce returns the nonce XORed with the reuse guard in its first
// four bytes (RFC 9420, Section 6.3.1), the nonce actually given to the
// AEAD. The sender draws the guard at random and sends it in SenderData.
func (k RatchetKey) GuardedNonce(guard [4]byte) []byte {
	n := append([]byte(nil), k.Nonce...)
	for i := 0; i < len(guard) && i < len(n); i++ {
		n[i] ^= guard[i]
	}
	return n
}

// ratchet is one hash ratchet of a leaf (RFC 9420, Section 9.1).
type ratchet struct {
	secret  []byte       // ratchet_secret_[N]_[next]; nil once exhausted
	next    uint64       // first generation not yet derived; 1<<32 once exhausted
	skipped []RatchetKey // kept keys of skipped generations, ascending
}

// exhausted is the generation count after which no secret remains: a
// uint32 names generations 0 .. 2^32-1.
const exhausted = 1 << 32

// SecretTree is the secret tree of one epoch (RFC 9420, Section 9): a tree
// of secrets with the shape of the ratchet tree, rooted at
// encryption_secret, with a handshake and an application ratchet at each
// leaf.
//
// It is lazy: creating it stores the root only, and the first use of a
// leaf's ratchets derives the secrets from the lowest retained ancestor
// down to that leaf. Memory is proportional to the leaves used times the
// tree depth, never to the group size.
//
// It follows the deletion schedule of Section 9.2: a node's secret is
// deleted as soon as both children are derived (they are derived
// together), a leaf's secret once its two ratchets are initialized, a
// ratchet secret as soon as the next one is derived, and a key once it is
// handed out. Skipped generations' keys are kept within the configured
// out-of-order tolerance. Deleted secrets are zeroed on a best-effort
// basis.
//
// A SecretTree is not safe for concurrent use.
type SecretTree struct {
	suite  *suite.Suite
	leaves treemath.LeafCount
	cfg    SecretTreeConfig

	nodes    map[treemath.NodeIndex][]byte // retained tree_node secrets: a frontier of the tree
	ratchets map[treemath.LeafIndex]*[2]ratchet
	erased   bool

	liveRatchets int // ratchets with a secret
	liveKeys     int // skipped keys kept
	stats        SecretTreeStats
}

// SecretTreeStats counts the derivations a secret tree has performed, as a
// cost measure: each is one ExpandWithLabel call.
type SecretTreeStats struct {
	NodeSecrets    int // tree_node secrets (two per parent split)
	RatchetSecrets int // ratchet roots and ratchet steps
	KeyNonces      int // key and nonce pairs
}

// NewSecretTree returns the secret tree of a group with the given number
// of leaves (a power of two, as treemath.LeafCountFor returns), rooted at
// encryption_secret (RFC 9420, Section 9). The secret is copied; Section
// 9.2 counts it consumed once the tree exists, so callers should drop
// their copy.
func NewSecretTree(s *suite.Suite, encryption EncryptionSecret, leaves treemath.LeafCount, cfg SecretTreeConfig) (*SecretTree, error) {
	if err := checkSecret(s, "encryption_secret", encryption); err != nil {
		return nil, err
	}
	root, ok := treemath.Root(leaves)
	if !ok {
		return nil, fmt.Errorf("secret tree: leaf count %d is not a power of two", leaves)
	}
	return &SecretTree{
		suite:    s,
		leaves:   leaves,
		cfg:      cfg,
		nodes:    map[treemath.NodeIndex][]byte{root: append([]byte(nil), encryption...)},
		ratchets: map[treemath.LeafIndex]*[2]ratchet{},
	}, nil
}

// LeafCount returns the number of leaves of the tree.
func (t *SecretTree) LeafCount() treemath.LeafCount { return t.leaves }

// Stats returns the derivations performed so far.
func (t *SecretTree) Stats() SecretTreeStats { return t.stats }

func (t *SecretTree) checkLeaf(leaf treemath.LeafIndex, kind RatchetKind) error {
	if uint64(leaf) >= uint64(t.leaves) {
		return fmt.Errorf("secret tree: leaf %d not in a tree of %d leaves: %w", leaf, t.leaves, ErrLeafOutOfRange)
	}
	if kind > ApplicationRatchet {
		return fmt.Errorf("secret tree: unknown %v", kind)
	}
	return nil
}

// leafRatchets returns the ratchets of leaf, first deriving the path to it
// from the lowest retained ancestor (RFC 9420, Section 9) and deleting the
// consumed node secrets (Section 9.2).
func (t *SecretTree) leafRatchets(leaf treemath.LeafIndex) (*[2]ratchet, error) {
	if r, ok := t.ratchets[leaf]; ok {
		return r, nil
	}
	if t.erased {
		return nil, fmt.Errorf("secret tree: leaf %d: %w", leaf, ErrErased)
	}
	x := leaf.Node()
	var buf [treemath.MaxPathLen + 1]treemath.NodeIndex
	path, _ := treemath.AppendDirectPath(append(buf[:0], x), x, t.leaves) // leaf first, root last
	i := 0
	for i < len(path) {
		if _, ok := t.nodes[path[i]]; ok {
			break
		}
		i++
	}
	if i == len(path) {
		// The retained nodes always cover every leaf without ratchets.
		panic(fmt.Sprintf("keyschedule: no retained secret-tree node covers leaf %d", leaf))
	}
	s, nh := t.suite, t.suite.Nh()
	for ; i > 0; i-- {
		p := path[i]
		secret := t.nodes[p]
		left, _ := treemath.Left(p)
		right, _ := treemath.Right(p)
		e := s.NewExpander(secret) // keyed once for both children
		t.nodes[left] = e.ExpandWithLabel("tree", []byte("left"), nh)
		t.nodes[right] = e.ExpandWithLabel("tree", []byte("right"), nh)
		t.stats.NodeSecrets += 2
		clear(secret)
		delete(t.nodes, p)
	}
	secret := t.nodes[x]
	e := s.NewExpander(secret)
	r := &[2]ratchet{
		HandshakeRatchet:   {secret: e.ExpandWithLabel("handshake", nil, nh)},
		ApplicationRatchet: {secret: e.ExpandWithLabel("application", nil, nh)},
	}
	t.stats.RatchetSecrets += 2
	t.liveRatchets += 2
	clear(secret)
	delete(t.nodes, x)
	t.ratchets[leaf] = r
	return r, nil
}

// key derives ratchet_key_[N]_[next] and ratchet_nonce_[N]_[next]
// (RFC 9420, Section 9.1); e is an Expander of the ratchet's secret, which
// step then uses too.
func (t *SecretTree) key(r *ratchet, e *suite.Expander) RatchetKey {
	g := uint32(r.next)
	t.stats.KeyNonces++
	return RatchetKey{
		Generation: g,
		Key:        e.DeriveTreeSecret("key", g, t.suite.AEADKeySize()),
		Nonce:      e.DeriveTreeSecret("nonce", g, t.suite.AEADNonceSize()),
	}
}

// step replaces ratchet_secret_[N]_[j] by ratchet_secret_[N]_[j+1] =
// DeriveTreeSecret(., "secret", j, KDF.Nh) (RFC 9420, Section 9.1) and
// deletes the old one (Section 9.2). After generation 2^32-1 no secret is
// derived and the ratchet is exhausted.
func (t *SecretTree) step(r *ratchet, e *suite.Expander) {
	old := r.secret
	if r.next == exhausted-1 {
		r.secret = nil
		t.liveRatchets--
	} else {
		r.secret = e.DeriveTreeSecret("secret", uint32(r.next), t.suite.Nh())
		t.stats.RatchetSecrets++
	}
	clear(old)
	r.next++
}

// Key returns the key and nonce of the given generation of a leaf's
// ratchet, as a receiver needs them (RFC 9420, Sections 6.3 and 9.1), and
// deletes them from the tree: the same generation cannot be obtained
// twice. A generation ahead of the ratchet advances it, keeping the keys
// of the skipped generations within the out-of-order tolerance; an older
// one is served from those kept keys.
//
// Errors wrap ErrLeafOutOfRange, ErrGenerationConsumed (already handed
// out), ErrGenerationTooOld (beyond the tolerance), ErrGenerationTooFar
// (beyond the maximum forward distance) or ErrErased.
func (t *SecretTree) Key(leaf treemath.LeafIndex, kind RatchetKind, generation uint32) (RatchetKey, error) {
	if err := t.checkLeaf(leaf, kind); err != nil {
		return RatchetKey{}, err
	}
	rs, err := t.leafRatchets(leaf)
	if err != nil {
		return RatchetKey{}, err
	}
	r := &rs[kind]
	g := uint64(generation)
	tol := uint64(t.cfg.OutOfOrderTolerance)
	if g < r.next {
		newest := r.next - 1
		if newest-g > tol {
			return RatchetKey{}, fmt.Errorf("secret tree: leaf %d %s generation %d is %d behind the newest generation %d, beyond the out-of-order tolerance %d: %w",
				leaf, kind, generation, newest-g, newest, tol, ErrGenerationTooOld)
		}
		i, found := slices.BinarySearchFunc(r.skipped, generation, func(k RatchetKey, g uint32) int { return cmp.Compare(k.Generation, g) })
		if !found {
			return RatchetKey{}, fmt.Errorf("secret tree: leaf %d %s generation %d: %w", leaf, kind, generation, ErrGenerationConsumed)
		}
		k := r.skipped[i]
		r.skipped = slices.Delete(r.skipped, i, i+1)
		t.liveKeys--
		return k, nil
	}
	if g-r.next > uint64(t.cfg.MaxForwardDistance) {
		return RatchetKey{}, fmt.Errorf("secret tree: leaf %d %s generation %d skips %d generations from %d, more than the maximum forward distance %d: %w",
			leaf, kind, generation, g-r.next, r.next, t.cfg.MaxForwardDistance, ErrGenerationTooFar)
	}
	// After this call the newest generation is g; keep skipped keys of
	// generations keep .. g-1.
	keep := g - min(g, tol)
	for r.next < g {
		e := t.suite.NewExpander(r.secret)
		if r.next >= keep {
			r.skipped = append(r.skipped, t.key(r, e))
			t.liveKeys++
		}
		t.step(r, e)
	}
	e := t.suite.NewExpander(r.secret)
	k := t.key(r, e)
	t.step(r, e)
	drop := 0
	for drop < len(r.skipped) && uint64(r.skipped[drop].Generation) < keep {
		clear(r.skipped[drop].Key)
		clear(r.skipped[drop].Nonce)
		drop++
	}
	if drop > 0 {
		r.skipped = slices.Delete(r.skipped, 0, drop)
		t.liveKeys -= drop
	}
	return k, nil
}

// Next returns the key and nonce of the next unused generation of a leaf's
// ratchet, as a sender needs them (RFC 9420, Section 6.3.1: "chooses an
// unused generation"), and advances the ratchet. After generation 2^32-1
// it fails with ErrRatchetExhausted.
func (t *SecretTree) Next(leaf treemath.LeafIndex, kind RatchetKind) (RatchetKey, error) {
	if err := t.checkLeaf(leaf, kind); err != nil {
		return RatchetKey{}, err
	}
	rs, err := t.leafRatchets(leaf)
	if err != nil {
		return RatchetKey{}, err
	}
	if rs[kind].next == exhausted {
		return RatchetKey{}, fmt.Errorf("secret tree: leaf %d %s ratchet used all 2^32 generations: %w", leaf, kind, ErrRatchetExhausted)
	}
	return t.Key(leaf, kind, uint32(rs[kind].next))
}

// NextGeneration returns the generation that Next would hand out for a
// leaf's ratchet, deriving nothing.
func (t *SecretTree) NextGeneration(leaf treemath.LeafIndex, kind RatchetKind) (uint32, error) {
	if err := t.checkLeaf(leaf, kind); err != nil {
		return 0, err
	}
	rs, ok := t.ratchets[leaf]
	switch {
	case ok && rs[kind].next == exhausted:
		return 0, fmt.Errorf("secret tree: leaf %d %s ratchet used all 2^32 generations: %w", leaf, kind, ErrRatchetExhausted)
	case ok:
		return uint32(rs[kind].next), nil
	case t.erased:
		return 0, fmt.Errorf("secret tree: leaf %d: %w", leaf, ErrErased)
	}
	return 0, nil
}

// Erase deletes everything the tree retains, as when the epoch's secrets
// are finally discarded. Later calls fail with ErrErased.
func (t *SecretTree) Erase() {
	for _, s := range t.nodes {
		clear(s)
	}
	for _, rs := range t.ratchets {
		for i := range rs {
			clear(rs[i].secret)
			for _, k := range rs[i].skipped {
				clear(k.Key)
				clear(k.Nonce)
			}
		}
	}
	t.nodes, t.ratchets = nil, nil
	t.liveRatchets, t.liveKeys = 0, 0
	t.erased = true
}

// RetainedKind says what a value retained by a secret tree can derive.
type RetainedKind uint8

const (
	// RetainedNode is tree_node_[N]_secret: every generation of both
	// ratchets of every leaf below node N.
	RetainedNode RetainedKind = iota + 1
	// RetainedRatchet is a ratchet secret at some generation: that
	// generation and all later ones of one ratchet of one leaf.
	RetainedRatchet
	// RetainedKeyNonce is the key and nonce of one skipped generation.
	RetainedKeyNonce
)

func (k RetainedKind) String() string {
	switch k {
	case RetainedNode:
		return "node secret"
	case RetainedRatchet:
		return "ratchet secret"
	case RetainedKeyNonce:
		return "key/nonce"
	}
	return fmt.Sprintf("RetainedKind(%d)", uint8(k))
}

// RetainedSecret describes one unconsumed value a secret tree holds: what
// an adversary who compromises its holder now obtains (RFC 9420, Section
// 9.2). Node is set for RetainedNode; Leaf, Ratchet and Generation for the
// other kinds (for RetainedRatchet, Generation is the first generation the
// secret derives).
type RetainedSecret struct {
	Kind       RetainedKind
	Node       treemath.NodeIndex
	Leaf       treemath.LeafIndex
	Ratchet    RatchetKind
	Generation uint32
}

// Retained lists the unconsumed values the tree holds: node secrets by
// node index, then per leaf in leaf order, per ratchet (handshake first),
// the ratchet secret and the kept keys by generation. The order is
// deterministic.
func (t *SecretTree) Retained() []RetainedSecret {
	out := make([]RetainedSecret, 0, len(t.nodes)+t.liveRatchets+t.liveKeys)
	for _, n := range slices.Sorted(maps.Keys(t.nodes)) {
		out = append(out, RetainedSecret{Kind: RetainedNode, Node: n})
	}
	for _, leaf := range slices.Sorted(maps.Keys(t.ratchets)) {
		rs := t.ratchets[leaf]
		for kind := HandshakeRatchet; kind <= ApplicationRatchet; kind++ {
			r := &rs[kind]
			if r.secret != nil {
				out = append(out, RetainedSecret{Kind: RetainedRatchet, Leaf: leaf, Ratchet: kind, Generation: uint32(r.next)})
			}
			for _, k := range r.skipped {
				out = append(out, RetainedSecret{Kind: RetainedKeyNonce, Leaf: leaf, Ratchet: kind, Generation: k.Generation})
			}
		}
	}
	return out
}

// RetainedCounts counts the values of each kind a secret tree retains.
type RetainedCounts struct {
	NodeSecrets    int
	RatchetSecrets int
	KeyNonces      int
}

// Total is the number of retained values.
func (c RetainedCounts) Total() int { return c.NodeSecrets + c.RatchetSecrets + c.KeyNonces }

// Counts returns how many values of each kind the tree retains, in
// constant time.
func (t *SecretTree) Counts() RetainedCounts {
	return RetainedCounts{NodeSecrets: len(t.nodes), RatchetSecrets: t.liveRatchets, KeyNonces: t.liveKeys}
}

// Derivable reports whether the key of the given generation of a leaf's
// ratchet can still be obtained from what the tree retains: from a kept
// key, from the ratchet's secret, or from the secret of a node above the
// leaf. It derives nothing and changes nothing; an exposure oracle asks
// it what a compromise of the holder would reveal.
func (t *SecretTree) Derivable(leaf treemath.LeafIndex, kind RatchetKind, generation uint32) bool {
	if t.checkLeaf(leaf, kind) != nil {
		return false
	}
	if rs, ok := t.ratchets[leaf]; ok {
		r := &rs[kind]
		if r.secret != nil && uint64(generation) >= r.next {
			return true
		}
		_, found := slices.BinarySearchFunc(r.skipped, generation, func(k RatchetKey, g uint32) int { return cmp.Compare(k.Generation, g) })
		return found
	}
	x := leaf.Node()
	var buf [treemath.MaxPathLen + 1]treemath.NodeIndex
	path, _ := treemath.AppendDirectPath(append(buf[:0], x), x, t.leaves)
	for _, n := range path {
		if _, ok := t.nodes[n]; ok {
			return true
		}
	}
	return false
}

package mlsgroup

import (
	"fmt"

	"cgkalab/models/mls"
	"cgkalab/models/protocol"
	"cgkalab/models/suite"
	tm "cgkalab/models/treemath"
)

// member is the simulation's record of one member: a few dozen bytes for
// the million members of a large group that never act, more for those
// that do (live).
type member struct {
	id   protocol.MemberID
	leaf tm.LeafIndex
	pos  int32 // position in the join order
	// priv holds the member's leaf HPKE private key (SerializePrivateKey,
	// leafPrivLen bytes) then its signature private key
	// (SignaturePrivateKey.PrivateBytes), parsed when first needed.
	priv []byte
	live *memberState
}

// memberState is what a member that has acted, been sampled or gone
// offline holds besides its serialized keys.
type memberState struct {
	leafKey *suite.HPKEPrivateKey      // parsed or replaced leaf key; authoritative when set
	sigKey  *suite.SignaturePrivateKey // parsed signature key
	pending map[string]*suite.HPKEPrivateKey
	state   *mls.Group        // full mode only
	backlog []*mls.MLSMessage // full mode: missed while offline
	stale   *staleKnowledge   // sampled modes: what it holds while offline
}

// noMember marks a leaf without a member in Group.byLeaf.
const noMember = ^protocol.MemberID(0)

// newMember makes the record of a member at leaf with the keys of a
// KeyPackage bundle (or of the group's creator).
func (g *Group) newMember(id protocol.MemberID, leaf tm.LeafIndex, leafKey *suite.HPKEPrivateKey, sigKey *suite.SignaturePrivateKey) *member {
	m := &member{id: id, leaf: leaf}
	if sig, ok := sigKey.PrivateBytes(); ok {
		lk := leafKey.Bytes()
		m.priv = append(append(make([]byte, 0, len(lk)+len(sig)), lk...), sig...)
	} else {
		m.live = &memberState{leafKey: leafKey, sigKey: sigKey}
	}
	return m
}

// state returns m's live state, making it on first use.
func (m *member) state() *memberState {
	if m.live == nil {
		m.live = &memberState{}
	}
	return m.live
}

// leafKey returns m's current leaf private key.
func (g *Group) leafKey(m *member) *suite.HPKEPrivateKey {
	st := m.state()
	if st.leafKey == nil {
		k, err := g.suite.ParseHPKEPrivateKey(m.priv[:g.leafPrivLen])
		if err != nil {
			panic(fmt.Sprintf("mlsgroup: member %d's own leaf key does not parse: %v", m.id, err))
		}
		st.leafKey = k
	}
	return st.leafKey
}

// sigKey returns m's signature private key.
func (g *Group) sigKey(m *member) *suite.SignaturePrivateKey {
	st := m.state()
	if st.sigKey == nil {
		k, err := g.suite.ParseSignaturePrivateKey(m.priv[g.leafPrivLen:])
		if err != nil {
			panic(fmt.Sprintf("mlsgroup: member %d's own signature key does not parse: %v", m.id, err))
		}
		st.sigKey = k
	}
	return st.sigKey
}

// pendingUpdates returns m's Update proposals' leaf keys, making the map
// when asked to (a proposal is about to add to it).
func (m *member) pendingUpdates(create bool) map[string]*suite.HPKEPrivateKey {
	if m.live == nil && !create {
		return nil
	}
	st := m.state()
	if st.pending == nil && create {
		st.pending = map[string]*suite.HPKEPrivateKey{}
	}
	return st.pending
}

// member returns the member id, or nil.
func (g *Group) member(id protocol.MemberID) *member {
	if int64(id) < int64(len(g.members)) {
		return g.members[id]
	}
	return nil
}

// atLeaf returns the member at leaf l.
func (g *Group) atLeaf(l tm.LeafIndex) (protocol.MemberID, bool) {
	if int(l) < len(g.byLeaf) && g.byLeaf[l] != noMember {
		return g.byLeaf[l], true
	}
	return 0, false
}

func (g *Group) addMember(m *member) {
	for int64(len(g.members)) <= int64(m.id) {
		g.members = append(g.members, nil)
	}
	g.members[m.id] = m
	g.count++
	m.pos = g.order.add(m.id)
	for len(g.byLeaf) <= int(m.leaf) {
		g.byLeaf = append(g.byLeaf, noMember)
	}
	g.byLeaf[m.leaf] = m.id
}

func (g *Group) dropMember(id protocol.MemberID) {
	m := g.member(id)
	if m == nil {
		return
	}
	g.members[id] = nil
	g.count--
	if g.byLeaf[m.leaf] == id {
		g.byLeaf[m.leaf] = noMember
	}
	g.order.remove(m.pos)
}

// joinOrder lists members in the order they joined, with departures
// removed, and finds the k-th in O(log n) (a Fenwick tree over join
// positions), so sampling a receiver does not cost O(n) at every
// departure.
type joinOrder struct {
	ids   []protocol.MemberID // by position
	alive []bool
	tree  []int32 // Fenwick tree of alive counts, 1-based
	n     int     // alive
}

// add appends id and returns its position.
func (o *joinOrder) add(id protocol.MemberID) int32 {
	pos := len(o.ids)
	o.ids = append(o.ids, id)
	o.alive = append(o.alive, true)
	// tree[i] covers (i - lowbit(i), i]: this position plus the entries
	// whose ranges it encloses.
	i := pos + 1
	sum := int32(1)
	for j := i - 1; j > i-(i&-i); j -= j & -j {
		sum += o.tree[j-1]
	}
	o.tree = append(o.tree, sum)
	o.n++
	return int32(pos)
}

// remove takes the member at pos out.
func (o *joinOrder) remove(pos int32) {
	if !o.alive[pos] {
		return
	}
	o.alive[pos] = false
	for i := int(pos) + 1; i <= len(o.tree); i += i & -i {
		o.tree[i-1]--
	}
	o.n--
}

// len returns the number of members.
func (o *joinOrder) len() int { return o.n }

// at returns the k-th member (from 0) in join order.
func (o *joinOrder) at(k int) protocol.MemberID {
	pos, rest := 0, int32(k)+1
	step := 1
	for step*2 <= len(o.tree) {
		step *= 2
	}
	for ; step > 0; step /= 2 {
		if next := pos + step; next <= len(o.tree) && o.tree[next-1] < rest {
			pos = next
			rest -= o.tree[next-1]
		}
	}
	return o.ids[pos]
}

// each calls f for every member in join order.
func (o *joinOrder) each(f func(protocol.MemberID)) {
	for i, id := range o.ids {
		if o.alive[i] {
			f(id)
		}
	}
}

// groundTruth holds the path secret behind each parent node's key, the
// committers' own (sampled modes): Nh bytes a parent node in one slab.
type groundTruth struct {
	nh      int
	secrets []byte
	known   []bool
}

func (g *groundTruth) get(x tm.NodeIndex) ([]byte, bool) {
	i := int(x / 2)
	if i >= len(g.known) || !g.known[i] {
		return nil, false
	}
	return g.secrets[i*g.nh : (i+1)*g.nh : (i+1)*g.nh], true
}

func (g *groundTruth) set(x tm.NodeIndex, secret []byte) {
	i := int(x / 2)
	if i >= len(g.known) {
		g.grow(max(i+1, 2*len(g.known)))
	}
	copy(g.secrets[i*g.nh:], secret)
	g.known[i] = true
}

// reserve makes room for the nodes below width, so that nodes may then be
// set from several goroutines, each its own.
func (g *groundTruth) reserve(width tm.NodeIndex) {
	if n := int(width/2) + 1; n > len(g.known) {
		g.grow(n)
	}
}

func (g *groundTruth) grow(n int) {
	g.known = append(g.known, make([]bool, n-len(g.known))...)
	g.secrets = append(g.secrets, make([]byte, n*g.nh-len(g.secrets))...)
}

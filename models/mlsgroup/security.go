package mlsgroup

import (
	"bytes"
	"fmt"
	"slices"

	"cgkalab/models/mls"
	"cgkalab/models/protocol"
	tm "cgkalab/models/treemath"
)

// Message kinds of MLS, for the byte columns of the results.
const (
	MsgCommit      = "commit"
	MsgProposal    = "proposal"
	MsgWelcome     = "welcome"
	MsgApplication = "application"
	MsgKeyPackage  = "key_package"
	MsgRatchetTree = "ratchet_tree" // the tree a joiner fetches from the delivery service
)

// MessageKinds lists the kinds of message an MLS group sends.
var MessageKinds = []string{MsgCommit, MsgProposal, MsgWelcome, MsgApplication, MsgKeyPackage, MsgRatchetTree,
	MsgExternalProposal, MsgGroupInfo, MsgExternalCommit, MsgKeyPackageUpload}

// The secrets of RFC 9420 the security oracle tracks (protocol.Secret
// kinds; A is the epoch, B the position on a commit's path).
const (
	// kindPath: path secret B of the commit that started epoch A (§7.4).
	kindPath = protocol.KindBase + iota
	// kindCommit: the commit secret of the commit that started epoch A.
	kindCommit
	// kindJoiner: the joiner secret of epoch A, as a Welcome carries it (§8).
	kindJoiner
	// kindEpoch stands for all of epoch A's secrets: its epoch secret and
	// everything derived from it.
	kindEpoch
	// kindInit: epoch A's init_secret, what the next epoch needs besides
	// the commit secret. A device holds its current epoch's init secret,
	// not its epoch secret, which §9.2 deletes.
	kindInit
	// kindExternal: epoch A's external_secret (the private key of its
	// external_pub), from which an external commit's init secret follows
	// (§8.3). Named only when members publish GroupInfo for external
	// commits, and so hold it.
	kindExternal
)

func pathSecret(e uint64, i int) protocol.Secret {
	return protocol.Secret{Kind: kindPath, A: e, B: uint64(i)}
}
func commitSecret(e uint64) protocol.Secret { return protocol.Secret{Kind: kindCommit, A: e} }
func joinerSecret(e uint64) protocol.Secret { return protocol.Secret{Kind: kindJoiner, A: e} }
func epochSecret(e uint64) protocol.Secret  { return protocol.Secret{Kind: kindEpoch, A: e} }
func initSecret(e uint64) protocol.Secret   { return protocol.Secret{Kind: kindInit, A: e} }
func externalSecret(e uint64) protocol.Secret {
	return protocol.Secret{Kind: kindExternal, A: e}
}

// security describes an applied commit for the security oracle (RFC 9420,
// Sections 7.4, 8 and 12.4.3.1): each path secret giving the next one and
// its node's key, the last one giving the commit secret; the epoch from
// the previous init secret and the commit secret (the previous init
// secret alone without a path); a Welcome's joiner secret giving the
// epoch; and the epoch giving its init secret. What was encrypted to
// recipient keys (each path secret to its copath resolution, each
// joiner's GroupSecrets to its init key) is answered on demand by
// RevealedBy from the group's history (edges.go), unless eager edges were
// asked for.
func (g *Group) security(committer *member, res *mls.Outcome) *protocol.Security {
	e := g.Epoch() // the epoch this commit started
	t := g.tree()
	sec := &protocol.Security{Epoch: &protocol.EpochMark{Epoch: e, Secret: epochSecret(e)}}
	var out []protocol.Reveal
	from := []protocol.Secret{initSecret(e - 1)}
	if res.External {
		// An external commit's init secret is encrypted to the previous
		// epoch's external_pub (§8.3), not derived from its init secret.
		from = []protocol.Secret{externalSecret(e - 1)}
	}
	if len(res.Path) > 0 || res.PathSecrets != nil {
		index := make(map[tm.NodeIndex]int, len(res.Path))
		for i, x := range res.Path {
			index[x] = i
			ps := pathSecret(e, i)
			key := t.EncryptionKey(x)
			g.edges.register(key, keyRef{kind: keyNode, node: x, from: uint32(e)})
			out = append(out, protocol.Reveal{From: ps, To: protocol.KeySecret(key)})
			next := commitSecret(e)
			if i+1 < len(res.Path) {
				next = pathSecret(e, i+1)
			}
			out = append(out, protocol.Reveal{From: ps, To: next})
		}
		if g.edges.eager {
			for _, edge := range res.Edges {
				out = append(out, protocol.Reveal{From: protocol.KeySecret(edge.RecipientKey), To: pathSecret(e, index[edge.PathNode])})
			}
		}
		// A committer alone in its tree has an empty path: its commit
		// secret is still secret, derived from its fresh leaf secret.
		from = append(from, commitSecret(e))
	}
	for _, j := range res.Joiners {
		lca := tm.CommonAncestor(committer.leaf.Node(), j.Leaf.Node())
		item := slices.Index(res.Path, lca)
		if jn, ok := g.joiners[string(j.InitKey)]; ok && jn.kp != nil {
			jn.kp.uses = append(jn.kp.uses, kpUse{epoch: uint32(e), item: int32(item), leaf: j.Leaf.Node()})
		}
		g.edges.welcomed(j.InitKey, e, item)
		g.edges.installed(t.EncryptionKey(j.Leaf.Node()), j.Leaf.Node(), e)
		if g.edges.eager {
			init := protocol.KeySecret(j.InitKey)
			out = append(out, protocol.Reveal{From: init, To: joinerSecret(e)})
			if item >= 0 {
				out = append(out, protocol.Reveal{From: init, To: pathSecret(e, item)})
			}
		}
	}
	for _, l := range res.Updated {
		g.edges.installed(t.EncryptionKey(l.Node()), l.Node(), e)
	}
	if len(res.Joiners) > 0 {
		out = append(out, protocol.Reveal{From: joinerSecret(e), To: epochSecret(e)})
	}
	out = append(out, protocol.Reveal{From: epochSecret(e), To: initSecret(e)})
	if g.opts.externalRejoin() {
		out = append(out, protocol.Reveal{From: epochSecret(e), To: externalSecret(e)})
	}
	sec.Reveals = out
	sec.Derives = []protocol.Derive{{To: epochSecret(e), From: from}}
	return sec
}

// EagerEdgesForTesting makes the group list every encryption edge in its
// Outcomes, as it did before RevealedBy, so tests can check that both ways
// give the oracle the same answers.
func (g *Group) EagerEdgesForTesting() { g.edges.eager = true }

// offline notes what a member that goes offline keeps: in full mode its
// own state simply stops advancing; in sampled mode its knowledge is
// recorded now, since the shared state moves on.
func (g *Group) offline(actor protocol.MemberID) (*protocol.Outcome, error) {
	m := g.member(actor)
	if !g.full {
		k, keys := g.knowledge(m)
		m.state().stale = &staleKnowledge{k, keys}
	}
	return &protocol.Outcome{Label: "offline", Actor: actor}, nil
}

// staleKnowledge is what an offline member holds (sampled modes), with
// the node keys to register with the edge history if it is compromised.
type staleKnowledge struct {
	k    protocol.Knowledge
	keys []heldKey
}

// heldKey is the key of node x that a member holding the state of epoch
// epoch knows.
type heldKey struct {
	x     tm.NodeIndex
	epoch uint64
	pub   []byte
}

// knowledge is what member m holds now: its leaf and path keys, pending
// Update keys, the init secret of its current epoch, and the message keys
// of its current and retained epochs that it has not used yet; and the
// node keys among them, for RevealedBy should the oracle be given them.
func (g *Group) knowledge(m *member) (protocol.Knowledge, []heldKey) {
	var k protocol.Knowledge
	var keys []heldKey
	add := func(pub []byte) { k.Secrets = append(k.Secrets, protocol.KeySecret(pub)) }
	if g.full {
		st := m.state().state
		st.View().KnownKeys(func(x tm.NodeIndex, pub []byte) {
			keys = append(keys, heldKey{x, st.Epoch(), pub})
			add(pub)
		})
		for _, pub := range st.PendingUpdateKeys() {
			add(pub)
		}
		k.Current = st.Epoch()
		k.Epochs = append(st.RetainedEpochs(), st.Epoch())
	} else {
		g.knownKeys(m, func(x tm.NodeIndex, pub []byte) {
			keys = append(keys, heldKey{x, g.Epoch(), pub})
			add(pub)
		})
		for pub := range m.pendingUpdates(false) {
			add([]byte(pub))
		}
		k.Current = g.Epoch()
		for e := g.Epoch() - min(g.Epoch(), uint64(g.env.RetainEpochs)); e <= g.Epoch(); e++ {
			k.Epochs = append(k.Epochs, e)
		}
	}
	k.Secrets = append(k.Secrets, initSecret(k.Current))
	if g.opts.externalRejoin() {
		k.Secrets = append(k.Secrets, externalSecret(k.Current))
	}
	for _, e := range k.Epochs {
		k.Held = append(k.Held, epochSecret(e))
	}
	return k, keys
}

// registerHeld hands the node keys a compromise reveals to the edge
// history, each with the epoch whose state revealed it.
func (g *Group) registerHeld(keys []heldKey) {
	for _, h := range keys {
		g.edges.registerNode(h.pub, h.x, h.epoch)
	}
}

// registerPending registers the leaf keys of member m's Update proposals
// as they are made: the oracle may learn one from a compromise before or
// after the commit that installs it.
func (g *Group) registerPending(m *member) {
	if g.full {
		for _, pub := range m.state().state.PendingUpdateKeys() {
			g.edges.register(pub, keyRef{kind: keyPending})
		}
		return
	}
	for pub := range m.pendingUpdates(false) {
		g.edges.register([]byte(pub), keyRef{kind: keyPending})
	}
}

// knownKeys calls f with each key member m holds (sampled modes): its
// leaf's, and each ancestor's it knows (view). Only public keys are named,
// so nothing is derived; a group checking its edges for tests derives each
// key and checks it against the tree.
func (g *Group) knownKeys(m *member, f func(x tm.NodeIndex, pub []byte)) {
	t := g.tree()
	f(m.leaf.Node(), t.EncryptionKey(m.leaf.Node()))
	path, _ := tm.DirectPath(m.leaf.Node(), t.LeafCount())
	for _, x := range path {
		ps, ok := g.known(m.leaf, x)
		if !ok {
			continue
		}
		if g.edges.check {
			k, err := g.suite.DeriveKeyPair(g.suite.DeriveSecret(ps, "node"))
			if err != nil || !bytes.Equal(k.PublicKey(), t.EncryptionKey(x)) {
				panic(fmt.Sprintf("mlsgroup: ground truth for node %d is not its key (%v)", x, err))
			}
		}
		f(x, t.EncryptionKey(x))
	}
}

// Compromise implements protocol.Compromiser: a member reveals its whole
// state (its stale state while offline); a client whose KeyPackage awaits
// a Welcome reveals its init and leaf keys.
func (g *Group) Compromise(id protocol.MemberID) (protocol.Knowledge, error) {
	// The private keys of its published KeyPackages first, so that the
	// edge history answers for every Welcome to them (keypool.go).
	var pool protocol.Knowledge
	g.poolKnowledge(id, &pool)
	withPool := func(k protocol.Knowledge) protocol.Knowledge {
		if len(pool.Secrets) > 0 {
			k.Secrets = append(pool.Secrets, k.Secrets...)
		}
		return k
	}
	if m := g.member(id); m != nil {
		if m.live != nil && m.live.stale != nil {
			g.registerHeld(m.live.stale.keys)
			return withPool(m.live.stale.k), nil
		}
		k, keys := g.knowledge(m)
		g.registerHeld(keys)
		return withPool(k), nil
	}
	for _, j := range g.joiners {
		if j.id == id {
			g.edges.register(j.bundle.KeyPackage.InitKey, keyRef{kind: keyInit, pathItem: -1})
			g.edges.register(j.bundle.KeyPackage.LeafNode.EncryptionKey, keyRef{kind: keyPending})
			return withPool(protocol.Knowledge{Secrets: []protocol.Secret{
				protocol.KeySecret(j.bundle.KeyPackage.InitKey),
				protocol.KeySecret(j.bundle.KeyPackage.LeafNode.EncryptionKey),
			}}), nil
		}
	}
	return protocol.Knowledge{}, fmt.Errorf("mlsgroup: %d is neither a member nor awaiting a Welcome", id)
}

package mlsgroup

import (
	"fmt"
	"slices"

	"cgkalab/models/mls"
	"cgkalab/models/protocol"
	tm "cgkalab/models/treemath"
)

// reveals describes an applied commit for the security oracle (RFC 9420,
// Sections 7.4, 8 and 12.4.3.1): each path secret encrypted to a recipient
// key, each path secret giving the next one and its node's key, the last
// one giving the commit secret, and each Welcome's init key giving the
// joiner secret (hence the epoch) and the path secret it carries.
func (g *Group) reveals(committer *member, res *mls.Outcome) ([]protocol.Reveal, *protocol.EpochStep) {
	e := g.Epoch() // the epoch this commit started
	t := g.tree()
	step := &protocol.EpochStep{Epoch: e, Prev: e - 1}
	var out []protocol.Reveal
	if len(res.Path) > 0 || res.PathSecrets != nil {
		index := make(map[tm.NodeIndex]int, len(res.Path))
		for i, x := range res.Path {
			index[x] = i
			ps := protocol.Secret{Kind: protocol.SecretPath, Epoch: e, Index: i}
			out = append(out, protocol.Reveal{From: ps, To: protocol.KeySecret(t.EncryptionKey(x))})
			next := protocol.Secret{Kind: protocol.SecretCommit, Epoch: e}
			if i+1 < len(res.Path) {
				next = protocol.Secret{Kind: protocol.SecretPath, Epoch: e, Index: i + 1}
			}
			out = append(out, protocol.Reveal{From: ps, To: next})
		}
		for _, edge := range res.Edges {
			out = append(out, protocol.Reveal{From: protocol.KeySecret(edge.RecipientKey),
				To: protocol.Secret{Kind: protocol.SecretPath, Epoch: e, Index: index[edge.PathNode]}})
		}
		step.Needs = []protocol.Secret{{Kind: protocol.SecretCommit, Epoch: e}}
		// A committer alone in its tree has an empty path: its commit
		// secret is still secret, derived from its fresh leaf secret.
	}
	joiner := protocol.Secret{Kind: protocol.SecretJoiner, Epoch: e}
	for _, j := range res.Joiners {
		init := protocol.KeySecret(j.InitKey)
		out = append(out, protocol.Reveal{From: init, To: joiner})
		lca := tm.CommonAncestor(committer.leaf.Node(), j.Leaf.Node())
		if i := slices.Index(res.Path, lca); i >= 0 {
			out = append(out, protocol.Reveal{From: init, To: protocol.Secret{Kind: protocol.SecretPath, Epoch: e, Index: i}})
		}
	}
	if len(res.Joiners) > 0 {
		out = append(out, protocol.Reveal{From: joiner, To: protocol.Secret{Kind: protocol.SecretEpoch, Epoch: e}})
	}
	return out, step
}

// offline notes what a member that goes offline keeps: in full mode its
// own state simply stops advancing; in sampled mode its knowledge is
// recorded now, since the shared state moves on.
func (g *Group) offline(op protocol.Op) (*protocol.Outcome, error) {
	m := g.members[op.Actor]
	if !g.full {
		k := g.knowledge(m)
		m.stale = &k
	}
	return &protocol.Outcome{Epoch: g.Epoch()}, nil
}

// knowledge is what member m holds now.
func (g *Group) knowledge(m *member) protocol.Knowledge {
	var k protocol.Knowledge
	add := func(pub []byte) { k.Secrets = append(k.Secrets, protocol.KeySecret(pub)) }
	if g.full {
		st := m.state
		st.View().KnownKeys(func(_ tm.NodeIndex, pub []byte) { add(pub) })
		for _, pub := range st.PendingUpdateKeys() {
			add(pub)
		}
		k.Current = st.Epoch()
		k.Epochs = append(st.RetainedEpochs(), st.Epoch())
		return k
	}
	g.view(m).KnownKeys(func(_ tm.NodeIndex, pub []byte) { add(pub) })
	for pub := range m.pending {
		add([]byte(pub))
	}
	k.Current = g.Epoch()
	for e := g.Epoch() - min(g.Epoch(), uint64(g.env.RetainEpochs)); e <= g.Epoch(); e++ {
		k.Epochs = append(k.Epochs, e)
	}
	return k
}

// Compromise implements protocol.Compromiser: a member reveals its whole
// state (its stale state while offline); a client whose KeyPackage awaits
// a Welcome reveals its init and leaf keys.
func (g *Group) Compromise(id protocol.MemberID) (protocol.Knowledge, error) {
	if m, ok := g.members[id]; ok {
		if m.stale != nil {
			return *m.stale, nil
		}
		return g.knowledge(m), nil
	}
	for _, j := range g.joiners {
		if j.id == id {
			return protocol.Knowledge{Secrets: []protocol.Secret{
				protocol.KeySecret(j.bundle.KeyPackage.InitKey),
				protocol.KeySecret(j.bundle.KeyPackage.LeafNode.EncryptionKey),
			}}, nil
		}
	}
	return protocol.Knowledge{}, fmt.Errorf("mlsgroup: %d is neither a member nor awaiting a Welcome", id)
}

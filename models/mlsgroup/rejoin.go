package mlsgroup

import (
	"bytes"
	"errors"
	"fmt"
	"slices"

	"cgkalab/models/mls"
	"cgkalab/models/protocol"
	tm "cgkalab/models/treemath"
)

// Rejoin by external commit (Options.Rejoin = RejoinExternalCommit): a
// member back from so long away that it will not process what it missed
// fetches the group's GroupInfo (with external_pub) and ratchet tree from
// the delivery service and joins by an external commit that removes its
// own old leaf (a resync, RFC 9420, Section 12.4.3.2). It keeps its
// MemberID: the same client, whose stale state the commit's fresh path
// replaces. For the GroupInfo to be there, every committer publishes one
// after its commit (Section 12.4.3: signed, with external_pub).

// Message kinds of the external-commit rejoin.
const (
	MsgGroupInfo      = "group_info"      // uploaded by each committer, downloaded by the rejoiner
	MsgExternalCommit = "external_commit" // the rejoiner's commit
)

// RejoinsItself implements protocol.Rejoiner: by external commit, or by
// Welcome as the same client when clients pre-publish KeyPackages.
func (g *Group) RejoinsItself() bool { return g.opts.externalRejoin() || g.pooled() }

// publishGroupInfo has member id, which has just taken the group to a new
// epoch, sign the epoch's GroupInfo and upload it to the delivery service.
func (g *Group) publishGroupInfo(id protocol.MemberID, out *protocol.Outcome) error {
	if !g.opts.externalRejoin() {
		return nil
	}
	grp := g.actAsLight(g.member(id))
	t0 := g.now()
	gi, err := grp.GroupInfo(false)
	out.SenderNanos += g.now() - t0
	if err != nil {
		return fmt.Errorf("mlsgroup: member %d publishing the GroupInfo: %w", id, err)
	}
	g.groupInfo = (&mls.MLSMessage{WireFormat: mls.WireGroupInfo, GroupInfo: gi}).Bytes()
	out.Sender.DeriveKeyPair++ // external_pub from external_secret (Section 8)
	out.Sender.Sign++
	out.Messages = append(out.Messages, protocol.Message{Kind: MsgGroupInfo, Bytes: len(g.groupInfo), To: []protocol.MemberID{}})
	return nil
}

// rejoin has member id rejoin by external commit. Proposals pending in
// the epoch are committed first, since an external commit covers none
// (Section 12.4.3.2) and ends the epoch they belong to; the simulator
// sends the Rejoin again once that commit is sequenced.
func (g *Group) rejoin(in protocol.Intent) error {
	if !g.opts.externalRejoin() {
		return g.rejoinByWelcome(in)
	}
	if g.pending > 0 {
		return g.commitWith(g.pendingBy)
	}
	if g.groupInfo == nil {
		return errors.New("mlsgroup: no GroupInfo published to rejoin from")
	}
	m := g.member(in.Actor)
	out := &protocol.Outcome{Label: label(in, "rejoin"), Actor: m.id}
	treeBytes := g.edges.treeSize(g.tree())
	to := []protocol.MemberID{m.id}
	out.Messages = append(out.Messages, protocol.Message{Kind: MsgGroupInfo, Bytes: len(g.groupInfo), FromDS: true, To: to},
		protocol.Message{Kind: MsgRatchetTree, Bytes: treeBytes, FromDS: true, To: to})
	won := g.env.Claim()
	grp, encoded, res, kp, err := g.externalCommit(m, out)
	if err != nil {
		return err
	}
	if !won {
		out.Label = "lost-rejoin"
		out.Messages = append(out.Messages, protocol.Message{Kind: MsgExternalCommit, Bytes: len(encoded), Refused: true})
		g.emit(out)
		return nil
	}
	out.Messages = append(out.Messages, protocol.Message{Kind: MsgExternalCommit, Bytes: len(encoded)})
	if err := g.receiveExternal(m, grp, encoded, out); err != nil {
		return err
	}
	old := m.leaf
	g.byLeaf[old] = noMember
	m.leaf = res.Committer
	for len(g.byLeaf) <= int(m.leaf) {
		g.byLeaf = append(g.byLeaf, noMember)
	}
	g.byLeaf[m.leaf] = m.id
	st := m.state()
	st.leafKey, st.sigKey, st.stale, st.backlog = grp.View().Key(grp.Tree(), m.leaf.Node()), kp.SigKey, nil, nil
	clear(st.pending)
	if g.full {
		st.state, g.latest = grp, grp
	} else {
		for i, x := range res.Path {
			g.ground.set(x, res.PathSecrets[i])
		}
	}
	g.edges.record(g.tree(), g.Epoch(), m.leaf, res)
	if g.edges.check {
		if err := g.edges.verify(g.tree(), g.Epoch(), res); err != nil {
			return err
		}
	}
	out.Security = g.security(m, res)
	out.Sequenced, out.Path, out.Refreshed = true, true, []protocol.MemberID{m.id}
	if err := g.publishGroupInfo(m.id, out); err != nil {
		return err
	}
	g.emit(out)
	return nil
}

// externalCommit makes member m's external commit from the published
// GroupInfo and the tree, removing its old leaf, with a fresh KeyPackage
// (its stale keys are what the rejoin replaces).
func (g *Group) externalCommit(m *member, out *protocol.Outcome) (*mls.Group, []byte, *mls.Outcome, *mls.KeyPackageBundle, error) {
	kp, err := g.keyPackage(m.id)
	if err != nil {
		return nil, nil, nil, nil, err
	}
	msg, err := mls.ParseMLSMessage(g.groupInfo)
	if err != nil {
		return nil, nil, nil, nil, err
	}
	old := m.leaf
	t0 := g.now()
	grp, commit, res, err := mls.ExternalJoin(g.suite, msg.GroupInfo, g.tree().Clone(), kp, &old, g.cfg, g.env.Rand)
	out.SenderNanos += g.now() - t0
	if err != nil {
		return nil, nil, nil, nil, fmt.Errorf("mlsgroup: member %d joining by external commit: %w", m.id, err)
	}
	out.Sender.Add(res.Ops)
	out.Sender.Verify++ // the GroupInfo's signature
	return grp, commit.Bytes(), res, kp, nil
}

// receiveExternal has the members process an external commit by m, whose
// own new state is grp: every other member in full mode (offline ones
// queue it), sampled receivers in the sampled modes, the last of which
// moves the shared state on; each must reach grp's epoch authenticator.
func (g *Group) receiveExternal(m *member, grp *mls.Group, encoded []byte, out *protocol.Outcome) error {
	auth := grp.EpochAuthenticator()
	if g.full {
		if err := g.broadcast(m.id, encoded, out); err != nil {
			return err
		}
		var err error
		g.order.each(func(id protocol.MemberID) {
			o := g.member(id).live
			if err != nil || id == m.id || o == nil || o.state == nil || !g.env.Online(id) || len(o.backlog) > 0 {
				return
			}
			if !bytes.Equal(o.state.EpochAuthenticator(), auth) {
				err = fmt.Errorf("epoch %d: member %d reached a different epoch authenticator than %d's external commit", grp.Epoch(), id, m.id)
			}
			out.Verified++
		})
		return err
	}
	receivers := g.sample(g.commitExcludes(m.id, []tm.LeafIndex{m.leaf}))
	if len(receivers) == 0 {
		// Nobody to process it for real: the shared state is the
		// rejoiner's, which acts for every member from now on.
		g.canon = grp
		return nil
	}
	var nanos int64
	for i, id := range receivers {
		msg, err := mls.ParseMLSMessage(encoded)
		if err != nil {
			return err
		}
		stage := g.canon.Stage()
		g.assume(g.member(id))
		t0 := g.now()
		rec, err := g.canon.Process(msg)
		nanos += g.now() - t0
		if err != nil {
			g.canon.Unstage(stage, false)
			return fmt.Errorf("epoch %d: sampled member %d processing %d's external commit: %w", g.canon.Epoch(), id, m.id, err)
		}
		if !bytes.Equal(g.canon.EpochAuthenticator(), auth) {
			return fmt.Errorf("epoch %d: sampled member %d reached a different epoch authenticator than %d's external commit", g.canon.Epoch(), id, m.id)
		}
		out.Receiver.Add(rec.Outcome.Ops)
		out.Processed++
		out.Verified++
		g.canon.Unstage(stage, i == len(receivers)-1)
	}
	averageReceiver(out, nanos)
	return nil
}

// rejoinState follows rejoins by Welcome of the same client (with
// pre-published KeyPackages and Options.Rejoin welcome): its Remove and
// Add wait in pending until a commit covers them; a commit outside the
// Rejoin intent (the policy's, after a lost race) marks it done, for the
// next Rejoin intent to confirm.
type rejoinState struct {
	pending, done map[protocol.MemberID]bool
	current       protocol.MemberID // the Rejoin intent's actor while it is applied
}

// rejoinByWelcome has member id, back too far behind, removed and added
// again as the same client, from the KeyPackages it published (RFC 9420,
// Sections 12.1.1 and 12.1.3), committed at once by the policy's
// committer, as an eviction is. The client keeps its MemberID: its
// stale state is replaced, by a KeyPackage that may be as old as its
// batch (keypool.go).
func (g *Group) rejoinByWelcome(in protocol.Intent) error {
	id := in.Actor
	r := &g.rejoins
	if r.pending == nil {
		r.pending, r.done = map[protocol.MemberID]bool{}, map[protocol.MemberID]bool{}
	}
	if r.done[id] {
		delete(r.done, id)
		out, err := g.sync(id)
		if err != nil {
			return err
		}
		out.Label, out.Refreshed = label(in, "rejoin"), []protocol.MemberID{id}
		g.emit(out)
		return nil
	}
	if !r.pending[id] {
		actor, ok := g.committer(noProposer)
		if !ok || actor == id {
			return nil // nobody online to add it back: it tries again
		}
		for _, step := range []struct{ kind, label string }{{"remove", "rejoin-remove"}, {"add", "rejoin-add"}} {
			out, err := g.propose(step.kind, actor, []protocol.MemberID{id})
			if err != nil {
				return err
			}
			out.Label = step.label
			g.emit(out)
			if out.Rejected != "" {
				return nil
			}
			g.pending++
		}
		g.pendingBy = actor
		r.pending[id] = true
	}
	r.current = id
	defer func() { r.current = noMember }()
	return g.commitWith(g.pendingBy)
}

// sameClient turns a client both removed and added by one commit (a
// rejoin by Welcome) into a refresh of that member.
func (g *Group) sameClient(out *protocol.Outcome) {
	r := &g.rejoins
	for _, id := range out.Added {
		i := slices.Index(out.Removed, id)
		if i < 0 {
			continue
		}
		out.Removed = slices.Delete(out.Removed, i, i+1)
		out.Added = slices.DeleteFunc(out.Added, func(x protocol.MemberID) bool { return x == id })
		out.Refreshed = append(out.Refreshed, id)
		delete(r.pending, id)
		if r.current != id && r.done != nil {
			r.done[id] = true
		}
		g.sameClient(out) // the lists changed under the loop
		return
	}
}

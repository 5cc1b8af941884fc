package mlsgroup

import (
	"bytes"
	"encoding/json"
	"errors"
	"math/rand/v2"
	"slices"
	"testing"

	"cgkalab/models/mls"
	"cgkalab/models/protocol"
)

// testGroup creates a group of n members (0..n-1) in mode with options
// edited by edit; offline lists members that are offline.
func testGroup(t *testing.T, mode string, n int, offline map[protocol.MemberID]bool, edit func(*Options)) *Group {
	return testGroupShaped(t, mode, "", n, offline, edit)
}

// testGroupShaped is testGroup for a group starting in shape.
func testGroupShaped(t *testing.T, mode, shape string, n int, offline map[protocol.MemberID]bool, edit func(*Options)) *Group {
	t.Helper()
	o := DefaultOptions()
	edit(&o)
	raw, err := json.Marshal(o)
	if err != nil {
		t.Fatal(err)
	}
	var ids []protocol.MemberID
	for i := range n {
		ids = append(ids, protocol.MemberID(i))
	}
	var grp *Group
	g, err := New(protocol.Env{Suite: 1, Mode: mode, Sample: 3, Options: raw,
		Online: func(m protocol.MemberID) bool { return !offline[m] },
		Members: func() []protocol.MemberID {
			var now []protocol.MemberID
			grp.order.each(func(id protocol.MemberID) { now = append(now, id) })
			return now
		},
		Rand: rand.NewChaCha8([32]byte{7}), Pick: rand.New(rand.NewPCG(7, 8)), Shape: protocol.Shape{Kind: shape}})
	if err != nil {
		t.Fatal(err)
	}
	grp = g.(*Group)
	if _, err := g.Apply(protocol.Intent{Kind: protocol.Create, Actor: 0, Targets: ids[1:]}); err != nil {
		t.Fatal(err)
	}
	return grp
}

// TestExternalRemoveRefused: a member refuses a Remove from SenderType
// external whose signature does not verify, or whose sender_index is not
// in the group's external_senders (RFC 9420, Sections 6.1 and 12.1.8), and
// its state is unchanged; the intact proposal is accepted.
func TestExternalRemoveRefused(t *testing.T) {
	g := testGroup(t, protocol.Full, 6, nil, func(o *Options) { o.EvictBy = EvictByService })
	victim := g.member(2).state().state
	gc := victim.GroupContext()
	remove := &mls.Proposal{Type: mls.ProposalRemove, Remove: uint32(g.member(4).leaf)}
	good, err := g.service.proposer.Propose(gc, remove)
	if err != nil {
		t.Fatal(err)
	}
	badSig, err := mls.ParseMLSMessage(good.Bytes())
	if err != nil {
		t.Fatal(err)
	}
	badSig.Public.Auth.Signature[7] ^= 1
	// Signed by the service's own key, but naming sender_index 1 of a
	// list of one.
	c := &mls.FramedContent{GroupID: gc.GroupID, Epoch: gc.Epoch, Sender: mls.Sender{Type: mls.SenderExternal, Index: 1},
		ContentType: mls.ContentProposal, Proposal: remove}
	sig, err := mls.SignContent(g.suite, g.service.key, mls.WirePublicMessage, c, nil)
	if err != nil {
		t.Fatal(err)
	}
	pm, err := mls.NewPublicMessage(g.suite, c, mls.FramedContentAuthData{Signature: sig}, nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	outOfRange := &mls.MLSMessage{WireFormat: mls.WirePublicMessage, Public: pm}

	auth := bytes.Clone(victim.EpochAuthenticator())
	for name, msg := range map[string]*mls.MLSMessage{"bad signature": badSig, "sender_index out of range": outOfRange} {
		parsed, err := mls.ParseMLSMessage(msg.Bytes())
		if err != nil {
			t.Fatal(err)
		}
		if _, err := victim.Process(parsed); !errors.Is(err, mls.ErrRejected) {
			t.Errorf("%s: %v, want ErrRejected", name, err)
		}
	}
	// Nothing was cached: a commit now covers no proposal.
	st, err := victim.Commit(mls.CommitOptions{ByReference: true}, rand.NewChaCha8([32]byte{9}))
	if err != nil {
		t.Fatal(err)
	}
	if st.Outcome.Proposals != 0 {
		t.Errorf("a commit after the refusals covers %d proposals, want 0", st.Outcome.Proposals)
	}
	if err := victim.Discard(st); err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(victim.EpochAuthenticator(), auth) {
		t.Error("the refused proposals changed the member's state")
	}
	r, err := victim.Process(good)
	if err != nil {
		t.Fatalf("the intact external Remove: %v", err)
	}
	if r.Sender != (mls.Sender{Type: mls.SenderExternal, Index: 0}) {
		t.Errorf("sender %+v, want external sender 0", r.Sender)
	}
}

// TestEvictByService: idle members are removed by the delivery service's
// external Removes, committed by a member. In full mode every member
// verifies the proposals and processes the commit, and all reach the
// committer's epoch authenticator (doCommit checks it); an offline member
// catches up later through both. In the sampled modes the same happens to
// the shared state.
func TestEvictByService(t *testing.T) {
	for _, c := range []struct{ mode, shape string }{{protocol.Full, ""}, {protocol.Sampled, ""}, {protocol.Scaled, ""},
		{protocol.Full, protocol.ShapeWarm}, {protocol.Sampled, protocol.ShapeChurned}} {
		mode := c.mode
		t.Run(mode+"/"+c.shape, func(t *testing.T) {
			offline := map[protocol.MemberID]bool{5: true}
			// Member 0 commits: a committer drops a Remove of itself.
			g := testGroupShaped(t, mode, c.shape, 8, offline, func(o *Options) { o.EvictBy, o.Commit.Committer = EvictByService, "designated" })
			before := g.Epoch()
			outs, err := g.Apply(protocol.Intent{Kind: protocol.Evict, Targets: []protocol.MemberID{3, 6}})
			if err != nil {
				t.Fatal(err)
			}
			var labels []string
			for _, o := range outs {
				labels = append(labels, o.Label)
				if o.Rejected != "" {
					t.Fatalf("%s rejected: %s", o.Label, o.Rejected)
				}
			}
			if !slices.Equal(labels, []string{"evict", "evict", "commit"}) {
				t.Fatalf("outcomes %v, want two evictions and a commit", labels)
			}
			for _, o := range outs[:2] {
				if o.Actor != protocol.Service || len(o.Messages) != 1 || o.Messages[0].Kind != MsgExternalProposal || o.Processed == 0 || o.Receiver.Verify == 0 {
					t.Errorf("eviction %+v: want an external_proposal from the service, verified by receivers", o)
				}
			}
			c := outs[2]
			slices.Sort(c.Removed)
			if !slices.Equal(c.Removed, []protocol.MemberID{3, 6}) || g.Epoch() != before+1 || g.Members() != 6 {
				t.Fatalf("commit removed %v, epoch %d, %d members; want 3 and 6 removed in epoch %d, 6 members", c.Removed, g.Epoch(), g.Members(), before+1)
			}
			if c.Verified == 0 {
				t.Error("no member checked the committer's epoch authenticator")
			}
			// A second eviction check in the same epoch sends nothing new.
			if outs, err := g.Apply(protocol.Intent{Kind: protocol.Evict, Targets: []protocol.MemberID{3, 6}}); err != nil || len(outs) != 0 {
				t.Errorf("evicting non-members: %d outcomes, %v", len(outs), err)
			}
			if mode != protocol.Full {
				return
			}
			want := g.latest.EpochAuthenticator()
			offline[5] = false
			if _, err := g.Apply(protocol.Intent{Kind: protocol.Sync, Actor: 5}); err != nil {
				t.Fatal(err)
			}
			g.order.each(func(id protocol.MemberID) {
				if st := g.member(id).state().state; !bytes.Equal(st.EpochAuthenticator(), want) {
					t.Errorf("member %d at epoch %d disagrees on the epoch authenticator", id, st.Epoch())
				}
			})
		})
	}
}

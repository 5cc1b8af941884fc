package mlsgroup

import (
	"bytes"
	"slices"
	"testing"

	"cgkalab/models/protocol"
)

// kinds lists the kinds of an outcome's messages.
func kinds(out *protocol.Outcome) []string {
	var k []string
	for _, m := range out.Messages {
		k = append(k, m.Kind)
	}
	return k
}

// TestRejoinByExternalCommit: a member that was offline while the group
// moved on rejoins by an external commit removing its old leaf (RFC 9420,
// Section 12.4.3.2), keeping its MemberID; every member (full mode) or
// every sampled receiver reaches the rejoiner's epoch authenticator, and
// the rejoiner then commits as a member. Pending proposals are committed
// first, since an external commit covers none.
func TestRejoinByExternalCommit(t *testing.T) {
	for _, mode := range []string{protocol.Full, protocol.Sampled, protocol.Scaled} {
		t.Run(mode, func(t *testing.T) {
			offline := map[protocol.MemberID]bool{}
			g := testGroup(t, mode, 9, offline, func(o *Options) {
				o.Rejoin = RejoinExternalCommit
				o.Commit.When, o.Commit.Count, o.Commit.Committer = "count", 1<<30, "designated"
			})
			offline[5] = true
			if _, err := g.Apply(protocol.Intent{Kind: protocol.Offline, Actor: 5}); err != nil {
				t.Fatal(err)
			}
			for _, c := range []protocol.MemberID{1, 2, 3} {
				outs, err := g.CommitForTesting(c, true)
				if err != nil {
					t.Fatal(err)
				}
				if k := kinds(outs[0]); !slices.Equal(k, []string{MsgCommit, MsgGroupInfo}) {
					t.Fatalf("commit sent %v, want a commit and the GroupInfo published", k)
				}
			}
			// A pending Update is committed before the rejoin.
			if _, err := g.Apply(protocol.Intent{Kind: protocol.Update, Actor: 4}); err != nil {
				t.Fatal(err)
			}
			outs, err := g.Apply(protocol.Intent{Kind: protocol.Rejoin, Actor: 5})
			if err != nil {
				t.Fatal(err)
			}
			if len(outs) != 1 || outs[0].Label != "commit" || !slices.Contains(outs[0].Refreshed, 4) {
				t.Fatalf("rejoin with a pending Update: %+v, want the Update committed first", outs[0])
			}
			epoch, members, oldLeaf := g.Epoch(), g.Members(), g.member(5).leaf
			outs, err = g.Apply(protocol.Intent{Kind: protocol.Rejoin, Actor: 5, Label: "rejoin"})
			if err != nil {
				t.Fatal(err)
			}
			r := outs[0]
			if len(outs) != 1 || r.Label != "rejoin" || !r.Sequenced || !r.Path || !slices.Equal(r.Refreshed, []protocol.MemberID{5}) || len(r.Removed)+len(r.Added) != 0 {
				t.Fatalf("rejoin outcome %+v", r)
			}
			if k := kinds(r); !slices.Equal(k, []string{MsgGroupInfo, MsgRatchetTree, MsgExternalCommit, MsgGroupInfo}) {
				t.Errorf("rejoin sent %v", k)
			}
			if g.Epoch() != epoch+1 || g.Members() != members || r.Verified == 0 {
				t.Fatalf("epoch %d, %d members, %d verified; want epoch %d, %d members, receivers verified", g.Epoch(), g.Members(), r.Verified, epoch+1, members)
			}
			m := g.member(5)
			if !bytes.Equal(g.tree().Leaf(m.leaf).EncryptionKey, g.leafKey(m).PublicKey()) {
				t.Errorf("rejoiner at leaf %d does not hold its leaf's key", m.leaf)
			}
			if m.leaf != oldLeaf && g.tree().Leaf(oldLeaf) != nil {
				t.Errorf("old leaf %d still occupied after the resync", oldLeaf)
			}
			if mode == protocol.Full && !bytes.Equal(g.member(5).state().state.EpochAuthenticator(), g.latest.EpochAuthenticator()) {
				t.Error("the rejoiner's state disagrees with the group")
			}
			offline[5] = false
			outs, err = g.CommitForTesting(5, true)
			if err != nil || outs[0].Rejected != "" || outs[0].Verified == 0 {
				t.Fatalf("the rejoiner's commit: %v %+v", err, outs)
			}
		})
	}
}

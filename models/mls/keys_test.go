package mls

import (
	"bytes"
	"errors"
	"testing"

	rt "cgkalab/models/ratchettree"
)

// TestAddOfMemberKeys checks key uniqueness when leaves are added (RFC
// 9420, Sections 7.3 and 12.2): a validly signed KeyPackage that reuses a
// member's signature key cannot be committed by value, is left out of a
// commit by reference, and makes a received commit that adds it rejected
// with the state unchanged.
func TestAddOfMemberKeys(t *testing.T) {
	f := newFleet(t, 1)
	var adds []*Proposal
	var joiners []*KeyPackageBundle
	for range 3 {
		kp := f.keyPackage()
		joiners = append(joiners, kp)
		adds = append(adds, &Proposal{Type: ProposalAdd, Add: kp.KeyPackage})
	}
	f.commit(0, CommitOptions{Inline: adds, RatchetTreeInWelcome: true}, joiners)
	twin, err := NewKeyPackage(f.s, []byte("twin of member 2"), f.members[2].sigKey, rt.Lifetime{NotAfter: 1 << 40}, f.rand)
	if err != nil {
		t.Fatal(err)
	}
	addTwin := &Proposal{Type: ProposalAdd, Add: twin.KeyPackage}

	// By value: the committer refuses and stays as it was.
	g := f.members[1]
	before, auth := g.Tree().Bytes(), bytes.Clone(g.EpochAuthenticator())
	if _, err := g.Commit(CommitOptions{Inline: []*Proposal{addTwin}}, f.rand); !errors.Is(err, rt.ErrDuplicateKey) || !errors.Is(err, ErrRejected) {
		t.Errorf("committing an Add of a member's signature key: %v, want ErrDuplicateKey", err)
	}
	if !bytes.Equal(g.Tree().Bytes(), before) || g.Tree().Staged() || !bytes.Equal(g.EpochAuthenticator(), auth) {
		t.Error("the refused commit changed the committer's state")
	}

	// Received: member 3 gets a commit from member 0 adding the twin.
	c := f.members[0].newContent(ContentCommit)
	c.Commit = &Commit{Proposals: []ProposalOrRef{{Proposal: addTwin}}}
	sig, err := SignContent(f.s, f.members[0].sigKey, WirePublicMessage, c, f.members[0].cur.gcBytes)
	if err != nil {
		t.Fatal(err)
	}
	msg, err := f.members[0].frame(c, WirePublicMessage, FramedContentAuthData{Signature: sig, ConfirmationTag: make([]byte, f.s.Nh())}, f.rand)
	if err != nil {
		t.Fatal(err)
	}
	r := f.members[3]
	before, auth = r.Tree().Bytes(), bytes.Clone(r.EpochAuthenticator())
	if _, err := r.Process(msg); !errors.Is(err, rt.ErrDuplicateKey) || !errors.Is(err, ErrRejected) {
		t.Errorf("processing an Add of a member's signature key: %v, want ErrDuplicateKey", err)
	}
	if !bytes.Equal(r.Tree().Bytes(), before) || r.Tree().Staged() || !bytes.Equal(r.EpochAuthenticator(), auth) {
		t.Error("the rejected commit changed the receiver's state")
	}

	// By reference: the proposal is cached but left out of the commit.
	prop, err := f.members[2].Propose(addTwin, WirePublicMessage, f.rand)
	if err != nil {
		t.Fatal(err)
	}
	for l, m := range f.members {
		if l != 2 {
			if _, err := m.Process(prop); err != nil {
				t.Fatalf("member %d caching the proposal: %v", l, err)
			}
		}
	}
	if out := f.commit(1, CommitOptions{ByReference: true}, nil); len(out.Added) != 0 || out.Proposals != 0 {
		t.Errorf("commit by reference added %v from %d proposals, want the twin left out", out.Added, out.Proposals)
	}
}

package mls

import (
	"bytes"
	"errors"
	"fmt"
	"testing"

	"cgkalab/models/extension"
	"cgkalab/models/keyschedule"
	rt "cgkalab/models/ratchettree"
	"cgkalab/models/suite"
	tm "cgkalab/models/treemath"
)

// nobody is a leaf index no member has: the sender of external messages.
const nobody = tm.LeafIndex(1 << 30)

// externalFixture is a four-member group whose external_senders extension
// lists an auditor (index 0) and a delivery service (index 1).
type externalFixture struct {
	*fleet
	ds      *ExternalProposer
	dsKey   *suite.SignaturePrivateKey
	auditor *ExternalProposer
}

func newExternalFixture(t *testing.T, id suite.ID) *externalFixture {
	s, err := suite.ByID(id)
	if err != nil {
		t.Fatal(err)
	}
	rng := testRand(uint64(id) + 900)
	proposer := func(name string) (*ExternalProposer, *suite.SignaturePrivateKey) {
		key, err := s.GenerateSignatureKey(rng)
		if err != nil {
			t.Fatal(err)
		}
		return NewExternalProposer(s, key, rt.Credential{Type: rt.CredentialBasic, Identity: []byte(name)}), key
	}
	auditor, _ := proposer("auditor")
	ds, dsKey := proposer("delivery service")
	exts := []extension.Extension{ExternalSendersExtension([]ExternalSender{auditor.Sender(), ds.Sender()})}
	f := newFleetWith(t, id, exts)
	f.grow(3)
	return &externalFixture{fleet: f, ds: ds, dsKey: dsKey, auditor: auditor}
}

// TestExternalProposalsLifecycle: the delivery service, an external sender,
// proposes to remove an idle member (RFC 9750's eviction); a new client
// proposes its own Add (new_member_proposal); a member commits both by
// reference, the others process the commit, the new client joins by the
// Welcome, and all agree on the epoch authenticator and keep working.
func TestExternalProposalsLifecycle(t *testing.T) {
	for _, id := range []suite.ID{1, 2, suite.PrivateUseTBD1} {
		t.Run(fmt.Sprintf("suite=%#x", uint16(id)), func(t *testing.T) {
			f := newExternalFixture(t, id)
			gc := f.members[0].GroupContext()

			remove, err := f.ds.Propose(gc, &Proposal{Type: ProposalRemove, Remove: 2})
			if err != nil {
				t.Fatal(err)
			}
			if r := f.deliver(remove, nobody); r.Sender != (Sender{Type: SenderExternal, Index: 1}) || r.Proposal.Type != ProposalRemove {
				t.Errorf("received %+v, want a Remove from external sender 1", r)
			}

			kp := f.keyPackage()
			join, err := ProposeJoin(f.s, gc, kp)
			if err != nil {
				t.Fatal(err)
			}
			if r := f.deliver(join, nobody); r.Sender.Type != SenderNewMemberProposal || r.Proposal.Type != ProposalAdd {
				t.Errorf("received %+v, want an Add from new_member_proposal", r)
			}

			out := f.commit(1, CommitOptions{ByReference: true, RatchetTreeInWelcome: true}, []*KeyPackageBundle{kp})
			if out.Proposals != 2 || len(out.Removed) != 1 || out.Removed[0] != 2 || len(out.Added) != 1 {
				t.Fatalf("commit covered %d proposals, removed %v, added %v; want the external Remove of 2 and the Add", out.Proposals, out.Removed, out.Added)
			}
			if len(f.members) != 4 {
				t.Fatalf("%d members, want 4", len(f.members))
			}
			// The joiner now acts: a commit of its own, processed by all.
			f.commit(out.Added[0], CommitOptions{}, nil)

			// The auditor changes the group's extensions, keeping itself
			// listed; the next proposal by the delivery service, whose index
			// moved, still verifies.
			gce, err := f.auditor.Propose(f.members[0].GroupContext(), &Proposal{Type: ProposalGroupContextExtensions,
				GCExtensions: []extension.Extension{ExternalSendersExtension([]ExternalSender{f.ds.Sender(), f.auditor.Sender()})}})
			if err != nil {
				t.Fatal(err)
			}
			f.deliver(gce, nobody)
			f.commit(0, CommitOptions{ByReference: true}, nil)
			evict, err := f.ds.Propose(f.members[0].GroupContext(), &Proposal{Type: ProposalRemove, Remove: 3})
			if err != nil {
				t.Fatal(err)
			}
			if r := f.deliver(evict, nobody); r.Sender.Index != 0 {
				t.Errorf("delivery service at index %d, want 0 after the extension change", r.Sender.Index)
			}
			f.commit(0, CommitOptions{ByReference: true}, nil)
			if len(f.members) != 3 {
				t.Errorf("%d members, want 3", len(f.members))
			}
		})
	}
}

// signedAs frames content c from outside the group as a PublicMessage
// signed with key: for building messages the API refuses to make.
func signedAs(t *testing.T, s *suite.Suite, key *suite.SignaturePrivateKey, c *FramedContent) *MLSMessage {
	t.Helper()
	sig, err := SignContent(s, key, WirePublicMessage, c, nil)
	if err != nil {
		t.Fatal(err)
	}
	pm, err := NewPublicMessage(s, c, FramedContentAuthData{Signature: sig, ConfirmationTag: make([]byte, s.Nh())}, nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	return &MLSMessage{WireFormat: WirePublicMessage, Public: pm}
}

// TestExternalProposalRejections feeds proposals from outside the group
// that break the rules of RFC 9420, Sections 6.1 and 12.1.8, and checks
// that each is rejected with ErrRejected and changes nothing.
func TestExternalProposalRejections(t *testing.T) {
	f := newExternalFixture(t, 1)
	victim := f.members[3]
	gc := victim.GroupContext()
	kp := f.keyPackage()
	content := func(sender Sender, p *Proposal) *FramedContent {
		return &FramedContent{GroupID: gc.GroupID, Epoch: gc.Epoch, Sender: sender, ContentType: ContentProposal, Proposal: p}
	}
	ext := func(i uint32) Sender { return Sender{Type: SenderExternal, Index: i} }
	newMember := Sender{Type: SenderNewMemberProposal}
	remove := &Proposal{Type: ProposalRemove, Remove: 1}
	update, _, err := leafForUpdate(f.s, victim.Tree().Leaf(2), f.members[2].sigKey, gc.GroupID, 2, f.rand)
	if err != nil {
		t.Fatal(err)
	}
	psk := &keyschedule.PreSharedKeyID{Type: keyschedule.PSKTypeExternal, ID: []byte("psk"), Nonce: make([]byte, f.s.Nh())}
	goodRemove, err := f.ds.Propose(gc, remove)
	if err != nil {
		t.Fatal(err)
	}
	noExtFleet := newFleet(t, 1)

	cases := map[string]*MLSMessage{
		"wrong signature": func() *MLSMessage {
			m, _ := ParseMLSMessage(goodRemove.Bytes())
			m.Public.Auth.Signature[5] ^= 1
			return m
		}(),
		"signed by another listed sender": signedAs(t, f.s, f.dsKey, content(ext(0), remove)),
		"index out of range":              signedAs(t, f.s, f.dsKey, content(ext(2), remove)),
		"update from an external sender":  signedAs(t, f.s, f.dsKey, content(ext(1), &Proposal{Type: ProposalUpdate, Update: update})),
		"external_init from an external sender": signedAs(t, f.s, f.dsKey, content(ext(1),
			&Proposal{Type: ProposalExternalInit, KEMOutput: make([]byte, f.s.HPKEEncSize())})),
		"commit from an external sender": signedAs(t, f.s, f.dsKey, &FramedContent{GroupID: gc.GroupID, Epoch: gc.Epoch,
			Sender: ext(1), ContentType: ContentCommit, Commit: &Commit{Proposals: []ProposalOrRef{{Proposal: remove}}}}),
		"new member proposing a Remove": signedAs(t, f.s, kp.SigKey, content(newMember, remove)),
		"new member proposing a PSK":    signedAs(t, f.s, kp.SigKey, content(newMember, &Proposal{Type: ProposalPSK, PSK: psk})),
		"new member Add signed by another key": signedAs(t, f.s, f.dsKey, content(newMember,
			&Proposal{Type: ProposalAdd, Add: kp.KeyPackage})),
		"external sender of a past epoch": func() *MLSMessage {
			old := gc
			old.Epoch--
			return signedAs(t, f.s, f.dsKey, &FramedContent{GroupID: gc.GroupID, Epoch: old.Epoch, Sender: ext(1), ContentType: ContentProposal, Proposal: remove})
		}(),
	}
	if _, err := f.ds.Propose(noExtFleet.members[0].GroupContext(), remove); err == nil {
		t.Error("Propose to a group without external_senders succeeded")
	}
	noExt := noExtFleet.members[0]
	if _, err := noExt.Process(signedAs(t, f.s, f.dsKey, &FramedContent{GroupID: noExt.GroupID(), Epoch: noExt.Epoch(),
		Sender: ext(0), ContentType: ContentProposal, Proposal: remove})); !errors.Is(err, ErrRejected) {
		t.Errorf("external proposal to a group without external_senders: %v, want ErrRejected", err)
	}

	tree, auth, cached := victim.Tree().Bytes(), bytes.Clone(victim.EpochAuthenticator()), len(victim.proposals)
	for name, msg := range cases {
		parsed, err := ParseMLSMessage(msg.Bytes())
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if _, err := victim.Process(parsed); !errors.Is(err, ErrRejected) {
			t.Errorf("%s: %v, want ErrRejected", name, err)
		}
		if !bytes.Equal(victim.Tree().Bytes(), tree) || !bytes.Equal(victim.EpochAuthenticator(), auth) || len(victim.proposals) != cached {
			t.Errorf("%s: the rejected message changed the state", name)
		}
	}
	// The intact proposal is accepted afterwards.
	if _, err := victim.Process(goodRemove); err != nil {
		t.Errorf("intact external Remove after the rejections: %v", err)
	}
	if _, err := f.ds.Propose(gc, &Proposal{Type: ProposalUpdate, Update: update}); err == nil {
		t.Error("Propose made an Update from an external sender")
	}
}

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

// newSuiteKeyPackage makes a KeyPackage of suite s for the client that
// holds member m's credential.
func newSuiteKeyPackage(t *testing.T, f *fleet, s *suite.Suite, m *Group) *KeyPackageBundle {
	t.Helper()
	kp, err := NewKeyPackage(s, m.Tree().Leaf(m.LeafIndex()).Credential.Identity, nil, rt.Lifetime{NotAfter: 1 << 40}, f.rand)
	if err != nil {
		t.Fatal(err)
	}
	return kp
}

// reinitTo is the ReInit of the tests: a new group id, suite 3 instead of
// suite 1, and an application_id extension.
func reinitTo() *ReInit {
	return &ReInit{GroupID: []byte("group, second edition"), Version: mls10, CipherSuite: 3,
		Extensions: []extension.Extension{{Type: extension.ApplicationID, Data: []byte("v2")}}}
}

// reinitFleet returns a group of n members whose members all processed a
// Commit covering reinitTo, proposed by member 0 and committed by
// reference by the last member, and a message member 1 sent before it
// processed that Commit.
func reinitFleet(t *testing.T, n int) (f *fleet, late *MLSMessage) {
	f = newFleet(t, 1)
	f.grow(n - 1)
	prop, err := f.members[0].Propose(&Proposal{Type: ProposalReInit, ReInit: reinitTo()}, WirePublicMessage, f.rand)
	if err != nil {
		t.Fatal(err)
	}
	f.deliver(prop, 0)
	if late, err = f.members[1].SendApplication([]byte("sent before the ReInit"), nil, f.rand); err != nil {
		t.Fatal(err)
	}
	if out := f.commit(tm.LeafIndex(n-1), CommitOptions{ByReference: true}, nil); !out.ReInit || out.Proposals != 1 {
		t.Fatalf("commit covered %d proposals, ReInit %v", out.Proposals, out.ReInit)
	}
	return f, late
}

// TestReInit follows RFC 9420, Section 11.2 end to end with two and three
// members: after the Commit covering the ReInit every old group refuses
// to send or take handshake and application messages; one member (not the
// committer) creates the new group with the ReInit's parameters and a
// resumption PSK of usage reinit naming the old group's last epoch; the
// others join it by the Welcome, which only a holder of that PSK can
// open; all agree at epoch 1 and go on committing.
func TestReInit(t *testing.T) {
	for _, n := range []int{2, 3} {
		t.Run(fmt.Sprintf("members=%d", n), func(t *testing.T) {
			f, late := reinitFleet(t, n)
			old := map[tm.LeafIndex]*Group{}
			for l, m := range f.members {
				old[l] = m
				if m.PendingReInit() == nil {
					t.Fatalf("member %d: no pending ReInit", l)
				}
				if _, err := m.SendApplication([]byte("x"), nil, f.rand); !errors.Is(err, ErrReInitialized) {
					t.Errorf("member %d: application message after the ReInit: %v", l, err)
				}
				if _, err := m.ProposeUpdate(WirePublicMessage, f.rand); !errors.Is(err, ErrReInitialized) {
					t.Errorf("member %d: proposal after the ReInit: %v", l, err)
				}
				if _, err := m.Commit(CommitOptions{}, f.rand); !errors.Is(err, ErrReInitialized) {
					t.Errorf("member %d: commit after the ReInit: %v", l, err)
				}
				if l != 1 {
					if _, err := m.Process(late); !errors.Is(err, ErrReInitialized) || !errors.Is(err, ErrRejected) {
						t.Errorf("member %d: receiving after the ReInit: %v", l, err)
					}
				}
			}

			r := reinitTo()
			s, _ := suite.ByID(r.CipherSuite)
			creator := tm.LeafIndex(0) // the ReInit's committer was the last member
			kps := map[tm.LeafIndex]*KeyPackageBundle{}
			var others []*KeyPackage
			for l, m := range old {
				kps[l] = newSuiteKeyPackage(t, f, s, m)
				if l != creator {
					others = append(others, kps[l].KeyPackage)
				}
			}
			next, st, err := old[creator].ReInitGroup(kps[creator], others, CommitOptions{RatchetTreeInWelcome: true}, Config{RetainEpochs: 1}, f.rand)
			if err != nil {
				t.Fatal(err)
			}
			if err := next.Apply(st); err != nil {
				t.Fatal(err)
			}
			welcome, err := ParseMLSMessage(st.Welcome.Bytes())
			if err != nil {
				t.Fatal(err)
			}
			gc := next.GroupContext()
			if gc.Epoch != 1 || !bytes.Equal(gc.GroupID, r.GroupID) || gc.CipherSuite != r.CipherSuite || len(gc.Extensions) != 1 || st.Outcome.PSKs != 1 {
				t.Fatalf("new group at epoch %d, id %q, suite %#x, extensions %v, %d PSKs", gc.Epoch, gc.GroupID, gc.CipherSuite, gc.Extensions, st.Outcome.PSKs)
			}

			joined := map[tm.LeafIndex]*Group{creator: next}
			for l, m := range old {
				if l == creator {
					continue
				}
				gs, err := welcome.Welcome.DecryptGroupSecrets(s, kps[l].KeyPackage, kps[l].InitKey)
				if err != nil {
					t.Fatal(err)
				}
				want := keyschedule.PreSharedKeyID{Type: keyschedule.PSKTypeResumption, Usage: keyschedule.ResumptionReInit,
					GroupID: m.GroupID(), Epoch: m.Epoch()}
				if len(gs.PSKs) != 1 || gs.PSKs[0].Type != want.Type || gs.PSKs[0].Usage != want.Usage ||
					!bytes.Equal(gs.PSKs[0].GroupID, want.GroupID) || gs.PSKs[0].Epoch != want.Epoch {
					t.Fatalf("member %d: Welcome PSKs %+v, want one like %+v", l, gs.PSKs, want)
				}
				if _, err := Join(s, welcome.Welcome, kps[l], nil, Config{}); !errors.Is(err, ErrRejected) {
					t.Errorf("member %d: Join without the old group's resumption PSK: %v", l, err)
				}
				g, err := m.JoinReInit(welcome.Welcome, kps[l], nil, Config{RetainEpochs: 1})
				if err != nil {
					t.Fatalf("member %d: %v", l, err)
				}
				joined[g.LeafIndex()] = g
			}
			nf := &fleet{t: t, s: s, rand: f.rand, members: joined, n: f.n}
			nf.agree()
			nf.commit(tm.LeafIndex(len(joined)-1), CommitOptions{}, nil)
			for l, m := range old {
				if _, err := m.Process(late); !errors.Is(err, ErrReInitialized) {
					t.Errorf("old group of member %d after the new group's commit: %v", l, err)
				}
			}
		})
	}
}

// TestReInitRejections: reinit PSKs outside a reinitialization, ReInits
// this member could not follow, and Welcomes of a new group that does not
// match the ReInit are refused.
func TestReInitRejections(t *testing.T) {
	f := newFleet(t, 1)
	f.grow(2)
	nonce := make([]byte, f.s.Nh())
	for name, p := range map[string]*Proposal{
		"reinit PSK in a running group": {Type: ProposalPSK, PSK: &keyschedule.PreSharedKeyID{Type: keyschedule.PSKTypeResumption,
			Usage: keyschedule.ResumptionReInit, GroupID: f.members[0].GroupID(), Epoch: f.members[0].Epoch(), Nonce: nonce}},
		"branch PSK": {Type: ProposalPSK, PSK: &keyschedule.PreSharedKeyID{Type: keyschedule.PSKTypeResumption,
			Usage: keyschedule.ResumptionBranch, GroupID: f.members[0].GroupID(), Epoch: f.members[0].Epoch(), Nonce: nonce}},
		"ReInit to an older version": {Type: ProposalReInit, ReInit: &ReInit{GroupID: []byte("g2"), Version: 0, CipherSuite: 1}},
		"ReInit to an unknown suite": {Type: ProposalReInit, ReInit: &ReInit{GroupID: []byte("g2"), Version: mls10, CipherSuite: 0x0bad}},
	} {
		msg, err := f.members[0].Propose(p, WirePublicMessage, f.rand)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := f.members[1].Process(msg); !errors.Is(err, ErrRejected) {
			t.Errorf("%s: %v, want ErrRejected", name, err)
		}
		if _, err := f.members[0].Commit(CommitOptions{Inline: []*Proposal{p}}, f.rand); !errors.Is(err, ErrRejected) {
			t.Errorf("committing %s: %v, want ErrRejected", name, err)
		}
	}
	if _, _, err := f.members[0].ReInitGroup(f.keyPackage(), nil, CommitOptions{}, Config{}, f.rand); err == nil {
		t.Error("ReInitGroup without a pending ReInit succeeded")
	}

	// A new group that leaves out member 1, or whose parameters differ
	// from the ReInit member 1 processed, is refused by member 1.
	f, _ = reinitFleet(t, 3)
	s, _ := suite.ByID(reinitTo().CipherSuite)
	kp0 := newSuiteKeyPackage(t, f, s, f.members[0])
	kp1 := newSuiteKeyPackage(t, f, s, f.members[1])
	kp2 := newSuiteKeyPackage(t, f, s, f.members[2])
	_, st, err := f.members[0].ReInitGroup(kp0, []*KeyPackage{kp1.KeyPackage}, CommitOptions{RatchetTreeInWelcome: true}, Config{}, f.rand)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.members[1].JoinReInit(st.Welcome.Welcome, kp1, nil, Config{}); !errors.Is(err, ErrRejected) {
		t.Errorf("joining a new group without member 2: %v, want ErrRejected", err)
	}
	_, st, err = f.members[0].ReInitGroup(kp0, []*KeyPackage{kp1.KeyPackage, kp2.KeyPackage}, CommitOptions{RatchetTreeInWelcome: true}, Config{}, f.rand)
	if err != nil {
		t.Fatal(err)
	}
	m1 := f.members[1]
	want := m1.reinit
	for name, r := range map[string]*ReInit{
		"another group id":    {GroupID: []byte("elsewhere"), Version: mls10, CipherSuite: want.CipherSuite, Extensions: want.Extensions},
		"other extensions":    {GroupID: want.GroupID, Version: mls10, CipherSuite: want.CipherSuite},
		"another epoch's PSK": nil,
	} {
		saved := *m1
		if r != nil {
			m1.reinit = r
		} else {
			m1.cur = m1.past[len(m1.past)-1] // as if the ReInit Commit were not processed
		}
		if _, err := m1.JoinReInit(st.Welcome.Welcome, kp1, nil, Config{}); !errors.Is(err, ErrRejected) {
			t.Errorf("%s: %v, want ErrRejected", name, err)
		}
		*m1 = saved
	}
	if _, err := m1.JoinReInit(st.Welcome.Welcome, kp1, nil, Config{}); err != nil {
		t.Errorf("the intact Welcome: %v", err)
	}
}

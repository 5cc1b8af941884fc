package mls

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"testing"

	"cgkalab/models/extension"
	rt "cgkalab/models/ratchettree"
	"cgkalab/models/suite"
	tm "cgkalab/models/treemath"
)

// testRand returns a deterministic random source for tests.
func testRand(seed uint64) *rand.ChaCha8 {
	var s [32]byte
	s[0], s[1] = byte(seed), byte(seed>>8)
	return rand.NewChaCha8(s)
}

// fleet is a set of members of one group, each with its own state.
type fleet struct {
	t       *testing.T
	s       *suite.Suite
	rand    io.Reader
	members map[tm.LeafIndex]*Group
	n       int
}

func newFleet(t *testing.T, id suite.ID) *fleet { return newFleetWith(t, id, nil) }

// newFleetWith creates a one-member group whose GroupContext carries exts.
func newFleetWith(t *testing.T, id suite.ID, exts []extension.Extension) *fleet {
	s, err := suite.ByID(id)
	if err != nil {
		t.Fatal(err)
	}
	f := &fleet{t: t, s: s, rand: testRand(uint64(id) + 100), members: map[tm.LeafIndex]*Group{}}
	kp := f.keyPackage()
	g, err := NewGroup(s, []byte("group"), kp, exts, Config{RetainEpochs: 1}, f.rand)
	if err != nil {
		t.Fatal(err)
	}
	f.members[0] = g
	return f
}

func (f *fleet) keyPackage() *KeyPackageBundle {
	f.n++
	kp, err := NewKeyPackage(f.s, []byte(fmt.Sprintf("member-%d", f.n)), nil, rt.Lifetime{NotBefore: 0, NotAfter: 1 << 40}, f.rand)
	if err != nil {
		f.t.Fatal(err)
	}
	return kp
}

// commit has member c commit, delivers the commit to every other member
// and the Welcome to joiners, and checks that all agree afterwards.
func (f *fleet) commit(c tm.LeafIndex, opts CommitOptions, joiners []*KeyPackageBundle) *Outcome {
	f.t.Helper()
	g := f.members[c]
	st, err := g.Commit(opts, f.rand)
	if err != nil {
		f.t.Fatalf("commit by %d: %v", c, err)
	}
	encoded := st.Commit.Bytes()
	for l, m := range f.members {
		if l == c {
			continue
		}
		msg, err := ParseMLSMessage(encoded)
		if err != nil {
			f.t.Fatal(err)
		}
		if _, err := m.Process(msg); err != nil {
			f.t.Fatalf("member %d processing commit by %d: %v", l, c, err)
		}
		if m.Removed() {
			delete(f.members, l)
		}
	}
	if err := g.Apply(st); err != nil {
		f.t.Fatal(err)
	}
	for _, kp := range joiners {
		wm, err := ParseMLSMessage(st.Welcome.Bytes())
		if err != nil {
			f.t.Fatal(err)
		}
		j, err := Join(f.s, wm.Welcome, kp, nil, Config{RetainEpochs: 1})
		if err != nil {
			f.t.Fatalf("join: %v", err)
		}
		f.members[j.LeafIndex()] = j
	}
	f.agree()
	return st.Outcome
}

// grow has member 0 add k members in one commit.
func (f *fleet) grow(k int) {
	f.t.Helper()
	var adds []*Proposal
	var joiners []*KeyPackageBundle
	for range k {
		kp := f.keyPackage()
		joiners = append(joiners, kp)
		adds = append(adds, &Proposal{Type: ProposalAdd, Add: kp.KeyPackage})
	}
	f.commit(0, CommitOptions{Inline: adds, RatchetTreeInWelcome: true}, joiners)
}

// deliver has every member but the sender process msg, after an encoding
// round trip, and returns what the last one received.
func (f *fleet) deliver(msg *MLSMessage, sender tm.LeafIndex) *Received {
	f.t.Helper()
	var last *Received
	for l, m := range f.members {
		if l == sender {
			continue
		}
		parsed, err := ParseMLSMessage(msg.Bytes())
		if err != nil {
			f.t.Fatal(err)
		}
		if last, err = m.Process(parsed); err != nil {
			f.t.Fatalf("member %d: %v", l, err)
		}
	}
	return last
}

func (f *fleet) agree() {
	f.t.Helper()
	var ref *Group
	for _, m := range f.members {
		if ref == nil {
			ref = m
			continue
		}
		if m.Epoch() != ref.Epoch() || !bytes.Equal(m.EpochAuthenticator(), ref.EpochAuthenticator()) || !bytes.Equal(m.Tree().TreeHash(), ref.Tree().TreeHash()) {
			f.t.Fatalf("members %d and %d disagree at epoch %d/%d", m.LeafIndex(), ref.LeafIndex(), m.Epoch(), ref.Epoch())
		}
	}
}

func TestGroupLifecycle(t *testing.T) {
	for _, id := range []suite.ID{1, 2, suite.PrivateUseTBD1} {
		t.Run(fmt.Sprintf("suite=%#x", uint16(id)), func(t *testing.T) {
			f := newFleet(t, id)
			// Add 6 members in two commits, one with the tree in the Welcome.
			var adds []*Proposal
			var joiners []*KeyPackageBundle
			for range 3 {
				kp := f.keyPackage()
				joiners = append(joiners, kp)
				adds = append(adds, &Proposal{Type: ProposalAdd, Add: kp.KeyPackage})
			}
			f.commit(0, CommitOptions{Inline: adds, RatchetTreeInWelcome: true}, joiners)
			adds, joiners = nil, nil
			for range 3 {
				kp := f.keyPackage()
				joiners = append(joiners, kp)
				adds = append(adds, &Proposal{Type: ProposalAdd, Add: kp.KeyPackage})
			}
			out := f.commit(2, CommitOptions{Inline: adds, OmitPath: true, RatchetTreeInWelcome: true}, joiners)
			if out.Path != nil || len(out.Added) != 3 {
				t.Errorf("add-only commit without path: path %v, added %v", out.Path, out.Added)
			}
			if len(f.members) != 7 {
				t.Fatalf("%d members, want 7", len(f.members))
			}

			// Member 3 proposes an Update; member 1 commits it by reference
			// with a PrivateMessage.
			upd, err := f.members[3].ProposeUpdate(WirePublicMessage, f.rand)
			if err != nil {
				t.Fatal(err)
			}
			for l, m := range f.members {
				if l != 3 {
					if _, err := m.Process(upd); err != nil {
						t.Fatalf("member %d: update proposal: %v", l, err)
					}
				}
			}
			out = f.commit(1, CommitOptions{ByReference: true, WireFormat: WirePrivateMessage}, nil)
			if len(out.Updated) != 1 || out.Updated[0] != 3 {
				t.Errorf("updated %v, want [3]", out.Updated)
			}

			// Application messages, including one from the previous epoch.
			app, err := f.members[4].SendApplication([]byte("hello"), nil, f.rand)
			if err != nil {
				t.Fatal(err)
			}
			f.commit(5, CommitOptions{}, nil) // empty commit: path required
			for l, m := range f.members {
				if l == 4 {
					continue
				}
				r, err := m.Process(app)
				if err != nil || string(r.ApplicationData) != "hello" {
					t.Fatalf("member %d: late application message: %v", l, err)
				}
			}

			// Remove two members.
			f.commit(0, CommitOptions{Inline: []*Proposal{{Type: ProposalRemove, Remove: 6}, {Type: ProposalRemove, Remove: 2}}}, nil)
			if len(f.members) != 5 {
				t.Fatalf("%d members after removes, want 5", len(f.members))
			}

			// External join.
			gi, err := f.members[1].GroupInfo(true)
			if err != nil {
				t.Fatal(err)
			}
			kp := f.keyPackage()
			ext, msg, _, err := ExternalJoin(f.s, gi, nil, kp, nil, Config{}, f.rand)
			if err != nil {
				t.Fatal(err)
			}
			for l, m := range f.members {
				if _, err := m.Process(msg); err != nil {
					t.Fatalf("member %d: external commit: %v", l, err)
				}
			}
			f.members[ext.LeafIndex()] = ext
			f.agree()
			f.commit(ext.LeafIndex(), CommitOptions{}, nil)
		})
	}
}

// TestRejectionLeavesStateUnchanged feeds corrupted commits and checks
// that each is rejected with ErrRejected and changes nothing.
func TestRejectionLeavesStateUnchanged(t *testing.T) {
	f := newFleet(t, 1)
	var adds []*Proposal
	var joiners []*KeyPackageBundle
	for range 4 {
		kp := f.keyPackage()
		joiners = append(joiners, kp)
		adds = append(adds, &Proposal{Type: ProposalAdd, Add: kp.KeyPackage})
	}
	f.commit(0, CommitOptions{Inline: adds, RatchetTreeInWelcome: true}, joiners)
	victim := f.members[2]
	st, err := f.members[1].Commit(CommitOptions{Inline: []*Proposal{{Type: ProposalRemove, Remove: 4}}}, f.rand)
	if err != nil {
		t.Fatal(err)
	}
	good := st.Commit.Bytes()
	before := victim.Tree().Bytes()
	auth := bytes.Clone(victim.EpochAuthenticator())
	for name, mutate := range map[string]func(m *MLSMessage){
		"signature": func(m *MLSMessage) { m.Public.Auth.Signature[3] ^= 1 },
		"membership tag": func(m *MLSMessage) {
			m.Public.MembershipTag[0] ^= 1
		},
		"confirmation tag": func(m *MLSMessage) { m.Public.Auth.ConfirmationTag[0] ^= 1 },
		"wrong epoch":      func(m *MLSMessage) { m.Public.Content.Epoch++ },
		"path ciphertext": func(m *MLSMessage) {
			m.Public.Content.Commit.Path.Nodes[0].EncryptedPathSecret[0].Ciphertext[0] ^= 1
		},
		"removes committer": func(m *MLSMessage) {
			m.Public.Content.Commit.Proposals[0].Proposal.Remove = 1
		},
		"unknown reference": func(m *MLSMessage) {
			m.Public.Content.Commit.Proposals = []ProposalOrRef{{Reference: make([]byte, 32)}}
		},
	} {
		m, _ := ParseMLSMessage(good)
		mutate(m)
		_, err := victim.Process(m)
		if !errors.Is(err, ErrRejected) {
			t.Errorf("%s: got %v, want ErrRejected", name, err)
		}
		if !bytes.Equal(victim.Tree().Bytes(), before) || !bytes.Equal(victim.EpochAuthenticator(), auth) {
			t.Errorf("%s: rejected commit changed the state", name)
		}
	}
	// The intact commit still applies afterwards.
	m, _ := ParseMLSMessage(good)
	if _, err := victim.Process(m); err != nil {
		t.Fatalf("intact commit after rejections: %v", err)
	}
	// A commit that lost the epoch is discarded cleanly.
	loser, err := f.members[3].Commit(CommitOptions{}, f.rand)
	if err != nil {
		t.Fatal(err)
	}
	if err := f.members[3].Discard(loser); err != nil {
		t.Fatal(err)
	}
	m, _ = ParseMLSMessage(good)
	if _, err := f.members[3].Process(m); err != nil {
		t.Fatalf("processing the winner after discarding: %v", err)
	}
	if !bytes.Equal(f.members[3].EpochAuthenticator(), victim.EpochAuthenticator()) {
		t.Error("loser and victim disagree after the winning commit")
	}
}

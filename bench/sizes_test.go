package bench

import (
	"bytes"
	"fmt"
	"io"
	"math/rand/v2"
	"slices"
	"testing"

	"cgkalab/models/mls"
	"cgkalab/models/suite"
	tm "cgkalab/models/treemath"
)

// realCommit returns the encoded size of an empty full-path Commit
// (PublicMessage) sent by the last member of a real group of n members in
// the given shape:
//
//   - Built: the creator adds everyone else in one Commit with a path
//     (builtGroup); the last member joins by the Welcome and commits.
//   - Warm: as Built, then every member but the last commits once, in leaf
//     order, each commit processed by every other member; after that every
//     parent node is set and no leaf is unmerged anywhere. The last member
//     then commits.
func realCommit(t *testing.T, s *suite.Suite, n int, shape TreeShape, rng io.Reader) int {
	t.Helper()
	creator, kps, welcome, err := builtGroup(s, n, rng)
	if err != nil {
		t.Fatal(err)
	}
	members := []*mls.Group{creator}
	for _, kp := range kps {
		if shape == Built && kp != kps[len(kps)-1] {
			continue // only the committer needs state
		}
		g, err := mls.Join(s, welcome, kp, creator.Tree().Clone(), mls.Config{})
		if err != nil {
			t.Fatal(err)
		}
		members = append(members, g)
	}
	last := members[len(members)-1]
	if last.LeafIndex() != tm.LeafIndex(n-1) {
		t.Fatalf("committer at leaf %d, want %d", last.LeafIndex(), n-1)
	}
	if shape == Warm {
		for c := 1; c < n-1; c++ {
			st, err := members[c].Commit(mls.CommitOptions{}, rng)
			if err != nil {
				t.Fatal(err)
			}
			encoded := st.Commit.Bytes()
			for i, m := range members {
				if i == c {
					continue
				}
				msg, err := mls.ParseMLSMessage(encoded)
				if err != nil {
					t.Fatal(err)
				}
				if _, err := m.Process(msg); err != nil {
					t.Fatalf("member %d processing the commit of %d: %v", i, c, err)
				}
			}
			if err := members[c].Apply(st); err != nil {
				t.Fatal(err)
			}
		}
		tree := last.Tree()
		for x := 1; x < int(tree.Width()); x += 2 {
			p := tree.ParentNode(tm.NodeIndex(x))
			if p == nil || len(p.UnmergedLeaves) > 0 {
				t.Fatalf("warm group: parent node %d is blank or has unmerged leaves", x)
			}
		}
	}
	st, err := last.Commit(mls.CommitOptions{}, rng)
	if err != nil {
		t.Fatal(err)
	}
	return len(st.Commit.Bytes())
}

// TestFixtureCommitMatchesRealGroup checks that the Commit built on the
// synthetic tree has exactly the size of the same Commit made by a real
// group of the same size and shape. Exact equality holds for suites with
// fixed-length signatures; ECDSA's DER signatures vary by a byte or two
// with the signed content, and a commit carries two (the LeafNode's and
// the content's), so for P-256 the sizes may differ by up to 4 bytes.
func TestFixtureCommitMatchesRealGroup(t *testing.T) {
	cases := []struct {
		id    suite.ID
		ns    []int
		slack int
	}{
		{1, []int{8, 64}, 0},
		{suite.PrivateUseTBD1, []int{8}, 0}, // X25519+ML-KEM-768
		{suite.PrivateUseTBD9, []int{8}, 0}, // ML-DSA-44 signatures
		{2, []int{8}, 4},
	}
	if testing.Short() {
		cases = cases[:1]
	}
	for _, c := range cases {
		s, err := suite.ByID(c.id)
		if err != nil {
			t.Fatal(err)
		}
		for _, shape := range []TreeShape{Built, Warm} {
			for _, n := range c.ns {
				t.Run(fmt.Sprintf("suite=%#04x/%s/n=%d", uint16(c.id), shape, n), func(t *testing.T) {
					real := realCommit(t, s, n, shape, rand.NewChaCha8(seedBytes(7)))
					msg, err := FixtureCommit(s, n, shape, 7, nil)
					if err != nil {
						t.Fatal(err)
					}
					if got := len(msg.Bytes()); got < real-c.slack || got > real+c.slack {
						t.Errorf("fixture commit %d bytes, real group's commit %d bytes (allowed difference %d)", got, real, c.slack)
					}
				})
			}
		}
	}
}

// TestFixtureCommitIsWellFormed checks the fixture's Commit survives an
// encode/decode round trip and that its membership tag verifies.
func TestFixtureCommitIsWellFormed(t *testing.T) {
	s, _ := suite.ByID(1)
	msg, err := FixtureCommit(s, 16, Built, 3, nil)
	if err != nil {
		t.Fatal(err)
	}
	enc := msg.Bytes()
	back, err := mls.ParseMLSMessage(enc)
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(back.Bytes(), enc) {
		t.Fatal("re-encoding differs")
	}
	c := back.Public.Content.Commit
	if c == nil || c.Path == nil || len(c.Proposals) != 0 {
		t.Fatal("not an empty full-path commit")
	}
	// Leaf 15's filtered copath in a Built tree of 16: leaf 14 (1), leaves
	// 12-13 (2), leaves 8-11 (4), and the creator's node 7 (1).
	got := 0
	for _, n := range c.Path.Nodes {
		got += len(n.EncryptedPathSecret)
	}
	if got != 8 {
		t.Errorf("%d path ciphertexts, want 8", got)
	}
}

func TestSizeTableDeterministic(t *testing.T) {
	s, _ := suite.ByID(1)
	o := SizeOptions{Warm: []int{8, 64}, Built: []int{8, 64}, Welcome: []int{8}, Seed: 11}
	a, err := SizeTable(s, o, io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	b, err := SizeTable(s, o, io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(a, b) {
		t.Errorf("same seed, different rows:\n%v\n%v", a, b)
	}
	want := 2 + 7*2 + 4 + 7
	if len(a) != want {
		t.Errorf("%d rows, want %d", len(a), want)
	}
	for _, r := range a {
		if r.Bytes <= 0 {
			t.Errorf("%+v: no bytes", r)
		}
	}
}

// TestWelcomeJoins checks that the Welcomes measured are accepted by the
// joiner, with the tree in the extension and without.
func TestWelcomeJoins(t *testing.T) {
	s, _ := suite.ByID(1)
	for _, withTree := range []bool{false, true} {
		rng := rand.NewChaCha8(seedBytes(5))
		g, _, _, err := builtGroup(s, 8, rng)
		if err != nil {
			t.Fatal(err)
		}
		joiner, err := mls.NewKeyPackage(s, memberIdentity(8), nil, sizesLifetime, rng)
		if err != nil {
			t.Fatal(err)
		}
		st, err := g.Commit(mls.CommitOptions{Inline: []*mls.Proposal{{Type: mls.ProposalAdd, Add: joiner.KeyPackage}}, RatchetTreeInWelcome: withTree}, rng)
		if err != nil {
			t.Fatal(err)
		}
		msg, err := mls.ParseMLSMessage(st.Welcome.Bytes())
		if err != nil {
			t.Fatal(err)
		}
		if err := g.Apply(st); err != nil {
			t.Fatal(err)
		}
		tree := g.Tree().Clone()
		if withTree {
			tree = nil
		}
		j, err := mls.Join(s, msg.Welcome, joiner, tree, mls.Config{})
		if err != nil {
			t.Fatalf("ratchet_tree %v: %v", withTree, err)
		}
		if !bytes.Equal(j.EpochAuthenticator(), g.EpochAuthenticator()) {
			t.Fatalf("ratchet_tree %v: joiner and creator disagree", withTree)
		}
	}
}

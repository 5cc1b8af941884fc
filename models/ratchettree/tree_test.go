package ratchettree

import (
	"bytes"
	"encoding/json"
	"errors"
	"math/rand/v2"
	"testing"

	"cgkalab/models/suite"
	tm "cgkalab/models/treemath"
	"cgkalab/models/vectors"
	"cgkalab/models/wire"
)

func testSuite(t testing.TB) *suite.Suite {
	s, err := suite.ByID(1)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// newLeaf returns a signed key_package LeafNode with fresh keys from rng.
func newLeaf(t testing.TB, s *suite.Suite, rng *rand.ChaCha8) *LeafNode {
	t.Helper()
	ikm := make([]byte, s.Nh())
	rng.Read(ikm)
	hk, err := s.DeriveKeyPair(ikm)
	if err != nil {
		t.Fatal(err)
	}
	sk, err := s.GenerateSignatureKey(rng)
	if err != nil {
		t.Fatal(err)
	}
	n := &LeafNode{
		EncryptionKey: hk.PublicKey(),
		SignatureKey:  sk.PublicKey(),
		Credential:    Credential{Type: CredentialBasic, Identity: []byte("m")},
		Capabilities:  &Capabilities{Versions: []uint16{1}, CipherSuites: []uint16{uint16(s.ID)}, Credentials: []uint16{CredentialBasic}},
		Source:        SourceKeyPackage,
		Lifetime:      Lifetime{0, 1 << 40},
	}
	if err := n.Sign(s, sk, nil, 0); err != nil {
		t.Fatal(err)
	}
	return n
}

// randomStart returns a one-leaf tree, seeded randomness and a pool of
// signed leaves for the random-operation tests.
func randomStart(t *testing.T, seed byte, pool int) (*suite.Suite, *rand.ChaCha8, *rand.Rand, *Tree, []*LeafNode) {
	s := testSuite(t)
	rng := rand.NewChaCha8([32]byte{seed})
	tree := New(s)
	tree.SetLeaf(0, newLeaf(t, s, rng))
	leaves := make([]*LeafNode, pool)
	for i := range leaves {
		leaves[i] = newLeaf(t, s, rng)
	}
	return s, rng, rand.New(rng), tree, leaves
}

// TestIncrementalHashMatchesFresh applies random Adds, Removes, Updates
// and parent changes and checks after each that the cached tree hash and
// resolutions equal those of a tree decoded afresh from the encoding.
func TestIncrementalHashMatchesFresh(t *testing.T) {
	s, rng, r, tree, pool := randomStart(t, 7, 40)
	for step := range 300 {
		switch op := r.IntN(4); {
		case op == 0 || tree.Members() < 2:
			tree.Add(pool[r.IntN(len(pool))])
		case op == 1:
			l := tm.LeafIndex(r.IntN(int(tree.LeafCount())))
			if tree.Leaf(l) != nil && tree.Members() > 1 {
				if err := tree.Remove(l); err != nil {
					t.Fatal(err)
				}
			}
		case op == 2:
			l := tm.LeafIndex(r.IntN(int(tree.LeafCount())))
			if tree.Leaf(l) != nil {
				tree.Update(l, pool[r.IntN(len(pool))])
			}
		default:
			x := tm.NodeIndex(2*r.IntN(int(tree.LeafCount())) + 1)
			if uint32(x) < tree.Width() {
				key := make([]byte, 32)
				rng.Read(key)
				tree.SetParent(x, &ParentNode{EncryptionKey: key})
			}
		}
		if step%3 != 0 {
			continue // let changes accumulate between hashes
		}
		got := bytes.Clone(tree.TreeHash())
		fresh, err := Unmarshal(s, tree.Bytes())
		if err != nil {
			t.Fatalf("step %d: %v", step, err)
		}
		if fresh.LeafCount() != tree.LeafCount() {
			t.Fatalf("step %d: leaf count %d, fresh %d", step, tree.LeafCount(), fresh.LeafCount())
		}
		if want := fresh.TreeHash(); !bytes.Equal(got, want) {
			t.Fatalf("step %d: cached tree hash %x, fresh %x", step, got, want)
		}
		for x := range tree.Width() {
			a := tree.AppendResolution(nil, tm.NodeIndex(x))
			b := fresh.AppendResolution(nil, tm.NodeIndex(x))
			if len(a) != len(b) || tree.ResolutionEmpty(tm.NodeIndex(x)) != (len(b) == 0) || tree.ResolutionSize(tm.NodeIndex(x)) != len(b) {
				t.Fatalf("step %d: resolution(%d) %v, fresh %v, cached size %d", step, x, a, b, tree.ResolutionSize(tm.NodeIndex(x)))
			}
			checkPositions(t, tree, tm.NodeIndex(x), a)
		}
	}
}

func TestBuildFromLeaves(t *testing.T) {
	s := testSuite(t)
	rng := rand.NewChaCha8([32]byte{3})
	var leaves []*LeafNode
	for range 13 {
		leaves = append(leaves, newLeaf(t, s, rng))
	}
	built, err := BuildFromLeaves(s, leaves, SourceKeyPackage, &LeafPolicy{})
	if err != nil {
		t.Fatal(err)
	}
	added := New(s)
	for _, l := range leaves {
		added.Add(l)
	}
	if !bytes.Equal(built.TreeHash(), added.TreeHash()) || !bytes.Equal(built.Bytes(), added.Bytes()) {
		t.Error("BuildFromLeaves differs from a sequence of Adds")
	}
	if got := added.AppendResolution(nil, added.Root()); len(got) != 13 {
		t.Errorf("root resolution has %d nodes, want 13", len(got))
	}

	bad := leaves[5].Clone()
	bad.Signature[0] ^= 1
	broken := append(append([]*LeafNode{}, leaves[:5]...), bad)
	if _, err := BuildFromLeaves(s, broken, SourceKeyPackage, &LeafPolicy{}); !errors.Is(err, ErrInvalidTree) {
		t.Errorf("bad signature: %v", err)
	}
	dup := append(append([]*LeafNode{}, leaves[:5]...), leaves[2])
	if _, err := BuildFromLeaves(s, dup, SourceKeyPackage, &LeafPolicy{}); !errors.Is(err, ErrInvalidTree) {
		t.Errorf("duplicate keys accepted: %v", err)
	}
}

func TestUnmarshalMalformed(t *testing.T) {
	s := testSuite(t)
	rng := rand.NewChaCha8([32]byte{4})
	tree := New(s)
	tree.SetLeaf(0, newLeaf(t, s, rng))
	tree.Add(newLeaf(t, s, rng))
	good := tree.Bytes()
	cases := map[string][]byte{
		"empty vector":         {0x00},
		"trailing blank":       {0x01, 0x00},
		"parent at even index": {0x02, 0x01, 0x02},
		"truncated":            good[:len(good)-3],
		"trailing bytes":       append(bytes.Clone(good), 0),
	}
	for name, data := range cases {
		if _, err := Unmarshal(s, data); err == nil {
			t.Errorf("%s: no error", name)
		}
	}
}

// FuzzUnmarshal: arbitrary input decodes or errors, never panics, and a
// decoded tree re-encodes to the same bytes and can be hashed and
// validated as a joiner would. The corpus is seeded from the trees of the
// official vectors when they are present.
func FuzzUnmarshal(f *testing.F) {
	s := testSuite(f)
	rng := rand.NewChaCha8([32]byte{5})
	tree := New(s)
	tree.SetLeaf(0, newLeaf(f, s, rng))
	tree.Add(newLeaf(f, s, rng))
	tree.Add(newLeaf(f, s, rng))
	f.Add(tree.Bytes())
	for _, seed := range vectorTrees(f) {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		tr, err := Unmarshal(s, data)
		if err != nil {
			if !errors.Is(err, wire.ErrMalformed) && !errors.Is(err, ErrInvalidTree) {
				t.Fatalf("error %v wraps neither wire.ErrMalformed nor ErrInvalidTree", err)
			}
			return
		}
		if !bytes.Equal(tr.Bytes(), data) {
			t.Fatalf("re-encoding differs")
		}
		tr.TreeHash()
		tr.VerifyParentHashes()
		tr.Validate(&LeafPolicy{})
	})
}

// vectorTrees returns the suite-1 ratchet trees of messages.json,
// tree-validation.json and tree-operations.json, or nothing when the
// vectors are absent.
func vectorTrees(tb testing.TB) [][]byte {
	dir, err := vectors.Dir()
	if err != nil {
		return nil
	}
	var out [][]byte
	for _, src := range []struct{ file, field string }{
		{"messages.json", "ratchet_tree"},
		{"tree-validation.json", "tree"},
		{"tree-operations.json", "tree_before"},
	} {
		var cases []map[string]json.RawMessage
		if err := vectors.Decode(dir, src.file, &cases); err != nil {
			continue // absent; a malformed file fails the vector tests
		}
		for _, c := range cases {
			if cs, ok := c["cipher_suite"]; ok && string(cs) != "1" {
				continue
			}
			var h vectors.Hex
			if json.Unmarshal(c[src.field], &h) == nil && len(h) > 0 {
				out = append(out, h)
			}
		}
	}
	return out
}

// TestRollback stages random changes, including growth and truncation,
// and checks that Rollback restores the encoding and the tree hash, and
// that Commit keeps them.
func TestRollback(t *testing.T) {
	s, _, r, tree, pool := randomStart(t, 9, 20)
	for range 5 {
		tree.Add(pool[r.IntN(len(pool))])
	}
	for round := range 40 {
		before, hash := tree.Bytes(), bytes.Clone(tree.TreeHash())
		tree.Begin()
		for range 1 + r.IntN(6) {
			switch r.IntN(3) {
			case 0:
				tree.Add(pool[r.IntN(len(pool))])
			case 1:
				l := tm.LeafIndex(r.IntN(int(tree.LeafCount())))
				if tree.Leaf(l) != nil && tree.Members() > 1 {
					tree.Remove(l)
				}
			default:
				x := tm.NodeIndex(2*r.IntN(int(tree.LeafCount())) + 1)
				if uint32(x) < tree.Width() {
					tree.SetParent(x, &ParentNode{EncryptionKey: []byte{byte(round)}})
				}
			}
		}
		tree.TreeHash()
		if round%2 == 0 {
			tree.Rollback()
			if !bytes.Equal(tree.Bytes(), before) || !bytes.Equal(tree.TreeHash(), hash) {
				t.Fatalf("round %d: rollback did not restore the tree", round)
			}
			tree.Add(pool[0]) // the blank-leaf hint must still be right
			fresh, err := Unmarshal(s, tree.Bytes())
			if err != nil || !bytes.Equal(fresh.TreeHash(), tree.TreeHash()) {
				t.Fatalf("round %d: tree after rollback and add is inconsistent: %v", round, err)
			}
		} else {
			tree.Commit()
		}
	}
}

func TestNestedStages(t *testing.T) {
	s := testSuite(t)
	rng := rand.NewChaCha8([32]byte{11})
	tree := New(s)
	tree.SetLeaf(0, newLeaf(t, s, rng))
	tree.Add(newLeaf(t, s, rng))
	base := tree.Bytes()
	tree.Begin() // outer
	tree.Add(newLeaf(t, s, rng))
	mid := tree.Bytes()
	tree.Begin() // inner, kept
	tree.Add(newLeaf(t, s, rng))
	tree.Commit()
	tree.Begin() // inner, undone
	tree.Remove(0)
	tree.Rollback()
	if tree.Members() != 4 {
		t.Fatalf("%d members after inner stages, want 4", tree.Members())
	}
	tree.Rollback() // outer undoes the kept inner stage too
	if !bytes.Equal(tree.Bytes(), base) {
		t.Fatal("outer rollback did not restore the base tree")
	}
	if bytes.Equal(mid, base) || tree.Staged() {
		t.Fatal("stage bookkeeping is off")
	}
}

// checkPositions holds ResolutionPosition against the resolution itself:
// for every non-blank leaf under x, the entry covering it is the one at
// the reported position and lies on the leaf's path (or is the leaf).
func checkPositions(t *testing.T, tree *Tree, x tm.NodeIndex, res []tm.NodeIndex) {
	t.Helper()
	lo, hi := leafSpan(x)
	for l := lo; l < hi && uint32(l) < uint32(tree.LeafCount()); l++ {
		pos, entry, ok := tree.ResolutionPosition(x, l)
		if tree.Leaf(l) == nil {
			continue
		}
		if !ok || pos >= len(res) || res[pos] != entry || !tm.InSubtree(l.Node(), entry) {
			t.Fatalf("ResolutionPosition(%d, leaf %d) = %d, %d, %v; resolution %v", x, l, pos, entry, ok, res)
		}
	}
}

package treekem

import (
	"bytes"
	"errors"
	"math/rand/v2"
	"testing"

	rt "cgkalab/models/ratchettree"
	"cgkalab/models/suite"
	tm "cgkalab/models/treemath"
)

// member is a test member: its leaf node and keys.
type member struct {
	leaf *rt.LeafNode
	key  *suite.HPKEPrivateKey
	sig  *suite.SignaturePrivateKey
}

func newMember(t *testing.T, s *suite.Suite, rng *rand.ChaCha8) member {
	t.Helper()
	ikm := make([]byte, s.Nh())
	rng.Read(ikm)
	key, err := s.DeriveKeyPair(ikm)
	if err != nil {
		t.Fatal(err)
	}
	sig, err := s.GenerateSignatureKey(rng)
	if err != nil {
		t.Fatal(err)
	}
	n := &rt.LeafNode{EncryptionKey: key.PublicKey(), SignatureKey: sig.PublicKey(),
		Credential:   rt.Credential{Type: rt.CredentialBasic, Identity: []byte("m")},
		Capabilities: &rt.Capabilities{Versions: []uint16{1}, CipherSuites: []uint16{uint16(s.ID)}, Credentials: []uint16{1}},
		Source:       rt.SourceKeyPackage, Lifetime: rt.Lifetime{NotAfter: 1 << 40}}
	if err := n.Sign(s, sig, nil, 0); err != nil {
		t.Fatal(err)
	}
	return member{n, key, sig}
}

// TestDecryptSkipsNewMembers: in a blank tree, a member added by the
// commit sits in a receiver's copath resolution before the receiver; the
// path carries no ciphertext for it, and every receiver still finds its
// own ciphertext (the position shifts by the members left out).
func TestDecryptSkipsNewMembers(t *testing.T) {
	s, _ := suite.ByID(1)
	rng := rand.NewChaCha8([32]byte{42})
	tree := rt.New(s)
	members := map[tm.LeafIndex]member{}
	for _, l := range []tm.LeafIndex{0, 1, 2, 3, 4, 5, 6} {
		m := newMember(t, s, rng)
		members[l] = m
		tree.Add(m.leaf)
	}
	if err := tree.Remove(1); err != nil { // leaves a blank at 1 for the joiner
		t.Fatal(err)
	}
	delete(members, 1)
	joiner := newMember(t, s, rng)
	if l := tree.Add(joiner.leaf); l != 1 {
		t.Fatalf("joiner placed at %d, want 1", l)
	}
	excluded := []tm.LeafIndex{1}

	sender := members[6]
	base := tree.Clone()
	sv := NewPrivateView(s, 6, sender.key)
	pp, err := sv.PreparePath(tree, []byte("g"), tree.Leaf(6), sender.sig, rng)
	if err != nil {
		t.Fatal(err)
	}
	ctx := []byte("provisional group context")
	up, edges, err := pp.Encrypt(tree, ctx, excluded, rng)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range edges {
		if e.Recipient == tm.LeafIndex(1).Node() {
			t.Fatal("the new member got a path ciphertext")
		}
	}
	for l, m := range members {
		if l == 6 {
			continue
		}
		rtree := base.Clone()
		if _, err := MergePath(rtree, 6, up, []byte("g")); err != nil {
			t.Fatal(err)
		}
		d, err := NewPrivateView(s, l, m.key).DecryptPath(rtree, 6, up, ctx, excluded)
		if err != nil {
			t.Fatalf("leaf %d: %v", l, err)
		}
		if !bytes.Equal(d.CommitSecret, pp.CommitSecret()) {
			t.Errorf("leaf %d: commit secret differs", l)
		}
	}
	// The new member itself is told to use its Welcome.
	rtree := base.Clone()
	MergePath(rtree, 6, up, []byte("g"))
	if _, err := NewPrivateView(s, 1, joiner.key).DecryptPath(rtree, 6, up, ctx, excluded); !errors.Is(err, ErrInvalidPath) {
		t.Errorf("new member decrypting: %v", err)
	}
}

// TestPathKeysMustBeNew checks the key uniqueness of an UpdatePath (RFC
// 9420, Section 12.4.2: none of its public keys may appear in any node of
// the tree it is merged into): a path key held by another node, by the
// sender's own old path, repeated within the path or equal to the leaf's
// is rejected with ErrDuplicateKey and leaves the tree as it was; a sender
// whose leaf shares another member's signature key cannot make a path.
func TestPathKeysMustBeNew(t *testing.T) {
	s, _ := suite.ByID(1)
	rng := rand.NewChaCha8([32]byte{43})
	tree := rt.New(s)
	var members []member
	for range 8 {
		m := newMember(t, s, rng)
		members = append(members, m)
		tree.Add(m.leaf)
	}
	sender := members[7]
	newPath := func(base *rt.Tree) *UpdatePath {
		t.Helper()
		sendTree := base.Clone()
		pp, err := NewPrivateView(s, 7, sender.key).PreparePath(sendTree, []byte("g"), sendTree.Leaf(7), sender.sig, rng)
		if err != nil {
			t.Fatal(err)
		}
		up, _, err := pp.Encrypt(sendTree, []byte("ctx"), nil, rng)
		if err != nil {
			t.Fatal(err)
		}
		return up
	}
	// A first path gives the sender's direct path keys in the base tree.
	base := tree.Clone()
	if _, err := MergePath(base, 7, newPath(tree), []byte("g")); err != nil {
		t.Fatal(err)
	}
	oldPathKey := base.EncryptionKey(base.Root())
	for name, mutate := range map[string]func(up *UpdatePath){
		"another member's leaf key":  func(up *UpdatePath) { up.Nodes[0].EncryptionKey = members[0].leaf.EncryptionKey },
		"the sender's old path key":  func(up *UpdatePath) { up.Nodes[len(up.Nodes)-1].EncryptionKey = oldPathKey },
		"a key repeated in the path": func(up *UpdatePath) { up.Nodes[1].EncryptionKey = up.Nodes[0].EncryptionKey },
		"the leaf's own key":         func(up *UpdatePath) { up.Nodes[2].EncryptionKey = up.LeafNode.EncryptionKey },
	} {
		up := newPath(base)
		mutate(up)
		rtree := base.Clone()
		before := rtree.Bytes()
		_, err := MergePath(rtree, 7, up, []byte("g"))
		if !errors.Is(err, rt.ErrDuplicateKey) || !errors.Is(err, ErrInvalidPath) {
			t.Errorf("%s: %v, want ErrDuplicateKey and ErrInvalidPath", name, err)
		}
		if !bytes.Equal(rtree.Bytes(), before) {
			t.Errorf("%s: the rejected path changed the tree", name)
		}
	}
	if _, err := MergePath(base.Clone(), 7, newPath(base), []byte("g")); err != nil {
		t.Fatalf("an intact second path: %v", err)
	}

	// Leaf 7 re-signed with leaf 0's signature key: its path is refused
	// by its own sender before anything changes.
	twin := *members[7].leaf
	twin.SignatureKey = members[0].leaf.SignatureKey
	if err := twin.Sign(s, members[0].sig, nil, 0); err != nil {
		t.Fatal(err)
	}
	dup := tree.Clone()
	dup.SetLeaf(7, &twin)
	before := dup.Bytes()
	_, err := NewPrivateView(s, 7, sender.key).PreparePath(dup, []byte("g"), &twin, members[0].sig, rng)
	if !errors.Is(err, rt.ErrDuplicateKey) {
		t.Errorf("path from a leaf sharing a signature key: %v, want ErrDuplicateKey", err)
	}
	if !bytes.Equal(dup.Bytes(), before) {
		t.Error("the refused path changed the tree")
	}
}

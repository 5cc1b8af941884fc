package ratchettree

import (
	"errors"
	"fmt"
	"math/rand/v2"
	"slices"
	"testing"

	tm "cgkalab/models/treemath"
)

// checkKeyIndex compares the tree's key lookups with a scan of its nodes:
// every key is found at a holder, a holder finds another holder exactly
// when the key is held twice, and absent keys are not found.
func checkKeyIndex(t *testing.T, tree *Tree, step string) {
	t.Helper()
	enc := map[string][]tm.NodeIndex{}
	sig := map[string][]tm.LeafIndex{}
	for x := range tm.NodeIndex(tree.Width()) {
		if !tree.IsBlank(x) {
			enc[string(tree.EncryptionKey(x))] = append(enc[string(tree.EncryptionKey(x))], x)
		}
		if l, ok := x.Leaf(); ok && tree.Leaf(l) != nil {
			sig[string(tree.Leaf(l).SignatureKey)] = append(sig[string(tree.Leaf(l).SignatureKey)], l)
		}
	}
	entries := 0
	for key, holders := range enc {
		entries += len(holders)
		if x, ok := tree.FindEncryptionKey([]byte(key), NoNode); !ok || !slices.Contains(holders, x) {
			t.Fatalf("%s: encryption key of nodes %v: found %d, %v", step, holders, x, ok)
		}
		for _, h := range holders {
			x, ok := tree.FindEncryptionKey([]byte(key), h)
			if ok != (len(holders) > 1) || ok && (x == h || !slices.Contains(holders, x)) {
				t.Fatalf("%s: encryption key of nodes %v, except %d: found %d, %v", step, holders, h, x, ok)
			}
		}
	}
	if entries != tree.encKeys.used {
		t.Fatalf("%s: %d non-blank nodes, %d encryption key entries", step, entries, tree.encKeys.used)
	}
	entries = 0
	for key, holders := range sig {
		entries += len(holders)
		for _, h := range holders {
			l, ok := tree.FindSignatureKey([]byte(key), h)
			if ok != (len(holders) > 1) || ok && (l == h || !slices.Contains(holders, l)) {
				t.Fatalf("%s: signature key of leaves %v, except %d: found %d, %v", step, holders, h, l, ok)
			}
		}
	}
	if entries != tree.sigKeys.used {
		t.Fatalf("%s: %d leaves, %d signature key entries", step, entries, tree.sigKeys.used)
	}
	if _, ok := tree.FindEncryptionKey([]byte("absent"), NoNode); ok {
		t.Fatalf("%s: an absent encryption key was found", step)
	}
	if _, ok := tree.FindSignatureKey([]byte("absent"), NoLeaf); ok {
		t.Fatalf("%s: an absent signature key was found", step)
	}
}

// TestKeyIndexTracksTree applies random Adds (some of leaves already in
// the tree, so keys repeat), Removes, Updates and parent changes, inside
// nested stages that are kept or rolled back, and clones, and checks after
// each step that the key lookups agree with a scan of the tree.
func TestKeyIndexTracksTree(t *testing.T) {
	_, rng, r, tree, pool := randomStart(t, 11, 60)
	depth := 0
	for step := range 600 {
		name := fmt.Sprintf("step %d", step)
		switch op := r.IntN(9); {
		case op <= 1 || tree.Members() < 2:
			tree.Add(pool[r.IntN(len(pool))])
		case op == 2:
			if l := tm.LeafIndex(r.IntN(int(tree.LeafCount()))); tree.Leaf(l) != nil && tree.Members() > 1 {
				if err := tree.Remove(l); err != nil {
					t.Fatal(err)
				}
			}
		case op == 3:
			if l := tm.LeafIndex(r.IntN(int(tree.LeafCount()))); tree.Leaf(l) != nil {
				tree.Update(l, pool[r.IntN(len(pool))])
			}
		case op == 4:
			x := tm.NodeIndex(2*r.IntN(int(tree.LeafCount())) + 1)
			if uint32(x) < tree.Width() {
				key := make([]byte, 32)
				rng.Read(key)
				if r.IntN(4) == 0 { // reuse a key held elsewhere
					key = tree.EncryptionKey(tm.NodeIndex(2 * r.IntN(int(tree.LeafCount()))))
				}
				tree.SetParent(x, &ParentNode{EncryptionKey: key})
			}
		case op == 5 && depth < 3:
			tree.Begin()
			depth++
		case op == 6 && depth > 0:
			tree.Commit()
			depth--
		case op == 7 && depth > 0:
			tree.Rollback()
			depth--
		case op == 8 && depth == 0:
			c := tree.Clone()
			c.Add(pool[r.IntN(len(pool))])
			checkKeyIndex(t, c, name+" (clone)")
			if r.IntN(2) == 0 {
				tree = c
			}
		}
		checkKeyIndex(t, tree, name)
	}
}

// TestCheckLeafKeys checks the uniqueness rule of leaf validation and that
// Validate and BuildFromLeaves report a repeated key as ErrDuplicateKey.
func TestCheckLeafKeys(t *testing.T) {
	s, _, _, tree, pool := randomStart(t, 12, 3)
	tree.Add(pool[0])
	tree.Add(pool[1])
	if err := tree.CheckLeafKeys(pool[2], NoLeaf); err != nil {
		t.Fatalf("fresh leaf: %v", err)
	}
	if err := tree.CheckLeafKeys(pool[1], 2); err != nil {
		t.Fatalf("leaf at its own position: %v", err)
	}
	sameEnc, sameSig := *pool[2], *pool[2]
	sameEnc.EncryptionKey = pool[0].EncryptionKey
	sameSig.SignatureKey = pool[1].SignatureKey
	for name, n := range map[string]*LeafNode{"encryption key": &sameEnc, "signature key": &sameSig, "whole leaf": pool[1]} {
		if err := tree.CheckLeafKeys(n, NoLeaf); !errors.Is(err, ErrDuplicateKey) {
			t.Errorf("repeated %s: %v, want ErrDuplicateKey", name, err)
		}
	}
	tree.Add(pool[0])
	if err := tree.Validate(&LeafPolicy{}); !errors.Is(err, ErrDuplicateKey) || !errors.Is(err, ErrInvalidTree) {
		t.Errorf("Validate of a tree holding one leaf twice: %v", err)
	}
	if _, err := BuildFromLeaves(s, []*LeafNode{pool[0], pool[1], pool[0]}, SourceKeyPackage, &LeafPolicy{}); !errors.Is(err, ErrInvalidTree) || !errors.Is(err, ErrDuplicateKey) {
		t.Errorf("BuildFromLeaves with a repeated leaf: %v", err)
	}
}

// TestKeyIndexMemory bounds what the key indexes cost per member in a
// 2^16-leaf tree: about 30 bytes with every node keyed (two tables of
// 5-byte slots at 1/2 load) and 20 bytes with only the leaves keyed, as
// after one creator added everyone.
func TestKeyIndexMemory(t *testing.T) {
	const n = 1 << 16
	for _, warm := range []bool{true, false} {
		tree := syntheticTree(t, n, warm, 1)
		perMember := float64(tree.KeyIndexBytes()) / n
		t.Logf("warm=%v: key indexes %.1f bytes per member", warm, perMember)
		if limit := map[bool]float64{true: 32, false: 24}[warm]; perMember > limit {
			t.Errorf("warm=%v: key indexes cost %.1f bytes per member, want at most %v", warm, perMember, limit)
		}
	}
}

// syntheticTree returns a tree of n leaves with distinct random keys (no
// signatures: the index does not look at them), every parent keyed when
// warm.
func syntheticTree(tb testing.TB, n int, warm bool, seed byte) *Tree {
	rng := rand.NewChaCha8([32]byte{seed})
	tree := New(testSuite(tb))
	tree.resize(tm.LeafCountFor(uint32(n)))
	key := func() []byte {
		k := make([]byte, 32)
		rng.Read(k)
		return k
	}
	for l := range n {
		tree.SetLeaf(tm.LeafIndex(l), &LeafNode{EncryptionKey: key(), SignatureKey: key()})
	}
	if warm {
		for x := tm.NodeIndex(1); uint32(x) < tree.Width(); x += 2 {
			tree.SetParent(x, &ParentNode{EncryptionKey: key()})
		}
	}
	return tree
}

// BenchmarkKeyIndex replaces a leaf and its direct path in a warm 2^16-leaf
// tree, as merging a commit does, and checks each new key's uniqueness
// first; it reports the indexes' bytes per member.
func BenchmarkKeyIndex(b *testing.B) {
	const n = 1 << 16
	tree := syntheticTree(b, n, true, 2)
	rng := rand.NewChaCha8([32]byte{3})
	path, _ := tm.DirectPath(tm.LeafIndex(n-1).Node(), tree.LeafCount())
	keys := make([][]byte, 64*(len(path)+1))
	for i := range keys {
		keys[i] = make([]byte, 32)
		rng.Read(keys[i])
	}
	i := 0
	for b.Loop() {
		leaf := *tree.Leaf(n - 1)
		leaf.EncryptionKey = keys[i%len(keys)]
		i++
		if err := tree.CheckLeafKeys(&leaf, n-1); err != nil {
			b.Fatal(err)
		}
		tree.SetLeaf(n-1, &leaf)
		for _, x := range path {
			k := keys[i%len(keys)]
			i++
			if _, dup := tree.FindEncryptionKey(k, NoNode); dup {
				b.Fatal("duplicate")
			}
			tree.SetParent(x, &ParentNode{EncryptionKey: k})
		}
	}
	b.ReportMetric(float64(tree.KeyIndexBytes())/n, "index-B/member")
}

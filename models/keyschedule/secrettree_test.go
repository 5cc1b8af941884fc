package keyschedule

import (
	"errors"
	"fmt"
	"slices"
	"testing"

	"cgkalab/models/suite"
	"cgkalab/models/treemath"
)

func newTestTree(t testing.TB, leaves treemath.LeafCount, cfg SecretTreeConfig) (*suite.Suite, *SecretTree) {
	t.Helper()
	s := mustSuite(t, 1)
	tree, err := NewSecretTree(s, EncryptionSecret(fill(seeded(9), s.Nh())), leaves, cfg)
	if err != nil {
		t.Fatal(err)
	}
	return s, tree
}

func wantErr(t *testing.T, err, want error) {
	t.Helper()
	if !errors.Is(err, want) {
		t.Fatalf("error = %v, want %v", err, want)
	}
}

func wantCounts(t *testing.T, tree *SecretTree, want RetainedCounts) {
	t.Helper()
	got := tree.Counts()
	if got != want {
		t.Fatalf("Counts() = %+v, want %+v", got, want)
	}
	if n := len(tree.Retained()); n != got.Total() {
		t.Fatalf("len(Retained()) = %d, Counts().Total() = %d", n, got.Total())
	}
}

// Section 9.2: node secrets on the path are deleted once both children are
// derived, the leaf's once its ratchets exist; the siblings stay.
func TestSecretTreeDeletesConsumedNodes(t *testing.T) {
	_, tree := newTestTree(t, 8, DefaultSecretTreeConfig())
	wantCounts(t, tree, RetainedCounts{NodeSecrets: 1})
	if _, err := tree.Key(0, ApplicationRatchet, 0); err != nil {
		t.Fatal(err)
	}
	// Leaf 0 (node 0): copath 2, 5, 11 stay; 7 (root), 3, 1, 0 are gone.
	want := []RetainedSecret{
		{Kind: RetainedNode, Node: 2},
		{Kind: RetainedNode, Node: 5},
		{Kind: RetainedNode, Node: 11},
		{Kind: RetainedRatchet, Leaf: 0, Ratchet: HandshakeRatchet, Generation: 0},
		{Kind: RetainedRatchet, Leaf: 0, Ratchet: ApplicationRatchet, Generation: 1},
	}
	if got := tree.Retained(); !slices.Equal(got, want) {
		t.Fatalf("Retained() = %+v\nwant %+v", got, want)
	}
	if got := tree.Stats(); got != (SecretTreeStats{NodeSecrets: 6, RatchetSecrets: 3, KeyNonces: 1}) {
		t.Errorf("Stats() = %+v", got)
	}
	if _, err := tree.Key(1, HandshakeRatchet, 0); err != nil {
		t.Fatal(err)
	}
	wantCounts(t, tree, RetainedCounts{NodeSecrets: 2, RatchetSecrets: 4})
	for leaf := treemath.LeafIndex(0); leaf < 8; leaf++ {
		if !tree.Derivable(leaf, ApplicationRatchet, 5) {
			t.Errorf("leaf %d generation 5 not derivable", leaf)
		}
	}
}

// A consumed generation cannot be obtained again, skipped keys are kept
// within the tolerance, and the retained state shrinks as keys are used.
func TestSecretTreeDeletesConsumedKeys(t *testing.T) {
	_, tree := newTestTree(t, 1, SecretTreeConfig{MaxForwardDistance: 100, OutOfOrderTolerance: 5})
	const A = ApplicationRatchet
	if _, err := tree.Key(0, A, 3); err != nil {
		t.Fatal(err)
	}
	wantCounts(t, tree, RetainedCounts{RatchetSecrets: 2, KeyNonces: 3})
	_, err := tree.Key(0, A, 3)
	wantErr(t, err, ErrGenerationConsumed)
	if tree.Derivable(0, A, 3) {
		t.Error("consumed generation 3 still derivable")
	}
	k1, err := tree.Key(0, A, 1)
	if err != nil || k1.Generation != 1 {
		t.Fatalf("out-of-order generation 1: %+v, %v", k1, err)
	}
	wantCounts(t, tree, RetainedCounts{RatchetSecrets: 2, KeyNonces: 2})
	_, err = tree.Key(0, A, 1)
	wantErr(t, err, ErrGenerationConsumed)
	for g, want := range map[uint32]bool{0: true, 1: false, 2: true, 3: false, 4: true, 1 << 31: true} {
		if got := tree.Derivable(0, A, g); got != want {
			t.Errorf("Derivable(generation %d) = %v, want %v", g, got, want)
		}
	}

	// Jumping to 20 keeps the keys of 15..19 and deletes 0 and 2.
	if _, err := tree.Key(0, A, 20); err != nil {
		t.Fatal(err)
	}
	wantCounts(t, tree, RetainedCounts{RatchetSecrets: 2, KeyNonces: 5})
	_, err = tree.Key(0, A, 2)
	wantErr(t, err, ErrGenerationTooOld)
	_, err = tree.Key(0, A, 14)
	wantErr(t, err, ErrGenerationTooOld)
	for g := uint32(15); g < 20; g++ {
		if _, err := tree.Key(0, A, g); err != nil {
			t.Fatalf("generation %d: %v", g, err)
		}
	}
	wantCounts(t, tree, RetainedCounts{RatchetSecrets: 2})

	// Sender side: Next continues after the newest generation.
	k, err := tree.Next(0, A)
	if err != nil || k.Generation != 21 {
		t.Fatalf("Next = %+v, %v; want generation 21", k, err)
	}

	tree.Erase()
	wantCounts(t, tree, RetainedCounts{})
	_, err = tree.Key(0, HandshakeRatchet, 0)
	wantErr(t, err, ErrErased)
	if tree.Derivable(0, HandshakeRatchet, 0) {
		t.Error("erased tree still derives")
	}
}

// With no tolerance only in-order delivery works and nothing is kept.
func TestSecretTreeStrictOrder(t *testing.T) {
	_, tree := newTestTree(t, 2, SecretTreeConfig{MaxForwardDistance: 10, OutOfOrderTolerance: 0})
	if _, err := tree.Key(1, HandshakeRatchet, 2); err != nil {
		t.Fatal(err)
	}
	wantCounts(t, tree, RetainedCounts{NodeSecrets: 1, RatchetSecrets: 2})
	_, err := tree.Key(1, HandshakeRatchet, 1)
	wantErr(t, err, ErrGenerationTooOld)
	_, err = tree.Key(1, HandshakeRatchet, 2)
	wantErr(t, err, ErrGenerationConsumed)
}

// The sender's Next and the receiver's Key give the same keys, and a
// message sealed with the guarded nonce opens on the other side.
func TestSecretTreeSenderReceiver(t *testing.T) {
	s, sender := newTestTree(t, 4, DefaultSecretTreeConfig())
	_, receiver := newTestTree(t, 4, DefaultSecretTreeConfig())
	guard := [4]byte{0xde, 0xad, 0xbe, 0xef}
	for i := range 4 {
		k, err := sender.Next(2, ApplicationRatchet)
		if err != nil {
			t.Fatal(err)
		}
		if k.Generation != uint32(i) {
			t.Fatalf("Next generation %d, want %d", k.Generation, i)
		}
		ct, err := s.Seal(k.Key, k.GuardedNonce(guard), []byte("aad"), []byte("hello"))
		if err != nil {
			t.Fatal(err)
		}
		r, err := receiver.Key(2, ApplicationRatchet, k.Generation)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := s.Open(r.Key, r.GuardedNonce(guard), []byte("aad"), ct); err != nil {
			t.Fatalf("generation %d: %v", i, err)
		}
		if _, err := s.Open(r.Key, r.Nonce, []byte("aad"), ct); err == nil {
			t.Fatal("opened without the reuse guard")
		}
	}
}

// A 2^20-leaf tree touched at 10 leaves derives only their paths.
func TestSecretTreeLazy(t *testing.T) {
	const leaves = 1 << 20
	_, tree := newTestTree(t, leaves, DefaultSecretTreeConfig())
	wantCounts(t, tree, RetainedCounts{NodeSecrets: 1})
	for i := range 10 {
		leaf := treemath.LeafIndex(uint32(i) * 104729 % leaves)
		if _, err := tree.Key(leaf, ApplicationRatchet, 0); err != nil {
			t.Fatal(err)
		}
	}
	st := tree.Stats()
	if st.NodeSecrets > 10*2*20 {
		t.Errorf("derived %d node secrets for 10 leaves of a depth-20 tree, want at most %d", st.NodeSecrets, 10*2*20)
	}
	c := tree.Counts()
	if c.NodeSecrets > 10*20 || c.RatchetSecrets != 20 || c.KeyNonces != 0 {
		t.Errorf("Counts() = %+v, want at most 200 node secrets and 20 ratchet secrets", c)
	}
	t.Logf("stats %+v, retained %+v", st, c)
	// Every leaf is still covered.
	for _, leaf := range []treemath.LeafIndex{1, 12345, leaves - 1} {
		if !tree.Derivable(leaf, HandshakeRatchet, 0) {
			t.Errorf("leaf %d not derivable", leaf)
		}
	}
}

func TestSecretTreeErrors(t *testing.T) {
	s := mustSuite(t, 1)
	_, err := NewSecretTree(s, make(EncryptionSecret, 5), 4, DefaultSecretTreeConfig())
	wantErr(t, err, ErrSecretLength)
	if _, err := NewSecretTree(s, make(EncryptionSecret, s.Nh()), 3, DefaultSecretTreeConfig()); err == nil {
		t.Error("3-leaf tree accepted")
	}

	_, tree := newTestTree(t, 4, DefaultSecretTreeConfig())
	_, err = tree.Key(4, HandshakeRatchet, 0)
	wantErr(t, err, ErrLeafOutOfRange)
	_, err = tree.Next(1<<31, HandshakeRatchet)
	wantErr(t, err, ErrLeafOutOfRange)
	if _, err := tree.Key(0, RatchetKind(2), 0); err == nil {
		t.Error("unknown ratchet kind accepted")
	}
	_, err = tree.Key(0, HandshakeRatchet, 1001)
	wantErr(t, err, ErrGenerationTooFar)
	if _, err := tree.Key(0, HandshakeRatchet, 1000); err != nil {
		t.Fatalf("skipping exactly the maximum distance: %v", err)
	}
	_, err = tree.Key(0, HandshakeRatchet, 2002)
	wantErr(t, err, ErrGenerationTooFar)
	if tree.Derivable(4, HandshakeRatchet, 0) {
		t.Error("out-of-range leaf derivable")
	}

	_, _, err = SenderDataSecret(make([]byte, 3)).KeyNonce(s, nil)
	wantErr(t, err, ErrSecretLength)
}

// The last generation a uint32 names is 2^32-1; then the ratchet is
// exhausted and its secret deleted.
func TestSecretTreeExhaustion(t *testing.T) {
	_, tree := newTestTree(t, 2, DefaultSecretTreeConfig())
	if _, err := tree.Key(0, HandshakeRatchet, 0); err != nil {
		t.Fatal(err)
	}
	setNextGenerationForTesting(tree, 0, HandshakeRatchet, 1<<32-2)
	for _, want := range []uint32{1<<32 - 2, 1<<32 - 1} {
		k, err := tree.Next(0, HandshakeRatchet)
		if err != nil || k.Generation != want {
			t.Fatalf("Next = generation %d, %v; want %d", k.Generation, err, want)
		}
	}
	_, err := tree.Next(0, HandshakeRatchet)
	wantErr(t, err, ErrRatchetExhausted)
	_, err = tree.Key(0, HandshakeRatchet, 1<<32-1)
	wantErr(t, err, ErrGenerationConsumed)
	wantCounts(t, tree, RetainedCounts{NodeSecrets: 1, RatchetSecrets: 1})
	if tree.Derivable(0, HandshakeRatchet, 1<<32-1) {
		t.Error("exhausted ratchet still derives")
	}
}

// setNextGenerationForTesting moves a ratchet to generation g without
// deriving the generations in between (its secret is not the real one).
func setNextGenerationForTesting(t *SecretTree, leaf treemath.LeafIndex, kind RatchetKind, g uint64) {
	t.ratchets[leaf][kind].next = g
}

func BenchmarkSecretTreeFirstUse(b *testing.B) {
	s := mustSuite(b, 1)
	enc := EncryptionSecret(fill(seeded(10), s.Nh()))
	for _, n := range []treemath.LeafCount{1024, 1 << 20} {
		b.Run(fmt.Sprintf("n=%d", n), func(b *testing.B) {
			b.ReportAllocs()
			leaf := treemath.LeafIndex(0)
			for b.Loop() {
				// A fresh tree each time (it stores only the root), so
				// every iteration derives a full root-to-leaf path.
				tree, err := NewSecretTree(s, enc, n, DefaultSecretTreeConfig())
				if err != nil {
					b.Fatal(err)
				}
				if _, err := tree.Key(leaf, ApplicationRatchet, 0); err != nil {
					b.Fatal(err)
				}
				leaf = (leaf + 7919) % treemath.LeafIndex(n)
			}
		})
	}
}

func BenchmarkRatchetNext(b *testing.B) {
	_, tree := newTestTree(b, 2, SecretTreeConfig{})
	b.ReportAllocs()
	for b.Loop() {
		if _, err := tree.Next(1, ApplicationRatchet); err != nil {
			b.Fatal(err)
		}
	}
}

package bench

import (
	"encoding/binary"
	"fmt"
	"io"
	"math/rand/v2"
	"time"

	rt "cgkalab/models/ratchettree"
	"cgkalab/models/suite"
	"cgkalab/models/treekem"
	tm "cgkalab/models/treemath"
)

// TreeShape says how a benchmark tree was populated.
type TreeShape string

const (
	// Warm: every leaf and every parent node holds a key, as after many
	// path updates.
	Warm TreeShape = "warm"
	// Built: one creator added everyone in a single commit with a path, so
	// only the creator's direct path holds parent keys.
	Built TreeShape = "built"
)

// keyPool holds distinct real HPKE key pairs reused across the nodes of a
// synthetic tree: HPKE costs do not depend on which valid key is used, and
// deriving 2^21 key pairs would dominate setup.
type keyPool struct {
	privs []*suite.HPKEPrivateKey
}

func newKeyPool(s *suite.Suite, size int, rng io.Reader) (*keyPool, error) {
	p := &keyPool{privs: make([]*suite.HPKEPrivateKey, size)}
	ikm := make([]byte, s.Nh())
	for i := range p.privs {
		io.ReadFull(rng, ikm)
		k, err := s.DeriveKeyPair(ikm)
		if err != nil {
			return nil, err
		}
		p.privs[i] = k
	}
	return p, nil
}

func (p *keyPool) key(x tm.NodeIndex) *suite.HPKEPrivateKey { return p.privs[int(x)%len(p.privs)] }

// TreeFixture is a tree of n members with one committer and one receiver
// whose private views are known.
type TreeFixture struct {
	Suite    *suite.Suite
	Shape    TreeShape
	Tree     *rt.Tree
	GroupID  []byte
	Sender   *treekem.PrivateView
	SigKey   *suite.SignaturePrivateKey
	Receiver *treekem.PrivateView
}

// NewTreeFixture builds a synthetic tree of n leaves (a power of two). The
// sender is the last leaf, the receiver leaf 0, so the sender's path spans
// the whole tree. Parent hashes of the synthetic nodes are not chained;
// creation and processing check only the path they produce.
func NewTreeFixture(s *suite.Suite, n int, shape TreeShape, seed uint64) (*TreeFixture, error) {
	rng := rand.NewChaCha8(seedBytes(seed))
	pool, err := newKeyPool(s, 4096, rng)
	if err != nil {
		return nil, err
	}
	sig, err := s.GenerateSignatureKey(rng)
	if err != nil {
		return nil, err
	}
	f := &TreeFixture{Suite: s, Shape: shape, Tree: rt.New(s), GroupID: []byte("cgkalab-bench"), SigKey: sig}
	proto := &rt.LeafNode{
		SignatureKey: sig.PublicKey(),
		Credential:   rt.Credential{Type: rt.CredentialBasic, Identity: []byte("member")},
		Capabilities: &rt.Capabilities{Versions: []uint16{1}, CipherSuites: []uint16{uint16(s.ID)}, Credentials: []uint16{1}},
		Source:       rt.SourceKeyPackage,
		Lifetime:     rt.Lifetime{NotBefore: 0, NotAfter: 1 << 62},
		Signature:    make([]byte, 64),
	}
	for i := 0; i < n; i++ {
		leaf := *proto
		leaf.EncryptionKey = pool.key(tm.LeafIndex(i).Node()).PublicKey()
		if i != n-1 {
			// Signature keys must be unique (RFC 9420, Section 7.3) and
			// only the sender signs: the others get distinct stand-ins.
			leaf.SignatureKey = binary.BigEndian.AppendUint64(make([]byte, 24, 32), uint64(i))
		}
		f.Tree.Add(&leaf)
	}
	if f.Tree.LeafCount() != tm.LeafCount(n) {
		return nil, fmt.Errorf("bench: n=%d is not a power of two", n)
	}
	sender := tm.LeafIndex(n - 1)
	receiver := tm.LeafIndex(0)
	f.Sender = treekem.NewPrivateView(s, sender, pool.key(sender.Node()))
	f.Receiver = treekem.NewPrivateView(s, receiver, pool.key(receiver.Node()))
	switch shape {
	case Warm:
		for x := 1; x < int(f.Tree.Width()); x += 2 {
			f.Tree.SetParent(tm.NodeIndex(x), &rt.ParentNode{EncryptionKey: pool.key(tm.NodeIndex(x)).PublicKey(), ParentHash: make([]byte, s.Nh())})
		}
	case Built:
		// The creator (leaf 0) holds its direct path.
		path, _ := tm.DirectPath(receiver.Node(), f.Tree.LeafCount())
		for _, x := range path {
			f.Tree.SetParent(x, &rt.ParentNode{EncryptionKey: pool.key(x).PublicKey(), ParentHash: make([]byte, s.Nh())})
		}
	default:
		return nil, fmt.Errorf("bench: unknown tree shape %q", shape)
	}
	for _, v := range []*treekem.PrivateView{f.Sender, f.Receiver} {
		path, _ := tm.DirectPath(v.Leaf.Node(), f.Tree.LeafCount())
		for _, x := range path {
			if !f.Tree.IsBlank(x) {
				v.SetKeyForTesting(x, pool.key(x))
			}
		}
	}
	f.Tree.TreeHash() // a real member has its tree hashes cached
	return f, nil
}

func seedBytes(seed uint64) [32]byte {
	var b [32]byte
	for i := range 8 {
		b[i] = byte(seed >> (8 * i))
	}
	return b
}

// groupContext stands in for the provisional GroupContext: its size matters
// to HPKE (it is the info), its contents do not.
func (f *TreeFixture) groupContext() []byte {
	gc := make([]byte, 0, 128)
	gc = append(gc, 0, 1, byte(f.Suite.ID>>8), byte(f.Suite.ID))
	gc = append(gc, byte(len(f.GroupID)))
	gc = append(gc, f.GroupID...)
	gc = append(gc, make([]byte, 8)...)
	gc = append(gc, byte(f.Suite.Nh()))
	gc = append(gc, f.Tree.TreeHash()...)
	gc = append(gc, byte(f.Suite.Nh()))
	gc = append(gc, make([]byte, f.Suite.Nh())...)
	return append(gc, 0)
}

// Create performs one full-path commit creation by the sender: path
// generation, merge and parent hashes, tree hash, encryption.
func (f *TreeFixture) Create(rng io.Reader) (*treekem.UpdatePath, treekem.Ops, []byte, error) {
	pp, err := f.Sender.PreparePath(f.Tree, f.GroupID, f.Tree.Leaf(f.Sender.Leaf), f.SigKey, rng)
	if err != nil {
		return nil, treekem.Ops{}, nil, err
	}
	ctx := f.groupContext()
	up, _, err := pp.Encrypt(f.Tree, ctx, nil, rng)
	return up, pp.Ops, ctx, err
}

// Process merges and decrypts an UpdatePath from the sender as the
// receiver: on a copy of the tree state the receiver would hold. The merge
// is staged and rolled back, so the same path can be processed again (a
// path whose keys are already in the tree would be rejected: RFC 9420,
// Section 12.4.2).
func (f *TreeFixture) Process(tree *rt.Tree, up *treekem.UpdatePath, ctx []byte) (treekem.Ops, error) {
	tree.Begin()
	defer tree.Rollback()
	ops, err := treekem.MergePath(tree, f.Sender.Leaf, up, f.GroupID)
	if err != nil {
		return ops, err
	}
	tree.TreeHash()
	d, err := f.Receiver.DecryptPath(tree, f.Sender.Leaf, up, ctx, nil)
	if err != nil {
		return ops, err
	}
	ops.Add(d.Ops)
	return ops, nil
}

// CryptoTime replays the cryptographic operations counted in ops with the
// suite's primitives and returns their summed time: the lower bound that a
// TreeKEM step is compared against.
func CryptoTime(s *suite.Suite, ops treekem.Ops, gcLen int) (time.Duration, error) {
	elapsed, _, err := CryptoCost(s, ops, gcLen)
	return elapsed, err
}

// CryptoCost is CryptoTime with the process CPU time of the replay too.
// The replay runs on one goroutine, so the two agree on an idle machine;
// on a busy one the CPU time is the fair comparison with a step's own
// CPU time.
func CryptoCost(s *suite.Suite, ops treekem.Ops, gcLen int) (elapsed, cpu time.Duration, err error) {
	rng := rand.NewChaCha8(seedBytes(99))
	secret := make([]byte, s.Nh())
	priv, err := s.DeriveKeyPair(secret)
	if err != nil {
		return 0, 0, err
	}
	sig, err := s.GenerateSignatureKey(rng)
	if err != nil {
		return 0, 0, err
	}
	gc := make([]byte, gcLen)
	kemOut, ct, err := s.EncryptWithLabel(priv.PublicKey(), "UpdatePathNode", gc, secret, rng)
	if err != nil {
		return 0, 0, err
	}
	leafTBS := make([]byte, 200)
	signature, _ := s.SignWithLabel(sig, "LeafNodeTBS", leafTBS)

	start, cpu0 := time.Now(), CPUTime()
	for range ops.DeriveSecret {
		s.DeriveSecret(secret, "path")
	}
	for range ops.DeriveKeyPair {
		s.DeriveKeyPair(secret)
	}
	for range ops.Encrypt {
		s.EncryptWithLabel(priv.PublicKey(), "UpdatePathNode", gc, secret, rng)
	}
	for range ops.Decrypt {
		s.DecryptWithLabel(priv, "UpdatePathNode", gc, kemOut, ct)
	}
	for range ops.Sign {
		s.SignWithLabel(sig, "LeafNodeTBS", leafTBS)
	}
	for range ops.Verify {
		s.VerifyWithLabel(sig.PublicKey(), "LeafNodeTBS", leafTBS, signature)
	}
	return time.Since(start), time.Duration(CPUTime() - cpu0), nil
}

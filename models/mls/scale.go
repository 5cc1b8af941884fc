package mls

import (
	"bytes"
	"fmt"
	"io"
	"sync"

	"cgkalab/models/internal/par"
	"cgkalab/models/keyschedule"
	rt "cgkalab/models/ratchettree"
	"cgkalab/models/suite"
	"cgkalab/models/treekem"
	tm "cgkalab/models/treemath"
)

// Accounting tells Commit which of its public-key encryptions a
// simulation needs performed: in a group of a million simulated members
// of which a handful process each commit for real, the ciphertexts to the
// others would never be decrypted. An accounted encryption keeps the exact
// length of a real one and advances the random stream as a real one
// does, and it is counted in the Outcome's operations; no public-key work
// is done and its bytes are filler, so the Commit's transcript (and with
// it the new epoch's secrets) differ from a run that performs them all.
// The tree, path keys, parent hashes, signatures, GroupInfo and key
// schedule stay real.
type Accounting struct {
	// Readers are the leaves of the members that will process the Commit
	// for real: the UpdatePath's encryptions to the resolution entries
	// covering them are performed, the rest accounted.
	Readers []tm.LeafIndex
	// Welcome accounts the encryption of every joiner's GroupSecrets to
	// its init key (for simulations in which no joiner processes its
	// Welcome); the GroupInfo is still signed and encrypted for real.
	Welcome bool
}

// encryptPath encrypts an UpdatePath's path secrets as a accounts them.
func (a *Accounting) encryptPath(pp *treekem.PendingPath, t *rt.Tree, groupContext []byte, added []tm.LeafIndex, rand io.Reader) (*treekem.UpdatePath, []treekem.Edge, error) {
	if a == nil {
		return pp.Encrypt(t, groupContext, added, rand)
	}
	return pp.EncryptAccounted(t, groupContext, added, a.Readers, rand)
}

// encryptGroupSecrets encrypts a joiner's GroupSecrets to its init key
// (RFC 9420, Section 12.4.3.1), or accounts the encryption.
func (a *Accounting) encryptGroupSecrets(s *suite.Suite, initKey, encGroupInfo, groupSecrets []byte, rand io.Reader) (kemOutput, ciphertext []byte, err error) {
	if a == nil || !a.Welcome {
		return s.EncryptWithLabel(initKey, "Welcome", encGroupInfo, groupSecrets, rand)
	}
	if err := s.DrawEncapRandomness(rand); err != nil {
		return nil, nil, err
	}
	kemOutput, ciphertext = s.AccountedEncryptWithLabel(len(groupSecrets))
	return kemOutput, ciphertext, nil
}

// PendingRemovals returns the leaves that a Commit by reference made now
// would remove: the Removes selectProposals keeps (RFC 9420, Section
// 12.2). A simulation that samples the Commit's receivers before creating
// it leaves these members out.
func (g *Group) PendingRemovals() []tm.LeafIndex {
	var out []tm.LeafIndex
	for _, cp := range g.selectProposals() {
		if cp.proposal.Type == ProposalRemove {
			out = append(out, tm.LeafIndex(cp.proposal.Remove))
		}
	}
	return out
}

// capabilities holds one DefaultCapabilities per suite, which every
// KeyPackage this package makes shares: LeafNodes are replaced, never
// changed in place, and the slices have no spare capacity to append
// into, so sharing is safe and a million leaves do not hold a million
// copies (rt.LeafNode.Capabilities).
var capabilities sync.Map // suite.ID -> *rt.Capabilities

// SharedCapabilities returns the suite's shared DefaultCapabilities.
func SharedCapabilities(s *suite.Suite) *rt.Capabilities {
	if c, ok := capabilities.Load(s.ID); ok {
		return c.(*rt.Capabilities)
	}
	c, _ := capabilities.LoadOrStore(s.ID, DefaultCapabilities(s))
	return c.(*rt.Capabilities)
}

// keyPackageCheck is what a KeyPackage was validated for.
type keyPackageCheck struct {
	suite suite.ID
	now   uint64
}

// ValidateKeyPackages validates kps (KeyPackage.Validate: both signatures
// verified, RFC 9420, Section 10.1) on all cores and returns the error of
// the first invalid one by index. Each valid KeyPackage remembers it, so a
// Commit adding it (which validates every Add, Section 12.2) does not
// verify its signatures a second time: a member adding a million clients
// checks each once, on every core.
func ValidateKeyPackages(s *suite.Suite, kps []*KeyPackage, now uint64) error {
	errs := make([]error, len(kps))
	par.Do(len(kps), 64, func(i int) {
		if errs[i] = kps[i].Validate(s, now); errs[i] == nil {
			kps[i].validated = &keyPackageCheck{s.ID, now}
		}
	})
	for i, err := range errs {
		if err != nil {
			return fmt.Errorf("KeyPackage %d: %w", i, err)
		}
	}
	return nil
}

// StartGroup creates a group at epoch 0 that holds tree, for a simulation
// that begins in the steady state of a long-lived group instead of
// replaying the history that led there. As NewGroup (RFC 9420, Section 11)
// draws the first epoch's secret at random, so does StartGroup; the
// GroupContext carries tree's hash. The group acts as no member until
// AssumeMember, or AsMember makes a member's own copy. The tree is taken
// as it is: its validity is the caller's (every check a joiner makes,
// Section 12.4.3.1, may be run on it with Tree.Validate).
func StartGroup(s *suite.Suite, groupID []byte, tree *rt.Tree, cfg Config, rand io.Reader) (*Group, error) {
	if cfg.SecretTree == (keyschedule.SecretTreeConfig{}) {
		cfg.SecretTree = keyschedule.DefaultSecretTreeConfig()
	}
	gc := keyschedule.GroupContext{CipherSuite: s.ID, GroupID: groupID, Epoch: 0, TreeHash: bytes.Clone(tree.TreeHash())}
	epochSecret := make([]byte, s.Nh())
	if _, err := io.ReadFull(rand, epochSecret); err != nil {
		return nil, err
	}
	secrets, err := keyschedule.DeriveFromEpochSecret(s, epochSecret)
	if err != nil {
		return nil, err
	}
	tag, err := secrets.Confirmation.Tag(s, nil)
	if err != nil {
		return nil, err
	}
	ep, err := newEpoch(s, gc, secrets, keyschedule.InterimTranscriptHash(s, nil, tag), tree.LeafCount(), cfg.SecretTree)
	if err != nil {
		return nil, err
	}
	return &Group{suite: s, cfg: cfg, tree: tree, cur: ep, pendingLeaves: map[string]*suite.HPKEPrivateKey{}}, nil
}

// AsMember returns one member's own state in g's current epoch (full
// fidelity): its private view and signature key, its own copy of the tree
// and its own secret tree, so that its use of message keys is its own.
func (g *Group) AsMember(view *treekem.PrivateView, sigKey *suite.SignaturePrivateKey) (*Group, error) {
	ep, err := newEpoch(g.suite, g.cur.gc, g.cur.secrets, g.cur.interim, g.cur.leaves, g.cfg.SecretTree)
	if err != nil {
		return nil, err
	}
	return &Group{suite: g.suite, cfg: g.cfg, tree: g.tree.Clone(), view: view, sigKey: sigKey, cur: ep,
		pendingLeaves: map[string]*suite.HPKEPrivateKey{}}, nil
}

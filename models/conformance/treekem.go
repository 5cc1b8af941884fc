package conformance

import (
	"bytes"
	"fmt"

	ks "cgkalab/models/keyschedule"
	rt "cgkalab/models/ratchettree"
	"cgkalab/models/suite"
	"cgkalab/models/treekem"
	tm "cgkalab/models/treemath"
	"cgkalab/models/vectors"
)

// treekemCase is one entry of treekem.json (test-vectors.md, "TreeKEM").
type treekemCase struct {
	GroupID                 vectors.Hex `json:"group_id"`
	Epoch                   uint64      `json:"epoch"`
	ConfirmedTranscriptHash vectors.Hex `json:"confirmed_transcript_hash"`
	RatchetTree             vectors.Hex `json:"ratchet_tree"`
	LeavesPrivate           []struct {
		Index          uint32      `json:"index"`
		EncryptionPriv vectors.Hex `json:"encryption_priv"`
		SignaturePriv  vectors.Hex `json:"signature_priv"`
		PathSecrets    []struct {
			Node       uint32      `json:"node"`
			PathSecret vectors.Hex `json:"path_secret"`
		} `json:"path_secrets"`
	} `json:"leaves_private"`
	UpdatePaths []struct {
		Sender        uint32        `json:"sender"`
		UpdatePath    vectors.Hex   `json:"update_path"`
		PathSecrets   []vectors.Hex `json:"path_secrets"` // null for the sender and blank leaves
		CommitSecret  vectors.Hex   `json:"commit_secret"`
		TreeHashAfter vectors.Hex   `json:"tree_hash_after"`
	} `json:"update_paths"`
}

// treekemMember is one leaf's private TreeKEM state from leaves_private.
type treekemMember struct {
	sigKey   *suite.SignaturePrivateKey
	leafPriv []byte
	secrets  map[tm.NodeIndex][]byte
}

// view builds leaf l's private view of tree and checks that it is
// consistent with the tree: every node it holds a key for is not blank
// and carries the public key of that private key.
func (m *treekemMember) view(s *suite.Suite, tree *rt.Tree, l tm.LeafIndex) (*treekem.PrivateView, error) {
	leafKey, err := s.ParseHPKEPrivateKey(m.leafPriv)
	if err != nil {
		return nil, fmt.Errorf("leaf %d: encryption_priv: %w", l, err)
	}
	if !bytes.Equal(leafKey.PublicKey(), tree.EncryptionKey(l.Node())) {
		return nil, fmt.Errorf("leaf %d: encryption_priv does not match the tree", l)
	}
	v := treekem.NewPrivateView(s, l, leafKey)
	for x, ps := range m.secrets {
		if tree.IsBlank(x) {
			return nil, fmt.Errorf("leaf %d holds a path secret for blank node %d", l, x)
		}
		if err := v.SetPathSecret(tree, x, ps); err != nil {
			return nil, fmt.Errorf("leaf %d: %w", l, err)
		}
	}
	return v, nil
}

func runTreeKEM(ck *checker, s *suite.Suite, c *treekemCase) error {
	base, err := rt.Unmarshal(s, c.RatchetTree)
	if err != nil {
		return errorf("ratchet_tree: %w", err)
	}
	// For each entry in leaves_private, a private state with
	// encryption_priv, signature_priv and the path secrets, consistent
	// with ratchet_tree.
	members := map[tm.LeafIndex]*treekemMember{}
	for _, lp := range c.LeavesPrivate {
		m := &treekemMember{leafPriv: lp.EncryptionPriv, secrets: map[tm.NodeIndex][]byte{}}
		if m.sigKey, err = s.ParseSignaturePrivateKey(lp.SignaturePriv); err != nil {
			return errorf("leaf %d: signature_priv: %w", lp.Index, err)
		}
		for _, ps := range lp.PathSecrets {
			m.secrets[tm.NodeIndex(ps.Node)] = ps.PathSecret
		}
		members[tm.LeafIndex(lp.Index)] = m
	}
	for l, m := range members {
		if _, err := m.view(s, base, l); err != nil {
			return err
		}
	}
	// The GroupContext: cipher_suite, group_id, epoch,
	// confirmed_transcript_hash as given, tree_hash reflecting the tree as
	// updated by the path, no extensions.
	gc := ks.GroupContext{
		CipherSuite:             s.ID,
		GroupID:                 c.GroupID,
		Epoch:                   c.Epoch,
		ConfirmedTranscriptHash: c.ConfirmedTranscriptHash,
	}
	// member returns leaf l's state, or an error naming a leaf that
	// leaves_private does not describe.
	member := func(l tm.LeafIndex) (*treekemMember, error) {
		if m := members[l]; m != nil {
			return m, nil
		}
		return nil, fmt.Errorf("leaves_private has no entry for leaf %d", l)
	}

	for ui, u := range c.UpdatePaths {
		uk := ck.in("update_paths[%d] (sender %d)", ui, u.Sender)
		sender := tm.LeafIndex(u.Sender)
		up, err := treekem.ParseUpdatePath(u.UpdatePath)
		if err != nil {
			return uk.wrap(err)
		}
		if !bytes.Equal(up.Bytes(), u.UpdatePath) {
			uk.errorf("UpdatePath does not re-encode identically")
		}
		// update_path is parent-hash valid relative to ratchet_tree, and
		// the merged tree's root hash is tree_hash_after.
		tree := base.Clone()
		if _, err := treekem.MergePath(tree, sender, up, c.GroupID); err != nil {
			return uk.wrap(errorf("merging update_path: %w", err))
		}
		uk.noErr("merged tree parent hashes", tree.VerifyParentHashes())
		uk.equal("tree_hash_after", tree.TreeHash(), u.TreeHashAfter)
		gc.TreeHash = tree.TreeHash()
		ctx := gc.Bytes()
		// For each non-blank leaf j != sender: processing update_path with
		// leaf_private[j] gives path_secrets[j] and commit_secret.
		for j := range tree.LeafCount() {
			l := tm.LeafIndex(j)
			if l == sender || base.Leaf(l) == nil {
				continue
			}
			m, err := member(l)
			if err != nil {
				return uk.wrap(err)
			}
			v, err := m.view(s, base, l)
			if err != nil {
				return uk.wrap(err)
			}
			d, err := v.DecryptPath(tree, sender, up, ctx, nil)
			if err != nil {
				uk.errorf("leaf %d: %w", l, err)
				continue
			}
			if int(j) >= len(u.PathSecrets) {
				uk.errorf("leaf %d: path_secrets has only %d entries", l, len(u.PathSecrets))
			} else {
				uk.equal(fmt.Sprintf("leaf %d path secret", l), d.PathSecret, u.PathSecrets[j])
			}
			uk.equal(fmt.Sprintf("leaf %d commit secret", l), d.CommitSecret, u.CommitSecret)
		}

		// A new UpdatePath from the same sender, created with
		// ratchet_tree, the sender's signature_priv and the GroupContext,
		// gives every other non-blank leaf its new_commit_secret.
		sm, err := member(sender)
		if err != nil {
			return uk.wrap(err)
		}
		tree = base.Clone()
		sv, err := sm.view(s, tree, sender)
		if err != nil {
			return uk.wrap(err)
		}
		pp, err := sv.PreparePath(tree, c.GroupID, tree.Leaf(sender), sm.sigKey, seeded(uint64(ui)))
		if err != nil {
			return uk.wrap(errorf("PreparePath: %w", err))
		}
		gc.TreeHash = tree.TreeHash()
		ctx = gc.Bytes()
		newUp, _, err := pp.Encrypt(tree, ctx, nil, seeded(uint64(ui)+1000))
		if err != nil {
			return uk.wrap(errorf("Encrypt: %w", err))
		}
		uk.noErr("tree after own path: parent hashes", tree.VerifyParentHashes())
		// Receivers merge the encoded path into their own copy.
		encoded := newUp.Bytes()
		for j := range base.LeafCount() {
			l := tm.LeafIndex(j)
			if l == sender || base.Leaf(l) == nil {
				continue
			}
			m, err := member(l)
			if err != nil {
				return uk.wrap(err)
			}
			rtree := base.Clone()
			rup, err := treekem.ParseUpdatePath(encoded)
			if err != nil {
				return uk.wrap(errorf("new path: %w", err))
			}
			v, err := m.view(s, rtree, l)
			if err != nil {
				return uk.wrap(err)
			}
			if _, err := treekem.MergePath(rtree, sender, rup, c.GroupID); err != nil {
				return uk.wrap(errorf("leaf %d: merging new path: %w", l, err))
			}
			if !bytes.Equal(rtree.TreeHash(), gc.TreeHash) {
				uk.errorf("leaf %d: tree hash after merging the new path differs from the sender's", l)
			}
			d, err := v.DecryptPath(rtree, sender, rup, ctx, nil)
			if err != nil {
				uk.errorf("leaf %d: new path: %w", l, err)
				continue
			}
			uk.equal(fmt.Sprintf("leaf %d new commit secret", l), d.CommitSecret, pp.CommitSecret())
		}
	}
	return nil
}

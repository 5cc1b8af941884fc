package treekem

import (
	"bytes"
	"errors"
	"fmt"
	"slices"

	rt "cgkalab/models/ratchettree"
	tm "cgkalab/models/treemath"
)

// ErrInvalidPath is wrapped by every rejection of a received UpdatePath.
var ErrInvalidPath = errors.New("invalid UpdatePath")

// MergePath merges a received UpdatePath from sender into t (RFC 9420,
// Section 7.5, "merges UpdatePath into the tree"): it checks the LeafNode's
// source and signature, the path length and that the path's keys are new
// to t (checkPathKeys), blanks the sender's direct path, sets the new
// public keys, recomputes the parent hashes and checks the one the leaf
// carries. On any error t is left as it was. That a member's path changes
// its leaf's encryption key is the caller's check: an external joiner's
// leaf is placed in t before its path is merged.
func MergePath(t *rt.Tree, sender tm.LeafIndex, up *UpdatePath, groupID []byte) (Ops, error) {
	var ops Ops
	if t.Leaf(sender) == nil {
		return ops, fmt.Errorf("sender leaf %d is blank: %w", sender, ErrInvalidPath)
	}
	if up.LeafNode == nil || up.LeafNode.Source != rt.SourceCommit {
		return ops, fmt.Errorf("UpdatePath leaf_node_source is not commit: %w", ErrInvalidPath)
	}
	ops.Verify++
	if err := up.LeafNode.VerifySignature(t.Suite(), groupID, sender); err != nil {
		return ops, fmt.Errorf("UpdatePath leaf node: %w: %w", err, ErrInvalidPath)
	}
	var pbuf, cbuf [tm.MaxPathLen]tm.NodeIndex
	path, _ := t.FilteredDirectPath(sender, pbuf[:0], cbuf[:0])
	if len(up.Nodes) != len(path) {
		return ops, fmt.Errorf("UpdatePath has %d nodes, the sender's filtered direct path %d: %w", len(up.Nodes), len(path), ErrInvalidPath)
	}
	var kbuf [tm.MaxPathLen][]byte
	keys := kbuf[:len(up.Nodes)]
	for i := range up.Nodes {
		keys[i] = up.Nodes[i].EncryptionKey
	}
	if err := checkPathKeys(t, sender, up.LeafNode, keys); err != nil {
		return ops, err
	}

	// Save what changes so a failed check can restore it.
	var dbuf [tm.MaxPathLen]tm.NodeIndex
	direct, _ := tm.AppendDirectPath(dbuf[:0], sender.Node(), t.LeafCount())
	saved := make([]*rt.ParentNode, len(direct))
	for i, x := range direct {
		if p := t.ParentNode(x); p != nil {
			q := *p
			saved[i] = &q
		}
	}
	oldLeaf := t.Leaf(sender)
	restore := func() {
		for i, x := range direct {
			t.SetParent(x, saved[i])
		}
		t.SetLeaf(sender, oldLeaf)
	}

	t.BlankPath(sender)
	for i, x := range path {
		t.SetParent(x, &rt.ParentNode{EncryptionKey: up.Nodes[i].EncryptionKey})
	}
	ph := t.SetPathParentHashes(sender)
	if !bytes.Equal(ph, up.LeafNode.ParentHash) {
		restore()
		return ops, fmt.Errorf("leaf parent_hash %x, computed %x: %w", up.LeafNode.ParentHash, ph, ErrInvalidPath)
	}
	t.SetLeaf(sender, up.LeafNode)
	return ops, nil
}

// Decrypted is what a receiver learns from an UpdatePath.
type Decrypted struct {
	PathNode     tm.NodeIndex // the node whose path secret was decrypted
	PathSecret   []byte
	CommitSecret []byte
	Ops          Ops
}

// DecryptPath decrypts the path secret meant for this member from an
// UpdatePath already merged into t and derives the rest of the path
// (RFC 9420, Section 7.5, "decrypts the path secrets"): the ciphertext is
// the one for the node of the copath child's resolution (without the
// leaves in excluded) whose private key the view holds. Derived public keys
// are checked against the UpdatePath, the new keys stored and outdated ones
// deleted. On error the view is unchanged.
func (v *PrivateView) DecryptPath(t *rt.Tree, sender tm.LeafIndex, up *UpdatePath, groupContext []byte, excluded []tm.LeafIndex) (*Decrypted, error) {
	if sender == v.Leaf {
		return nil, fmt.Errorf("member %d cannot decrypt its own UpdatePath: %w", sender, ErrInvalidPath)
	}
	var pbuf, cbuf [tm.MaxPathLen]tm.NodeIndex
	path, copath := t.FilteredDirectPath(sender, pbuf[:0], cbuf[:0])
	if len(up.Nodes) != len(path) {
		return nil, fmt.Errorf("UpdatePath has %d nodes, the sender's filtered direct path %d: %w", len(up.Nodes), len(path), ErrInvalidPath)
	}
	i := 0
	for i < len(copath) && !tm.InSubtree(v.Leaf.Node(), copath[i]) {
		i++
	}
	if i == len(copath) {
		return nil, fmt.Errorf("leaf %d lies under no copath node of sender %d: %w", v.Leaf, sender, ErrInvalidPath)
	}
	// The ciphertext for this member is the one for the entry of the
	// copath node's resolution that covers its leaf; resolution sizes and
	// positions are cached, so this costs O(log n) even in a blank tree.
	c := copath[i]
	size, pos, entry, ok := t.ResolutionSize(c), 0, tm.NodeIndex(0), false
	if pos, entry, ok = t.ResolutionPosition(c, v.Leaf); !ok {
		return nil, fmt.Errorf("leaf %d is not in the resolution of copath node %d: %w", v.Leaf, c, ErrInvalidPath)
	}
	if slices.Contains(excluded, v.Leaf) {
		return nil, fmt.Errorf("member %d was added by this commit and gets the Welcome instead: %w", v.Leaf, ErrInvalidPath)
	}
	at := pos
	for _, e := range excluded { // new members get no ciphertext
		if p, _, ok := t.ResolutionPosition(c, e); ok {
			size--
			if p < at {
				pos--
			}
		}
	}
	cts := up.Nodes[i].EncryptedPathSecret
	if len(cts) != size {
		return nil, fmt.Errorf("node %d carries %d ciphertexts for a resolution of %d: %w", path[i], len(cts), size, ErrInvalidPath)
	}
	d := &Decrypted{PathNode: path[i]}
	priv := v.Key(t, entry)
	if priv == nil {
		return nil, fmt.Errorf("member %d holds no key for node %d in the resolution of copath node %d: %w", v.Leaf, entry, c, ErrInvalidPath)
	}
	secret, err := v.Suite.DecryptWithLabel(priv, "UpdatePathNode", groupContext, cts[pos].KEMOutput, cts[pos].Ciphertext)
	d.Ops.Decrypt++
	if err != nil {
		return nil, fmt.Errorf("path secret of node %d for node %d: %w: %w", path[i], entry, err, ErrInvalidPath)
	}
	d.PathSecret = secret
	if d.PathSecret == nil {
		return nil, fmt.Errorf("member %d holds no key in the resolution of copath node %d: %w", v.Leaf, copath[i], ErrInvalidPath)
	}
	commit, ops, err := v.AdoptPathSecret(t, path[i:], d.PathSecret)
	d.Ops.Add(ops)
	if err != nil {
		return nil, err
	}
	d.CommitSecret = commit
	return d, nil
}

// AdoptPathSecret takes the path secret of path[0] and derives the keys of
// path[0:] and the commit secret, checking each public key against t
// (RFC 9420, Section 7.4). It is how a receiver continues after
// decryption, and how a simulation gives an unsampled member the state a
// real decryption would have given it. On error the view is unchanged.
func (v *PrivateView) AdoptPathSecret(t *rt.Tree, path []tm.NodeIndex, secret []byte) ([]byte, Ops, error) {
	var ops Ops
	s := v.Suite
	keys := make([]nodeKey, len(path))
	for j, x := range path {
		if j > 0 {
			secret = s.DeriveSecret(secret, "path")
			ops.DeriveSecret++
		}
		priv, err := nodeKeyPair(s, secret)
		ops.DeriveSecret++
		ops.DeriveKeyPair++
		if err != nil {
			return nil, ops, err
		}
		pub := priv.PublicKey()
		if !bytes.Equal(pub, t.EncryptionKey(x)) {
			return nil, ops, fmt.Errorf("path secret derives a public key for node %d that differs from the UpdatePath's: %w", x, ErrInvalidPath)
		}
		keys[j] = nodeKey{priv, pub}
	}
	commit := s.DeriveSecret(secret, "path")
	ops.DeriveSecret++
	v.Prune(t)
	for j, x := range path {
		v.keys[x] = keys[j]
	}
	return commit, ops, nil
}

// checkPathKeys checks, before an UpdatePath from sender is merged into t,
// that its public keys are new: "none of the public keys in the UpdatePath
// appear in any node of the new ratchet tree" (RFC 9420, Section 12.4.2),
// and the leaf's keys are unique (Section 7.3). Each parent key is held by
// no node of t, the leaf's encryption key by no node but the sender's own
// leaf (where an external joiner's leaf already sits) and its signature
// key by no other leaf, and no key appears twice in the path. The tree's
// key index makes each lookup O(1) expected (Section 16.7), so the check
// costs O(log n) per path, plus O(k^2) comparisons among the k ≤ 32 keys.
func checkPathKeys(t *rt.Tree, sender tm.LeafIndex, leaf *rt.LeafNode, parents [][]byte) error {
	if err := t.CheckLeafKeys(leaf, sender); err != nil {
		return fmt.Errorf("UpdatePath leaf node: %w: %w", err, ErrInvalidPath)
	}
	for i, k := range parents {
		if x, dup := t.FindEncryptionKey(k, rt.NoNode); dup {
			return fmt.Errorf("UpdatePath node %d: encryption key is already held by node %d: %w: %w", i, x, rt.ErrDuplicateKey, ErrInvalidPath)
		}
		if bytes.Equal(k, leaf.EncryptionKey) {
			return fmt.Errorf("UpdatePath node %d repeats the leaf's encryption key: %w: %w", i, rt.ErrDuplicateKey, ErrInvalidPath)
		}
		for j := range i {
			if bytes.Equal(k, parents[j]) {
				return fmt.Errorf("UpdatePath nodes %d and %d share an encryption key: %w: %w", j, i, rt.ErrDuplicateKey, ErrInvalidPath)
			}
		}
	}
	return nil
}

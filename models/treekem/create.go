package treekem

import (
	"errors"
	"fmt"
	"io"
	mrand "math/rand/v2"
	"slices"

	"cgkalab/models/internal/par"
	rt "cgkalab/models/ratchettree"
	"cgkalab/models/suite"
	tm "cgkalab/models/treemath"
)

// PendingPath is an UpdatePath whose public part has been merged into the
// tree but whose path secrets are not yet encrypted: encryption needs the
// provisional GroupContext, which holds the new tree hash (RFC 9420,
// Section 12.4.2).
type PendingPath struct {
	view        *PrivateView
	leafNode    *rt.LeafNode
	path        []tm.NodeIndex // filtered direct path of the sender
	copath      []tm.NodeIndex
	pathSecrets [][]byte // pathSecrets[i] belongs to path[i]
	pubs        [][]byte
	commit      []byte
	Ops         Ops
}

// CommitSecret returns path_secret[n+1] (RFC 9420, Section 12.4.2).
func (p *PendingPath) CommitSecret() []byte { return p.commit }

// Path returns the sender's filtered direct path.
func (p *PendingPath) Path() []tm.NodeIndex { return p.path }

// PathSecrets returns the path secret of each filtered direct path node:
// the simulation's ground truth for members that are not sampled.
func (p *PendingPath) PathSecrets() [][]byte { return p.pathSecrets }

// LeafNode returns the sender's new LeafNode.
func (p *PendingPath) LeafNode() *rt.LeafNode { return p.leafNode }

// PreparePath updates the sender's direct path in t (RFC 9420, Section 7.5):
// a fresh leaf key and path secrets from rand, node key pairs, the path
// merged into the tree with parent hashes (Section 7.9), and the new
// LeafNode, copied from leaf with source commit and signed. The view's
// keys are replaced by the new ones.
func (v *PrivateView) PreparePath(t *rt.Tree, groupID []byte, leaf *rt.LeafNode, sigKey *suite.SignaturePrivateKey, rand io.Reader) (*PendingPath, error) {
	s := v.Suite
	if t.Leaf(v.Leaf) == nil {
		return nil, fmt.Errorf("treekem: sender leaf %d is blank", v.Leaf)
	}
	p := &PendingPath{view: v}
	var pbuf, cbuf [tm.MaxPathLen]tm.NodeIndex
	path, copath := t.FilteredDirectPath(v.Leaf, pbuf[:0], cbuf[:0])
	p.path = slices.Clone(path)
	p.copath = slices.Clone(copath)

	// RFC 9420, Section 7.4: leaf_secret, then path_secret[i] =
	// DeriveSecret(path_secret[i-1], "path"), node keys from "node".
	secret := make([]byte, s.Nh())
	if _, err := io.ReadFull(rand, secret); err != nil {
		return nil, fmt.Errorf("treekem: drawing leaf secret: %w", err)
	}
	leafKey, err := nodeKeyPair(s, secret)
	if err != nil {
		return nil, err
	}
	p.Ops.DeriveSecret++
	p.Ops.DeriveKeyPair++
	p.pathSecrets = make([][]byte, len(path))
	p.pubs = make([][]byte, len(path))
	privs := make([]*suite.HPKEPrivateKey, len(path))
	for i := range path {
		secret = s.DeriveSecret(secret, "path")
		p.pathSecrets[i] = secret
	}
	// The key pairs are independent once the chain of secrets is known.
	errs := make([]error, len(path))
	par.Do(len(path), 1, func(i int) {
		if privs[i], errs[i] = nodeKeyPair(s, p.pathSecrets[i]); errs[i] == nil {
			p.pubs[i] = privs[i].PublicKey()
		}
	})
	if err := errors.Join(errs...); err != nil {
		return nil, err
	}
	p.Ops.DeriveSecret += 2 * len(path)
	p.Ops.DeriveKeyPair += len(path)
	p.commit = s.DeriveSecret(secret, "path")
	p.Ops.DeriveSecret++

	n := leaf.Clone()
	n.Source = rt.SourceCommit
	n.EncryptionKey = leafKey.PublicKey()
	// The sender checks its fresh keys as its receivers will (Section
	// 12.4.2): a collision means a broken random source.
	if _, dup := t.FindEncryptionKey(n.EncryptionKey, rt.NoNode); dup {
		return nil, fmt.Errorf("treekem: fresh leaf key is already in the tree: %w", rt.ErrDuplicateKey)
	}
	if err := checkPathKeys(t, v.Leaf, n, p.pubs); err != nil {
		return nil, fmt.Errorf("treekem: fresh path: %w", err)
	}

	// Merge into the public tree (Section 7.5 steps 1-3).
	t.BlankPath(v.Leaf)
	for i, x := range path {
		t.SetParent(x, &rt.ParentNode{EncryptionKey: p.pubs[i]})
	}
	n.Lifetime = rt.Lifetime{}
	n.ParentHash = t.SetPathParentHashes(v.Leaf)
	if err := n.Sign(s, sigKey, groupID, v.Leaf); err != nil {
		return nil, err
	}
	p.Ops.Sign++
	t.SetLeaf(v.Leaf, n)
	p.leafNode = n

	clear(v.keys)
	v.keys[v.Leaf.Node()] = nodeKey{leafKey, leafKey.PublicKey()}
	for i, x := range path {
		v.keys[x] = nodeKey{privs[i], p.pubs[i]}
	}
	return p, nil
}

// Encrypt encrypts each path secret to the resolution of its copath child,
// leaving out the leaves in excluded (members added by this commit), under
// the provisional GroupContext (RFC 9420, Sections 7.5 and 7.6). It returns
// the UpdatePath and the encryption edges.
//
// Each encryption draws its randomness from its own stream seeded by 32
// bytes read from rand in a fixed order, so the encryptions can run on all
// cores and still give the same bytes for the same rand.
func (p *PendingPath) Encrypt(t *rt.Tree, groupContext []byte, excluded []tm.LeafIndex, rand io.Reader) (*UpdatePath, []Edge, error) {
	return p.encrypt(t, groupContext, excluded, nil, rand)
}

// encrypt is Encrypt; with real non-nil, only the encryptions real
// reports true for are performed, the others accounted (see
// EncryptAccounted).
func (p *PendingPath) encrypt(t *rt.Tree, groupContext []byte, excluded []tm.LeafIndex, real func(path int, recipient tm.NodeIndex) bool, rand io.Reader) (*UpdatePath, []Edge, error) {
	s := p.view.Suite
	up := &UpdatePath{LeafNode: p.leafNode, Nodes: make([]UpdatePathNode, len(p.path))}
	var jobs []encryption
	var res []tm.NodeIndex
	skip := make(map[tm.LeafIndex]bool, len(excluded))
	for _, l := range excluded {
		skip[l] = true
	}
	var edges []Edge
	for i := range p.path {
		res = resolutionExcluding(t, res[:0], p.copath[i], skip)
		up.Nodes[i] = UpdatePathNode{EncryptionKey: p.pubs[i], EncryptedPathSecret: make([]HPKECiphertext, len(res))}
		for k, r := range res {
			j := encryption{path: i, slot: k, recipient: r, pub: t.EncryptionKey(r)}
			if _, err := io.ReadFull(rand, j.seed[:]); err != nil {
				return nil, nil, fmt.Errorf("treekem: drawing encryption randomness: %w", err)
			}
			edges = append(edges, Edge{PathNode: p.path[i], Recipient: r, RecipientKey: j.pub})
			if real != nil && !real(i, r) {
				// Accounted: the exact length, no public-key work; the
				// seed was drawn all the same.
				kem, ct := s.AccountedEncryptWithLabel(len(p.pathSecrets[i]))
				up.Nodes[i].EncryptedPathSecret[k] = HPKECiphertext{kem, ct}
				continue
			}
			jobs = append(jobs, j)
		}
	}
	errs := make([]error, len(jobs))
	par.Do(len(jobs), 1, func(n int) {
		j := &jobs[n]
		kemOut, ct, err := s.EncryptWithLabel(j.pub, "UpdatePathNode", groupContext, p.pathSecrets[j.path], mrand.NewChaCha8(j.seed))
		if err != nil {
			errs[n] = fmt.Errorf("treekem: encrypting path secret of node %d to node %d: %w", p.path[j.path], j.recipient, err)
			return
		}
		up.Nodes[j.path].EncryptedPathSecret[j.slot] = HPKECiphertext{kemOut, ct}
	})
	if err := errors.Join(errs...); err != nil {
		return nil, nil, err
	}
	p.Ops.Encrypt += len(edges)
	return up, edges, nil
}

// encryption is one HPKE encryption of a path secret.
type encryption struct {
	path, slot int
	recipient  tm.NodeIndex
	pub        []byte
	seed       [32]byte
}

// resolutionExcluding appends the resolution of x without the leaves in
// excluded (the members one commit adds, possibly very many at group
// creation, hence the set).
func resolutionExcluding(t *rt.Tree, dst []tm.NodeIndex, x tm.NodeIndex, excluded map[tm.LeafIndex]bool) []tm.NodeIndex {
	start := len(dst)
	dst = t.AppendResolution(dst, x)
	if len(excluded) == 0 {
		return dst
	}
	out := dst[:start]
	for _, r := range dst[start:] {
		if l, ok := r.Leaf(); ok && excluded[l] {
			continue
		}
		out = append(out, r)
	}
	return out
}

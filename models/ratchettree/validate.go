package ratchettree

import (
	"fmt"
	"slices"

	"cgkalab/models/extension"
	tm "cgkalab/models/treemath"
)

// LeafPolicy carries what leaf validation needs from the group (RFC 9420,
// Section 7.3): the group's id for signatures, the required capabilities
// and the current time for lifetimes (0 skips the lifetime check, which is
// RECOMMENDED, not required, for received leaves).
type LeafPolicy struct {
	GroupID             []byte
	Now                 uint64
	RequiredExtensions  []uint16
	RequiredProposals   []uint16
	RequiredCredentials []uint16
	SkipSignature       bool // the caller verifies the signature itself (as MergePath does)
}

// ValidateLeaf checks one LeafNode (RFC 9420, Section 7.3) apart from the
// group-wide uniqueness and credential-support checks.
func (t *Tree) ValidateLeaf(n *LeafNode, l tm.LeafIndex, want LeafNodeSource, pol *LeafPolicy) error {
	if n.Source != want {
		return fmt.Errorf("leaf %d: leaf_node_source is %v, want %v", l, n.Source, want)
	}
	if !pol.SkipSignature {
		if err := n.VerifySignature(t.suite, pol.GroupID, l); err != nil {
			return fmt.Errorf("leaf %d: signature: %w", l, err)
		}
	}
	if !contains(n.Caps().CipherSuites, uint16(t.suite.ID)) {
		return fmt.Errorf("leaf %d: capabilities do not list cipher suite %#04x", l, uint16(t.suite.ID))
	}
	if !contains(n.Caps().Credentials, n.Credential.Type) {
		return fmt.Errorf("leaf %d: capabilities do not list its own credential type %d", l, n.Credential.Type)
	}
	for _, e := range n.Extensions {
		if !contains(n.Caps().Extensions, e.Type) && !extension.IsDefault(e.Type) {
			return fmt.Errorf("leaf %d: extension %#04x is not listed in its capabilities", l, e.Type)
		}
	}
	for _, e := range pol.RequiredExtensions {
		if !contains(n.Caps().Extensions, e) && !extension.IsDefault(e) {
			return fmt.Errorf("leaf %d: lacks required extension %#04x", l, e)
		}
	}
	for _, p := range pol.RequiredProposals {
		if !contains(n.Caps().Proposals, p) && !(p >= 1 && p <= 7) {
			return fmt.Errorf("leaf %d: lacks required proposal type %#04x", l, p)
		}
	}
	for _, c := range pol.RequiredCredentials {
		if !contains(n.Caps().Credentials, c) {
			return fmt.Errorf("leaf %d: lacks required credential type %d", l, c)
		}
	}
	if n.Source == SourceKeyPackage && pol.Now != 0 &&
		(pol.Now < n.Lifetime.NotBefore || pol.Now > n.Lifetime.NotAfter) {
		return fmt.Errorf("leaf %d: lifetime [%d, %d] does not cover %d", l, n.Lifetime.NotBefore, n.Lifetime.NotAfter, pol.Now)
	}
	return nil
}

// NoNode and NoLeaf are indices no tree has, for the except argument of
// the key lookups below when every node or leaf is to be searched.
const (
	NoNode tm.NodeIndex = noPosition
	NoLeaf tm.LeafIndex = noPosition
)

// FindEncryptionKey returns a node other than except whose encryption key
// is key, in O(1) expected time (RFC 9420, Section 16.7).
func (t *Tree) FindEncryptionKey(key []byte, except tm.NodeIndex) (tm.NodeIndex, bool) {
	x, ok := t.encKeys.find(key, uint32(except))
	return tm.NodeIndex(x), ok
}

// FindSignatureKey returns a leaf other than except whose signature key is
// key, in O(1) expected time (RFC 9420, Section 16.7).
func (t *Tree) FindSignatureKey(key []byte, except tm.LeafIndex) (tm.LeafIndex, bool) {
	l, ok := t.sigKeys.find(key, uint32(except))
	return tm.LeafIndex(l), ok
}

// CheckLeafKeys checks the uniqueness rule of leaf validation (RFC 9420,
// Section 7.3) for n about to take leaf l (NoLeaf for a leaf not yet
// placed): its encryption key is held by no node and its signature key by
// no leaf, other than l. Whether n may keep l's current encryption key is
// the caller's rule (an Update and a Commit's path must change it).
func (t *Tree) CheckLeafKeys(n *LeafNode, l tm.LeafIndex) error {
	except := NoNode
	if l != NoLeaf {
		except = l.Node()
	}
	if x, dup := t.FindEncryptionKey(n.EncryptionKey, except); dup {
		return fmt.Errorf("leaf %s: encryption key is already held by node %d: %w", leafName(l), x, ErrDuplicateKey)
	}
	if m, dup := t.FindSignatureKey(n.SignatureKey, l); dup {
		return fmt.Errorf("leaf %s: signature key is already held by leaf %d: %w", leafName(l), m, ErrDuplicateKey)
	}
	return nil
}

func leafName(l tm.LeafIndex) string {
	if l == NoLeaf {
		return "to be added"
	}
	return fmt.Sprint(uint32(l))
}

// KeyIndexBytes returns the memory the tree's key indexes hold.
func (t *Tree) KeyIndexBytes() int { return t.encKeys.bytes() + t.sigKeys.bytes() }

// Validate performs the ratchet tree checks of a joiner (RFC 9420, Section
// 12.4.3.1) except the tree hash comparison, which needs the GroupInfo:
// every non-blank parent is parent-hash valid; every leaf is valid
// (signature, capabilities, lifetime) whatever its source; encryption and
// signature keys are unique; every credential type in use is supported by
// every member; unmerged leaves are non-blank descendants listed at every
// non-blank node in between. Its cost is O(n log n).
func (t *Tree) Validate(pol *LeafPolicy) error {
	if err := t.VerifyParentHashes(); err != nil {
		return err
	}
	var credTypes []uint16
	for i, n := range t.leaves {
		if n == nil {
			continue
		}
		l := tm.LeafIndex(i)
		if err := t.ValidateLeaf(n, l, n.Source, pol); err != nil {
			return fmt.Errorf("%w: %w", ErrInvalidTree, err)
		}
		if err := t.CheckLeafKeys(n, l); err != nil {
			return fmt.Errorf("%w: %w", ErrInvalidTree, err)
		}
		if !slices.Contains(credTypes, n.Credential.Type) {
			credTypes = append(credTypes, n.Credential.Type)
		}
	}
	// RFC 9420, Section 7.3: every credential type in use is supported by all.
	if len(credTypes) > 1 {
		for i, n := range t.leaves {
			if n == nil {
				continue
			}
			for _, c := range credTypes {
				if !contains(n.Caps().Credentials, c) {
					return fmt.Errorf("leaf %d does not support credential type %d used in the group: %w", i, c, ErrInvalidTree)
				}
			}
		}
	}
	for i, p := range t.parents {
		if p == nil {
			continue
		}
		x := tm.NodeIndex(2*i + 1)
		if prev, dup := t.FindEncryptionKey(p.EncryptionKey, x); dup {
			return fmt.Errorf("parent node %d repeats the encryption key of node %d: %w: %w", x, prev, ErrInvalidTree, ErrDuplicateKey)
		}
		for _, u := range p.UnmergedLeaves {
			if t.Leaf(u) == nil {
				return fmt.Errorf("parent node %d lists blank leaf %d as unmerged: %w", x, u, ErrInvalidTree)
			}
			// Every non-blank node between u and x lists u too.
			for y, ok := tm.Parent(u.Node(), t.n); ok && y != x; y, ok = tm.Parent(y, t.n) {
				if q := t.parents[y/2]; q != nil {
					if _, found := slices.BinarySearch(q.UnmergedLeaves, u); !found {
						return fmt.Errorf("leaf %d is unmerged at node %d but not at node %d below it: %w", u, x, y, ErrInvalidTree)
					}
				}
			}
		}
	}
	return nil
}

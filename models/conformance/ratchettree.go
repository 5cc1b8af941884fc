package conformance

import (
	"bytes"
	"fmt"
	"slices"

	"cgkalab/models/extension"
	rt "cgkalab/models/ratchettree"
	"cgkalab/models/suite"
	tm "cgkalab/models/treemath"
	"cgkalab/models/vectors"
	"cgkalab/models/wire"
)

// treeValidationCase is one entry of tree-validation.json
// (test-vectors.md, "Tree Validation").
type treeValidationCase struct {
	Tree        vectors.Hex   `json:"tree"`
	GroupID     vectors.Hex   `json:"group_id"`
	Resolutions [][]uint32    `json:"resolutions"`
	TreeHashes  []vectors.Hex `json:"tree_hashes"`
}

func runTreeValidation(ck *checker, s *suite.Suite, c *treeValidationCase) error {
	tree, err := rt.Unmarshal(s, c.Tree)
	if err != nil {
		return errorf("tree: %w", err)
	}
	if !bytes.Equal(tree.Bytes(), c.Tree) {
		ck.errorf("tree does not re-encode to the same bytes")
	}
	if int(tree.Width()) != len(c.Resolutions) || len(c.TreeHashes) != len(c.Resolutions) {
		return errorf("tree width %d, vector lists %d resolutions and %d hashes", tree.Width(), len(c.Resolutions), len(c.TreeHashes))
	}
	for x := range c.Resolutions {
		// The resolution of node i matches resolutions[i].
		got := tree.AppendResolution(nil, tm.NodeIndex(x))
		if !slices.EqualFunc(got, c.Resolutions[x], func(a tm.NodeIndex, b uint32) bool { return uint32(a) == b }) {
			ck.errorf("resolution(%d) = %v, want %v", x, got, c.Resolutions[x])
		}
		// The tree hash of node i matches tree_hashes[i].
		ck.equal(fmt.Sprintf("tree_hash(%d)", x), tree.NodeTreeHash(tm.NodeIndex(x)), c.TreeHashes[x])
	}
	// The parent hashes verify as when joining the group.
	ck.noErr("parent hashes", tree.VerifyParentHashes())
	// The signatures on all leaves verify with group_id as context.
	for l := range tree.LeafCount() {
		if n := tree.Leaf(tm.LeafIndex(l)); n != nil {
			ck.noErr(fmt.Sprintf("leaf %d signature", l), n.VerifySignature(s, c.GroupID, tm.LeafIndex(l)))
		}
	}
	// Beyond the steps: the full validation a joiner performs.
	ck.noErr("Validate", tree.Validate(&rt.LeafPolicy{GroupID: c.GroupID}))
	return nil
}

// treeOperationsCase is one entry of tree-operations.json
// (test-vectors.md, "Tree Operations").
type treeOperationsCase struct {
	TreeBefore     vectors.Hex `json:"tree_before"`
	Proposal       vectors.Hex `json:"proposal"`
	ProposalSender uint32      `json:"proposal_sender"`
	TreeHashBefore vectors.Hex `json:"tree_hash_before"`
	TreeAfter      vectors.Hex `json:"tree_after"`
	TreeHashAfter  vectors.Hex `json:"tree_hash_after"`
}

// decodeTreeProposal reads the three Proposal variants of RFC 9420,
// Section 12.1 that change the tree. The KeyPackage of an Add is read only
// as far as its LeafNode (Section 10), with ratchettree's types alone.
func decodeTreeProposal(data []byte) (typ uint16, leaf *rt.LeafNode, removed uint32, err error) {
	err = wire.Unmarshal(data, "Proposal", func(r *wire.Reader) {
		typ = r.U16()
		switch typ {
		case 1: // add
			r.Struct("KeyPackage", func(r *wire.Reader) {
				r.U16() // version
				r.U16() // cipher_suite
				r.Opaque()
				leaf = new(rt.LeafNode)
				leaf.Unmarshal(r)
				extension.Decode(r)
				r.Opaque()
			})
		case 2: // update
			leaf = new(rt.LeafNode)
			leaf.Unmarshal(r)
		case 3: // remove
			removed = r.U32()
		default:
			r.Failf("proposal type %d does not change the tree", typ)
		}
	})
	return
}

func runTreeOperations(ck *checker, s *suite.Suite, c *treeOperationsCase) error {
	tree, err := rt.Unmarshal(s, c.TreeBefore)
	if err != nil {
		return errorf("tree_before: %w", err)
	}
	// The tree hash of tree_before matches tree_hash_before.
	ck.equal("tree_hash_before", tree.TreeHash(), c.TreeHashBefore)
	// Apply proposal sent by proposal_sender to tree_before.
	typ, leaf, removed, err := decodeTreeProposal(c.Proposal)
	if err != nil {
		return errorf("proposal: %w", err)
	}
	switch typ {
	case 1:
		tree.Add(leaf)
	case 2:
		err = tree.Update(tm.LeafIndex(c.ProposalSender), leaf)
	case 3:
		err = tree.Remove(tm.LeafIndex(removed))
	}
	if err != nil {
		return errorf("applying proposal type %d: %w", typ, err)
	}
	// The serialized result matches tree_after, its hash tree_hash_after.
	if got := tree.Bytes(); !bytes.Equal(got, c.TreeAfter) {
		ck.errorf("tree_after differs (proposal type %d):\n got %x\nwant %x", typ, got, c.TreeAfter)
	}
	ck.equal("tree_hash_after", tree.TreeHash(), c.TreeHashAfter)
	return nil
}

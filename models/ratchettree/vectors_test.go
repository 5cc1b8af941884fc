package ratchettree

import (
	"bytes"
	"fmt"
	"testing"

	"cgkalab/models/extension"
	"cgkalab/models/suite"
	tm "cgkalab/models/treemath"
	"cgkalab/models/vectors"
	"cgkalab/models/vectors/vectortest"
	"cgkalab/models/wire"
)

// suiteOrSkip returns the suite or skips the case by name when it is not
// implemented; an implemented suite is never skipped.
func suiteOrSkip(t *testing.T, id uint16) *suite.Suite {
	t.Helper()
	s, err := suite.ByID(suite.ID(id))
	if err != nil {
		t.Skipf("cipher suite %d not implemented: %v", id, err)
	}
	return s
}

type treeValidationCase struct {
	CipherSuite uint16        `json:"cipher_suite"`
	Tree        vectors.Hex   `json:"tree"`
	GroupID     vectors.Hex   `json:"group_id"`
	Resolutions [][]uint32    `json:"resolutions"`
	TreeHashes  []vectors.Hex `json:"tree_hashes"`
}

// TestTreeValidationVectors follows test-vectors.md, "Tree Validation".
func TestTreeValidationVectors(t *testing.T) {
	var cases []treeValidationCase
	vectortest.Load(t, "tree-validation.json", &cases)
	for i, c := range cases {
		t.Run(fmt.Sprintf("%d/suite=%d", i, c.CipherSuite), func(t *testing.T) {
			s := suiteOrSkip(t, c.CipherSuite)
			tree, err := Unmarshal(s, c.Tree)
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(tree.Bytes(), c.Tree) {
				t.Error("tree does not re-encode to the same bytes")
			}
			if int(tree.Width()) != len(c.Resolutions) || len(c.TreeHashes) != len(c.Resolutions) {
				t.Fatalf("tree width %d, vector lists %d resolutions and %d hashes", tree.Width(), len(c.Resolutions), len(c.TreeHashes))
			}
			for x := range c.Resolutions {
				got := tree.AppendResolution(nil, tm.NodeIndex(x))
				want := c.Resolutions[x]
				if len(got) != len(want) {
					t.Errorf("resolution(%d) = %v, want %v", x, got, want)
					continue
				}
				for k := range got {
					if uint32(got[k]) != want[k] {
						t.Errorf("resolution(%d) = %v, want %v", x, got, want)
						break
					}
				}
				if h := tree.NodeTreeHash(tm.NodeIndex(x)); !bytes.Equal(h, c.TreeHashes[x]) {
					t.Errorf("tree_hash(%d) = %x, want %x", x, h, c.TreeHashes[x])
				}
			}
			if err := tree.VerifyParentHashes(); err != nil {
				t.Errorf("parent hashes: %v", err)
			}
			for l := range tree.LeafCount() {
				if n := tree.Leaf(tm.LeafIndex(l)); n != nil {
					if err := n.VerifySignature(s, c.GroupID, tm.LeafIndex(l)); err != nil {
						t.Errorf("leaf %d signature: %v", l, err)
					}
				}
			}
			if err := tree.Validate(&LeafPolicy{GroupID: c.GroupID}); err != nil {
				t.Errorf("Validate: %v", err)
			}
		})
	}
}

type treeOperationsCase struct {
	CipherSuite    uint16      `json:"cipher_suite"`
	TreeBefore     vectors.Hex `json:"tree_before"`
	Proposal       vectors.Hex `json:"proposal"`
	ProposalSender uint32      `json:"proposal_sender"`
	TreeHashBefore vectors.Hex `json:"tree_hash_before"`
	TreeAfter      vectors.Hex `json:"tree_after"`
	TreeHashAfter  vectors.Hex `json:"tree_hash_after"`
}

// decodeTreeProposal reads the three Proposal variants of RFC 9420,
// Section 12.1 that change the tree. The KeyPackage of an Add is read only
// as far as its LeafNode (Section 10); models/mls owns the full type.
func decodeTreeProposal(data []byte) (typ uint16, leaf *LeafNode, removed uint32, err error) {
	err = wire.Unmarshal(data, "Proposal", func(r *wire.Reader) {
		typ = r.U16()
		switch typ {
		case 1: // add
			r.Struct("KeyPackage", func(r *wire.Reader) {
				r.U16() // version
				r.U16() // cipher_suite
				r.Opaque()
				leaf = new(LeafNode)
				leaf.Unmarshal(r)
				extension.Decode(r)
				r.Opaque()
			})
		case 2: // update
			leaf = new(LeafNode)
			leaf.Unmarshal(r)
		case 3: // remove
			removed = r.U32()
		default:
			r.Failf("proposal type %d does not change the tree", typ)
		}
	})
	return
}

// TestTreeOperationsVectors follows test-vectors.md, "Tree Operations".
func TestTreeOperationsVectors(t *testing.T) {
	var cases []treeOperationsCase
	vectortest.Load(t, "tree-operations.json", &cases)
	for i, c := range cases {
		t.Run(fmt.Sprintf("%d/suite=%d", i, c.CipherSuite), func(t *testing.T) {
			s := suiteOrSkip(t, c.CipherSuite)
			tree, err := Unmarshal(s, c.TreeBefore)
			if err != nil {
				t.Fatal(err)
			}
			if h := tree.TreeHash(); !bytes.Equal(h, c.TreeHashBefore) {
				t.Errorf("tree_hash_before = %x, want %x", h, c.TreeHashBefore)
			}
			typ, leaf, removed, err := decodeTreeProposal(c.Proposal)
			if err != nil {
				t.Fatal(err)
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
				t.Fatal(err)
			}
			if got := tree.Bytes(); !bytes.Equal(got, c.TreeAfter) {
				t.Errorf("tree_after differs (proposal type %d):\n got %x\nwant %x", typ, got, c.TreeAfter)
			}
			if h := tree.TreeHash(); !bytes.Equal(h, c.TreeHashAfter) {
				t.Errorf("tree_hash_after = %x, want %x", h, c.TreeHashAfter)
			}
		})
	}
}

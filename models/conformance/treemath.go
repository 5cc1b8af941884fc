package conformance

import (
	"bytes"

	"cgkalab/models/suite"
	tm "cgkalab/models/treemath"
	"cgkalab/models/vectors"
	"cgkalab/models/wire"
)

// treeMathCase is one entry of tree-math.json (test-vectors.md, "Tree
// Math"). Nullable entries are *uint32: nil means "no such node".
type treeMathCase struct {
	NLeaves uint32    `json:"n_leaves"`
	NNodes  uint32    `json:"n_nodes"`
	Root    uint32    `json:"root"`
	Left    []*uint32 `json:"left"`
	Right   []*uint32 `json:"right"`
	Parent  []*uint32 `json:"parent"`
	Sibling []*uint32 `json:"sibling"`
}

func runTreeMath(ck *checker, _ *suite.Suite, c *treeMathCase) error {
	ck = ck.in("n_leaves=%d", c.NLeaves)
	n := tm.LeafCount(c.NLeaves)
	if !n.Valid() {
		return ck.wrap(errorf("n_leaves=%d is not a valid tree size", c.NLeaves))
	}
	// n_nodes is the number of nodes in the tree with n_leaves leaves.
	if got := n.Width(); got != c.NNodes {
		ck.errorf("Width = %d, want n_nodes %d", got, c.NNodes)
	}
	// root is the root node index of the tree.
	if got, ok := tm.Root(n); !ok || uint32(got) != c.Root {
		ck.errorf("Root = %d, %v, want %d", got, ok, c.Root)
	}
	// left[i], right[i], parent[i] and sibling[i] are the left child,
	// right child, parent and sibling of node i.
	checks := []struct {
		name string
		want []*uint32
		f    func(tm.NodeIndex) (tm.NodeIndex, bool)
	}{
		{"left", c.Left, tm.Left},
		{"right", c.Right, tm.Right},
		{"parent", c.Parent, func(x tm.NodeIndex) (tm.NodeIndex, bool) { return tm.Parent(x, n) }},
		{"sibling", c.Sibling, func(x tm.NodeIndex) (tm.NodeIndex, bool) { return tm.Sibling(x, n) }},
	}
	for _, ch := range checks {
		if uint32(len(ch.want)) != c.NNodes {
			ck.errorf("%s has %d entries, want n_nodes %d", ch.name, len(ch.want), c.NNodes)
		}
		for i, w := range ch.want {
			got, ok := ch.f(tm.NodeIndex(i))
			switch {
			case w == nil && ok:
				ck.errorf("%s[%d] = %d, want null", ch.name, i, got)
			case w != nil && !ok:
				ck.errorf("%s[%d] = null, want %d", ch.name, i, *w)
			case w != nil && uint32(got) != *w:
				ck.errorf("%s[%d] = %d, want %d", ch.name, i, got, *w)
			}
		}
	}
	return nil
}

// deserializationCase is one entry of deserialization.json
// (test-vectors.md, "Vector Deserialization").
type deserializationCase struct {
	Header vectors.Hex `json:"vlbytes_header"`
	Length int         `json:"length"`
}

func runDeserialization(ck *checker, _ *suite.Suite, c *deserializationCase) error {
	// Decode the vlbytes_header; the decoded length matches length.
	r := wire.NewReader(c.Header, "vlbytes header")
	got := r.Varint()
	r.ExpectEnd()
	if err := r.Err(); err != nil {
		return errorf("header %x: %w", c.Header, err)
	}
	if got != c.Length {
		ck.errorf("header %x: length %d, want %d", c.Header, got, c.Length)
	}
	// Beyond the steps: the official headers are minimal, so encoding the
	// length gives the same bytes.
	if wire.VarintLen(c.Length) == 0 {
		ck.errorf("length %d cannot be encoded", c.Length)
	} else if enc := wire.AppendVarint(nil, c.Length); !bytes.Equal(enc, c.Header) {
		ck.errorf("encoding %d gave %x, want %x", c.Length, enc, c.Header)
	}
	return nil
}

package ratchettree

import (
	"fmt"

	"cgkalab/models/suite"
	tm "cgkalab/models/treemath"
	"cgkalab/models/wire"
)

// Marshal writes the tree as the ratchet_tree extension's
// optional<Node> ratchet_tree<V> (RFC 9420, Section 12.4.3.3), omitting
// blank nodes after the last non-blank one.
func (t *Tree) Marshal(b *wire.Builder) {
	last := -1
	for x := int(t.Width()) - 1; x >= 0; x-- {
		if !t.IsBlank(tm.NodeIndex(x)) {
			last = x
			break
		}
	}
	b.Vector(func(b *wire.Builder) {
		for x := 0; x <= last; x++ {
			node := tm.NodeIndex(x)
			if l, ok := node.Leaf(); ok {
				n := t.leaves[l]
				b.Optional(n != nil, func(b *wire.Builder) { b.U8(nodeTypeLeaf); n.Marshal(b) })
			} else {
				p := t.parents[x/2]
				b.Optional(p != nil, func(b *wire.Builder) { b.U8(nodeTypeParent); p.Marshal(b) })
			}
		}
	})
}

// Bytes returns the ratchet_tree encoding.
func (t *Tree) Bytes() []byte {
	b := wire.NewBuilder(1024)
	t.Marshal(b)
	return b.Bytes()
}

// Unmarshal reads a ratchet_tree of suite s. It checks the structure the
// encoding implies (RFC 9420, Section 12.4.3.3): the last node is
// non-blank, leaves sit at even and parents at odd positions, and the node
// count is extended to the next full tree; unmerged leaves must lie under
// their parent. It does not verify signatures or hashes: see Validate.
func Unmarshal(s *suite.Suite, data []byte) (*Tree, error) {
	type entry struct {
		leaf   *LeafNode
		parent *ParentNode
	}
	var nodes []entry
	err := wire.Unmarshal(data, "ratchet_tree", func(r *wire.Reader) {
		r.Vector(func(r *wire.Reader) {
			var e entry
			x := len(nodes)
			r.Optional(func(r *wire.Reader) {
				r.Struct(fmt.Sprintf("Node[%d]", x), func(r *wire.Reader) {
					typ := r.U8()
					switch {
					case typ == nodeTypeLeaf && x%2 == 0:
						e.leaf = new(LeafNode)
						e.leaf.Unmarshal(r)
					case typ == nodeTypeParent && x%2 == 1:
						e.parent = new(ParentNode)
						e.parent.Unmarshal(r)
					default:
						r.Failf("node type %d at node index %d (leaves are even, parents odd)", typ, x)
					}
				})
			})
			nodes = append(nodes, e)
		})
	})
	if err != nil {
		return nil, err
	}
	if len(nodes) == 0 {
		return nil, fmt.Errorf("ratchet_tree is empty: %w", ErrInvalidTree)
	}
	if last := nodes[len(nodes)-1]; last.leaf == nil && last.parent == nil {
		return nil, fmt.Errorf("ratchet_tree ends with a blank node: %w", ErrInvalidTree)
	}
	if len(nodes) > int(tm.MaxLeafCount.Width()) {
		return nil, fmt.Errorf("ratchet_tree has %d nodes: %w", len(nodes), ErrInvalidTree)
	}
	n := tm.LeafCountFor(uint32(len(nodes)+1) / 2)
	t := New(s)
	t.resize(n)
	for x, e := range nodes {
		switch {
		case e.leaf != nil:
			t.SetLeaf(tm.LeafIndex(x/2), e.leaf)
		case e.parent != nil:
			lo, hi := leafSpan(tm.NodeIndex(x))
			for _, u := range e.parent.UnmergedLeaves {
				if u < lo || u >= hi {
					return nil, fmt.Errorf("parent node %d lists unmerged leaf %d outside its subtree: %w", x, u, ErrInvalidTree)
				}
			}
			t.SetParent(tm.NodeIndex(x), e.parent)
		}
	}
	return t, nil
}

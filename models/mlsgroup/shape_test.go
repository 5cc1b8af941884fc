package mlsgroup

import (
	"bytes"
	"fmt"
	"math/rand/v2"
	"testing"

	"cgkalab/models/protocol"
	rt "cgkalab/models/ratchettree"
	tm "cgkalab/models/treemath"
)

// shapedGroup creates a group of n members in shape, in mode.
func shapedGroup(t *testing.T, n int, shape protocol.Shape, mode string, seed byte) *Group {
	t.Helper()
	var ids []protocol.MemberID
	for i := range n {
		ids = append(ids, protocol.MemberID(i))
	}
	pg, err := New(protocol.Env{Suite: 1, Mode: mode, Sample: 2, Shape: shape,
		Online:  func(protocol.MemberID) bool { return true },
		Members: func() []protocol.MemberID { return ids },
		Rand:    rand.NewChaCha8([32]byte{seed}), Pick: rand.New(rand.NewPCG(1, 1))})
	if err != nil {
		t.Fatal(err)
	}
	g := pg.(*Group)
	outs, err := g.Apply(protocol.Intent{Kind: protocol.Create, Actor: 0, Targets: ids[1:]})
	if err != nil {
		t.Fatal(err)
	}
	if len(outs) != 1 || len(outs[0].Added) != n-1 || outs[0].Members != n || len(outs[0].Messages) != 0 {
		t.Fatalf("create outcome %+v", outs[0])
	}
	return g
}

// TestShapes: warm and churned trees pass every check a joiner makes
// (RFC 9420, Section 12.4.3.1: parent hashes, leaf signatures, key
// uniqueness), hold the share of blank parents asked for, give every
// member a view consistent with the tree, and follow from the seed.
func TestShapes(t *testing.T) {
	for _, n := range []int{1, 2, 3, 5, 7, 8, 13, 33, 100, 300} {
		for _, shape := range []protocol.Shape{{Kind: protocol.ShapeWarm}, {Kind: protocol.ShapeChurned, Blank: 0.25}, {Kind: protocol.ShapeChurned, Blank: 0.6}, {Kind: protocol.ShapeChurned, Blank: 0.7}} {
			t.Run(fmt.Sprintf("n=%d/%s=%v", n, shape.Kind, shape.Blank), func(t *testing.T) {
				g := shapedGroup(t, n, shape, protocol.Sampled, 1)
				tr := g.tree()
				if err := tr.Validate(&rt.LeafPolicy{GroupID: []byte("cgkalab-group")}); err != nil {
					t.Fatal(err)
				}
				parents, blank, forced := int(tr.Width()/2), 0, 0
				for x := tm.NodeIndex(1); uint32(x) < tr.Width(); x += 2 {
					l, _ := tm.Left(x)
					r, _ := tm.Right(x)
					empty := tr.ResolutionEmpty(l) || tr.ResolutionEmpty(r)
					if tr.ParentNode(x) == nil {
						blank++
						if empty {
							forced++
						}
					} else if empty {
						t.Fatalf("node %d is keyed with an empty side", x)
					}
				}
				switch want := int(shape.Blank*float64(parents) + 0.5); {
				case shape.Kind == protocol.ShapeWarm && blank != forced:
					t.Fatalf("warm tree has %d blank parents, %d of them with an empty side", blank, forced)
				case shape.Kind == protocol.ShapeChurned && (blank < want || blank > max(want, forced)+parents/8+2):
					t.Fatalf("%d of %d parents blank, want about %d", blank, parents, want)
				}
				for id := range n {
					m := g.member(protocol.MemberID(id))
					v := g.view(m)
					path, _ := tm.DirectPath(m.leaf.Node(), tr.LeafCount())
					for _, x := range path {
						if tr.ParentNode(x) != nil && v.Key(tr, x) == nil {
							t.Fatalf("member %d does not know its ancestor %d", id, x)
						}
					}
				}
				if got := g.edges.treeSize(tr); got != len(tr.Bytes()) {
					t.Fatalf("kept tree size %d, encoding %d", got, len(tr.Bytes()))
				}
				again := shapedGroup(t, n, shape, protocol.Sampled, 1)
				other := shapedGroup(t, n, shape, protocol.Sampled, 2)
				if !bytes.Equal(again.tree().TreeHash(), tr.TreeHash()) {
					t.Fatal("the same seed gave another tree")
				}
				if bytes.Equal(other.tree().TreeHash(), tr.TreeHash()) {
					t.Fatal("another seed gave the same tree")
				}
			})
		}
	}
}

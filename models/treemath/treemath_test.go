package treemath

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"testing"
)

// Reference model: the Python of RFC 9420, Appendix C, transcribed
// literally with loops in uint64 so it cannot overflow.

func refLog2(x uint64) uint64 {
	if x == 0 {
		return 0
	}
	k := uint64(0)
	for x>>k > 0 {
		k++
	}
	return k - 1
}

func refLevel(x uint64) uint64 {
	if x&1 == 0 {
		return 0
	}
	k := uint64(0)
	for (x>>k)&1 == 1 {
		k++
	}
	return k
}

func refRoot(n uint64) uint64 { return 1<<refLog2(2*(n-1)+1) - 1 }

func refParent(x, n uint64) uint64 {
	k := refLevel(x)
	b := (x >> (k + 1)) & 1
	return (x | 1<<k) ^ (b << (k + 1))
}

// refCommonAncestor climbs from the lower of x, y with refParent until it
// reaches a node whose subtree (found by descending from the root by
// in-order comparisons) holds the other one: no bit tricks shared with
// CommonAncestor.
func refCommonAncestor(x, y, n uint64) uint64 {
	if refLevel(x) > refLevel(y) {
		x, y = y, x
	}
	for a := x; ; a = refParent(a, n) {
		if refInSubtree(y, a, n) {
			return a
		}
	}
}

// refInSubtree descends from the root towards x as in a binary search
// tree (the array is in-order) and reports whether it meets head.
func refInSubtree(x, head, n uint64) bool {
	r := refRoot(n)
	for {
		if r == head {
			return true
		}
		if r == x {
			return false
		}
		k := refLevel(r)
		if x < r {
			r -= 1 << (k - 1)
		} else {
			r += 1 << (k - 1)
		}
	}
}

// sizes lists every valid LeafCount.
func sizes() []LeafCount {
	var s []LeafCount
	for d := range 32 {
		s = append(s, 1<<d)
	}
	return s
}

// sample returns the nodes to test in a tree of n leaves: all of them for
// small trees, else both edges, the middle and random indices.
func sample(n LeafCount, rng *rand.Rand) []NodeIndex {
	w := n.Width()
	if w <= 1<<11 {
		s := make([]NodeIndex, w)
		for i := range s {
			s[i] = NodeIndex(i)
		}
		return s
	}
	var s []NodeIndex
	for i := range uint32(64) {
		s = append(s, NodeIndex(i), NodeIndex(w-1-i), NodeIndex(w/2-32+i))
	}
	for range 2000 {
		s = append(s, NodeIndex(rng.Uint32N(w)))
	}
	return s
}

func TestLeafCount(t *testing.T) {
	for _, tc := range []struct {
		in   uint32
		want LeafCount
	}{
		{0, 1}, {1, 1}, {2, 2}, {3, 4}, {4, 4}, {5, 8}, {1000, 1024},
		{1 << 30, 1 << 30}, {1<<30 + 1, 1 << 31}, {1 << 31, 1 << 31},
		{1<<31 + 1, 0}, {1<<32 - 1, 0},
	} {
		if got := LeafCountFor(tc.in); got != tc.want {
			t.Errorf("LeafCountFor(%d) = %d, want %d", tc.in, got, tc.want)
		}
	}
	for _, n := range []LeafCount{0, 3, 5, 6, 7, 12, 1<<31 + 1, 1<<32 - 1} {
		if n.Valid() {
			t.Errorf("LeafCount(%d).Valid() = true", n)
		}
		if w := n.Width(); w != 0 {
			t.Errorf("LeafCount(%d).Width() = %d, want 0", n, w)
		}
		if _, ok := Root(n); ok {
			t.Errorf("Root(%d) ok", n)
		}
		if _, ok := n.Depth(); ok {
			t.Errorf("LeafCount(%d).Depth() ok", n)
		}
		for _, x := range []NodeIndex{0, 1, 2, 3, NodeIndex(n)} {
			if n.Contains(x) {
				t.Errorf("LeafCount(%d).Contains(%d)", n, x)
			}
			if _, ok := Parent(x, n); ok {
				t.Errorf("Parent(%d, %d) ok", x, n)
			}
			if _, ok := Sibling(x, n); ok {
				t.Errorf("Sibling(%d, %d) ok", x, n)
			}
			if p, ok := AppendDirectPath(nil, x, n); ok || p != nil {
				t.Errorf("AppendDirectPath(%d, %d) = %v, %v", x, n, p, ok)
			}
			if p, ok := AppendCopath(nil, x, n); ok || p != nil {
				t.Errorf("AppendCopath(%d, %d) = %v, %v", x, n, p, ok)
			}
		}
	}
	for _, n := range sizes() {
		d, ok := n.Depth()
		if !n.Valid() || !ok || 1<<d != uint64(n) {
			t.Errorf("LeafCount(%d): Valid %v, Depth %d, %v", n, n.Valid(), d, ok)
		}
		if w := uint64(n.Width()); w != 2*uint64(n)-1 {
			t.Errorf("LeafCount(%d).Width() = %d", n, w)
		}
		if r, _ := Root(n); uint64(r) != refRoot(uint64(n)) {
			t.Errorf("Root(%d) = %d, want %d", n, r, refRoot(uint64(n)))
		}
	}
}

// TestEdges pins the largest tree, 2^31 leaves and nodes 0 .. 2^32-2.
func TestEdges(t *testing.T) {
	const n = MaxLeafCount
	const last = NodeIndex(1<<32 - 2)
	eq := func(name string, got NodeIndex, ok bool, want NodeIndex) {
		t.Helper()
		if !ok || got != want {
			t.Errorf("%s = %d, %v, want %d", name, got, ok, want)
		}
	}
	if w := n.Width(); w != 1<<32-1 {
		t.Errorf("Width = %d", w)
	}
	r, ok := Root(n)
	eq("Root", r, ok, 1<<31-1)
	if l := r.Level(); l != 31 {
		t.Errorf("root level = %d", l)
	}
	if !n.Contains(last) || n.Contains(last+1) {
		t.Errorf("Contains wrong at the right edge")
	}
	p, ok := Parent(last, n)
	eq("Parent(last)", p, ok, last-1)
	s, ok := Sibling(last, n)
	eq("Sibling(last)", s, ok, last-2)
	c, ok := Right(r)
	eq("Right(root)", c, ok, 3<<30-1)
	c, ok = Left(r)
	eq("Left(root)", c, ok, 1<<30-1)
	p, ok = Parent(3<<30-1, n)
	eq("Parent(Right(root))", p, ok, r)
	if _, ok := Parent(r, n); ok {
		t.Error("Parent(root) ok")
	}
	if _, ok := Sibling(r, n); ok {
		t.Error("Sibling(root) ok")
	}
	for _, x := range []NodeIndex{last + 1} {
		if _, ok := Parent(x, n); ok {
			t.Errorf("Parent(%d) ok", x)
		}
		if _, ok := Sibling(x, n); ok {
			t.Errorf("Sibling(%d) ok", x)
		}
		if _, ok := Left(x); ok {
			t.Errorf("Left(%d) ok", x)
		}
		if _, ok := Right(x); ok {
			t.Errorf("Right(%d) ok", x)
		}
	}
	if l, ok := last.Leaf(); !ok || l != 1<<31-1 || l.Node() != last {
		t.Errorf("last.Leaf() = %d, %v", l, ok)
	}
	dp, ok := DirectPath(last, n)
	if !ok || len(dp) != MaxPathLen || dp[len(dp)-1] != r || dp[0] != last-1 {
		t.Errorf("DirectPath(last) = %v, %v", dp, ok)
	}
	cp, ok := Copath(0, n)
	if !ok || len(cp) != MaxPathLen || cp[0] != 2 || cp[len(cp)-1] != 3<<30-1 {
		t.Errorf("Copath(0) = %v, %v", cp, ok)
	}
	if a := CommonAncestor(0, last); a != r {
		t.Errorf("CommonAncestor(0, last) = %d", a)
	}
	if a := CommonAncestor(last, last-2); a != last-1 {
		t.Errorf("CommonAncestor(last, last-2) = %d", a)
	}
	// 2^32-1 is in no valid tree; it acts as the root of a 2^32-leaf tree.
	if a := CommonAncestor(1<<32-1, 0); a != 1<<32-1 {
		t.Errorf("CommonAncestor(2^32-1, 0) = %d", a)
	}
}

func TestProperties(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	for _, n := range sizes() {
		t.Run(fmt.Sprintf("n=%d", n), func(t *testing.T) {
			r, _ := Root(n)
			d, _ := n.Depth()
			nodes := sample(n, rng)
			var buf [MaxPathLen]NodeIndex
			for _, x := range nodes {
				checkNode(t, x, n, r, d, buf[:0])
			}
			for i := range min(len(nodes), 3000) {
				x, y := nodes[i], nodes[rng.IntN(len(nodes))]
				if i < 64 && len(nodes) > 64 {
					y = nodes[len(nodes)-1-i] // pair up the edges
				}
				want := NodeIndex(refCommonAncestor(uint64(x), uint64(y), uint64(n)))
				if got := CommonAncestor(x, y); got != want {
					t.Fatalf("CommonAncestor(%d, %d) = %d, want %d", x, y, got, want)
				}
				if got := CommonAncestor(y, x); got != want {
					t.Fatalf("CommonAncestor(%d, %d) = %d, want %d", y, x, got, want)
				}
				if InSubtree(x, y) != (want == y) || InSubtree(y, x) != (want == x) {
					t.Fatalf("InSubtree(%d, %d) disagrees with CommonAncestor %d", x, y, want)
				}
				if !InSubtree(x, want) || !InSubtree(y, want) {
					t.Fatalf("CommonAncestor(%d, %d) = %d does not head both", x, y, want)
				}
			}
		})
	}
}

func checkNode(t *testing.T, x NodeIndex, n LeafCount, r NodeIndex, d uint32, buf []NodeIndex) {
	t.Helper()
	u, un := uint64(x), uint64(n)
	if !n.Contains(x) {
		t.Fatalf("Contains(%d) false", x)
	}
	if l := x.Level(); uint64(l) != refLevel(u) {
		t.Fatalf("Level(%d) = %d, want %d", x, l, refLevel(u))
	}
	if l, ok := x.Leaf(); ok != x.IsLeaf() || ok != (x%2 == 0) || ok && l.Node() != x {
		t.Fatalf("Leaf(%d) = %d, %v", x, l, ok)
	}
	if !InSubtree(x, r) || !InSubtree(x, x) || CommonAncestor(x, x) != x || CommonAncestor(x, r) != r {
		t.Fatalf("%d: subtree relations with itself / root wrong", x)
	}

	// Children: both or neither, their parent is x, they are siblings.
	lc, lok := Left(x)
	rc, rok := Right(x)
	if lok != !x.IsLeaf() || rok != lok {
		t.Fatalf("Left/Right(%d) ok = %v/%v", x, lok, rok)
	}
	if lok {
		for _, c := range []NodeIndex{lc, rc} {
			if p, ok := Parent(c, n); !ok || p != x || c.Level()+1 != x.Level() {
				t.Fatalf("Parent(child %d of %d) = %d, %v", c, x, p, ok)
			}
		}
		if s, ok := Sibling(lc, n); !ok || s != rc || lc >= x || rc <= x {
			t.Fatalf("children of %d: %d, %d, Sibling(left) = %d", x, lc, rc, s)
		}
		if CommonAncestor(lc, rc) != x || InSubtree(x, lc) {
			t.Fatalf("children %d, %d of %d: ancestry wrong", lc, rc, x)
		}
	}

	// Parent and sibling against the Appendix C transcription.
	p, pok := Parent(x, n)
	s, sok := Sibling(x, n)
	if pok != (x != r) || sok != pok {
		t.Fatalf("Parent/Sibling(%d) ok = %v/%v, root %d", x, pok, sok, r)
	}
	if pok {
		if uint64(p) != refParent(u, un) {
			t.Fatalf("Parent(%d) = %d, want %d", x, p, refParent(u, un))
		}
		if ps, _ := Parent(s, n); ps != p || s == x {
			t.Fatalf("Sibling(%d) = %d has parent %d, not %d", x, s, ps, p)
		}
		if ss, _ := Sibling(s, n); ss != x {
			t.Fatalf("Sibling(Sibling(%d)) = %d", x, ss)
		}
		if l, _ := Left(p); (x < p) != (l == x) {
			t.Fatalf("%d is not the correct child of %d", x, p)
		}
	}

	// Direct path: parents up to the root; copath: their siblings.
	dp, ok := AppendDirectPath(buf, x, n)
	if !ok || len(dp) != int(d-x.Level()) {
		t.Fatalf("DirectPath(%d) = %v, %v, want length %d", x, dp, ok, d-x.Level())
	}
	if x.IsLeaf() && len(dp) != int(d) {
		t.Fatalf("DirectPath(leaf %d) has length %d, want log2(n) = %d", x, len(dp), d)
	}
	cp, ok := AppendCopath(dp[len(dp):], x, n)
	if !ok || len(cp) != len(dp) {
		t.Fatalf("Copath(%d) = %v, %v, direct path %v", x, cp, ok, dp)
	}
	prev := x
	for i, a := range dp {
		if want, _ := Parent(prev, n); a != want {
			t.Fatalf("DirectPath(%d)[%d] = %d, want %d (%v)", x, i, a, want, dp)
		}
		if want, _ := Sibling(prev, n); cp[i] != want {
			t.Fatalf("Copath(%d)[%d] = %d, want %d (%v)", x, i, cp[i], want, cp)
		}
		if !InSubtree(x, a) || InSubtree(x, cp[i]) {
			t.Fatalf("%d: direct path %v / copath %v ancestry wrong", x, dp, cp)
		}
		prev = a
	}
	if len(dp) > 0 && dp[len(dp)-1] != r {
		t.Fatalf("DirectPath(%d) = %v does not end at root %d", x, dp, r)
	}
	if adp, _ := DirectPath(x, n); !slices.Equal(adp, dp) {
		t.Fatalf("DirectPath(%d) = %v, AppendDirectPath %v", x, adp, dp)
	}
	if acp, _ := Copath(x, n); !slices.Equal(acp, cp) {
		t.Fatalf("Copath(%d) = %v, AppendCopath %v", x, acp, cp)
	}
}

// TestSpecExample checks the direct paths and copaths of the example tree
// in RFC 9420, Section 4.1.2 (8 leaves; A=0, B=1, E=4, F=5, G=6).
func TestSpecExample(t *testing.T) {
	const (
		T, U, V, W, X, Y, Z = 1, 3, 5, 7, 9, 11, 13
		A, B, E, F, G, H    = 0, 2, 8, 10, 12, 14
	)
	for _, tc := range []struct {
		leaf         NodeIndex
		direct, copa []NodeIndex
	}{
		{A, []NodeIndex{T, U, W}, []NodeIndex{B, V, Y}},
		{B, []NodeIndex{T, U, W}, []NodeIndex{A, V, Y}},
		{E, []NodeIndex{X, Y, W}, []NodeIndex{F, Z, U}},
		{F, []NodeIndex{X, Y, W}, []NodeIndex{E, Z, U}},
		{G, []NodeIndex{Z, Y, W}, []NodeIndex{H, X, U}},
	} {
		if got, _ := DirectPath(tc.leaf, 8); !slices.Equal(got, tc.direct) {
			t.Errorf("DirectPath(%d) = %v, want %v", tc.leaf, got, tc.direct)
		}
		if got, _ := Copath(tc.leaf, 8); !slices.Equal(got, tc.copa) {
			t.Errorf("Copath(%d) = %v, want %v", tc.leaf, got, tc.copa)
		}
	}
	if got, ok := DirectPath(W, 8); !ok || len(got) != 0 {
		t.Errorf("DirectPath(root) = %v, %v, want empty", got, ok)
	}
	if got, ok := Copath(W, 8); !ok || len(got) != 0 {
		t.Errorf("Copath(root) = %v, %v, want empty", got, ok)
	}
}

var (
	sinkNode NodeIndex
	sinkOK   bool
	sinkPath []NodeIndex
)

func TestAllocs(t *testing.T) {
	const n = LeafCount(1 << 20)
	buf := make([]NodeIndex, 0, MaxPathLen)
	x, y := NodeIndex(12345*2), NodeIndex(1<<21-2)
	for name, f := range map[string]func(){
		"Parent":           func() { sinkNode, sinkOK = Parent(x, n) },
		"Sibling":          func() { sinkNode, sinkOK = Sibling(x, n) },
		"Left":             func() { sinkNode, sinkOK = Left(x + 1) },
		"Right":            func() { sinkNode, sinkOK = Right(x + 1) },
		"CommonAncestor":   func() { sinkNode = CommonAncestor(x, y) },
		"AppendDirectPath": func() { sinkPath, sinkOK = AppendDirectPath(buf[:0], x, n) },
		"AppendCopath":     func() { sinkPath, sinkOK = AppendCopath(buf[:0], x, n) },
		"AppendDirectPath/max": func() {
			sinkPath, sinkOK = AppendDirectPath(buf[:0], 0, MaxLeafCount)
		},
	} {
		if a := testing.AllocsPerRun(100, f); a != 0 {
			t.Errorf("%s: %v allocs per run, want 0", name, a)
		}
	}
}

var benchSizes = []LeafCount{16, 1 << 20, MaxLeafCount}

func benchNodes(n LeafCount) []NodeIndex {
	rng := rand.New(rand.NewPCG(3, 4))
	s := make([]NodeIndex, 1024)
	for i := range s {
		s[i] = NodeIndex(rng.Uint32N(uint32(n))) * 2 // leaves
	}
	return s
}

func BenchmarkParent(b *testing.B) {
	for _, n := range benchSizes {
		xs := benchNodes(n)
		b.Run(fmt.Sprintf("n=%d", n), func(b *testing.B) {
			i := 0
			for b.Loop() {
				sinkNode, sinkOK = Parent(xs[i%len(xs)], n)
				i++
			}
		})
	}
}

func BenchmarkSibling(b *testing.B) {
	for _, n := range benchSizes {
		xs := benchNodes(n)
		b.Run(fmt.Sprintf("n=%d", n), func(b *testing.B) {
			i := 0
			for b.Loop() {
				sinkNode, sinkOK = Sibling(xs[i%len(xs)], n)
				i++
			}
		})
	}
}

func BenchmarkCommonAncestor(b *testing.B) {
	for _, n := range benchSizes {
		xs := benchNodes(n)
		b.Run(fmt.Sprintf("n=%d", n), func(b *testing.B) {
			i := 0
			for b.Loop() {
				sinkNode = CommonAncestor(xs[i%len(xs)], xs[(i+1)%len(xs)])
				i++
			}
		})
	}
}

func BenchmarkDirectPath(b *testing.B) {
	for _, n := range benchSizes {
		xs := benchNodes(n)
		buf := make([]NodeIndex, 0, MaxPathLen)
		b.Run(fmt.Sprintf("n=%d", n), func(b *testing.B) {
			i := 0
			for b.Loop() {
				sinkPath, sinkOK = AppendDirectPath(buf[:0], xs[i%len(xs)], n)
				i++
			}
		})
	}
}

func BenchmarkCopath(b *testing.B) {
	for _, n := range benchSizes {
		xs := benchNodes(n)
		buf := make([]NodeIndex, 0, MaxPathLen)
		b.Run(fmt.Sprintf("n=%d", n), func(b *testing.B) {
			i := 0
			for b.Loop() {
				sinkPath, sinkOK = AppendCopath(buf[:0], xs[i%len(xs)], n)
				i++
			}
		})
	}
}

package peers

import (
	"fmt"
	"io"
	"slices"
	"strings"
	"testing"

	"cgkalab/models/mls"
	rt "cgkalab/models/ratchettree"
	"cgkalab/models/suite"
	"cgkalab/models/treekem"
	tm "cgkalab/models/treemath"
)

// TestRunCgkalab runs every scenario at n = 8 and checks what the run
// itself cannot: the sizes and shapes of its results.
func TestRunCgkalab(t *testing.T) {
	rs, err := RunCgkalab([]int{8}, 2, io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	if len(rs) != len(Scenarios) {
		t.Fatalf("got %d results, want %d", len(rs), len(Scenarios))
	}
	for i, r := range rs {
		if r.Scenario != Scenarios[i] || r.N != 8 {
			t.Errorf("result %d is %s n=%d, want %s n=8", i, r.Scenario, r.N, Scenarios[i])
		}
		if len(r.Create.Wall) != 2 || len(r.Process.Wall) != 2 || len(r.Create.CPU) != 2 || len(r.Process.CPU) != 2 {
			t.Errorf("%s: want 2 runs of each timing, got %+v %+v", r.Scenario, r.Create, r.Process)
		}
		if r.CommitBytes <= 0 {
			t.Errorf("%s: commit bytes %d", r.Scenario, r.CommitBytes)
		}
		if (r.WelcomeBytes > 0) != (r.Scenario == Build) {
			t.Errorf("%s: Welcome bytes %d", r.Scenario, r.WelcomeBytes)
		}
	}
	// A full-path commit in the built tree encrypts to more nodes than in
	// the warm one (n/2 leaves of the blank half against one node per
	// level), so it is longer.
	if rs[1].CommitBytes <= rs[2].CommitBytes {
		t.Errorf("built commit (%d bytes) is not longer than warm commit (%d bytes)", rs[1].CommitBytes, rs[2].CommitBytes)
	}
}

func TestRunCgkalabRejectsSizes(t *testing.T) {
	for _, n := range []int{2, 6, 0} {
		if _, err := RunCgkalab([]int{n}, 1, io.Discard); err == nil {
			t.Errorf("n=%d: no error", n)
		}
	}
}

func TestWarmOrder(t *testing.T) {
	for _, n := range []int{4, 8, 64, 4096} {
		order := WarmOrder(n)
		if len(order) != n/2-1 {
			t.Errorf("n=%d: %d commits, want %d", n, len(order), n/2-1)
		}
		seen := map[int]bool{}
		for _, i := range order {
			if i <= 0 || i >= n || i%2 != 0 || seen[i] {
				t.Errorf("n=%d: leaf %d in the order is odd, out of range or repeated", n, i)
			}
			seen[i] = true
		}
	}
	want := []int{4, 2, 6}
	if got := WarmOrder(8); len(got) != 3 || got[0] != want[0] || got[1] != want[1] || got[2] != want[2] {
		t.Errorf("WarmOrder(8) = %v, want %v", got, want)
	}
}

// TestPuppetCommitIsAMembersCommit holds the warm-up shortcut against the
// real path: in the built tree, a commit the puppet makes as leaf 2 and one
// that leaf 2's own state makes are both accepted by the receiver, have the
// same length, path and number of encryption edges, and leave the
// receiver's tree in the same shape (blank nodes, unmerged leaves) with
// parent hashes that verify.
func TestPuppetCommitIsAMembersCommit(t *testing.T) {
	s, err := suite.ByID(1)
	if err != nil {
		t.Fatal(err)
	}
	g, err := newGroup(s, 8)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := g.build(1); err != nil {
		t.Fatal(err)
	}
	// Leaf 2 as itself: it joins at epoch 1 and takes the creator's
	// commit with a path, as every member would.
	member, err := join(s, g.welcome, g.kps[2], g.receiver.Tree().Clone())
	if err != nil {
		t.Fatal(err)
	}
	creator, err := g.receiver.Commit(mls.CommitOptions{}, g.rng)
	if err != nil {
		t.Fatal(err)
	}
	if err := g.receiver.Apply(creator); err != nil {
		t.Fatal(err)
	}
	for _, m := range []*mls.Group{g.puppet, member} {
		if err := process(m, creator.CommitBytes); err != nil {
			t.Fatal(err)
		}
	}
	real, err := member.Commit(mls.CommitOptions{}, g.rng)
	if err != nil {
		t.Fatal(err)
	}
	kp := g.kps[2]
	g.puppet.AssumeMember(treekem.NewPrivateView(s, 2, kp.LeafKey), kp.SigKey, nil)
	puppet, err := g.puppet.Commit(mls.CommitOptions{}, g.rng)
	if err != nil {
		t.Fatal(err)
	}
	if len(real.CommitBytes) != len(puppet.CommitBytes) {
		t.Errorf("commit lengths: member %d, puppet %d", len(real.CommitBytes), len(puppet.CommitBytes))
	}
	if !slices.Equal(real.Outcome.Path, puppet.Outcome.Path) || len(real.Outcome.Edges) != len(puppet.Outcome.Edges) {
		t.Errorf("member path %v with %d edges, puppet path %v with %d edges",
			real.Outcome.Path, len(real.Outcome.Edges), puppet.Outcome.Path, len(puppet.Outcome.Edges))
	}
	var shapes [2]string
	for i, c := range []*mls.StagedCommit{real, puppet} {
		st := g.receiver.Stage()
		if err := process(g.receiver, c.CommitBytes); err != nil {
			t.Fatalf("commit %d: %v", i, err)
		}
		if err := sameEpoch(g.receiver, c.EpochAuthenticator(), "processing"); err != nil {
			t.Error(err)
		}
		tree := g.receiver.Tree()
		if err := tree.VerifyParentHashes(); err != nil {
			t.Errorf("commit %d: %v", i, err)
		}
		shapes[i] = shape(tree)
		g.receiver.Unstage(st, false)
	}
	if shapes[0] != shapes[1] {
		t.Errorf("tree shapes differ:\nmember %s\npuppet %s", shapes[0], shapes[1])
	}
}

// shape describes which nodes of t are blank and which parents list
// unmerged leaves.
func shape(t *rt.Tree) string {
	var b strings.Builder
	for x := range t.Width() {
		switch p := t.ParentNode(tm.NodeIndex(x)); {
		case t.IsBlank(tm.NodeIndex(x)):
			b.WriteString("_")
		case p != nil:
			fmt.Fprintf(&b, "P%v", p.UnmergedLeaves)
		default:
			b.WriteString("L")
		}
	}
	return b.String()
}

package peers

import (
	"bytes"
	"fmt"
	"io"
	"math/rand/v2"
	"runtime"
	"time"

	"cgkalab/bench"
	"cgkalab/models/mls"
	rt "cgkalab/models/ratchettree"
	"cgkalab/models/suite"
	"cgkalab/models/treekem"
	tm "cgkalab/models/treemath"
)

// RunCgkalab runs the scenarios (see the package documentation) with
// cgkalab's models/mls for each group size (powers of two, at least 4),
// runs times each, and writes a progress line per step to progress.
func RunCgkalab(sizes []int, runs int, progress io.Writer) ([]Result, error) {
	s, err := suite.ByID(1)
	if err != nil {
		return nil, err
	}
	var out []Result
	for _, n := range sizes {
		if n < 4 || n&(n-1) != 0 {
			return nil, fmt.Errorf("peers: group size %d is not a power of two of at least 4", n)
		}
		rs, err := runSize(s, n, runs, progress)
		if err != nil {
			return nil, fmt.Errorf("peers: cgkalab at n=%d: %w", n, err)
		}
		out = append(out, rs...)
	}
	return out, nil
}

// group holds the members the scenarios need: the receiver (leaf 0, the
// creator), the sender (the last leaf) and the puppet (leaf 1), which
// makes the warm-up commits of other leaves.
type group struct {
	s                        *suite.Suite
	kps                      []*mls.KeyPackageBundle
	receiver, sender, puppet *mls.Group
	welcome                  []byte // the build's Welcome
	rng                      io.Reader
}

// newGroup makes n members' KeyPackages from a fixed seed.
func newGroup(s *suite.Suite, n int) (*group, error) {
	rng := rand.NewChaCha8([32]byte{'p', 'e', 'e', 'r', 's'})
	kps := make([]*mls.KeyPackageBundle, n)
	for i := range kps {
		kp, err := mls.NewKeyPackage(s, Identity(i), nil, rt.Lifetime{NotBefore: 0, NotAfter: 1 << 62}, rng)
		if err != nil {
			return nil, err
		}
		kps[i] = kp
	}
	return &group{s: s, kps: kps, rng: rng}, nil
}

func runSize(s *suite.Suite, n, runs int, progress io.Writer) ([]Result, error) {
	fmt.Fprintf(progress, "bench peers: cgkalab n=%d: generating %d KeyPackages\n", n, n)
	g, err := newGroup(s, n)
	if err != nil {
		return nil, err
	}
	fmt.Fprintf(progress, "bench peers: cgkalab n=%d: build, %d runs\n", n, runs)
	build, err := g.build(runs)
	if err != nil {
		return nil, fmt.Errorf("build: %w", err)
	}
	fmt.Fprintf(progress, "bench peers: cgkalab n=%d: built: the creator commits with a path\n", n)
	if err := g.step(0); err != nil {
		return nil, err
	}
	fmt.Fprintf(progress, "bench peers: cgkalab n=%d: built, %d runs\n", n, runs)
	built, err := g.measure(Built, runs)
	if err != nil {
		return nil, err
	}
	order := WarmOrder(n)
	fmt.Fprintf(progress, "bench peers: cgkalab n=%d: warming: %d commits\n", n, len(order))
	for _, i := range order {
		if err := g.step(i); err != nil {
			return nil, err
		}
	}
	if blank := blankParents(g.sender.Tree()); blank != 0 {
		return nil, fmt.Errorf("warm tree has %d blank parent nodes", blank)
	}
	fmt.Fprintf(progress, "bench peers: cgkalab n=%d: warm, %d runs\n", n, runs)
	warm, err := g.measure(Warm, runs)
	if err != nil {
		return nil, err
	}
	return []Result{build, built, warm}, nil
}

// timed runs f and appends its elapsed and CPU time to t.
func timed(t *Timing, f func() error) error {
	start, cpu := time.Now(), bench.CPUTime()
	err := f()
	t.Wall = append(t.Wall, time.Since(start))
	t.CPU = append(t.CPU, time.Duration(bench.CPUTime()-cpu))
	return err
}

// build measures group creation with one Add-all commit (no path) and the
// last leaf's join, and leaves g with the receiver, sender and puppet at
// epoch 1.
func (g *group) build(runs int) (Result, error) {
	n := len(g.kps)
	r := Result{Scenario: Build, N: n}
	adds := make([]*mls.Proposal, 0, n-1)
	for _, kp := range g.kps[1:] {
		adds = append(adds, &mls.Proposal{Type: mls.ProposalAdd, Add: kp.KeyPackage})
	}
	var staged *mls.StagedCommit
	runtime.GC()
	for range runs {
		err := timed(&r.Create, func() error {
			grp, err := mls.NewGroup(g.s, []byte(GroupID), g.kps[0], nil, mls.Config{}, g.rng)
			if err != nil {
				return err
			}
			// The commit encodes itself and its Welcome (StagedCommit).
			if staged, err = grp.Commit(mls.CommitOptions{Inline: adds, OmitPath: true}, g.rng); err != nil {
				return err
			}
			g.receiver = grp
			return nil
		})
		if err != nil {
			return r, err
		}
	}
	if err := g.receiver.Apply(staged); err != nil {
		return r, err
	}
	g.welcome = staged.WelcomeBytes
	r.CommitBytes, r.WelcomeBytes = len(staged.CommitBytes), len(staged.WelcomeBytes)
	runtime.GC()
	for range runs {
		tree := g.receiver.Tree().Clone() // Join takes ownership of its tree
		err := timed(&r.Process, func() (err error) {
			g.sender, err = join(g.s, staged.WelcomeBytes, g.kps[n-1], tree)
			return err
		})
		if err != nil {
			return r, fmt.Errorf("join: %w", err)
		}
	}
	if err := sameEpoch(g.receiver, g.sender.EpochAuthenticator(), "join"); err != nil {
		return r, err
	}
	if g.sender.LeafIndex() != tm.LeafIndex(n-1) {
		return r, fmt.Errorf("joiner sits at leaf %d, want %d", g.sender.LeafIndex(), n-1)
	}
	var err error
	g.puppet, err = join(g.s, staged.WelcomeBytes, g.kps[1], g.receiver.Tree().Clone())
	return r, err
}

func join(s *suite.Suite, welcome []byte, kp *mls.KeyPackageBundle, tree *rt.Tree) (*mls.Group, error) {
	msg, err := mls.ParseMLSMessage(welcome)
	if err != nil {
		return nil, err
	}
	if msg.Welcome == nil {
		return nil, fmt.Errorf("expected a Welcome, got wire format %d", msg.WireFormat)
	}
	return mls.Join(s, msg.Welcome, kp, tree, mls.Config{})
}

func process(g *mls.Group, commit []byte) error {
	msg, err := mls.ParseMLSMessage(commit)
	if err != nil {
		return err
	}
	_, err = g.Process(msg)
	return err
}

func sameEpoch(g *mls.Group, want []byte, what string) error {
	if !bytes.Equal(g.EpochAuthenticator(), want) {
		return fmt.Errorf("%s: epoch authenticators differ", what)
	}
	return nil
}

// step has leaf i commit with a path and every held member take it on:
// leaf 0 (the receiver) commits from its own state; any other leaf through
// the puppet, which assumes leaf i's leaf and signature keys (see the
// package documentation) and applies its own commit.
func (g *group) step(i int) error {
	committer := g.receiver
	others := []*mls.Group{g.sender, g.puppet}
	if i != 0 {
		kp := g.kps[i]
		g.puppet.AssumeMember(treekem.NewPrivateView(g.s, tm.LeafIndex(i), kp.LeafKey), kp.SigKey, nil)
		committer, others = g.puppet, []*mls.Group{g.receiver, g.sender}
	}
	staged, err := committer.Commit(mls.CommitOptions{}, g.rng)
	if err != nil {
		return fmt.Errorf("commit by leaf %d: %w", i, err)
	}
	if err := committer.Apply(staged); err != nil {
		return err
	}
	for _, m := range others {
		if err := process(m, staged.CommitBytes); err != nil {
			return fmt.Errorf("leaf %d processing the commit by leaf %d: %w", m.LeafIndex(), i, err)
		}
		if err := sameEpoch(m, staged.EpochAuthenticator(), fmt.Sprintf("commit by leaf %d", i)); err != nil {
			return err
		}
	}
	return nil
}

// measure has the sender create runs full-path commits from the same
// state (each discarded), and the receiver process the last one runs
// times, each inside a stage that is rolled back.
func (g *group) measure(sc Scenario, runs int) (Result, error) {
	r := Result{Scenario: sc, N: len(g.kps)}
	var staged *mls.StagedCommit
	var commit, auth []byte
	runtime.GC()
	for range runs {
		err := timed(&r.Create, func() (err error) {
			staged, err = g.sender.Commit(mls.CommitOptions{}, g.rng)
			return err
		})
		if err != nil {
			return r, fmt.Errorf("%s: commit: %w", sc, err)
		}
		commit, auth = staged.CommitBytes, staged.EpochAuthenticator()
		if err := g.sender.Discard(staged); err != nil {
			return r, err
		}
	}
	r.CommitBytes = len(commit)
	runtime.GC()
	for range runs {
		st := g.receiver.Stage()
		err := timed(&r.Process, func() error { return process(g.receiver, commit) })
		if err == nil {
			err = sameEpoch(g.receiver, auth, string(sc)+" processing")
		}
		g.receiver.Unstage(st, false)
		if err != nil {
			return r, fmt.Errorf("%s: process: %w", sc, err)
		}
	}
	return r, nil
}

func blankParents(t *rt.Tree) int {
	blank := 0
	for x := uint32(1); x < t.Width(); x += 2 {
		if t.IsBlank(tm.NodeIndex(x)) {
			blank++
		}
	}
	return blank
}

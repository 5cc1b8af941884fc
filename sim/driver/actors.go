package driver

import (
	"math"
	"math/rand/v2"

	"gonum.org/v1/gonum/stat/distuv"

	"cgkalab/models/protocol"
	"cgkalab/sim/workload"
)

// actors chooses who acts (sends, self-updates, commits where the
// protocol lets the workload choose) in proportion to per-member activity
// weights: all equal (uniform), heavy-tailed (Zipf's law: weights drawn
// from a Pareto distribution with tail index 1/s, whose order statistics
// fall off as rank^-s), log-normal (heterogeneous activity) or an admin
// set that does a given share of the acting. A Fenwick tree over the
// members' positions keeps each draw and each membership change at
// O(log n).
type actors struct {
	cfg    workload.Actors
	rng    *rand.Rand // the weights' own stream
	weight []float64  // by position in run.members
	tree   []float64  // Fenwick tree over weight, 1-based
	total  float64
	admin  float64 // an admin's weight, relative to 1 for the others
}

func newActors(cfg workload.Actors, rng *rand.Rand, initial int) *actors {
	a := &actors{cfg: cfg, rng: rng}
	if cfg.Weights == workload.ActorsAdmins && cfg.Admins < initial {
		// Admins together act AdminShare of the time in the initial group.
		a.admin = cfg.AdminShare / (1 - cfg.AdminShare) * float64(initial-cfg.Admins) / float64(cfg.Admins)
	}
	return a
}

// uniform reports whether every member weighs the same, so draws can be
// plain uniform choices.
func (a *actors) uniform() bool {
	return a.cfg.Weights == workload.ActorsUniform || a.cfg.Weights == ""
}

// draw returns a new member's weight.
func (a *actors) draw(id protocol.MemberID) float64 {
	switch a.cfg.Weights {
	case workload.ActorsZipf:
		return distuv.Pareto{Xm: 1, Alpha: 1 / a.cfg.S, Src: a.rng}.Rand()
	case workload.ActorsLogNormal:
		// Median e^(-sigma^2/2), so that the mean weight is 1.
		return distuv.LogNormal{Mu: -a.cfg.Sigma * a.cfg.Sigma / 2, Sigma: a.cfg.Sigma, Src: a.rng}.Rand()
	case workload.ActorsAdmins:
		if int(id) < a.cfg.Admins {
			return a.admin
		}
	}
	return 1
}

// add appends a member at position len(weight).
func (a *actors) add(id protocol.MemberID) {
	if a.uniform() {
		return
	}
	a.weight = append(a.weight, 0)
	a.tree = append(a.tree, 0)
	if len(a.tree) == 1 {
		a.tree = append(a.tree, 0)
	}
	i := len(a.weight) // 1-based
	// The new Fenwick node covers (i - lowbit(i), i]: sum what it covers.
	var s float64
	for j := i - 1; j > i-(i&-i); j -= j & -j {
		s += a.tree[j]
	}
	a.tree[i] = s
	a.set(i-1, a.draw(id))
}

// set changes the weight at position p.
func (a *actors) set(p int, w float64) {
	d := w - a.weight[p]
	a.weight[p] = w
	a.total += d
	for i := p + 1; i < len(a.tree); i += i & -i {
		a.tree[i] += d
	}
}

// remove mirrors run.dropMember's swap-remove of position p.
func (a *actors) remove(p int) {
	if a.uniform() {
		return
	}
	last := len(a.weight) - 1
	w := a.weight[last]
	a.set(last, 0)
	if p != last {
		a.set(p, w)
	}
	a.weight = a.weight[:last]
	a.tree = a.tree[:last+1]
}

// find returns the position whose cumulative weight range holds u.
func (a *actors) find(u float64) int {
	pos := 0
	for step := 1 << (bitsLen(len(a.tree)) - 1); step > 0; step >>= 1 {
		if next := pos + step; next < len(a.tree) && a.tree[next] <= u {
			pos = next
			u -= a.tree[next]
		}
	}
	return min(pos, len(a.weight)-1)
}

func bitsLen(n int) int {
	b := 0
	for ; n > 0; n >>= 1 {
		b++
	}
	return b
}

// pick returns an online member chosen by weight: up to 64 draws, then
// the first online member in order (as protocol.RandomOnline does for
// uniform weights, which it serves).
func (a *actors) pick(members []protocol.MemberID, online func(protocol.MemberID) bool, rng *rand.Rand) (protocol.MemberID, bool) {
	if a.uniform() || len(members) == 0 || a.total <= 0 || math.IsInf(a.total, 0) {
		return protocol.RandomOnline(members, online, rng)
	}
	for range 64 {
		m := members[a.find(rng.Float64()*a.total)]
		if online(m) {
			return m, true
		}
	}
	return protocol.RandomOnline(members, online, rng)
}

// scale is the factor a member's periodic activity runs at.
func (a *actors) scale(p int) float64 {
	if a.uniform() || p >= len(a.weight) || a.weight[p] <= 0 {
		return 1
	}
	return a.weight[p]
}

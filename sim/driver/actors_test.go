package driver

import (
	"math"
	"math/rand/v2"
	"slices"
	"testing"

	"cgkalab/models/protocol"
	"cgkalab/sim/workload"
)

// TestActorsWeightedChoice checks the Fenwick-tree draws against the
// weights, through adds and swap-removes like run.members'.
func TestActorsWeightedChoice(t *testing.T) {
	a := newActors(workload.Actors{Weights: workload.ActorsLogNormal, Sigma: 1}, rand.New(rand.NewPCG(1, 2)), 0)
	var members []protocol.MemberID
	for id := range protocol.MemberID(50) {
		members = append(members, id)
		a.add(id)
	}
	for _, p := range []int{3, 17, 0, 40} { // swap-removes, as dropMember does
		a.remove(p)
		members[p] = members[len(members)-1]
		members = members[:len(members)-1]
	}
	var total float64
	for _, w := range a.weight {
		total += w
	}
	if math.Abs(total-a.total) > 1e-9*total {
		t.Fatalf("total %g, weights sum to %g", a.total, total)
	}
	rng := rand.New(rand.NewPCG(3, 4))
	const draws = 200_000
	count := make([]int, len(members))
	for range draws {
		m, ok := a.pick(members, func(protocol.MemberID) bool { return true }, rng)
		if !ok {
			t.Fatal("no member")
		}
		count[slices.Index(members, m)]++
	}
	for p, w := range a.weight {
		want := draws * w / total
		if sd := math.Sqrt(want); math.Abs(float64(count[p])-want) > 5*sd+5 {
			t.Errorf("position %d: %d draws, want %.0f ± %.0f", p, count[p], want, 5*sd)
		}
	}
}

// TestActorsAdmins: the admins act their share of the time.
func TestActorsAdmins(t *testing.T) {
	a := newActors(workload.Actors{Weights: workload.ActorsAdmins, Admins: 5, AdminShare: 0.8}, rand.New(rand.NewPCG(1, 2)), 100)
	var members []protocol.MemberID
	for id := range protocol.MemberID(100) {
		members = append(members, id)
		a.add(id)
	}
	rng := rand.New(rand.NewPCG(5, 6))
	admins := 0
	for range 100_000 {
		if m, _ := a.pick(members, func(protocol.MemberID) bool { return true }, rng); m < 5 {
			admins++
		}
	}
	if share := float64(admins) / 100_000; math.Abs(share-0.8) > 0.01 {
		t.Errorf("admins acted %.3f of the time, want 0.8", share)
	}
}

// TestActorsZipfTail: under Zipf weights the most active tenth of the
// members does most of the acting; under uniform weights a tenth.
func TestActorsZipfTail(t *testing.T) {
	a := newActors(workload.Actors{Weights: workload.ActorsZipf, S: 1.2}, rand.New(rand.NewPCG(7, 8)), 0)
	for id := range protocol.MemberID(1000) {
		a.add(id)
	}
	w := slices.Clone(a.weight)
	slices.Sort(w)
	var top, all float64
	for i, x := range w {
		all += x
		if i >= 900 {
			top += x
		}
	}
	if top/all < 0.5 {
		t.Errorf("the top 10%% hold %.2f of the weight, want most of it", top/all)
	}
}

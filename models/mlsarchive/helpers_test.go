package mlsarchive_test

import (
	"encoding/json"
	"math/rand/v2"
	"slices"
	"testing"
	"time"

	"cgkalab/models/mlsarchive"
	"cgkalab/models/mlsgroup"
	"cgkalab/models/protocol"
	"cgkalab/sim"
	"cgkalab/sim/security"
)

// rig drives plain MLS or mls-archive with scripted intents, a minute
// apart, and feeds every outcome to a security oracle. Proposals are
// committed at once by their proposer (committer: self).
type rig struct {
	t       *testing.T
	g       protocol.Group
	o       *security.Oracle
	offline map[protocol.MemberID]bool
	members []protocol.MemberID
	next    protocol.MemberID
	now     time.Duration
	outs    []*protocol.Outcome
}

// archiveOptions are the defaults with the proposer committing.
func archiveOptions() mlsarchive.Options {
	o := mlsarchive.DefaultOptions()
	o.MLS.Commit.Committer = "self"
	return o
}

// newRig creates a group of n members of plain MLS (opts nil) or of
// mls-archive.
func newRig(t *testing.T, mode string, n int, opts *mlsarchive.Options, seed uint64) *rig {
	t.Helper()
	r := &rig{t: t, o: security.New(), offline: map[protocol.MemberID]bool{}}
	var v any = opts
	factory := mlsarchive.New
	if opts == nil {
		m := mlsgroup.DefaultOptions()
		m.Commit.Committer = "self"
		v, factory = m, mlsgroup.New
	}
	raw, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	g, err := factory(protocol.Env{Suite: 1, Mode: mode, Sample: 2, Options: raw,
		Online:  func(m protocol.MemberID) bool { return !r.offline[m] },
		Members: func() []protocol.MemberID { return r.members },
		Rand:    rand.NewChaCha8([32]byte{byte(seed), byte(seed >> 8)}),
		Pick:    rand.New(rand.NewPCG(seed, 2)),
		Choose:  rand.New(rand.NewPCG(seed, 3))})
	if err != nil {
		t.Fatal(err)
	}
	r.g = g
	if rv, ok := g.(protocol.Revealer); ok {
		r.o.AskRevealer(rv) // encryption edges on demand, as runs have them
	}
	var targets []protocol.MemberID
	for m := 1; m < n; m++ {
		targets = append(targets, protocol.MemberID(m))
	}
	r.members = []protocol.MemberID{0}
	r.next = protocol.MemberID(n)
	r.do(protocol.Intent{Kind: protocol.Create, Actor: 0, Targets: targets})
	return r
}

// do applies an intent a minute after the last, feeds the oracle and
// follows the membership.
func (r *rig) do(in protocol.Intent) []*protocol.Outcome {
	r.t.Helper()
	r.now += time.Minute
	in.Now = r.now
	outs, err := r.g.Apply(in)
	if err != nil {
		r.t.Fatalf("%v by %d: %v", in.Kind, in.Actor, err)
	}
	for _, o := range outs {
		if o.Rejected != "" {
			r.t.Fatalf("%v by %d rejected: %s", in.Kind, in.Actor, o.Rejected)
		}
		var ttl sim.Time
		if in.Kind == protocol.Send {
			ttl = sim.FromDuration(in.TTL)
		}
		r.o.Observe(sim.FromDuration(r.now), o, ttl)
		r.members = append(r.members, o.Added...)
		for _, x := range o.Removed {
			if i := slices.Index(r.members, x); i >= 0 {
				r.members = slices.Delete(r.members, i, i+1)
			}
		}
	}
	r.outs = append(r.outs, outs...)
	return outs
}

func (r *rig) send(actor protocol.MemberID, ttl time.Duration) {
	r.t.Helper()
	r.do(protocol.Intent{Kind: protocol.Send, Actor: actor, Size: 32, TTL: ttl})
}

func (r *rig) join(actor protocol.MemberID) {
	id := r.next
	r.next++
	r.do(protocol.Intent{Kind: protocol.Join, Actor: actor, Targets: []protocol.MemberID{id}})
}

// wait lets d of virtual time pass.
func (r *rig) wait(d time.Duration) { r.now += d }

func (r *rig) compromise(m protocol.MemberID) *security.Compromise {
	r.t.Helper()
	r.now += time.Minute
	k, err := r.g.(protocol.Compromiser).Compromise(m)
	if err != nil {
		r.t.Fatal(err)
	}
	return r.o.Compromise(sim.FromDuration(r.now), m, k)
}

func (r *rig) finish() *security.Report {
	r.t.Helper()
	rep, err := r.o.Finish(sim.FromDuration(r.now + time.Minute))
	if err != nil {
		r.t.Fatal(err)
	}
	return rep
}

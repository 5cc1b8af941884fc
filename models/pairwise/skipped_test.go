package pairwise

import (
	"math/rand/v2"
	"testing"

	"cgkalab/models/protocol"
	"cgkalab/sim"
	"cgkalab/sim/security"
)

// Forward secrecy except for stored skipped keys, through the group and
// the oracle: a member receives a peer's messages out of order (its queue
// is reordered while it is offline), so it stores the key of the one it
// has not yet seen; a compromise exposes that message, and none of those
// it opened.
func TestSkippedKeysAreExposed(t *testing.T) {
	online := map[protocol.MemberID]bool{0: true, 1: true}
	g0, err := New(protocol.Env{Suite: 1, Mode: protocol.Full, Online: func(m protocol.MemberID) bool { return online[m] },
		Members: func() []protocol.MemberID { return nil }, Rand: rand.NewChaCha8([32]byte{4}), Pick: rand.New(rand.NewPCG(3, 4))})
	if err != nil {
		t.Fatal(err)
	}
	g := g0.(*Group)
	o := security.New()
	now := sim.Time(0)
	apply := func(in protocol.Intent) {
		t.Helper()
		now += sim.Minute
		outs, err := g.Apply(in)
		if err != nil {
			t.Fatal(err)
		}
		for _, out := range outs {
			o.Observe(now, out, 0)
		}
	}
	apply(protocol.Intent{Kind: protocol.Create, Actor: 0, Targets: []protocol.MemberID{1}})
	apply(protocol.Intent{Kind: protocol.Send, Actor: 0, Size: 4}) // 1 has answered nothing yet
	online[1] = false
	for range 3 { // messages 1, 2, 3 at 3m, 4m, 5m
		apply(protocol.Intent{Kind: protocol.Send, Actor: 0, Size: 4})
	}
	in := g.members[1].inbox
	g.members[1].inbox = []queued{in[2], in[0]} // 3 first, then 1; 2 is late
	online[1] = true
	apply(protocol.Intent{Kind: protocol.Sync, Actor: 1})
	if n := g.mesh.Session(1, 0).StoredSkipped(); n != 1 {
		t.Fatalf("%d skipped keys stored, want 1", n)
	}
	now += sim.Minute
	k, err := g.Compromise(1)
	if err != nil {
		t.Fatal(err)
	}
	c := o.Compromise(now, 1, k)
	if _, err := o.Finish(now + sim.Minute); err != nil {
		t.Fatal(err)
	}
	if c.ExposedMessages != 1 || c.MsgFSWindow != now-4*sim.Minute {
		t.Fatalf("exposed %d messages (FS window %v), want message 2 alone (sent at 4m, window %v)",
			c.ExposedMessages, c.MsgFSWindow, now-4*sim.Minute)
	}
}

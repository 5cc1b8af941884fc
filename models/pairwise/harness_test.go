package pairwise_test

import (
	"encoding/json"
	"math/rand/v2"
	"testing"

	"cgkalab/models/pairwise"
	"cgkalab/models/protocol"
	"cgkalab/sim"
	"cgkalab/sim/security"
)

// harness drives a real pairwise group with scripted intents, a minute of
// virtual time apart, and keeps what the oracle needs: every outcome and
// every compromise, in order.
type harness struct {
	t       *testing.T
	g       protocol.Group
	now     sim.Time
	offline map[protocol.MemberID]bool
	members []protocol.MemberID
	log     []entry
	sent    int // application messages so far
}

// entry is one step of the log: outcomes, or a compromise.
type entry struct {
	at     sim.Time
	outs   []*protocol.Outcome
	victim protocol.MemberID
	know   *protocol.Knowledge
}

func newHarness(t *testing.T, suiteID uint16, n int, opts pairwise.Options) *harness {
	t.Helper()
	h := &harness{t: t, offline: map[protocol.MemberID]bool{}}
	raw, err := json.Marshal(opts)
	if err != nil {
		t.Fatal(err)
	}
	h.g, err = pairwise.New(protocol.Env{Suite: suiteID, Mode: protocol.Full, Sample: 1, Options: raw,
		Online:  func(m protocol.MemberID) bool { return !h.offline[m] },
		Members: func() []protocol.MemberID { return h.members },
		Rand:    rand.NewChaCha8([32]byte{1}), Pick: rand.New(rand.NewPCG(1, 2))})
	if err != nil {
		t.Fatal(err)
	}
	var targets []protocol.MemberID
	for m := 1; m < n; m++ {
		targets = append(targets, protocol.MemberID(m))
	}
	h.members = []protocol.MemberID{0} // the targets come with the outcome's Added
	h.do(protocol.Intent{Kind: protocol.Create, Actor: 0, Targets: targets})
	return h
}

// do applies an intent and returns its outcomes.
func (h *harness) do(in protocol.Intent) []*protocol.Outcome {
	h.t.Helper()
	h.now += sim.Minute
	in.Now = h.now.Duration()
	outs, err := h.g.Apply(in)
	if err != nil {
		h.t.Fatalf("%v by %d: %v", in.Kind, in.Actor, err)
	}
	for _, out := range outs {
		if out.Rejected != "" {
			h.t.Fatalf("%v by %d rejected: %s", in.Kind, in.Actor, out.Rejected)
		}
		if out.Security != nil && len(out.Security.Protected) > 0 {
			h.sent++
		}
		for _, m := range out.Removed {
			for i, x := range h.members {
				if x == m {
					h.members = append(h.members[:i], h.members[i+1:]...)
					break
				}
			}
		}
		h.members = append(h.members, out.Added...)
	}
	h.log = append(h.log, entry{at: h.now, outs: outs})
	return outs
}

// send has m send a message and returns its index.
func (h *harness) send(m protocol.MemberID) int {
	h.t.Helper()
	h.do(protocol.Intent{Kind: protocol.Send, Actor: m, Size: 10})
	return h.sent - 1
}

func (h *harness) setOffline(m protocol.MemberID) {
	h.offline[m] = true
	h.do(protocol.Intent{Kind: protocol.Offline, Actor: m})
}

func (h *harness) setOnline(m protocol.MemberID) {
	h.offline[m] = false
	h.do(protocol.Intent{Kind: protocol.Sync, Actor: m})
}

func (h *harness) compromise(m protocol.MemberID) {
	h.t.Helper()
	h.now += sim.Minute
	k, err := h.g.(protocol.Compromiser).Compromise(m)
	if err != nil {
		h.t.Fatal(err)
	}
	h.log = append(h.log, entry{at: h.now, victim: m, know: &k})
}

// replay feeds the log to a fresh oracle; with only >= 0, every message
// but that one is stripped of its protecting secrets (its derivations
// stay), so the report counts that message alone.
func (h *harness) replay(only int) *security.Report {
	h.t.Helper()
	o := security.New()
	i := 0
	for _, e := range h.log {
		if e.know != nil {
			o.Compromise(e.at, e.victim, *e.know)
			continue
		}
		for _, out := range e.outs {
			if out.Security != nil && len(out.Security.Protected) > 0 {
				if only >= 0 && i != only {
					c := *out
					sec := *out.Security
					sec.Protected = nil
					c.Security = &sec
					out = &c
				}
				i++
			}
			o.Observe(e.at, out, 0)
		}
	}
	r, err := o.Finish(h.now + sim.Minute)
	if err != nil {
		h.t.Fatal(err)
	}
	return r
}

// exposed reports, per message, whether the compromises expose it.
func (h *harness) exposed() []bool {
	out := make([]bool, h.sent)
	for i := range out {
		out[i] = h.replay(i).ExposedMessages > 0
	}
	if all := h.replay(-1); all.Messages != h.sent {
		h.t.Fatalf("oracle saw %d messages, %d sent", all.Messages, h.sent)
	}
	return out
}

// expect checks the exposure of the messages named.
func (h *harness) expect(want map[int]bool) {
	h.t.Helper()
	got := h.exposed()
	for i, w := range want {
		if got[i] != w {
			h.t.Errorf("message %d exposed %v, want %v", i, got[i], w)
		}
	}
}

package pairwise_test

import (
	"fmt"
	"testing"

	"cgkalab/models/pairwise"
	"cgkalab/models/protocol"
	"cgkalab/models/suite"
)

// Known-answer security scenarios through the real code and the real
// oracle, in both modes of the ratchet: X25519 (DH) and X-Wing (KEM).
var scenarioSuites = []uint16{1, uint16(suite.PrivateUseTBD1)}

func forModes(t *testing.T, f func(t *testing.T, suiteID uint16)) {
	for _, s := range scenarioSuites {
		t.Run(fmt.Sprintf("suite=%#04x", s), func(t *testing.T) { f(t, s) })
	}
}

// warm has every member send once, in order, so every pair has ratcheted.
func warm(h *harness, rounds int) []int {
	var out []int
	for range rounds {
		for _, m := range h.members {
			out = append(out, h.send(m))
		}
	}
	return out
}

// Forward secrecy: messages sent and received before the compromise stay
// safe, whoever sent them.
func TestForwardSecrecy(t *testing.T) {
	forModes(t, func(t *testing.T, s uint16) {
		h := newHarness(t, s, 3, pairwise.DefaultOptions())
		before := warm(h, 2)
		h.compromise(1)
		want := map[int]bool{}
		for _, i := range before {
			want[i] = false
		}
		h.expect(want)
	})
}

// A pair heals after a round trip. The member was compromised after it
// sent (its ratchet key is outstanding): its next message and the peer's
// reply are exposed; once it has received the reply and sent on a new
// ratchet key, both directions are safe.
func TestPairHealsAfterRoundTrip(t *testing.T) {
	forModes(t, func(t *testing.T, s uint16) {
		h := newHarness(t, s, 2, pairwise.DefaultOptions())
		warm(h, 2)
		h.send(0)
		h.compromise(0)
		a := h.send(0) // on the chain the device held
		b := h.send(1) // a step onto the device's ratchet key
		c := h.send(0) // a step with a fresh key of 0 and of 1
		d := h.send(1)
		e := h.send(0)
		h.expect(map[int]bool{a: true, b: true, c: false, d: false, e: false})
	})
}

// Each pair heals on its own: a message is exposed while any of its
// copies is, so the compromised member's messages stay exposed until it
// has completed a round trip with every peer.
func TestEachPairHealsSeparately(t *testing.T) {
	forModes(t, func(t *testing.T, s uint16) {
		h := newHarness(t, s, 3, pairwise.DefaultOptions())
		warm(h, 2)
		h.send(0) // 0 sent last in every pair
		h.compromise(0)
		x1 := h.send(1) // its copy to 0 rides a step onto 0's known key
		x2 := h.send(0) // healed toward 1, not yet toward 2 (no reply from 2)
		x3 := h.send(2) // a step onto 0's known key
		x4 := h.send(0) // healed toward both
		x5 := h.send(1)
		x6 := h.send(2)
		h.expect(map[int]bool{x1: true, x2: true, x3: true, x4: false, x5: false, x6: false})
	})
}

// An update is a heartbeat: it carries the member's fresh ratchet key to
// each peer that has sent since, so that after an update and the peers'
// replies the member's messages are safe again.
func TestUpdateCarriesFreshKeys(t *testing.T) {
	forModes(t, func(t *testing.T, s uint16) {
		h := newHarness(t, s, 3, pairwise.DefaultOptions())
		warm(h, 2)
		h.send(0)
		h.compromise(0)
		h.send(1)
		h.send(2)
		h.do(protocol.Intent{Kind: protocol.Update, Actor: 0}) // steps toward both
		y1 := h.send(1)
		y2 := h.send(2)
		y3 := h.send(0)
		h.expect(map[int]bool{y1: false, y2: false, y3: false})
	})
}

// An offline member's state is stale: its compromise exposes the messages
// queued for it, sent before and after the compromise, but none it had
// received before going offline.
func TestOfflineReceiverExposesItsQueue(t *testing.T) {
	forModes(t, func(t *testing.T, s uint16) {
		h := newHarness(t, s, 3, pairwise.DefaultOptions())
		before := warm(h, 1)
		h.setOffline(2)
		q1 := h.send(0)
		h.compromise(2)
		q2 := h.send(0)
		h.setOnline(2)
		want := map[int]bool{q1: true, q2: true}
		for _, i := range before {
			want[i] = false
		}
		h.expect(want)
	})
}

// A removal needs no cryptography and heals at once: the others stop
// sending to the removed member.
func TestRemovalHeals(t *testing.T) {
	forModes(t, func(t *testing.T, s uint16) {
		h := newHarness(t, s, 3, pairwise.DefaultOptions())
		warm(h, 2)
		h.compromise(1)
		exposed := h.send(0)
		h.do(protocol.Intent{Kind: protocol.Leave, Actor: 0, Targets: []protocol.MemberID{1}})
		safe := h.send(0)
		safe2 := h.send(2)
		h.expect(map[int]bool{exposed: true, safe: false, safe2: false})
	})
}

// A device's prekeys are secrets too: a member that joins after a
// compromise starts its session with the compromised member from the
// prekeys the adversary holds, and no other session.
func TestJoinerAfterCompromise(t *testing.T) {
	forModes(t, func(t *testing.T, s uint16) {
		h := newHarness(t, s, 3, pairwise.DefaultOptions())
		warm(h, 1)
		h.compromise(1)
		h.do(protocol.Intent{Kind: protocol.Join, Actor: 0, Targets: []protocol.MemberID{7}})
		j := h.send(7) // its copy to 1 is readable
		h.do(protocol.Intent{Kind: protocol.Leave, Actor: 0, Targets: []protocol.MemberID{1}})
		k := h.send(7)
		h.expect(map[int]bool{j: true, k: false})
	})
}

// Compromised between receiving and sending, the modes differ. In DH mode
// the device already holds its next sending chain (the step is made on
// receipt): its next message and the peer's reply are exposed, as after a
// send. In KEM mode it holds no ratchet key then (the step is made on
// sending, with fresh encapsulation randomness): its next message heals.
func TestCompromiseBetweenReceiveAndSend(t *testing.T) {
	forModes(t, func(t *testing.T, s uint16) {
		h := newHarness(t, s, 2, pairwise.DefaultOptions())
		warm(h, 2) // 1 sent last
		h.compromise(0)
		a := h.send(0)
		b := h.send(1)
		c := h.send(0)
		d := h.send(1)
		dh := s == 1
		h.expect(map[int]bool{a: dh, b: dh, c: false, d: false})
	})
}

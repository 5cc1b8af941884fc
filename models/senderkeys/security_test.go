package senderkeys_test

import (
	"fmt"
	"slices"
	"testing"
	"time"

	"cgkalab/models/protocol"
	"cgkalab/models/senderkeys"
	"cgkalab/models/suite"
)

// Known-answer security scenarios through the real code and the real
// oracle, in both modes of the pairwise ratchet: X25519 (DH) and X-Wing
// (KEM).
var scenarioSuites = []uint16{1, uint16(suite.PrivateUseTBD1)}

func forModes(t *testing.T, f func(t *testing.T, suiteID uint16)) {
	for _, s := range scenarioSuites {
		t.Run(fmt.Sprintf("suite=%#04x", s), func(t *testing.T) { f(t, s) })
	}
}

// warm has every member send, in order, rounds times.
func warm(h *harness, rounds int) []int {
	var out []int
	for range rounds {
		for _, m := range h.members {
			out = append(out, h.send(m))
		}
	}
	return out
}

// Forward secrecy per message: messages sent and received before the
// compromise stay safe, whoever sent them.
func TestForwardSecrecy(t *testing.T) {
	forModes(t, func(t *testing.T, s uint16) {
		h := newHarness(t, s, 4, senderkeys.DefaultOptions())
		before := warm(h, 2)
		h.compromise(2)
		want := map[int]bool{}
		for _, i := range before {
			want[i] = false
		}
		h.expect(want)
	})
}

// A compromise exposes every sender's later messages, until the first
// rotation after it; the removal of the compromised member is one: every
// remaining member rotates over sessions the adversary cannot read.
func TestExposedUntilRotation(t *testing.T) {
	forModes(t, func(t *testing.T, s uint16) {
		h := newHarness(t, s, 4, senderkeys.DefaultOptions())
		warm(h, 1)
		h.compromise(2)
		exposed := warm(h, 2) // every sender, including the victim
		h.do(protocol.Intent{Kind: protocol.Leave, Actor: 0, Targets: []protocol.MemberID{2}})
		safe := warm(h, 2)
		want := map[int]bool{}
		for _, i := range exposed {
			want[i] = true
		}
		for _, i := range safe {
			want[i] = false
		}
		h.expect(want)
	})
}

// A rotation distributed over a pairwise session the adversary can read
// does not heal: while the compromised member stays, a sender's new key
// reaches the adversary until their session has healed by a round trip.
// Each rotation is one pairwise message each way between the sender (0)
// and the victim (2). In DH mode the victim's sessions had already
// stepped on receipt before the compromise: the sender's third rotation
// heals. In KEM mode the victim held no ratchet key: its own rotation
// steps with fresh randomness, and the sender's second rotation heals.
func TestRotationOverReadableSessionDoesNotHeal(t *testing.T) {
	forModes(t, func(t *testing.T, s uint16) {
		h := newHarness(t, s, 4, senderkeys.DefaultOptions())
		warm(h, 1)
		h.compromise(2)
		update := func(m protocol.MemberID) { h.do(protocol.Intent{Kind: protocol.Update, Actor: m}) }
		update(0)
		m1 := h.send(0)
		update(2)
		update(0)
		m2 := h.send(0)
		update(2)
		update(0)
		m3 := h.send(0)
		kem := s != 1
		h.expect(map[int]bool{m1: true, m2: !kem, m3: false})
	})
}

// A member compromised while offline reveals the messages queued for it
// (its chains lag), and those sent until the senders rotate.
func TestOfflineVictim(t *testing.T) {
	forModes(t, func(t *testing.T, s uint16) {
		h := newHarness(t, s, 4, senderkeys.DefaultOptions())
		before := warm(h, 1)
		h.setOffline(3)
		queued := h.send(0)
		h.compromise(3)
		later := h.send(1)
		h.setOnline(3)
		h.do(protocol.Intent{Kind: protocol.Leave, Actor: 0, Targets: []protocol.MemberID{3}})
		after := h.send(1)
		want := map[int]bool{queued: true, later: true, after: false}
		for _, i := range before {
			want[i] = false
		}
		h.expect(want)
	})
}

// A member offline at a removal rotates when it syncs; until then its old
// key stays with the removed member, but it sends nothing with it.
func TestOfflineMemberRotatesAtSync(t *testing.T) {
	h := newHarness(t, 1, 4, senderkeys.DefaultOptions())
	warm(h, 1)
	h.setOffline(3)
	h.compromise(2)
	outs := h.do(protocol.Intent{Kind: protocol.Leave, Actor: 0, Targets: []protocol.MemberID{2}})
	if got := count(outs, "rotate"); got != 2 {
		t.Fatalf("%d members rotated at the removal, want the 2 online", got)
	}
	h.offline[3] = false
	outs = h.do(protocol.Intent{Kind: protocol.Sync, Actor: 3})
	if got := count(outs, "rotate"); got != 1 {
		t.Fatalf("sync: %d rotations, want 1", got)
	}
	m := h.send(3)
	h.expect(map[int]bool{m: false})
}

func count(outs []*protocol.Outcome, label string) int {
	n := 0
	for _, o := range outs {
		if o.Label == label {
			n++
		}
	}
	return n
}

// Periodic rotation (Megolm-style, by message count here) happens before
// the send that is due, and heals toward members whose sessions are safe.
func TestPeriodicRotation(t *testing.T) {
	opts := senderkeys.DefaultOptions()
	opts.RotateMessages = 3
	h := newHarness(t, 1, 3, opts)
	for i := range 7 {
		outs := h.do(protocol.Intent{Kind: protocol.Send, Actor: 0, Size: 5})
		rotated := count(outs, "rotate") == 1
		if want := i == 3 || i == 6; rotated != want {
			t.Errorf("send %d: rotated %v, want %v", i, rotated, want)
		}
	}
}

// Periodic rotation by age: a key at least RotateEvery old is rotated
// before the next send (the harness's clock moves a minute per intent).
func TestPeriodicRotationByAge(t *testing.T) {
	opts := senderkeys.DefaultOptions()
	opts.RotateEvery = 5 * time.Minute
	h := newHarness(t, 1, 3, opts) // created at 1m
	var rotatedAt []int
	for i := range 12 {
		outs := h.do(protocol.Intent{Kind: protocol.Send, Actor: 0, Size: 5}) // at 2m, 3m, ...
		if count(outs, "rotate") == 1 {
			rotatedAt = append(rotatedAt, i+2)
		}
	}
	if want := []int{6, 11}; !slices.Equal(rotatedAt, want) {
		t.Errorf("rotated at minutes %v, want %v", rotatedAt, want)
	}
}

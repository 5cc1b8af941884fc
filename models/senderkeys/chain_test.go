package senderkeys

import (
	"bytes"
	"errors"
	"fmt"
	"math/rand/v2"
	"testing"

	"cgkalab/models/dratchet"
	"cgkalab/models/protocol"
	"cgkalab/models/wire"
	"cgkalab/sim"
	"cgkalab/sim/security"
)

func testChain(t *testing.T) (*dratchet.Crypto, *senderKey, *receiverKey) {
	t.Helper()
	c, err := dratchet.NewCrypto(1)
	if err != nil {
		t.Fatal(err)
	}
	var ops protocol.Ops
	k, err := newSenderKey(c, 3, 0, rand.NewChaCha8([32]byte{2}), &ops)
	if err != nil {
		t.Fatal(err)
	}
	d, err := decodeDistribution(encodeDistribution(k.distribution()), c.Suite.Nh())
	if err != nil {
		t.Fatal(err)
	}
	return c, k, newReceiverKey(d)
}

func seal(t *testing.T, c *dratchet.Crypto, k *senderKey, text string) []byte {
	t.Helper()
	var ops protocol.Ops
	m, err := k.encrypt(c, []byte(text), &ops)
	if err != nil {
		t.Fatal(err)
	}
	return encodeMessage(m)
}

func open(c *dratchet.Crypto, r *receiverKey, enc []byte, maxSkip int) (string, error) {
	var ops protocol.Ops
	m, err := decodeMessage(enc)
	if err != nil {
		return "", err
	}
	pt, err := r.decrypt(c, m, maxSkip, &ops)
	return string(pt), err
}

func TestChainOutOfOrderAndBound(t *testing.T) {
	c, k, r := testChain(t)
	var msgs [][]byte
	for i := range 8 {
		msgs = append(msgs, seal(t, c, k, fmt.Sprint("m", i)))
	}
	must := func(i int) {
		t.Helper()
		got, err := open(c, r, msgs[i], 3)
		if err != nil || got != fmt.Sprint("m", i) {
			t.Fatalf("message %d: %q, %v", i, got, err)
		}
	}
	if _, err := open(c, r, msgs[4], 3); !errors.Is(err, ErrTooManySkipped) {
		t.Fatalf("skipping 4 of at most 3: %v", err)
	}
	must(3) // stores 0, 1, 2
	must(1)
	must(5) // stores 4: 0, 2, 4
	must(7) // stores 6; the oldest (0) is evicted
	if len(r.skipped) != 3 {
		t.Fatalf("%d stored, want the bound 3", len(r.skipped))
	}
	if _, err := open(c, r, msgs[0], 3); !errors.Is(err, ErrNoKey) {
		t.Errorf("an evicted key: %v", err)
	}
	if _, err := open(c, r, msgs[5], 3); !errors.Is(err, ErrNoKey) {
		t.Errorf("a duplicate: %v", err)
	}
	must(2)
	must(6)
	must(4)
}

// Every truncation and one-byte change of a message is refused, and the
// chain still opens the original.
func TestChainBadInput(t *testing.T) {
	c, k, r := testChain(t)
	enc := seal(t, c, k, "hello")
	for n := range len(enc) {
		if _, err := decodeMessage(enc[:n]); !errors.Is(err, wire.ErrMalformed) {
			t.Fatalf("truncated to %d: %v", n, err)
		}
	}
	for i := range enc {
		bad := bytes.Clone(enc)
		bad[i] ^= 0x20
		if got, err := open(c, r, bad, DefaultOptions().MaxSkip); err == nil {
			t.Fatalf("byte %d changed: accepted as %q", i, got)
		}
	}
	if got, err := open(c, r, enc, 10); err != nil || got != "hello" {
		t.Fatalf("the original after the bad ones: %q, %v", got, err)
	}
	d := encodeDistribution(k.distribution())
	if _, err := decodeDistribution(d[:len(d)-1], 32); !errors.Is(err, wire.ErrMalformed) {
		t.Errorf("truncated distribution: %v", err)
	}
	if _, err := decodeDistribution(d, 48); !errors.Is(err, wire.ErrMalformed) {
		t.Errorf("a distribution with a chain key of the wrong size: %v", err)
	}
}

// Forward secrecy except for stored skipped keys, through the group and
// the oracle: a member receives a sender's messages out of order (its
// queue is reordered while it is offline), so it stores the key of the
// one it has not yet seen; a compromise exposes that message, and none
// of those it opened.
func TestSkippedKeysAreExposed(t *testing.T) {
	online := map[protocol.MemberID]bool{0: true, 1: true, 2: true}
	g0, err := New(protocol.Env{Suite: 1, Mode: protocol.Full, Sample: 1, Online: func(m protocol.MemberID) bool { return online[m] },
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
	apply(protocol.Intent{Kind: protocol.Create, Actor: 0, Targets: []protocol.MemberID{1, 2}})
	online[2] = false
	for range 3 { // messages 0, 1, 2
		apply(protocol.Intent{Kind: protocol.Send, Actor: 0, Size: 4})
	}
	in := g.members[2].inbox
	g.members[2].inbox = []*item{in[2], in[0]} // 2 first, then 0; 1 is late
	online[2] = true
	apply(protocol.Intent{Kind: protocol.Sync, Actor: 2})
	if n := len(g.members[2].recv[0].skipped); n != 1 {
		t.Fatalf("%d skipped keys stored, want 1", n)
	}
	now += sim.Minute
	k, err := g.Compromise(2)
	if err != nil {
		t.Fatal(err)
	}
	c := o.Compromise(now, 2, k)
	if _, err := o.Finish(now + sim.Minute); err != nil {
		t.Fatal(err)
	}
	// The message stored as skipped (1) is exposed; 0 and 2 were opened.
	if c.ExposedMessages != 1 || c.MsgFSWindow != now-3*sim.Minute {
		t.Fatalf("exposed %d messages (FS window %v), want message 1 alone (sent at 3m, window %v)",
			c.ExposedMessages, c.MsgFSWindow, now-3*sim.Minute)
	}
}

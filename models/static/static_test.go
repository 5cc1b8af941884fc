package static_test

import (
	"errors"
	"reflect"
	"strings"
	"testing"
	"time"

	"cgkalab/models/protocol"
	"cgkalab/models/static"
	"cgkalab/models/wire"
)

// script runs a fixed sequence of every intent, with an offline member
// that misses a rotation and syncs.
func script(t *testing.T, mode string, seed uint64) *rig {
	o := static.Options{RotateOnRemoval: true, Update: static.UpdateRotate}
	r := newRig(t, mode, 12, o, seed)
	r.send(3, 0)
	r.join(4)
	r.offline[7] = true
	r.do(protocol.Intent{Kind: protocol.Offline, Actor: 7})
	r.do(protocol.Intent{Kind: protocol.Leave, Actor: 2, Targets: []protocol.MemberID{2}})
	r.send(12, time.Hour)
	r.do(protocol.Intent{Kind: protocol.Update, Actor: 9})
	r.do(protocol.Intent{Kind: protocol.Leave, Actor: 0, Targets: []protocol.MemberID{5, 6}})
	delete(r.offline, 7)
	r.do(protocol.Intent{Kind: protocol.Sync, Actor: 7})
	r.send(7, 0)
	r.do(protocol.Intent{Kind: protocol.Evict, Targets: []protocol.MemberID{1}})
	r.do(protocol.Intent{Kind: protocol.Tick})
	r.send(0, 0)
	return r
}

// public is what an outcome says independently of who processed it.
func public(o *protocol.Outcome) protocol.Outcome {
	p := *o
	p.Receiver, p.Processed, p.Verified, p.SenderNanos, p.ReceiverNanos = protocol.Ops{}, 0, 0, 0, 0
	if p.Label == "sync" {
		// A returning member's catching up is only run in full mode.
		p.Sender, p.Unsimulated = protocol.Ops{}, false
	}
	return p
}

// Sampled mode is a shortcut: same bytes, sender work, secrets and keys as
// full mode, with fewer receivers doing the work for real.
func TestFullAndSampledAgree(t *testing.T) {
	full, sampled := script(t, protocol.Full, 7), script(t, protocol.Sampled, 7)
	if len(full.outs) != len(sampled.outs) {
		t.Fatalf("%d outcomes in full mode, %d in sampled mode", len(full.outs), len(sampled.outs))
	}
	for i := range full.outs {
		f, s := public(full.outs[i]), public(sampled.outs[i])
		if !reflect.DeepEqual(f, s) {
			t.Errorf("outcome %d (%s) differs:\nfull    %+v\nsampled %+v", i, f.Label, f, s)
		}
		if sampled.outs[i].Processed > full.outs[i].Processed {
			t.Errorf("outcome %d (%s): %d sampled receivers, more than full mode's %d", i, f.Label, sampled.outs[i].Processed, full.outs[i].Processed)
		}
	}
	// Every member's keys agree, so a compromise reveals the same.
	for _, m := range full.members {
		kf, err1 := full.g.Compromise(m)
		ks, err2 := sampled.g.Compromise(m)
		if err1 != nil || err2 != nil || !reflect.DeepEqual(kf, ks) {
			t.Errorf("member %d: compromise reveals %+v (%v) in full mode, %+v (%v) in sampled", m, kf, err1, ks, err2)
		}
	}
	rf, rs := full.finish(), sampled.finish()
	if rf.Messages != rs.Messages || rf.Epochs != rs.Epochs {
		t.Errorf("oracle: full %d messages %d epochs, sampled %d %d", rf.Messages, rf.Epochs, rs.Messages, rs.Epochs)
	}
}

func TestFullModeWork(t *testing.T) {
	r := script(t, protocol.Full, 7)
	for _, o := range r.outs {
		switch o.Label {
		case "rekey", "update":
			if o.Processed == 0 || o.Verified != o.Processed {
				t.Errorf("%s: %d receivers, %d verified", o.Label, o.Processed, o.Verified)
			}
		case "sync":
			// Member 7 missed a rekey, a message, an update and a removal.
			if o.Processed < 4 || o.Verified < 2 {
				t.Errorf("sync processed %d messages, verified %d keys", o.Processed, o.Verified)
			}
		case "send":
			if o.Processed != o.Members-1 && o.Actor != 12 {
				t.Errorf("send by %d: %d receivers of %d members", o.Actor, o.Processed, o.Members)
			}
		}
	}
}

// Same seed, same outcomes; another seed, other keys.
func TestDeterminism(t *testing.T) {
	a, b, c := script(t, protocol.Full, 7), script(t, protocol.Full, 7), script(t, protocol.Full, 8)
	if !reflect.DeepEqual(a.outs, b.outs) {
		t.Fatal("one seed gave two different runs")
	}
	if reflect.DeepEqual(a.outs[len(a.outs)-1].Authenticator, c.outs[len(c.outs)-1].Authenticator) {
		t.Fatal("two seeds gave the same group key")
	}
}

func TestHistoryReadable(t *testing.T) {
	o := static.DefaultOptions()
	o.RotateOnRemoval = true
	r := newRig(t, protocol.Full, 4, o, 5)
	r.send(1, 0)
	r.send(2, time.Minute) // gone before the first join
	r.join(1)              // reads 1 of 1
	r.do(protocol.Intent{Kind: protocol.Leave, Actor: 3, Targets: []protocol.MemberID{3}})
	r.send(1, 0)
	r.join(0) // reads the message since the rotation: 1 of 2
	if got, total := r.g.HistoryReadable(); got != 2 || total != 3 {
		t.Fatalf("history readable %d of %d, want 2 of 3", got, total)
	}
}

func TestOptions(t *testing.T) {
	if o, err := static.ParseOptions(nil); err != nil || o != static.DefaultOptions() {
		t.Fatalf("empty options: %+v, %v", o, err)
	}
	o, err := static.ParseOptions([]byte(`{"rotate_on_removal": true, "update": "rotate"}`))
	if err != nil || !o.RotateOnRemoval || o.Update != static.UpdateRotate {
		t.Fatalf("options: %+v, %v", o, err)
	}
	for raw, want := range map[string]string{
		`{"update": "sometimes"}`: "static.update: unknown",
		`{"rotate": true}`:        "unknown field",
		`{"update": 3}`:           "cannot unmarshal",
	} {
		if _, err := static.ParseOptions([]byte(raw)); err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("%s: error %v, want %q", raw, err, want)
		}
	}
}

func TestRejections(t *testing.T) {
	r := newRig(t, protocol.Full, 4, static.DefaultOptions(), 6)
	outs, err := r.g.Apply(protocol.Intent{Kind: protocol.Send, Actor: 40, Size: 1})
	if err != nil || len(outs) != 1 || outs[0].Rejected == "" {
		t.Fatalf("send by a non-member: %+v, %v", outs, err)
	}
	outs, err = r.g.Apply(protocol.Intent{Kind: protocol.Leave, Actor: 1, Targets: []protocol.MemberID{40}})
	if err != nil || len(outs) != 1 || outs[0].Rejected == "" {
		t.Fatalf("removal of a non-member: %+v, %v", outs, err)
	}
	if _, err := r.g.Compromise(40); err == nil {
		t.Fatal("compromise of a non-member: no error")
	}
	if _, err := r.g.Apply(protocol.Intent{Kind: protocol.Join, Actor: 1, Targets: []protocol.MemberID{2}}); err == nil {
		t.Fatal("a member joining again: no error")
	}
}

// Malformed encodings are errors that say what and where.
func TestParseMalformed(t *testing.T) {
	cases := []struct {
		name  string
		parse func([]byte) error
	}{
		{"KeyPackage", func(b []byte) error { _, err := static.ParseKeyPackage(b); return err }},
		{"KeyWrap", func(b []byte) error { _, err := static.ParseKeyWrap(b); return err }},
		{"Handshake", func(b []byte) error { _, err := static.ParseHandshake(b); return err }},
		{"Roster", func(b []byte) error { _, err := static.ParseRoster(b); return err }},
	}
	for _, c := range cases {
		for _, b := range [][]byte{nil, {0x05, 'a'}, {0xff, 0xff, 0xff}} {
			err := c.parse(b)
			if !errors.Is(err, wire.ErrMalformed) || !strings.Contains(err.Error(), c.name) {
				t.Errorf("%s of %x: %v", c.name, b, err)
			}
		}
	}
	// An unknown handshake type.
	bad := []byte{0x01, 'g', 0, 0, 0, 0, 0, 0, 0, 1, 9, 0}
	if _, err := static.ParseHandshake(bad); err == nil || !strings.Contains(err.Error(), "unknown handshake type 9") {
		t.Errorf("unknown handshake type: %v", err)
	}
}

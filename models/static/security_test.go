package static_test

import (
	"testing"
	"time"

	"cgkalab/models/protocol"
	"cgkalab/models/static"
)

// The baseline: one compromise, at any time, exposes every message of the
// run, sent before or after it, deleted or not.
func TestSecurityCompromiseExposesEveryMessage(t *testing.T) {
	for _, at := range []int{0, 3, 6} { // messages sent before the compromise
		r := newRig(t, protocol.Full, 8, static.DefaultOptions(), 1)
		r.join(2)
		for i := range 6 {
			if i == at {
				r.compromise(5)
			}
			r.send(protocol.MemberID(i%4), 2*time.Minute) // disappears two minutes later
			r.send(protocol.MemberID(8), 0)
		}
		if at == 6 {
			r.compromise(5)
		}
		r.do(protocol.Intent{Kind: protocol.Update, Actor: 5}) // a no-op by default
		r.send(3, 0)
		rep := r.finish()
		if rep.Messages != 13 || rep.ExposedMessages != rep.Messages {
			t.Errorf("compromise after %d messages: %d of %d messages exposed, want all", at, rep.ExposedMessages, rep.Messages)
		}
		c := rep.Compromises[0]
		if c.ExposedMessages != rep.Messages || !c.MsgCensored {
			t.Errorf("compromise after %d messages: alone exposes %d, censored %v", at, c.ExposedMessages, c.MsgCensored)
		}
		// Each ephemeral message sent before the compromise had
		// disappeared by then (two minutes, two intents later): they are
		// exposed all the same.
		wantDeleted := at
		if c.DeletedExposed != wantDeleted {
			t.Errorf("compromise after %d messages: %d deleted messages exposed, want %d", at, c.DeletedExposed, wantDeleted)
		}
	}
}

// With rotation on removal, removing the compromised member stops the
// exposure of later messages; everything before stays exposed.
func TestSecurityRotationOnRemovalHeals(t *testing.T) {
	o := static.DefaultOptions()
	o.RotateOnRemoval = true
	r := newRig(t, protocol.Full, 8, o, 2)
	r.send(1, 0)
	r.compromise(3)
	r.send(2, 0)
	r.do(protocol.Intent{Kind: protocol.Leave, Actor: 3, Targets: []protocol.MemberID{3}})
	r.send(4, 0)
	r.send(0, 0)
	rep := r.finish()
	c := rep.Compromises[0]
	if c.ExposedMessages != 2 || c.MsgCensored {
		t.Fatalf("exposed %d messages (censored %v), want the 2 before the removal", c.ExposedMessages, c.MsgCensored)
	}
	if rep.Epochs != 2 || !rep.Exposed[0] || rep.Exposed[1] {
		t.Fatalf("generations exposed %v, want only the first", rep.Exposed)
	}
}

// A rotation by another member does not heal a compromised member (its
// wrap key opens the new key); its own rotating update does.
func TestSecurityOwnUpdateHeals(t *testing.T) {
	o := static.DefaultOptions()
	o.Update = static.UpdateRotate
	r := newRig(t, protocol.Full, 8, o, 3)
	r.compromise(3)
	r.do(protocol.Intent{Kind: protocol.Update, Actor: 6})
	r.send(1, 0)
	r.do(protocol.Intent{Kind: protocol.Update, Actor: 3})
	r.send(1, 0)
	rep := r.finish()
	if got := rep.Compromises[0].ExposedMessages; got != 1 {
		t.Fatalf("exposed %d messages, want the one before member 3's own update", got)
	}
	if rep.Excess != 0 {
		t.Errorf("excess exposure %d over the ideal predicate, want 0", rep.Excess)
	}
}

// An offline device holds the keys it had; its wrap key still opens the
// rotations it missed, so they are exposed.
func TestSecurityOfflineDevice(t *testing.T) {
	o := static.DefaultOptions()
	o.RotateOnRemoval = true
	for _, mode := range []string{protocol.Full, protocol.Sampled} {
		r := newRig(t, mode, 8, o, 4)
		r.offline[5] = true
		r.do(protocol.Intent{Kind: protocol.Offline, Actor: 5})
		r.do(protocol.Intent{Kind: protocol.Leave, Actor: 2, Targets: []protocol.MemberID{2}})
		r.send(1, 0)
		c := r.compromise(5)
		if c.Epoch != 0 {
			t.Errorf("%s: the offline device reports generation %d, it stopped at 0", mode, c.Epoch)
		}
		delete(r.offline, 5)
		r.do(protocol.Intent{Kind: protocol.Sync, Actor: 5})
		r.send(5, 0)
		rep := r.finish()
		if rep.ExposedMessages != 2 {
			t.Errorf("%s: %d of 2 messages exposed through the missed rotation", mode, rep.ExposedMessages)
		}
	}
}

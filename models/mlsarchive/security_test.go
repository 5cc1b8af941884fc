package mlsarchive_test

import (
	"testing"
	"time"

	"cgkalab/models/mlsarchive"
	"cgkalab/models/protocol"
	"cgkalab/sim"
)

// ephemeralScript: disappearing messages are sent, the group moves on a
// few epochs, the messages disappear, then a member's device is
// compromised and the group keeps talking.
func ephemeralScript(r *rig) {
	for i := range 4 {
		r.send(protocol.MemberID(i+1), 2*time.Minute)
	}
	r.do(protocol.Intent{Kind: protocol.Update, Actor: 2})
	r.send(5, 0)
	r.do(protocol.Intent{Kind: protocol.Update, Actor: 6})
	r.wait(time.Hour) // every disappearing message is gone
	r.compromise(3)
	r.send(4, 0)
	r.send(3, 10*time.Minute)
	r.do(protocol.Intent{Kind: protocol.Update, Actor: 3}) // member 3 heals in MLS
	r.send(1, 0)
}

// The control: plain MLS exposes no message that had disappeared before
// the compromise, and none sent before it at all (forward secrecy), only
// those sent after it until member 3's own update.
func TestSecurityMLSExposesNoDeletedMessage(t *testing.T) {
	r := newRig(t, protocol.Full, 8, nil, 1)
	ephemeralScript(r)
	rep := r.finish()
	c := rep.Compromises[0]
	if rep.Messages != 8 || rep.Ephemeral != 5 {
		t.Fatalf("%d messages, %d ephemeral; want 8 and 5", rep.Messages, rep.Ephemeral)
	}
	if c.DeletedExposed != 0 || rep.DeletedExposed != 0 {
		t.Errorf("plain MLS exposes %d deleted messages, want 0", c.DeletedExposed)
	}
	if c.ExposedMessages != 2 || c.MsgFSWindow != 0 || c.MsgCensored {
		t.Errorf("plain MLS exposes %d messages (FS window %v, censored %v), want the 2 sent after the compromise until the update", c.ExposedMessages, c.MsgFSWindow, c.MsgCensored)
	}
}

// The same script with the archive: every message is exposed, the four
// that had disappeared included, and the member's own MLS update does not
// stop it (the archive key does not rotate).
func TestSecurityArchiveExposesDeletedMessages(t *testing.T) {
	opts := archiveOptions()
	r := newRig(t, protocol.Full, 8, &opts, 1)
	ephemeralScript(r)
	rep := r.finish()
	c := rep.Compromises[0]
	if rep.Messages != 8 || rep.Ephemeral != 5 {
		t.Fatalf("%d messages, %d ephemeral; want 8 and 5", rep.Messages, rep.Ephemeral)
	}
	if c.DeletedExposed != 4 || rep.DeletedExposed != 4 {
		t.Errorf("mls-archive exposes %d deleted messages, want the 4 that disappeared before the compromise", c.DeletedExposed)
	}
	if c.ExposedMessages != 8 || !c.MsgCensored {
		t.Errorf("mls-archive exposes %d of 8 messages (censored %v), want all", c.ExposedMessages, c.MsgCensored)
	}
}

// Rotation on removal: removing the compromised member stops the
// exposure of later messages; without rotation the removed device's
// archive key reads everything after its removal too.
func TestSecurityRotationOnRemoval(t *testing.T) {
	for _, rotate := range []string{mlsarchive.RotateNever, mlsarchive.RotateRemoval} {
		opts := archiveOptions()
		opts.Rotate = rotate
		r := newRig(t, protocol.Full, 8, &opts, 2)
		r.send(1, 0)
		r.compromise(3)
		r.send(2, 0)
		r.do(protocol.Intent{Kind: protocol.Leave, Actor: 5, Targets: []protocol.MemberID{3}})
		r.send(4, 0)
		r.send(0, 0)
		rep := r.finish()
		want := map[string]int{mlsarchive.RotateNever: 4, mlsarchive.RotateRemoval: 2}[rotate]
		if got := rep.Compromises[0].ExposedMessages; got != want {
			t.Errorf("rotate %s: %d messages exposed, want %d", rotate, got, want)
		}
	}
}

// A compromise of the backup service alone exposes every archived
// message, those sent later under the same backup key included.
func TestSecurityBackupCompromise(t *testing.T) {
	opts := archiveOptions()
	opts.Backup, opts.Rotate = true, mlsarchive.RotateRemoval
	r := newRig(t, protocol.Full, 6, &opts, 3)
	r.send(1, time.Minute)
	r.do(protocol.Intent{Kind: protocol.Leave, Actor: 5, Targets: []protocol.MemberID{2}})
	r.send(3, 0)
	r.wait(time.Hour)
	k, ok, err := r.g.(*mlsarchive.Group).CompromiseService()
	if err != nil || !ok {
		t.Fatal(ok, err)
	}
	if len(k.Secrets) != 3 { // its key and the two archive keys
		t.Errorf("the backup reveals %d secrets, want 3", len(k.Secrets))
	}
	r.now += time.Minute
	r.o.Compromise(sim.FromDuration(r.now), 1<<31, k)
	r.do(protocol.Intent{Kind: protocol.Leave, Actor: 5, Targets: []protocol.MemberID{4}})
	r.send(1, 0) // under an archive key made after the compromise
	rep := r.finish()
	c := rep.Compromises[0]
	if c.ExposedMessages != 3 || c.DeletedExposed != 1 {
		t.Errorf("backup compromise exposes %d messages (%d deleted), want 3 (1)", c.ExposedMessages, c.DeletedExposed)
	}
	opts.Backup = false
	r = newRig(t, protocol.Full, 3, &opts, 3)
	if _, ok, err := r.g.(*mlsarchive.Group).CompromiseService(); ok || err != nil {
		t.Errorf("compromise of a backup service that does not exist: ok %v, error %v", ok, err)
	}
}

// A device compromised while offline still holds its archive keys; one it
// missed while offline is revealed through MLS (its stale state opens the
// epochs it missed, whose secrets reveal the key).
func TestSecurityOfflineDevice(t *testing.T) {
	for _, mode := range []string{protocol.Full, protocol.Sampled} {
		opts := archiveOptions()
		opts.Rotate = mlsarchive.RotateRemoval
		r := newRig(t, mode, 8, &opts, 4)
		r.send(2, 0)
		r.offline[6] = true
		r.do(protocol.Intent{Kind: protocol.Offline, Actor: 6})
		r.do(protocol.Intent{Kind: protocol.Leave, Actor: 5, Targets: []protocol.MemberID{3}})
		r.send(2, 0)
		if got := r.g.(*mlsarchive.Group).HoldsForTesting(6); len(got) != 1 {
			t.Errorf("%s: the offline device holds archive keys %v, want only the first", mode, got)
		}
		r.compromise(6)
		rep := r.finish()
		if rep.ExposedMessages != 2 {
			t.Errorf("%s: %d of 2 messages exposed", mode, rep.ExposedMessages)
		}
		delete(r.offline, 6)
		r.do(protocol.Intent{Kind: protocol.Sync, Actor: 6})
		if got := r.g.(*mlsarchive.Group).HoldsForTesting(6); len(got) != 2 {
			t.Errorf("%s: after syncing, member 6 holds archive keys %v, want both", mode, got)
		}
	}
}

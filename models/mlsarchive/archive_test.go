package mlsarchive_test

import (
	"reflect"
	"strings"
	"testing"
	"time"

	"cgkalab/models/mlsarchive"
	"cgkalab/models/protocol"
)

// script runs every intent through an archive with rotation on removal,
// history for joiners, a backup, and an offline member.
func script(t *testing.T, mode string, seed uint64, history string) *rig {
	opts := archiveOptions()
	opts.Rotate, opts.History, opts.Backup = mlsarchive.RotateRemoval, history, true
	r := newRig(t, mode, 10, &opts, seed)
	r.send(3, 0)
	r.join(4)
	r.offline[7] = true
	r.do(protocol.Intent{Kind: protocol.Offline, Actor: 7})
	r.do(protocol.Intent{Kind: protocol.Leave, Actor: 1, Targets: []protocol.MemberID{2}})
	r.send(10, time.Hour)
	r.do(protocol.Intent{Kind: protocol.Update, Actor: 9})
	r.join(0)
	delete(r.offline, 7)
	r.do(protocol.Intent{Kind: protocol.Sync, Actor: 7})
	r.send(7, 0)
	r.do(protocol.Intent{Kind: protocol.Evict, Targets: []protocol.MemberID{1}})
	r.send(11, 0)
	return r
}

func public(o *protocol.Outcome) protocol.Outcome {
	p := *o
	p.Receiver, p.Processed, p.Verified, p.SenderNanos, p.ReceiverNanos = protocol.Ops{}, 0, 0, 0, 0
	if p.Label == "sync" {
		// A returning member's catching up is only run in full mode.
		p.Sender, p.Unsimulated = protocol.Ops{}, false
	}
	return p
}

// The archive inherits MLS's fidelity modes: the same bytes, sender work,
// secrets and archive keys in both.
func TestFullAndSampledAgree(t *testing.T) {
	for _, history := range []string{mlsarchive.HistoryAll, mlsarchive.HistoryNone} {
		full, sampled := script(t, protocol.Full, 5, history), script(t, protocol.Sampled, 5, history)
		if len(full.outs) != len(sampled.outs) {
			t.Fatalf("history %s: %d outcomes in full mode, %d in sampled", history, len(full.outs), len(sampled.outs))
		}
		for i := range full.outs {
			if f, s := public(full.outs[i]), public(sampled.outs[i]); !reflect.DeepEqual(f, s) {
				t.Errorf("history %s: outcome %d (%s) differs:\nfull    %+v\nsampled %+v", history, i, f.Label, f, s)
			}
		}
		// The archive keys a compromise reveals agree (MLS's own state is
		// MLS's business).
		for _, m := range full.members {
			af, as := full.g.(*mlsarchive.Group).HoldsForTesting(m), sampled.g.(*mlsarchive.Group).HoldsForTesting(m)
			if len(af) == 0 || !reflect.DeepEqual(af, as) {
				t.Errorf("history %s: member %d holds archive keys %v in full mode, %v in sampled", history, m, af, as)
			}
		}
	}
}

// What the archive adds to each outcome of the script.
func TestArchiveMessages(t *testing.T) {
	r := script(t, protocol.Full, 5, mlsarchive.HistoryAll)
	var keys, records, backups int
	for _, o := range r.outs {
		for _, m := range o.Messages {
			switch m.Kind {
			case mlsarchive.MsgArchiveKey:
				keys++
				// Every member but the sender and, for a while, member 7.
				if o.Label != "archive-key" && o.Label != "create" || o.Processed < o.Members-2 {
					t.Errorf("archive key message in %q decrypted by %d of %d members", o.Label, o.Processed, o.Members)
				}
			case mlsarchive.MsgArchiveRecord:
				records++
				if o.Label != "send" || m.To == nil || len(m.To) != 0 {
					t.Errorf("archive record in %q to %v", o.Label, m.To)
				}
			case mlsarchive.MsgBackupKey:
				backups++
			}
		}
	}
	// Keys: at creation, two joins (history) and two removals (rotation);
	// records: one per message; backups: one per new key (creation and
	// the two removals).
	if keys != 5 || records != 4 || backups != 3 {
		t.Errorf("%d archive key messages, %d records, %d backups; want 5, 4, 3", keys, records, backups)
	}
}

func TestDeterminism(t *testing.T) {
	a, b, c := script(t, protocol.Full, 5, mlsarchive.HistoryAll), script(t, protocol.Full, 5, mlsarchive.HistoryAll), script(t, protocol.Full, 6, mlsarchive.HistoryAll)
	if len(a.outs) != len(b.outs) {
		t.Fatal("one seed gave runs of different lengths")
	}
	for i := range a.outs {
		if !reflect.DeepEqual(a.outs[i], b.outs[i]) {
			t.Fatalf("one seed gave two different outcomes %d:\n%+v\n%+v", i, a.outs[i], b.outs[i])
		}
	}
	if reflect.DeepEqual(a.outs[len(a.outs)-1].Authenticator, c.outs[len(c.outs)-1].Authenticator) {
		t.Fatal("two seeds gave the same epoch")
	}
}

// What the archive buys: the share of past messages a new device reads.
func TestHistoryReadable(t *testing.T) {
	for _, c := range []struct {
		history, rotate string
		readable, total int
	}{
		{mlsarchive.HistoryAll, mlsarchive.RotateRemoval, 4, 4},
		{mlsarchive.HistoryNone, mlsarchive.RotateNever, 0, 4},
	} {
		opts := archiveOptions()
		opts.History, opts.Rotate = c.history, c.rotate
		r := newRig(t, protocol.Full, 4, &opts, 7)
		r.send(1, 0)
		r.send(2, time.Minute) // disappeared before the first join
		r.join(1)              // 1 past message
		r.do(protocol.Intent{Kind: protocol.Leave, Actor: 0, Targets: []protocol.MemberID{3}})
		r.send(1, 0)
		r.join(0) // 2 past messages
		r.send(4, 0)
		r.join(2) // 3 past messages (one is the first joiner's)
		got, total := r.g.(*mlsarchive.Group).HistoryReadable()
		if c.history == mlsarchive.HistoryAll {
			c.readable, c.total = 6, 6
		} else {
			c.total = 6
		}
		if got != c.readable || total != c.total {
			t.Errorf("history %s: reads %d of %d past messages, want %d of %d", c.history, got, total, c.readable, c.total)
		}
	}
}

func TestOptions(t *testing.T) {
	o, err := mlsarchive.ParseOptions(nil)
	if err != nil || !reflect.DeepEqual(o, mlsarchive.DefaultOptions()) {
		t.Fatalf("empty options: %+v, %v", o, err)
	}
	o, err = mlsarchive.ParseOptions([]byte(`{"rotate": "periodic", "rotate_every": 3600000000000, "history": "none", "backup": true, "mls": {"updates": "commit"}}`))
	if err != nil || o.Rotate != mlsarchive.RotatePeriodic || o.RotateEvery != time.Hour || o.History != mlsarchive.HistoryNone || !o.Backup || o.MLS.Updates != "commit" || o.MLS.Commit.Committer != "any" {
		t.Fatalf("options: %+v, %v", o, err)
	}
	for raw, want := range map[string]string{
		`{"rotate": "daily"}`:                          "archive.rotate: unknown",
		`{"rotate": "periodic"}`:                       "archive.rotate_every: must be positive",
		`{"history": "some"}`:                          "archive.history: unknown",
		`{"mls": {"commit": {"committer": "nobody"}}}`: "mls.commit.committer: unknown",
		`{"rotation": "never"}`:                        "unknown field",
	} {
		if _, err := mlsarchive.ParseOptions([]byte(raw)); err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("%s: error %v, want %q", raw, err, want)
		}
	}
}

// Periodic rotation happens at the first commit after the period.
func TestPeriodicRotation(t *testing.T) {
	opts := archiveOptions()
	opts.Rotate, opts.RotateEvery = mlsarchive.RotatePeriodic, time.Hour
	r := newRig(t, protocol.Full, 4, &opts, 8)
	r.do(protocol.Intent{Kind: protocol.Update, Actor: 1})
	r.wait(time.Hour)
	r.send(1, 0) // no commit, no rotation
	if got := r.g.(*mlsarchive.Group).HoldsForTesting(2); len(got) != 1 {
		t.Fatalf("before the next commit member 2 holds %v", got)
	}
	r.do(protocol.Intent{Kind: protocol.Update, Actor: 1})
	if got := r.g.(*mlsarchive.Group).HoldsForTesting(2); len(got) != 2 {
		t.Fatalf("after the period and a commit member 2 holds %v, want two keys", got)
	}
}

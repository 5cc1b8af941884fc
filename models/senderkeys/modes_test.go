package senderkeys_test

import (
	"reflect"
	"testing"

	"cgkalab/models/protocol"
	"cgkalab/models/senderkeys"
)

// script runs a mix of every intent and returns the outcomes and the
// knowledge of the compromises.
func script(t *testing.T, mode string, sample int) (*harness, []*protocol.Outcome, []protocol.Knowledge) {
	opts := senderkeys.DefaultOptions()
	opts.RotateMessages = 4
	h := newHarnessMode(t, 1, 6, opts, mode, sample)
	warm(h, 2)
	h.setOffline(4)
	warm(h, 1)
	h.compromise(4)
	h.do(protocol.Intent{Kind: protocol.Join, Actor: 0, Targets: []protocol.MemberID{9}})
	h.send(9)
	h.do(protocol.Intent{Kind: protocol.Update, Actor: 1})
	h.compromise(2)
	h.do(protocol.Intent{Kind: protocol.Leave, Actor: 3, Targets: []protocol.MemberID{3}})
	warm(h, 1)
	h.setOnline(4)
	warm(h, 2)
	h.compromise(5)
	var outs []*protocol.Outcome
	var know []protocol.Knowledge
	for _, e := range h.log {
		outs = append(outs, e.outs...)
		if e.know != nil {
			know = append(know, *e.know)
		}
	}
	return h, outs, know
}

// Same seed, same outcomes and knowledge.
func TestDeterminism(t *testing.T) {
	_, o1, k1 := script(t, protocol.Full, 1)
	_, o2, k2 := script(t, protocol.Full, 1)
	if !reflect.DeepEqual(o1, o2) || !reflect.DeepEqual(k1, k2) {
		t.Fatal("two runs with the same seed differ")
	}
}

// The sampled mode sends the same bytes, reports the same secrets and
// reveals the same knowledge as the full mode; only the receivers' work
// (and a returning member's processing) differs.
func TestSampledEqualsFull(t *testing.T) {
	hf, full, kFull := script(t, protocol.Full, 1)
	exposedFull := hf.exposed()
	for _, sample := range []int{1, 3} {
		hs, sampled, kSampled := script(t, protocol.Sampled, sample)
		if len(full) != len(sampled) {
			t.Fatalf("sample %d: %d outcomes, full mode %d", sample, len(sampled), len(full))
		}
		real := 0
		for i := range full {
			f, s := comparable(full[i]), comparable(sampled[i])
			if !reflect.DeepEqual(f, s) {
				t.Fatalf("sample %d: outcome %d differs:\nfull    %+v\nsampled %+v", sample, i, f, s)
			}
			if sampled[i].Label == "send" {
				if sampled[i].Processed > sample {
					t.Errorf("sample %d: %d receivers decrypted a send", sample, sampled[i].Processed)
				}
				real += sampled[i].Processed
			}
		}
		if real == 0 {
			t.Errorf("sample %d: no receiver decrypted anything for real", sample)
		}
		if !reflect.DeepEqual(kFull, kSampled) {
			t.Errorf("sample %d: compromises reveal different knowledge", sample)
		}
		if got := hs.exposed(); !reflect.DeepEqual(got, exposedFull) {
			t.Errorf("sample %d: exposure %v, full mode %v", sample, got, exposedFull)
		}
	}
}

// comparable is an outcome without the receivers' work.
func comparable(o *protocol.Outcome) protocol.Outcome {
	c := *o
	c.Processed, c.Receiver, c.ReceiverNanos, c.Verified, c.SenderNanos = 0, protocol.Ops{}, 0, 0, 0
	if c.Label == "sync" { // a sampled member follows what it missed: no work, marked Unsimulated
		c.Sender, c.Unsimulated = protocol.Ops{}, false
	}
	return c
}

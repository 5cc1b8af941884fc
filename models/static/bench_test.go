package static_test

import (
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"testing"

	"cgkalab/bench"
	"cgkalab/models/protocol"
	"cgkalab/models/static"
	"cgkalab/models/suite"
)

// BenchmarkOperation measures each operation of a static group with
// rotation on removal and rotating updates, in sampled mode (the sender's
// work and the bytes are full mode's; 4 receivers process for real).
// Metrics: sender-ns and receiver-ns are the process CPU time of the
// sender's and of one receiver's work (Outcome.SenderNanos,
// ReceiverNanos, with bench.CPUTime as the clock), bytes the encoded
// bytes the operation sent, each message counted once. op=seal-sign is
// the unit of a key wrap: one HPKE EncryptWithLabel and one
// SignWithLabel of the suite, timed the same way.
func BenchmarkOperation(b *testing.B) {
	b.Run("op=seal-sign", benchSealSign)
	for _, n := range []int{64, 512} {
		for _, op := range []string{"send", "update", "remove", "add"} {
			b.Run(fmt.Sprintf("n=%d/op=%s", n, op), func(b *testing.B) { benchOp(b, n, op) })
		}
	}
}

func benchSealSign(b *testing.B) {
	s, _ := suite.ByID(1)
	rng := rand.NewChaCha8([32]byte{2})
	k, _ := s.DeriveKeyPair(make([]byte, 32))
	sk, _ := s.GenerateSignatureKey(rng)
	secret := make([]byte, 32)
	t0 := bench.CPUTime()
	for range b.N {
		kem, ct, err := s.EncryptWithLabel(k.PublicKey(), "x", nil, secret, rng)
		if err != nil {
			b.Fatal(err)
		}
		if _, err := s.SignWithLabel(sk, "y", append(kem, ct...)); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(bench.CPUTime()-t0)/float64(b.N), "sender-ns/op")
}

func benchOp(b *testing.B, n int, op string) {
	var members []protocol.MemberID
	raw, _ := json.Marshal(static.Options{RotateOnRemoval: true, Update: static.UpdateRotate})
	pg, err := static.New(protocol.Env{Suite: 1, Mode: protocol.Sampled, Sample: 4, Options: raw,
		Online: func(protocol.MemberID) bool { return true }, Members: func() []protocol.MemberID { return members },
		Rand: rand.NewChaCha8([32]byte{1}), Pick: rand.New(rand.NewPCG(1, 2)),
		Clock: bench.CPUTime})
	if err != nil {
		b.Fatal(err)
	}
	g := pg.(*static.Group)
	for i := range n {
		members = append(members, protocol.MemberID(i))
	}
	apply := func(in protocol.Intent) []*protocol.Outcome {
		outs, err := g.Apply(in)
		if err != nil {
			b.Fatal(err)
		}
		return outs
	}
	apply(protocol.Intent{Kind: protocol.Create, Actor: 0, Targets: members[1:]})
	next := protocol.MemberID(n)
	var sender, receiver, bytes int64
	b.ResetTimer()
	for i := range b.N {
		var outs []*protocol.Outcome
		switch op {
		case "send":
			outs = apply(protocol.Intent{Kind: protocol.Send, Actor: 1, Size: 100})
		case "update":
			outs = apply(protocol.Intent{Kind: protocol.Update, Actor: 1})
		case "remove", "add":
			// Remove member i+2 and add a new one, timing one of the two.
			victim := members[2+i%(n-2)]
			rm := protocol.Intent{Kind: protocol.Leave, Actor: 1, Targets: []protocol.MemberID{victim}}
			add := protocol.Intent{Kind: protocol.Join, Actor: 1, Targets: []protocol.MemberID{next}}
			if op == "remove" {
				outs = apply(rm)
				b.StopTimer()
				apply(add)
				b.StartTimer()
			} else {
				b.StopTimer()
				apply(rm)
				b.StartTimer()
				outs = apply(add)
			}
			members[2+i%(n-2)] = next
			next++
		}
		for _, o := range outs {
			sender += o.SenderNanos
			receiver += o.ReceiverNanos
			for _, m := range o.Messages {
				bytes += int64(m.Bytes)
			}
		}
	}
	b.ReportMetric(float64(sender)/float64(b.N), "sender-ns/op")
	b.ReportMetric(float64(receiver)/float64(b.N), "receiver-ns/op")
	b.ReportMetric(float64(bytes)/float64(b.N), "bytes/op")
}

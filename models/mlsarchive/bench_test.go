package mlsarchive_test

import (
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"testing"

	"cgkalab/bench"
	"cgkalab/models/mlsarchive"
	"cgkalab/models/mlsgroup"
	"cgkalab/models/protocol"
)

// BenchmarkOperation measures each operation of plain MLS and of
// mls-archive (rotation on removal, history for joiners, a backup) side by
// side, in sampled mode (the sender's work and the bytes are full mode's;
// 4 receivers process commits for real, 1 each application message).
// Metrics: sender-ns and receiver-ns are the process CPU time of the
// sender's and of one receiver's work, summed over the operation's
// outcomes (Outcome.SenderNanos, ReceiverNanos, with bench.CPUTime as the
// clock); bytes the encoded bytes the operation sent, each message once.
func BenchmarkOperation(b *testing.B) {
	for _, n := range []int{64, 512} {
		for _, op := range []string{"send", "update", "remove", "add"} {
			for _, proto := range []string{"mls", "mls-archive"} {
				b.Run(fmt.Sprintf("n=%d/op=%s/protocol=%s", n, op, proto), func(b *testing.B) { benchOp(b, proto, n, op) })
			}
		}
	}
}

func benchOp(b *testing.B, proto string, n int, op string) {
	var members []protocol.MemberID
	// The proposer commits, so that both protocols grow the same tree.
	factory := mlsgroup.New
	m := mlsgroup.DefaultOptions()
	m.Commit.Committer = "self"
	var opts any = m
	if proto == "mls-archive" {
		o := mlsarchive.DefaultOptions()
		o.MLS = m
		o.Rotate, o.Backup = mlsarchive.RotateRemoval, true
		opts, factory = o, mlsarchive.New
	}
	raw, _ := json.Marshal(opts)
	g, err := factory(protocol.Env{Suite: 1, Mode: protocol.Sampled, Sample: 4, Options: raw,
		Online: func(protocol.MemberID) bool { return true }, Members: func() []protocol.MemberID { return members },
		Rand: rand.NewChaCha8([32]byte{1}), Pick: rand.New(rand.NewPCG(1, 2)), Clock: bench.CPUTime})
	if err != nil {
		b.Fatal(err)
	}
	for i := range n {
		members = append(members, protocol.MemberID(i))
	}
	apply := func(in protocol.Intent) []*protocol.Outcome {
		outs, err := g.Apply(in)
		for _, o := range outs {
			if o.Rejected != "" {
				b.Fatalf("%v rejected: %s", in.Kind, o.Rejected)
			}
		}
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
			outs = apply(protocol.Intent{Kind: protocol.Update, Actor: members[2+i%(n-2)]})
		case "remove", "add":
			// Remove member i+2 and add a new one, timing one of the two.
			victim := members[2+i%(n-2)]
			rm := protocol.Intent{Kind: protocol.Leave, Actor: 0, Targets: []protocol.MemberID{victim}}
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

package pairwise_test

import (
	"fmt"
	"math/rand/v2"
	"os"
	"strconv"
	"strings"
	"testing"

	"cgkalab/bench"
	"cgkalab/models/pairwise"
	"cgkalab/models/protocol"
)

// benchSizes are the group sizes of BenchmarkOps: 64, or the list in
// CGKALAB_BENCH_N (e.g. "64,512"; setting up n members takes n(n−1)/2
// X3DH sessions, about 1.5 minutes of CPU at 512).
func benchSizes(b *testing.B) []int {
	v := os.Getenv("CGKALAB_BENCH_N")
	if v == "" {
		return []int{64}
	}
	var out []int
	for _, f := range strings.Split(v, ",") {
		n, err := strconv.Atoi(strings.TrimSpace(f))
		if err != nil || n < 4 {
			b.Fatalf("CGKALAB_BENCH_N: %q is not a group size of at least 4", f)
		}
		out = append(out, n)
	}
	return out
}

// BenchmarkOps measures each operation on a pairwise group of n members
// in full mode, with the process CPU time as the protocol's clock:
// cpu-ns/op is the whole simulated operation (every device's work),
// sender-ns/op the acting devices' own work, recv-ns/msg one receiving
// device's work per message it processed, bytes/op the encoded bytes.
func BenchmarkOps(b *testing.B) {
	for _, n := range benchSizes(b) {
		b.Run(fmt.Sprintf("n=%d", n), func(b *testing.B) {
			g, err := pairwise.New(protocol.Env{Suite: 1, Mode: protocol.Full, Sample: 1,
				Online: func(protocol.MemberID) bool { return true }, Members: func() []protocol.MemberID { return nil },
				Rand: rand.NewChaCha8([32]byte{1}), Pick: rand.New(rand.NewPCG(1, 2)), Clock: bench.CPUTime})
			if err != nil {
				b.Fatal(err)
			}
			var targets []protocol.MemberID
			for i := 1; i < n; i++ {
				targets = append(targets, protocol.MemberID(i))
			}
			if _, err := g.Apply(protocol.Intent{Kind: protocol.Create, Actor: 0, Targets: targets}); err != nil {
				b.Fatal(err)
			}
			next := protocol.MemberID(n)
			var joined []protocol.MemberID
			ops := []struct {
				name   string
				intent func(i int) protocol.Intent
			}{
				{"send", func(i int) protocol.Intent {
					return protocol.Intent{Kind: protocol.Send, Actor: protocol.MemberID(i % n), Size: 100}
				}},
				{"update", func(i int) protocol.Intent {
					return protocol.Intent{Kind: protocol.Update, Actor: protocol.MemberID(i % n)}
				}},
				{"join", func(int) protocol.Intent {
					next++
					joined = append(joined, next)
					return protocol.Intent{Kind: protocol.Join, Actor: 0, Targets: []protocol.MemberID{next}}
				}},
				{"leave", func(i int) protocol.Intent {
					x := protocol.MemberID(n - 1 - i)
					if len(joined) > 0 {
						x, joined = joined[0], joined[1:]
					}
					return protocol.Intent{Kind: protocol.Leave, Actor: x, Targets: []protocol.MemberID{x}}
				}},
			}
			for _, op := range ops {
				b.Run(op.name, func(b *testing.B) { measure(b, g, op.intent) })
			}
		})
	}
}

// measure applies an intent per iteration and reports the figures.
func measure(b *testing.B, g protocol.Group, intent func(i int) protocol.Intent) {
	var cpu, sender, recv int64
	var received, bytes int
	i := 0
	for b.Loop() {
		in := intent(i)
		i++
		t0 := bench.CPUTime()
		outs, err := g.Apply(in)
		cpu += bench.CPUTime() - t0
		if err != nil {
			b.Fatal(err)
		}
		for _, o := range outs {
			if o.Rejected != "" {
				b.Fatalf("%v rejected: %s", in.Kind, o.Rejected)
			}
			sender += o.SenderNanos
			recv += o.ReceiverNanos * int64(o.Processed)
			received += o.Processed
			for _, m := range o.Messages {
				bytes += m.Bytes
			}
		}
	}
	ops := float64(i)
	b.ReportMetric(float64(cpu)/ops, "cpu-ns/op")
	b.ReportMetric(float64(sender)/ops, "sender-ns/op")
	if received > 0 {
		b.ReportMetric(float64(recv)/float64(received), "recv-ns/msg")
	}
	b.ReportMetric(float64(bytes)/ops, "bytes/op")
}

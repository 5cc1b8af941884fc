package bench

import (
	"fmt"
	"math/rand/v2"
	"os"
	"runtime"
	"strconv"
	"testing"
	"time"

	rt "cgkalab/models/ratchettree"
	"cgkalab/models/suite"
	"cgkalab/models/treekem"
)

// benchSizes are the group sizes of the commit benchmarks. The largest take
// minutes of setup, so they run only when CGKALAB_BENCH_MAX allows them
// (log2 of the largest size; default 14).
func benchSizes() []int {
	maxLog := 14
	if v, err := strconv.Atoi(os.Getenv("CGKALAB_BENCH_MAX")); err == nil {
		maxLog = v
	}
	var out []int
	for _, l := range []int{10, 14, 17, 20} {
		if l <= maxLog {
			out = append(out, 1<<l)
		}
	}
	return out
}

func suite1(b *testing.B) *suite.Suite {
	s, err := suite.ByID(1)
	if err != nil {
		b.Fatal(err)
	}
	return s
}

// reportCrypto adds the summed time of the step's own cryptography per
// operation (replayed sequentially), the ratio of the step's elapsed time
// to it (ratio-to-crypto: below 1 when the step encrypts on several
// cores), and the ratio of the step's CPU time to the replay's CPU time
// (cpu-ratio-to-crypto: the overhead). The names are those of the result
// files (see the package doc), so `cgkalab bench compare` knows which
// direction is better.
func reportCrypto(b *testing.B, s *suite.Suite, ops treekem.Ops, gcLen int, elapsed time.Duration, cpu int64, iters int) {
	b.Helper()
	var crypto, cryptoCPU time.Duration
	for range iters {
		d, c, err := CryptoCost(s, ops, gcLen)
		if err != nil {
			b.Fatal(err)
		}
		crypto += d
		cryptoCPU += c
	}
	b.ReportMetric(float64(crypto.Nanoseconds())/float64(iters), "crypto-ns/op")
	b.ReportMetric(float64(elapsed)/float64(crypto), "ratio-to-crypto")
	b.ReportMetric(float64(cpu)/float64(cryptoCPU), "cpu-ratio-to-crypto")
}

// forEachTree runs bench as a sub-benchmark for every tree shape and size,
// with a fresh suite-1 fixture.
func forEachTree(b *testing.B, bench func(b *testing.B, s *suite.Suite, f *TreeFixture)) {
	s := suite1(b)
	for _, shape := range []TreeShape{Warm, Built} {
		for _, n := range benchSizes() {
			b.Run(fmt.Sprintf("shape=%s/n=%d/suite=1", shape, n), func(b *testing.B) {
				f, err := NewTreeFixture(s, n, shape, 1)
				if err != nil {
					b.Fatal(err)
				}
				bench(b, s, f)
			})
		}
	}
}

func BenchmarkCommitCreate(b *testing.B) {
	forEachTree(b, func(b *testing.B, s *suite.Suite, f *TreeFixture) {
		rng := rand.NewChaCha8(seedBytes(2))
		var ops treekem.Ops
		var gcLen, iters int
		runtime.GC() // collect the fixture's garbage before CPU time counts
		start, cpu0 := time.Now(), CPUTime()
		for b.Loop() {
			_, o, ctx, err := f.Create(rng)
			if err != nil {
				b.Fatal(err)
			}
			ops, gcLen = o, len(ctx)
			iters++
		}
		elapsed, cpu := time.Since(start), CPUTime()-cpu0
		b.StopTimer()
		reportCrypto(b, s, ops, gcLen, elapsed, cpu, iters)
	})
}

func BenchmarkCommitProcess(b *testing.B) {
	forEachTree(b, func(b *testing.B, s *suite.Suite, f *TreeFixture) {
		before := f.Tree.Clone()
		up, _, ctx, err := f.Create(rand.NewChaCha8(seedBytes(3)))
		if err != nil {
			b.Fatal(err)
		}
		var ops treekem.Ops
		iters := 0
		runtime.GC() // collect the fixture's garbage before CPU time counts
		start, cpu0 := time.Now(), CPUTime()
		for b.Loop() {
			// Merging the same path again redoes all the work: the
			// path nodes are re-set and re-hashed, and the receiver
			// decrypts from its unchanged copath key.
			o, err := f.Process(before, up, ctx)
			if err != nil {
				b.Fatal(err)
			}
			ops = o
			iters++
		}
		elapsed, cpu := time.Since(start), CPUTime()-cpu0
		b.StopTimer()
		reportCrypto(b, s, ops, len(ctx), elapsed, cpu, iters)
	})
}

// BenchmarkBuildTree builds an n-member tree from prepared LeafNodes, every
// signature verified, and reports the live heap the tree holds.
func BenchmarkBuildTree(b *testing.B) {
	s := suite1(b)
	for _, n := range benchSizes() {
		b.Run(fmt.Sprintf("n=%d/suite=1", n), func(b *testing.B) {
			base := HeapInUse()
			leaves, err := PrepareLeaves(s, n, 1)
			if err != nil {
				b.Fatal(err)
			}
			before := HeapInUse()
			var tree *rt.Tree
			for b.Loop() {
				tree, err = rt.BuildFromLeaves(s, leaves, rt.SourceKeyPackage, &rt.LeafPolicy{})
				if err != nil {
					b.Fatal(err)
				}
			}
			b.StopTimer()
			after := HeapInUse()
			// The tree's own arrays and caches, and everything a member's
			// public state holds including the LeafNodes.
			b.ReportMetric(float64(int64(after)-int64(before))/float64(n), "tree-B/member")
			b.ReportMetric(float64(int64(after)-int64(base))/float64(n), "state-B/member")
			runtime.KeepAlive(tree)
			runtime.KeepAlive(leaves)
		})
	}
}

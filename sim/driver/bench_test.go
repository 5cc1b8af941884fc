package driver_test

import (
	"context"
	"fmt"
	"os"
	"runtime"
	"strconv"
	"testing"
	"time"

	"cgkalab/models/mlsgroup"
	"cgkalab/sim"
	"cgkalab/sim/driver"
	"cgkalab/sim/workload"
)

// benchConfig is a large sampled run: n members created by one commit,
// one commit a minute for an hour, sparse self-updates and messages.
func benchConfig(n int, oracle bool) *driver.Config {
	cfg := smallConfig("sampled")
	cfg.Sample = 8
	cfg.Duration = sim.Hour
	cfg.Workload.Initial = n
	cfg.Workload.Joins = workload.Arrival{Process: "poisson", Every: 5 * sim.Minute}
	cfg.Workload.Leaves = workload.Arrival{Process: "poisson", Every: 5 * sim.Minute}
	cfg.Workload.Updates = workload.Arrival{Process: "poisson", Every: 10 * sim.Second}
	cfg.Workload.Messages = workload.Arrival{Process: "poisson", Every: 2 * sim.Second}
	cfg.Workload.Offline.Share = 0.1
	cfg.Options = mlsOptions(func(o *mlsgroup.Options) { o.Commit.When, o.Commit.Every = "periodic", time.Minute })
	cfg.Workload.Compromises = workload.Arrival{Process: "none"}
	if oracle {
		cfg.Workload.Compromises = workload.Arrival{Process: "poisson", Every: 5 * sim.Minute}
	}
	return cfg
}

// BenchmarkRun reports simulated events per second and the memory the
// process holds for sampled runs of 10^4, 10^5 and 10^6 members, with and
// without the security oracle. Sizes above 10^4 run only when
// CGKALAB_BENCH_MAX (log10 of the largest size) allows them.
func BenchmarkRun(b *testing.B) {
	maxLog := 4
	if v, err := strconv.Atoi(os.Getenv("CGKALAB_BENCH_MAX")); err == nil {
		maxLog = v
	}
	for _, l := range []int{4, 5, 6} {
		if l > maxLog {
			continue
		}
		n := 1
		for range l {
			n *= 10
		}
		for _, oracle := range []bool{false, true} {
			b.Run(fmt.Sprintf("n=%d/oracle=%v", n, oracle), func(b *testing.B) {
				var events uint64
				var commits int
				start := time.Now()
				for b.Loop() {
					res, err := newDriver().Run(context.Background(), benchConfig(n, oracle), 1, nil)
					if err != nil {
						b.Fatal(err)
					}
					events += res.Stats.Events
					commits += res.Stats.Commits
				}
				var m runtime.MemStats
				runtime.ReadMemStats(&m)
				b.ReportMetric(float64(events)/time.Since(start).Seconds(), "events/s")
				b.ReportMetric(float64(commits)/float64(b.N), "commits/op")
				b.ReportMetric(float64(m.Sys)/(1<<20), "sys-MiB")
			})
		}
	}
}

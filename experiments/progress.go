package experiments

import (
	"fmt"
	"strings"
	"time"

	"cgkalab/sim"
	"cgkalab/sim/driver"
)

// progress turns a run's progress reports into lines: virtual time done,
// events per second of wall time, an estimate of the time left and the
// process's peak memory. The wall clock is read here, for the lines only;
// nothing of it reaches the results.
type progress struct {
	step  int // percent between lines
	bar   bool
	say   func(string)
	start time.Time
	last  int
}

func newProgress(step int, bar bool, say func(string)) *progress {
	if step <= 0 {
		step = 10
	}
	return &progress{step: step, bar: bar, say: say, start: time.Now(), last: -1}
}

func (p *progress) update(pr driver.Progress) {
	if pr.Total <= 0 {
		return
	}
	if pr.Done == 0 && p.last < 0 {
		// The group is created: say so if it took a while, and time the
		// simulation from here, so that rates and ETA leave creation out.
		if took := time.Since(p.start); took >= 2*time.Second {
			p.say(fmt.Sprintf("group of %d members created in %s", pr.Members, took.Round(100*time.Millisecond)))
		}
		p.start, p.last = time.Now(), 0
		return
	}
	frac := float64(pr.Done) / float64(pr.Total)
	pct := int(100 * frac)
	step := pct / p.step * p.step
	if step <= p.last || step <= 0 || step >= 100 {
		return
	}
	p.last = step
	wall := time.Since(p.start)
	var b strings.Builder
	if p.bar {
		const width = 20
		n := int(frac * width)
		fmt.Fprintf(&b, "[%s%s] ", strings.Repeat("#", n), strings.Repeat(".", width-n))
	}
	fmt.Fprintf(&b, "%d%% of virtual time (%s of %s), %d members, %s events/s",
		step, virtual(pr.Done), virtual(pr.Total), pr.Members, rate(pr.Events, wall))
	if frac > 0 {
		eta := time.Duration(float64(wall) * (1 - frac) / frac)
		fmt.Fprintf(&b, ", ETA %s", eta.Round(time.Second))
	}
	if rss := peakRSS(); rss > 0 {
		fmt.Fprintf(&b, ", peak RSS %s", mib(rss))
	}
	p.say(b.String())
}

func virtual(t sim.Time) string {
	switch {
	case t >= 2*sim.Day:
		return fmt.Sprintf("%.1f d", t.Seconds()/86400)
	case t >= 2*sim.Hour:
		return fmt.Sprintf("%.1f h", t.Seconds()/3600)
	}
	return fmt.Sprintf("%.0f min", t.Seconds()/60)
}

func rate(events uint64, wall time.Duration) string {
	if wall <= 0 {
		return "-"
	}
	return fmt.Sprintf("%.0f", float64(events)/wall.Seconds())
}

func mib(b uint64) string { return fmt.Sprintf("%.0f MiB", float64(b)/(1<<20)) }

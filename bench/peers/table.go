package peers

import (
	"fmt"
	"io"
	"slices"
	"time"

	"gonum.org/v1/gonum/stat"
)

// Median returns the median of d (the lower middle value for an even
// count), zero when d is empty.
func Median(d []time.Duration) time.Duration {
	if len(d) == 0 {
		return 0
	}
	x := make([]float64, len(d))
	for i, v := range d {
		x[i] = float64(v)
	}
	slices.Sort(x)
	return time.Duration(stat.Quantile(0.5, stat.Empirical, x, nil))
}

// metric is one row of the side-by-side table: a figure taken from a
// Result, a duration or a byte count.
type metric struct {
	name  string
	dur   func(Result) time.Duration
	bytes func(Result) int
}

func metrics(sc Scenario) []metric {
	create, process := "create", "process"
	if sc == Build {
		create, process = "build", "join"
	}
	ms := []metric{
		{name: create, dur: func(r Result) time.Duration { return Median(r.Create.Wall) }},
		{name: create + " CPU", dur: func(r Result) time.Duration { return Median(r.Create.CPU) }},
		{name: process, dur: func(r Result) time.Duration { return Median(r.Process.Wall) }},
		{name: process + " CPU", dur: func(r Result) time.Duration { return Median(r.Process.CPU) }},
		{name: "commit bytes", bytes: func(r Result) int { return r.CommitBytes }},
	}
	if sc == Build {
		ms = append(ms, metric{name: "Welcome bytes", bytes: func(r Result) int { return r.WelcomeBytes }})
	}
	return ms
}

// WriteTable prints ours and the peer's results side by side, a row per
// scenario, size and metric, in the order of ours, with the ratio
// peer/cgkalab. A result the peer lacks is shown as "-".
func WriteTable(w io.Writer, peer string, ours, theirs []Result) {
	fmt.Fprintf(w, "%-8s %8s  %-15s %12s %12s %10s\n", "scenario", "members", "metric", "cgkalab", peer, "ratio")
	for i, o := range ours {
		if i > 0 && o.N != ours[i-1].N {
			fmt.Fprintln(w)
		}
		j := slices.IndexFunc(theirs, func(t Result) bool { return t.Scenario == o.Scenario && t.N == o.N })
		for _, m := range metrics(o.Scenario) {
			a, b, ratio := "", "-", "-"
			var x, y float64
			if m.dur != nil {
				a, x = round(m.dur(o)).String(), float64(m.dur(o))
			} else {
				a, x = fmt.Sprint(m.bytes(o)), float64(m.bytes(o))
			}
			if j >= 0 {
				t := theirs[j]
				if m.dur != nil {
					b, y = round(m.dur(t)).String(), float64(m.dur(t))
				} else {
					b, y = fmt.Sprint(m.bytes(t)), float64(m.bytes(t))
				}
				if x > 0 {
					ratio = fmt.Sprintf("%.2fx", y/x)
				}
			}
			fmt.Fprintf(w, "%-8s %8d  %-15s %12s %12s %10s\n", o.Scenario, o.N, m.name, a, b, ratio)
		}
	}
}

// round keeps three or four significant digits.
func round(d time.Duration) time.Duration {
	switch {
	case d > 10*time.Second:
		return d.Round(10 * time.Millisecond)
	case d > time.Second:
		return d.Round(time.Millisecond)
	case d > 10*time.Millisecond:
		return d.Round(10 * time.Microsecond)
	case d > time.Millisecond:
		return d.Round(time.Microsecond)
	}
	return d.Round(100 * time.Nanosecond)
}

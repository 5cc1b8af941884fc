package plots

import (
	"fmt"
	"math"
	"slices"
	"strconv"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
)

func newPlot(title, x, y string) *plot.Plot {
	p := plot.New()
	p.Title.Text = title
	p.X.Label.Text = x
	p.Y.Label.Text = y
	p.Legend.TextStyle.Font.Size = vg.Points(10)
	p.Legend.Padding = vg.Points(2)
	p.Add(plotter.NewGrid())
	return p
}

// keepPositive returns the points that can be drawn: finite, and positive
// on the coordinates that go on a log axis; and how many it left out.
func keepPositive(xys plotter.XYs, logX, logY bool) (plotter.XYs, int) {
	var out plotter.XYs
	for _, p := range xys {
		if math.IsNaN(p.X) || math.IsInf(p.X, 0) || math.IsNaN(p.Y) || math.IsInf(p.Y, 0) ||
			(logX && p.X <= 0) || (logY && p.Y <= 0) {
			continue
		}
		out = append(out, p)
	}
	return out, len(xys) - len(out)
}

// omitted is the legend note for left-out points.
func omitted(n int) string {
	if n == 0 {
		return ""
	}
	if n == 1 {
		return " (1 point ≤ 0 omitted)"
	}
	return fmt.Sprintf(" (%d points ≤ 0 omitted)", n)
}

// setLog puts axis a on a log scale over [lo, hi], the range of the
// positive values drawn on it, widened by a twentieth of the span below
// and by the fraction top of it above (room for the legend). gonum panics
// on a log axis whose range touches zero, and it widens an empty or
// one-value range by ±1, which can do just that; so the range is set
// here, and an unusable one leaves the axis linear. It reports whether
// the axis is logarithmic.
func setLog(a *plot.Axis, lo, hi, top float64) bool {
	if !(lo > 0) || !(hi >= lo) || math.IsInf(hi, 0) {
		return false
	}
	span := math.Log(hi / lo)
	if span == 0 {
		span = math.Log(10)
	}
	a.Scale = plot.LogScale{}
	a.Tick.Marker = logTicks{}
	a.Min, a.Max = lo*math.Exp(-span/20), hi*math.Exp(span*top)
	return true
}

// logTicks labels powers of ten over wide ranges, as gonum's LogTicks
// does, and 1, 2 and 5 times them over ranges of less than two decades,
// where powers of ten alone would leave the axis with one label or none.
type logTicks struct{}

func (logTicks) Ticks(min, max float64) []plot.Tick {
	if max/min >= 100 {
		return plot.LogTicks{Prec: -1}.Ticks(min, max)
	}
	labelled := []int{1, 2, 5}
	if max/min < 10 { // less than a decade: label more of its ticks
		labelled = []int{1, 2, 3, 4, 5, 6, 8}
	}
	var ticks []plot.Tick
	for e := math.Floor(math.Log10(min)); math.Pow(10, e) <= max; e++ {
		base := math.Pow(10, e)
		for m := 1; m <= 9; m++ {
			v := float64(m) * base
			if v < min || v > max {
				continue
			}
			t := plot.Tick{Value: v}
			if slices.Contains(labelled, m) {
				t.Label = strconv.FormatFloat(v, 'g', 6, 64)
			}
			ticks = append(ticks, t)
		}
	}
	return ticks
}

// setLinear sets a linear axis to [min(lo, 0), hi] widened by the
// fraction top above.
func setLinear(a *plot.Axis, lo, hi, top float64) {
	lo = math.Min(lo, 0)
	if !(hi > lo) {
		hi = lo + 1
	}
	a.Min, a.Max = lo, hi+(hi-lo)*top
}

// setBytes puts the byte counts [lo, hi] on axis a: on a log scale when
// the positive values span two decades or more, else linear from zero;
// labels in B, kB, MB, GB. It reports whether the axis is logarithmic.
func setBytes(a *plot.Axis, lo, hi float64) bool {
	if lo > 0 && hi/lo >= 100 && setLog(a, lo, hi, 0.05) {
		a.Tick.Marker = byteTicks{logTicks{}}
		return true
	}
	setLinear(a, lo, hi, 0.05)
	a.Tick.Marker = byteTicks{plot.DefaultTicks{}}
	return false
}

// byteTicks labels the ticks of another ticker as byte sizes.
type byteTicks struct{ plot.Ticker }

func (b byteTicks) Ticks(min, max float64) []plot.Tick {
	ticks := b.Ticker.Ticks(min, max)
	for i, t := range ticks {
		if t.Label != "" {
			ticks[i].Label = byteLabel(t.Value)
		}
	}
	return ticks
}

// byteLabel writes a byte count with a decimal (SI) unit: 50 kB, 1.5 MB.
func byteLabel(v float64) string {
	for _, u := range []struct {
		unit string
		size float64
	}{{"GB", 1e9}, {"MB", 1e6}, {"kB", 1e3}} {
		if math.Abs(v) >= u.size {
			return strconv.FormatFloat(v/u.size, 'g', 4, 64) + " " + u.unit
		}
	}
	return strconv.FormatFloat(v, 'g', 4, 64) + " B"
}

// xyRange returns the extent of the points.
func xyRange(sets ...plotter.XYs) (xmin, xmax, ymin, ymax float64) {
	xmin, ymin = math.Inf(1), math.Inf(1)
	xmax, ymax = math.Inf(-1), math.Inf(-1)
	for _, s := range sets {
		for _, p := range s {
			xmin, xmax = math.Min(xmin, p.X), math.Max(xmax, p.X)
			ymin, ymax = math.Min(ymin, p.Y), math.Max(ymax, p.Y)
		}
	}
	return
}

// timeTicks marks a time axis at whole multiples of a round step (in the
// axis unit: 1, 2, 3, 6, 12 or 24 of them, or a multiple of 24 for hours;
// 1, 2, 5, 10, 15 or 30 for minutes and seconds), at most about eight
// labels, where gonum's default would label 2.5, 12.5, 22.5.
type timeTicks struct{ hours bool }

func (tt timeTicks) Ticks(min, max float64) []plot.Tick {
	steps := []float64{0.1, 0.25, 0.5, 1, 2, 5, 10, 15, 30, 60, 120, 300, 600}
	if tt.hours {
		steps = []float64{0.1, 0.25, 0.5, 1, 2, 3, 6, 12, 24, 48, 72, 168, 336, 720, 1440}
	}
	step := steps[len(steps)-1]
	for _, s := range steps {
		if (max-min)/s <= 8 {
			step = s
			break
		}
	}
	var ticks []plot.Tick
	for v := math.Ceil(min/step) * step; v <= max+step*1e-9; v += step {
		ticks = append(ticks, plot.Tick{Value: v, Label: strconv.FormatFloat(v, 'g', 6, 64)})
		// unlabelled minor ticks halfway
		if h := v + step/2; h <= max {
			ticks = append(ticks, plot.Tick{Value: h})
		}
	}
	return ticks
}

// setTime sets a time axis to [0, hi] in hours (or, with hours false,
// minutes or seconds) with round ticks.
func setTime(a *plot.Axis, hi float64, hours bool) {
	setLinear(a, 0, hi, 0.02)
	a.Tick.Marker = timeTicks{hours: hours}
}

// shareTicks marks a share axis, [0, 1], every 0.2 with minor ticks
// between.
type shareTicks struct{}

func (shareTicks) Ticks(min, max float64) []plot.Tick {
	var ticks []plot.Tick
	for i := 0; i <= 10; i++ {
		v := float64(i) / 10
		t := plot.Tick{Value: v}
		if i%2 == 0 {
			t.Label = strconv.FormatFloat(v, 'f', 1, 64)
		}
		ticks = append(ticks, t)
	}
	return ticks
}

// setShare sets an axis to exactly [0, 1], as a CDF or survival axis.
func setShare(a *plot.Axis) {
	a.Min, a.Max = 0, 1
	a.Tick.Marker = shareTicks{}
}

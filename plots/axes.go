package plots

import (
	"fmt"
	"math"
	"strconv"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg/draw"
)

func newPlot(title, x, y string) *plot.Plot {
	p := plot.New()
	p.Title.Text = title
	p.X.Label.Text = x
	p.Y.Label.Text = y
	p.Legend.Top = true
	p.Add(plotter.NewGrid())
	return p
}

func lineStyle(st Style, i int) draw.LineStyle {
	return draw.LineStyle{Color: st.color(i), Width: st.LineWidth}
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
	var ticks []plot.Tick
	for e := math.Floor(math.Log10(min)); math.Pow(10, e) <= max; e++ {
		base := math.Pow(10, e)
		for m := 1; m <= 9; m++ {
			v := float64(m) * base
			if v < min || v > max {
				continue
			}
			t := plot.Tick{Value: v}
			if m == 1 || m == 2 || m == 5 {
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

// legendRoom is the share of the data's span left free above it for the
// legend.
const legendRoom = 0.35

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

package plots

import (
	"errors"
	"math"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
)

// HistorySeries is one benchmark's value in each result file of a
// history; NaN where a file does not have it.
type HistorySeries struct {
	Name   string
	Values []float64
}

// History plots benchmark values across result files: one line per
// series over the files in the order given (commit order), each file's
// tick labelled by labels. A missing value breaks the line. The y axis is
// logarithmic when the values span two decades or more.
func History(title, yLabel string, labels []string, series []HistorySeries, st Style) (*plot.Plot, error) {
	if err := st.check(); err != nil {
		return nil, err
	}
	if len(labels) == 0 || len(series) == 0 {
		return nil, errors.New("plots: a history needs at least one file and one series")
	}
	p := newPlot(title, "result files in commit order", yLabel)
	ticks := make([]plot.Tick, len(labels))
	for i, l := range labels {
		ticks[i] = plot.Tick{Value: float64(i), Label: l}
	}
	p.X.Tick.Marker = plot.ConstantTicks(ticks)
	p.X.Tick.Label.Rotation = math.Pi / 6
	p.X.Tick.Label.XAlign, p.X.Tick.Label.YAlign = -1, -0.5 // right end under the tick
	p.X.Min, p.X.Max = -0.5, float64(len(labels))-0.5

	var names []string
	for _, s := range series {
		names = append(names, s.Name)
	}
	styles := NewStyles(st, names...)
	var all []plotter.XYs
	for _, s := range series {
		if len(s.Values) != len(labels) {
			return nil, errors.New("plots: a history series needs one value per file")
		}
		xys := make(plotter.XYs, len(s.Values))
		for j, v := range s.Values {
			xys[j] = plotter.XY{X: float64(j), Y: v}
		}
		pts, _ := keepPositive(xys, false, false) // drop missing values
		all = append(all, pts)
		if len(pts) == 0 {
			continue
		}
		sc, err := plotter.NewScatter(pts)
		if err != nil {
			return nil, err
		}
		ss := styles.Of(s.Name)
		sc.GlyphStyle = ss.Points(2 * st.PointRadius)
		p.Add(sc)
		p.Legend.Add(s.Name, sc)
		for _, seg := range segments(xys) {
			l, err := plotter.NewLine(seg)
			if err != nil {
				return nil, err
			}
			l.LineStyle = ss.Line(st.LineWidth)
			p.Add(l)
		}
	}
	_, _, lo, hi := xyRange(all...)
	if math.IsInf(lo, 0) {
		p.Title.Text += " (no values)"
		return p, nil
	}
	// The legend goes below the plot area (Save), so the data need no room.
	if !(lo > 0 && hi/lo >= 100 && setLog(&p.Y, lo, hi, 0.05)) {
		setLinear(&p.Y, lo, hi, 0.05)
	}
	return p, nil
}

// segments splits a line at its missing (non-finite) values; segments of
// one point are left to the scatter.
func segments(xys plotter.XYs) []plotter.XYs {
	var out []plotter.XYs
	var cur plotter.XYs
	flush := func() {
		if len(cur) > 1 {
			out = append(out, cur)
		}
		cur = nil
	}
	for _, p := range xys {
		if math.IsNaN(p.Y) || math.IsInf(p.Y, 0) {
			flush()
			continue
		}
		cur = append(cur, p)
	}
	flush()
	return out
}

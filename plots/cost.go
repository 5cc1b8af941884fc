package plots

import (
	"fmt"
	"slices"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg/draw"
)

// costCaption explains the cost-over-time figure.
const costCaption = "Bytes the committer uploaded for each commit against virtual time, one dot per commit, with a rolling median. Growth shows the tree degrading (blanks, unmerged leaves); jumps follow joins, removals and members returning."

// CostOverTime plots the bytes each commit uploaded against virtual time,
// from a run's events file, with a rolling median.
func CostOverTime(eventsPath, title string, st Style) (*plot.Plot, error) {
	ev, err := readEvents(eventsPath)
	if err != nil {
		return nil, err
	}
	return costOverTime(ev, title, st, NewStyles(st).Of("")), nil
}

// costOverTime draws the commits in the run's series colour, faded, and
// the rolling median in its line style.
func costOverTime(ev *events, title string, st Style, ss SeriesStyle) *plot.Plot {
	p := newPlot(title+": cost per commit", "virtual time (h)", "bytes up per commit")
	var pts plotter.XYs
	for i, k := range ev.kind {
		if k == "commit" {
			pts = append(pts, plotter.XY{X: ev.time[i] / 3600, Y: ev.bytesUp[i]})
		}
	}
	pts, _ = keepPositive(pts, false, false) // drop non-finite values only
	if len(pts) == 0 {
		p.Title.Text += " (no commits)"
		return p
	}
	_, _, ymin, ymax := xyRange(pts)
	logY := setBytes(&p.Y, ymin, ymax)
	shown, dropped := keepPositive(pts, false, logY)
	shown, note := thin(shown, st.MaxPoints)
	if s, err := plotter.NewScatter(shown); err == nil {
		s.GlyphStyle = draw.GlyphStyle{Color: fade(ss.Color, 0.45), Radius: st.PointRadius, Shape: draw.CircleGlyph{}}
		p.Add(s)
		p.Legend.Add(fmt.Sprintf("commits (%d)%s%s", len(pts), note, omitted(dropped)), s)
	}
	w := rollingWindow(len(pts))
	med, _ := keepPositive(rollingMedian(pts, w), false, logY)
	if l, err := plotter.NewLine(med); err == nil {
		l.LineStyle = ss.Line(st.LineWidth * 1.5)
		p.Add(l)
		p.Legend.Add(fmt.Sprintf("rolling median of %d commits", w), l)
	}
	setBytes(&p.Y, ymin, ymax) // Add widened the axis to the data
	setTime(&p.X, slices.Max(ev.time)/3600, true)
	return p
}

// thin keeps every k-th point so that at most max remain (max 0: all).
func thin(pts plotter.XYs, max int) (plotter.XYs, string) {
	if max <= 0 || len(pts) <= max {
		return pts, ""
	}
	k := (len(pts) + max - 1) / max
	var out plotter.XYs
	for i := 0; i < len(pts); i += k {
		out = append(out, pts[i])
	}
	return out, fmt.Sprintf(", every %d. drawn", k)
}

// rollingWindow picks an odd window of about a twentieth of the points,
// between 5 and 101.
func rollingWindow(n int) int {
	w := max(5, min(101, n/20))
	if w%2 == 0 {
		w++
	}
	return min(w, n|1)
}

// rollingMedian returns, for each point, the median of the y values in the
// window of w points centred on it (shortened at the ends), in x order.
func rollingMedian(pts plotter.XYs, w int) plotter.XYs {
	sorted := slices.Clone(pts)
	slices.SortStableFunc(sorted, func(a, b plotter.XY) int {
		switch {
		case a.X < b.X:
			return -1
		case a.X > b.X:
			return 1
		}
		return 0
	})
	out := make(plotter.XYs, len(sorted))
	win := make([]float64, 0, w)
	for i := range sorted {
		lo, hi := max(0, i-w/2), min(len(sorted), i+w/2+1)
		win = win[:0]
		for _, p := range sorted[lo:hi] {
			win = append(win, p.Y)
		}
		slices.Sort(win)
		m := win[len(win)/2]
		if len(win)%2 == 0 {
			m = (win[len(win)/2-1] + m) / 2
		}
		out[i] = plotter.XY{X: sorted[i].X, Y: m}
	}
	return out
}

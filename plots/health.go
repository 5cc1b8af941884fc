package plots

import (
	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg/draw"
)

// healthCaption explains the tree-health figure.
const healthCaption = "Blank parent nodes and unmerged leaves in the ratchet tree over virtual time (sampled after commits). Blanks widen the resolution a commit encrypts to; unmerged leaves are members added since a parent was last updated."

// TreeHealth plots a run's blank parent nodes and unmerged leaves over
// virtual time, from its health file.
func TreeHealth(healthPath, title string, st Style) (*plot.Plot, error) {
	h, err := readHealth(healthPath)
	if err != nil {
		return nil, err
	}
	return treeHealth(h, title, st, NewStyles(st).Of("")), nil
}

// treeHealth draws both measures in the run's series colour: blank
// parents solid, unmerged leaves dashed.
func treeHealth(h *health, title string, st Style, ss SeriesStyle) *plot.Plot {
	p := newPlot(title+": tree health", "virtual time (h)", "nodes")
	if len(h.time) == 0 {
		p.Title.Text += " (no samples)"
		return p
	}
	var all []plotter.XYs
	for i, s := range []struct {
		name string
		vs   []float64
	}{{"blank parents", h.blankParents}, {"unmerged leaves", h.unmergedLeaves}} {
		xys := make(plotter.XYs, len(h.time))
		for j, t := range h.time {
			xys[j] = plotter.XY{X: t / 3600, Y: s.vs[j]}
		}
		xys, _ = keepPositive(xys, false, false) // drop non-finite values only
		all = append(all, xys)
		l, err := plotter.NewLine(xys)
		if err != nil {
			continue
		}
		l.LineStyle = draw.LineStyle{Color: ss.Color, Width: st.LineWidth}
		if i == 1 {
			l.LineStyle.Dashes = dashPatterns[1]
		}
		l.StepStyle = plotter.PostStep // a sample holds until the next
		p.Add(l)
		p.Legend.Add(s.name, l)
	}
	_, xmax, ymin, ymax := xyRange(all...)
	setLinear(&p.Y, ymin, ymax, 0.05)
	setTime(&p.X, xmax, true)
	return p
}

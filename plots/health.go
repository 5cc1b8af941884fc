package plots

import (
	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
)

// TreeHealth plots a run's blank parent nodes and unmerged leaves over
// virtual time, from its health file.
func TreeHealth(healthPath, title string, st Style) (*plot.Plot, error) {
	h, err := readHealth(healthPath)
	if err != nil {
		return nil, err
	}
	return treeHealth(h, title, st), nil
}

func treeHealth(h *health, title string, st Style) *plot.Plot {
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
		l.LineStyle = lineStyle(st, i)
		l.StepStyle = plotter.PostStep // a sample holds until the next
		p.Add(l)
		p.Legend.Add(s.name, l)
	}
	_, _, ymin, ymax := xyRange(all...)
	setLinear(&p.Y, ymin, ymax, legendRoom)
	return p
}

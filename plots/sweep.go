package plots

import (
	"fmt"
	"path/filepath"
	"slices"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
)

// CostVsSize plots, for the runs of an experiment directory grouped by
// initial group size, the mean and p90 of the bytes a commit uploads and
// of the bytes each recipient downloads, on log-log axes. The commits of
// all runs of a size (seeds, and any other swept keys) are pooled.
func CostVsSize(dir string, st Style) (*plot.Plot, error) {
	recs, err := readRecords(dir)
	if err != nil {
		return nil, err
	}
	type pool struct {
		size     int
		up, down []float64
	}
	var pools []*pool
	otherParams := false
	for _, r := range recs {
		for _, prm := range r.Params {
			if prm.Key != "group.initial" {
				otherParams = true
			}
		}
		i := slices.IndexFunc(pools, func(p *pool) bool { return p.size == r.Initial() })
		if i < 0 {
			pools = append(pools, &pool{size: r.Initial()})
			i = len(pools) - 1
		}
		ev, err := readEvents(filepath.Join(dir, r.Run+".events.csv"))
		if err != nil {
			return nil, err
		}
		for j, k := range ev.kind {
			if k != "commit" {
				continue
			}
			pools[i].up = append(pools[i].up, ev.bytesUp[j])
			if ev.recipients[j] > 0 {
				pools[i].down = append(pools[i].down, ev.bytesDown[j]/ev.recipients[j])
			}
		}
	}
	slices.SortFunc(pools, func(a, b *pool) int { return a.size - b.size })

	series := []struct {
		name string
		get  func(p *pool) (float64, bool)
	}{
		{"commit bytes up, mean", func(p *pool) (float64, bool) { return stat(p.up, -1) }},
		{"commit bytes up, p90", func(p *pool) (float64, bool) { return stat(p.up, 0.9) }},
		{"bytes down per recipient, mean", func(p *pool) (float64, bool) { return stat(p.down, -1) }},
		{"bytes down per recipient, p90", func(p *pool) (float64, bool) { return stat(p.down, 0.9) }},
	}
	title := "commit cost vs group size"
	if otherParams {
		title += " (pooled over other swept keys)"
	}
	p := newPlot(title, "initial members", "bytes")
	var lines []plotter.XYs
	var names []string
	for _, s := range series {
		var xys plotter.XYs
		for _, pl := range pools {
			if v, ok := s.get(pl); ok {
				xys = append(xys, plotter.XY{X: float64(pl.size), Y: v})
			}
		}
		kept, dropped := keepPositive(xys, true, true)
		lines = append(lines, kept)
		names = append(names, s.name+omitted(dropped))
	}
	xmin, xmax, ymin, ymax := xyRange(lines...)
	logX, logY := setLog(&p.X, xmin, xmax, 0.05), setLog(&p.Y, ymin, ymax, legendRoom*2)
	if !logX || !logY {
		p.Title.Text += " (no positive values for a log scale)"
		return p, nil
	}
	for i, xys := range lines {
		if len(xys) == 0 {
			continue
		}
		l, s, err := plotter.NewLinePoints(xys)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", names[i], err)
		}
		l.LineStyle = lineStyle(st, i)
		if i%2 == 1 {
			l.LineStyle.Dashes = []vg.Length{vg.Points(4), vg.Points(2)}
		}
		s.GlyphStyle = draw.GlyphStyle{Color: st.color(i), Radius: st.PointRadius * 1.5, Shape: draw.CircleGlyph{}}
		p.Add(l, s)
		p.Legend.Add(names[i], l, s)
	}
	// Add widened the axes to the data; keep the guarded log ranges.
	setLog(&p.X, xmin, xmax, 0.05)
	setLog(&p.Y, ymin, ymax, legendRoom*2)
	return p, nil
}

// stat returns the mean (p < 0) or the nearest-rank p-quantile of vs.
func stat(vs []float64, p float64) (float64, bool) {
	if len(vs) == 0 {
		return 0, false
	}
	if p < 0 {
		return mean(vs), true
	}
	s := slices.Clone(vs)
	slices.Sort(s)
	return quantile(s, p), true
}

package plots

import (
	"fmt"
	"image/color"
	"path/filepath"
	"slices"

	"cgkalab/experiments/stats"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
)

// sizeCaption explains the cost-against-size figure.
const sizeCaption = "Commit cost against the initial group size, log–log, commits of all seeds pooled per size: the mean bytes a committer uploads (line) and their p90 (triangles), and the mean bytes each recipient downloads per commit (squares). A slope of 1 is linear growth."

// CostVsSize plots, for the runs of an experiment directory grouped by
// initial group size, the mean and p90 of the bytes a commit uploads and
// the mean bytes each recipient downloads, on log-log axes: one series
// per setting of the other swept keys, the commits of its runs (seeds)
// pooled per size.
func CostVsSize(dir string, st Style) (*plot.Plot, error) {
	recs, err := readRecords(dir)
	if err != nil {
		return nil, err
	}
	groups := groupRuns(recs)
	return costVsSize(dir, groups, st, NewStyles(st, labels(groups)...))
}

// sizePool is the commits of one series at one size.
type sizePool struct {
	size     int
	up, down []float64
}

// sizeSeries is one setting of the keys other than the group size.
type sizeSeries struct {
	label string
	pools []*sizePool
}

// pooledBySize pools the commits of the runs per setting of the other
// swept keys and per initial size.
func pooledBySize(dir string, groups []*group) ([]*sizeSeries, error) {
	var series []*sizeSeries
	for _, g := range groups {
		for _, r := range g.recs {
			label := paramLabel(r.Params, "group.initial")
			i := slices.IndexFunc(series, func(s *sizeSeries) bool { return s.label == label })
			if i < 0 {
				series = append(series, &sizeSeries{label: label})
				i = len(series) - 1
			}
			s := series[i]
			j := slices.IndexFunc(s.pools, func(p *sizePool) bool { return p.size == r.Initial() })
			if j < 0 {
				s.pools = append(s.pools, &sizePool{size: r.Initial()})
				j = len(s.pools) - 1
			}
			if err := poolCommits(filepath.Join(dir, r.Run+".events.csv"), s.pools[j]); err != nil {
				return nil, err
			}
		}
	}
	for _, s := range series {
		slices.SortFunc(s.pools, func(a, b *sizePool) int { return a.size - b.size })
	}
	return series, nil
}

// sizeMeasure is one statistic of the size figure: a series' colour with
// the measure's marker.
type sizeMeasure struct {
	name  string
	get   func(*sizePool) (float64, bool)
	glyph draw.GlyphDrawer
	line  bool      // joined by the series' line
	size  vg.Length // marker radius in point radii
}

var sizeMeasures = []sizeMeasure{
	{"mean bytes up", func(p *sizePool) (float64, bool) { return sizeStat(p.up, -1) }, draw.CircleGlyph{}, true, 2},
	{"p90 bytes up", func(p *sizePool) (float64, bool) { return sizeStat(p.up, 0.9) }, draw.TriangleGlyph{}, false, 2.4},
	{"mean bytes down per recipient", func(p *sizePool) (float64, bool) { return sizeStat(p.down, -1) }, draw.SquareGlyph{}, false, 3.2},
}

// sizePoints is one measure of one series, ready to draw.
type sizePoints struct {
	xys    plotter.XYs
	series *sizeSeries
	m      sizeMeasure
}

func costVsSize(dir string, groups []*group, st Style, styles *Styles) (*plot.Plot, error) {
	series, err := pooledBySize(dir, groups)
	if err != nil {
		return nil, err
	}
	p := newPlot("commit cost against group size", "initial members", "bytes per commit")
	var all []sizePoints
	var sets []plotter.XYs
	dropped := 0
	for _, s := range series {
		for _, m := range sizeMeasures {
			var xys plotter.XYs
			for _, pl := range s.pools {
				if v, ok := m.get(pl); ok {
					xys = append(xys, plotter.XY{X: float64(pl.size), Y: v})
				}
			}
			kept, n := keepPositive(xys, true, true)
			dropped += n
			all = append(all, sizePoints{kept, s, m})
			sets = append(sets, kept)
		}
	}
	xmin, xmax, ymin, ymax := xyRange(sets...)
	if !setLog(&p.X, xmin, xmax, 0.05) || !setLog(&p.Y, ymin, ymax, 0.05) {
		p.Title.Text += " (no positive values for a log scale)"
		return p, nil
	}
	if dropped > 0 {
		p.Title.Text += fmt.Sprintf("\n(%d values ≤ 0 not on the log axes)", dropped)
	}
	for _, d := range all {
		if err := addSizePoints(p, d, len(series) > 1, st, styles); err != nil {
			return nil, err
		}
	}
	for _, m := range sizeMeasures {
		key := color.Color(color.Black)
		if len(series) == 1 {
			key = styles.Of(series[0].label).Color
		}
		thumbs := []plot.Thumbnailer{glyphThumb{draw.GlyphStyle{Color: key, Radius: st.PointRadius * m.size, Shape: m.glyph}}}
		if m.line && len(series) == 1 {
			thumbs = append(thumbs, lineThumb{styles.Of(series[0].label).Line(st.LineWidth)})
		}
		p.Legend.Add(m.name, thumbs...)
	}
	// Add widened the axes to the data; keep the guarded log ranges.
	setLog(&p.X, xmin, xmax, 0.05)
	setLog(&p.Y, ymin, ymax, 0.05)
	p.Y.Tick.Marker = byteTicks{logTicks{}}
	return p, nil
}

// addSizePoints draws one measure of one series: markers, and the
// series' line for the measure that has one (named in the legend when
// there are several series).
func addSizePoints(p *plot.Plot, d sizePoints, legend bool, st Style, styles *Styles) error {
	if len(d.xys) == 0 {
		return nil
	}
	ss := styles.Of(d.series.label)
	if d.m.line {
		l, err := plotter.NewLine(d.xys)
		if err != nil {
			return fmt.Errorf("%s: %w", d.series.label, err)
		}
		l.LineStyle = ss.Line(st.LineWidth)
		p.Add(l)
		if legend {
			p.Legend.Add(d.series.label, l)
		}
	}
	s, err := plotter.NewScatter(d.xys)
	if err != nil {
		return fmt.Errorf("%s: %w", d.series.label, err)
	}
	s.GlyphStyle = draw.GlyphStyle{Color: ss.Color, Radius: st.PointRadius * d.m.size, Shape: d.m.glyph}
	p.Add(s)
	return nil
}

// poolCommits adds the commits of an events file to pool.
func poolCommits(path string, pool *sizePool) error {
	ev, err := readEvents(path)
	if err != nil {
		return err
	}
	for j, k := range ev.kind {
		if k != "commit" {
			continue
		}
		pool.up = append(pool.up, ev.bytesUp[j])
		if ev.recipients[j] > 0 {
			pool.down = append(pool.down, ev.bytesDown[j]/ev.recipients[j])
		}
	}
	return nil
}

// sizeStat returns the mean (p < 0) or the nearest-rank p-quantile of vs.
func sizeStat(vs []float64, p float64) (float64, bool) {
	d, err := stats.Describe(vs)
	if err != nil {
		return 0, false
	}
	if p < 0 {
		return d.Mean, true
	}
	s := slices.Clone(vs)
	slices.Sort(s)
	return quantile(s, p), true
}

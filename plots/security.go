package plots

import (
	"errors"
	"fmt"
	"image/color"
	"math"
	"os"
	"path/filepath"
	"slices"

	"cgkalab/experiments/stats"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
)

// Captions of the security figures.
const (
	healingCaption = "Kaplan–Meier survival of PCS healing: the share of compromises not yet healed against the time since the compromise, seeds pooled per setting. " +
		"A compromise still unhealed when its run ended is censored (+): it counts as unhealed up to that time and no further, instead of as healed at the run's end. " +
		"Shaded: 95 % pointwise confidence band (Greenwood, log–log). The median is where a curve crosses the dotted line at 1/2; a curve that stays above it has no median within the runs (not reached)."
	fsCaption = "Empirical CDF of the forward-secrecy exposure window: for each compromise, how far back before it the adversary can read (seeds pooled per setting). These times are not censored."
)

// compromises holds the compromises of one run, or of a group's runs.
type compromises struct {
	healing, fsWindow []float64 // seconds
	censored          []bool
}

// nCensored counts the censored healing times.
func (c *compromises) nCensored() int {
	n := 0
	for _, b := range c.censored {
		if b {
			n++
		}
	}
	return n
}

func readCompromises(path string) (*compromises, error) {
	c := &compromises{}
	vals := make([]float64, 3)
	err := scanCSV(path, []string{"healing_s", "censored", "fs_window_s"}, func(v []string) error {
		if err := parseFloats(vals, v); err != nil {
			return err
		}
		if vals[1] != 0 && vals[1] != 1 {
			return fmt.Errorf("censored is %q, want 0 or 1", v[1])
		}
		c.healing = append(c.healing, vals[0])
		c.censored = append(c.censored, vals[1] == 1)
		c.fsWindow = append(c.fsWindow, vals[2])
		return nil
	})
	return c, err
}

// groupCompromises is the pooled compromises of one grid point.
type groupCompromises struct {
	label string
	compromises
}

// readGroupCompromises pools each group's compromises over its runs;
// groups whose runs had none are left out.
func readGroupCompromises(dir string, groups []*group) ([]*groupCompromises, error) {
	var out []*groupCompromises
	for _, g := range groups {
		gc := &groupCompromises{label: g.label}
		for _, r := range g.recs {
			path := filepath.Join(dir, r.Run+".compromises.csv")
			if !exists(path) {
				continue
			}
			c, err := readCompromises(path)
			if err != nil {
				return nil, err
			}
			gc.healing = append(gc.healing, c.healing...)
			gc.censored = append(gc.censored, c.censored...)
			gc.fsWindow = append(gc.fsWindow, c.fsWindow...)
		}
		if len(gc.healing) > 0 {
			out = append(out, gc)
		}
	}
	return out, nil
}

// Healing plots the Kaplan–Meier survival curves of PCS healing times for
// the experiment directory dir, one per grid point with its seeds pooled.
func Healing(dir string, st Style) (*plot.Plot, error) {
	recs, err := readRecords(dir)
	if err != nil {
		return nil, err
	}
	groups := groupRuns(recs)
	comp, err := readGroupCompromises(dir, groups)
	if err != nil {
		return nil, err
	}
	return healing(comp, st, NewStyles(st, labels(groups)...)), nil
}

// FSWindows plots the empirical CDFs of FS exposure windows for the
// experiment directory dir, one per grid point with its seeds pooled.
func FSWindows(dir string, st Style) (*plot.Plot, error) {
	recs, err := readRecords(dir)
	if err != nil {
		return nil, err
	}
	groups := groupRuns(recs)
	comp, err := readGroupCompromises(dir, groups)
	if err != nil {
		return nil, err
	}
	return fsWindows(comp, st, NewStyles(st, labels(groups)...)), nil
}

func labels(groups []*group) []string {
	var ls []string
	for _, g := range groups {
		ls = append(ls, g.label)
	}
	return ls
}

// maxBands is the most confidence bands drawn in one figure; beyond it
// they hide each other and the curves alone are drawn.
const maxBands = 3

func healing(comp []*groupCompromises, st Style, styles *Styles) *plot.Plot {
	p := newPlot("PCS healing after a compromise (Kaplan–Meier)", "", "share of compromises not yet healed")
	if len(comp) == 0 {
		p.Title.Text += " (no compromises)"
		return p
	}
	var tmax float64
	for _, c := range comp {
		tmax = math.Max(tmax, slices.Max(c.healing))
	}
	unit := timeUnitFor(tmax)
	p.X.Label.Text = "time since the compromise (" + unit.name + ")"
	half, _ := plotter.NewLine(plotter.XYs{{X: 0, Y: 0.5}, {X: tmax / unit.seconds, Y: 0.5}})
	half.LineStyle = draw.LineStyle{Color: color.Gray{Y: 110}, Width: st.LineWidth / 2, Dashes: dashPatterns[2]}
	p.Add(half)
	bands := len(comp) <= maxBands
	for _, c := range comp {
		observed := make([]bool, len(c.censored))
		for i, b := range c.censored {
			observed[i] = !b
		}
		km, err := stats.KaplanMeier(c.healing, observed, stats.Level)
		if err != nil {
			p.Title.Text += fmt.Sprintf("\n%s: %v", c.label, err)
			continue
		}
		ss := styles.Of(c.label)
		curve, band, marks := kmSteps(km, unit.seconds)
		if bands {
			p.Add(&stepBand{upper: band[0], lower: band[1], color: withAlpha(ss.Color, 0.13)})
		}
		l, _ := plotter.NewLine(curve)
		l.LineStyle = ss.Line(st.LineWidth * 1.3)
		l.StepStyle = plotter.PostStep
		p.Add(l)
		if len(marks) > 0 {
			s, _ := plotter.NewScatter(marks)
			s.GlyphStyle = draw.GlyphStyle{Color: ss.Color, Radius: st.PointRadius * 2.2, Shape: draw.PlusGlyph{}}
			p.Add(s)
		}
		p.Legend.Add(fmt.Sprintf("%s: %d compromises, %d censored; median %s", c.label, km.N, km.Censored, medianText(km.Median(), unit)), l)
	}
	p.Legend.Add("censored: unhealed when its run ended", glyphThumb{draw.GlyphStyle{Color: color.Black, Radius: st.PointRadius * 2.2, Shape: draw.PlusGlyph{}}})
	if bands {
		p.Legend.Add("95 % pointwise band", swatch{color.Gray{Y: 90}, 0.3})
	}
	setTime(&p.X, tmax/unit.seconds, unit.name == "h")
	setShare(&p.Y)
	return p
}

// kmSteps returns the survival curve as points for a post-step line,
// from (0, 1) to the last observed time; the band's upper and lower
// limits likewise; and the censoring marks, on the curve.
func kmSteps(km *stats.Survival, unit float64) (curve plotter.XYs, band [2]plotter.XYs, marks plotter.XYs) {
	curve = plotter.XYs{{X: 0, Y: 1}}
	band = [2]plotter.XYs{{{X: 0, Y: 1}}, {{X: 0, Y: 1}}}
	for _, s := range km.Steps {
		x := s.Time / unit
		if s.Events > 0 {
			curve = append(curve, plotter.XY{X: x, Y: s.S})
			band[0] = append(band[0], plotter.XY{X: x, Y: s.Upper})
			band[1] = append(band[1], plotter.XY{X: x, Y: s.Lower})
		}
		if s.Censored > 0 {
			marks = append(marks, plotter.XY{X: x, Y: s.S})
		}
	}
	last := km.Steps[len(km.Steps)-1]
	end := plotter.XY{X: last.Time / unit, Y: last.S}
	if curve[len(curve)-1] != end {
		curve = append(curve, end)
		band[0] = append(band[0], plotter.XY{X: end.X, Y: last.Upper})
		band[1] = append(band[1], plotter.XY{X: end.X, Y: last.Lower})
	}
	return curve, band, marks
}

// medianText shows a Kaplan–Meier median with its interval.
func medianText(m stats.SurvivalTime, u timeUnit) string {
	v := func(x float64) string {
		if math.IsInf(x, 1) {
			return "n.r."
		}
		return u.format(x)
	}
	if !m.Reached() {
		if math.IsInf(m.Lower, 1) {
			return "not reached"
		}
		return fmt.Sprintf("not reached (95 %% CI from %s %s)", v(m.Lower), u.name)
	}
	return fmt.Sprintf("%s %s [%s, %s]", v(m.Value), u.name, v(m.Lower), v(m.Upper))
}

func fsWindows(comp []*groupCompromises, st Style, styles *Styles) *plot.Plot {
	p := newPlot("FS exposure window of a compromise", "", "share of compromises with window ≤ x")
	if len(comp) == 0 {
		p.Title.Text += " (no compromises)"
		return p
	}
	var tmax float64
	for _, c := range comp {
		tmax = math.Max(tmax, slices.Max(c.fsWindow))
	}
	unit := timeUnitFor(tmax)
	p.X.Label.Text = "exposure window before the compromise (" + unit.name + ")"
	for _, c := range comp {
		d, err := stats.Describe(c.fsWindow)
		if err != nil {
			p.Title.Text += fmt.Sprintf("\n%s: %v", c.label, err)
			continue
		}
		l, _ := plotter.NewLine(ecdf(c.fsWindow, unit.seconds))
		l.LineStyle = styles.Of(c.label).Line(st.LineWidth * 1.3)
		l.StepStyle = plotter.PostStep
		p.Add(l)
		p.Legend.Add(fmt.Sprintf("%s: %d compromises; median %s %s, p90 %s %s", c.label, d.N, unit.format(d.P50), unit.name, unit.format(d.P90), unit.name), l)
	}
	setTime(&p.X, tmax/unit.seconds, unit.name == "h")
	setShare(&p.Y)
	return p
}

// ecdf returns the steps of the empirical CDF of seconds, in units.
func ecdf(seconds []float64, unit float64) plotter.XYs {
	s := slices.Clone(seconds)
	slices.Sort(s)
	xys := make(plotter.XYs, 0, len(s)+1)
	xys = append(xys, plotter.XY{X: 0, Y: 0})
	for i, v := range s {
		xys = append(xys, plotter.XY{X: v / unit, Y: float64(i+1) / float64(len(s))})
	}
	return xys
}

// timeUnit is the unit a time axis is drawn in.
type timeUnit struct {
	name    string
	seconds float64
}

// timeUnitFor picks hours, minutes or seconds so that the axis shows at
// least two of the unit.
func timeUnitFor(maxSeconds float64) timeUnit {
	switch {
	case maxSeconds >= 2*3600:
		return timeUnit{"h", 3600}
	case maxSeconds >= 2*60:
		return timeUnit{"min", 60}
	}
	return timeUnit{"s", 1}
}

func (u timeUnit) format(seconds float64) string {
	v := seconds / u.seconds
	if math.Abs(v) >= 100 {
		return fmt.Sprintf("%.0f", v)
	}
	return fmt.Sprintf("%.1f", v)
}

// stepBand fills the region between two post-step curves that share
// their x values; it implements plot.Plotter and plot.DataRanger.
type stepBand struct {
	upper, lower plotter.XYs
	color        color.Color
}

func (b *stepBand) DataRange() (xmin, xmax, ymin, ymax float64) {
	return xyRange(b.upper, b.lower)
}

func (b *stepBand) Plot(c draw.Canvas, p *plot.Plot) {
	trX, trY := p.Transforms(&c)
	var poly []vg.Point
	for i, pt := range b.upper {
		if i > 0 {
			poly = append(poly, vg.Point{X: trX(pt.X), Y: trY(b.upper[i-1].Y)})
		}
		poly = append(poly, vg.Point{X: trX(pt.X), Y: trY(pt.Y)})
	}
	for i := len(b.lower) - 1; i >= 0; i-- {
		pt := b.lower[i]
		poly = append(poly, vg.Point{X: trX(pt.X), Y: trY(pt.Y)})
		if i > 0 {
			poly = append(poly, vg.Point{X: trX(pt.X), Y: trY(b.lower[i-1].Y)})
		}
	}
	c.FillPolygon(b.color, c.ClipPolygonXY(poly))
}

// withAlpha returns c with opacity a.
func withAlpha(c color.Color, a float64) color.Color {
	r, g, bl, _ := c.RGBA()
	return color.NRGBA{uint8(r >> 8), uint8(g >> 8), uint8(bl >> 8), uint8(a * 255)}
}

// glyphThumb is a legend thumbnail showing one marker.
type glyphThumb struct{ style draw.GlyphStyle }

func (g glyphThumb) Thumbnail(c *draw.Canvas) { c.DrawGlyph(g.style, c.Center()) }

// exists reports whether a result file is there (runs without compromises
// have no compromises file).
func exists(path string) bool {
	_, err := os.Stat(path)
	return !errors.Is(err, os.ErrNotExist)
}

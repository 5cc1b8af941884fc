package plots

import (
	"cmp"
	"fmt"
	"image/color"
	"math"
	"path/filepath"
	"slices"
	"strings"

	"cgkalab/experiments/stats"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
)

// The frontier: what post-compromise security costs. One point per
// setting of an experiment: how many bytes each member downloads per day
// against how long the group takes to heal after a compromise. Draw adds
// it for experiments that sweep how often keys are refreshed or idle
// members removed (a swept key with "update" or "rotat" in it, such as
// workload.updates.every, policy.max_update_age or mls.updates), or the
// protocol, once at least two settings had compromises.

// frontierCaption explains the frontier figure.
const frontierCaption = "Cost against post-compromise security, one point per setting: x, the bytes each member downloads per day (total bytes down over final members and days; mean over seeds, with its 95 % Student-t interval when the setting ran several); " +
	"y, the Kaplan–Meier median PCS healing time over the setting's compromises, seeds pooled, with its 95 % interval (Brookmeyer–Crowley) as error bars; an arrow marks an interval open upwards (n.r.). " +
	"A setting whose median is not reached within the runs (n.r.) is drawn at its longest follow-up, a lower bound, with an arrow upwards. " +
	"The dashed line joins the settings that no other setting beats on both axes (the Pareto frontier); each point is labelled with its swept values. " +
	"Where a run's protocol is not plain MLS, healing is message healing (until the first message after the last one the compromise exposes), the measure every protocol shares; otherwise it is epoch healing (until the first epoch the adversary cannot read)."

// frontierKey reports whether a swept key sets how often members refresh
// their keys, how long idle members stay, or the protocol.
func frontierKey(key string) bool {
	if key == "protocol" {
		return true
	}
	for _, part := range strings.Split(key, ".") {
		if strings.Contains(part, "update") || strings.Contains(part, "rotat") {
			return true
		}
	}
	return false
}

// wantsFrontier reports whether an experiment's runs call for the
// frontier: a frontier key swept, and compromises in two settings or more.
func wantsFrontier(groups []*group, comp []*groupCompromises) bool {
	if len(comp) < 2 {
		return false
	}
	for _, g := range groups {
		for _, r := range g.recs {
			if slices.ContainsFunc(r.Params, func(p Param) bool { return frontierKey(p.Key) }) {
				return true
			}
		}
	}
	return false
}

// frontierPoint is one setting of the frontier figure.
type frontierPoint struct {
	label string // the setting, as every figure names it
	short string // its swept values, the point's label
	down  stats.Estimate
	heal  stats.SurvivalTime
	// followUp is the longest healing time observed, censored or not: a
	// lower bound of a median that is not reached.
	followUp    float64
	n, censored int
	messages    bool // healing is message healing, not epoch healing
}

// Frontier plots bytes downloaded per member per day against the
// Kaplan–Meier median healing time, one point per grid point of the
// experiment directory dir (seeds pooled), whether or not Draw would.
func Frontier(dir string, st Style) (*plot.Plot, error) {
	recs, err := readRecords(dir)
	if err != nil {
		return nil, err
	}
	groups := groupRuns(recs)
	comp, err := readGroupCompromises(dir, groups)
	if err != nil {
		return nil, err
	}
	pts, err := frontierPoints(dir, groups, comp)
	if err != nil {
		return nil, err
	}
	return frontier(pts, st, NewStyles(st, labels(groups)...)), nil
}

// messageHealing reports whether the frontier of these runs measures
// message healing: when some run's protocol is not plain MLS, whose epochs
// say nothing of messages another key also protects (an archive key).
func messageHealing(groups []*group) bool {
	for _, g := range groups {
		for _, r := range g.recs {
			if r.Config.Protocol != "" && r.Config.Protocol != "mls" {
				return true
			}
		}
	}
	return false
}

// readMessageHealing reads the message healing times of a run's
// compromises file.
func readMessageHealing(path string) (*compromises, error) {
	c := &compromises{}
	vals := make([]float64, 2)
	err := scanCSV(path, []string{"message_healing_s", "message_censored"}, func(v []string) error {
		if err := parseFloats(vals, v); err != nil {
			return err
		}
		if vals[1] != 0 && vals[1] != 1 {
			return fmt.Errorf("message_censored is %q, want 0 or 1", v[1])
		}
		c.healing = append(c.healing, vals[0])
		c.censored = append(c.censored, vals[1] == 1)
		return nil
	})
	return c, err
}

// frontierPoints computes each setting's point from the runs in dir;
// settings without compromises have none. comp holds the groups' pooled
// epoch healing times.
func frontierPoints(dir string, groups []*group, comp []*groupCompromises) ([]frontierPoint, error) {
	messages := messageHealing(groups)
	var pts []frontierPoint
	for _, g := range groups {
		i := slices.IndexFunc(comp, func(c *groupCompromises) bool { return c.label == g.label })
		if i < 0 {
			continue
		}
		c := &comp[i].compromises
		if messages {
			c = &compromises{}
			for _, r := range g.recs {
				path := filepath.Join(dir, r.Run+".compromises.csv")
				if !exists(path) {
					continue
				}
				m, err := readMessageHealing(path)
				if err != nil {
					return nil, err
				}
				c.healing = append(c.healing, m.healing...)
				c.censored = append(c.censored, m.censored...)
			}
		}
		var down []float64
		for _, r := range g.recs {
			days := float64(r.Config.Duration) / 1e9 / 86400
			if days <= 0 || r.Summary.FinalMembers <= 0 {
				return nil, fmt.Errorf("run %s: no duration or no members left to divide the bytes by", r.Run)
			}
			down = append(down, float64(r.Summary.BytesDown)/float64(r.Summary.FinalMembers)/days)
		}
		est, err := stats.MeanCI(down, stats.Level)
		if err != nil {
			return nil, fmt.Errorf("%s: bytes down: %w", g.label, err)
		}
		observed := make([]bool, len(c.censored))
		for j, b := range c.censored {
			observed[j] = !b
		}
		km, err := stats.KaplanMeier(c.healing, observed, stats.Level)
		if err != nil {
			return nil, fmt.Errorf("%s: healing times: %w", g.label, err)
		}
		var vals []string
		for _, p := range g.recs[0].Params {
			vals = append(vals, p.Value)
		}
		pts = append(pts, frontierPoint{label: g.label, short: strings.Join(vals, ", "), down: est, heal: km.Median(),
			followUp: slices.Max(c.healing), n: km.N, censored: km.Censored, messages: messages})
	}
	return pts, nil
}

// y is where a point is drawn: its median, or its longest follow-up when
// the median is not reached.
func (f *frontierPoint) y() float64 {
	if f.heal.Reached() {
		return f.heal.Value
	}
	return f.followUp
}

func frontier(pts []frontierPoint, st Style, styles *Styles) *plot.Plot {
	p := newPlot("Cost of post-compromise security", "bytes downloaded per member per day", "")
	if len(pts) == 0 {
		p.Title.Text += " (no compromises)"
		return p
	}
	var tmax float64
	var xs plotter.XYs
	for _, f := range pts {
		for _, v := range []float64{f.y(), f.heal.Lower, f.heal.Upper} {
			if !math.IsInf(v, 0) {
				tmax = math.Max(tmax, v)
			}
		}
		xs = append(xs, plotter.XY{X: f.down.Mean})
		if f.down.N > 1 {
			xs = append(xs, plotter.XY{X: f.down.Lower}, plotter.XY{X: f.down.Upper})
		}
	}
	unit := timeUnitFor(tmax)
	p.Y.Label.Text = "PCS healing, Kaplan–Meier median (" + unit.name + ")"
	if pts[0].messages {
		p.Y.Label.Text = "message healing, Kaplan–Meier median (" + unit.name + ")"
	}
	top := math.Max(tmax/unit.seconds, 1e-9) * 1.12 // room for the arrows of open intervals
	xmin, xmax := 0.0, 1.0
	if xs, _ = keepPositive(xs, true, false); len(xs) > 0 {
		xmin, xmax, _, _ = xyRange(xs)
	}
	logX := setBytes(&p.X, xmin, xmax)

	if l := paretoLine(pts, unit, st); l != nil {
		p.Add(l)
	}
	texts := pointLabels(pts)
	places := labelPlaces(pts, xmin, xmax, logX)
	for i := range pts {
		addFrontierPoint(p, &pts[i], texts[i], places[i], unit, top, logX, st, styles)
	}
	if slices.ContainsFunc(pts, func(f frontierPoint) bool { return !f.heal.Reached() }) {
		p.Legend.Add("n.r.: median not reached, drawn at the longest follow-up (a lower bound)", swatch{color.White, 0})
	}
	if n := len(paretoSet(pts)); n >= 2 {
		p.Legend.Add("Pareto frontier: no other setting is cheaper and heals faster", lineThumb{paretoStyle(st)})
	}
	// Add widened the axes to the data; keep the chosen ranges.
	setBytes(&p.X, xmin, xmax)
	p.Y.Min, p.Y.Max = 0, top
	p.Y.Tick.Marker = timeTicks{hours: unit.name == "h"}
	return p
}

// pointLabels returns each point's label: its swept values, "(n.r.)"
// where its median is not reached. Settings that fall on the same spot
// (an eviction limit no member reached) share one label, on the first of
// them, so that their labels are not printed over each other.
func pointLabels(pts []frontierPoint) []string {
	texts := make([]string, len(pts))
	for i, f := range pts {
		text := f.short
		if !f.heal.Reached() {
			text = strings.TrimSpace(text + " (n.r.)")
		}
		// The first point at a spot holds the label.
		if j := slices.IndexFunc(pts[:i], func(g frontierPoint) bool { return g.down.Mean == f.down.Mean && g.y() == f.y() }); j >= 0 {
			texts[j] += "; " + text
			continue
		}
		texts[i] = text
	}
	return texts
}

// labelPlace is where a point's label goes: left of the point instead
// of right (near the right edge, where it would be cut off), below it
// instead of above (a neighbour close on the left holds the place above).
type labelPlace struct{ left, below bool }

// labelPlaces places each point's label so that labels stay inside the
// plot and labels of close neighbours do not print over each other.
func labelPlaces(pts []frontierPoint, xmin, xmax float64, logX bool) []labelPlace {
	pos := func(x float64) float64 {
		if logX {
			if x <= 0 || xmin <= 0 {
				return 0
			}
			return (math.Log(x) - math.Log(xmin)) / math.Max(math.Log(xmax)-math.Log(xmin), 1e-12)
		}
		return (x - xmin) / math.Max(xmax-xmin, 1e-12)
	}
	order := make([]int, len(pts))
	for i := range order {
		order[i] = i
	}
	slices.SortStableFunc(order, func(a, b int) int { return cmp.Compare(pts[a].down.Mean, pts[b].down.Mean) })
	places := make([]labelPlace, len(pts))
	for k, i := range order {
		x := pos(pts[i].down.Mean)
		places[i].left = x > 0.8
		if k > 0 {
			j := order[k-1]
			places[i].below = x-pos(pts[j].down.Mean) < 0.08 && !places[j].below
		}
	}
	return places
}

// addFrontierPoint draws one setting: its marker, its intervals, its
// label (text, none if empty) at place, and its legend entry.
func addFrontierPoint(p *plot.Plot, f *frontierPoint, text string, place labelPlace, unit timeUnit, top float64, logX bool, st Style, styles *Styles) {
	ss := styles.Of(f.label)
	x, y := f.down.Mean, f.y()/unit.seconds
	if logX && x <= 0 {
		return
	}
	glyph := draw.GlyphStyle{Color: ss.Color, Radius: st.PointRadius * 2.5, Shape: ss.Glyph}
	lower := f.heal.Lower / unit.seconds
	if !f.heal.Reached() && math.IsInf(lower, 1) {
		lower = y
	}
	bar := ss.Line(st.LineWidth)
	bar.Dashes = nil // error bars solid: short dashes would read as gaps
	iv := &intervals{style: bar, cap: st.PointRadius * 2.5}
	iv.add(interval{at: x, lo: lower, hi: f.heal.Upper / unit.seconds, top: top, vertical: true})
	if f.down.N > 1 {
		iv.add(interval{at: y, lo: math.Max(f.down.Lower, p.X.Min), hi: f.down.Upper})
	}
	p.Add(iv)
	s, _ := plotter.NewScatter(plotter.XYs{{X: x, Y: y}})
	s.GlyphStyle = glyph
	p.Add(s)
	if text != "" {
		l, err := plotter.NewLabels(plotter.XYLabels{XYs: plotter.XYs{{X: x, Y: y}}, Labels: []string{text}})
		if err == nil {
			l.Offset = vg.Point{X: glyph.Radius + vg.Points(2), Y: glyph.Radius}
			l.TextStyle[0].Font.Size = vg.Points(8)
			if place.left {
				l.Offset.X = -l.Offset.X
				l.TextStyle[0].XAlign = draw.XRight
			}
			if place.below {
				l.Offset.Y = -glyph.Radius
				l.TextStyle[0].YAlign = draw.YTop
			}
			p.Add(l)
		}
	}
	p.Legend.Add(fmt.Sprintf("%s: %s; %s/day; %d of %d censored",
		f.label, medianText(f.heal, unit), byteLabel(x), f.censored, f.n), s)
}

// paretoSet returns the settings, by increasing cost, that no other
// setting beats on both cost and healing (medians not reached excluded).
func paretoSet(pts []frontierPoint) []frontierPoint {
	var reached []frontierPoint
	for _, f := range pts {
		if f.heal.Reached() {
			reached = append(reached, f)
		}
	}
	slices.SortStableFunc(reached, func(a, b frontierPoint) int {
		if c := compareFloat(a.down.Mean, b.down.Mean); c != 0 {
			return c
		}
		return compareFloat(a.heal.Value, b.heal.Value)
	})
	var out []frontierPoint
	for _, f := range reached {
		if len(out) == 0 || f.heal.Value < out[len(out)-1].heal.Value {
			out = append(out, f)
		}
	}
	return out
}

func compareFloat(a, b float64) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

func paretoStyle(st Style) draw.LineStyle {
	return draw.LineStyle{Color: color.Gray{Y: 110}, Width: st.LineWidth, Dashes: dashPatterns[1]}
}

// paretoLine joins the Pareto set; nil when it has fewer than two
// points.
func paretoLine(pts []frontierPoint, unit timeUnit, st Style) *plotter.Line {
	set := paretoSet(pts)
	var xys plotter.XYs
	for _, f := range set {
		xys = append(xys, plotter.XY{X: f.down.Mean, Y: f.heal.Value / unit.seconds})
	}
	xys, _ = keepPositive(xys, true, false)
	if len(xys) < 2 {
		return nil
	}
	l, _ := plotter.NewLine(xys)
	l.LineStyle = paretoStyle(st)
	return l
}

// interval is an error bar: from lo to hi at position at, vertical (y
// values) or horizontal (x values). An infinite hi runs to top and ends
// in an arrow.
type interval struct {
	at, lo, hi, top float64
	vertical        bool
}

// intervals draws error bars with caps at their finite ends; it
// implements plot.Plotter and plot.DataRanger (over the finite values).
type intervals struct {
	style draw.LineStyle
	cap   vg.Length
	bars  []interval
}

func (iv *intervals) add(b interval) { iv.bars = append(iv.bars, b) }

func (iv *intervals) DataRange() (xmin, xmax, ymin, ymax float64) {
	var pts plotter.XYs
	for _, b := range iv.bars {
		for _, v := range []float64{b.lo, b.hi} {
			if math.IsInf(v, 0) || math.IsNaN(v) {
				continue
			}
			if b.vertical {
				pts = append(pts, plotter.XY{X: b.at, Y: v})
			} else {
				pts = append(pts, plotter.XY{X: v, Y: b.at})
			}
		}
	}
	if len(pts) == 0 {
		return math.Inf(1), math.Inf(-1), math.Inf(1), math.Inf(-1)
	}
	return xyRange(pts)
}

func (iv *intervals) Plot(c draw.Canvas, p *plot.Plot) {
	trX, trY := p.Transforms(&c)
	for _, b := range iv.bars {
		if math.IsNaN(b.lo) || math.IsNaN(b.hi) || math.IsInf(b.lo, 0) {
			continue
		}
		open := math.IsInf(b.hi, 1)
		hi := b.hi
		if open {
			hi = b.top
		}
		if b.vertical {
			x, y0, y1 := trX(b.at), trY(b.lo), trY(hi)
			c.StrokeLines(iv.style, c.ClipLinesY([]vg.Point{{X: x, Y: y0}, {X: x, Y: y1}})...)
			c.StrokeLine2(iv.style, x-iv.cap/2, y0, x+iv.cap/2, y0)
			if open {
				c.StrokeLines(iv.style, []vg.Point{{X: x - iv.cap/2, Y: y1 - iv.cap/2}, {X: x, Y: y1}, {X: x + iv.cap/2, Y: y1 - iv.cap/2}})
			} else {
				c.StrokeLine2(iv.style, x-iv.cap/2, y1, x+iv.cap/2, y1)
			}
			continue
		}
		y, x0, x1 := trY(b.at), trX(b.lo), trX(hi)
		c.StrokeLines(iv.style, c.ClipLinesX([]vg.Point{{X: x0, Y: y}, {X: x1, Y: y}})...)
		c.StrokeLine2(iv.style, x0, y-iv.cap/2, x0, y+iv.cap/2)
		c.StrokeLine2(iv.style, x1, y-iv.cap/2, x1, y+iv.cap/2)
	}
}

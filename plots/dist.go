package plots

import (
	"fmt"
	"image/color"
	"math"
	"slices"
	"strings"

	"gonum.org/v1/gonum/stat"
	"gonum.org/v1/plot"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
)

// distCaption explains the distributions figure.
const distCaption = "Bytes each event uploaded, per event kind (log axis): the whisker spans p1–p99, the pale band p10–p90, the dark band p25–p75; the black line is the median and the dot the maximum. Events that uploaded nothing are counted in the title."

// quantile returns the nearest-rank p-quantile of sorted values.
func quantile(sorted []float64, p float64) float64 {
	return stat.Quantile(p, stat.Empirical, sorted, nil)
}

// Distributions plots, per event kind, the distribution of bytes up as
// quantile bands on a log axis: p1–p99 whiskers, p10–p90 and p25–p75
// bands, the median as a line and the maximum as a dot. Unlike a box plot
// it draws no per-point outliers, so a figure of millions of events stays
// small.
func Distributions(eventsPath, title string, st Style) (*plot.Plot, error) {
	ev, err := readEvents(eventsPath)
	if err != nil {
		return nil, err
	}
	return distributions(ev, title, st, NewStyles(st).Of("")), nil
}

func distributions(ev *events, title string, st Style, ss SeriesStyle) *plot.Plot {
	p := newPlot(title+": bytes up per event", "", "bytes up")
	byKind := map[string][]float64{} // index only; order from kinds
	var kinds []string
	for i, k := range ev.kind {
		if _, ok := byKind[k]; !ok {
			kinds = append(kinds, k)
		}
		byKind[k] = append(byKind[k], ev.bytesUp[i])
	}
	slices.Sort(kinds)
	b := &bands{width: 0.6, style: st, color: ss.Color}
	var names, nothing []string
	dropped := 0
	for _, k := range kinds {
		var pos []float64
		for _, v := range byKind[k] {
			if v > 0 && !math.IsInf(v, 0) {
				pos = append(pos, v)
			}
		}
		dropped += len(byKind[k]) - len(pos)
		if len(pos) == 0 {
			nothing = append(nothing, k)
			continue
		}
		slices.Sort(pos)
		b.boxes = append(b.boxes, bandBox{
			x:   float64(len(names)),
			q:   [5]float64{quantile(pos, 0.01), quantile(pos, 0.10), quantile(pos, 0.25), quantile(pos, 0.75), quantile(pos, 0.90)},
			p99: quantile(pos, 0.99), med: quantile(pos, 0.5), max: pos[len(pos)-1],
		})
		names = append(names, fmt.Sprintf("%s\nn=%d", k, len(byKind[k])))
	}
	if len(kinds) == 0 {
		p.Title.Text += " (no events)"
		return p
	}
	if dropped > 0 {
		p.Title.Text += fmt.Sprintf("\n(%d of %d events uploaded 0 bytes, off the log axis)", dropped, len(ev.kind))
	}
	if len(nothing) > 0 {
		p.X.Label.Text = "not shown, no upload at all: " + strings.Join(nothing, ", ")
	}
	if len(names) == 0 {
		return p
	}
	p.NominalX(names...)
	_, _, ymin, ymax := b.DataRange()
	if len(b.boxes) > 0 && setLog(&p.Y, ymin, ymax, 0.05) {
		p.Add(b)
		setLog(&p.Y, ymin, ymax, 0.05)
		p.Y.Tick.Marker = byteTicks{logTicks{}}
		p.X.Min, p.X.Max = -0.5, float64(len(names))-0.5
		p.Legend.Add("p25–p75", swatch{ss.Color, 1})
		p.Legend.Add("p10–p90", swatch{ss.Color, 0.35})
		p.Legend.Add("median", lineThumb{draw.LineStyle{Color: color.Black, Width: st.LineWidth}})
		p.Legend.Add("p1–p99, max (dot)", lineThumb{draw.LineStyle{Color: ss.Color, Width: st.LineWidth / 2}})
	}
	return p
}

// bandBox is the quantiles of one kind: q holds p1, p10, p25, p75, p90.
type bandBox struct {
	x             float64
	q             [5]float64
	p99, med, max float64
}

// bands draws quantile bands; it implements plot.Plotter and
// plot.DataRanger.
type bands struct {
	boxes []bandBox
	width float64 // in x units
	style Style
	color color.Color
}

func (b *bands) DataRange() (xmin, xmax, ymin, ymax float64) {
	xmin, ymin = math.Inf(1), math.Inf(1)
	xmax, ymax = math.Inf(-1), math.Inf(-1)
	for _, bx := range b.boxes {
		xmin, xmax = math.Min(xmin, bx.x-b.width/2), math.Max(xmax, bx.x+b.width/2)
		ymin, ymax = math.Min(ymin, bx.q[0]), math.Max(ymax, bx.max)
	}
	return
}

func (b *bands) Plot(c draw.Canvas, p *plot.Plot) {
	trX, trY := p.Transforms(&c)
	c0 := b.color
	light := fade(c0, 0.35)
	thin := draw.LineStyle{Color: c0, Width: b.style.LineWidth / 2}
	med := draw.LineStyle{Color: color.Black, Width: b.style.LineWidth}
	for _, bx := range b.boxes {
		x := trX(bx.x)
		half := (trX(bx.x+b.width/2) - x)
		rect := func(lo, hi float64, w vg.Length, col color.Color) {
			y0, y1 := trY(lo), trY(hi)
			c.FillPolygon(col, c.ClipPolygonY([]vg.Point{{X: x - w, Y: y0}, {X: x + w, Y: y0}, {X: x + w, Y: y1}, {X: x - w, Y: y1}}))
		}
		c.StrokeLine2(thin, x, trY(bx.q[0]), x, trY(bx.p99))
		rect(bx.q[1], bx.q[4], half, light)
		rect(bx.q[2], bx.q[3], half*0.6, c0)
		c.StrokeLine2(med, x-half, trY(bx.med), x+half, trY(bx.med))
		c.DrawGlyph(draw.GlyphStyle{Color: c0, Radius: b.style.PointRadius * 1.5, Shape: draw.CircleGlyph{}}, vg.Point{X: x, Y: trY(bx.max)})
	}
}

// fade mixes c with white, keeping the share a of c.
func fade(c color.Color, a float64) color.Color {
	r, g, bl, _ := c.RGBA()
	mix := func(v uint32) uint8 { return uint8(a*float64(v>>8) + (1-a)*255) }
	return color.RGBA{mix(r), mix(g), mix(bl), 255}
}

// swatch is a legend thumbnail filled with a colour faded to a share.
type swatch struct {
	c     color.Color
	share float64
}

func (s swatch) Thumbnail(c *draw.Canvas) {
	r := c.Rectangle
	inset := (r.Max.Y - r.Min.Y) / 6 // keep neighbouring entries apart
	r.Min.Y, r.Max.Y = r.Min.Y+inset, r.Max.Y-inset
	c.FillPolygon(fade(s.c, s.share), []vg.Point{r.Min, {X: r.Max.X, Y: r.Min.Y}, r.Max, {X: r.Min.X, Y: r.Max.Y}})
}

// lineThumb is a legend thumbnail showing a horizontal line.
type lineThumb struct{ style draw.LineStyle }

func (l lineThumb) Thumbnail(c *draw.Canvas) {
	y := c.Center().Y
	c.StrokeLine2(l.style, c.Min.X, y, c.Max.X, y)
}

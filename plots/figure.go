package plots

import (
	"fmt"
	"time"

	"codeberg.org/go-pdf/fpdf"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
	"gonum.org/v1/plot/vg/vgimg"
)

// legendGap is the space between the x axis and a legend drawn below it.
const legendGap = 6 // points

// legendHeight is the height a plot's legend takes below the plot area,
// zero without legend entries.
func legendHeight(p *plot.Plot) vg.Length {
	r := p.Legend.Rectangle(draw.Canvas{})
	if h := r.Max.Y - r.Min.Y; h > 0 {
		return h + 2*vg.Points(legendGap)
	}
	return 0
}

// drawFigure draws p onto c with its legend outside the plot area: below
// the x axis, aligned with the left edge of the data, so that it never
// covers data however the data fall. c must be Style height plus
// legendHeight(p) tall.
func drawFigure(p *plot.Plot, c draw.Canvas) {
	leg := p.Legend
	legH := legendHeight(p)
	p.Legend = plot.NewLegend() // the plot itself draws none
	defer func() { p.Legend = leg }()
	if p.BackgroundColor != nil { // under the legend too
		c.SetColor(p.BackgroundColor)
		c.Fill(c.Rectangle.Path())
	}
	top := draw.Crop(c, 0, 0, legH, 0)
	p.Draw(top)
	if legH == 0 {
		return
	}
	data := p.DataCanvas(top)
	leg.Left, leg.Top = true, true
	leg.XOffs, leg.YOffs = 0, 0
	leg.Draw(draw.Canvas{Canvas: c.Canvas, Rectangle: vg.Rectangle{
		Min: vg.Point{X: data.Min.X, Y: c.Min.Y},
		Max: vg.Point{X: c.Max.X, Y: c.Min.Y + legH - vg.Points(legendGap)},
	}})
}

// PDF files carry creation and modification dates, which would make the
// same results give different files; they are fixed instead.
func init() {
	epoch := time.Unix(0, 0).UTC()
	fpdf.SetDefaultCreationDate(epoch)
	fpdf.SetDefaultModificationDate(epoch)
}

// canvas returns a canvas for one file format: PNG at st.DPI, the others
// as gonum makes them.
func canvas(st Style, format string, w, h vg.Length) (vg.CanvasWriterTo, error) {
	if format == "png" && st.DPI > 0 {
		return vgimg.PngCanvas{Canvas: vgimg.NewWith(vgimg.UseWH(w, h), vgimg.UseDPI(st.DPI))}, nil
	}
	c, err := draw.NewFormattedCanvas(w, h, format)
	if err != nil {
		return nil, fmt.Errorf("plots: %w", err)
	}
	return c, nil
}

// Save writes p in each of st's formats to base.<format>, each file
// atomically, with the legend below the plot area (the figure grows by
// its height), and returns the names written.
func Save(p *plot.Plot, st Style, base string) ([]string, error) {
	var files []string
	h := st.Height + legendHeight(p)
	for _, f := range st.Formats {
		c, err := canvas(st, f, st.Width, h)
		if err != nil {
			return files, err
		}
		drawFigure(p, draw.New(c))
		name := base + "." + f
		if err := writeAtomic(name, c); err != nil {
			return files, err
		}
		files = append(files, name)
	}
	return files, nil
}

package plots

import (
	"image/color"
	"slices"
	"strings"

	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
)

// SeriesStyle is the look of one series: a colour, a dash pattern and a
// marker, so that series stay apart in greyscale print too.
type SeriesStyle struct {
	Color  color.Color
	Dashes []vg.Length // nil: solid
	Glyph  draw.GlyphDrawer
}

// Line is the series' line at width w.
func (s SeriesStyle) Line(w vg.Length) draw.LineStyle {
	return draw.LineStyle{Color: s.Color, Width: w, Dashes: s.Dashes}
}

// Points is the series' marker at radius r.
func (s SeriesStyle) Points(r vg.Length) draw.GlyphStyle {
	return draw.GlyphStyle{Color: s.Color, Radius: r, Shape: s.Glyph}
}

// Styles gives every series name one style, the same in every figure drawn
// with the same Styles: a protocol keeps its colour from the cost figure
// to the survival curves, and so does a swept parameter value. Protocols
// have fixed slots; other names take the next slot in the order they were
// first seen, so registering an experiment's series up front (NewStyles)
// makes the mapping the experiment's order, whatever figure asks first.
type Styles struct {
	palette []color.Color
	names   []string
}

// AllRuns names the one series of an experiment without swept keys (or
// of a figure pooling over all of them); it is drawn in solid black.
const AllRuns = "all runs"

// protocolSlots fixes the style of each protocol the lab knows, across
// experiments (DESIGN.md, "Protocols compared under one interface").
var protocolSlots = map[string]int{"mls": 0, "mls-archive": 1, "senderkeys": 2, "pairwise": 3, "static": 4}

// dashPatterns and glyphs vary with the slot alongside the colour; their
// counts are prime to the palette's so that combinations repeat late.
var dashPatterns = [][]vg.Length{
	nil,
	{vg.Points(5), vg.Points(2.5)},
	{vg.Points(1.5), vg.Points(2)},
	{vg.Points(6), vg.Points(2), vg.Points(1.5), vg.Points(2)},
}

var glyphs = []draw.GlyphDrawer{
	draw.CircleGlyph{}, draw.SquareGlyph{}, draw.TriangleGlyph{}, draw.PyramidGlyph{}, draw.BoxGlyph{},
}

// NewStyles returns the styles of st's palette, with names taking slots
// in the order given.
func NewStyles(st Style, names ...string) *Styles {
	s := &Styles{palette: st.Colors}
	if len(s.palette) == 0 {
		s.palette = []color.Color{color.Black}
	}
	for _, n := range names {
		s.slot(n)
	}
	return s
}

// slot returns the name's slot, registering it if new. A name of the
// form key=value whose value is a protocol takes the protocol's slot.
func (s *Styles) slot(name string) int {
	if i, ok := protocolSlots[name]; ok {
		return i
	}
	if _, v, ok := strings.Cut(name, "="); ok && !strings.Contains(v, ",") {
		if i, ok := protocolSlots[v]; ok {
			return i
		}
	}
	i := slices.Index(s.names, name)
	if i < 0 {
		s.names = append(s.names, name)
		i = len(s.names) - 1
	}
	return i
}

// Of returns the style of the series name.
func (s *Styles) Of(name string) SeriesStyle {
	if name == AllRuns {
		return SeriesStyle{Color: color.Black, Glyph: draw.CircleGlyph{}}
	}
	i := s.slot(name)
	return SeriesStyle{
		Color:  s.palette[i%len(s.palette)],
		Dashes: dashPatterns[i%len(dashPatterns)],
		Glyph:  glyphs[i%len(glyphs)],
	}
}

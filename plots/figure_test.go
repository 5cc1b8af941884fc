package plots

import (
	"bytes"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"cgkalab/experiments/stats"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
	"gonum.org/v1/plot/vg/recorder"
)

var update = flag.Bool("update", false, "rewrite the golden figures under testdata/")

// pooled is a small set of compromises per grid point, with censoring.
func pooled() []*groupCompromises {
	return []*groupCompromises{
		{label: "initial=500", compromises: compromises{
			healing:  []float64{1800, 3600, 7200, 9000, 20000, 40000},
			censored: []bool{false, false, true, false, true, false},
			fsWindow: []float64{60, 120, 0, 300, 240, 30},
		}},
		{label: "initial=1000", compromises: compromises{
			healing:  []float64{5000, 30000, 50000, 60000},
			censored: []bool{false, true, true, true},
			fsWindow: []float64{600, 400, 500, 700},
		}},
	}
}

// TestLegendOutsideData draws figures on a recorder and checks that no
// legend text lands inside the plot's data area: the legend sits below
// the x axis whatever the data.
func TestLegendOutsideData(t *testing.T) {
	st := DefaultStyle()
	styles := NewStyles(st, "initial=500", "initial=1000")
	figs := map[string]func() ([]string, *recorderFigure){
		"healing": func() ([]string, *recorderFigure) {
			p := healing(pooled(), st, styles)
			return []string{"initial=500:", "initial=1000:", "censored:", "pointwise band"}, drawRecorded(p, st)
		},
		"fswindow": func() ([]string, *recorderFigure) {
			p := fsWindows(pooled(), st, styles)
			return []string{"initial=500:", "initial=1000:"}, drawRecorded(p, st)
		},
	}
	for name, f := range figs {
		want, rf := f()
		var found []string
		for _, a := range rf.rec.Actions {
			fs, ok := a.(*recorder.FillString)
			if !ok {
				continue
			}
			for _, w := range want {
				if strings.HasPrefix(fs.String, w) || strings.Contains(fs.String, w) {
					found = append(found, w)
					if fs.Point.Y >= rf.data.Min.Y {
						t.Errorf("%s: legend entry %q at y=%v, inside the data area (from y=%v)", name, fs.String, fs.Point.Y, rf.data.Min.Y)
					}
				}
			}
		}
		for _, w := range want {
			if !slices.Contains(found, w) {
				t.Errorf("%s: legend entry %q not drawn", name, w)
			}
		}
	}
}

type recorderFigure struct {
	rec  *recorder.Canvas
	data draw.Canvas
}

// drawRecorded draws p as Save does, onto a recorder, and returns the data
// area the plot used.
func drawRecorded(p *plot.Plot, st Style) *recorderFigure {
	rec := &recorder.Canvas{}
	legH := legendHeight(p)
	c := draw.Canvas{Canvas: rec, Rectangle: vg.Rectangle{Max: vg.Point{X: st.Width, Y: st.Height + legH}}}
	drawFigure(p, c)
	return &recorderFigure{rec: rec, data: p.DataCanvas(draw.Crop(c, 0, 0, legH, 0))}
}

func TestSurvivalAndCDFAxesAreUnit(t *testing.T) {
	st := DefaultStyle()
	styles := NewStyles(st)
	h := healing(pooled(), st, styles)
	f := fsWindows(pooled(), st, styles)
	for name, y := range map[string][2]float64{"healing": {h.Y.Min, h.Y.Max}, "fswindow": {f.Y.Min, f.Y.Max}} {
		if y != [2]float64{0, 1} {
			t.Errorf("%s: y axis %v, want [0, 1]", name, y)
		}
	}
	// Drawing must not widen the axis (gonum pads ranges it computes).
	if _, err := Save(h, st, filepath.Join(t.TempDir(), "h")); err != nil {
		t.Fatal(err)
	}
	if h.Y.Min != 0 || h.Y.Max != 1 {
		t.Errorf("after drawing: y axis [%v, %v]", h.Y.Min, h.Y.Max)
	}
}

// TestKMSteps checks the drawn curve against the estimator's worked
// example (experiments/stats): steps down at the event times, censoring
// marks on the curve at the censored times, the curve running on to the
// last observation.
func TestKMSteps(t *testing.T) {
	km, err := stats.KaplanMeier([]float64{1, 2, 2, 3, 4, 5, 6, 7, 8, 9},
		[]bool{true, true, true, false, true, false, true, false, true, false}, 0.95)
	if err != nil {
		t.Fatal(err)
	}
	curve, band, marks := kmSteps(km, 1)
	wantCurve := plotter.XYs{{X: 0, Y: 1}, {X: 1, Y: 0.9}, {X: 2, Y: 0.7}, {X: 4, Y: 7.0 / 12}, {X: 6, Y: 7.0 / 16}, {X: 8, Y: 7.0 / 32}, {X: 9, Y: 7.0 / 32}}
	wantMarks := plotter.XYs{{X: 3, Y: 0.7}, {X: 5, Y: 7.0 / 12}, {X: 7, Y: 7.0 / 16}, {X: 9, Y: 7.0 / 32}}
	if !nearXYs(curve, wantCurve) || !nearXYs(marks, wantMarks) {
		t.Errorf("curve %v\nmarks %v", curve, marks)
	}
	if len(band[0]) != len(curve) || len(band[1]) != len(curve) || band[0][1].Y < curve[1].Y || band[1][1].Y > curve[1].Y {
		t.Errorf("band %v", band)
	}
}

func nearXYs(a, b plotter.XYs) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i].X != b[i].X || a[i].Y-b[i].Y > 1e-12 || b[i].Y-a[i].Y > 1e-12 {
			return false
		}
	}
	return true
}

// TestStylesStable: a name keeps its style whatever order figures ask
// in, protocols keep theirs across experiments, and distinct names of one
// experiment get distinct styles.
func TestStylesStable(t *testing.T) {
	st := DefaultStyle()
	a := NewStyles(st, "initial=500", "initial=1000", "initial=2000")
	b := NewStyles(st, "initial=500", "initial=1000", "initial=2000")
	first := a.Of("initial=2000")
	a.Of("something else")
	if b.Of("initial=1000"); !sameStyle(a.Of("initial=2000"), first) || !sameStyle(b.Of("initial=2000"), first) {
		t.Error("a name's style depends on the order of queries")
	}
	seen := map[string]bool{}
	for _, n := range []string{"initial=500", "initial=1000", "initial=2000", "a", "b", "c", "d", "e"} {
		s := a.Of(n)
		key := css(s)
		if seen[key] {
			t.Errorf("%s shares a style", n)
		}
		seen[key] = true
	}
	if !sameStyle(NewStyles(st, "x", "y").Of("senderkeys"), NewStyles(st).Of("protocol=senderkeys")) {
		t.Error("a protocol's style differs between experiments")
	}
	if all := a.Of(AllRuns); all.Color != nil && css(all) == css(a.Of("initial=500")) {
		t.Error("all runs drawn like a setting")
	}
}

func sameStyle(a, b SeriesStyle) bool { return css(a) == css(b) }

func css(s SeriesStyle) string { return fmt.Sprintf("%v %v %T", s.Color, s.Dashes, s.Glyph) }

// TestHealingGolden pins the survival figure's SVG. Run with -update
// after a deliberate change to the figure.
func TestHealingGolden(t *testing.T) {
	st := DefaultStyle()
	st.Formats = []string{"svg"}
	p := healing(pooled(), st, NewStyles(st, "initial=500", "initial=1000"))
	dir := t.TempDir()
	if _, err := Save(p, st, filepath.Join(dir, "healing")); err != nil {
		t.Fatal(err)
	}
	got, err := os.ReadFile(filepath.Join(dir, "healing.svg"))
	if err != nil {
		t.Fatal(err)
	}
	golden := filepath.Join("testdata", "healing.golden.svg")
	if *update {
		if err := os.WriteFile(golden, got, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(golden)
	if err != nil {
		t.Fatalf("%v (run with -update to create)", err)
	}
	if !bytes.Equal(got, want) {
		os.WriteFile(filepath.Join(os.TempDir(), "healing.got.svg"), got, 0o644)
		t.Errorf("healing.svg differs from %s (written to %s)", golden, filepath.Join(os.TempDir(), "healing.got.svg"))
	}
}

// TestCostVsSizeSeries: with a second swept key, the size figure draws
// one series per setting of that key, named in the legend in its style.
func TestCostVsSizeSeries(t *testing.T) {
	dir := t.TempDir()
	for i, c := range []struct {
		initial int
		every   string
	}{{10, "10m"}, {100, "10m"}, {10, "1h"}, {100, "1h"}} {
		run := synthRun(t, dir, i, c.initial, func(j int) int { return 100*c.initial + j })
		path := filepath.Join(dir, run+".json")
		b, _ := os.ReadFile(path)
		newRun := run + "_every=" + c.every
		b = bytes.Replace(b, []byte(`"params": [`), []byte(`"params": [{"key": "commit.every", "value": "`+c.every+`"}, `), 1)
		b = bytes.ReplaceAll(b, []byte(run), []byte(newRun))
		os.WriteFile(filepath.Join(dir, newRun+".json"), b, 0o644)
		os.Remove(path)
		for _, ext := range []string{".events.csv", ".health.csv"} {
			os.Rename(filepath.Join(dir, run+ext), filepath.Join(dir, newRun+ext))
		}
	}
	st := DefaultStyle()
	p, err := CostVsSize(dir, st)
	if err != nil {
		t.Fatal(err)
	}
	rf := drawRecorded(p, st)
	var legend []string
	for _, a := range rf.rec.Actions {
		if fs, ok := a.(*recorder.FillString); ok && fs.Point.Y < rf.data.Min.Y && !strings.Contains(fs.String, "members") {
			legend = append(legend, fs.String)
		}
	}
	for _, want := range []string{"every=10m", "every=1h", "mean bytes up", "p90 bytes up", "mean bytes down per recipient"} {
		if !slices.Contains(legend, want) {
			t.Errorf("legend %q lacks %q", legend, want)
		}
	}
}

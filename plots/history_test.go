package plots

import (
	"math"
	"path/filepath"
	"testing"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
)

func TestHistory(t *testing.T) {
	nan := math.NaN()
	for _, c := range []struct {
		name   string
		series []HistorySeries
		logY   bool
	}{
		{"gaps", []HistorySeries{
			{"CommitCreate/members=4096", []float64{1.2e-3, 1.1e-3, nan, 1.3e-3, 1.25e-3}},
			{"CommitCreate/members=1024", []float64{nan, 3e-4, 3.1e-4, nan, 2.9e-4}},
		}, false},
		{"wide", []HistorySeries{{"Sim", []float64{10, 100, 1000, 10000, 5}}}, true},
		{"zeros", []HistorySeries{{"Size", []float64{0, 0, -1, 0, 0}}}, false},
		{"empty", []HistorySeries{{"None", []float64{nan, nan, nan, nan, nan}}}, false},
	} {
		t.Run(c.name, func(t *testing.T) {
			labels := []string{"aaaaaaaaaaaa", "bbbbbbbbbbbb", "v0.3.0", "old.bench", "new.bench"}
			p, err := History("sec/commit across 5 files", "sec/commit", labels, c.series, DefaultStyle())
			if err != nil {
				t.Fatal(err)
			}
			if _, isLog := p.Y.Scale.(plot.LogScale); isLog != c.logY {
				t.Errorf("log y axis %v, want %v", isLog, c.logY)
			}
			files, err := Save(p, DefaultStyle(), filepath.Join(t.TempDir(), "history"))
			if err != nil {
				t.Fatal(err)
			}
			for _, f := range files {
				checkFigure(t, f)
			}
		})
	}
	if _, err := History("t", "u", []string{"a", "b"}, []HistorySeries{{"x", []float64{1}}}, DefaultStyle()); err == nil {
		t.Error("a series with too few values was drawn")
	}
	if _, err := History("t", "u", nil, nil, DefaultStyle()); err == nil {
		t.Error("an empty history was drawn")
	}
}

func TestSegments(t *testing.T) {
	nan := math.NaN()
	var xys plotter.XYs
	for i, y := range []float64{1, nan, 2, 3, nan, 4, 5, 6} {
		xys = append(xys, plotter.XY{X: float64(i), Y: y})
	}
	segs := segments(xys)
	if len(segs) != 2 || len(segs[0]) != 2 || len(segs[1]) != 3 {
		t.Errorf("segments %v", segs)
	}
}

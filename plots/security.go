package plots

import (
	"errors"
	"fmt"
	"os"
	"slices"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
)

// compromises holds a run's compromises file.
type compromises struct {
	healing, fsWindow []float64 // seconds
	censored          int
}

func readCompromises(path string) (*compromises, error) {
	c := &compromises{}
	vals := make([]float64, 3)
	err := scanCSV(path, []string{"healing_s", "censored", "fs_window_s"}, func(v []string) error {
		if err := parseFloats(vals, v); err != nil {
			return err
		}
		c.healing = append(c.healing, vals[0])
		c.fsWindow = append(c.fsWindow, vals[2])
		if vals[1] != 0 {
			c.censored++
		}
		return nil
	})
	return c, err
}

// Security plots the empirical CDFs of a run's PCS healing times and FS
// exposure windows, in hours, from its compromises file. Healing times of
// compromises that never healed run to the end of the run (censored) and
// the legend counts them.
func Security(compromisesPath, title string, st Style) (*plot.Plot, error) {
	c, err := readCompromises(compromisesPath)
	if err != nil {
		return nil, err
	}
	return securityCDF(c, title, st), nil
}

func securityCDF(c *compromises, title string, st Style) *plot.Plot {
	p := newPlot(title+": after a compromise", "hours", "share of compromises")
	if len(c.healing) == 0 {
		p.Title.Text += " (no compromises)"
		return p
	}
	var all []plotter.XYs
	healing := "PCS healing time"
	if c.censored > 0 {
		healing += fmt.Sprintf(" (%d never healed: censored)", c.censored)
	}
	for i, s := range []struct {
		name string
		vs   []float64
	}{{healing, c.healing}, {"FS exposure window", c.fsWindow}} {
		xys := ecdf(s.vs)
		all = append(all, xys)
		l, err := plotter.NewLine(xys)
		if err != nil {
			continue
		}
		l.LineStyle = lineStyle(st, i)
		l.StepStyle = plotter.PostStep
		p.Add(l)
		p.Legend.Add(s.name, l)
	}
	xmin, xmax, _, _ := xyRange(all...)
	setLinear(&p.X, min(0, xmin), xmax, 0)
	setLinear(&p.Y, 0, 1, legendRoom)
	return p
}

// ecdf returns the steps of the empirical CDF of seconds, in hours.
func ecdf(seconds []float64) plotter.XYs {
	s := slices.Clone(seconds)
	slices.Sort(s)
	xys := make(plotter.XYs, 0, len(s)+1)
	xys = append(xys, plotter.XY{X: 0, Y: 0})
	for i, v := range s {
		xys = append(xys, plotter.XY{X: v / 3600, Y: float64(i+1) / float64(len(s))})
	}
	return xys
}

// exists reports whether a result file is there (runs without compromises
// have no compromises file).
func exists(path string) bool {
	_, err := os.Stat(path)
	return !errors.Is(err, os.ErrNotExist)
}

// Package plots draws figures from cgkalab result files with gonum/plot.
//
// It reads result files only (the per-run <run>.json records and the
// <run>.events.csv and <run>.health.csv tables an experiment directory
// holds), finds columns by their header names, and never simulates: it
// imports no simulator or protocol package, so a figure can be redrawn
// from files copied off a cluster.
//
// Figures, each written as SVG, PNG and PDF. Per run:
//
//   - cost over time (CostOverTime): bytes uploaded per commit against
//     virtual time, one point per commit, with a rolling median;
//   - distributions (Distributions): per event kind, quantile bands of bytes
//     up on a log axis;
//   - tree health (TreeHealth): blank parents and unmerged leaves over time.
//
// Per experiment, one series per grid point (the runs of one parameter
// setting, seeds pooled):
//
//   - PCS healing (Healing): Kaplan–Meier survival curves of healing times,
//     step functions with their pointwise confidence band and a mark at
//     every censored time (a compromise still unhealed when its run ended);
//   - FS exposure windows (FSWindows): empirical CDFs, which are not
//     censored;
//   - cost against group size (CostVsSize): mean and p90 of commit bytes up
//     and mean bytes down per recipient against initial members, log-log;
//   - the frontier (Frontier), first when drawn: bytes downloaded per member
//     per day against the Kaplan–Meier median healing time with its
//     interval, one labelled point per setting, for experiments that sweep
//     an update, eviction or rotation setting, or the protocol (see
//     frontierKey), with compromises in two settings or more.
//
// Rules every figure keeps: a CDF or survival axis is exactly [0, 1];
// legends sit below the plot area and never cover data; sizes that span
// decades go on log axes; a series name has one colour, dash pattern and
// marker in every figure (Styles). Log axes cannot show zero or negative
// values (gonum panics on them): such points are left out and the legend or
// title says how many. Quantiles are nearest-rank, from gonum/stat through
// cgkalab/experiments/stats, as in the result summaries.
//
// Styles are passed explicitly as a Style; the package keeps no mutable
// defaults.
package plots

import (
	"errors"
	"fmt"
	"image/color"
	"io"
	"os"
	"path/filepath"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/vg"
)

// Style is the look of every figure.
type Style struct {
	// Width and Height are the figure's size without its legend, which
	// goes below and adds its own height.
	Width, Height vg.Length
	// Colors is the series palette, in slot order; at least one.
	Colors      []color.Color
	LineWidth   vg.Length
	PointRadius vg.Length
	// MaxPoints caps the points of a scatter; beyond it every k-th point
	// is drawn (and the legend says so). 0 means no cap.
	MaxPoints int
	// Formats are the file formats written, as gonum names them ("svg",
	// "png", "pdf", ...).
	Formats []string
	// DPI is the resolution of PNG files; 0 means gonum's default (96).
	DPI int
}

// DefaultStyle returns a fresh default style: 16×10 cm, the colour-blind
// safe palette of Okabe and Ito (without its yellow, too faint for lines
// on white), SVG, PNG at 192 dpi and PDF.
func DefaultStyle() Style {
	return Style{
		Width:  16 * vg.Centimeter,
		Height: 10 * vg.Centimeter,
		Colors: []color.Color{
			color.RGBA{0, 114, 178, 255},   // blue
			color.RGBA{213, 94, 0, 255},    // vermillion
			color.RGBA{0, 158, 115, 255},   // bluish green
			color.RGBA{204, 121, 167, 255}, // reddish purple
			color.RGBA{230, 159, 0, 255},   // orange
			color.RGBA{86, 180, 233, 255},  // sky blue
			color.RGBA{0, 0, 0, 255},       // black
		},
		LineWidth:   vg.Points(1.2),
		PointRadius: vg.Points(1.5),
		MaxPoints:   20000,
		Formats:     []string{"svg", "png", "pdf"},
		DPI:         192,
	}
}

func (st *Style) check() error {
	if st.Width <= 0 || st.Height <= 0 {
		return errors.New("plots: style needs a positive width and height")
	}
	if len(st.Formats) == 0 {
		return errors.New("plots: style names no file format")
	}
	if st.DPI < 0 {
		return errors.New("plots: negative DPI")
	}
	return nil
}

// Figure is one figure Draw wrote.
type Figure struct {
	// Base is the files' path without the format extension.
	Base string
	// Run is the run the figure shows; empty for a figure of the whole
	// experiment.
	Run string
	// Kind names the figure: cost, dist, health, frontier, healing,
	// fswindow, size.
	Kind string
	// Caption says what the figure shows and how to read it.
	Caption string
	// Files are the files written, one per format.
	Files []string
}

// Run draws every figure for the experiment directory dir into out (see
// Draw) and returns the files written, in order.
func Run(dir, out string, st Style) ([]string, error) {
	figs, err := Draw(dir, out, st)
	var files []string
	for _, f := range figs {
		files = append(files, f.Files...)
	}
	return files, err
}

// Draw draws every figure for the experiment directory dir into out:
// first the experiment's (healing and FS windows when the runs had
// compromises, cost against group size when they have more than one
// initial size), then per run its cost over time, distributions and tree
// health. On error it returns the figures written so far.
func Draw(dir, out string, st Style) ([]Figure, error) {
	if err := st.check(); err != nil {
		return nil, err
	}
	recs, err := readRecords(dir)
	if err != nil {
		return nil, err
	}
	if len(recs) == 0 {
		return nil, fmt.Errorf("%s: no finished runs", dir)
	}
	if err := os.MkdirAll(out, 0o755); err != nil {
		return nil, err
	}
	groups := groupRuns(recs)
	var labels []string
	for _, g := range groups {
		labels = append(labels, g.label)
	}
	styles := NewStyles(st, labels...)
	var figs []Figure
	save := func(p *plot.Plot, run, kind, caption string) error {
		base := filepath.Join(out, kind)
		if run != "" {
			base = filepath.Join(out, run+"."+kind)
		}
		files, err := Save(p, st, base)
		if len(files) > 0 {
			figs = append(figs, Figure{Base: base, Run: run, Kind: kind, Caption: caption, Files: files})
		}
		return err
	}
	exp, err := experimentFigures(dir, groups, st, styles)
	if err != nil {
		return figs, err
	}
	for _, f := range exp {
		if err := save(f.plot, "", f.kind, f.caption); err != nil {
			return figs, err
		}
	}
	for _, g := range groups {
		gs := styles.Of(g.label)
		for _, r := range g.recs {
			ev, err := readEvents(filepath.Join(dir, r.Run+".events.csv"))
			if err != nil {
				return figs, err
			}
			title := r.Experiment + " " + r.Run
			if err := save(costOverTime(ev, title, st, gs), r.Run, "cost", costCaption); err != nil {
				return figs, err
			}
			if err := save(distributions(ev, title, st, gs), r.Run, "dist", distCaption); err != nil {
				return figs, err
			}
			h, err := readHealth(filepath.Join(dir, r.Run+".health.csv"))
			if err != nil {
				return figs, err
			}
			if err := save(treeHealth(h, title, st, gs), r.Run, "health", healthCaption); err != nil {
				return figs, err
			}
		}
	}
	return figs, nil
}

// expFigure is an experiment-level figure before it is saved.
type expFigure struct {
	plot          *plot.Plot
	kind, caption string
}

// experimentFigures draws the figures over all runs.
func experimentFigures(dir string, groups []*group, st Style, styles *Styles) ([]expFigure, error) {
	var figs []expFigure
	comp, err := readGroupCompromises(dir, groups)
	if err != nil {
		return nil, err
	}
	if wantsFrontier(groups, comp) {
		pts, err := frontierPoints(dir, groups, comp)
		if err != nil {
			return nil, err
		}
		figs = append(figs, expFigure{frontier(pts, st, styles), "frontier", frontierCaption})
	}
	if len(comp) > 0 {
		figs = append(figs,
			expFigure{healing(comp, st, styles), "healing", healingCaption},
			expFigure{fsWindows(comp, st, styles), "fswindow", fsCaption})
	}
	sizes := map[int]bool{}
	for _, g := range groups {
		for _, r := range g.recs {
			sizes[r.Initial()] = true
		}
	}
	if len(sizes) > 1 {
		p, err := costVsSize(dir, groups, st, styles)
		if err != nil {
			return nil, err
		}
		figs = append(figs, expFigure{p, "size", sizeCaption})
	}
	return figs, nil
}

// writeAtomic writes a file through a temporary file in the same
// directory and a rename, so a reader never sees half a figure.
func writeAtomic(name string, wt io.WriterTo) (err error) {
	f, err := os.CreateTemp(filepath.Dir(name), "."+filepath.Base(name)+".tmp*")
	if err != nil {
		return err
	}
	defer func() {
		if err != nil {
			f.Close()
			os.Remove(f.Name())
		}
	}()
	if _, err := wt.WriteTo(f); err != nil {
		return fmt.Errorf("writing %s: %w", name, err)
	}
	if err := f.Chmod(0o644); err != nil { // CreateTemp made it private
		return err
	}
	if err := f.Sync(); err != nil {
		return err
	}
	if err := f.Close(); err != nil {
		return err
	}
	return os.Rename(f.Name(), name)
}

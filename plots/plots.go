// Package plots draws figures from cgkalab result files with gonum/plot.
//
// It reads result files only (the per-run <run>.json records and the
// <run>.events.csv and <run>.health.csv tables an experiment directory
// holds), finds columns by their header names, and never simulates: it
// imports no simulator or protocol package, so a figure can be redrawn
// from files copied off a cluster.
//
// Figures, each written as SVG and PNG:
//
//   - cost over time (CostOverTime): bytes uploaded per commit against
//     virtual time, one point per commit, with a rolling median;
//   - cost against group size (CostVsSize): mean and p90 of commit bytes up
//     and of bytes down per recipient against initial members, log-log,
//     pooled over the runs (seeds) of each size;
//   - distributions (Distributions): per event kind, quantile bands of bytes
//     up on a log axis;
//   - tree health (TreeHealth): blank parents and unmerged leaves over time;
//   - security (Security): CDFs of PCS healing times and FS exposure
//     windows, for runs with compromises.
//
// Log axes cannot show zero or negative values (gonum panics on them): such
// points are left out and the legend or title says how many. Quantiles are
// nearest-rank, as in the result summaries.
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
	"slices"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/vg"
)

// Style is the look of every figure.
type Style struct {
	Width, Height vg.Length
	// Colors are the series colours, in order; at least one.
	Colors      []color.Color
	LineWidth   vg.Length
	PointRadius vg.Length
	// MaxPoints caps the points of a scatter; beyond it every k-th point
	// is drawn (and the legend says so). 0 means no cap.
	MaxPoints int
	// Formats are the file formats written, as gonum names them ("svg",
	// "png", "pdf", ...).
	Formats []string
}

// DefaultStyle returns a fresh default style: 16×10 cm, a colour-blind
// safe palette (Okabe and Ito), SVG and PNG.
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
		},
		LineWidth:   vg.Points(1.2),
		PointRadius: vg.Points(1.5),
		MaxPoints:   20000,
		Formats:     []string{"svg", "png"},
	}
}

func (st *Style) color(i int) color.Color {
	if len(st.Colors) == 0 {
		return color.Black
	}
	return st.Colors[i%len(st.Colors)]
}

func (st *Style) check() error {
	if st.Width <= 0 || st.Height <= 0 {
		return errors.New("plots: style needs a positive width and height")
	}
	if len(st.Formats) == 0 {
		return errors.New("plots: style names no file format")
	}
	return nil
}

// Run draws every figure for the experiment directory dir into out: per
// run its cost over time, distributions and tree health, and the cost
// against group size when the runs have more than one initial size. It
// returns the files written, in order.
func Run(dir, out string, st Style) ([]string, error) {
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
	var files []string
	save := func(p *plot.Plot, name string) error {
		fs, err := Save(p, st, filepath.Join(out, name))
		files = append(files, fs...)
		return err
	}
	var sizes []int
	for _, r := range recs {
		ev, err := readEvents(filepath.Join(dir, r.Run+".events.csv"))
		if err != nil {
			return files, err
		}
		title := r.Experiment + " " + r.Run
		if err := save(costOverTime(ev, title, st), r.Run+".cost"); err != nil {
			return files, err
		}
		if err := save(distributions(ev, title, st), r.Run+".dist"); err != nil {
			return files, err
		}
		h, err := readHealth(filepath.Join(dir, r.Run+".health.csv"))
		if err != nil {
			return files, err
		}
		if err := save(treeHealth(h, title, st), r.Run+".health"); err != nil {
			return files, err
		}
		if cp := filepath.Join(dir, r.Run+".compromises.csv"); exists(cp) {
			c, err := readCompromises(cp)
			if err != nil {
				return files, err
			}
			if err := save(securityCDF(c, title, st), r.Run+".security"); err != nil {
				return files, err
			}
		}
		if !slices.Contains(sizes, r.Initial()) {
			sizes = append(sizes, r.Initial())
		}
	}
	if len(sizes) > 1 {
		p, err := CostVsSize(dir, st)
		if err != nil {
			return files, err
		}
		if err := save(p, "size"); err != nil {
			return files, err
		}
	}
	return files, nil
}

// Save writes p in each of st's formats to base.<format>, each file
// atomically, and returns the names written.
func Save(p *plot.Plot, st Style, base string) ([]string, error) {
	var files []string
	for _, f := range st.Formats {
		wt, err := p.WriterTo(st.Width, st.Height, f)
		if err != nil {
			return files, err
		}
		name := base + "." + f
		if err := writeAtomic(name, wt); err != nil {
			return files, err
		}
		files = append(files, name)
	}
	return files, nil
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
	if err := f.Sync(); err != nil {
		return err
	}
	if err := f.Close(); err != nil {
		return err
	}
	return os.Rename(f.Name(), name)
}

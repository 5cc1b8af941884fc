// Package report turns an experiment's results folder into a report a
// person can read or share: report.html, one self-contained page (figures
// inline as SVG, tables, the question, configuration, seeds, version and
// notes on censoring), and report.md, the same in Markdown with PNG
// figures for mailing lists and issues.
//
// It reads result files only, like the plots package whose figures it
// draws: the run records (<run>.json) and compromises files, never the
// simulator. Statistics come from cgkalab/experiments/stats: per setting
// (grid point), means over seeds with Student-t intervals, and healing as
// a Kaplan–Meier median over the compromises of all its seeds, with its
// Brookmeyer–Crowley interval, or "not reached". The output holds no
// clock time, so the same results give the same report.
package report

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"cgkalab/plots"
)

// Files written into the experiment folder.
const (
	HTMLFile     = "report.html"
	MarkdownFile = "report.md"
	// PlotsDir is the folder, within the experiment folder, of the
	// figures, which the Markdown report links to.
	PlotsDir = "plots"
)

// Options adjust a report.
type Options struct {
	// Style is the figures' style; nil means plots.DefaultStyle(). The
	// report needs its SVG and PNG formats and adds them.
	Style *plots.Style
	// Description stands in for the experiment's description where the
	// records carry none.
	Description string
}

// Write draws the figures of the experiment folder dir into dir/plots and
// writes dir/report.html and dir/report.md. It returns the two report
// files.
func Write(dir string, opt Options) ([]string, error) {
	files, _, err := WriteAll(dir, opt)
	return files, err
}

// WriteAll is Write that also returns the figure files it drew.
func WriteAll(dir string, opt Options) (reports, figures []string, err error) {
	st := plots.DefaultStyle()
	if opt.Style != nil {
		st = *opt.Style
	}
	for _, f := range []string{"svg", "png"} {
		if !slices.Contains(st.Formats, f) {
			st.Formats = append(st.Formats, f)
		}
	}
	pg, err := build(dir, st, opt)
	if err != nil {
		return nil, nil, err
	}
	figs, err := plots.Draw(dir, filepath.Join(dir, PlotsDir), st)
	if err != nil {
		return nil, nil, fmt.Errorf("figures: %w", err)
	}
	for _, f := range figs {
		figures = append(figures, f.Files...)
	}
	if err := pg.addFigures(figs); err != nil {
		return nil, nil, err
	}
	htmlPath, mdPath := filepath.Join(dir, HTMLFile), filepath.Join(dir, MarkdownFile)
	if err := writeFile(htmlPath, func(w *strings.Builder) error { return writeHTML(w, pg) }); err != nil {
		return nil, nil, err
	}
	if err := writeFile(mdPath, func(w *strings.Builder) error { return writeMarkdown(w, pg) }); err != nil {
		return nil, nil, err
	}
	return []string{htmlPath, mdPath}, figures, nil
}

// IsExperiment reports whether dir holds run records (as opposed to a
// results root holding experiment folders).
func IsExperiment(dir string) (bool, error) {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return false, err
	}
	return slices.ContainsFunc(entries, func(e os.DirEntry) bool {
		return !e.IsDir() && strings.HasSuffix(e.Name(), ".json") && !strings.HasPrefix(e.Name(), ".")
	}), nil
}

// writeFile writes a report through a temporary file and a rename.
func writeFile(path string, write func(*strings.Builder) error) error {
	var b strings.Builder
	if err := write(&b); err != nil {
		return fmt.Errorf("%s: %w", path, err)
	}
	tmp := path + ".tmp"
	if err := os.WriteFile(tmp, []byte(b.String()), 0o644); err != nil {
		return err
	}
	if err := os.Rename(tmp, path); err != nil {
		return errors.Join(err, os.Remove(tmp))
	}
	return nil
}

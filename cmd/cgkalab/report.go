package main

import (
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"

	"cgkalab/plots/report"
)

const reportUsage = `usage: cgkalab report DIR

Writes DIR/report.html (one self-contained page: figures inline as SVG,
tables, configuration, seeds, version and notes on censoring) and
DIR/report.md (Markdown with the PNG figures under DIR/plots, for mailing
lists and issues), redrawing the figures from the result files. DIR is an
experiment's results folder (results/<name>), or a folder of them
(results), which gets one report per experiment.
`

func runReport(args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("report", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	if err := fs.Parse(args); err != nil {
		fmt.Fprint(stderr, reportUsage)
		return usageError{"report: " + err.Error()}
	}
	if fs.NArg() != 1 {
		fmt.Fprint(stderr, reportUsage)
		return usageError{"report: give one results folder"}
	}
	dirs, err := experimentDirs(fs.Arg(0))
	if err != nil {
		return err
	}
	for _, d := range dirs {
		fmt.Fprintf(stderr, "report: %s\n", d)
		files, err := report.Write(d, report.Options{})
		if err != nil {
			return fmt.Errorf("report %s: %w", d, err)
		}
		for _, f := range files {
			fmt.Fprintln(stdout, f)
		}
	}
	return nil
}

// experimentDirs returns dir if it holds runs, else its subfolders that
// do.
func experimentDirs(dir string) ([]string, error) {
	ok, err := report.IsExperiment(dir)
	if err != nil {
		return nil, err
	}
	if ok {
		return []string{dir}, nil
	}
	entries, err := os.ReadDir(dir)
	if err != nil {
		return nil, err
	}
	var dirs []string
	for _, e := range entries {
		if !e.IsDir() {
			continue
		}
		sub := filepath.Join(dir, e.Name())
		if ok, err := report.IsExperiment(sub); err != nil {
			return nil, err
		} else if ok {
			dirs = append(dirs, sub)
		}
	}
	if len(dirs) == 0 {
		return nil, fmt.Errorf("%s: no run records (*.json) here or in its subfolders", dir)
	}
	return dirs, nil
}

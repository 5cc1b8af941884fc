package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"cgkalab/experiments"
	"cgkalab/plots"
	"cgkalab/plots/report"
)

const mergeUsage = `usage: cgkalab merge [--experiment FILE] [--no-plots] DIR [SHARDDIR...]

Joins the runs of one experiment that several 'cgkalab run --shard i/N'
processes wrote (the tasks of a Slurm job array or of a Kubernetes Indexed
Job: see experiments/cluster/) and writes summary.csv and the figures, as a
run of the whole experiment would. DIR and each SHARDDIR are experiment
folders, <out>/<name> (e.g. results/default):

  cgkalab merge results/default                  the shards wrote into one folder
  cgkalab merge results/default s0/default s1/default
                                                 each shard wrote its own folder;
                                                 their runs are copied into DIR

Merge checks that every run of the experiment is there exactly once, that all
records agree on the experiment and its configuration, and that every file
matches the SHA-256 its record holds; otherwise it says what is wrong and
exits with status 3. Result files in DIR that belong to no run of the
experiment are moved into DIR/stale/.

  --experiment FILE  merge the runs of FILE (or default) as it now stands and
                     pass over results of other configurations; without it
                     the folders must hold runs of one configuration only
  --no-plots         skip the figures
`

func runMerge(args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("merge", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	specFile := fs.String("experiment", "", "experiment file")
	noPlots := fs.Bool("no-plots", false, "skip figures")
	var dirs []string
	rest := args
	for {
		if err := fs.Parse(rest); err != nil {
			if errors.Is(err, flag.ErrHelp) {
				fmt.Fprint(stdout, mergeUsage)
				return nil
			}
			fmt.Fprint(stderr, mergeUsage)
			return usageError{"merge: " + err.Error()}
		}
		if fs.NArg() == 0 {
			break
		}
		dirs = append(dirs, fs.Arg(0))
		rest = fs.Args()[1:]
	}
	if len(dirs) == 0 {
		fmt.Fprint(stderr, mergeUsage)
		return usageError{"merge: no experiment folder given"}
	}
	for i, d := range dirs {
		if i == 0 && len(dirs) > 1 {
			continue // made if need be
		}
		if st, err := os.Stat(d); err != nil || !st.IsDir() {
			return badInput{fmt.Errorf("merge: %s is not a folder", d)}
		}
	}
	var spec *experiments.Spec
	if *specFile != "" {
		var err error
		if spec, err = loadSpec([]string{*specFile}); err != nil {
			return err
		}
	}
	out, from := dirs[0], dirs[1:]
	recs, err := experiments.Merge(out, from, spec, stderr)
	if err != nil {
		return fmt.Errorf("merge: %w", err)
	}
	fmt.Fprintf(stderr, "merged %d runs into %s\n", len(recs), out)
	description := ""
	if spec != nil {
		description = spec.Description
	}
	if err := drawOutputs(out, recs, *noPlots, description, stderr); err != nil {
		return err
	}
	printSummary(stdout, &experiments.Spec{Name: recs[0].Experiment}, out, recs)
	return nil
}

// drawOutputs draws what an experiment folder shows beyond its runs and
// summary.csv: the figures, and the report once it exists. A run of a
// whole experiment and a merge both end here, so both show the same.
func drawOutputs(dir string, recs []*experiments.Record, noPlots bool, description string, stderr io.Writer) error {
	if noPlots {
		return nil
	}
	st := plots.DefaultStyle()
	plotDir := filepath.Join(dir, report.PlotsDir)
	reports, files, err := report.WriteAll(dir, report.Options{Style: &st, Description: description})
	if err != nil {
		return fmt.Errorf("figures and report: %w", err)
	}
	fmt.Fprintf(stderr, "wrote %d figures under %s and %s\n", len(files), plotDir, strings.Join(reports, ", "))
	return pruneFigures(plotDir, files, st.Formats, stderr)
}

// pruneFigures removes the figures in plotDir that this drawing did not
// write (those of runs no longer in the experiment) and temporary files
// an interrupted drawing left, so that the folder shows the current runs
// only. Figures are derived and can be drawn again.
func pruneFigures(plotDir string, wrote, formats []string, stderr io.Writer) error {
	entries, err := os.ReadDir(plotDir)
	if err != nil {
		return err
	}
	var removed []string
	for _, e := range entries {
		n := e.Name()
		ext := strings.TrimPrefix(filepath.Ext(n), ".")
		temp := strings.HasPrefix(n, ".") && strings.Contains(n, ".tmp")
		figure := slices.Contains(formats, ext) && !slices.Contains(wrote, filepath.Join(plotDir, n))
		if !e.Type().IsRegular() || !(temp || figure) {
			continue
		}
		if err := os.Remove(filepath.Join(plotDir, n)); err != nil && !errors.Is(err, os.ErrNotExist) {
			return err
		}
		if !temp {
			removed = append(removed, n)
		}
	}
	if len(removed) > 0 {
		fmt.Fprintf(stderr, "removed %d figures of runs no longer in the experiment from %s\n", len(removed), plotDir)
	}
	return nil
}

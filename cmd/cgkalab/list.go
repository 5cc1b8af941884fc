package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"
	"text/tabwriter"

	"cgkalab/experiments"
)

const listUsage = `usage: cgkalab list [NAME]

Lists the named experiments shipped with cgkalab, each with the question it
answers. With NAME, prints that experiment's file: its comments say what to
look at in its report and what its full run costs; copy it to change it.

  cgkalab run NAME           runs it at full scale, results in results/NAME/
  cgkalab run NAME --quick   runs its quick form (the file's quick: section:
                             the same question at a small scale, in well under
                             a minute), results in results/NAME-quick/
`

func runList(args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("list", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			fmt.Fprint(stdout, listUsage)
			return nil
		}
		fmt.Fprint(stderr, listUsage)
		return usageError{"list: " + err.Error()}
	}
	switch fs.NArg() {
	case 0:
	case 1:
		data, ok := experiments.LibraryYAML(fs.Arg(0))
		if !ok {
			return usageError{fmt.Sprintf("list: no named experiment %q (the library has %s)", fs.Arg(0), strings.Join(experiments.LibraryNames(), ", "))}
		}
		_, err := stdout.Write(data)
		return err
	default:
		fmt.Fprint(stderr, listUsage)
		return usageError{"list: one experiment at a time"}
	}
	lib, err := experiments.Library()
	if err != nil {
		return fmt.Errorf("list: %w", err)
	}
	tw := tabwriter.NewWriter(stdout, 2, 8, 2, ' ', 0)
	for _, n := range lib {
		fmt.Fprintf(tw, "%s\t%s\n", n.Name, n.Question)
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	fmt.Fprintln(stdout, "\n'cgkalab run NAME [--quick]' runs one; 'cgkalab list NAME' prints its file.")
	return nil
}

// loadExperiment loads the experiment arg names, in its quick form if
// quick: the built-in default for "" or "default"; else the file at arg
// if there is one (or arg has a directory or a YAML extension); else the
// named experiment of the library. An
// experiment that cannot be used is bad input; a name that is neither a
// file nor in the library is a usage error.
func loadExperiment(arg string, quick bool) (*experiments.Spec, error) {
	if arg == "" || arg == "default" {
		if quick {
			spec, err := experiments.DecodeQuick(experiments.DefaultFile, experiments.DefaultYAML())
			return spec, badInputOrNil(err)
		}
		return experiments.Default(), nil
	}
	load := experiments.Load
	if quick {
		load = experiments.LoadQuick
	}
	if fi, err := os.Stat(arg); (err == nil && !fi.IsDir()) || looksLikePath(arg) {
		spec, err := load(arg)
		return spec, badInputOrNil(err)
	}
	spec, err := experiments.LoadNamed(arg, quick)
	if errors.Is(err, experiments.ErrUnknownExperiment) {
		return nil, usageError{fmt.Sprintf("run: %q is neither an experiment file nor a named experiment (cgkalab list shows them: %s)",
			arg, strings.Join(experiments.LibraryNames(), ", "))}
	}
	return spec, badInputOrNil(err)
}

// looksLikePath reports whether arg can only mean a file: it has a
// directory or a YAML extension.
func looksLikePath(arg string) bool {
	return strings.ContainsRune(arg, os.PathSeparator) || strings.ContainsRune(arg, '/') ||
		strings.HasSuffix(arg, ".yaml") || strings.HasSuffix(arg, ".yml")
}

func badInputOrNil(err error) error {
	if err == nil {
		return nil
	}
	return badInput{err}
}

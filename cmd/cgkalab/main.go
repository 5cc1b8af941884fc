// Command cgkalab runs large-group key agreement experiments, benchmarks and
// conformance checks. It is the only place with flags, files and exit codes.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"runtime/debug"
)

func main() {
	if err := run(os.Args[1:], os.Stdout, os.Stderr); err != nil {
		var u usageError
		if !errors.As(err, &u) || u.msg != "" {
			fmt.Fprintln(os.Stderr, "cgkalab:", err)
		}
		os.Exit(exitCode(err))
	}
}

// usageError marks a mistake in the command line (exit status 2).
type usageError struct{ msg string }

func (e usageError) Error() string { return e.msg }

func exitCode(err error) int {
	var u usageError
	if errors.As(err, &u) {
		return 2
	}
	return 1
}

const usage = `cgkalab: a simulation and benchmarking lab for large-group key agreement (MLS, RFC 9420)

Usage:
  cgkalab <command> [arguments]

Commands:
  run         run an experiment (default: the built-in one) and write results and figures
  report      write an HTML and a Markdown report of a results folder
  bench tree  commit creation/processing cost vs its own cryptography
  conformance run the official MLS test vectors found in a directory
  sizes       exact wire sizes of MLS messages per cipher suite and group size
  version     print the version of this build
  help        print this help

Run 'cgkalab help' for this text.
`

func run(args []string, stdout, stderr io.Writer) error {
	if len(args) == 0 {
		fmt.Fprint(stderr, usage)
		return usageError{"no command given"}
	}
	switch cmd, rest := args[0], args[1:]; cmd {
	case "help", "-h", "-help", "--help":
		fmt.Fprint(stdout, usage)
		return nil
	case "run":
		ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
		defer stop()
		return runRun(ctx, rest, stdout, stderr)
	case "report":
		return runReport(rest, stdout, stderr)
	case "bench":
		return runBench(rest, stdout, stderr)
	case "conformance":
		return runConformance(rest, stdout, stderr)
	case "sizes":
		return runSizes(rest, stdout, stderr)
	case "version", "--version":
		return runVersion(rest, stdout)
	default:
		fmt.Fprint(stderr, usage)
		return usageError{fmt.Sprintf("unknown command %q", cmd)}
	}
}

func runVersion(args []string, stdout io.Writer) error {
	fs := flag.NewFlagSet("version", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	if err := fs.Parse(args); err != nil {
		return usageError{"version: " + err.Error()}
	}
	fmt.Fprintln(stdout, "cgkalab", version())
	return nil
}

// version reports the module version and VCS revision recorded at build time.
func version() string {
	info, ok := debug.ReadBuildInfo()
	if !ok {
		return "(unknown)"
	}
	v := info.Main.Version
	for _, s := range info.Settings {
		switch s.Key {
		case "vcs.revision":
			v += " " + s.Value
		case "vcs.modified":
			if s.Value == "true" {
				v += "+dirty"
			}
		}
	}
	return v
}

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
	"syscall"

	"cgkalab/experiments"
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

// Exit statuses, listed in the usage text too, so that a script or a job
// scheduler can tell whether to fix the command line, fix an input file,
// run again, or read the error.
const (
	exitFailure  = 1 // anything else: I/O, a failing simulation or check
	exitUsage    = 2 // the command line: unknown command, bad flag or argument
	exitBadInput = 3 // an experiment file or result files that cannot be used
	// A run stopped by a signal exits with 128 + the signal's number, as a
	// shell reports a process the signal ended: 130 after SIGINT, 143
	// after SIGTERM. The runs finished by then are kept.
	exitSignalBase = 128
)

// usageError marks a mistake in the command line (exit status 2).
type usageError struct{ msg string }

func (e usageError) Error() string { return e.msg }

// badInput marks an input file that cannot be used (exit status 3).
type badInput struct{ err error }

func (e badInput) Error() string { return e.err.Error() }
func (e badInput) Unwrap() error { return e.err }

// interrupted reports a command that a signal stopped (exit status 128 +
// the signal's number).
type interrupted struct {
	sig syscall.Signal
	msg string
}

func (e interrupted) Error() string { return "interrupted by " + signalName(e.sig) + ": " + e.msg }

func signalName(s syscall.Signal) string {
	switch s {
	case syscall.SIGINT:
		return "SIGINT"
	case syscall.SIGTERM:
		return "SIGTERM"
	}
	return s.String()
}

func exitCode(err error) int {
	var (
		u  usageError
		b  badInput
		in interrupted
	)
	switch {
	case errors.As(err, &in):
		return exitSignalBase + int(in.sig)
	case errors.As(err, &u):
		return exitUsage
	case errors.As(err, &b), errors.Is(err, experiments.ErrInconsistent):
		return exitBadInput
	}
	return exitFailure
}

// signalCause is the cause of a context that a signal cancelled.
type signalCause struct{ sig syscall.Signal }

func (c signalCause) Error() string { return signalName(c.sig) + " received" }

// signalContext returns a context that SIGINT or SIGTERM cancels with a
// signalCause. The first signal restores the default action, so that a
// second one ends the process at once. stop releases the handler.
func signalContext() (ctx context.Context, stop func()) {
	ctx, cancel := context.WithCancelCause(context.Background())
	ch := make(chan os.Signal, 1)
	signal.Notify(ch, syscall.SIGINT, syscall.SIGTERM)
	done := make(chan struct{})
	go func() {
		select {
		case s := <-ch:
			signal.Stop(ch)
			sig, _ := s.(syscall.Signal)
			cancel(signalCause{sig})
		case <-done:
		}
	}()
	return ctx, func() {
		signal.Stop(ch)
		close(done)
		cancel(nil)
	}
}

// stoppedBy returns the signal that cancelled ctx, if one did.
func stoppedBy(ctx context.Context) (syscall.Signal, bool) {
	var c signalCause
	if errors.As(context.Cause(ctx), &c) {
		return c.sig, true
	}
	return 0, false
}

const usage = `cgkalab: a simulation and benchmarking lab for large-group key agreement (MLS, RFC 9420)

Usage:
  cgkalab <command> [arguments]

Commands:
  run         run an experiment (default: the built-in one) and write results and figures
  list        list the named experiments and their questions (run NAME [--quick] runs one)
  merge       join the runs that sharded 'run --shard i/N' processes wrote
  report      write an HTML and a Markdown report of a results folder
  bench       benchmarks (tree, sim) in Go benchmark format; compare and history of result files; peers
  conformance run the official MLS test vectors found in a directory
  sizes       exact wire sizes of MLS messages per cipher suite and group size
  version     print the version of this build
  help        print this help

Exit status:
  0    success
  1    failure: I/O, a failing simulation or check
  2    usage error: unknown command, bad flag or argument
  3    bad input: an experiment file or result files that cannot be used
  130  interrupted by SIGINT (143: by SIGTERM); finished runs are kept, and
       running the same command again goes on where it stopped

Run 'cgkalab help' for this text, 'cgkalab <command> -h' for a command's.
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
		ctx, stop := signalContext()
		defer stop()
		return runRun(ctx, rest, stdout, stderr)
	case "list":
		return runList(rest, stdout, stderr)
	case "merge":
		return runMerge(rest, stdout, stderr)
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

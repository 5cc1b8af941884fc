package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"time"

	"cgkalab/bench"
	"cgkalab/models/suite"
	"cgkalab/plots"
)

const benchUsage = `usage: cgkalab bench <command> [flags]

Commands:
  tree      commit creation and processing cost against its own cryptography
  sim       simulator events per second and memory per member at fixed specs
  compare   compare two result files (benchstat's statistics), fail on regressions
  history   draw one metric across many result files in commit order
  peers     cgkalab and ts-mls (node) through the same scenarios, side by side

Run 'cgkalab bench <command> -h' for its flags. Results are written in the
Go benchmark format (readable by benchstat) with -o FILE or --format bench;
go doc cgkalab/bench lists the units and which direction is better.
`

const benchTreeUsage = `usage: cgkalab bench tree [--sizes 10,14] [--runs 6] [--suite 1] [--shapes warm,built]
                        [--format text|bench] [-o FILE] [--config key=value]...

Measures full-path commit creation and processing on synthetic trees of
2^k members and compares each with the summed time of its own cryptographic
operations. Sizes are given as powers of two (1 to 24). Progress goes to
stderr, the table to stdout.
` + resultFlagsUsage

const benchSimUsage = `usage: cgkalab bench sim [--specs full-64,sampled-4096] [--count 5]
                       [--format text|bench] [-o FILE] [--config key=value]...

Runs fixed simulations (go doc cgkalab/bench SimSpecs) count times each and
reports simulated events per second, CPU time per event, the live heap at
the end of the run per initial member, and the CPU time per event in units
of a reference operation (one suite-1 HPKE encryption) measured in the same
process. Progress goes to stderr, the table to stdout.
` + resultFlagsUsage

const resultFlagsUsage = `
  --format text    an aligned table on stdout (default)
  --format bench   the Go benchmark format on stdout instead
  -o FILE          also write the Go benchmark format to FILE
  --config k=v     add or override a configuration line of the results
                   (e.g. commit=abc123 where the build has no VCS stamps)
`

const benchCompareUsage = `usage: cgkalab bench compare OLD NEW [--threshold 5%] [--metric unit,...] [--alpha 0.05]

Compares two result files as benchstat does (golang.org/x/perf/benchmath):
per unit and benchmark, the median of each side with its 95% confidence
interval, the change, and the p-value of the Mann-Whitney U test ("~" when
the change is not significant at --alpha). Byte sizes are exact: any change
counts. A significant change in the worse direction by more than
--threshold is a regression; the exit status is then 1. Units whose better
direction is unknown are shown but never fail. Benchmarks present on one
side only are listed.

  --threshold P  regression threshold, a percentage (default 5%)
  --metric U,... compare only these units (e.g. ns/commit,events/s)
  --alpha A      significance level, in (0, 1) (default 0.05)
`

const benchHistoryUsage = `usage: cgkalab bench history FILE... --metric UNIT [--filter EXPR] [-o OUT]

Draws the median of one unit across result files, one line per benchmark.
The files are put in commit order by their commit-time configuration when
every file has one, else kept in the order given; each is labelled by its
commit, else its version, else its name.

  --metric UNIT  the unit to draw (required), e.g. ns/commit
  --filter EXPR  a benchproc filter choosing benchmarks,
                 e.g. '.name:CommitCreate /members:4096'
  -o OUT         the figure: OUT.svg and OUT.png, or only OUT if it ends
                 in .svg or .png (default history)
`

func runBench(args []string, stdout, stderr io.Writer) error {
	if len(args) == 0 {
		fmt.Fprint(stderr, benchUsage)
		return usageError{"bench: expected a command: tree, sim, compare, history or peers"}
	}
	switch cmd, rest := args[0], args[1:]; cmd {
	case "tree":
		return runBenchTree(rest, stdout, stderr)
	case "sim":
		return runBenchSim(rest, stdout, stderr)
	case "compare":
		return runBenchCompare(rest, stdout, stderr)
	case "history":
		return runBenchHistory(rest, stdout, stderr)
	case "peers":
		return runPeers(rest, stdout, stderr)
	case "help", "-h", "-help", "--help":
		fmt.Fprint(stdout, benchUsage)
		return nil
	default:
		fmt.Fprint(stderr, benchUsage)
		return usageError{fmt.Sprintf("bench: unknown command %q: want tree, sim, compare or history", cmd)}
	}
}

// parseFlags parses args with flags and positional arguments in any
// order. It prints usage to stdout for -h (returning errHelp) and to
// stderr for a bad flag.
func parseFlags(fs *flag.FlagSet, args []string, usage string, stdout, stderr io.Writer) ([]string, error) {
	fs.SetOutput(io.Discard)
	var positional []string
	for {
		if err := fs.Parse(args); err != nil {
			if errors.Is(err, flag.ErrHelp) {
				fmt.Fprint(stdout, usage)
				return nil, errHelp
			}
			fmt.Fprint(stderr, usage)
			return nil, usageError{fs.Name() + ": " + err.Error()}
		}
		if fs.NArg() == 0 {
			return positional, nil
		}
		positional = append(positional, fs.Arg(0))
		args = fs.Args()[1:]
	}
}

// errHelp ends a command that printed its usage on request.
var errHelp = errors.New("help")

func helpOK(err error) error {
	if errors.Is(err, errHelp) {
		return nil
	}
	return err
}

// intFlag checks that a numeric flag lies in [lo, hi].
func intFlag(cmd, name string, v, lo, hi int) error {
	if v < lo || v > hi {
		return usageError{fmt.Sprintf("%s: --%s %d: want %d to %d", cmd, name, v, lo, hi)}
	}
	return nil
}

// parseSuiteID reads one cipher suite code point, decimal or 0x-hex, and
// checks that this build implements it.
func parseSuiteID(v string) (*suite.Suite, error) {
	id, err := strconv.ParseUint(strings.TrimSpace(v), 0, 64)
	if err != nil {
		return nil, fmt.Errorf("%q is not a cipher suite code point (decimal or 0x-hex)", v)
	}
	if id > 0xFFFF {
		return nil, fmt.Errorf("%s is outside the 16-bit code point range 0 to 0xFFFF", v)
	}
	return suite.ByID(suite.ID(id))
}

// resultOut holds the flags that choose where results go.
type resultOut struct {
	format string
	file   string
	config []string
}

func (o *resultOut) register(fs *flag.FlagSet) {
	fs.StringVar(&o.format, "format", "text", "")
	fs.StringVar(&o.file, "o", "", "")
	fs.Func("config", "", func(v string) error { o.config = append(o.config, v); return nil })
}

func (o *resultOut) check(cmd string, formats ...string) error {
	if !slices.Contains(formats, o.format) {
		return usageError{fmt.Sprintf("%s: --format %q: want %s", cmd, o.format, strings.Join(formats, " or "))}
	}
	if _, err := bench.FileConfig(version(), o.config); err != nil {
		return usageError{fmt.Sprintf("%s: --config: %v", cmd, err)}
	}
	return nil
}

// resultSink writes results to stdout and/or a file, the file through a
// temporary file renamed into place by Close, so that an interrupted
// benchmark leaves no half-written result file.
type resultSink struct {
	text    io.Writer // the human-readable output: stdout, or io.Discard
	writers []*bench.ResultWriter
	tmp     *os.File
	final   string
}

func (o *resultOut) open(stdout io.Writer) (*resultSink, error) {
	cfg, err := bench.FileConfig(version(), o.config)
	if err != nil {
		return nil, err
	}
	s := &resultSink{text: stdout, final: o.file}
	if o.format == "bench" {
		s.text = io.Discard
		s.writers = append(s.writers, bench.NewResultWriter(stdout, cfg))
	}
	if o.file != "" {
		if s.tmp, err = os.CreateTemp(filepath.Dir(o.file), "."+filepath.Base(o.file)+".tmp*"); err != nil {
			return nil, err
		}
		s.writers = append(s.writers, bench.NewResultWriter(s.tmp, cfg))
	}
	return s, nil
}

func (s *resultSink) write(fn func(*bench.ResultWriter) error) error {
	for _, w := range s.writers {
		if err := fn(w); err != nil {
			return err
		}
	}
	return nil
}

// close renames the file into place after a success (err == nil) and
// removes it otherwise; it returns err or the error of closing.
func (s *resultSink) close(err error) error {
	if s.tmp == nil {
		return err
	}
	if err == nil {
		err = s.tmp.Close()
		if err == nil {
			err = os.Chmod(s.tmp.Name(), 0o644)
		}
		if err == nil {
			err = os.Rename(s.tmp.Name(), s.final)
		}
	}
	if err != nil {
		s.tmp.Close()
		os.Remove(s.tmp.Name())
	}
	return err
}

func runBenchTree(args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("bench tree", flag.ContinueOnError)
	sizes := fs.String("sizes", "10,14", "")
	runs := fs.Int("runs", 6, "")
	suiteFlag := fs.String("suite", "1", "")
	shapes := fs.String("shapes", "warm,built", "")
	var out resultOut
	out.register(fs)
	pos, err := parseFlags(fs, args, benchTreeUsage, stdout, stderr)
	if err != nil {
		return helpOK(err)
	}
	if len(pos) > 0 {
		return usageError{fmt.Sprintf("bench tree: unexpected argument %q", pos[0])}
	}
	var ns []int
	for _, f := range strings.Split(*sizes, ",") {
		k, err := strconv.Atoi(strings.TrimSpace(f))
		if err != nil || k < 1 || k > 24 {
			return usageError{fmt.Sprintf("bench tree: --sizes: %q is not a power-of-two exponent in 1..24", f)}
		}
		ns = append(ns, 1<<k)
	}
	var sh []bench.TreeShape
	for _, f := range strings.Split(*shapes, ",") {
		switch s := bench.TreeShape(strings.TrimSpace(f)); s {
		case bench.Warm, bench.Built:
			sh = append(sh, s)
		default:
			return usageError{fmt.Sprintf("bench tree: --shapes: unknown shape %q", f)}
		}
	}
	if err := intFlag("bench tree", "runs", *runs, 1, 1000); err != nil {
		return err
	}
	s, err := parseSuiteID(*suiteFlag)
	if err != nil {
		return usageError{"bench tree: --suite: " + err.Error()}
	}
	if err := out.check("bench tree", "text", "bench"); err != nil {
		return err
	}
	sink, err := out.open(stdout)
	if err != nil {
		return err
	}
	rows, err := bench.TreeTable(s, ns, sh, *runs, stderr)
	if err == nil {
		err = sink.write(func(w *bench.ResultWriter) error { return bench.WriteTreeResults(w, uint16(s.ID), rows) })
	}
	if err = sink.close(err); err != nil {
		return err
	}
	fmt.Fprintf(sink.text, "suite %s, median of %d runs\n", s, *runs)
	bench.WriteTreeTable(sink.text, rows)
	return nil
}

func runBenchSim(args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("bench sim", flag.ContinueOnError)
	var names []string
	for _, s := range bench.SimSpecs {
		names = append(names, s.Name)
	}
	specsFlag := fs.String("specs", strings.Join(names, ","), "")
	count := fs.Int("count", 5, "")
	var out resultOut
	out.register(fs)
	pos, err := parseFlags(fs, args, benchSimUsage, stdout, stderr)
	if err != nil {
		return helpOK(err)
	}
	if len(pos) > 0 {
		return usageError{fmt.Sprintf("bench sim: unexpected argument %q", pos[0])}
	}
	var specs []bench.SimSpec
	for _, f := range strings.Split(*specsFlag, ",") {
		s, ok := bench.SimSpecByName(strings.TrimSpace(f))
		if !ok {
			return usageError{fmt.Sprintf("bench sim: --specs: unknown spec %q: want %s", f, strings.Join(names, ", "))}
		}
		specs = append(specs, s)
	}
	if err := intFlag("bench sim", "count", *count, 1, 1000); err != nil {
		return err
	}
	if err := out.check("bench sim", "text", "bench"); err != nil {
		return err
	}
	sink, err := out.open(stdout)
	if err != nil {
		return err
	}
	var results []bench.SimResult
	for _, spec := range specs {
		for i := range *count {
			fmt.Fprintf(stderr, "bench sim: %s: run %d of %d\n", spec.Name, i+1, *count)
			var r bench.SimResult
			if r, err = bench.MeasureSim(context.Background(), spec); err != nil {
				break
			}
			fmt.Fprintf(stderr, "bench sim: %s: %d events in %s\n", spec.Name, r.Events, r.Elapsed.Round(time.Millisecond))
			results = append(results, r)
		}
		if err != nil {
			break
		}
	}
	if err == nil {
		err = sink.write(func(w *bench.ResultWriter) error { return bench.WriteSimResults(w, results) })
	}
	if err = sink.close(err); err != nil {
		return err
	}
	bench.WriteSimTable(sink.text, results)
	return nil
}

func runBenchCompare(args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("bench compare", flag.ContinueOnError)
	threshold := fs.String("threshold", "5%", "")
	metric := fs.String("metric", "", "")
	alpha := fs.Float64("alpha", 0.05, "")
	pos, err := parseFlags(fs, args, benchCompareUsage, stdout, stderr)
	if err != nil {
		return helpOK(err)
	}
	if len(pos) != 2 {
		fmt.Fprint(stderr, benchCompareUsage)
		return usageError{fmt.Sprintf("bench compare: want two result files, OLD and NEW, got %d arguments", len(pos))}
	}
	o := bench.CompareOptions{Alpha: *alpha}
	if o.Threshold, err = bench.ParsePercent(*threshold); err != nil {
		return usageError{"bench compare: --threshold " + err.Error()}
	}
	if !(*alpha > 0 && *alpha < 1) {
		return usageError{fmt.Sprintf("bench compare: --alpha %v: want a level between 0 and 1, e.g. 0.05", *alpha)}
	}
	for _, u := range strings.Split(*metric, ",") {
		if u = strings.TrimSpace(u); u != "" {
			o.Units = append(o.Units, u)
		}
	}
	c, err := bench.Compare(pos[0], pos[1], o)
	if err != nil {
		return fmt.Errorf("bench compare: %w", err)
	}
	if err := bench.WriteComparison(stdout, c, o); err != nil {
		return err
	}
	return c.Err(o)
}

func runBenchHistory(args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("bench history", flag.ContinueOnError)
	metric := fs.String("metric", "", "")
	filter := fs.String("filter", "", "")
	outFlag := fs.String("o", "history", "")
	files, err := parseFlags(fs, args, benchHistoryUsage, stdout, stderr)
	if err != nil {
		return helpOK(err)
	}
	if len(files) == 0 {
		fmt.Fprint(stderr, benchHistoryUsage)
		return usageError{"bench history: want one or more result files"}
	}
	if strings.TrimSpace(*metric) == "" {
		fmt.Fprint(stderr, benchHistoryUsage)
		return usageError{"bench history: --metric is required, e.g. --metric ns/commit"}
	}
	h, err := bench.ReadHistory(files, strings.TrimSpace(*metric), *filter)
	if err != nil {
		return fmt.Errorf("bench history: %w", err)
	}
	series := make([]plots.HistorySeries, len(h.Series))
	for i, s := range h.Series {
		series[i] = plots.HistorySeries{Name: s.Name, Values: s.Values}
	}
	st := plots.DefaultStyle()
	base := *outFlag
	if ext := filepath.Ext(base); ext == ".svg" || ext == ".png" {
		st.Formats, base = []string{ext[1:]}, strings.TrimSuffix(base, ext)
	}
	title := fmt.Sprintf("%s across %d result files", h.Unit, len(h.Files))
	if h.Better != 0 {
		title += map[bool]string{true: " (higher is better)", false: " (lower is better)"}[h.Better > 0]
	}
	if h.Common != "" {
		title += "\n" + h.Common
	}
	p, err := plots.History(title, h.Unit, h.Labels, series, st)
	if err != nil {
		return err
	}
	written, err := plots.Save(p, st, base)
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "%d benchmarks over %d files, in this order:\n", len(h.Series), len(h.Files))
	if len(h.Series) > 10 {
		fmt.Fprintln(stderr, "bench history: more than 10 lines; --filter picks fewer")
	}
	for i, f := range h.Files {
		fmt.Fprintf(stdout, "  %s  %s\n", h.Labels[i], f)
	}
	fmt.Fprintf(stdout, "wrote %s\n", strings.Join(written, ", "))
	return nil
}

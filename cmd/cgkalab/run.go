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
	"text/tabwriter"

	"cgkalab/bench"
	"cgkalab/experiments"
	"cgkalab/sim/driver"
)

const runUsage = `usage: cgkalab run [FILE|NAME|default] [--quick] [--out DIR] [--seed S] [--shard i/N] [--no-plots]

Runs an experiment: with no argument, the built-in default (one simulated day
of an MLS group with churn, messages and offline members, at three sizes); a
NAME that is not a file is one of the named experiments 'cgkalab list' shows.
Results go to DIR/<name>/ (default DIR: results): per run an events CSV, a
tree-health CSV (and a compromises CSV when the experiment compromises
members) and a JSON record written last, which holds the SHA-256 of the
others. Then summary.csv and figures under DIR/<name>/plots/. Progress goes
to stderr, a summary table to stdout; last the report (report.html and
report.md, see cgkalab report).

A rerun skips the runs whose record matches the experiment as it now stands
and whose files still match their digests, and redoes the others. Files of
another configuration, or of runs no longer in the experiment, are moved into
DIR/<name>/stale/ (with a note on stderr), never mixed into the results.

  --quick      run the experiment's quick form: its quick: section applied
               (the same question at a small scale), results in DIR/<name>-quick/
  --seed S     run only the runs of seed S, which must be one of the file's
               seeds; summary.csv and figures are left to a full run or merge
  --shard i/N  run every N-th run starting at i (0-based), e.g. for job arrays
               (Slurm, Kubernetes Indexed Jobs: see experiments/cluster/);
               summary.csv and figures are left to 'cgkalab merge'
  --no-plots   skip the figures

SIGINT (Ctrl-C) or SIGTERM stops the run after the event in flight; finished
runs keep their files, the command exits with status 130 (143 for SIGTERM),
and running it again goes on. A second signal ends it at once.
`

// seedFlag is --seed: set or not, so that seed 0 can be chosen.
type seedFlag struct {
	set  bool
	seed uint64
}

func (f *seedFlag) String() string { return strconv.FormatUint(f.seed, 10) }

func (f *seedFlag) Set(s string) error {
	v, err := strconv.ParseUint(s, 10, 64)
	if err != nil {
		return fmt.Errorf("want a seed in [0, 2^64), got %q", s)
	}
	f.set, f.seed = true, v
	return nil
}

func runRun(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("run", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	out := fs.String("out", "results", "output directory")
	var seed seedFlag
	fs.Var(&seed, "seed", "run only this seed")
	shardFlag := fs.String("shard", "", "i/N")
	noPlots := fs.Bool("no-plots", false, "skip figures")
	quick := fs.Bool("quick", false, "run the quick form")
	// Allow the experiment before or after the flags.
	var positional []string
	rest := args
	for {
		if err := fs.Parse(rest); err != nil {
			if errors.Is(err, flag.ErrHelp) {
				fmt.Fprint(stdout, runUsage)
				return nil
			}
			fmt.Fprint(stderr, runUsage)
			return usageError{"run: " + err.Error()}
		}
		if fs.NArg() == 0 {
			break
		}
		positional = append(positional, fs.Arg(0))
		rest = fs.Args()[1:]
	}
	if len(positional) > 1 {
		fmt.Fprint(stderr, runUsage)
		return usageError{fmt.Sprintf("run: one experiment at a time, got %q", positional)}
	}
	var sel experiments.Selection
	if *shardFlag != "" {
		var err error
		if sel.Shard, err = experiments.ParseShard(*shardFlag); err != nil {
			return usageError{"run: --shard: " + err.Error()}
		}
	}
	spec, err := loadExperiment(strings.Join(positional, ""), *quick)
	if err != nil {
		return err
	}
	if seed.set {
		if !slices.Contains(spec.Seeds, seed.seed) {
			return usageError{fmt.Sprintf("run: --seed %d: experiment %s has seeds %s; list a seed under seeds: to run it",
				seed.seed, spec.Name, seedList(spec.Seeds))}
		}
		sel.Seeds = []uint64{seed.seed}
	}

	d := &driver.Driver{
		Protocols: experiments.Protocols(),
		// Process CPU time: commits encrypt on every core, and an operation
		// is charged for all of them.
		Clock: bench.CPUTime,
	}
	pw := progressWriter(stderr)
	_, terminal := pw.(*inPlace)
	runner := &experiments.Runner{Out: *out, Version: version(), Run: d.Run, Progress: pw, Bar: terminal}
	if terminal {
		runner.ProgressStep = 1
	}
	recs, err := runner.RunAll(ctx, spec, sel)
	dir := filepath.Join(*out, spec.Name)
	if sig, ok := stoppedBy(ctx); ok && err != nil {
		if len(recs) > 0 {
			printSummary(stdout, spec, dir, recs)
		}
		return interrupted{sig, fmt.Sprintf("%d finished runs kept in %s; run the same command again to go on", len(recs), dir)}
	}
	if err != nil {
		return err
	}
	if sel.All() {
		if err := experiments.WriteSummaryFile(dir, recs); err != nil {
			return err
		}
		if err := drawOutputs(dir, recs, *noPlots, spec.Description, stderr); err != nil {
			return err
		}
	} else {
		fmt.Fprintf(stderr, "ran a part of experiment %s; summary.csv and figures are left to a run of all of it or to 'cgkalab merge %s'\n", spec.Name, dir)
	}
	printSummary(stdout, spec, dir, recs)
	return nil
}

// loadSpec loads the experiment the arguments name (loadExperiment): the
// built-in default without one.
func loadSpec(positional []string) (*experiments.Spec, error) {
	return loadExperiment(strings.Join(positional, ""), false)
}

func seedList(seeds []uint64) string {
	parts := make([]string, 0, min(len(seeds), 6))
	for i, s := range seeds {
		if i == 5 {
			parts = append(parts, fmt.Sprintf("... (%d seeds)", len(seeds)))
			break
		}
		parts = append(parts, strconv.FormatUint(s, 10))
	}
	return strings.Join(parts, ", ")
}

// printSummary writes one line per run: the figures a reader asks first.
func printSummary(w io.Writer, spec *experiments.Spec, dir string, recs []*experiments.Record) {
	fmt.Fprintf(w, "experiment %s: %d runs, results in %s\n", spec.Name, len(recs), dir)
	tw := tabwriter.NewWriter(w, 2, 8, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "run\tprotocol\tmode\tmembers\tepochs\tup/member/day\tdown/member/day\tcommits\tcommit bytes (mean)\tcommit ms (mean)\t")
	for _, r := range recs {
		c := r.Summary.Kind("commit")
		days := max(r.Config.Duration.Hours()/24, 1e-9)
		members := float64(max(1, r.Summary.FinalMembers))
		commits := "-\t-\t-"
		if c.Count > 0 {
			commits = fmt.Sprintf("%d\t%.0f\t%.2f", c.Count, c.BytesUp.Mean, c.SenderCPU.Mean/1e6)
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%d\t%d\t%s\t%s\t%s\t\n", r.Run, r.Config.Protocol, r.Mode, r.Summary.FinalMembers, r.Summary.FinalEpoch,
			humanBytes(float64(r.Summary.BytesUp)/members/days), humanBytes(float64(r.Summary.BytesDown)/members/days), commits)
	}
	tw.Flush()
	if !slices.ContainsFunc(recs, func(r *experiments.Record) bool { return r.Security != nil }) {
		return
	}
	fmt.Fprintln(w)
	tw = tabwriter.NewWriter(w, 2, 8, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "run\tcompromises\tmessages exposed\tdeleted exposed\tmessage healing (KM median [95% CI])\tPCS healing, epochs (KM median [95% CI])\tFS window (median)\tepochs exposed\t")
	for _, r := range recs {
		s := r.Security
		if s == nil || s.Compromises == 0 {
			fmt.Fprintf(tw, "%s\t0\t-\t-\t-\t-\t-\t-\t\n", r.Run)
			continue
		}
		share := func(n, of int) string {
			if of == 0 {
				return "-"
			}
			return fmt.Sprintf("%.0f%% of %d", 100*float64(n)/float64(of), of)
		}
		epochs, heal := "-", "-"
		if s.Epochs > 0 {
			epochs, heal = fmt.Sprintf("%.0f%%", 100*s.EpochShare), kmHours(s.HealingKM)
		}
		fmt.Fprintf(tw, "%s\t%d\t%s\t%s\t%s\t%s\t%s\t%s\t\n", r.Run, s.Compromises, share(s.ExposedMessages, s.Messages),
			share(s.DeletedExposedMessages, s.EphemeralMessages), kmHours(s.MessageHealingKM), heal, hours(s.FSWindowSeconds.P50), epochs)
	}
	tw.Flush()
	for _, r := range recs {
		if h := r.History; h != nil && h.Total > 0 {
			fmt.Fprintf(w, "%s: devices added during the run could read %d of the %d past messages still on the devices (%.0f%%)\n",
				r.Run, h.Readable, h.Total, 100*float64(h.Readable)/float64(h.Total))
		}
	}
	fmt.Fprintln(w, "healing: Kaplan–Meier median, compromises unhealed at the end censored; n.r.: not reached within the run;")
	fmt.Fprintln(w, "message healing runs to the first message after the last one the compromise exposes; deleted exposed: disappearing messages readable after their deletion")
}

func hours(seconds float64) string { return fmt.Sprintf("%.1f h", seconds/3600) }

// kmHours shows a Kaplan–Meier median and its interval in hours, "n.r."
// where not reached within the run.
func kmHours(m *experiments.KMMedian) string {
	if m == nil {
		return "-"
	}
	h := func(v *float64) string {
		if v == nil {
			return "n.r."
		}
		return fmt.Sprintf("%.1f", *v/3600)
	}
	if m.Median == nil {
		if m.Lower == nil {
			return "not reached"
		}
		return fmt.Sprintf("not reached (CI from %s h)", h(m.Lower))
	}
	return fmt.Sprintf("%s h [%s, %s]", h(m.Median), h(m.Lower), h(m.Upper))
}

func humanBytes(b float64) string {
	switch {
	case b >= 1<<30:
		return fmt.Sprintf("%.1f GiB", b/(1<<30))
	case b >= 1<<20:
		return fmt.Sprintf("%.1f MiB", b/(1<<20))
	case b >= 1<<10:
		return fmt.Sprintf("%.1f KiB", b/(1<<10))
	}
	return fmt.Sprintf("%.0f B", b)
}

// progressWriter shows progress lines in place when w is a terminal, and
// passes them through as lines otherwise (logs, CI).
func progressWriter(w io.Writer) io.Writer {
	f, ok := w.(*os.File)
	if !ok {
		return w
	}
	st, err := f.Stat()
	if err != nil || st.Mode()&os.ModeCharDevice == 0 {
		return w
	}
	return &inPlace{w: f}
}

type inPlace struct{ w io.Writer }

func (p *inPlace) Write(b []byte) (int, error) {
	line := strings.TrimRight(string(b), "\n")
	_, err := fmt.Fprintf(p.w, "\r\033[K%s", line)
	if strings.Contains(line, "done") || strings.Contains(line, "skipped") {
		fmt.Fprintln(p.w)
	}
	return len(b), err
}

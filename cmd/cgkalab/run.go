package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"text/tabwriter"

	"cgkalab/bench"
	"cgkalab/experiments"
	"cgkalab/models/mlsgroup"
	"cgkalab/models/protocol"
	"cgkalab/plots/report"
	"cgkalab/sim/driver"
)

const runUsage = `usage: cgkalab run [FILE|default] [--out DIR] [--seed S] [--shard i/N] [--no-plots]

Runs an experiment: with no argument, the built-in default (one simulated day
of an MLS group with churn, messages and offline members, at three sizes).
Results go to DIR/<name>/ (default DIR: results): per run an events CSV, a
tree-health CSV and a JSON record written last; a rerun skips finished runs.
Then summary.csv, figures under DIR/<name>/plots/ and the report
(report.html, report.md; see cgkalab report). Progress goes to stderr, a
summary table to stdout.

  --seed S     run only seed S (overrides the file's seeds)
  --shard i/N  run every N-th run starting at i (0-based), e.g. for job arrays;
               merging and figures are left to a run without --shard
  --no-plots   skip the figures and the report
`

func runRun(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("run", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	out := fs.String("out", "results", "output directory")
	seed := fs.Uint64("seed", 0, "run only this seed")
	shardFlag := fs.String("shard", "", "i/N")
	noPlots := fs.Bool("no-plots", false, "skip figures")
	// Allow the experiment before or after the flags.
	var positional []string
	rest := args
	for {
		if err := fs.Parse(rest); err != nil {
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
	var spec *experiments.Spec
	switch {
	case len(positional) == 0 || positional[0] == "default":
		spec = experiments.Default()
	default:
		var err error
		if spec, err = experiments.Load(positional[0]); err != nil {
			return err
		}
	}
	if *seed != 0 {
		spec.Seeds = []uint64{*seed}
	}
	var shard experiments.Shard
	if *shardFlag != "" {
		var err error
		if shard, err = experiments.ParseShard(*shardFlag); err != nil {
			return usageError{"run: --shard: " + err.Error()}
		}
	}

	d := &driver.Driver{
		Protocols: map[string]protocol.Factory{"mls": mlsgroup.New},
		// Process CPU time: commits encrypt on every core, and an operation
		// is charged for all of them.
		Clock: bench.CPUTime,
	}
	runner := &experiments.Runner{Out: *out, Version: version(), Run: d.Run, Progress: progressWriter(stderr)}
	recs, err := runner.RunAll(ctx, spec, shard)
	if err != nil {
		return err
	}
	dir := filepath.Join(*out, spec.Name)
	if shard.Count <= 1 {
		if recs, err = experiments.Merge(dir); err != nil {
			return err
		}
		if !*noPlots {
			files, err := report.Write(dir, report.Options{Description: spec.Description})
			if err != nil {
				return fmt.Errorf("report: %w", err)
			}
			fmt.Fprintf(stderr, "wrote figures under %s and %s\n", filepath.Join(dir, report.PlotsDir), strings.Join(files, ", "))
		}
	}
	printSummary(stdout, spec, dir, recs)
	return nil
}

// printSummary writes one line per run: the figures a reader asks first.
func printSummary(w io.Writer, spec *experiments.Spec, dir string, recs []*experiments.Record) {
	fmt.Fprintf(w, "experiment %s: %d runs, results in %s\n", spec.Name, len(recs), dir)
	tw := tabwriter.NewWriter(w, 2, 8, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "run\tmode\tmembers\tepochs\tcommits\tcommit bytes (mean)\tcommit bytes (p99)\tdown/member/day\tcommit ms (mean)\tcompromises\tPCS healing (KM median [95% CI])\tFS window (median)\tepochs exposed\t")
	for _, r := range recs {
		c := r.Summary.Kind("commit")
		days := r.Config.Duration.Hours() / 24
		members := max(1, r.Summary.FinalMembers)
		perMember := float64(r.Summary.BytesDown) / float64(members) / max(days, 1e-9)
		sec := "0\t-\t-\t-"
		if s := r.Security; s != nil && s.Compromises > 0 {
			sec = fmt.Sprintf("%d\t%s\t%s\t%.0f%%", s.Compromises, kmHours(s.HealingKM), hours(s.FSWindowSeconds.P50), 100*s.EpochShare)
		}
		fmt.Fprintf(tw, "%s\t%s\t%d\t%d\t%d\t%.0f\t%.0f\t%s\t%.2f\t%s\t\n", r.Run, r.Mode, r.Summary.FinalMembers, r.Summary.FinalEpoch,
			c.Count, c.BytesUp.Mean, c.BytesUp.P99, humanBytes(perMember), c.SenderCPU.Mean/1e6, sec)
	}
	tw.Flush()
	if slices.ContainsFunc(recs, func(r *experiments.Record) bool { return r.Security != nil }) {
		fmt.Fprintln(w, "PCS healing: Kaplan–Meier median, compromises unhealed at the end censored; n.r.: not reached within the run")
	}
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

package bench

import (
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"slices"
	"strconv"
	"strings"
	"text/tabwriter"

	"golang.org/x/perf/benchfmt"
	"golang.org/x/perf/benchmath"
	"golang.org/x/perf/benchproc"
	"golang.org/x/perf/benchunit"
)

// CompareOptions set what Compare reports as a regression.
type CompareOptions struct {
	// Threshold is the relative change in the worse direction past which
	// a significant change is a regression (0.05 for 5%).
	Threshold float64
	// Alpha is the significance level of the tests (benchstat's 0.05).
	Alpha float64
	// Units, if not empty, limits the comparison to these units (as
	// written, ns/commit, or tidied, sec/commit).
	Units []string
}

// Delta is the comparison of one benchmark in one unit.
type Delta struct {
	Name     string // full benchmark name, without "Benchmark"
	Unit     string // tidied unit
	Better   int    // +1 higher is better, -1 lower is better, 0 unknown
	Old, New *benchmath.Sample
	// OldSum and NewSum summarize the samples (median and confidence
	// interval, or the exact value); zero where a side has no sample.
	OldSum, NewSum benchmath.Summary
	Cmp            benchmath.Comparison
	// Change is (new - old) / old of the centers; NaN where a side is
	// missing or old is 0.
	Change float64
	// Significant: the samples differ at level Alpha (exact units: any
	// difference). Regression: significant, and worse than Threshold.
	Significant, Regression bool
}

// Comparison is the result of comparing two result files.
type Comparison struct {
	Deltas []Delta
	// Notes are differences in the files' configuration (for example a
	// different cpu) that make the comparison doubtful.
	Notes []string
}

// Regressions returns the deltas that are regressions.
func (c *Comparison) Regressions() []Delta {
	var out []Delta
	for _, d := range c.Deltas {
		if d.Regression {
			out = append(out, d)
		}
	}
	return out
}

// side is one file's results and configuration.
type side struct {
	path   string
	config map[string]string // file configuration of the first result
}

// Compare compares the results in files oldPath and newPath benchmark by
// benchmark (full name, GOMAXPROCS included) and unit by unit, with
// benchmath's tests: Mann-Whitney U on the samples, or exact comparison
// for units the files mark assume=exact.
func Compare(oldPath, newPath string, o CompareOptions) (*Comparison, error) {
	if !(o.Alpha > 0 && o.Alpha < 1) {
		return nil, fmt.Errorf("compare: alpha %v: want a level in (0, 1)", o.Alpha)
	}
	filter, err := unitFilter(o.Units)
	if err != nil {
		return nil, err
	}
	var parser benchproc.ProjectionParser
	by, unitField, err := parser.ParseWithUnit(".fullname", filter)
	if err != nil {
		return nil, err
	}
	nameField := by.Fields()[0]
	type cell struct{ vals [2][]float64 }
	cells := map[benchproc.Key]*cell{}
	var keys []benchproc.Key
	units := benchfmt.UnitMetadataMap{}
	var sides [2]side
	for i, path := range []string{oldPath, newPath} {
		sides[i].path = path
		err := readResults(path, filter, units, func(r *benchfmt.Result) {
			if sides[i].config == nil {
				sides[i].config = fileConfig(r)
			}
			for j, k := range by.ProjectValues(r) {
				c := cells[k]
				if c == nil {
					c = &cell{}
					cells[k] = c
					keys = append(keys, k)
				}
				c.vals[i] = append(c.vals[i], r.Values[j].Value)
			}
		})
		if err != nil {
			return nil, err
		}
		if sides[i].config == nil {
			return nil, fmt.Errorf("%s: no benchmark results%s", path, unitsNote(o.Units))
		}
	}
	benchproc.SortKeys(keys)
	thresholds := &benchmath.Thresholds{CompareAlpha: o.Alpha}
	out := &Comparison{Notes: configNotes(sides)}
	for _, k := range keys {
		c := cells[k]
		unit := k.Get(unitField)
		d := Delta{Name: k.Get(nameField), Unit: unit, Better: better(units, unit), Change: math.NaN()}
		assume := assumption(units, unit)
		if len(c.vals[0]) > 0 {
			d.Old = benchmath.NewSample(c.vals[0], thresholds)
			d.OldSum = assume.Summary(d.Old, 0.95)
		}
		if len(c.vals[1]) > 0 {
			d.New = benchmath.NewSample(c.vals[1], thresholds)
			d.NewSum = assume.Summary(d.New, 0.95)
		}
		if d.Old != nil && d.New != nil {
			d.Cmp = assume.Compare(d.Old, d.New)
			if d.OldSum.Center != 0 {
				d.Change = (d.NewSum.Center - d.OldSum.Center) / d.OldSum.Center
			}
			// benchmath's rule (Comparison.FormatDelta): a change is
			// significant unless P exceeds Alpha; exact units have P 0.
			d.Significant = !(d.Cmp.P > d.Cmp.Alpha) && d.NewSum.Center != d.OldSum.Center
			worse := -float64(d.Better) * d.Change
			d.Regression = d.Significant && d.Better != 0 && worse > o.Threshold
		}
		out.Deltas = append(out.Deltas, d)
	}
	// One table per unit, in the order units first appear.
	order := map[string]int{}
	for _, d := range out.Deltas {
		if _, ok := order[d.Unit]; !ok {
			order[d.Unit] = len(order)
		}
	}
	slices.SortStableFunc(out.Deltas, func(a, b Delta) int { return order[a.Unit] - order[b.Unit] })
	return out, nil
}

// Err is nil without regressions, else an error wrapping ErrRegression
// that names them.
func (c *Comparison) Err(o CompareOptions) error {
	regs := c.Regressions()
	if len(regs) == 0 {
		return nil
	}
	names := make([]string, len(regs))
	for i, d := range regs {
		names[i] = fmt.Sprintf("%s %s %+.1f%%", d.Name, d.Unit, 100*d.Change)
	}
	return fmt.Errorf("%w: %d of %d metrics worse by more than %s: %s", ErrRegression, len(regs), len(c.Deltas),
		formatPct(o.Threshold), strings.Join(names, "; "))
}

// unitFilter is a benchproc filter keeping the given units, or all.
func unitFilter(units []string) (*benchproc.Filter, error) {
	return benchproc.NewFilter(unitQuery(units))
}

// unitQuery is the benchproc filter expression of unitFilter.
func unitQuery(units []string) string {
	if len(units) == 0 {
		return "*"
	}
	q := make([]string, len(units))
	for i, u := range units {
		q[i] = strconv.Quote(u)
	}
	return ".unit:(" + strings.Join(q, " OR ") + ")"
}

func unitsNote(units []string) string {
	if len(units) == 0 {
		return ""
	}
	return " in unit " + strings.Join(units, ", ")
}

// readResults reads the results of one file that pass filter, passing
// each to fn, and merges its unit metadata into units. A syntax error is
// an error naming the file and line.
func readResults(path string, filter *benchproc.Filter, units benchfmt.UnitMetadataMap, fn func(*benchfmt.Result)) error {
	f, err := os.Open(path)
	if err != nil {
		return err
	}
	defer f.Close()
	r := benchfmt.NewReader(f, path)
	for r.Scan() {
		switch rec := r.Result().(type) {
		case *benchfmt.SyntaxError:
			return rec
		case *benchfmt.Result:
			ok, err := filter.Apply(rec)
			if err != nil {
				return fmt.Errorf("%s: %w", path, err)
			}
			if ok {
				fn(rec)
			}
		}
	}
	if err := r.Err(); err != nil {
		return fmt.Errorf("%s: %w", path, err)
	}
	for k, v := range r.Units() {
		units[k] = v
	}
	return nil
}

func fileConfig(r *benchfmt.Result) map[string]string {
	m := map[string]string{}
	for _, c := range r.Config {
		if c.File {
			m[c.Key] = string(c.Value)
		}
	}
	return m
}

// configNotes names the configuration keys, other than those that are
// expected to change between builds, whose values differ between sides.
func configNotes(sides [2]side) []string {
	var notes []string
	for _, k := range []string{"goos", "goarch", "cpu", "go"} {
		a, b := sides[0].config[k], sides[1].config[k]
		if a != b {
			notes = append(notes, fmt.Sprintf("%s differs: %q in %s, %q in %s", k, a, sides[0].path, b, sides[1].path))
		}
	}
	return notes
}

// better is the direction of unit: the files' own "better" metadata,
// else this package's Units, else benchfmt's defaults (sec/op, B/s, ...).
func better(m benchfmt.UnitMetadataMap, unit string) int {
	if m.Get(unit, "better") == nil {
		for _, u := range Units {
			if _, tidy := benchunit.Tidy(1, u.Name); tidy == unit {
				return u.Better
			}
		}
	}
	return m.GetBetter(unit)
}

// assumption is the files' "assume" metadata for unit, else Exact for
// the byte counts of Units, else no assumption (Mann-Whitney U).
func assumption(m benchfmt.UnitMetadataMap, unit string) benchmath.Assumption {
	if m.Get(unit, "assume") == nil {
		for _, u := range Units {
			if _, tidy := benchunit.Tidy(1, u.Name); tidy == unit && u.Exact {
				return benchmath.AssumeExact
			}
		}
	}
	return m.GetAssumption(unit)
}

// WriteComparison prints c as benchstat does: per unit, a table of old
// and new summaries (center ± confidence interval) and the change, "~"
// where the change is not significant, with the p-value and sample sizes.
// Regressions are marked.
func WriteComparison(w io.Writer, c *Comparison, o CompareOptions) error {
	for _, n := range c.Notes {
		fmt.Fprintln(w, "note:", n)
	}
	tw := tabwriter.NewWriter(w, 0, 8, 2, ' ', 0)
	unit := ""
	for _, d := range c.Deltas {
		if d.Unit != unit {
			if unit != "" {
				fmt.Fprintln(tw, "\t\t\t\t\t")
			}
			unit = d.Unit
			fmt.Fprintf(tw, "%s (%s)\told\tnew\tdelta\t\t\n", unit, direction(d.Better))
		}
		mark := ""
		if d.Regression {
			mark = fmt.Sprintf("REGRESSION (past %s)", formatPct(o.Threshold))
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\n", d.Name, summary(d.Old, d.OldSum, d.Unit), summary(d.New, d.NewSum, d.Unit),
			change(d), compStats(d), mark)
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	// benchmath's warnings (too few samples, inexact "exact" values),
	// each once with the number of rows it concerns.
	var warnings []string
	count := map[string]int{}
	for _, d := range c.Deltas {
		for _, ws := range [][]error{d.OldSum.Warnings, d.NewSum.Warnings, d.Cmp.Warnings} {
			for _, e := range ws {
				if count[e.Error()] == 0 {
					warnings = append(warnings, e.Error())
				}
				count[e.Error()]++
			}
		}
	}
	for _, s := range warnings {
		fmt.Fprintf(w, "warning: %s (%d times)\n", s, count[s])
	}
	return nil
}

func direction(b int) string {
	switch {
	case b > 0:
		return "higher is better"
	case b < 0:
		return "lower is better"
	}
	return "direction unknown: not checked"
}

func summary(s *benchmath.Sample, sum benchmath.Summary, unit string) string {
	if s == nil {
		return "-"
	}
	v := benchunit.Scale(sum.Center, benchunit.ClassOf(unit))
	if sum.Confidence == 1 && sum.Lo == sum.Hi {
		return v // exact
	}
	return v + " ± " + sum.PctRangeString()
}

func change(d Delta) string {
	switch {
	case d.Old == nil:
		return "(new only)"
	case d.New == nil:
		return "(old only)"
	case !d.Significant:
		return "~"
	case math.IsNaN(d.Change):
		return "?"
	}
	return fmt.Sprintf("%+.2f%%", 100*d.Change)
}

func compStats(d Delta) string {
	if d.Old == nil || d.New == nil {
		return ""
	}
	return "(" + d.Cmp.String() + ")"
}

func formatPct(f float64) string { return strconv.FormatFloat(100*f, 'g', -1, 64) + "%" }

// ParsePercent reads a threshold written as a percentage, "5%", as a
// fraction (0.05). It accepts 0% to 1000%.
func ParsePercent(s string) (float64, error) {
	v, ok := strings.CutSuffix(strings.TrimSpace(s), "%")
	if !ok {
		return 0, fmt.Errorf("%q: want a percentage such as 5%%", s)
	}
	f, err := strconv.ParseFloat(v, 64)
	if err != nil || !(f >= 0 && f <= 1000) {
		return 0, fmt.Errorf("%q: want a percentage from 0%% to 1000%%", s)
	}
	return f / 100, nil
}

// ErrRegression is wrapped by the error a comparison with regressions
// produces.
var ErrRegression = errors.New("performance regression")

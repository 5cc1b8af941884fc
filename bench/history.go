package bench

import (
	"fmt"
	"math"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"time"

	"golang.org/x/perf/benchfmt"
	"golang.org/x/perf/benchmath"
	"golang.org/x/perf/benchproc"
	"golang.org/x/perf/benchunit"
)

// History is one unit's values across result files.
type History struct {
	Unit   string   // tidied unit
	Better int      // as in Delta
	Labels []string // one per file, in history order, distinct
	Files  []string // the files, in history order
	Series []HistorySeries
	// Common is the part of the benchmark names all series share
	// (for example "/suite=0x0001-2"); the series' names leave it out.
	Common string
}

// HistorySeries is one benchmark's median in each file of a History, NaN
// where a file does not have it.
type HistorySeries struct {
	Name   string
	Values []float64
}

// ReadHistory reads unit's results from files. The files are put in
// commit order when every one has a commit-time configuration key
// (ties keep argument order), else kept in argument order. Each file is
// labelled by its commit (12 digits), else its version, else its name.
// query, if not "", is a benchproc filter (for example
// ".name:CommitCreate /members:4096") that selects the benchmarks.
func ReadHistory(files []string, unit, query string) (*History, error) {
	if len(files) == 0 {
		return nil, fmt.Errorf("history: no result files")
	}
	q := unitQuery([]string{unit})
	if query != "" {
		q = "(" + query + ") " + q
	}
	filter, err := benchproc.NewFilter(q)
	if err != nil {
		return nil, fmt.Errorf("history: filter %q: %w", query, err)
	}
	var parser benchproc.ProjectionParser
	by, err := parser.Parse(".fullname", filter)
	if err != nil {
		return nil, err
	}
	type file struct {
		path, label, time string
		when              time.Time
		vals              map[benchproc.Key][]float64
	}
	var fs []file
	var keys []benchproc.Key
	seen := map[benchproc.Key]bool{}
	units := benchfmt.UnitMetadataMap{}
	_, h := benchunit.Tidy(1, unit)
	for _, path := range files {
		f := file{path: path, vals: map[benchproc.Key][]float64{}}
		err := readResults(path, filter, units, func(r *benchfmt.Result) {
			if f.label == "" {
				f.label, f.time = historyLabel(r, path), r.GetConfig("commit-time")
			}
			k := by.Project(r)
			if !seen[k] {
				seen[k] = true
				keys = append(keys, k)
			}
			for _, v := range r.Values {
				f.vals[k] = append(f.vals[k], v.Value)
			}
		})
		if err != nil {
			return nil, err
		}
		if f.label == "" {
			f.label = filepath.Base(path)
		}
		if f.time != "" {
			if f.when, err = time.Parse(time.RFC3339, f.time); err != nil {
				return nil, fmt.Errorf("%s: commit-time %q: want an RFC 3339 time", path, f.time)
			}
		}
		fs = append(fs, f)
	}
	if len(keys) == 0 {
		return nil, fmt.Errorf("history: no results in unit %s match in %d files", unit, len(files))
	}
	if !slices.ContainsFunc(fs, func(f file) bool { return f.time == "" }) {
		slices.SortStableFunc(fs, func(a, b file) int { return a.when.Compare(b.when) })
	}
	benchproc.SortKeys(keys)
	out := &History{Unit: h, Better: better(units, h)}
	seenLabel := map[string]int{}
	for _, f := range fs {
		// Two results of one commit (or version) get #2, #3, ...
		seenLabel[f.label]++
		if n := seenLabel[f.label]; n > 1 {
			f.label += "#" + strconv.Itoa(n)
		}
		out.Labels = append(out.Labels, f.label)
		out.Files = append(out.Files, f.path)
	}
	assume := assumption(units, h)
	for _, k := range keys {
		s := HistorySeries{Name: k.StringValues()}
		for _, f := range fs {
			v := math.NaN()
			if vals := f.vals[k]; len(vals) > 0 {
				v = assume.Summary(benchmath.NewSample(vals, &benchmath.DefaultThresholds), 0.95).Center
			}
			s.Values = append(s.Values, v)
		}
		out.Series = append(out.Series, s)
	}
	out.Common = shortenNames(out.Series)
	return out, nil
}

// shortenNames drops from the series' names the parts every name has
// (the base name, /key=value parts, the -GOMAXPROCS suffix), so that a
// legend shows what tells the series apart, and returns those parts.
func shortenNames(series []HistorySeries) string {
	split := func(name string) []string {
		base, parts := benchfmt.Name(name).Parts()
		toks := []string{string(base)}
		for _, p := range parts {
			toks = append(toks, string(p))
		}
		return toks
	}
	count := map[string]int{}
	for _, s := range series {
		for _, t := range split(s.Name) {
			count[t]++
		}
	}
	if len(series) < 2 {
		return ""
	}
	var common []string
	for i := range series {
		var keep []string
		for _, t := range split(series[i].Name) {
			if count[t] == len(series) {
				if i == 0 {
					common = append(common, t)
				}
				continue
			}
			keep = append(keep, t)
		}
		if len(keep) == 0 {
			keep = split(series[i].Name)[:1] // the base name
		}
		series[i].Name = strings.TrimPrefix(strings.Join(keep, ""), "/")
	}
	return strings.Join(common, "")
}

// historyLabel names a file by its commit (12 digits), else its version.
func historyLabel(r *benchfmt.Result, path string) string {
	if c := r.GetConfig("commit"); c != "" {
		return c[:min(len(c), 12)]
	}
	if v := r.GetConfig("version"); v != "" {
		return v
	}
	return filepath.Base(path)
}

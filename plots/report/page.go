package report

import (
	"fmt"
	"image/color"
	"math"
	"path/filepath"
	"slices"
	"strings"

	"cgkalab/experiments/stats"
	"cgkalab/plots"
)

// page is everything a report shows, rendered by writeHTML and
// writeMarkdown.
type page struct {
	Experiment  string
	Question    string
	Description string
	Facts       []fact
	Settings    []table // cost and security, one row per grid point, seeds pooled
	Runs        []table // cost and security, one row per run
	Config      table
	Notes       []note
	Figures     []figure // of the whole experiment
	RunFigures  []runFigures
	Files       []string // result files, relative to the folder
}

type fact struct{ Name, Value string }

// note is a paragraph on the statistics, led by its topic.
type note struct{ Topic, Text string }

// table is a table both renderers draw; the first column names the row.
type table struct {
	Caption string
	Head    []string
	Rows    [][]cell
}

// columns returns a table of t's columns cols, under another caption.
func (t table) columns(caption string, cols ...int) table {
	out := table{Caption: caption}
	for _, c := range cols {
		out.Head = append(out.Head, t.Head[c])
	}
	for _, r := range t.Rows {
		row := make([]cell, len(cols))
		for i, c := range cols {
			row[i] = r[c]
		}
		out.Rows = append(out.Rows, row)
	}
	return out
}

// cell is one table cell; Color, when set, is the series colour of the
// row's setting in every figure (as CSS), shown as a swatch.
type cell struct {
	Text  string
	Color string
}

type figure struct {
	Kind, Caption string
	SVG           string // the SVG document, for inlining
	PNG, PDF      string // paths relative to the experiment folder
	Run           string
}

type runFigures struct {
	Run     string
	Figures []figure
}

// build reads the folder's results and computes the page's tables and
// notes (figures come later, from addFigures).
func build(dir string, st plots.Style, opt Options) (*page, error) {
	recs, err := readRecords(dir)
	if err != nil {
		return nil, err
	}
	if len(recs) == 0 {
		return nil, fmt.Errorf("%s: no finished runs", dir)
	}
	groups := groupRuns(recs)
	var labels []string
	for _, g := range groups {
		labels = append(labels, g.label)
	}
	styles := plots.NewStyles(st, labels...)
	runComp := map[string]*compromises{} // index only
	for _, g := range groups {
		for _, r := range g.recs {
			c, err := readCompromises(filepath.Join(dir, r.Run+".compromises.csv"))
			if err != nil {
				return nil, err
			}
			runComp[r.Run] = c
			g.comp.healing = append(g.comp.healing, c.healing...)
			g.comp.censored = append(g.comp.censored, c.censored...)
			g.comp.fsWindow = append(g.comp.fsWindow, c.fsWindow...)
		}
	}
	first := recs[0]
	pg := &page{Experiment: first.Experiment, Question: first.Question, Description: first.Description}
	if pg.Description == "" {
		pg.Description = opt.Description
	}
	pg.Facts = facts(dir, recs)
	settings, err := settingsTable(groups, styles)
	if err != nil {
		return nil, err
	}
	costCaption := "Cost per setting: means over seeds with their 95 % Student-t interval in brackets (cut to the possible range)."
	secCaption := "Security per setting, seeds pooled: PCS healing from the Kaplan–Meier estimate over all compromises of the setting (n.r.: not reached), FS window median, and exposed shares as means over seeds [95 % interval]."
	if !slices.ContainsFunc(groups, func(g *group) bool { return len(g.recs) > 1 }) {
		costCaption = "Cost per setting (one seed each: single runs, no intervals across seeds)."
		secCaption = "Security per setting: PCS healing from the Kaplan–Meier estimate over the setting's compromises (n.r.: not reached), FS window median, exposed shares."
	}
	pg.Settings = []table{
		settings.columns(costCaption, 0, 1, 2, 3, 4, 5, 6),
		settings.columns(secCaption, 0, 9, 10, 11, 7, 8),
	}
	runs, err := runsTable(groups, runComp, styles)
	if err != nil {
		return nil, err
	}
	pg.Runs = []table{
		runs.columns("Cost per run; the auth digest hashes every epoch authenticator, so equal digests mean identical group states.", 0, 1, 2, 3, 4, 5, 6, 7, 8, 12),
		runs.columns("Security per run: healing from the run's own compromises (Kaplan–Meier).", 0, 9, 10, 11),
	}
	if pg.Config, err = configTable(recs); err != nil {
		return nil, err
	}
	pg.Notes = notes(groups)
	pg.Files = resultFiles(recs, runComp)
	return pg, nil
}

func facts(dir string, recs []*record) []fact {
	var versions, modes []string
	var seeds []string
	for _, r := range recs {
		for _, v := range []struct {
			list *[]string
			s    string
		}{{&versions, r.Version}, {&modes, r.Mode}, {&seeds, fmt.Sprint(r.Seed)}} {
			if !slices.Contains(*v.list, v.s) {
				*v.list = append(*v.list, v.s)
			}
		}
	}
	version := strings.Join(versions, "; ")
	if len(versions) > 1 {
		version += " (runs from more than one build)"
	}
	return []fact{
		{"results", filepath.Base(filepath.Clean(dir))},
		{"runs", fmt.Sprint(len(recs))},
		{"seeds", strings.Join(seeds, ", ")},
		{"fidelity", strings.Join(modes, ", ")},
		{"virtual time per run", duration(recs[0].duration * 1e9)},
		{"cgkalab version", version},
		{"result format", fmt.Sprint(recs[0].Format)},
	}
}

// perRun are the per-seed quantities the settings table averages.
var perRun = []struct {
	head string
	get  func(r *record) (float64, bool)
	q    quantity
}{
	{"commits per run", func(r *record) (float64, bool) { return float64(r.kind("commit").Count), true }, counts},
	{"commit bytes up (mean)", func(r *record) (float64, bool) { k := r.kind("commit"); return k.BytesUp.Mean, k.Count > 0 }, byteSizes},
	{"bytes down per member per day", downPerMemberDay, byteSizes},
	{"commit CPU ms (mean)", func(r *record) (float64, bool) { k := r.kind("commit"); return k.SenderCPU.Mean / 1e6, k.Count > 0 }, millis},
	{"epochs exposed", func(r *record) (float64, bool) {
		if r.Security == nil {
			return 0, false
		}
		return r.Security.EpochShare, true
	}, shares},
	{"messages exposed", func(r *record) (float64, bool) {
		if r.Security == nil {
			return 0, false
		}
		return r.Security.MessageShare, true
	}, shares},
}

func downPerMemberDay(r *record) (float64, bool) {
	days := r.duration / 86400
	if days <= 0 || r.Summary.FinalMembers <= 0 {
		return 0, false
	}
	return float64(r.Summary.BytesDown) / float64(r.Summary.FinalMembers) / days, true
}

// settingsTable summarises each grid point over its seeds.
func settingsTable(groups []*group, styles *plots.Styles) (table, error) {
	t := table{Caption: "Per setting, seeds pooled: means over seeds with their 95 % Student-t interval in brackets (cut to the possible range), healing from the Kaplan–Meier estimate over all compromises of the setting.",
		Head: []string{"setting", "seeds", "initial members"}}
	for _, c := range perRun {
		t.Head = append(t.Head, c.head)
	}
	t.Head = append(t.Head, "compromises (censored)", "PCS healing: KM median [95 % CI]", "FS window (median)")
	for _, g := range groups {
		row := []cell{{Text: g.label, Color: css(styles.Of(g.label).Color)}, {Text: fmt.Sprint(len(g.recs))}, {Text: initials(g.recs)}}
		for _, c := range perRun {
			var vs []float64
			for _, r := range g.recs {
				if v, ok := c.get(r); ok {
					vs = append(vs, v)
				}
			}
			text, err := meanText(vs, c.q)
			if err != nil {
				return t, fmt.Errorf("%s, %s: %w", g.label, c.head, err)
			}
			row = append(row, cell{Text: text})
		}
		heal, fs, err := securityCells(&g.comp)
		if err != nil {
			return t, fmt.Errorf("%s: %w", g.label, err)
		}
		row = append(row, heal...)
		row = append(row, fs)
		t.Rows = append(t.Rows, row)
	}
	return t, nil
}

func initials(recs []*record) string {
	var sizes []string
	for _, r := range recs {
		if s := fmt.Sprint(r.initial); !slices.Contains(sizes, s) {
			sizes = append(sizes, s)
		}
	}
	return strings.Join(sizes, ", ")
}

// meanText shows the mean of per-seed values and its interval, in the
// mean's unit and cut to the quantity's range (no negative sizes, no
// share over 100 %: with two seeds t(0.975; 1) = 12.7 makes intervals
// that wide); one value alone; "–" for none.
func meanText(vs []float64, q quantity) (string, error) {
	if len(vs) == 0 {
		return "–", nil
	}
	e, err := stats.MeanCI(vs, stats.Level)
	if err != nil {
		return "", err
	}
	div, unit := q.unit(e.Mean)
	num := func(v float64) string { return fmt.Sprintf(q.verb, v/div) }
	if e.N < 2 {
		return num(e.Mean) + unit, nil
	}
	return fmt.Sprintf("%s%s [%s, %s]", num(e.Mean), unit, num(max(0, e.Lower)), num(min(q.max, e.Upper))), nil
}

// quantity is how a column's numbers are written: a unit chosen for the
// mean (a divisor and its suffix), a number format, and the largest
// possible value (all are ≥ 0).
type quantity struct {
	unit func(mean float64) (div float64, suffix string)
	verb string
	max  float64
}

var (
	plain     = func(float64) (float64, string) { return 1, "" }
	counts    = quantity{plain, "%.0f", math.Inf(1)}
	millis    = quantity{plain, "%.2f", math.Inf(1)}
	shares    = quantity{func(float64) (float64, string) { return 0.01, " %" }, "%.1f", 1}
	byteSizes = quantity{byteUnit, "%.3g", math.Inf(1)}
)

// byteUnit picks the decimal unit the figures' axes use.
func byteUnit(v float64) (float64, string) {
	for _, u := range []struct {
		unit string
		size float64
	}{{" GB", 1e9}, {" MB", 1e6}, {" kB", 1e3}} {
		if math.Abs(v) >= u.size {
			return u.size, u.unit
		}
	}
	return 1, " B"
}

// byteSize writes a byte count with a decimal unit.
func byteSize(v float64) string {
	div, unit := byteUnit(v)
	return fmt.Sprintf("%.3g", v/div) + unit
}

// securityCells returns the compromises, healing and FS-window cells of
// pooled compromises.
func securityCells(c *compromises) (heal []cell, fs cell, err error) {
	if len(c.healing) == 0 {
		return []cell{{Text: "0"}, {Text: "–"}}, cell{Text: "–"}, nil
	}
	km, err := kaplanMeier(c)
	if err != nil {
		return nil, cell{}, err
	}
	d, err := stats.Describe(c.fsWindow)
	if err != nil {
		return nil, cell{}, fmt.Errorf("FS windows: %w", err)
	}
	return []cell{{Text: fmt.Sprintf("%d (%d)", km.N, km.Censored)}, {Text: medianText(km.Median())}}, cell{Text: hours(d.P50)}, nil
}

func kaplanMeier(c *compromises) (*stats.Survival, error) {
	observed := make([]bool, len(c.censored))
	for i, b := range c.censored {
		observed[i] = !b
	}
	km, err := stats.KaplanMeier(c.healing, observed, stats.Level)
	if err != nil {
		return nil, fmt.Errorf("healing times: %w", err)
	}
	return km, nil
}

// medianText shows a Kaplan–Meier median in hours with its interval.
func medianText(m stats.SurvivalTime) string {
	h := func(v float64) string {
		if math.IsInf(v, 1) {
			return "n.r."
		}
		return fmt.Sprintf("%.1f", v/3600)
	}
	if !m.Reached() {
		if math.IsInf(m.Lower, 1) {
			return "not reached"
		}
		return "not reached (CI from " + h(m.Lower) + " h)"
	}
	return fmt.Sprintf("%s h [%s, %s]", h(m.Value), h(m.Lower), h(m.Upper))
}

// runsTable lists every run.
func runsTable(groups []*group, comp map[string]*compromises, styles *plots.Styles) (table, error) {
	t := table{Caption: "Per run: cost from its events, healing from its own compromises (Kaplan–Meier); the auth digest hashes every epoch authenticator, so equal digests mean identical group states.",
		Head: []string{"run", "seed", "final members", "epochs", "commits", "commit bytes up (mean)", "commit bytes up (p99)",
			"bytes down per member per day", "commit CPU ms (mean)", "compromises (censored)", "PCS healing: KM median [95 % CI]", "FS window (median)", "auth digest"}}
	for _, g := range groups {
		for _, r := range g.recs {
			k := r.kind("commit")
			down := "–"
			if v, ok := downPerMemberDay(r); ok {
				down = byteSize(v)
			}
			heal, fs, err := securityCells(comp[r.Run])
			if err != nil {
				return t, fmt.Errorf("%s: %w", r.Run, err)
			}
			row := []cell{{Text: r.Run, Color: css(styles.Of(g.label).Color)}, {Text: fmt.Sprint(r.Seed)},
				{Text: fmt.Sprint(r.Summary.FinalMembers)}, {Text: fmt.Sprint(r.Summary.FinalEpoch)}, {Text: fmt.Sprint(k.Count)},
				{Text: byteSize(k.BytesUp.Mean)}, {Text: byteSize(k.BytesUp.P99)}, {Text: down}, {Text: fmt.Sprintf("%.2f", k.SenderCPU.Mean/1e6)}}
			row = append(row, heal...)
			row = append(row, fs, cell{Text: short(r.AuthDigest)})
			t.Rows = append(t.Rows, row)
		}
	}
	return t, nil
}

func short(digest string) string {
	if len(digest) > 12 {
		return digest[:12]
	}
	return digest
}

// notes explain the statistics and what the numbers can and cannot say.
func notes(groups []*group) []note {
	var n, censored, seeds int
	sampled := false
	for _, g := range groups {
		n += len(g.comp.healing)
		for _, c := range g.comp.censored {
			if c {
				censored++
			}
		}
		seeds = max(seeds, len(g.recs))
		for _, r := range g.recs {
			sampled = sampled || r.Mode == "sampled"
		}
	}
	var out []note
	if n > 0 {
		out = append(out, note{"Censoring", fmt.Sprintf("%d of %d compromises (%.0f %%) had not healed when their run ended. "+
			"Their healing times are right-censored: known only to exceed the time left in the run. "+
			"Counting them as healed at the end would understate healing, most for compromises late in a run; "+
			"the Kaplan–Meier estimator instead counts each as unhealed up to its censoring time and no further (marked + on the survival curves).",
			censored, n, 100*float64(censored)/float64(n))})
		out = append(out, note{"Healing medians", "The median is the first time the Kaplan–Meier curve falls to one half; its 95 % interval is " +
			stats.MedianCI + " (Brookmeyer and Crowley 1982; Greenwood's variance, log–log transform, as R's survfit with conf.type \"log-log\"). " +
			"\"n.r.\" (not reached): the curve, or that limit of its band, stays above one half within the runs, so the data bound the value only from below; " +
			"a longer run, not more seeds, is what narrows it. With few compromises per setting the intervals are wide: read them before comparing medians."})
	}
	if seeds > 1 {
		out = append(out, note{"Seeds", "Values per setting are means over its seeds (independent runs) with the 95 % Student-t interval (n − 1 degrees of freedom) in brackets, which assumes roughly normal per-seed values; intervals are cut at the possible range (sizes ≥ 0, shares ≤ 100 %). With two seeds the t quantile is 12.7: such intervals say little."})
	} else {
		out = append(out, note{"Seeds", "Every setting ran with one seed: its values are single runs, with no interval. Run more seeds (seeds: n) for intervals across seeds."})
	}
	out = append(out, note{"Measures", "Quantiles are nearest-rank: every quantile is a value that occurred. Bytes are exact wire bytes (kB = 1000 bytes). " +
		"CPU times are process CPU time measured on the machine that ran the runs and vary between runs; bytes, epochs and security figures are deterministic for a seed."})
	if sampled {
		out = append(out, note{"Fidelity", "Sampled runs process each commit for real on a sample of receivers: bytes stay exact, receiver CPU is measured on the sampled receivers."})
	}
	return out
}

// resultFiles lists the result files the report was made from.
func resultFiles(recs []*record, comp map[string]*compromises) []string {
	files := []string{"summary.csv"}
	for _, r := range recs {
		files = append(files, r.Run+".json", r.Run+".events.csv", r.Run+".health.csv")
		if len(comp[r.Run].healing) > 0 {
			files = append(files, r.Run+".compromises.csv")
		}
	}
	return files
}

// Formatting.

func hours(seconds float64) string {
	if seconds < 2*3600 {
		return fmt.Sprintf("%.1f min", seconds/60)
	}
	return fmt.Sprintf("%.1f h", seconds/3600)
}

// css writes a colour as CSS.
func css(c color.Color) string {
	r, g, b, _ := c.RGBA()
	return fmt.Sprintf("#%02x%02x%02x", r>>8, g>>8, b>>8)
}

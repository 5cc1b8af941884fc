package experiments

import (
	"bytes"
	"cmp"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
)

// ErrInconsistent marks result files that do not make up one experiment:
// runs missing or present twice, records of several configurations, files
// that do not match their records.
var ErrInconsistent = errors.New("results do not make up one experiment")

// SpecDigest identifies an experiment as it stands: the SHA-256, in hex,
// over its name and each run's index, ID, seed and configuration (as
// encoding/json writes driver.Config), in order. Every record stores the
// digest of the experiment that made it, and Merge recomputes it from a
// set of records to prove that they make up that experiment exactly.
func SpecDigest(name string, runs []Run) string {
	h := sha256.New()
	fmt.Fprintf(h, "cgkalab experiment\n%s\n%d\n", name, len(runs))
	for i := range runs {
		cfg, err := json.Marshal(&runs[i].Config)
		if err != nil {
			// Not reachable for a decoded spec (WriteRecord would fail
			// first); the digest then differs from every real one.
			cfg = []byte("unencodable: " + err.Error())
		}
		fmt.Fprintf(h, "%d %s %d %s\n", i, runs[i].ID, runs[i].Seed, cfg)
	}
	return hex.EncodeToString(h.Sum(nil))
}

// recordRuns lists the runs that records in index order describe.
func recordRuns(recs []*Record) []Run {
	runs := make([]Run, len(recs))
	for i, r := range recs {
		runs[i] = Run{ID: r.Run, Params: r.Params, Seed: r.Seed, Config: r.Config}
	}
	return runs
}

// ReadRecords reads the run records in an experiment folder, ordered as
// the experiment lists its runs. JSON files that are not run records are
// skipped. All records must belong to one experiment. It does not check
// the runs' files against their records; Merge does.
func ReadRecords(dir string) ([]*Record, error) {
	found, err := readFolder(dir)
	if err != nil {
		return nil, err
	}
	var recs []*Record
	for _, f := range found {
		if f.err != nil {
			return nil, f.err
		}
		if len(recs) > 0 && f.rec.Experiment != recs[0].Experiment {
			return nil, fmt.Errorf("%w: %s holds runs of two experiments, %q and %q", ErrInconsistent, dir, recs[0].Experiment, f.rec.Experiment)
		}
		recs = append(recs, f.rec)
	}
	sortRecords(recs)
	return recs, nil
}

func sortRecords(recs []*Record) {
	slices.SortStableFunc(recs, func(a, b *Record) int {
		return cmp.Or(cmp.Compare(a.Index, b.Index), strings.Compare(a.Run, b.Run))
	})
}

// found is one run record file of a folder: its record, or why it cannot
// be used.
type found struct {
	dir, name string
	rec       *Record
	err       error
}

// readFolder reads every run record in dir, in file name order, skipping
// JSON files that are not run records.
func readFolder(dir string) ([]found, error) {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return nil, err
	}
	var out []found
	for _, e := range entries {
		n := e.Name()
		if !e.Type().IsRegular() || strings.HasPrefix(n, ".") || !strings.HasSuffix(n, ".json") {
			continue
		}
		f := found{dir: dir, name: n}
		f.rec, f.err = ReadRecord(filepath.Join(dir, n))
		if errors.Is(f.err, ErrNotRecord) {
			continue
		}
		if f.err == nil && recordFile(f.rec.Run) != n {
			f.rec, f.err = nil, fmt.Errorf("%s holds the record of run %q", filepath.Join(dir, n), f.rec.Run)
		}
		out = append(out, f)
	}
	return out, nil
}

// SummaryFile is the name of the summary Merge writes in an experiment
// folder.
const SummaryFile = "summary.csv"

// WriteSummaryFile writes dir/summary.csv from the records of an
// experiment's runs, in their order.
func WriteSummaryFile(dir string, recs []*Record) error {
	return writeAtomic(dir, SummaryFile, func(w io.Writer) error { return WriteSummary(w, recs) })
}

// Merge joins the finished runs of one experiment into the experiment
// folder out and writes out/summary.csv. The runs are read from the
// folders from (each the experiment folder that one or more shards wrote;
// out itself when from is empty). Merge checks that every run of the
// experiment is there exactly once, that all records agree on the
// experiment and its configuration (their SpecDigest, recomputed from the
// records themselves), and that every file matches its record; a failed
// check is an error wrapping ErrInconsistent that says what is wrong.
//
// With spec not nil, only runs of spec as it now stands count; records of
// other configurations are passed over. Without it, the folders must hold
// runs of one configuration only.
//
// Runs found outside out are copied into it, each run's JSON last, after
// moving aside whatever other files of that run out held. Then every
// result file in out that belongs to none of the merged runs is moved
// into out/StaleDir, and leftover temporary files are removed, so that
// out holds exactly the experiment's runs. Merge returns their records in
// order; notes go to progress.
func Merge(out string, from []string, spec *Spec, progress io.Writer) ([]*Record, error) {
	if progress == nil {
		progress = io.Discard
	}
	if len(from) == 0 {
		from = []string{out}
	}
	var all []found
	for i, d := range from {
		if twice, err := listedBefore(from[:i], d); err != nil || twice {
			if err != nil {
				return nil, err
			}
			fmt.Fprintf(progress, "merge: %s is given twice; reading it once\n", d)
			continue
		}
		fs, err := readFolder(d)
		if err != nil {
			return nil, err
		}
		if len(fs) == 0 {
			fmt.Fprintf(progress, "merge: %s holds no run records (give experiment folders, <out>/<name>)\n", d)
		}
		all = append(all, fs...)
	}
	recs, err := pickRuns(all, spec, progress)
	if err != nil {
		return nil, err
	}
	if err := checkRuns(recs, spec); err != nil {
		return nil, err
	}
	if err := os.MkdirAll(out, 0o755); err != nil {
		return nil, err
	}
	for _, f := range recs {
		if err := bringRun(out, f, progress); err != nil {
			return nil, err
		}
	}
	records := make([]*Record, len(recs))
	for i, f := range recs {
		records[i] = f.rec
	}
	if err := tidyMerged(out, records, progress); err != nil {
		return nil, err
	}
	noteVersions(records, progress)
	return records, WriteSummaryFile(out, records)
}

// pickRuns chooses the records to merge: those of spec, or the only
// configuration present.
func pickRuns(all []found, spec *Spec, progress io.Writer) ([]found, error) {
	type group struct {
		key   string // experiment and spec digest
		files []found
	}
	var groups []*group
	for _, f := range all {
		key := "unusable"
		if f.err == nil {
			key = f.rec.Experiment + " " + f.rec.SpecDigest
		}
		i := slices.IndexFunc(groups, func(g *group) bool { return g.key == key })
		if i < 0 {
			groups = append(groups, &group{key: key})
			i = len(groups) - 1
		}
		groups[i].files = append(groups[i].files, f)
	}
	describe := func(g *group) string {
		f := g.files[0]
		if f.err != nil {
			return fmt.Sprintf("%d unusable records, e.g. %v", len(g.files), f.err)
		}
		return fmt.Sprintf("%d runs of experiment %s with spec digest %.12s, e.g. %s", len(g.files), f.rec.Experiment, f.rec.SpecDigest, filepath.Join(f.dir, f.name))
	}
	var pick *group
	if spec != nil {
		want := spec.Name + " " + SpecDigest(spec.Name, spec.Expand())
		for _, g := range groups {
			if g.key == want {
				pick = g
			} else {
				fmt.Fprintf(progress, "merge: passing over %s: not experiment %s as %s now stands\n", describe(g), spec.Name, spec.File)
			}
		}
		if pick == nil {
			return nil, fmt.Errorf("%w: no finished run of experiment %s as %s now stands", ErrInconsistent, spec.Name, spec.File)
		}
		return pick.files, nil
	}
	switch len(groups) {
	case 0:
		return nil, fmt.Errorf("%w: no finished runs found", ErrInconsistent)
	case 1:
		if groups[0].files[0].err != nil {
			return nil, fmt.Errorf("%w: %w", ErrInconsistent, groups[0].files[0].err)
		}
		return groups[0].files, nil
	}
	var parts []string
	for _, g := range groups {
		parts = append(parts, describe(g))
	}
	return nil, fmt.Errorf("%w: the folders hold results of %d experiments or configurations: %s; name the experiment file to merge its runs only",
		ErrInconsistent, len(groups), strings.Join(parts, "; "))
}

// checkRuns checks that recs hold every run of their experiment exactly
// once, that together they are the experiment their digest names, and
// that each run's files match its record. It sorts recs by index.
func checkRuns(recs []found, spec *Spec) error {
	slices.SortStableFunc(recs, func(a, b found) int {
		return cmp.Or(cmp.Compare(a.rec.Index, b.rec.Index), strings.Compare(a.dir, b.dir))
	})
	first := recs[0].rec
	n := first.Runs
	var missing []string
	next := 0 // the index expected next
	for i, f := range recs {
		r := f.rec
		switch {
		case r.Runs != n:
			return fmt.Errorf("%w: %s says the experiment has %d runs, %s says %d", ErrInconsistent,
				filepath.Join(f.dir, f.name), r.Runs, filepath.Join(recs[0].dir, recs[0].name), n)
		case r.Index < 0 || r.Index >= n:
			return fmt.Errorf("%w: %s: index %d outside the experiment's %d runs", ErrInconsistent, filepath.Join(f.dir, f.name), r.Index, n)
		case i > 0 && r.Index == recs[i-1].rec.Index:
			return fmt.Errorf("%w: run %s is in %s and in %s; each run must be merged once", ErrInconsistent, r.Run, recs[i-1].dir, f.dir)
		}
		for ; next < r.Index; next++ {
			missing = append(missing, runName(spec, next))
		}
		next = r.Index + 1
	}
	for ; next < n; next++ {
		missing = append(missing, runName(spec, next))
	}
	if len(missing) > 0 {
		shown := missing[:min(len(missing), 8)]
		more := ""
		if len(missing) > len(shown) {
			more = fmt.Sprintf(" and %d more", len(missing)-len(shown))
		}
		return fmt.Errorf("%w: %d of the %d runs of experiment %s are missing: %s%s (rerun their shards)",
			ErrInconsistent, len(missing), n, first.Experiment, strings.Join(shown, ", "), more)
	}
	records := make([]*Record, len(recs))
	for i, f := range recs {
		records[i] = f.rec
	}
	if got := SpecDigest(first.Experiment, recordRuns(records)); got != first.SpecDigest {
		return fmt.Errorf("%w: the runs' IDs, seeds and configurations do not make up the experiment their records name (spec digest recomputed %.12s, recorded %.12s)",
			ErrInconsistent, got, first.SpecDigest)
	}
	for _, f := range recs {
		if err := verifyFiles(f.dir, f.rec); errors.Is(err, errMismatch) {
			return fmt.Errorf("%w: run %s in %s: %w", ErrInconsistent, f.rec.Run, f.dir, err)
		} else if err != nil {
			return err
		}
	}
	return nil
}

// runName names the run at index i: its ID when the spec is known.
func runName(spec *Spec, i int) string {
	if spec != nil {
		if runs := spec.Expand(); i < len(runs) {
			return runs[i].ID
		}
	}
	return fmt.Sprintf("index %d", i)
}

// bringRun copies a checked run's files into out unless out holds them
// already, moving aside what out held of that run. The JSON goes last.
func bringRun(out string, f found, progress io.Writer) error {
	src, err := os.ReadFile(filepath.Join(f.dir, f.name))
	if err != nil {
		return err
	}
	if same, err := sameDir(out, f.dir); err != nil || same {
		return err
	}
	if held, err := os.ReadFile(filepath.Join(out, f.name)); err == nil && bytes.Equal(held, src) && verifyFiles(out, f.rec) == nil {
		return nil // merged before
	}
	present, err := runFiles(out, f.rec.Run)
	if err != nil {
		return err
	}
	if len(present) > 0 {
		say := func(s string) { fmt.Fprintf(progress, "merge: run %s: %s\n", f.rec.Run, s) }
		if err := setAside(out, present, "replaced by the merged run", say); err != nil {
			return err
		}
	}
	for _, want := range f.rec.Files {
		got, err := copyFile(f.dir, out, want.Name)
		if err != nil {
			return err
		}
		if got != want {
			return fmt.Errorf("%w: run %s: %s changed while it was copied", ErrInconsistent, f.rec.Run, filepath.Join(f.dir, want.Name))
		}
	}
	return writeAtomic(out, f.name, func(w io.Writer) error { _, err := w.Write(src); return err })
}

// listedBefore reports whether d names one of the folders in dirs.
func listedBefore(dirs []string, d string) (bool, error) {
	for _, o := range dirs {
		if same, err := sameDir(o, d); err != nil || same {
			return same, err
		}
	}
	return false, nil
}

// sameDir reports whether two paths name one folder.
func sameDir(a, b string) (bool, error) {
	sa, err := os.Stat(a)
	if err != nil {
		return false, err
	}
	sb, err := os.Stat(b)
	if err != nil {
		return false, err
	}
	return os.SameFile(sa, sb), nil
}

// copyFile copies from/name to to/name atomically and returns the copy's
// size and digest.
func copyFile(from, to, name string) (FileDigest, error) {
	src, err := os.Open(filepath.Join(from, name))
	if err != nil {
		return FileDigest{}, err
	}
	defer src.Close()
	return writeHashed(to, name, func(w io.Writer) error { _, err := io.Copy(w, src); return err })
}

// tidyMerged moves every result file of out that belongs to none of recs
// into StaleDir and removes leftover temporary files.
func tidyMerged(out string, recs []*Record, progress io.Writer) error {
	keep := map[string]bool{} // index only
	for _, r := range recs {
		keep[recordFile(r.Run)] = true
		for _, f := range r.Files {
			keep[f.Name] = true
		}
	}
	temps, err := listTemps(out)
	if err != nil {
		return err
	}
	for _, names := range sortedValues(temps) {
		if err := removeAll(out, names); err != nil {
			return err
		}
	}
	entries, err := os.ReadDir(out)
	if err != nil {
		return err
	}
	var aside []string
	for _, e := range entries {
		n := e.Name()
		if keep[n] || !e.Type().IsRegular() || runOfFile(n) == "" || !isResultFile(out, n) {
			continue
		}
		aside = append(aside, n)
	}
	if len(aside) == 0 {
		return nil
	}
	return setAside(out, aside, "not part of the merged experiment", func(s string) { fmt.Fprintf(progress, "merge: %s\n", s) })
}

// noteVersions says when the runs were made by more than one version of
// cgkalab: their results may differ in ways a rerun would not reproduce.
func noteVersions(recs []*Record, progress io.Writer) {
	var versions []string
	for _, r := range recs {
		if !slices.Contains(versions, r.Version) {
			versions = append(versions, r.Version)
		}
	}
	if len(versions) > 1 {
		fmt.Fprintf(progress, "merge: note: the runs were made by %d versions of cgkalab: %s\n", len(versions), strings.Join(versions, ", "))
	}
}

// isResultFile reports whether dir/name is a file the runner writes: a
// run CSV, or JSON that is a run record (or was meant to be one).
func isResultFile(dir, name string) bool {
	if !strings.HasSuffix(name, ".json") {
		return runOfFile(name) != ""
	}
	_, err := ReadRecord(filepath.Join(dir, name))
	return !errors.Is(err, ErrNotRecord)
}

// runFiles lists the result files of run id present in dir, in a fixed
// order.
func runFiles(dir, id string) ([]string, error) {
	var out []string
	for _, n := range []string{eventsFile(id), healthFile(id), compromisesFile(id), recordFile(id)} {
		st, err := os.Lstat(filepath.Join(dir, n))
		switch {
		case errors.Is(err, os.ErrNotExist):
		case err != nil:
			return nil, err
		case !st.Mode().IsRegular():
			return nil, fmt.Errorf("%s is not a regular file", filepath.Join(dir, n))
		default:
			out = append(out, n)
		}
	}
	return out, nil
}

// listTemps lists the temporary files in dir, keyed by the run their
// target belongs to ("" for other targets such as summary.csv).
func listTemps(dir string) (map[string][]string, error) {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return nil, err
	}
	temps := map[string][]string{} // index only
	for _, e := range entries {
		if t := tempTarget(e.Name()); t != "" && e.Type().IsRegular() {
			id := runOfFile(t)
			temps[id] = append(temps[id], e.Name())
		}
	}
	return temps, nil
}

func sortedValues(m map[string][]string) [][]string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	out := make([][]string, len(keys))
	for i, k := range keys {
		out[i] = m[k]
	}
	return out
}

// tidyForeign removes temporary files that belong to no run of the
// experiment, and moves aside the result files of runs it no longer has.
// One process of a sharded experiment calls it: the others' runs are
// all in the experiment.
func tidyForeign(dir string, runs []Run, temps map[string][]string, progress io.Writer) error {
	ids := make(map[string]bool, len(runs)) // index only
	for _, r := range runs {
		ids[r.ID] = true
	}
	for id, names := range temps {
		if !ids[id] {
			if err := removeAll(dir, names); err != nil {
				return err
			}
		}
	}
	entries, err := os.ReadDir(dir)
	if err != nil {
		return err
	}
	var aside, gone []string
	for _, e := range entries {
		n := e.Name()
		id := runOfFile(n)
		if id == "" || ids[id] || !e.Type().IsRegular() || !isResultFile(dir, n) {
			continue
		}
		aside = append(aside, n)
		if !slices.Contains(gone, id) {
			gone = append(gone, id)
		}
	}
	if len(aside) == 0 {
		return nil
	}
	why := fmt.Sprintf("%d runs are no longer in the experiment (%s)", len(gone), listSome(gone, 3))
	if len(gone) == 1 {
		why = fmt.Sprintf("run %s is no longer in the experiment", gone[0])
	}
	return setAside(dir, aside, why, func(s string) { fmt.Fprintln(progress, s) })
}

// setAside moves result files of dir into dir/StaleDir, replacing what
// was set aside before for the same runs, and says so.
func setAside(dir string, names []string, why string, say func(string)) error {
	stale := filepath.Join(dir, StaleDir)
	if err := os.MkdirAll(stale, 0o755); err != nil {
		return err
	}
	var ids []string
	for _, n := range names {
		if id := runOfFile(n); id != "" && !slices.Contains(ids, id) {
			ids = append(ids, id)
		}
	}
	for _, id := range ids {
		old, err := runFiles(stale, id)
		if err != nil {
			return err
		}
		if err := removeAll(stale, old); err != nil {
			return err
		}
	}
	for _, n := range names {
		if err := dieHereForTesting(n); err != nil {
			return err
		}
		if err := os.Rename(filepath.Join(dir, n), filepath.Join(stale, n)); err != nil {
			return fmt.Errorf("moving a stale result aside: %w", err)
		}
	}
	if err := syncDir(stale); err != nil {
		return err
	}
	say(fmt.Sprintf("%s; moved %s to %s", why, listSome(names, 4), stale+string(filepath.Separator)))
	return syncDir(dir)
}

// listSome joins the first k names and says how many more there are.
func listSome(names []string, k int) string {
	if len(names) <= k {
		return strings.Join(names, ", ")
	}
	return fmt.Sprintf("%s and %d more", strings.Join(names[:k], ", "), len(names)-k)
}

// removeAll removes files of dir; files already gone are no error.
func removeAll(dir string, names []string) error {
	for _, n := range names {
		if err := os.Remove(filepath.Join(dir, n)); err != nil && !errors.Is(err, os.ErrNotExist) {
			return err
		}
	}
	return nil
}

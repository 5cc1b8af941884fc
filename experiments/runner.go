package experiments

import (
	"bytes"
	"context"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"

	"cgkalab/sim/driver"
)

// RunFunc performs one simulation; driver.Driver's Run method is one. It
// calls progress, if not nil, with the virtual time done and the run's
// total as it goes.
type RunFunc func(ctx context.Context, cfg *driver.Config, seed uint64, progress func(driver.Progress)) (*driver.Result, error)

// Runner executes an experiment's runs and writes their result files.
type Runner struct {
	Out      string  // results go to <Out>/<experiment name>/
	Version  string  // cgkalab version, recorded in every Record
	Run      RunFunc // the simulation
	Progress io.Writer
	// ProgressStep is how often, in percent of a run's virtual time, a
	// progress line is written (default 10); Bar draws a bar in the line
	// (for a terminal, where lines are rewritten in place).
	ProgressStep int
	Bar          bool
}

// Shard selects every Count-th run starting at Index (from 0), so that
// Count processes, such as the tasks of a Slurm job array or a Kubernetes
// Indexed Job, share an experiment. The zero Shard selects every run.
type Shard struct {
	Index, Count int
}

// ParseShard parses "i/N" (0 <= i < N).
func ParseShard(s string) (Shard, error) {
	a, b, ok := strings.Cut(s, "/")
	i, err1 := strconv.Atoi(a)
	n, err2 := strconv.Atoi(b)
	sh := Shard{Index: i, Count: n}
	if !ok || err1 != nil || err2 != nil {
		return Shard{}, fmt.Errorf("shard %q: want i/N, e.g. 0/4", s)
	}
	if n < 1 || i < 0 || i >= n {
		return Shard{}, fmt.Errorf("shard %q: want 0 <= i < N", s)
	}
	return sh, nil
}

func (s Shard) String() string { return fmt.Sprintf("%d/%d", s.Index, max(s.Count, 1)) }

func (s Shard) check() error {
	if s.Count == 0 && s.Index == 0 {
		return nil
	}
	if s.Count < 1 || s.Index < 0 || s.Index >= s.Count {
		return fmt.Errorf("shard %d/%d: want 0 <= index < count", s.Index, s.Count)
	}
	return nil
}

// Has reports whether the shard includes the run at index i.
func (s Shard) Has(i int) bool {
	if s.Count <= 1 {
		return true
	}
	return i%s.Count == s.Index
}

// Selection picks the runs one process performs: a shard of them and,
// if Seeds is not nil, only the runs of those seeds. Indexes and run IDs
// stay those of the whole experiment, so the records of several
// selections merge into one. The zero Selection picks every run.
type Selection struct {
	Shard Shard
	Seeds []uint64
}

// All reports whether the selection is the whole experiment.
func (s Selection) All() bool { return s.Shard.Count <= 1 && s.Seeds == nil }

func (s Selection) has(i int, run *Run) bool {
	return s.Shard.Has(i) && (s.Seeds == nil || slices.Contains(s.Seeds, run.Seed))
}

// StaleDir is the subfolder of an experiment folder that result files of
// other configurations, or of runs no longer in the experiment, are moved
// to, so that they are neither lost nor taken for current results. It
// holds the files last moved aside for each run.
const StaleDir = "stale"

// RunAll executes the runs of spec that sel selects, in order, and
// returns the records of all of them, finished earlier or now.
//
// A run is skipped only if its record matches the run (experiment, run
// ID, seed and configuration) and every file the record lists still has
// the recorded size and SHA-256, so files from two configurations are
// never taken for one finished run. Otherwise the run's files are moved
// aside into StaleDir (or, with no record, removed as the remains of an
// unfinished attempt) and the run is redone. Files of the run that its
// record does not list (a compromises CSV of another configuration) are
// moved aside too, as are, by the process that runs shard 0, the files of
// runs the experiment no longer has. Temporary files that interrupted
// writes left are removed. JSON files that are not run records are left
// alone.
//
// RunAll stops at the first failing run, and when ctx is done (the
// simulation checks it as it goes); the runs finished by then keep their
// files.
func (r *Runner) RunAll(ctx context.Context, spec *Spec, sel Selection) ([]*Record, error) {
	if err := sel.Shard.check(); err != nil {
		return nil, err
	}
	for _, s := range sel.Seeds {
		if !slices.Contains(spec.Seeds, s) {
			return nil, fmt.Errorf("seed %d is not among the seeds of experiment %s", s, spec.Name)
		}
	}
	if r.Run == nil {
		return nil, errors.New("experiments: Runner.Run is not set")
	}
	progress := r.Progress
	if progress == nil {
		progress = io.Discard
	}
	dir := filepath.Join(r.Out, spec.Name)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, err
	}
	runs := spec.Expand()
	id := specID{digest: SpecDigest(spec.Name, runs), runs: len(runs)}
	temps, err := listTemps(dir)
	if err != nil {
		return nil, err
	}
	if sel.Shard.Index == 0 {
		if err := tidyForeign(dir, runs, temps, progress); err != nil {
			return nil, err
		}
	}
	var recs []*Record
	for i := range runs {
		run := &runs[i]
		if !sel.has(i, run) {
			continue
		}
		if err := ctx.Err(); err != nil {
			return recs, err
		}
		tag := fmt.Sprintf("run %d/%d %s", i+1, len(runs), run.ID)
		say := func(s string) { fmt.Fprintf(progress, "%s: %s\n", tag, s) }
		if err := removeAll(dir, temps[run.ID]); err != nil {
			return recs, err
		}
		rec, err := r.finished(dir, spec.Name, id, i, run, say)
		if err != nil {
			return recs, fmt.Errorf("run %s: %w", run.ID, err)
		}
		if rec != nil {
			say("finished earlier, skipped")
			recs = append(recs, rec)
			continue
		}
		rec, err = r.runOne(ctx, dir, spec, id, i, run, say)
		if err != nil {
			return recs, fmt.Errorf("run %s: %w", run.ID, err)
		}
		recs = append(recs, rec)
	}
	return recs, nil
}

// specID is what every record of one experiment shares.
type specID struct {
	digest string
	runs   int
}

// finished returns the record of run if the run finished earlier with the
// same experiment, seed and configuration and its files are intact. If
// not, it clears the way for the run: files of another configuration or
// of mixed origin go to StaleDir, debris of an unfinished attempt is
// removed. A finished record whose position in the experiment changed
// (the sweep was extended) is rewritten with the new one.
func (r *Runner) finished(dir, name string, id specID, index int, run *Run, say func(string)) (*Record, error) {
	present, err := runFiles(dir, run.ID)
	if err != nil || len(present) == 0 {
		return nil, err
	}
	if !slices.Contains(present, recordFile(run.ID)) {
		say(fmt.Sprintf("removing %s, left by an unfinished attempt", strings.Join(present, ", ")))
		return nil, removeAll(dir, present)
	}
	rec, err := ReadRecord(filepath.Join(dir, recordFile(run.ID)))
	var why string
	switch {
	case err != nil:
		why = "unreadable record: " + err.Error()
	case rec.Experiment != name || rec.Run != run.ID:
		why = fmt.Sprintf("record of run %s of experiment %s", rec.Run, rec.Experiment)
	case rec.Seed != run.Seed:
		why = fmt.Sprintf("record of seed %d", rec.Seed)
	case !sameConfig(&rec.Config, &run.Config):
		why = "results of another configuration"
	default:
		if err := verifyFiles(dir, rec); errors.Is(err, errMismatch) {
			why = "files of more than one run: " + strings.TrimPrefix(err.Error(), errMismatch.Error()+": ")
		} else if err != nil {
			return nil, err
		}
	}
	if why != "" {
		return nil, setAside(dir, present, why, say)
	}
	var extra []string
	for _, f := range present {
		if f != recordFile(run.ID) && !slices.ContainsFunc(rec.Files, func(d FileDigest) bool { return d.Name == f }) {
			extra = append(extra, f)
		}
	}
	if len(extra) > 0 {
		if err := setAside(dir, extra, "not part of the finished run", say); err != nil {
			return nil, err
		}
	}
	if rec.Index != index || !slices.Equal(rec.Params, run.Params) || rec.Runs != id.runs || rec.SpecDigest != id.digest {
		rec.Index, rec.Params, rec.Runs, rec.SpecDigest = index, slices.Clone(run.Params), id.runs, id.digest
		if rec.Params == nil {
			rec.Params = []Param{}
		}
		if err := writeAtomic(dir, recordFile(run.ID), func(w io.Writer) error { return WriteRecord(w, rec) }); err != nil {
			return nil, err
		}
	}
	return rec, nil
}

// sameConfig compares configurations as they are recorded, so that a
// field the record lacks counts as a difference only if it is set now.
func sameConfig(a, b *driver.Config) bool {
	ja, err1 := json.Marshal(a)
	jb, err2 := json.Marshal(b)
	return err1 == nil && err2 == nil && bytes.Equal(ja, jb)
}

// runOne performs one run and writes its files.
func (r *Runner) runOne(ctx context.Context, dir string, spec *Spec, id specID, index int, run *Run, say func(string)) (*Record, error) {
	cfg := run.Config
	res, err := r.Run(ctx, &cfg, run.Seed, newProgress(r.ProgressStep, r.Bar, say).update)
	if err != nil {
		return nil, err
	}
	if res == nil {
		return nil, errors.New("the simulation returned no result")
	}
	sec, err := summarizeSecurity(res.Security)
	if err != nil {
		return nil, err
	}
	rec := &Record{
		Format:      FormatVersion,
		Version:     r.Version,
		Experiment:  spec.Name,
		Description: spec.Description,
		Question:    spec.Question,
		Run:         run.ID,
		Index:       index,
		Seed:        run.Seed,
		Params:      slices.Clone(run.Params),
		Config:      run.Config,
		Mode:        res.Mode,
		Stats:       res.Stats,
		Summary:     Summarize(res.Events),

		Security:    sec,
		History:     res.History,
		AuthDigest:  hex.EncodeToString(res.AuthDigest),
		Runs:        id.runs,
		SpecDigest:  id.digest,
		Calibration: res.Calibration,
	}
	if rec.Params == nil {
		rec.Params = []Param{} // [] rather than null in the JSON
	}
	if err := writeRunFiles(dir, rec, res); err != nil {
		return nil, err
	}
	say(fmt.Sprintf("done, %s mode, %d events", res.Mode, len(res.Events)))
	return rec, nil
}

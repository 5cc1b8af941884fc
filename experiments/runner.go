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

	"cgkalab/sim"
	"cgkalab/sim/driver"
)

// RunFunc performs one simulation; driver.Driver's Run method is one. It
// calls progress, if not nil, with the virtual time done and the run's
// total as it goes.
type RunFunc func(ctx context.Context, cfg *driver.Config, seed uint64, progress func(done, total sim.Time)) (*driver.Result, error)

// Runner executes an experiment's runs and writes their result files.
type Runner struct {
	Out      string  // results go to <Out>/<experiment name>/
	Version  string  // cgkalab version, recorded in every Record
	Run      RunFunc // the simulation
	Progress io.Writer
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

// RunAll executes the runs of spec that shard selects, in order, and
// returns the records of all of them, finished earlier or now. A run
// whose result files are already complete, for the same seed and
// configuration, is not run again. RunAll stops at the first failing run,
// and between runs when ctx is done; the runs finished by then keep their
// files.
func (r *Runner) RunAll(ctx context.Context, spec *Spec, shard Shard) ([]*Record, error) {
	if err := shard.check(); err != nil {
		return nil, err
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
	var recs []*Record
	for i, run := range runs {
		if !shard.Has(i) {
			continue
		}
		if err := ctx.Err(); err != nil {
			return recs, err
		}
		tag := fmt.Sprintf("run %d/%d %s", i+1, len(runs), run.ID)
		rec, err := r.finished(dir, spec, i, &run)
		if err != nil {
			return recs, err
		}
		if rec != nil {
			fmt.Fprintf(progress, "%s: finished earlier, skipped\n", tag)
			recs = append(recs, rec)
			continue
		}
		rec, err = r.runOne(ctx, dir, spec, i, &run, func(s string) { fmt.Fprintf(progress, "%s: %s\n", tag, s) })
		if err != nil {
			return recs, fmt.Errorf("run %s: %w", run.ID, err)
		}
		recs = append(recs, rec)
	}
	return recs, nil
}

// finished returns the record of run if its files are complete and it
// ran with the same seed and configuration. A record whose position or
// params changed (the sweep was extended) is rewritten with the new ones.
func (r *Runner) finished(dir string, spec *Spec, index int, run *Run) (*Record, error) {
	rec, err := ReadRecord(filepath.Join(dir, recordFile(run.ID)))
	if err != nil {
		return nil, nil // missing or unreadable: run it
	}
	for _, f := range []string{eventsFile(run.ID), healthFile(run.ID)} {
		if _, err := os.Stat(filepath.Join(dir, f)); err != nil {
			return nil, nil
		}
	}
	if rec.Experiment != spec.Name || rec.Run != run.ID || rec.Seed != run.Seed || !sameConfig(&rec.Config, &run.Config) {
		return nil, nil
	}
	if rec.Index != index || !slices.Equal(rec.Params, run.Params) {
		rec.Index, rec.Params = index, slices.Clone(run.Params)
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
func (r *Runner) runOne(ctx context.Context, dir string, spec *Spec, index int, run *Run, say func(string)) (*Record, error) {
	if err := removeTemps(dir, run.ID); err != nil {
		return nil, err
	}
	cfg := run.Config
	last := -1
	res, err := r.Run(ctx, &cfg, run.Seed, func(done, total sim.Time) {
		if total <= 0 {
			return
		}
		pct := int(100 * (float64(done) / float64(total)))
		if step := pct / 10 * 10; step > last && step > 0 && step < 100 {
			last = step
			say(fmt.Sprintf("%d%% of virtual time", step))
		}
	})
	if err != nil {
		return nil, err
	}
	if res == nil {
		return nil, errors.New("the simulation returned no result")
	}
	rec := &Record{
		Format:     FormatVersion,
		Version:    r.Version,
		Experiment: spec.Name,
		Run:        run.ID,
		Index:      index,
		Seed:       run.Seed,
		Params:     slices.Clone(run.Params),
		Config:     run.Config,
		Mode:       res.Mode,
		Stats:      res.Stats,
		Summary:    Summarize(res.Events),
		Security:   summarizeSecurity(res.Security),
		AuthDigest: hex.EncodeToString(res.AuthDigest), Calibration: res.Calibration,
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

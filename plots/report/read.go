package report

import (
	"cmp"
	"encoding/csv"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"

	"cgkalab/plots"
)

// record is the part of a run's JSON file the report shows. It is read
// from the file, not from the experiments package, so that the report
// (like the figures) needs no simulator to read results.
type record struct {
	Format     int    `json:"format"`
	Version    string `json:"cgkalab_version"`
	Experiment string `json:"experiment"`
	// Question and Description are read where records carry them.
	Question    string          `json:"question"`
	Description string          `json:"description"`
	Run         string          `json:"run"`
	Index       int             `json:"index"`
	Seed        uint64          `json:"seed"`
	Params      []plots.Param   `json:"params"`
	Mode        string          `json:"mode"`
	Config      json.RawMessage `json:"config"`
	Summary     struct {
		Events       int    `json:"events"`
		FinalMembers int    `json:"final_members"`
		FinalEpoch   int64  `json:"final_epoch"`
		BytesUp      int64  `json:"bytes_up_total"`
		BytesDown    int64  `json:"bytes_down_total"`
		Kinds        []kind `json:"kinds"`
	} `json:"summary"`
	Security *struct {
		Compromises     int     `json:"compromises"`
		Censored        int     `json:"censored"`
		Epochs          int     `json:"epochs"`
		ExposedEpochs   int     `json:"exposed_epochs"`
		Messages        int     `json:"messages"`
		ExposedMessages int     `json:"exposed_messages"`
		EpochShare      float64 `json:"exposed_epoch_share"`
		MessageShare    float64 `json:"exposed_message_share"`
	} `json:"security"`
	AuthDigest string `json:"auth_digest"`

	// From Config.
	duration float64 // seconds
	initial  int
}

type kind struct {
	Kind                  string  `json:"kind"`
	Count                 int     `json:"count"`
	BytesUp               numStat `json:"bytes_up"`
	BytesDownPerRecipient numStat `json:"bytes_down_per_recipient"`
	SenderCPU             numStat `json:"sender_cpu_ns"`
}

type numStat struct {
	N    int     `json:"n"`
	Mean float64 `json:"mean"`
	P50  float64 `json:"p50"`
	P90  float64 `json:"p90"`
	P99  float64 `json:"p99"`
}

// kind returns the summary of one event kind, or a zero one.
func (r *record) kind(k string) kind {
	for _, s := range r.Summary.Kinds {
		if s.Kind == k {
			return s
		}
	}
	return kind{Kind: k}
}

// readRecords reads every run record in dir, in the experiment's order.
func readRecords(dir string) ([]*record, error) {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return nil, err
	}
	var recs []*record
	for _, e := range entries {
		n := e.Name()
		if e.IsDir() || strings.HasPrefix(n, ".") || !strings.HasSuffix(n, ".json") {
			continue
		}
		path := filepath.Join(dir, n)
		b, err := os.ReadFile(path)
		if err != nil {
			return nil, err
		}
		var r record
		if err := json.Unmarshal(b, &r); err != nil {
			return nil, fmt.Errorf("%s: %w", path, err)
		}
		if r.Format != 1 || r.Run+".json" != n {
			return nil, fmt.Errorf("%s: not a cgkalab run record of format 1", path)
		}
		var cfg struct {
			Duration int64 `json:"Duration"`
			Workload struct {
				Initial int `json:"Initial"`
			} `json:"Workload"`
		}
		if err := json.Unmarshal(r.Config, &cfg); err != nil {
			return nil, fmt.Errorf("%s: config: %w", path, err)
		}
		r.duration, r.initial = float64(cfg.Duration)/1e9, cfg.Workload.Initial
		if len(recs) > 0 && r.Experiment != recs[0].Experiment {
			return nil, fmt.Errorf("%s: runs of two experiments, %q and %q", dir, recs[0].Experiment, r.Experiment)
		}
		recs = append(recs, &r)
	}
	slices.SortStableFunc(recs, func(a, b *record) int {
		return cmp.Or(cmp.Compare(a.Index, b.Index), strings.Compare(a.Run, b.Run))
	})
	return recs, nil
}

// compromises is a run's compromises file: healing times with their
// censoring flags, and FS windows (seconds).
type compromises struct {
	healing, fsWindow []float64
	censored          []bool
}

// readCompromises reads a run's compromises file; a run without one had
// no compromises.
func readCompromises(path string) (*compromises, error) {
	f, err := os.Open(path)
	if errors.Is(err, os.ErrNotExist) {
		return &compromises{}, nil
	}
	if err != nil {
		return nil, err
	}
	defer f.Close()
	r := csv.NewReader(f)
	header, err := r.Read()
	if err != nil {
		return nil, fmt.Errorf("%s: reading the header: %w", path, err)
	}
	cols := []string{"healing_s", "censored", "fs_window_s"}
	idx := make([]int, len(cols))
	for i, c := range cols {
		if idx[i] = slices.Index(header, c); idx[i] < 0 {
			return nil, fmt.Errorf("%s: no column %q", path, c)
		}
	}
	c := &compromises{}
	for {
		row, err := r.Read()
		if errors.Is(err, io.EOF) {
			return c, nil
		}
		if err != nil {
			return nil, fmt.Errorf("%s: %w", path, err)
		}
		line, _ := r.FieldPos(0)
		var v [3]float64
		for i, j := range idx {
			if v[i], err = strconv.ParseFloat(row[j], 64); err != nil {
				return nil, fmt.Errorf("%s:%d: %s: bad number %q", path, line, cols[i], row[j])
			}
		}
		if v[1] != 0 && v[1] != 1 {
			return nil, fmt.Errorf("%s:%d: censored is %q, want 0 or 1", path, line, row[idx[1]])
		}
		c.healing = append(c.healing, v[0])
		c.censored = append(c.censored, v[1] == 1)
		c.fsWindow = append(c.fsWindow, v[2])
	}
}

// group is one grid point: the runs that differ only in their seed.
type group struct {
	label string // as the figures' legends name it
	recs  []*record
	comp  compromises // pooled over the runs
}

// groupRuns groups records by their params, in the experiment's order.
func groupRuns(recs []*record) []*group {
	var groups []*group
	for _, r := range recs {
		label := plots.GridLabel(r.Params)
		i := slices.IndexFunc(groups, func(g *group) bool { return g.label == label })
		if i < 0 {
			groups = append(groups, &group{label: label})
			i = len(groups) - 1
		}
		groups[i].recs = append(groups[i].recs, r)
	}
	return groups
}

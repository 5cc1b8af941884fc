package plots

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
)

// record is the part of a run's JSON file the figures use.
type record struct {
	Format     int     `json:"format"`
	Experiment string  `json:"experiment"`
	Run        string  `json:"run"`
	Index      int     `json:"index"`
	Seed       uint64  `json:"seed"`
	Mode       string  `json:"mode"`
	Params     []Param `json:"params"`
	Config     struct {
		Protocol string `json:"Protocol"`
		Duration int64  `json:"Duration"` // virtual nanoseconds
		Workload struct {
			Initial int `json:"Initial"`
		} `json:"Workload"`
	} `json:"config"`
	Summary struct {
		FinalMembers int   `json:"final_members"`
		BytesDown    int64 `json:"bytes_down_total"`
	} `json:"summary"`
}

// Param is a swept key and its value in one run, as run records hold
// them.
type Param struct {
	Key   string `json:"key"`
	Value string `json:"value"`
}

// GridLabel names the grid point of a run with params as every figure's
// legend does ("initial=500, every=1h"; AllRuns without params), so that
// a report can show the same name in the same colour (Styles.Of).
func GridLabel(params []Param) string { return paramLabel(params, "") }

// Initial returns the run's initial group size.
func (r *record) Initial() int { return r.Config.Workload.Initial }

// group is one grid point of an experiment: the runs that differ only in
// their seed.
type group struct {
	label string // "initial=500, every=1h"; "all runs" without a sweep
	recs  []*record
}

// groupRuns groups records by their params, in the experiment's order.
func groupRuns(recs []*record) []*group {
	var groups []*group
	for _, r := range recs {
		label := paramLabel(r.Params, "")
		i := slices.IndexFunc(groups, func(g *group) bool { return g.label == label })
		if i < 0 {
			groups = append(groups, &group{label: label})
			i = len(groups) - 1
		}
		groups[i].recs = append(groups[i].recs, r)
	}
	return groups
}

// paramLabel names a grid point by its params but skip, each key
// shortened to its last dotted component unless two keys share it.
func paramLabel(params []Param, skip string) string {
	last := func(key string) string { return key[strings.LastIndexByte(key, '.')+1:] }
	var parts []string
	for _, p := range params {
		if p.Key == skip {
			continue
		}
		k := last(p.Key)
		if slices.ContainsFunc(params, func(q Param) bool { return q.Key != p.Key && last(q.Key) == k }) {
			k = p.Key
		}
		parts = append(parts, k+"="+p.Value)
	}
	if len(parts) == 0 {
		return AllRuns
	}
	return strings.Join(parts, ", ")
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
		b, err := os.ReadFile(filepath.Join(dir, n))
		if err != nil {
			return nil, err
		}
		var r record
		if err := json.Unmarshal(b, &r); err != nil {
			return nil, fmt.Errorf("%s: %w", filepath.Join(dir, n), err)
		}
		if r.Format != 1 || r.Run+".json" != n {
			return nil, fmt.Errorf("%s: not a cgkalab run record of format 1", filepath.Join(dir, n))
		}
		recs = append(recs, &r)
	}
	slices.SortStableFunc(recs, func(a, b *record) int {
		return cmp.Or(cmp.Compare(a.Index, b.Index), strings.Compare(a.Run, b.Run))
	})
	return recs, nil
}

// scanCSV reads the CSV file at path and calls row with the named
// columns of every row, in the order of cols.
func scanCSV(path string, cols []string, row func(vals []string) error) error {
	f, err := os.Open(path)
	if err != nil {
		return err
	}
	defer f.Close()
	r := csv.NewReader(f)
	r.ReuseRecord = true
	header, err := r.Read()
	if err != nil {
		return fmt.Errorf("%s: reading the header: %w", path, err)
	}
	idx := make([]int, len(cols))
	for i, c := range cols {
		if idx[i] = slices.Index(header, c); idx[i] < 0 {
			return fmt.Errorf("%s: no column %q", path, c)
		}
	}
	vals := make([]string, len(cols))
	for {
		rec, err := r.Read()
		if errors.Is(err, io.EOF) {
			return nil
		}
		if err != nil {
			return fmt.Errorf("%s: %w", path, err)
		}
		for i, j := range idx {
			vals[i] = rec[j]
		}
		if err := row(vals); err != nil {
			line, _ := r.FieldPos(0)
			return fmt.Errorf("%s:%d: %w", path, line, err)
		}
	}
}

// parseFloats parses vals into dst.
func parseFloats(dst []float64, vals []string) error {
	for i, v := range vals {
		f, err := strconv.ParseFloat(v, 64)
		if err != nil {
			return fmt.Errorf("bad number %q", v)
		}
		dst[i] = f
	}
	return nil
}

// events holds the columns of an events file the figures use.
type events struct {
	kind       []string
	time       []float64 // seconds
	bytesUp    []float64
	bytesDown  []float64
	recipients []float64
}

func readEvents(path string) (*events, error) {
	ev := &events{}
	nums := make([]float64, 4)
	kinds := map[string]string{} // interning only
	err := scanCSV(path, []string{"kind", "time_s", "bytes_up", "bytes_down", "recipients"}, func(v []string) error {
		if err := parseFloats(nums, v[1:]); err != nil {
			return err
		}
		k, ok := kinds[v[0]]
		if !ok {
			k = strings.Clone(v[0])
			kinds[k] = k
		}
		ev.kind = append(ev.kind, k)
		ev.time = append(ev.time, nums[0])
		ev.bytesUp = append(ev.bytesUp, nums[1])
		ev.bytesDown = append(ev.bytesDown, nums[2])
		ev.recipients = append(ev.recipients, nums[3])
		return nil
	})
	return ev, err
}

// health holds a health file.
type health struct {
	time, blankParents, unmergedLeaves []float64
}

func readHealth(path string) (*health, error) {
	h := &health{}
	nums := make([]float64, 3)
	err := scanCSV(path, []string{"time_s", "blank_parents", "unmerged_leaves"}, func(v []string) error {
		if err := parseFloats(nums, v); err != nil {
			return err
		}
		h.time = append(h.time, nums[0])
		h.blankParents = append(h.blankParents, nums[1])
		h.unmergedLeaves = append(h.unmergedLeaves, nums[2])
		return nil
	})
	return h, err
}

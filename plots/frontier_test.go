package plots

import (
	"bytes"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"cgkalab/experiments/stats"

	"gonum.org/v1/plot/vg/recorder"
)

// frontierRun writes a run of a synthetic experiment: a record with the
// cost figures the frontier reads, tiny events and health files, and a
// compromises file whose message healing times are twice the epoch ones.
func frontierRun(t *testing.T, dir string, index int, params []Param, protocol string, seed uint64,
	bytesDown int64, members int, healing []float64, censored []bool) string {
	t.Helper()
	var ids []string
	for _, p := range params {
		ids = append(ids, p.Key[strings.LastIndexByte(p.Key, '.')+1:]+"="+p.Value)
	}
	run := strings.Join(append(ids, fmt.Sprintf("seed=%d", seed)), "_")
	var ps []string
	for _, p := range params {
		ps = append(ps, fmt.Sprintf(`{"key": %q, "value": %q}`, p.Key, p.Value))
	}
	rec := fmt.Sprintf(`{"format": 1, "experiment": "synth", "run": %q, "index": %d, "seed": %d, "params": [%s],
  "config": {"Protocol": %q, "Duration": %d, "Workload": {"Initial": %d}}, "mode": "full",
  "summary": {"final_members": %d, "bytes_down_total": %d}}`,
		run, index, seed, strings.Join(ps, ", "), protocol, int64(2*86400e9), members, members, bytesDown)
	var comp strings.Builder
	comp.WriteString("time_s,healing_s,censored,fs_window_s,message_healing_s,message_censored\n")
	for i, h := range healing {
		c := 0
		if censored[i] {
			c = 1
		}
		fmt.Fprintf(&comp, "%d,%g,%d,60,%g,%d\n", 3600*i, h, c, 2*h, c)
	}
	files := map[string]string{
		".json":            rec,
		".events.csv":      "kind,bytes_down,time_s,bytes_up,recipients\ncommit,100,10,50,2\n",
		".health.csv":      "time_s,epoch,members,leaves,blank_parents,unmerged_leaves,mean_resolution\n0,1,3,4,0,0,1\n",
		".compromises.csv": comp.String(),
	}
	for ext, body := range files {
		if err := os.WriteFile(filepath.Join(dir, run+ext), []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return run
}

// frontierDir writes three settings of policy.max_update_age: the first
// with two seeds, the last never healing.
func frontierDir(t *testing.T, protocol string) string {
	dir := t.TempDir()
	age := func(v string) []Param { return []Param{{Key: "policy.max_update_age", Value: v}} }
	healed := []float64{3600, 7200, 10800, 14400, 30000}
	none := []bool{false, false, false, false, true}
	frontierRun(t, dir, 0, age("1d"), protocol, 1, 2_000_000*100*2, 100, healed, none)
	frontierRun(t, dir, 1, age("1d"), protocol, 2, 3_000_000*100*2, 100, healed, none)
	frontierRun(t, dir, 2, age("3d"), protocol, 1, 1_000_000*100*2, 100, []float64{3600, 20000, 40000, 50000, 60000}, none)
	frontierRun(t, dir, 3, age("0"), protocol, 1, 800_000*100*2, 100, []float64{3600, 80000, 80000, 80000}, []bool{false, true, true, true})
	return dir
}

func TestFrontierPoints(t *testing.T) {
	for _, protocol := range []string{"mls", "mls-archive"} {
		dir := frontierDir(t, protocol)
		recs, err := readRecords(dir)
		if err != nil {
			t.Fatal(err)
		}
		groups := groupRuns(recs)
		comp, err := readGroupCompromises(dir, groups)
		if err != nil {
			t.Fatal(err)
		}
		if !wantsFrontier(groups, comp) {
			t.Fatal("a sweep of max_update_age with compromises wants the frontier")
		}
		pts, err := frontierPoints(dir, groups, comp)
		if err != nil {
			t.Fatal(err)
		}
		if len(pts) != 3 {
			t.Fatalf("%d points, want 3", len(pts))
		}
		// Bytes down per member per day: total / members / 2 days, the
		// mean over seeds with its t interval.
		if p := pts[0]; p.down.N != 2 || p.down.Mean != 2_500_000 || !(p.down.Lower < 2_000_000) || p.short != "1d" {
			t.Errorf("first point: %+v", p)
		}
		scale := 1.0
		if protocol != "mls" {
			scale = 2 // message healing, which frontierRun makes twice as long
		}
		healed := []float64{3600, 7200, 10800, 14400, 30000, 3600, 7200, 10800, 14400, 30000}
		for i := range healed {
			healed[i] *= scale
		}
		observed := []bool{true, true, true, true, false, true, true, true, true, false}
		km, err := stats.KaplanMeier(healed, observed, stats.Level)
		if err != nil {
			t.Fatal(err)
		}
		if got, want := pts[0].heal, km.Median(); got != want || pts[0].n != 10 || pts[0].censored != 2 || pts[0].messages != (protocol != "mls") {
			t.Errorf("%s: healing %+v (n %d, censored %d), want %+v from the pooled seeds", protocol, got, pts[0].n, pts[0].censored, want)
		}
		if p := pts[2]; p.heal.Reached() || p.followUp != 80000*scale || p.y() != 80000*scale {
			t.Errorf("never-healing setting: %+v", p)
		}
	}
}

func TestFrontierKeys(t *testing.T) {
	for key, want := range map[string]bool{
		"workload.updates.every": true, "policy.max_update_age": true, "mls.updates": true, "protocol": true,
		"archive.rotate_every": true, "group.initial": false, "mls.commit.committer": false, "suite": false,
	} {
		if frontierKey(key) != want {
			t.Errorf("frontierKey(%q) = %v", key, !want)
		}
	}
}

// TestDrawFrontier: Draw puts the frontier first where a swept key calls
// for it, and leaves it out where none does.
func TestDrawFrontier(t *testing.T) {
	st := DefaultStyle()
	st.Formats = []string{"svg"}
	dir := frontierDir(t, "mls")
	figs, err := Draw(dir, filepath.Join(dir, "plots"), st)
	if err != nil {
		t.Fatal(err)
	}
	if len(figs) == 0 || figs[0].Kind != "frontier" || figs[0].Caption != frontierCaption {
		t.Fatalf("first figure %+v, want the frontier", figs[0])
	}
	checkFigure(t, figs[0].Files[0])

	other := t.TempDir()
	size := func(v string) []Param { return []Param{{Key: "group.initial", Value: v}} }
	frontierRun(t, other, 0, size("10"), "mls", 1, 1000, 10, []float64{60, 120}, []bool{false, false})
	frontierRun(t, other, 1, size("20"), "mls", 1, 4000, 20, []float64{60, 120}, []bool{false, false})
	figs, err = Draw(other, filepath.Join(other, "plots"), st)
	if err != nil {
		t.Fatal(err)
	}
	if slices.ContainsFunc(figs, func(f Figure) bool { return f.Kind == "frontier" }) {
		t.Error("a sweep of group.initial alone drew the frontier")
	}
}

// goldenPoints are hand-made settings: one with seeds (an x interval), one
// whose interval is open upwards, one not reached, and two on the Pareto
// frontier.
func goldenPoints() []frontierPoint {
	return []frontierPoint{
		{label: "every=6h", short: "6h", down: stats.Estimate{N: 3, Mean: 4e6, Lower: 3.5e6, Upper: 4.5e6},
			heal: stats.SurvivalTime{Value: 2 * 3600, Lower: 1.5 * 3600, Upper: 3 * 3600}, followUp: 40 * 3600, n: 50, censored: 2},
		{label: "every=1d", short: "1d", down: stats.Estimate{N: 1, Mean: 1e6, Lower: math.NaN(), Upper: math.NaN()},
			heal: stats.SurvivalTime{Value: 10 * 3600, Lower: 6 * 3600, Upper: math.Inf(1)}, followUp: 40 * 3600, n: 50, censored: 20},
		{label: "every=4d", short: "4d", down: stats.Estimate{N: 1, Mean: 3e5, Lower: math.NaN(), Upper: math.NaN()},
			heal: stats.SurvivalTime{Value: math.Inf(1), Lower: 20 * 3600, Upper: math.Inf(1)}, followUp: 36 * 3600, n: 50, censored: 40},
		{label: "every=12h", short: "12h", down: stats.Estimate{N: 1, Mean: 5e6, Lower: math.NaN(), Upper: math.NaN()},
			heal: stats.SurvivalTime{Value: 5 * 3600, Lower: 4 * 3600, Upper: 7 * 3600}, followUp: 40 * 3600, n: 50, censored: 5},
	}
}

func TestParetoSet(t *testing.T) {
	var got []string
	for _, f := range paretoSet(goldenPoints()) {
		got = append(got, f.short)
	}
	// 4d is not reached; 12h costs more than 6h and heals slower.
	if want := []string{"1d", "6h"}; !slices.Equal(got, want) {
		t.Errorf("Pareto set %v, want %v", got, want)
	}
}

// TestFrontierLegendOutsideData: the frontier's legend sits below the
// data, like every figure's, and names every setting.
func TestFrontierLegendOutsideData(t *testing.T) {
	st := DefaultStyle()
	p := frontier(goldenPoints(), st, NewStyles(st))
	rf := drawRecorded(p, st)
	want := []string{"every=6h:", "every=1d:", "every=4d: not reached", "every=12h:", "n.r.: median not reached", "Pareto frontier"}
	var found []string
	for _, a := range rf.rec.Actions {
		fs, ok := a.(*recorder.FillString)
		if !ok {
			continue
		}
		for _, w := range want {
			if strings.HasPrefix(fs.String, w) {
				found = append(found, w)
				if fs.Point.Y >= rf.data.Min.Y {
					t.Errorf("legend entry %q inside the data area", fs.String)
				}
			}
		}
	}
	for _, w := range want {
		if !slices.Contains(found, w) {
			t.Errorf("legend entry %q not drawn", w)
		}
	}
	if p.Y.Min != 0 || !(p.Y.Max > 40) {
		t.Errorf("y axis [%v, %v] h, want from 0 past the longest follow-up", p.Y.Min, p.Y.Max)
	}
}

// TestFrontierGolden pins the frontier figure's SVG. Run with -update
// after a deliberate change to the figure.
func TestFrontierGolden(t *testing.T) {
	st := DefaultStyle()
	st.Formats = []string{"svg"}
	p := frontier(goldenPoints(), st, NewStyles(st, "every=6h", "every=1d", "every=4d", "every=12h"))
	dir := t.TempDir()
	if _, err := Save(p, st, filepath.Join(dir, "frontier")); err != nil {
		t.Fatal(err)
	}
	got, err := os.ReadFile(filepath.Join(dir, "frontier.svg"))
	if err != nil {
		t.Fatal(err)
	}
	golden := filepath.Join("testdata", "frontier.golden.svg")
	if *update {
		if err := os.WriteFile(golden, got, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(golden)
	if err != nil {
		t.Fatalf("%v (run with -update to create)", err)
	}
	if !bytes.Equal(got, want) {
		out := filepath.Join(os.TempDir(), "frontier.got.svg")
		os.WriteFile(out, got, 0o644)
		t.Errorf("frontier.svg differs from %s (written to %s)", golden, out)
	}
}

// TestPointLabels: settings on the same spot share one label.
func TestPointLabels(t *testing.T) {
	pts := goldenPoints()
	twin := pts[0]
	twin.short = "6h bis"
	pts = append(pts, twin)
	got := pointLabels(pts)
	want := []string{"6h; 6h bis", "1d", "4d (n.r.)", "12h", ""}
	if !slices.Equal(got, want) {
		t.Errorf("labels %q, want %q", got, want)
	}
}

package report

import (
	"bytes"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"cgkalab/plots"
)

var update = flag.Bool("update", false, "rewrite the golden report under testdata/")

// synthRun writes one run's result files as the experiments package lays
// them out (the columns the report and figures read, in another order
// than the simulator writes them). Compromises are (healing seconds,
// censored) pairs; none means no compromises file.
func synthRun(t *testing.T, dir string, index, initial int, seed uint64, comp [][2]float64) {
	t.Helper()
	run := fmt.Sprintf("initial=%d_seed=%d", initial, seed)
	up := 1000 + 40*initial + 20*int(seed)
	security := "null"
	if len(comp) > 0 {
		security = fmt.Sprintf(`{"compromises": %d, "exposed_epoch_share": %g, "exposed_message_share": %g}`, len(comp), 0.2+0.1*float64(seed), 0.1*float64(seed))
	}
	rec := fmt.Sprintf(`{"format": 1, "cgkalab_version": "v0.0.0-test", "experiment": "synth",
  "question": "How does commit cost grow with the group?", "description": "A synthetic experiment.",
  "run": %q, "index": %d, "seed": %d, "params": [{"key": "group.initial", "value": "%d"}],
  "config": {"Protocol": "mls", "Suite": 1, "Duration": 21600000000000,
    "Workload": {"Initial": %d, "Joins": {"Process": "poisson", "Every": 1800000000000, "PerMember": false},
      "MessageSize": {"Kind": "lognormal", "Value": 200, "Sigma": 1, "Alpha": 0, "Max": 0}, "CompromiseAt": [3600000000000]}},
  "mode": "full",
  "summary": {"events": 40, "final_members": %d, "final_epoch": 20, "bytes_up_total": 1, "bytes_down_total": %d,
    "kinds": [{"kind": "commit", "count": 20, "bytes_up": {"n": 20, "mean": %d, "p99": %d}, "sender_cpu_ns": {"n": 20, "mean": 1500000}}]},
  "security": %s, "auth_digest": "0123456789abcdef0123"}`,
		run, index, seed, initial, initial, initial, 250*initial*initial, up, up+500, security)
	var ev strings.Builder
	ev.WriteString("kind,bytes_down,time_s,actor,bytes_up,recipients,rejected\n")
	for i := range 20 {
		fmt.Fprintf(&ev, "commit,%d,%d,%d,%d,%d,\n", up*(initial-1), 900*(i+1), i%initial, up+7*(i%5), initial-1)
		fmt.Fprintf(&ev, "send,%d,%d,%d,230,%d,\n", 230*(initial-1), 900*(i+1)+1, i%initial, initial-1)
	}
	var h strings.Builder
	h.WriteString("time_s,epoch,members,leaves,blank_parents,unmerged_leaves,mean_resolution\n")
	for i := range 7 {
		fmt.Fprintf(&h, "%d,%d,%d,%d,%d,%d,1.5\n", 3600*i, i, initial, initial, i%3, i%2)
	}
	files := map[string]string{".json": rec, ".events.csv": ev.String(), ".health.csv": h.String()}
	if len(comp) > 0 {
		var c strings.Builder
		c.WriteString("time_s,member,epoch,healing_s,censored,fs_window_s,exposed_epochs\n")
		for i, hc := range comp {
			fmt.Fprintf(&c, "%d,%d,%d,%g,%g,%d,1\n", 3600*(i+1), i, i, hc[0], hc[1], 60*(i+1))
		}
		files[".compromises.csv"] = c.String()
	}
	for ext, body := range files {
		if err := os.WriteFile(filepath.Join(dir, run+ext), []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

// synthExperiment writes two settings with two seeds each: at 10 members
// most compromises heal; at 40 most are censored, so its median is not
// reached.
func synthExperiment(t *testing.T) string {
	dir := filepath.Join(t.TempDir(), "synth")
	if err := os.Mkdir(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	synthRun(t, dir, 0, 10, 1, [][2]float64{{1800, 0}, {3600, 0}, {7200, 1}, {900, 0}})
	synthRun(t, dir, 1, 10, 2, [][2]float64{{2400, 0}, {5400, 0}, {3000, 1}})
	synthRun(t, dir, 2, 40, 1, [][2]float64{{3600, 0}, {18000, 1}, {14000, 1}})
	synthRun(t, dir, 3, 40, 2, [][2]float64{{16000, 1}, {12000, 1}, {9000, 1}})
	return dir
}

func TestWriteReport(t *testing.T) {
	dir := synthExperiment(t)
	st := smallStyle()
	files, err := Write(dir, Options{Style: &st})
	if err != nil {
		t.Fatal(err)
	}
	if len(files) != 2 || files[0] != filepath.Join(dir, HTMLFile) || files[1] != filepath.Join(dir, MarkdownFile) {
		t.Fatalf("files %v", files)
	}
	page, _ := os.ReadFile(files[0])
	html := string(page)
	// 3 experiment figures (healing, FS windows, cost against size) and
	// 3 per run.
	if n := strings.Count(html, "<svg"); n != 3+4*3 {
		t.Errorf("%d inline SVG figures, want 15", n)
	}
	for _, want := range []string{
		"<!DOCTYPE html>", "How does commit cost grow with the group?", "A synthetic experiment.",
		"v0.0.0-test", "seeds</dt><dd>1, 2</dd>", `<span class="swatch" style="background:#0072b2"></span>initial=10`,
		"not reached", "Brookmeyer–Crowley", "censored", "Censoring.</strong> 7 of 13 compromises",
		"Workload.Initial</td><td>varies: 10 | 40", "Workload.Joins</td><td>poisson, every 30m group-wide",
		"Workload.MessageSize</td><td>lognormal (value 200, sigma 1)", "Workload.CompromiseAt</td><td>[1h]",
		`href="plots/healing.png"`, `href="initial=40_seed=2.compromises.csv"`,
	} {
		if !strings.Contains(html, want) {
			t.Errorf("report.html lacks %q", want)
		}
	}
	// Self-contained: nothing loaded from elsewhere.
	for _, bad := range []string{"<script src", "<link", "<img", "@import", "url("} {
		if strings.Contains(html, bad) {
			t.Errorf("report.html loads a resource: %q", bad)
		}
	}
	md, _ := os.ReadFile(files[1])
	for _, line := range strings.Split(string(md), "\n") {
		if i := strings.Index(line, "](plots/"); i >= 0 && strings.HasPrefix(line, "![") {
			png := line[i+2 : len(line)-1]
			if _, err := os.Stat(filepath.Join(dir, png)); err != nil {
				t.Errorf("report.md shows a missing figure: %v", err)
			}
		}
	}
	golden := filepath.Join("testdata", "report.md")
	if *update {
		if err := os.WriteFile(golden, md, 0o644); err != nil {
			t.Fatal(err)
		}
	} else if want, err := os.ReadFile(golden); err != nil {
		t.Fatalf("%v (run with -update to create)", err)
	} else if !bytes.Equal(md, want) {
		t.Errorf("report.md differs from %s:\n%s", golden, md)
	}

	// The same results give the same report.
	again, err := Write(dir, Options{Style: &st})
	if err != nil {
		t.Fatal(err)
	}
	page2, _ := os.ReadFile(again[0])
	md2, _ := os.ReadFile(again[1])
	if !bytes.Equal(page, page2) || !bytes.Equal(md, md2) {
		t.Error("a second report of the same results differs")
	}
}

// TestSettingsStatistics checks the settings table's numbers: the mean
// over seeds with its t interval, and the pooled Kaplan–Meier median.
func TestSettingsStatistics(t *testing.T) {
	dir := synthExperiment(t)
	st := smallStyle()
	pg, err := build(dir, st, Options{})
	if err != nil {
		t.Fatal(err)
	}
	row := func(label string) map[string]string {
		m := map[string]string{}
		for _, tab := range pg.Settings {
			for _, r := range tab.Rows {
				if r[0].Text == label {
					for i, c := range r {
						m[tab.Head[i]] = c.Text
					}
				}
			}
		}
		if len(m) == 0 {
			t.Fatalf("no row %q", label)
		}
		return m
	}
	ten, forty := row("initial=10"), row("initial=40")
	// Commit bytes up per seed: 1420 and 1440; mean 1430, s = 14.142,
	// t(0.975; 1) = 12.7062, half-width 127.06: [1302.9, 1557.1] → kB.
	if got := ten["commit bytes up (mean)"]; got != "1.43 kB [1.3, 1.56]" {
		t.Errorf("commit bytes: %q", got)
	}
	// Shares 0.3 and 0.4: s = 0.0707, standard error 0.05, so
	// 0.35 ± 12.7062·0.05 = [−0.285, 0.985], cut at 0.
	if got := ten["epochs exposed"]; got != "35.0 % [0.0, 98.5]" {
		t.Errorf("epochs exposed: %q", got)
	}
	// Pooled healing at 10 members: 900, 1800, 2400, 3000+, 3600, 5400,
	// 7200+. S: 6/7, 5/7, 4/7, (3000 censored), 3/7·… at 3600: n = 3,
	// S = 4/7·2/3 = 8/21 ≤ 1/2, so the median is 3600 s = 1.0 h.
	if got := ten["PCS healing: KM median [95 % CI]"]; !strings.HasPrefix(got, "1.0 h [") {
		t.Errorf("healing at 10: %q", got)
	}
	if got := ten["compromises (censored)"]; got != "7 (2)" {
		t.Errorf("compromises at 10: %q", got)
	}
	// At 40 members one of six heals: S = 5/6 and no median.
	if got := forty["PCS healing: KM median [95 % CI]"]; !strings.HasPrefix(got, "not reached") {
		t.Errorf("healing at 40: %q", got)
	}
}

func TestReportBadInput(t *testing.T) {
	st := smallStyle()
	if _, err := Write(t.TempDir(), Options{Style: &st}); err == nil || !strings.Contains(err.Error(), "no finished runs") {
		t.Errorf("empty folder: %v", err)
	}
	dir := synthExperiment(t)
	bad := filepath.Join(dir, "initial=10_seed=1.compromises.csv")
	os.WriteFile(bad, []byte("time_s,member,epoch,healing_s,censored,fs_window_s,exposed_epochs\n1,2,3,60,0,5,1\n1,2,3,x,0,5,1\n"), 0o644)
	if _, err := Write(dir, Options{Style: &st}); err == nil || !strings.Contains(err.Error(), bad+":3: healing_s: bad number \"x\"") {
		t.Errorf("bad number: %v", err)
	}
	os.WriteFile(bad, []byte("healing_s,censored,fs_window_s\n60,2,5\n"), 0o644)
	if _, err := Write(dir, Options{Style: &st}); err == nil || !strings.Contains(err.Error(), `censored is "2"`) {
		t.Errorf("bad flag: %v", err)
	}
	os.WriteFile(bad, []byte("healing_s,fs_window_s\n60,5\n"), 0o644)
	if _, err := Write(dir, Options{Style: &st}); err == nil || !strings.Contains(err.Error(), `no column "censored"`) {
		t.Errorf("missing column: %v", err)
	}
	os.WriteFile(filepath.Join(dir, "initial=10_seed=1.json"), []byte(`{"format": 1, "run": "initial=10_seed=1", "experiment": "other", "config": {}}`), 0o644)
	if _, err := Write(dir, Options{Style: &st}); err == nil || !strings.Contains(err.Error(), "two experiments") {
		t.Errorf("two experiments: %v", err)
	}
}

func TestDuration(t *testing.T) {
	for ns, want := range map[float64]string{
		0: "0", 30 * 60e9: "30m", 90 * 60e9: "1h30m", 86400e9: "1d", 7 * 86400e9: "7d", 90e9: "1m30s", 0.5e9: "500ms", 2 * 3600e9: "2h", 36 * 3600e9: "36h",
	} {
		if got := duration(ns); got != want {
			t.Errorf("duration(%v) = %q, want %q", ns, got, want)
		}
	}
}

// smallStyle draws the figures as SVG and PNG only, at a low resolution,
// to keep the tests quick.
func smallStyle() plots.Style {
	st := plots.DefaultStyle()
	st.Formats = []string{"svg", "png"}
	st.DPI = 48
	return st
}

package plots

import (
	"bytes"
	"encoding/xml"
	"errors"
	"fmt"
	"image/png"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"gonum.org/v1/plot/plotter"
)

// synthRun writes one run's result files the way the experiments package
// does, with the columns in another order than metrics.Columns to show that
// the figures find them by name. commitUp gives the bytes up of commit i.
func synthRun(t *testing.T, dir string, index, initial int, commitUp func(i int) int) string {
	t.Helper()
	run := fmt.Sprintf("initial=%d_seed=1", initial)
	rec := fmt.Sprintf(`{"format": 1, "cgkalab_version": "test", "experiment": "synth", "run": %q, "index": %d, "seed": 1,
  "params": [{"key": "group.initial", "value": "%d"}], "config": {"Workload": {"Initial": %d}}, "mode": "full", "summary": {}}`,
		run, index, initial, initial)
	var ev strings.Builder
	ev.WriteString("kind,bytes_down,time_s,actor,bytes_up,recipients,rejected\n")
	fmt.Fprintf(&ev, "create,0,0,0,0,0,\n")
	fmt.Fprintf(&ev, "add,%d,0.5,0,%d,%d,\n", 4000*(initial-1), 5000+initial*40, initial-1)
	for i := range 60 {
		up := commitUp(i)
		fmt.Fprintf(&ev, "commit,%d,%d,%d,%d,%d,\n", up*(initial-1), 600*(i+1), i%initial, up, initial-1)
		fmt.Fprintf(&ev, "send,%d,%d,%d,230,%d,\"a, b\"\n", 230*(initial-1), 600*(i+1)+1, i%initial, initial-1)
	}
	var h strings.Builder
	h.WriteString("time_s,epoch,members,leaves,blank_parents,unmerged_leaves,mean_resolution\n")
	for i := range 24 {
		fmt.Fprintf(&h, "%d,%d,%d,%d,%d,%d,1.5\n", 3600*i, i, initial, initial+i, i%5, (i*3)%7)
	}
	for name, body := range map[string]string{".json": rec, ".events.csv": ev.String(), ".health.csv": h.String()} {
		if err := os.WriteFile(filepath.Join(dir, run+name), []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return run
}

// checkFigure checks that name is a well-formed SVG or a decodable PNG.
func checkFigure(t *testing.T, name string) {
	t.Helper()
	b, err := os.ReadFile(name)
	if err != nil {
		t.Fatal(err)
	}
	if len(b) == 0 {
		t.Fatalf("%s is empty", name)
	}
	switch filepath.Ext(name) {
	case ".svg":
		if !bytes.Contains(b, []byte("<svg")) {
			t.Errorf("%s: no <svg> element", name)
		}
		dec := xml.NewDecoder(bytes.NewReader(b))
		for {
			_, err := dec.Token()
			if errors.Is(err, io.EOF) {
				break
			}
			if err != nil {
				t.Fatalf("%s: not well-formed XML: %v", name, err)
			}
		}
	case ".pdf":
		if !bytes.HasPrefix(b, []byte("%PDF-")) || !bytes.Contains(b, []byte("%%EOF")) {
			t.Errorf("%s: not a PDF file", name)
		}
	case ".png":
		img, err := png.Decode(bytes.NewReader(b))
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if r := img.Bounds(); r.Dx() < 100 || r.Dy() < 100 {
			t.Errorf("%s: %v pixels", name, r)
		}
	default:
		t.Errorf("unexpected file %s", name)
	}
}

func TestRunWritesFigures(t *testing.T) {
	dir, out := t.TempDir(), filepath.Join(t.TempDir(), "figs")
	for i, n := range []int{1000, 10, 100} {
		synthRun(t, dir, i, n, func(c int) int { return 300*n/10 + 37*(c%11) })
	}
	files, err := Run(dir, out, DefaultStyle())
	if err != nil {
		t.Fatal(err)
	}
	if len(files) != (3*3+1)*3 {
		t.Errorf("%d files written: %v", len(files), files)
	}
	for _, f := range files {
		checkFigure(t, f)
	}
	if files[0] != filepath.Join(out, "size.svg") || files[len(files)-1] != filepath.Join(out, "initial=100_seed=1.health.pdf") {
		t.Errorf("files %v", files)
	}
	entries, _ := os.ReadDir(out)
	if len(entries) != len(files) {
		t.Errorf("%d entries in %s, %d files reported (temporary files left?)", len(entries), out, len(files))
	}
}

// TestLogScaleNonPositive draws the log-scale figures from data with
// zeros and negative values, which gonum's log scale would panic on.
func TestLogScaleNonPositive(t *testing.T) {
	dir, out := t.TempDir(), t.TempDir()
	synthRun(t, dir, 0, 10, func(int) int { return 0 })                      // every commit free
	synthRun(t, dir, 1, 20, func(i int) int { return -5 + i%2*10 })          // negatives
	synthRun(t, dir, 2, 40, func(i int) int { return 777 })                  // one value only
	synthRun(t, dir, 3, 80, func(i int) int { return []int{0, -1, 5}[i%3] }) // mixed
	files, err := Run(dir, out, DefaultStyle())
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range files {
		checkFigure(t, f)
	}

	// All values non-positive: the size figure falls back and says so.
	dir2 := t.TempDir()
	synthRun(t, dir2, 0, 10, func(int) int { return 0 })
	synthRun(t, dir2, 1, 20, func(int) int { return -3 })
	p, err := CostVsSize(dir2, DefaultStyle())
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(p.Title.Text, "no positive values for a log scale") {
		t.Errorf("title %q does not say why the figure is empty", p.Title.Text)
	}
	if _, err := Save(p, DefaultStyle(), filepath.Join(out, "allzero")); err != nil {
		t.Fatal(err)
	}

	// No data at all on a log axis.
	p2, err := Distributions(filepath.Join(dir2, "initial=10_seed=1.events.csv"), "x", DefaultStyle())
	if err != nil {
		t.Fatal(err)
	}
	if _, err := Save(p2, DefaultStyle(), filepath.Join(out, "dist")); err != nil {
		t.Fatal(err)
	}
}

func TestKeepPositive(t *testing.T) {
	in := plotter.XYs{{X: 1, Y: 1}, {X: 0, Y: 1}, {X: 1, Y: -1}, {X: 2, Y: 3}}
	if got, n := keepPositive(in, true, true); len(got) != 2 || n != 2 {
		t.Errorf("log-log kept %v, dropped %d", got, n)
	}
	if got, n := keepPositive(in, false, true); len(got) != 3 || n != 1 {
		t.Errorf("log y kept %v, dropped %d", got, n)
	}
	if omitted(0) != "" || omitted(3) != " (3 points ≤ 0 omitted)" {
		t.Errorf("omitted: %q, %q", omitted(0), omitted(3))
	}
}

func TestRollingMedian(t *testing.T) {
	pts := plotter.XYs{{X: 3, Y: 30}, {X: 1, Y: 10}, {X: 2, Y: 1000}, {X: 4, Y: 40}, {X: 5, Y: 50}}
	got := rollingMedian(pts, 3)
	want := plotter.XYs{{X: 1, Y: 505}, {X: 2, Y: 30}, {X: 3, Y: 40}, {X: 4, Y: 40}, {X: 5, Y: 45}}
	for i := range want {
		if got[i] != want[i] {
			t.Fatalf("rollingMedian = %v, want %v", got, want)
		}
	}
}

func TestMissingColumn(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "x.events.csv")
	os.WriteFile(path, []byte("kind,time_s\ncommit,1\n"), 0o644)
	if _, err := CostOverTime(path, "x", DefaultStyle()); err == nil || !strings.Contains(err.Error(), `no column "bytes_up"`) {
		t.Errorf("error %v", err)
	}
}

func TestOneSizeNoSweepFigure(t *testing.T) {
	dir, out := t.TempDir(), t.TempDir()
	synthRun(t, dir, 0, 10, func(i int) int { return 100 + i })
	files, err := Run(dir, out, DefaultStyle())
	if err != nil {
		t.Fatal(err)
	}
	if len(files) != 9 {
		t.Errorf("files %v", files)
	}
}

func TestLogTicks(t *testing.T) {
	var labels []string
	for _, tk := range (logTicks{}).Ticks(1400, 5800) {
		if tk.Label != "" {
			labels = append(labels, tk.Label)
		}
	}
	if strings.Join(labels, " ") != "2000 3000 4000 5000" {
		t.Errorf("labels %v", labels)
	}
	if got := (logTicks{}).Ticks(0.15, 0.9); len(got) == 0 || got[0].Label != "0.2" {
		t.Errorf("ticks %v", got)
	}
}

func TestSecurityFigures(t *testing.T) {
	dir := t.TempDir()
	run := synthRun(t, dir, 0, 100, func(i int) int { return 1000 + i })
	body := "time_s,member,epoch,healing_s,censored,fs_window_s,exposed_epochs\n" +
		"3600,4,3,1800,0,600,2\n7200,9,6,86400,1,120,9\n9000,2,8,0,0,0,1\n"
	if err := os.WriteFile(filepath.Join(dir, run+".compromises.csv"), []byte(body), 0o644); err != nil {
		t.Fatal(err)
	}
	figs, err := Draw(dir, filepath.Join(dir, "plots"), DefaultStyle())
	if err != nil {
		t.Fatal(err)
	}
	var kinds []string
	for _, f := range figs {
		if f.Run == "" {
			kinds = append(kinds, f.Kind)
			for _, name := range f.Files {
				checkFigure(t, name)
			}
		}
	}
	if strings.Join(kinds, " ") != "healing fswindow" {
		t.Errorf("experiment figures %v", kinds)
	}
	c, err := readCompromises(filepath.Join(dir, run+".compromises.csv"))
	if err != nil || c.nCensored() != 1 || len(c.healing) != 3 || !c.censored[1] {
		t.Errorf("read %+v, %v", c, err)
	}
	os.WriteFile(filepath.Join(dir, run+".compromises.csv"), []byte("healing_s,censored,fs_window_s\n5,2,1\n"), 0o644)
	if _, err := Healing(dir, DefaultStyle()); err == nil || !strings.Contains(err.Error(), `censored is "2"`) {
		t.Errorf("bad censored flag: %v", err)
	}
}

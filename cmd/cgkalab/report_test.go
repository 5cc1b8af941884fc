package main

import (
	"bytes"
	"context"
	"encoding/csv"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"cgkalab/experiments"
)

// TestRunWritesReport runs a tiny experiment end to end: the run writes
// the report, its summary reports healing from Kaplan–Meier, and
// cgkalab report finds the experiment under a results root.
func TestRunWritesReport(t *testing.T) {
	dir := t.TempDir()
	spec := filepath.Join(dir, "tiny.yaml")
	os.WriteFile(spec, []byte(`name: tiny
description: A tiny group, to test the report.
duration: 4h
group:
  initial: 6
workload:
  updates: {process: poisson, every: 2h, per_member: true}
  messages: {process: poisson, every: 1h, per_member: true, size: 100}
mls: {commit: {when: periodic, every: 10m}}
security:
  compromises: {process: poisson, every: 1h}
  at: [30m]
sweep:
  group.initial: [6, 12]
`), 0o644)
	out := filepath.Join(dir, "results")
	var stdout, stderr bytes.Buffer
	if err := runRun(context.Background(), []string{spec, "--out", out}, &stdout, &stderr); err != nil {
		t.Fatalf("%v\n%s", err, stderr.String())
	}
	exp := filepath.Join(out, "tiny")
	for _, f := range []string{"report.html", "report.md", "plots/healing.svg", "plots/healing.png", "plots/healing.pdf"} {
		if _, err := os.Stat(filepath.Join(exp, f)); err != nil {
			t.Error(err)
		}
	}
	html, _ := os.ReadFile(filepath.Join(exp, "report.html"))
	if !strings.Contains(string(html), "A tiny group, to test the report.") {
		t.Error("the report lacks the experiment's description")
	}
	if !strings.Contains(stdout.String(), "PCS healing, epochs (KM median [95% CI])") || !strings.Contains(stdout.String(), "Kaplan–Meier") {
		t.Errorf("summary table:\n%s", stdout.String())
	}

	f, err := os.Open(filepath.Join(exp, experiments.SummaryFile))
	if err != nil {
		t.Fatal(err)
	}
	rows, err := csv.NewReader(f).ReadAll()
	f.Close()
	if err != nil {
		t.Fatal(err)
	}
	col := slices.Index(rows[0], "healing_km_median_s")
	if col < 0 || slices.Contains(rows[0], "healing_s_p50") {
		t.Fatalf("summary.csv header %v", rows[0])
	}
	for _, r := range rows[1:] {
		if r[col] == "" {
			t.Errorf("run %s: no Kaplan–Meier median (inf when not reached)", r[0])
		}
	}

	os.Remove(filepath.Join(exp, "report.html"))
	stdout.Reset()
	if err := run([]string{"report", out}, &stdout, &stderr); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(stdout.String(), filepath.Join(exp, "report.html")) {
		t.Errorf("report wrote %q", stdout.String())
	}
	if _, err := os.Stat(filepath.Join(exp, "report.html")); err != nil {
		t.Error(err)
	}
}

func TestReportArgs(t *testing.T) {
	var out, errOut bytes.Buffer
	for _, args := range [][]string{{"report"}, {"report", "a", "b"}, {"report", "-x", "a"}} {
		if err := run(args, &out, &errOut); err == nil || exitCode(err) != 2 {
			t.Errorf("%v: error %v, want a usage error", args, err)
		}
	}
	empty := t.TempDir()
	if err := run([]string{"report", empty}, &out, &errOut); err == nil || !strings.Contains(err.Error(), "no run records") {
		t.Errorf("empty folder: %v", err)
	}
	if err := run([]string{"report", filepath.Join(empty, "missing")}, &out, &errOut); err == nil || exitCode(err) != 1 {
		t.Errorf("missing folder: %v", err)
	}
}

func TestKMHours(t *testing.T) {
	v := func(f float64) *float64 { return &f }
	for _, c := range []struct {
		m    *experiments.KMMedian
		want string
	}{
		{nil, "-"},
		{&experiments.KMMedian{Median: v(5400), Lower: v(1800), Upper: v(9000)}, "1.5 h [0.5, 2.5]"},
		{&experiments.KMMedian{Median: v(3600), Lower: v(360)}, "1.0 h [0.1, n.r.]"},
		{&experiments.KMMedian{Lower: v(7200)}, "not reached (CI from 2.0 h)"},
		{&experiments.KMMedian{}, "not reached"},
	} {
		if got := kmHours(c.m); got != c.want {
			t.Errorf("kmHours = %q, want %q", got, c.want)
		}
	}
}

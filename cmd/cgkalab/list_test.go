package main

import (
	"bytes"
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"cgkalab/experiments"
)

func TestList(t *testing.T) {
	var stdout, stderr bytes.Buffer
	if err := run([]string{"list"}, &stdout, &stderr); err != nil {
		t.Fatal(err)
	}
	lib, err := experiments.Library()
	if err != nil {
		t.Fatal(err)
	}
	for _, n := range lib {
		if !strings.Contains(stdout.String(), n.Name+" ") || !strings.Contains(stdout.String(), n.Question) {
			t.Errorf("list does not show %s with its question:\n%s", n.Name, stdout.String())
		}
	}

	stdout.Reset()
	if err := run([]string{"list", "churn"}, &stdout, &stderr); err != nil {
		t.Fatal(err)
	}
	if want, _ := experiments.LibraryYAML("churn"); stdout.String() != string(want) {
		t.Errorf("list churn printed:\n%.300s", stdout.String())
	}

	err = run([]string{"list", "nope"}, &stdout, &stderr)
	var u usageError
	if !errors.As(err, &u) || !strings.Contains(err.Error(), "update-period") {
		t.Errorf("list nope: %v, want a usage error naming the library", err)
	}
}

// TestLoadExperiment: how run resolves its argument.
func TestLoadExperiment(t *testing.T) {
	s, err := loadExperiment("update-period", true)
	if err != nil || s.Name != "update-period-quick" || !s.Quick {
		t.Fatalf("update-period --quick: %+v, %v", s, err)
	}
	if s, err = loadExperiment("update-period", false); err != nil || s.Name != "update-period" {
		t.Fatalf("update-period: %+v, %v", s, err)
	}

	// A file wins over a name.
	dir := t.TempDir()
	path := filepath.Join(dir, "churn")
	os.WriteFile(path, []byte("name: mine\nduration: 1h\ngroup: {initial: 4}\nquick: {duration: 10m}\n"), 0o644)
	if s, err = loadExperiment(path, false); err != nil || s.Name != "mine" {
		t.Errorf("file %s: %+v, %v", path, s, err)
	}
	if s, err = loadExperiment(path, true); err != nil || s.Name != "mine-quick" || s.Expand()[0].Config.Duration.Duration() != 10*time.Minute {
		t.Errorf("file %s --quick: %+v, %v", path, s, err)
	}

	var u usageError
	if _, err := loadExperiment("no-such-experiment", false); !errors.As(err, &u) || !strings.Contains(err.Error(), "cgkalab list") {
		t.Errorf("unknown name: %v, want a usage error pointing at cgkalab list", err)
	}
	var b badInput
	if _, err := loadExperiment(filepath.Join(dir, "absent.yaml"), false); !errors.As(err, &b) {
		t.Errorf("absent file: %v, want bad input", err)
	}
	if s, err := loadExperiment("", true); err != nil || s.Name != "default-quick" {
		t.Errorf("default --quick: %+v, %v", s, err)
	}
	noQuick := filepath.Join(dir, "plain.yaml")
	os.WriteFile(noQuick, []byte("name: plain\nduration: 1h\ngroup: {initial: 4}\n"), 0o644)
	if _, err := loadExperiment(noQuick, true); !errors.As(err, &b) || !strings.Contains(err.Error(), "no quick: section") {
		t.Errorf("--quick of a file without a quick section: %v, want bad input", err)
	}
}

// TestLibraryQuick runs every named experiment's quick form end to end,
// as CI does (.ci/run sets CGKALAB_LIBRARY=1): each must finish and write
// its report, which states the question; experiments that sweep an update
// or eviction setting show the frontier. It takes a few minutes.
func TestLibraryQuick(t *testing.T) {
	if os.Getenv("CGKALAB_LIBRARY") == "" {
		t.Skip("set CGKALAB_LIBRARY=1 to run every named experiment with --quick (a few minutes; .ci/run does)")
	}
	out := t.TempDir()
	for _, name := range experiments.LibraryNames() {
		t.Run(name, func(t *testing.T) {
			var stdout, stderr bytes.Buffer
			start := time.Now()
			if err := runRun(context.Background(), []string{name, "--quick", "--out", out}, &stdout, &stderr); err != nil {
				t.Fatalf("%v\n%s", err, stderr.String())
			}
			t.Logf("%s --quick: %.1f s", name, time.Since(start).Seconds())
			spec, _ := experiments.LoadNamed(name, true)
			html, err := os.ReadFile(filepath.Join(out, name+experiments.QuickSuffix, "report.html"))
			if err != nil {
				t.Fatal(err)
			}
			page := string(html)
			if q := strings.ReplaceAll(spec.Question, "'", "&#39;"); !strings.Contains(page, q) {
				t.Errorf("report.html lacks the question %q", spec.Question)
			}
			frontier := strings.Contains(page, "Cost against post-compromise security")
			switch name {
			case "update-period", "offline":
				if !frontier {
					t.Error("report.html lacks the frontier figure")
				}
			case "churn", "pq-cost":
				if frontier {
					t.Error("report.html shows a frontier for an experiment without compromises")
				}
			}
		})
	}
}

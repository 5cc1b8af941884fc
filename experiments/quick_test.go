package experiments

import (
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"cgkalab/sim"
)

// quickBase is a small experiment with a sweep and a quick section; cases
// replace its quick: section.
const quickBase = `name: t
question: Does it work?
duration: 1d
seeds: 3
group:
  initial: 1000
workload:
  updates: {process: poisson, every: 1h}
sweep:
  group.initial: [1000, 2000]
  workload.updates.every: [1h, 2h]
`

func TestDecodeQuickOverrides(t *testing.T) {
	s, err := DecodeQuick("t.yaml", []byte(quickBase+`quick:
  duration: 2h
  seeds: 1
  sweep.group.initial: [10, 20, 30]
  sweep.workload.updates.every: null
  workload.updates.process: periodic
  network.latency: 0.5
`))
	if err != nil {
		t.Fatal(err)
	}
	if s.Name != "t-quick" || !s.Quick || s.Question != "Does it work?" {
		t.Errorf("name %q, quick %v, question %q", s.Name, s.Quick, s.Question)
	}
	runs := s.Expand()
	var ids []string
	for _, r := range runs {
		ids = append(ids, r.ID)
	}
	if want := []string{"initial=10_seed=1", "initial=20_seed=1", "initial=30_seed=1"}; !slices.Equal(ids, want) {
		t.Errorf("runs %v, want %v", ids, want)
	}
	c := runs[1].Config
	switch {
	case c.Duration != 2*sim.Hour:
		t.Errorf("duration %v", c.Duration)
	case c.Workload.Initial != 20:
		t.Errorf("initial %d", c.Workload.Initial)
	case c.Workload.Updates.Process != "periodic" || c.Workload.Updates.Every != sim.Hour:
		t.Errorf("updates %+v (the quick form changes process and keeps every)", c.Workload.Updates)
	case c.Network.Latency.Value != 0.5:
		t.Errorf("latency %+v", c.Network.Latency)
	}

	// The full form is the file as written; its quick section is checked
	// but not applied.
	full, err := Decode("t.yaml", []byte(quickBase+"quick:\n  duration: 2h\n"))
	if err != nil {
		t.Fatal(err)
	}
	if full.Name != "t" || full.Quick || len(full.Expand()) != 12 || full.Expand()[0].Config.Duration != 24*sim.Hour {
		t.Errorf("full form: name %q, quick %v, %d runs", full.Name, full.Quick, len(full.Expand()))
	}
}

// TestDecodeQuickAddsSweep: a quick form may sweep what the file does not,
// and may drop the file's sweep.
func TestDecodeQuickAddsSweep(t *testing.T) {
	noSweep := strings.Split(quickBase, "sweep:")[0]
	s, err := DecodeQuick("t.yaml", []byte(noSweep+"quick:\n  seeds: 1\n  sweep.group.initial: [5, 6]\n"))
	if err != nil {
		t.Fatal(err)
	}
	if len(s.Sweep) != 1 || s.Sweep[0].Key != "group.initial" || len(s.Expand()) != 2 {
		t.Errorf("sweep %+v, %d runs", s.Sweep, len(s.Expand()))
	}
	s, err = DecodeQuick("t.yaml", []byte(quickBase+"quick:\n  seeds: 1\n  sweep: null\n"))
	if err != nil {
		t.Fatal(err)
	}
	if len(s.Sweep) != 0 || len(s.Expand()) != 1 || s.Expand()[0].Config.Workload.Initial != 1000 {
		t.Errorf("sweep %+v, %d runs", s.Sweep, len(s.Expand()))
	}
}

func TestDecodeQuickErrors(t *testing.T) {
	cases := []struct {
		name, quick, want string
	}{
		{"no section", "", "t.yaml: quick: the experiment has no quick: section"},
		{"not a mapping", "quick: [1, 2]\n", `t.yaml:12: quick: want a mapping of dotted keys`},
		{"bad key", "quick:\n  Group.Initial: 5\n", `t.yaml:13: quick: "Group.Initial" is not a dotted key`},
		{"name", "quick:\n  name: other\n", `t.yaml:13: quick.name: cannot override "name" in the quick form`},
		{"question", "quick:\n  question: Other?\n", `quick.question: cannot override "question"`},
		{"unknown top key", "quick:\n  grup.initial: 5\n", `cannot override "grup.initial"`},
		{"overlap", "quick:\n  workload: {}\n  workload.updates.every: 2h\n", `t.yaml:14: quick.workload.updates.every: overlaps quick.workload (line 13)`},
		{"sweep and its entry", "quick:\n  sweep: null\n  sweep.group.initial: [5]\n", `t.yaml:14: quick.sweep.group.initial: overlaps quick.sweep (line 13)`},
		{"bad value at its line", "quick:\n  seeds: 1\n  duration: 2x\n", `t.yaml:14: duration: bad duration "2x"`},
		{"unknown nested key", "quick:\n  group.inital: 5\n", `t.yaml:13: group.inital: unknown key`},
		{"remove what is absent", "quick:\n  policy.max_update_age: null\n", "t.yaml:13: quick.policy.max_update_age: the file has no policy to remove"},
		{"remove an axis not swept", "quick:\n  sweep.duration: null\n", "t.yaml:13: quick.sweep.duration: the file does not sweep duration"},
		{"remove a required key", "quick:\n  duration: null\n", "duration: required key is missing"},
		{"sweep value", "quick:\n  sweep.group.initial: 5\n", "t.yaml:13: sweep.group.initial: want a non-empty list of values"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := DecodeQuick("t.yaml", []byte(quickBase+c.quick))
			if err == nil || !strings.Contains(err.Error(), c.want) {
				t.Fatalf("error %v, want it to contain %q", err, c.want)
			}
			var e *Error
			if !errors.As(err, &e) {
				t.Errorf("%v is not an *Error", err)
			}
		})
	}
	// The full form checks the section's keys too, not its values.
	if _, err := Decode("t.yaml", []byte(quickBase+"quick:\n  name: other\n")); err == nil || !strings.Contains(err.Error(), `cannot override "name"`) {
		t.Errorf("full form with a bad quick key: %v", err)
	}
}

func TestQuestion(t *testing.T) {
	for _, c := range []struct{ q, want string }{
		{`""`, "question: empty"},
		{"|\n  two\n  lines\n", "want one line"},
		{strings.Repeat("a", maxQuestionBytes+1), "at most 300"},
		{"[a, b]", "want a string"},
	} {
		_, err := Decode("t.yaml", []byte(base+"question: "+c.q+"\n"))
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("question %.20q: error %v, want %q", c.q, err, c.want)
		}
	}
	s, err := Decode("t.yaml", []byte(base+"question: >-\n  How long\n  is it?\n"))
	if err != nil || s.Question != "How long is it?" {
		t.Errorf("folded question: %q, %v", s.Question, err)
	}
}

// TestLoadQuickFile: files on disk have a quick form too.
func TestLoadQuickFile(t *testing.T) {
	path := filepath.Join(t.TempDir(), "t.yaml")
	if err := os.WriteFile(path, []byte(quickBase+"quick:\n  seeds: 1\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	s, err := LoadQuick(path)
	if err != nil || s.Name != "t-quick" || len(s.Expand()) != 4 {
		t.Fatalf("LoadQuick: %+v, %v", s, err)
	}
}

// TestRecordQuestion: the question reaches every run's record, where
// reports read it.
func TestRecordQuestion(t *testing.T) {
	spec, err := DecodeQuick("t.yaml", []byte(quickBase+"quick:\n  seeds: 1\n  sweep: null\n"))
	if err != nil {
		t.Fatal(err)
	}
	out := t.TempDir()
	runAll(t, out, spec, Selection{})
	rec, err := ReadRecord(filepath.Join(out, "t-quick", "seed=1.json"))
	if err != nil {
		t.Fatal(err)
	}
	if rec.Question != "Does it work?" || rec.Experiment != "t-quick" {
		t.Errorf("record: question %q, experiment %q", rec.Question, rec.Experiment)
	}
	b, _ := os.ReadFile(filepath.Join(out, "t-quick", "seed=1.json"))
	if !strings.Contains(string(b), `"question": "Does it work?"`) {
		t.Errorf("the JSON has no question key:\n%.400s", b)
	}
}

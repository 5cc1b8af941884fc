package bench

import (
	"context"
	"strings"
	"testing"

	"cgkalab/experiments"
)

func TestSimSpecsDecode(t *testing.T) {
	for _, s := range SimSpecs {
		spec, err := experiments.Decode(s.Name, []byte(s.YAML))
		if err != nil {
			t.Errorf("%s: %v", s.Name, err)
			continue
		}
		if runs := spec.Expand(); len(runs) != 1 {
			t.Errorf("%s: %d runs, want 1", s.Name, len(runs))
		}
		if _, ok := SimSpecByName(s.Name); !ok {
			t.Errorf("%s not found by name", s.Name)
		}
	}
}

func TestMeasureSim(t *testing.T) {
	tiny := SimSpec{Name: "tiny", YAML: `
name: tiny
duration: 10m
fidelity: full
group: {initial: 8}
workload:
  joins:    {process: poisson, every: 1m}
  messages: {process: poisson, every: 2m, per_member: true, size: 100}
security:
  at: [2m]
`}
	r, err := MeasureSim(context.Background(), tiny)
	if err != nil {
		t.Fatal(err)
	}
	if r.Spec != "tiny" || r.Members != 8 || r.Events == 0 || r.Elapsed <= 0 || r.CPU <= 0 || r.RefOp <= 0 {
		t.Errorf("result %+v", r)
	}
	// The group and its records are live at the end of the run.
	if r.Heap <= 0 {
		t.Errorf("heap %d at the end of the run", r.Heap)
	}
	if r.EventsPerSecond() <= 0 || r.CPUPerEvent() <= 0 {
		t.Errorf("rates %v %v", r.EventsPerSecond(), r.CPUPerEvent())
	}

	for _, bad := range []struct{ yaml, want string }{
		{"name: x\nduration: 1m\ngroup: {initial: 4}\nseeds: 2\n", "want one run"},
		{"name: x\nduration: 1m\ngroup: {initial: 0}\n", "group.initial"},
	} {
		_, err := MeasureSim(context.Background(), SimSpec{Name: "bad", YAML: bad.yaml})
		if err == nil || !strings.Contains(err.Error(), bad.want) {
			t.Errorf("%q: error %v, want %q", bad.yaml, err, bad.want)
		}
	}
}

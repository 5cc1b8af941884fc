package experiments

import (
	"errors"
	"strings"
	"testing"

	"cgkalab/sim"
)

// base is a minimal valid experiment; cases append to it from line 5.
const base = `name: t
duration: 1h
group:
  initial: 10
`

func TestDefaultDecodes(t *testing.T) {
	s := Default()
	if s.Name != "default" || len(s.Seeds) != 1 || len(s.Expand()) != 3 {
		t.Fatalf("default: name %q, seeds %v, %d runs", s.Name, s.Seeds, len(s.Expand()))
	}
	c := s.Expand()[2].Config
	if c.Workload.Initial != 2000 || c.Duration != 24*sim.Hour || !strings.Contains(string(c.Options), `"every":600000000000`) ||
		!strings.Contains(string(c.Options), `"key_package_lifetime":2592000000000000`) || c.Workload.Offline.Online.Value != 8*3600 {
		t.Errorf("default config: %+v", c)
	}
}

func TestDecodeMinimalDefaults(t *testing.T) {
	s, err := Decode("t.yaml", []byte(base))
	if err != nil {
		t.Fatal(err)
	}
	runs := s.Expand()
	if len(runs) != 1 || runs[0].ID != "seed=1" || runs[0].Seed != 1 || len(runs[0].Params) != 0 {
		t.Fatalf("runs: %+v", runs)
	}
	c := runs[0].Config
	if c.Protocol != "mls" || c.Suite != 1 || c.Fidelity != "auto" || c.Sample != 8 ||
		!strings.Contains(string(c.Options), `"when":"immediate"`) || c.Workload.Joins.Enabled() || c.Network.Latency.Kind != sim.DistFixed {
		t.Errorf("defaults: %+v", c)
	}
}

func TestDecodeValues(t *testing.T) {
	s, err := Decode("t.yaml", []byte(base+`suite: 0xF001
seeds: 3
workload:
  joins: {every: 2h30m}
  messages: {process: periodic, every: 1d12h, size: 100}
  offline: {share: 0.5, online: 1.5d, offline: {dist: uniform, value: 10m, max: 2h}}
network:
  latency: {dist: pareto, value: 0.05, alpha: 1.5}
`))
	if err != nil {
		t.Fatal(err)
	}
	runs := s.Expand()
	if len(runs) != 3 || runs[2].ID != "seed=3" {
		t.Fatalf("runs: %d, last %q", len(runs), runs[len(runs)-1].ID)
	}
	c := runs[0].Config
	w := c.Workload
	switch {
	case c.Suite != 0xF001:
		t.Errorf("suite %#x", c.Suite)
	case w.Joins.Process != "poisson" || w.Joins.Every != 150*sim.Minute:
		t.Errorf("joins %+v", w.Joins)
	case w.Messages.Every != 36*sim.Hour || w.MessageSize != (sim.Dist{Kind: sim.DistFixed, Value: 100}):
		t.Errorf("messages %+v size %+v", w.Messages, w.MessageSize)
	case w.Offline.Online.Value != 1.5*86400 || w.Offline.Offline != (sim.Dist{Kind: sim.DistUniform, Value: 600, Max: 7200}):
		t.Errorf("offline %+v", w.Offline)
	case c.Network.Latency != (sim.Dist{Kind: sim.DistPareto, Value: 0.05, Alpha: 1.5}):
		t.Errorf("latency %+v", c.Network.Latency)
	}
}

func TestParseDuration(t *testing.T) {
	good := map[string]sim.Time{
		"0": 0, "90m": 90 * sim.Minute, "2h30m": 150 * sim.Minute, "7d": 7 * sim.Day,
		"1.5d": 36 * sim.Hour, "1d12h": 36 * sim.Hour, "300ms": 300 * sim.Millisecond, "-1h": -sim.Hour,
	}
	for in, want := range good {
		if got, err := parseDuration(in); err != nil || got != want {
			t.Errorf("parseDuration(%q) = %v, %v; want %v", in, got, err, want)
		}
	}
	for _, in := range []string{"", "5", "2h30x", "d", "1..5h", "h1", "200000d", "1e3s"} {
		if got, err := parseDuration(in); err == nil {
			t.Errorf("parseDuration(%q) = %v, want an error", in, got)
		}
	}
}

// TestDecodeErrors checks that each problem is reported with the file,
// line and key path.
func TestDecodeErrors(t *testing.T) {
	cases := []struct {
		name, yaml string
		want       []string // substrings of the error, each expected
	}{
		{"unknown key", base + "  size: 3\n", []string{"t.yaml:5: group.size: unknown key (want initial, shape or blank)"}},
		{"unknown top key", base + "sweeep: {}\n", []string{"t.yaml:5: sweeep: unknown key"}},
		{"bad duration", base + "workload:\n  messages:\n    every: 2h30x\n",
			[]string{`t.yaml:7: workload.messages.every: bad duration "2h30x": unknown unit "x"`}},
		{"duration without unit", base + "mls: {commit: {when: periodic, every: 10}}\n",
			[]string{"t.yaml:5: mls.commit.every: bad duration \"10\": missing unit"}},
		{"bad enum", base + "mls:\n  commit:\n    when: sometimes\n",
			[]string{`t.yaml:7: mls.commit.when: unknown "sometimes"`}},
		{"bad enum fidelity", base + "fidelity: exact\n", []string{`t.yaml:5: fidelity: unknown "exact"`}},
		{"negative duration", "name: t\nduration: -1h\ngroup: {initial: 10}\n",
			[]string{`t.yaml:2: duration: duration "-1h" must not be negative`}},
		{"negative int", base + "sample: -2\n", []string{"t.yaml:5: sample: must be at least 0, got -2"}},
		{"negative members", "name: t\nduration: 1h\ngroup: {initial: 0}\n", []string{"t.yaml:3: group.initial: must be at least 1"}},
		{"share out of range", base + "workload:\n  offline: {share: 1.5, online: 1h, offline: 1h}\n",
			[]string{"t.yaml:6: workload.offline.share: 1.5 is not in [0, 1]"}},
		{"periodic without every", base + "mls:\n  commit:\n    when: periodic\n",
			[]string{"t.yaml:6: mls.commit.every: must be positive for when: periodic"}},
		{"admins without admins", base + "mls: {commit: {committer: admins}}\n", []string{"t.yaml:5: mls.commit.admins:"}},
		{"bad evict_by", base + "mls: {evict_by: admin}\n", []string{`t.yaml:5: mls.evict_by: unknown "admin" (want member or service)`}},
		{"bad rejoin", base + "mls:\n  rejoin: resync\n", []string{`t.yaml:6: mls.rejoin: unknown "resync" (want welcome or external_commit)`}},
		{"bad key_packages batch", base + "mls:\n  key_packages: {batch: 0, last_resort: true}\n", []string{"t.yaml:6: mls.key_packages.batch: must be at least 1, got 0"}},
		{"key_packages without batch", base + "mls:\n  key_packages: {lifetime: 7d}\n", []string{"t.yaml:6: mls.key_packages.batch: required key is missing"}},
		{"bad key_packages lifetime", base + "mls:\n  key_packages:\n    batch: 4\n    lifetime: 3x\n", []string{`t.yaml:8: mls.key_packages.lifetime: bad duration "3x"`}},
		{"bad key_packages last_resort", base + "mls: {key_packages: {batch: 4, last_resort: maybe}}\n", []string{"t.yaml:5: mls.key_packages.last_resort: want true or false"}},
		{"mls-archive with rejoin by external commit", base + "protocol: mls-archive\nmls:\n  rejoin: external_commit\n",
			[]string{"t.yaml:7: mls.rejoin: external_commit is not modelled for protocol mls-archive"}},
		{"old commit section", base + "commit: {when: periodic}\n", []string{"t.yaml:5: commit: unknown key"}},
		{"arrival without every", base + "workload:\n  joins: {process: periodic}\n",
			[]string{"t.yaml:6: workload.joins: period must be positive"}},
		{"wrong type", base + "sample: [1, 2]\n", []string{"t.yaml:5: sample: want a number, got a list"}},
		{"quoted number", base + "sample: \"8\"\n", []string{`t.yaml:5: sample: want a number, got the string "8"`}},
		{"not a mapping", base + "mls: periodic\n", []string{`t.yaml:5: mls: want a mapping, got "periodic"`}},
		{"bool", base + "workload:\n  joins: {every: 1h, per_member: yes}\n", []string{`t.yaml:6: workload.joins.per_member: want true or false`}},
		{"duplicate", base + "duration: 2h\n", []string{"t.yaml:5: duration: duplicate key (first at line 2)"}},
		{"missing name", "duration: 1h\ngroup: {initial: 1}\n", []string{"t.yaml:1: name: required key is missing"}},
		{"missing group", "name: t\nduration: 1h\n", []string{"t.yaml:1: group: required key is missing"}},
		{"bad name", "name: a/b\n" + base[8:], []string{`t.yaml:1: name: "a/b" is not usable`}},
		{"messages without size", base + "workload:\n  messages: {every: 1h}\n",
			[]string{"t.yaml:6: workload.messages.size: required when messages are enabled"}},
		{"dist param of another family", base + "network:\n  latency: {dist: exponential, value: 1, sigma: 2}\n",
			[]string{"t.yaml:6: network.latency.sigma: applies only to dist: lognormal, not exponential"}},
		{"dist missing param", base + "network:\n  latency:\n    dist: pareto\n    value: 1\n",
			[]string{"t.yaml:7: network.latency.alpha: required for dist: pareto"}},
		{"dist unknown", base + "network:\n  latency: {dist: normal, value: 1}\n",
			[]string{`t.yaml:6: network.latency.dist: unknown distribution "normal"`}},
		{"bytes as duration", base + "workload:\n  messages: {every: 1h, size: 1h}\n",
			[]string{`t.yaml:6: workload.messages.size: want a number, got "1h"`}},
		{"bad suite", base + "suite: 0x10000\n", []string{"t.yaml:5: suite: want a cipher suite code point"}},
		{"unknown protocol", base + "protocol: signal\n", []string{`t.yaml:5: protocol: unknown "signal"`}},
		{"seeds twice", base + "seeds: [1, 2, 1]\n", []string{"t.yaml:5: seeds: seed 1 is listed twice"}},
		{"seeds zero", base + "seeds: 0\n", []string{"t.yaml:5: seeds: must be at least 1"}},
		{"syntax", base + "mls: {when: [\n", []string{"t.yaml:"}},
		{"two documents", base + "---\nname: u\n", []string{"t.yaml:5: only one YAML document"}},
		{"two problems", base + "sample: x\nsuite: y\n", []string{"t.yaml:5: sample:", "t.yaml:6: suite:"}},
		{"sweep not a list", base + "sweep:\n  group.initial: 5\n", []string{"t.yaml:6: sweep.group.initial: want a non-empty list"}},
		{"sweep forbidden key", base + "sweep:\n  seeds: [1, 2]\n", []string{`t.yaml:6: sweep.seeds: cannot sweep "seeds"`}},
		{"sweep overlap", base + "sweep:\n  workload.joins: [none]\n  workload.joins.every: [1h]\n",
			[]string{"t.yaml:7: sweep.workload.joins.every: overlaps the swept key workload.joins"}},
		{"sweep unknown key", base + "sweep:\n  group.size: [1, 2]\n", []string{"t.yaml:6: group.size: unknown key"}},
		{"sweep bad value", base + "sweep:\n  group.initial:\n    - 5\n    - -1\n",
			[]string{"t.yaml:8: group.initial: must be at least 1, got -1 (at initial=-1)"}},
		{"sweep into scalar", base + "sweep:\n  duration.x: [1]\n", []string{"sweep.duration.x: cannot sweep duration.x: duration is not a mapping"}},
		{"sweep combination", base + "mls: {commit: {every: 1h}}\nsweep:\n  mls.commit.when: [immediate, periodic, count]\n",
			[]string{"t.yaml:5: mls.commit.count: must be at least 1 for when: count (at when=count)"}},
		{"sweep point that fails to decode", base + "mls: {commit: {when: periodic}}\nsweep:\n  group.initial: [0, 5]\n",
			[]string{"t.yaml:5: mls.commit.every: must be positive for when: periodic\n", "t.yaml:7: group.initial: must be at least 1, got 0 (at initial=0)"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := Decode("t.yaml", []byte(c.yaml))
			if err == nil {
				t.Fatalf("no error for\n%s", c.yaml)
			}
			for _, w := range c.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error\n%v\nwant it to contain\n%s", err, w)
				}
			}
			var e *Error
			if !errors.As(err, &e) {
				t.Errorf("error %T is not an *Error", err)
			}
		})
	}
}

func TestDecodeAliases(t *testing.T) {
	s, err := Decode("t.yaml", []byte(base+`workload:
  joins: &gap {every: 1h}
  leaves: *gap
`))
	if err != nil {
		t.Fatal(err)
	}
	if c := s.Expand()[0].Config; c.Workload.Leaves.Every != sim.Hour {
		t.Errorf("leaves through an alias: %+v", c.Workload.Leaves)
	}
}

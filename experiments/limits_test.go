package experiments

import (
	"errors"
	"os"
	"runtime"
	"strings"
	"testing"
)

// TestDecodeBounds feeds the decoder every kind of oversized request: each
// must fail fast with a message naming the key and its line, never crash,
// hang or silently change the value.
func TestDecodeBounds(t *testing.T) {
	bomb := "a: &a [x, x, x, x, x, x, x, x, x, x]\nb: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a, *a]\n" +
		"c: &c [*b, *b, *b, *b, *b, *b, *b, *b, *b, *b]\nd: &d [*c, *c, *c, *c, *c, *c, *c, *c, *c, *c]\n" +
		"e: &e [*d, *d, *d, *d, *d, *d, *d, *d, *d, *d]\nf: &f [*e, *e, *e, *e, *e, *e, *e, *e, *e, *e]\n"
	long := strings.Repeat("x", 200)
	cases := []struct {
		name, yaml string
		want       []string
	}{
		{"seed count", base + "seeds: 1000000000000\n", []string{"t.yaml:5: seeds: must be at most 10000"}},
		{"sample", base + "sample: 1000000000000000000\n", []string{"t.yaml:5: sample: must be at most 4096"}},
		{"group size", "name: t\nduration: 1h\ngroup: {initial: 1000000000}\n", []string{"t.yaml:3: group.initial: must be at most 16777216"}},
		{"heavy tail size", base + "workload:\n  messages: {every: 1h, size: {dist: pareto, value: 200, alpha: 0.01}}\n",
			[]string{"t.yaml:6: workload.messages.size: a pareto size needs max: at most 16777216 bytes"}},
		{"huge fixed size", base + "workload:\n  messages: {every: 1h, size: 1e300}\n",
			[]string{"t.yaml:6: workload.messages.size: 1e+300 bytes is not in [1, 16777216]"}},
		{"truncated heavy tail is fine but max must be in range", base + "workload:\n  messages: {every: 1h, size: {dist: pareto, value: 200, alpha: 0.5, max: 1e9}}\n",
			[]string{"needs max: at most 16777216"}},
		{"max on fixed", base + "network:\n  latency: {dist: fixed, value: 1, max: 2}\n", []string{"t.yaml:6: network.latency.max: does not apply to dist: fixed"}},
		{"grid size", base + "sweep:\n  group.initial: [1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16,17,18,19,20,21,22,23,24,25]\n" +
			"  sample: [1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16,17,18,19,20,21,22,23,24,25]\n  auto_threshold: [1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16,17,18,19,20]\n",
			[]string{"sweep: the sweep and seeds make 12500 runs; at most 10000"}},
		{"alias bomb beside unknown keys", base + bomb, []string{"more than 200000 YAML nodes once aliases are expanded"}},
		{"alias bomb in a sweep", base + "x: " + strings.ReplaceAll(strings.TrimSuffix(bomb, "\n"), "\n", "\nx") + "\n",
			[]string{"t.yaml"}},
		{"unsupported suite", base + "suite: 0x1234\n", []string{"t.yaml:5: suite: cipher suite 0x1234 is not implemented"}},
		{"unsupported suite in a sweep", base + "sweep:\n  suite: [1, 0x1234]\n", []string{"t.yaml:6: suite: cipher suite 0x1234 is not implemented", "(at suite=0x1234)"}},
		{"name too long", "name: " + long + "\nduration: 1h\ngroup: {initial: 1}\n", []string{"t.yaml:1: name: 200 bytes long"}},
		{"run ID too long", base + "sweep:\n  workload.joins: [{every: 1h, process: " + long[:100] + "}, none]\n  group.initial: [" + long[:0] + "1]\n",
			[]string{"t.yaml"}},
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
		})
	}
}

// TestRunIDLength: a sweep label that makes file names too long is refused
// at decoding.
func TestRunIDLength(t *testing.T) {
	label := strings.Repeat("a", 190)
	_, err := Decode("t.yaml", []byte(base+"sweep:\n  protocol: ["+label+"]\n"))
	if err == nil || !strings.Contains(err.Error(), "fit in file names") && !strings.Contains(err.Error(), "unknown") {
		t.Fatalf("error %v", err)
	}
	_, err = Decode("t.yaml", []byte(base+"sweep:\n  workload.messages.size: ["+strings.Repeat("1", 185)+"]\n"))
	if err == nil || !strings.Contains(err.Error(), "fit in file names") {
		t.Fatalf("error %v", err)
	}
}

// TestLoadBounded: an endless file (a device) or an oversized one is
// refused after MaxFileBytes, not read to exhaustion.
func TestLoadBounded(t *testing.T) {
	if runtime.GOOS != "windows" {
		if _, err := os.Stat("/dev/zero"); err == nil {
			_, err := Load("/dev/zero")
			var e *Error
			if !errors.As(err, &e) || !strings.Contains(err.Error(), "larger than") {
				t.Errorf("/dev/zero: %v", err)
			}
		}
	}
	big := t.TempDir() + "/big.yaml"
	if err := os.WriteFile(big, []byte(base+"# "+strings.Repeat("x", MaxFileBytes)+"\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := Load(big); err == nil || !strings.Contains(err.Error(), "larger than") {
		t.Errorf("big file: %v", err)
	}
}

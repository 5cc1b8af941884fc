package peers

import (
	"context"
	"errors"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// withNode returns the ts-mls harness of this directory, skipping the
// test when node is missing.
func withNode(t *testing.T) *Harness {
	t.Helper()
	h, err := NewHarness(".")
	if errors.Is(err, ErrNoNode) {
		t.Skip("node is not on PATH: the ts-mls harness cannot run")
	}
	if err != nil {
		t.Fatal(err)
	}
	return h
}

// harness is withNode that also skips when ts-mls is not installed.
func harness(t *testing.T) *Harness {
	t.Helper()
	h := withNode(t)
	if !h.Installed() {
		t.Skip("bench/peers/node_modules is missing: run bench/peers/install.sh (npm ci) to test the ts-mls harness")
	}
	return h
}

// TestHarnessTSMLS runs ts-mls through every scenario at n = 8 and holds
// its results against cgkalab's: the same scenarios must produce messages
// of the same length, byte for byte, from both implementations.
func TestHarnessTSMLS(t *testing.T) {
	h := harness(t)
	var streamed int
	meta, theirs, err := h.Run(context.Background(), []int{8}, 2, 8, io.Discard, func(Result) { streamed++ })
	if err != nil {
		t.Fatal(err)
	}
	pinned, err := h.PinnedVersion()
	if err != nil {
		t.Fatal(err)
	}
	if meta.Impl != "ts-mls" || meta.Version != pinned || !strings.HasPrefix(meta.Runtime, "node v") {
		t.Errorf("meta = %+v, want ts-mls %s on node", meta, pinned)
	}
	if len(theirs) != len(Scenarios) || streamed != len(theirs) {
		t.Fatalf("got %d results (%d streamed), want %d", len(theirs), streamed, len(Scenarios))
	}
	ours, err := RunCgkalab([]int{8}, 1, io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	for i, r := range theirs {
		if r.Scenario != Scenarios[i] || r.N != 8 || len(r.Create.Wall) != 2 || len(r.Process.CPU) != 2 {
			t.Errorf("result %d: %s n=%d with %d/%d runs", i, r.Scenario, r.N, len(r.Create.Wall), len(r.Process.CPU))
		}
		if Median(r.Create.Wall) <= 0 || Median(r.Process.Wall) <= 0 {
			t.Errorf("%s: zero time measured", r.Scenario)
		}
		o := ours[i]
		if r.CommitBytes != o.CommitBytes || r.WelcomeBytes != o.WelcomeBytes {
			t.Errorf("%s n=8: ts-mls commit %d / Welcome %d bytes, cgkalab %d / %d",
				r.Scenario, r.CommitBytes, r.WelcomeBytes, o.CommitBytes, o.WelcomeBytes)
		}
	}
}

func TestHarnessWarmMax(t *testing.T) {
	h := harness(t)
	_, rs, err := h.Run(context.Background(), []int{4}, 1, 2, io.Discard, nil)
	if err != nil {
		t.Fatal(err)
	}
	if len(rs) != 2 || rs[0].Scenario != Build || rs[1].Scenario != Built {
		t.Errorf("with --warm-max below n, got %+v, want build and built only", rs)
	}
}

// TestHarnessBroken runs stand-in harnesses that fail in the ways a real
// one can: each must end in an error naming what went wrong.
func TestHarnessBroken(t *testing.T) {
	h := withNode(t)
	for _, c := range []struct{ name, script, want string }{
		{"crash", `process.stdout.write('{"type":"meta","impl":"ts-mls","version":"1.6.4","runtime":"x","suite":1}\n'); process.exit(3)`,
			"exit status 3): malformed peer harness output: output ended without the done line"},
		{"garbage", `process.stdout.write("hello\n"); setTimeout(() => {}, 60000)`,
			"malformed peer harness output: line 1: invalid character 'h'"},
		{"clean exit, bad line", `process.stdout.write('{"type":"meta","impl":"ts-mls","version":"1.6.4","runtime":"x","suite":1}\n{"type":"result"}\n{"type":"done"}\n')`,
			`line 2: unknown scenario ""`},
		{"stale install", `process.stdout.write('{"type":"meta","impl":"ts-mls","version":"0.9","runtime":"x","suite":1}\n{"type":"done"}\n')`,
			"node_modules holds ts-mls 0.9 but package.json pins"},
	} {
		t.Run(c.name, func(t *testing.T) {
			dir := t.TempDir()
			if err := os.WriteFile(filepath.Join(dir, "harness.mjs"), []byte(c.script), 0o644); err != nil {
				t.Fatal(err)
			}
			pkg, err := os.ReadFile(filepath.Join(h.Dir, "package.json"))
			if err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(filepath.Join(dir, "package.json"), pkg, 0o644); err != nil {
				t.Fatal(err)
			}
			fake := &Harness{Dir: dir, Node: h.Node}
			_, _, err = fake.Run(context.Background(), []int{4}, 1, 4, io.Discard, nil)
			if err == nil || !strings.Contains(err.Error(), c.want) {
				t.Errorf("error %v, want one containing %q", err, c.want)
			}
		})
	}
}

func TestNewHarnessNoNode(t *testing.T) {
	t.Setenv("PATH", t.TempDir())
	if _, err := NewHarness("."); !errors.Is(err, ErrNoNode) {
		t.Errorf("error %v, want ErrNoNode", err)
	}
}

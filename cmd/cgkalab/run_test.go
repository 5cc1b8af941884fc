package main

import (
	"bufio"
	"bytes"
	"errors"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// tiny is an experiment of two runs that take well under a second.
const tiny = `name: tiny
fidelity: full
seeds: [0, 1]
duration: 10m
group:
  initial: 4
workload:
  messages: {process: poisson, every: 5m, size: 100}
mls:
  commit: {when: periodic, every: 2m}
`

func writeFile(t *testing.T, dir, name, text string) string {
	t.Helper()
	p := filepath.Join(dir, name)
	if err := os.WriteFile(p, []byte(text), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

func TestRunExitCodes(t *testing.T) {
	dir := t.TempDir()
	good := writeFile(t, dir, "tiny.yaml", tiny)
	bad := writeFile(t, dir, "bad.yaml", tiny+"colour: blue\n")
	out := filepath.Join(dir, "results")
	for _, c := range []struct {
		args   []string
		code   int // 0 for success
		stderr string
	}{
		{[]string{"run", "--frobnicate"}, exitUsage, "usage: cgkalab run"},
		{[]string{"run", good, "--shard", "4/4"}, exitUsage, ""},
		{[]string{"run", good, "--seed", "-1"}, exitUsage, ""},
		{[]string{"run", good, "--seed", "7", "--out", out}, exitUsage, ""},
		{[]string{"run", filepath.Join(dir, "missing.yaml")}, exitBadInput, ""},
		{[]string{"run", bad, "--out", out}, exitBadInput, ""},
		{[]string{"run", "-h"}, 0, ""},
		{[]string{"merge"}, exitUsage, "usage: cgkalab merge"},
		{[]string{"merge", "--frobnicate", dir}, exitUsage, ""},
		{[]string{"merge", filepath.Join(dir, "nowhere")}, exitBadInput, ""},
		{[]string{"merge", dir}, exitBadInput, ""}, // no runs in it
		{[]string{"merge", "--experiment", bad, dir}, exitBadInput, ""},
		{[]string{"merge", "-h"}, 0, ""},
	} {
		var stdout, stderr bytes.Buffer
		err := run(c.args, &stdout, &stderr)
		code := 0
		if err != nil {
			code = exitCode(err)
		}
		if code != c.code || !strings.Contains(stderr.String(), c.stderr) {
			t.Errorf("%v: exit %d (%v), stderr %q; want exit %d and %q", c.args, code, err, stderr.String(), c.code, c.stderr)
		}
	}
	if got := exitCode(interrupted{sig: syscall.SIGINT}); got != 130 {
		t.Errorf("SIGINT: exit %d", got)
	}
	if got := exitCode(interrupted{sig: syscall.SIGTERM}); got != 143 {
		t.Errorf("SIGTERM: exit %d", got)
	}
	if got := exitCode(errors.New("disk full")); got != exitFailure {
		t.Errorf("other failure: exit %d", got)
	}
}

// TestRunSeedZero selects seed 0, which the file lists, and no other.
func TestRunSeedZero(t *testing.T) {
	dir := t.TempDir()
	good := writeFile(t, dir, "tiny.yaml", tiny)
	out := filepath.Join(dir, "results")
	var stdout, stderr bytes.Buffer
	if err := run([]string{"run", good, "--seed", "0", "--out", out}, &stdout, &stderr); err != nil {
		t.Fatalf("%v\n%s", err, stderr.String())
	}
	if _, err := os.Stat(filepath.Join(out, "tiny", "seed=0.json")); err != nil {
		t.Error(err)
	}
	if _, err := os.Stat(filepath.Join(out, "tiny", "seed=1.json")); err == nil {
		t.Error("--seed 0 ran seed 1 too")
	}
	if !strings.Contains(stderr.String(), "ran a part of experiment tiny") || !strings.Contains(stdout.String(), "seed=0") {
		t.Errorf("stdout %q\nstderr %q", stdout.String(), stderr.String())
	}
	// The rest of the experiment, then all of it: summary and figures.
	if err := run([]string{"run", good, "--out", out}, &stdout, &stderr); err != nil {
		t.Fatalf("%v\n%s", err, stderr.String())
	}
	if !strings.Contains(stderr.String(), "run 1/2 seed=0: finished earlier, skipped") {
		t.Errorf("stderr %q", stderr.String())
	}
	for _, f := range []string{"summary.csv", "plots/seed=1.cost.svg"} {
		if _, err := os.Stat(filepath.Join(out, "tiny", f)); err != nil {
			t.Error(err)
		}
	}
}

var (
	buildOnce sync.Once
	built     string
	buildErr  error
)

// buildCLI builds cgkalab once per test binary and returns its path.
func buildCLI(t *testing.T) string {
	t.Helper()
	if testing.Short() {
		t.Skip("builds and runs the cgkalab binary; skipped with -short")
	}
	buildOnce.Do(func() {
		goTool, err := exec.LookPath("go")
		if err != nil {
			goTool = filepath.Join(runtime.GOROOT(), "bin", "go")
		}
		dir, err := os.MkdirTemp("", "cgkalab-cli")
		if err != nil {
			buildErr = err
			return
		}
		built = filepath.Join(dir, "cgkalab")
		out, err := exec.Command(goTool, "build", "-o", built, ".").CombinedOutput()
		if err != nil {
			buildErr = errors.New(string(out))
		}
	})
	if buildErr != nil {
		t.Fatalf("go build: %v", buildErr)
	}
	return built
}

func TestMain(m *testing.M) {
	code := m.Run()
	if built != "" {
		os.RemoveAll(filepath.Dir(built))
	}
	os.Exit(code)
}

// slow has two runs: a short one, and one of a second or two.
const slow = `name: slow
fidelity: full
duration: 2h
group:
  initial: 4
workload:
  messages: {process: poisson, every: 1m, size: 100}
  updates: {process: poisson, every: 1h, per_member: true}
mls:
  commit: {when: periodic, every: 2m}
sweep:
  group.initial: [4, 40]
`

// TestSignalStopsRun sends SIGINT (and SIGTERM) to a cgkalab process
// while its second run is in flight: it must exit with 130 (143), say
// "interrupted", keep the first run (its files readable by others, mode
// 0666 less the umask), write nothing of the second, and a rerun must go
// on from there.
func TestSignalStopsRun(t *testing.T) {
	bin := buildCLI(t)
	umask := os.FileMode(syscall.Umask(0))
	syscall.Umask(int(umask))
	for _, c := range []struct {
		sig  syscall.Signal
		code int
	}{{syscall.SIGINT, 130}, {syscall.SIGTERM, 143}} {
		dir := t.TempDir()
		spec := writeFile(t, dir, "slow.yaml", slow)
		out := filepath.Join(dir, "results")
		cmd := exec.Command(bin, "run", spec, "--out", out, "--no-plots")
		var stdout bytes.Buffer
		cmd.Stdout = &stdout
		pipe, err := cmd.StderrPipe()
		if err != nil {
			t.Fatal(err)
		}
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		var stderr strings.Builder
		sc := bufio.NewScanner(pipe)
		sent := false
		for sc.Scan() {
			line := sc.Text()
			stderr.WriteString(line + "\n")
			if !sent && strings.HasPrefix(line, "run 2/2") {
				sent = true
				if err := cmd.Process.Signal(c.sig); err != nil {
					t.Fatal(err)
				}
			}
		}
		io.Copy(io.Discard, pipe)
		err = cmd.Wait()
		var ee *exec.ExitError
		if !errors.As(err, &ee) || ee.ExitCode() != c.code {
			t.Fatalf("%v: %v, want exit %d\n%s", c.sig, err, c.code, stderr.String())
		}
		want := "cgkalab: interrupted by " + signalName(c.sig) + ": 1 finished runs kept in " + filepath.Join(out, "slow")
		if !strings.Contains(stderr.String(), want) || !strings.Contains(stdout.String(), "initial=4_seed=1") {
			t.Errorf("%v: stderr:\n%s\nwant %q; stdout:\n%s", c.sig, stderr.String(), want, stdout.String())
		}
		entries, _ := os.ReadDir(filepath.Join(out, "slow"))
		var names []string
		for _, e := range entries {
			names = append(names, e.Name())
			if !strings.HasPrefix(e.Name(), "initial=4_seed=1.") {
				t.Errorf("%v: %s written", c.sig, e.Name())
			}
			if st, err := e.Info(); err != nil || st.Mode().Perm() != 0o666&^umask {
				t.Errorf("%s: mode %v, want %v", e.Name(), st.Mode().Perm(), os.FileMode(0o666&^umask))
			}
		}
		if len(names) != 3 {
			t.Errorf("%v: files %v, want the first run's three", c.sig, names)
		}

		// Again, to the end.
		again := exec.Command(bin, "run", spec, "--out", out, "--no-plots")
		var errOut bytes.Buffer
		again.Stderr = &errOut
		start := time.Now()
		if err := again.Run(); err != nil {
			t.Fatalf("rerun: %v\n%s", err, errOut.String())
		}
		if !strings.Contains(errOut.String(), "run 1/2 initial=4_seed=1: finished earlier, skipped") {
			t.Errorf("rerun (%v):\n%s", time.Since(start), errOut.String())
		}
	}
}

package main

import (
	"bytes"
	"encoding/csv"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"go.yaml.in/yaml/v3"

	"cgkalab/experiments"
)

// TestShardProcessesMergeLikeOne runs the quick experiment of
// experiments/cluster as separate cgkalab processes, as a job array's
// tasks would: four shards at once into one folder, and two shards into
// folders of their own. Merged, each must equal a single process's run
// byte for byte, apart from the CPU-time columns and fields.
func TestShardProcessesMergeLikeOne(t *testing.T) {
	bin := buildCLI(t)
	spec, err := filepath.Abs("../../experiments/cluster/quick.yaml")
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	cli := func(args ...string) *exec.Cmd {
		cmd := exec.Command(bin, args...)
		cmd.Dir = dir
		return cmd
	}
	mustRun := func(cmds ...*exec.Cmd) {
		t.Helper()
		outs := make([]bytes.Buffer, len(cmds))
		for i, c := range cmds {
			c.Stdout, c.Stderr = &outs[i], &outs[i]
			if err := c.Start(); err != nil {
				t.Fatal(err)
			}
		}
		for i, c := range cmds {
			if err := c.Wait(); err != nil {
				t.Fatalf("%v: %v\n%s", c.Args, err, outs[i].String())
			}
		}
	}
	mustRun(cli("run", spec, "--out", "single"))

	var four []*exec.Cmd
	for i := range 4 {
		four = append(four, cli("run", spec, "--out", "shared", "--shard", fmt.Sprintf("%d/4", i)))
	}
	mustRun(four...)
	mustRun(cli("merge", "shared/quick"))
	sameApartFromCPU(t, filepath.Join(dir, "single/quick"), filepath.Join(dir, "shared/quick"), true)

	mustRun(cli("run", spec, "--out", "own0", "--shard", "0/2", "--no-plots"), cli("run", spec, "--out", "own1", "--shard", "1/2", "--no-plots"))
	mustRun(cli("merge", "--no-plots", "merged/quick", "own0/quick", "own1/quick"))
	sameApartFromCPU(t, filepath.Join(dir, "single/quick"), filepath.Join(dir, "merged/quick"), false)
}

// cpuColumn tells the columns and fields that hold CPU time, measured or
// modelled from the calibration each run measures at its start.
func cpuColumn(name string) bool { return strings.Contains(name, "cpu_ns") || name == "calibration" }

// sameApartFromCPU compares two experiment folders file by file: the same
// files, CSVs equal once CPU-time columns are dropped, JSON records equal
// once CPU-time fields and the events file's digest are dropped, and
// everything else (health and compromises CSVs, figures) byte for byte.
func sameApartFromCPU(t *testing.T, want, got string, figures bool) {
	t.Helper()
	list := func(dir string) []string {
		var names []string
		entries, err := os.ReadDir(dir)
		if err != nil {
			t.Fatal(err)
		}
		for _, e := range entries {
			report := strings.HasPrefix(e.Name(), "report.")
			if e.Type().IsRegular() && (figures || !report) {
				names = append(names, e.Name())
			}
		}
		if figures {
			plots, err := os.ReadDir(filepath.Join(dir, "plots"))
			if err != nil {
				t.Fatal(err)
			}
			for _, e := range plots {
				names = append(names, filepath.Join("plots", e.Name()))
			}
		}
		return names
	}
	names := list(want)
	if g := list(got); !slices.Equal(names, g) {
		t.Fatalf("files differ:\n%v\n%v", names, g)
	}
	if len(names) < 4*4+1 {
		t.Fatalf("only %d files: %v", len(names), names)
	}
	for _, n := range names {
		a, err := os.ReadFile(filepath.Join(want, n))
		if err != nil {
			t.Fatal(err)
		}
		b, err := os.ReadFile(filepath.Join(got, n))
		if err != nil {
			t.Fatal(err)
		}
		switch {
		case strings.HasPrefix(n, "report."):
			// The reports are drawn from the records and figures compared
			// here, and show CPU time in their tables: they must exist.
			if len(a) == 0 || len(b) == 0 {
				t.Errorf("%s is empty", n)
			}
			continue
		case strings.HasSuffix(n, ".events.csv"), n == "summary.csv":
			a, b = dropCSVColumns(t, a), dropCSVColumns(t, b)
		case strings.HasSuffix(n, ".json"):
			a, b = dropJSONFields(t, a), dropJSONFields(t, b)
		}
		if !bytes.Equal(a, b) {
			t.Errorf("%s differs apart from CPU time", n)
		}
	}
}

func dropCSVColumns(t *testing.T, b []byte) []byte {
	t.Helper()
	rows, err := csv.NewReader(bytes.NewReader(b)).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	w := csv.NewWriter(&buf)
	for _, row := range rows {
		var keep []string
		for i, v := range row {
			if !cpuColumn(rows[0][i]) {
				keep = append(keep, v)
			}
		}
		w.Write(keep)
	}
	w.Flush()
	return buf.Bytes()
}

func dropJSONFields(t *testing.T, b []byte) []byte {
	t.Helper()
	var v any
	if err := json.Unmarshal(b, &v); err != nil {
		t.Fatal(err)
	}
	var walk func(v any) any
	walk = func(v any) any {
		switch x := v.(type) {
		case map[string]any:
			for k, e := range x {
				if cpuColumn(k) {
					delete(x, k)
				} else {
					x[k] = walk(e)
				}
			}
			if name, ok := x["name"].(string); ok && strings.HasSuffix(name, ".events.csv") {
				delete(x, "sha256") // the events file holds CPU columns
				delete(x, "size")
			}
		case []any:
			for i, e := range x {
				x[i] = walk(e)
			}
		}
		return v
	}
	out, err := json.Marshal(walk(v))
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// TestSlurmArrayScript runs experiments/cluster/slurm-array.sh against a
// stand-in sbatch that records its arguments, checks the job array and
// the dependent merge job it asks for, and then runs the commands it
// wraps under /bin/sh, as Slurm would, once per array task and once for
// the merge. (slurm-check.sh does the same on a real one-node cluster.)
func TestSlurmArrayScript(t *testing.T) {
	bin := buildCLI(t)
	if _, err := exec.LookPath("bash"); err != nil {
		t.Skip("no bash")
	}
	dir := t.TempDir()
	spec := writeFile(t, dir, "tiny.yaml", tiny)
	fake := filepath.Join(dir, "fakebin")
	if err := os.MkdirAll(fake, 0o755); err != nil {
		t.Fatal(err)
	}
	// Each call writes its arguments, one per line, to call<n>; job IDs
	// count from 100.
	writeFile(t, fake, "sbatch", `#!/bin/sh
n=$(ls "$CALLS" | wc -l)
for a in "$@"; do printf '%s\n' "$a"; done >"$CALLS/call$n"
echo "$((100 + n));cluster"
`)
	if err := os.Chmod(filepath.Join(fake, "sbatch"), 0o755); err != nil {
		t.Fatal(err)
	}
	calls := filepath.Join(dir, "calls")
	os.Mkdir(calls, 0o755)
	out := filepath.Join(dir, "out")
	script, _ := filepath.Abs("../../experiments/cluster/slurm-array.sh")
	cmd := exec.Command(script, "-n", "2", "-o", out, "-b", bin, spec, "--", "--partition=long")
	cmd.Env = append(os.Environ(), "PATH="+fake+string(os.PathListSeparator)+os.Getenv("PATH"), "CALLS="+calls)
	if b, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("%v\n%s", err, b)
	}
	read := func(n int) []string {
		b, err := os.ReadFile(filepath.Join(calls, fmt.Sprintf("call%d", n)))
		if err != nil {
			t.Fatal(err)
		}
		return strings.Split(strings.TrimSuffix(string(b), "\n"), "\n")
	}
	wrapped := func(args []string) string {
		i := slices.Index(args, "--wrap")
		if i < 0 || i+1 >= len(args) {
			t.Fatalf("no --wrap in %q", args)
		}
		return args[i+1]
	}
	array, merge := read(0), read(1)
	for _, want := range []string{"--array=0-1", "--partition=long", "--parsable"} {
		if !slices.Contains(array, want) {
			t.Errorf("array job: %q lacks %s", array, want)
		}
	}
	for _, want := range []string{"--dependency=afterok:100", "--kill-on-invalid-dep=yes", "--partition=long"} {
		if !slices.Contains(merge, want) {
			t.Errorf("merge job: %q lacks %s", merge, want)
		}
	}
	for task := range 2 {
		sh := exec.Command("/bin/sh", "-c", wrapped(array))
		sh.Env = append(os.Environ(), fmt.Sprintf("SLURM_ARRAY_TASK_ID=%d", task))
		if b, err := sh.CombinedOutput(); err != nil {
			t.Fatalf("task %d: %v\n%s", task, err, b)
		}
	}
	b, err := exec.Command("/bin/sh", "-c", wrapped(merge)).CombinedOutput()
	if err != nil || !strings.Contains(string(b), "merged 2 runs into "+filepath.Join(out, "tiny")) {
		t.Fatalf("merge: %v\n%s", err, b)
	}

	// A bad task count is a usage error, before anything is submitted.
	bad := exec.Command(script, "-n", "two", "-b", bin, spec)
	bad.Env = cmd.Env
	if err := bad.Run(); err == nil || bad.ProcessState.ExitCode() != 2 {
		t.Errorf("-n two: %v", err)
	}
}

// TestIndexedJobManifest checks the Kubernetes manifest beside the Slurm
// scripts, which cannot run here: it parses, its shard Job is Indexed with
// --shard $(JOB_COMPLETION_INDEX)/N for N = completions, and its merge Job
// merges the experiment folder of the file the shards run.
func TestIndexedJobManifest(t *testing.T) {
	f, err := os.Open("../../experiments/cluster/k8s-indexed-job.yaml")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	type container struct {
		Args []string `yaml:"args"`
	}
	type job struct {
		Kind     string `yaml:"kind"`
		Metadata struct {
			Name   string            `yaml:"name"`
			Labels map[string]string `yaml:"labels"`
		} `yaml:"metadata"`
		Spec struct {
			CompletionMode string `yaml:"completionMode"`
			Completions    int    `yaml:"completions"`
			Template       struct {
				Spec struct {
					Containers []container `yaml:"containers"`
				} `yaml:"spec"`
			} `yaml:"template"`
		} `yaml:"spec"`
	}
	var shards, merge *job
	dec := yaml.NewDecoder(f)
	for {
		var j job
		if err := dec.Decode(&j); errors.Is(err, io.EOF) {
			break
		} else if err != nil {
			t.Fatal(err)
		}
		if j.Metadata.Labels["cgkalab/step"] == "" {
			t.Errorf("%s %s has no cgkalab/step label", j.Kind, j.Metadata.Name)
		}
		switch {
		case j.Kind == "Job" && j.Spec.CompletionMode == "Indexed":
			shards = &j
		case j.Kind == "Job":
			merge = &j
		}
	}
	if shards == nil || merge == nil || len(shards.Spec.Template.Spec.Containers) != 1 || len(merge.Spec.Template.Spec.Containers) != 1 {
		t.Fatal("want an Indexed Job of one container and a merge Job of one container")
	}
	args := shards.Spec.Template.Spec.Containers[0].Args
	i := slices.Index(args, "--shard")
	if i < 0 || i+1 >= len(args) || args[i+1] != fmt.Sprintf("$(JOB_COMPLETION_INDEX)/%d", shards.Spec.Completions) {
		t.Errorf("shard args %q, completions %d", args, shards.Spec.Completions)
	}
	spec, err := experiments.Load("../../experiments/cluster/" + filepath.Base(args[1]))
	if err != nil {
		t.Fatal(err)
	}
	margs := merge.Spec.Template.Spec.Containers[0].Args
	if want := []string{"merge", "--experiment", args[1], "/results/" + spec.Name}; !slices.Equal(margs, want) || args[3] != "/results" {
		t.Errorf("merge args %q, want %q", margs, want)
	}
}

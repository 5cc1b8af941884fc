package main

import (
	"bytes"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
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

// cpuColumn tells the columns and fields that hold CPU time.
func cpuColumn(name string) bool { return strings.Contains(name, "cpu_ns") }

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
			if e.Type().IsRegular() {
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

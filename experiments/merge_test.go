package experiments

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// shardsInto runs spec as n shards, shard i into outs[i % len(outs)].
func shardsInto(t *testing.T, spec *Spec, n int, outs ...string) {
	t.Helper()
	for i := range n {
		runAll(t, outs[i%len(outs)], spec, Selection{Shard: Shard{Index: i, Count: n}})
	}
}

func TestMergeShards(t *testing.T) {
	spec := sweepSpec(t, "security:\n  at: [10m]\n")
	whole := t.TempDir()
	runAll(t, whole, spec, Selection{})
	wantRecs, err := Merge(filepath.Join(whole, "t"), nil, nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	want := snapshot(t, filepath.Join(whole, "t"))

	// Shards into one folder.
	one := t.TempDir()
	shardsInto(t, spec, 3, one)
	recs, err := Merge(filepath.Join(one, "t"), nil, nil, nil)
	if err != nil || len(recs) != len(wantRecs) {
		t.Fatalf("one folder: %v, %d records", err, len(recs))
	}
	sameSnapshot(t, "one folder", snapshot(t, filepath.Join(one, "t")), want)

	// Shards into folders of their own, merged into a new one, twice.
	var shardDirs []string
	for i := range 3 {
		d := t.TempDir()
		runAll(t, d, spec, Selection{Shard: Shard{Index: i, Count: 3}})
		shardDirs = append(shardDirs, filepath.Join(d, "t"))
	}
	out := filepath.Join(t.TempDir(), "merged")
	for range 2 {
		var progress bytes.Buffer
		if _, err := Merge(out, shardDirs, nil, &progress); err != nil {
			t.Fatal(err)
		}
		sameSnapshot(t, "own folders", snapshot(t, out), want)
		if progress.Len() > 0 {
			t.Errorf("merge said:\n%s", progress.String())
		}
	}
	// The target folder may be one of the sources.
	if _, err := Merge(shardDirs[0], shardDirs, nil, nil); err != nil {
		t.Fatal(err)
	}
	sameSnapshot(t, "into a shard's folder", snapshot(t, shardDirs[0]), want)
}

func TestMergeErrors(t *testing.T) {
	spec := sweepSpec(t, "")
	edited := sweepSpec(t, "sample: 3\n")
	mkShards := func(n int) []string {
		var dirs []string
		for i := range n {
			d := t.TempDir()
			runAll(t, d, spec, Selection{Shard: Shard{Index: i, Count: n}})
			dirs = append(dirs, filepath.Join(d, "t"))
		}
		return dirs
	}
	for _, c := range []struct {
		name  string
		setup func() (out string, from []string, spec *Spec)
		want  string
	}{
		{"missing shard", func() (string, []string, *Spec) {
			d := mkShards(2)
			return t.TempDir(), d[:1], nil
		}, "2 of the 4 runs of experiment t are missing: index 1, index 3 (rerun their shards)"},
		{"missing shard, experiment known", func() (string, []string, *Spec) {
			d := mkShards(2)
			return t.TempDir(), d[1:], spec
		}, "2 of the 4 runs of experiment t are missing: initial=10_seed=1, initial=20_seed=1"},
		{"shard twice", func() (string, []string, *Spec) {
			d := mkShards(2)
			again := t.TempDir()
			runAll(t, again, spec, Selection{Shard: Shard{Index: 0, Count: 2}})
			return t.TempDir(), []string{d[0], d[1], d[0], filepath.Join(again, "t")}, nil
		}, "run initial=10_seed=1 is in"},
		{"two configurations", func() (string, []string, *Spec) {
			d := mkShards(2)
			o := t.TempDir()
			runAll(t, o, edited, Selection{Shard: Shard{Index: 1, Count: 2}})
			return t.TempDir(), []string{d[0], filepath.Join(o, "t")}, nil
		}, "the folders hold results of 2 experiments or configurations: 2 runs of experiment t with spec digest"},
		{"experiment as it now stands", func() (string, []string, *Spec) {
			d := mkShards(1)
			return t.TempDir(), d, edited
		}, "no finished run of experiment t as t.yaml now stands"},
		{"changed file", func() (string, []string, *Spec) {
			d := mkShards(2)
			p := filepath.Join(d[1], "initial=10_seed=2.health.csv")
			b, _ := os.ReadFile(p)
			os.WriteFile(p, bytes.Replace(b, []byte("10"), []byte("11"), 1), 0o644)
			return t.TempDir(), d, nil
		}, "run initial=10_seed=2 in"},
		{"edited record", func() (string, []string, *Spec) {
			d := mkShards(2)
			p := filepath.Join(d[1], "initial=10_seed=2.json")
			b, _ := os.ReadFile(p)
			os.WriteFile(p, bytes.Replace(b, []byte(`"Sample": 8`), []byte(`"Sample": 9`), 1), 0o644)
			return t.TempDir(), d, nil
		}, "do not make up the experiment their records name"},
		{"no records", func() (string, []string, *Spec) {
			return t.TempDir(), []string{t.TempDir()}, nil
		}, "no finished runs found"},
	} {
		out, from, sp := c.setup()
		_, err := Merge(out, from, sp, nil)
		t.Logf("%s: %v", c.name, err)
		if !errors.Is(err, ErrInconsistent) || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: error %v\nwant it to contain %q", c.name, err, c.want)
		}
		if _, err := os.Stat(filepath.Join(out, SummaryFile)); err == nil {
			t.Errorf("%s: summary written", c.name)
		}
	}
}

// TestMergePicksTheExperiment merges a folder holding runs of two
// configurations when the experiment file names one, and moves the other
// aside.
func TestMergePicksTheExperiment(t *testing.T) {
	spec := sweepSpec(t, "")
	edited, err := Decode("t.yaml", []byte(base+"seeds: 2\nsweep:\n  group.initial: [30, 40]\n"))
	if err != nil {
		t.Fatal(err)
	}
	out := t.TempDir()
	dir := filepath.Join(out, "t")
	// Shard 1/2 of the edited experiment, then all of the original: a
	// shard does not move other runs aside, so the folder holds both.
	runAll(t, out, spec, Selection{})
	runAll(t, out, edited, Selection{Shard: Shard{Index: 1, Count: 2}})
	if _, err := Merge(dir, nil, nil, nil); !errors.Is(err, ErrInconsistent) {
		t.Fatalf("merge without the experiment: %v", err)
	}
	var progress bytes.Buffer
	recs, err := Merge(dir, nil, spec, &progress)
	if err != nil {
		t.Fatal(err)
	}
	if len(recs) != 4 {
		t.Errorf("%d records", len(recs))
	}
	if !strings.Contains(progress.String(), "passing over") || !strings.Contains(progress.String(), "not part of the merged experiment; moved") {
		t.Errorf("progress:\n%s", progress.String())
	}
}

package main

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"golang.org/x/perf/benchfmt"

	"cgkalab/bench"
)

// TestBenchFlags checks that every bad flag of the bench commands is a
// usage error with a message naming the flag, and writes nothing to stdout.
func TestBenchFlags(t *testing.T) {
	dir := t.TempDir()
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"bench"}, "expected a command"},
		{[]string{"bench", "forest"}, `unknown command "forest"`},
		{[]string{"bench", "tree", "--suite", "65537"}, "--suite: 65537 is outside the 16-bit"},
		{[]string{"bench", "tree", "--suite", "0x10001"}, "outside the 16-bit"},
		{[]string{"bench", "tree", "--suite", "18446744073709551617"}, "not a cipher suite code point"},
		{[]string{"bench", "tree", "--suite", "-1"}, "not a cipher suite code point"},
		{[]string{"bench", "tree", "--suite", "99"}, "--suite"},
		{[]string{"bench", "tree", "--runs", "0"}, "--runs 0: want 1 to 1000"},
		{[]string{"bench", "tree", "--runs", "1001"}, "--runs 1001"},
		{[]string{"bench", "tree", "--runs", "99999999999999999999"}, "runs"},
		{[]string{"bench", "tree", "--sizes", "0"}, "--sizes"},
		{[]string{"bench", "tree", "--sizes", "25"}, "--sizes"},
		{[]string{"bench", "tree", "--sizes", "64"}, "--sizes"},
		{[]string{"bench", "tree", "--shapes", "round"}, "--shapes"},
		{[]string{"bench", "tree", "--format", "json"}, "--format"},
		{[]string{"bench", "tree", "--config", "nokey"}, "--config"},
		{[]string{"bench", "tree", "extra"}, "unexpected argument"},
		{[]string{"bench", "sim", "--count", "0"}, "--count 0: want 1 to 1000"},
		{[]string{"bench", "sim", "--count", "-3"}, "--count -3"},
		{[]string{"bench", "sim", "--specs", "huge"}, `unknown spec "huge"`},
		{[]string{"bench", "sim", "--format", "csv"}, "--format"},
		{[]string{"bench", "compare", "a"}, "want two result files"},
		{[]string{"bench", "compare", "a", "b", "c"}, "want two result files"},
		{[]string{"bench", "compare", "a", "b", "--threshold", "5"}, "want a percentage"},
		{[]string{"bench", "compare", "a", "b", "--threshold", "-5%"}, "--threshold"},
		{[]string{"bench", "compare", "a", "b", "--threshold", "5000%"}, "--threshold"},
		{[]string{"bench", "compare", "a", "b", "--alpha", "0"}, "--alpha 0"},
		{[]string{"bench", "compare", "a", "b", "--alpha", "1.5"}, "--alpha 1.5"},
		{[]string{"bench", "compare", "a", "b", "--alpha", "NaN"}, "--alpha NaN"},
		{[]string{"bench", "history"}, "want one or more result files"},
		{[]string{"bench", "history", "a.bench"}, "--metric is required"},
		{[]string{"bench", "history", "a.bench", "--bogus"}, "bogus"},
		{[]string{"sizes", "--max-built", "64"}, "--max-built 64: want 0 to 20"},
		{[]string{"sizes", "--max-warm", "64"}, "--max-warm 64"},
		{[]string{"sizes", "--max-built", "63"}, "--max-built 63"},
		{[]string{"sizes", "--max-built", "21"}, "--max-built 21"},
		{[]string{"sizes", "--max-warm", "-1"}, "--max-warm -1"},
		{[]string{"sizes", "--suites", "65537"}, "outside the 16-bit"},
		{[]string{"sizes", "--format", "xml"}, "--format"},
		{[]string{"sizes", "-o", filepath.Join(dir, "x.bench"), "--config", "a b=c"}, "--config"},
	} {
		var out, errOut bytes.Buffer
		err := run(c.args, &out, &errOut)
		if err == nil || exitCode(err) != 2 || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%v: error %v (exit %d), want a usage error containing %q", c.args, err, exitCodeOf(err), c.want)
		}
		if out.Len() > 0 {
			t.Errorf("%v: wrote to stdout: %q", c.args, out.String())
		}
	}
	if entries, _ := os.ReadDir(dir); len(entries) > 0 {
		t.Errorf("a refused command left files: %v", entries)
	}
}

func exitCodeOf(err error) int {
	if err == nil {
		return 0
	}
	return exitCode(err)
}

func TestBenchHelp(t *testing.T) {
	for _, args := range [][]string{{"bench", "-h"}, {"bench", "tree", "-h"}, {"bench", "sim", "-h"}, {"bench", "compare", "-h"}, {"bench", "history", "-h"}, {"sizes", "-h"}} {
		var out, errOut bytes.Buffer
		if err := run(args, &out, &errOut); err != nil || !strings.Contains(out.String(), "usage: cgkalab") {
			t.Errorf("%v: error %v, stdout %q", args, err, out.String())
		}
	}
}

// slowDown rewrites a result file with every value of unit multiplied by
// f: the file a slower build would have written.
func slowDown(t *testing.T, in, out, unit string, f float64) {
	t.Helper()
	data, err := os.ReadFile(in)
	if err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	w := benchfmt.NewWriter(&buf)
	r := benchfmt.NewReader(bytes.NewReader(data), in)
	for r.Scan() {
		rec := r.Result()
		if res, ok := rec.(*benchfmt.Result); ok {
			for i := range res.Values {
				if v := &res.Values[i]; v.OrigUnit == unit || v.Unit == unit {
					v.Value *= f
					v.OrigValue *= f
				}
			}
		}
		if err := w.Write(rec); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.WriteFile(out, buf.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
}

// TestBenchTreeCompare runs bench tree into a result file, compares it
// with itself (no change, exit 0) and with a copy whose commit creation
// and processing take five times longer (a regression, exit 1): so much
// more than a busy machine's spread between runs that the test of
// significance cannot miss it (at 1.4 times it did, now and then).
func TestBenchTreeCompare(t *testing.T) {
	dir := t.TempDir()
	old := filepath.Join(dir, "old.bench")
	var out, errOut bytes.Buffer
	if err := run([]string{"bench", "tree", "--sizes", "3", "--runs", "6", "-o", old, "--config", "commit=0123456789abcdef"}, &out, &errOut); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(out.String(), "shape") || !strings.Contains(errOut.String(), "bench tree:") {
		t.Errorf("stdout %q, stderr %q", out.String(), errOut.String())
	}
	data, err := os.ReadFile(old)
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"commit: 0123456789abcdef\n", "Unit ns/commit better=lower\n", "BenchmarkCommitCreate/shape=warm/members=8/suite=0x0001"} {
		if !bytes.Contains(data, []byte(want)) {
			t.Errorf("result file lacks %q:\n%s", want, data)
		}
	}
	if st, err := os.Stat(old); err != nil || st.Mode().Perm()&0o044 == 0 {
		t.Errorf("result file mode %v, %v", st.Mode(), err)
	}

	out.Reset()
	if err := run([]string{"bench", "compare", old, old}, &out, &errOut); err != nil {
		t.Errorf("same file: %v\n%s", err, out.String())
	}
	if strings.Contains(out.String(), "REGRESSION") || !strings.Contains(out.String(), "~") {
		t.Errorf("same file:\n%s", out.String())
	}

	slow := filepath.Join(dir, "slow.bench")
	slowDown(t, old, slow, "ns/commit", 5)
	out.Reset()
	err = run([]string{"bench", "compare", old, slow, "--threshold", "10%"}, &out, &errOut)
	if !errors.Is(err, bench.ErrRegression) || exitCode(err) != 1 {
		t.Errorf("slower copy: error %v, want a regression (exit 1)\n%s", err, out.String())
	}
	if !strings.Contains(out.String(), "+400.00%") || !strings.Contains(out.String(), "REGRESSION (past 10%)") {
		t.Errorf("slower copy:\n%s", out.String())
	}
	// Only the slowed unit regressed: other metrics pass.
	out.Reset()
	if err := run([]string{"bench", "compare", old, slow, "--metric", "cpu-ns/commit,path-B/commit"}, &out, &errOut); err != nil {
		t.Errorf("--metric cpu-ns/commit,path-B/commit: %v", err)
	}

	// The history of the two files.
	fig := filepath.Join(dir, "hist.svg")
	out.Reset()
	if err := run([]string{"bench", "history", old, slow, "--metric", "ns/commit", "--filter", ".name:CommitCreate", "-o", fig}, &out, &errOut); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(fig); err != nil || !strings.Contains(out.String(), "2 benchmarks over 2 files") {
		t.Errorf("history: %v\n%s", err, out.String())
	}
}

func TestBenchFormatStdout(t *testing.T) {
	var out, errOut bytes.Buffer
	if err := run([]string{"bench", "tree", "--sizes", "2", "--runs", "1", "--shapes", "warm", "--format", "bench"}, &out, &errOut); err != nil {
		t.Fatal(err)
	}
	r := benchfmt.NewReader(&out, "stdout")
	n := 0
	for r.Scan() {
		switch rec := r.Result().(type) {
		case *benchfmt.SyntaxError:
			t.Fatal(rec)
		case *benchfmt.Result:
			n++
		}
	}
	if n != 2 { // creation and processing, one run
		t.Errorf("%d results on stdout, want 2", n)
	}
}

func TestBenchOutputFileErrors(t *testing.T) {
	// A result file that cannot be written is an error, not a panic, and
	// leaves nothing behind.
	var out, errOut bytes.Buffer
	err := run([]string{"bench", "tree", "--sizes", "2", "--runs", "1", "-o", filepath.Join(t.TempDir(), "no", "such", "dir.bench")}, &out, &errOut)
	if err == nil || exitCode(err) != 1 {
		t.Errorf("error %v", err)
	}
}

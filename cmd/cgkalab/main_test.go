package main

import (
	"bytes"
	"strings"
	"testing"
)

func TestRun(t *testing.T) {
	for _, c := range []struct {
		args     []string
		wantCode int // -1 for success
		stdout   string
		stderr   string
	}{
		{[]string{"help"}, -1, "Usage:", ""},
		{[]string{"version"}, -1, "cgkalab ", ""},
		{nil, 2, "", "Usage:"},
		{[]string{"frobnicate"}, 2, "", "Usage:"},
		{[]string{"version", "-x"}, 2, "", ""},
	} {
		var out, errOut bytes.Buffer
		err := run(c.args, &out, &errOut)
		switch {
		case c.wantCode < 0 && err != nil:
			t.Errorf("%v: %v", c.args, err)
		case c.wantCode >= 0 && (err == nil || exitCode(err) != c.wantCode):
			t.Errorf("%v: error %v, want exit code %d", c.args, err, c.wantCode)
		}
		if !strings.Contains(out.String(), c.stdout) || !strings.Contains(errOut.String(), c.stderr) {
			t.Errorf("%v: stdout %q stderr %q; want them to contain %q and %q", c.args, out.String(), errOut.String(), c.stdout, c.stderr)
		}
	}
}

func TestBenchTreeArgs(t *testing.T) {
	for _, args := range [][]string{
		{"bench"},
		{"bench", "forest"},
		{"bench", "tree", "--sizes", "x"},
		{"bench", "tree", "--sizes", "40"},
		{"bench", "tree", "--shapes", "round"},
		{"bench", "tree", "--runs", "0"},
	} {
		var out, errOut bytes.Buffer
		if err := run(args, &out, &errOut); err == nil || exitCode(err) != 2 {
			t.Errorf("%v: error %v, want a usage error", args, err)
		}
	}
	var out, errOut bytes.Buffer
	if err := run([]string{"bench", "tree", "--sizes", "2", "--runs", "1"}, &out, &errOut); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(out.String(), "warm") || !strings.Contains(out.String(), "built") || !strings.Contains(errOut.String(), "bench tree:") {
		t.Errorf("stdout %q, stderr %q", out.String(), errOut.String())
	}
}

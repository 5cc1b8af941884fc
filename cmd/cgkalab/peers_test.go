package main

import (
	"bytes"
	"os"
	"os/exec"
	"strings"
	"testing"
)

func TestBenchPeersArgs(t *testing.T) {
	for _, args := range [][]string{
		{"bench", "peers", "--sizes", "x"},
		{"bench", "peers", "--sizes", "1"},
		{"bench", "peers", "--sizes", "17"},
		{"bench", "peers", "--runs", "0"},
		{"bench", "peers", "--warm-max", "-1"},
		{"bench", "peers", "--frob"},
		{"bench", "peers", "extra"},
	} {
		var out, errOut bytes.Buffer
		if err := run(args, &out, &errOut); err == nil || exitCode(err) != 2 {
			t.Errorf("%v: error %v, want a usage error", args, err)
		}
	}
}

// TestBenchPeersWithoutNode: no node on the PATH is not an error; the
// command says why nothing was measured and exits with status 0.
func TestBenchPeersWithoutNode(t *testing.T) {
	t.Setenv("PATH", t.TempDir())
	var out, errOut bytes.Buffer
	if err := run([]string{"bench", "peers", "--sizes", "2", "--runs", "1"}, &out, &errOut); err != nil {
		t.Fatalf("error %v, want none", err)
	}
	if out.Len() != 0 || !strings.Contains(errOut.String(), "node (Node.js 20 or later) is not on PATH") {
		t.Errorf("stdout %q, stderr %q", out.String(), errOut.String())
	}
}

// TestBenchPeers runs both implementations at n = 4 when node and the
// installed ts-mls are present.
func TestBenchPeers(t *testing.T) {
	if _, err := exec.LookPath("node"); err != nil {
		t.Skip("node is not on PATH")
	}
	if _, err := os.Stat("../../bench/peers/node_modules/ts-mls"); err != nil {
		t.Skip("bench/peers/node_modules is missing: run bench/peers/install.sh")
	}
	var out, errOut bytes.Buffer
	if err := run([]string{"bench", "peers", "--sizes", "2", "--runs", "1"}, &out, &errOut); err != nil {
		t.Fatalf("%v\nstderr:\n%s", err, errOut.String())
	}
	for _, want := range []string{"ts-mls 1.6.4 on node v", "ratio = ts-mls/cgkalab", "build           4  Welcome bytes", "warm            4  process CPU"} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("stdout lacks %q:\n%s", want, out.String())
		}
	}
	if !strings.Contains(errOut.String(), "bench peers: cgkalab n=4") || !strings.Contains(errOut.String(), "bench peers: ts-mls") {
		t.Errorf("stderr lacks the progress of both sides:\n%s", errOut.String())
	}
}

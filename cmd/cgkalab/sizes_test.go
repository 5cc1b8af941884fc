package main

import (
	"bytes"
	"encoding/csv"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"golang.org/x/perf/benchfmt"
)

func TestSizesArgs(t *testing.T) {
	for _, args := range [][]string{
		{"sizes", "--suites", "x"},
		{"sizes", "--suites", "99"},
		{"sizes", "--suites", "1,"},
		{"sizes", "--max-built", "21"},
		{"sizes", "--max-warm", "-1"},
		{"sizes", "--max-warm", "many"},
		{"sizes", "--format", "json"},
		{"sizes", "--frobnicate"},
		{"sizes", "extra"},
	} {
		var out, errOut bytes.Buffer
		if err := run(args, &out, &errOut); err == nil || exitCode(err) != 2 {
			t.Errorf("%v: error %v, want a usage error", args, err)
		}
		if out.Len() > 0 {
			t.Errorf("%v: wrote to stdout: %q", args, out.String())
		}
	}
	var out, errOut bytes.Buffer
	if err := run([]string{"sizes", "-h"}, &out, &errOut); err != nil || !strings.Contains(out.String(), "usage: cgkalab sizes") {
		t.Errorf("sizes -h: error %v, stdout %q", err, out.String())
	}
}

func TestSizesSmallRun(t *testing.T) {
	if testing.Short() {
		t.Skip("measures real groups of up to 512 members")
	}
	var out, errOut bytes.Buffer
	if err := run([]string{"sizes", "--suites", "0x0001", "--max-built", "3", "--max-warm", "3"}, &out, &errOut); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{
		"0x0001 MLS_128_DHKEMX25519_AES128GCM_SHA256_Ed25519",
		"KeyPackage", "ExternalInit proposal", "PrivateMessage",
		"Commit, full path", "warm", "built", "Welcome, 1 joiner, ratchet_tree",
	} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("stdout lacks %q:\n%s", want, out.String())
		}
	}
	if !strings.Contains(errOut.String(), "sizes: 0x0001") {
		t.Errorf("no progress on stderr: %q", errOut.String())
	}

	out.Reset()
	if err := run([]string{"sizes", "--suites", "1", "--max-built", "0", "--max-warm", "3", "--format", "csv"}, &out, &errOut); err != nil {
		t.Fatal(err)
	}
	recs, err := csv.NewReader(&out).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	if got := strings.Join(recs[0], ","); got != "suite,suite_name,message,form,shape,n,bytes" {
		t.Errorf("header %q", got)
	}
	// 2 KeyPackage + 14 proposal + 1 warm commit + 3 × 7 Welcome rows.
	if len(recs)-1 != 2+14+1+21 {
		t.Errorf("%d rows", len(recs)-1)
	}
	commits := 0
	for _, r := range recs[1:] {
		if r[0] != "0x0001" {
			t.Errorf("suite %q", r[0])
		}
		if b, err := strconv.Atoi(r[6]); err != nil || b <= 0 {
			t.Errorf("row %v: bytes %q", r, r[6])
		}
		if r[2] == "Commit, full path" {
			commits++
			if r[4] != "warm" || r[5] != "8" {
				t.Errorf("commit row %v, want warm n=8 only", r)
			}
		}
	}
	if commits != 1 {
		t.Errorf("%d full-path commit rows, want 1", commits)
	}
}

func TestSizesBenchFormat(t *testing.T) {
	if testing.Short() {
		t.Skip("measures real groups of up to 512 members")
	}
	out := filepath.Join(t.TempDir(), "sizes.bench")
	var stdout, stderr bytes.Buffer
	if err := run([]string{"sizes", "--suites", "1", "--max-built", "3", "--max-warm", "0", "-o", out}, &stdout, &stderr); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(stdout.String(), "Commit, full path") {
		t.Errorf("no text table on stdout with -o: %q", stdout.String())
	}
	f, err := os.Open(out)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	r := benchfmt.NewReader(f, out)
	n := 0
	for r.Scan() {
		switch rec := r.Result().(type) {
		case *benchfmt.SyntaxError:
			t.Fatal(rec)
		case *benchfmt.Result:
			if v, ok := rec.Value("B/msg"); !ok || v <= 0 {
				t.Errorf("%s: %v B/msg", rec.Name, v)
			}
			n++
		}
	}
	// 2 KeyPackage + 14 proposal + 1 built commit + 3 × 7 Welcome rows.
	if n != 2+14+1+21 {
		t.Errorf("%d results", n)
	}
	if r.Units().GetAssumption("B/msg").SummaryLabel() != "exact" {
		t.Error("B/msg is not marked exact")
	}
}

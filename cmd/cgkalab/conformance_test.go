package main

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"cgkalab/models/conformance"
	"cgkalab/models/vectors"
)

// runCmd runs cgkalab with args and returns stdout, stderr and the exit
// code main would use (0 on success).
func runCmd(t *testing.T, args ...string) (stdout, stderr string, code int) {
	t.Helper()
	var out, errOut bytes.Buffer
	if err := run(args, &out, &errOut); err != nil {
		code = exitCode(err)
		errOut.WriteString("cgkalab: " + err.Error() + "\n") // as main prints it
	}
	return out.String(), errOut.String(), code
}

func TestConformanceOfficialVectors(t *testing.T) {
	dir, err := vectors.Dir()
	if err != nil {
		t.Skipf("skipping: %v", err)
	}
	stdout, stderr, code := runCmd(t, "conformance", "--vectors", dir)
	if code != 0 {
		t.Fatalf("exit %d\nstdout:\n%s\nstderr:\n%s", code, stdout, stderr)
	}
	lines := strings.Split(strings.TrimSuffix(stdout, "\n"), "\n")
	last := lines[len(lines)-1]
	if !regexp.MustCompile(`^[1-9][0-9]* passed, 0 failed$`).MatchString(last) {
		t.Errorf("last line %q, want \"N passed, 0 failed\"", last)
	}
	for _, name := range conformance.Names() {
		if _, err := os.Stat(filepath.Join(dir, name)); err != nil {
			continue
		}
		re := regexp.MustCompile(`(?m)^` + regexp.QuoteMeta(name) + `: [1-9][0-9]* passed, 0 failed, 0 skipped$`)
		if !re.MatchString(stdout) {
			t.Errorf("no passing line for %s in\n%s", name, stdout)
		}
	}
	if stderr != "" {
		t.Errorf("stderr: %s", stderr)
	}
}

// TestConformanceBadDir runs the command on a directory with a corrupted
// vector file, an unknown file, and a file with a passing, a failing and
// a skipped case, found through $CGKALAB_VECTORS.
func TestConformanceBadDir(t *testing.T) {
	// A corrupted copy of welcome.json: the official file cut short when
	// present, else the start of one.
	corrupt := []byte(`[{"cipher_suite": 1, "init_priv": "c697caf7`)
	if dir, err := vectors.Dir(); err == nil {
		if data, err := os.ReadFile(filepath.Join(dir, "welcome.json")); err == nil {
			corrupt = data[:len(data)/2]
		}
	}
	zero := strings.Repeat("00", 32)
	psk := fmt.Sprintf(`[
		{"cipher_suite": 1, "psks": [], "psk_secret": %q},
		{"cipher_suite": 1, "psks": [], "psk_secret": %q},
		{"cipher_suite": 30583, "psks": [], "psk_secret": %q}
	]`, zero, "ff"+zero[2:], zero)
	dir := t.TempDir()
	for name, data := range map[string][]byte{
		"welcome.json":      corrupt,
		"future-thing.json": []byte(`[{"cipher_suite": 1}]`),
		"psk_secret.json":   []byte(psk),
		"notes.txt":         []byte("ignored"),
	} {
		if err := os.WriteFile(filepath.Join(dir, name), data, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	t.Setenv(vectors.EnvVar, dir)
	stdout, stderr, code := runCmd(t, "conformance")
	if code != 1 {
		t.Errorf("exit %d, want 1", code)
	}
	want := "future-thing.json: not recognised\n" +
		"psk_secret.json: 1 passed, 1 failed, 1 skipped (cipher suite 0x7777 not implemented)\n" +
		"welcome.json: 0 passed, 1 failed, 0 skipped: welcome.json: unexpected end of JSON input\n" +
		"1 passed, 2 failed\n"
	if stdout != want {
		t.Errorf("stdout:\n%s\nwant:\n%s", stdout, want)
	}
	for _, s := range []string{"psk_secret.json case 1/suite=1: psk_secret of 0 PSKs = 00", "cgkalab: conformance: 2 failed"} {
		if !strings.Contains(stderr, s) {
			t.Errorf("stderr lacks %q:\n%s", s, stderr)
		}
	}
}

func TestConformanceArgs(t *testing.T) {
	empty := t.TempDir()
	for _, c := range []struct {
		args     []string
		wantCode int
		stdout   string
		stderr   string
	}{
		{[]string{"conformance", "extra"}, 2, "", "usage: cgkalab conformance"},
		{[]string{"conformance", "--frobnicate"}, 2, "", "usage: cgkalab conformance"},
		{[]string{"conformance", "--vectors"}, 2, "", "usage: cgkalab conformance"},
		{[]string{"conformance", "-h"}, 0, "usage: cgkalab conformance", ""},
		{[]string{"conformance", "--vectors", empty}, 1, "0 passed, 0 failed\n", "no MLS test vector file"},
		{[]string{"conformance", "--vectors", filepath.Join(empty, "missing")}, 1, "", "no such file or directory"},
	} {
		stdout, stderr, code := runCmd(t, c.args...)
		if code != c.wantCode || !strings.Contains(stdout, c.stdout) || !strings.Contains(stderr, c.stderr) {
			t.Errorf("%v: exit %d, stdout %q, stderr %q; want exit %d and %q, %q", c.args, code, stdout, stderr, c.wantCode, c.stdout, c.stderr)
		}
	}
	// A $CGKALAB_VECTORS that is not a directory is reported, not ignored.
	t.Setenv(vectors.EnvVar, filepath.Join(empty, "missing"))
	if _, stderr, code := runCmd(t, "conformance"); code != 1 || !strings.Contains(stderr, vectors.EnvVar) {
		t.Errorf("bad $%s: exit %d, stderr %q", vectors.EnvVar, code, stderr)
	}
}

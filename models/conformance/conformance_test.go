package conformance

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"cgkalab/models/suite"
	"cgkalab/models/vectors"
	"cgkalab/models/vectors/vectortest"
)

// upstream lists the files of mlswg/mls-implementations' test-vectors/
// directory that test-vectors.md describes.
var upstream = []string{
	"crypto-basics.json", "deserialization.json", "key-schedule.json",
	"message-protection.json", "messages.json",
	"passive-client-handling-commit.json", "passive-client-random.json",
	"passive-client-welcome.json", "psk_secret.json", "secret-tree.json",
	"transcript-hashes.json", "tree-math.json", "tree-operations.json",
	"tree-validation.json", "treekem.json", "welcome.json",
}

func TestNames(t *testing.T) {
	names := Names()
	if !slices.IsSorted(names) {
		t.Errorf("Names() not sorted: %v", names)
	}
	if !slices.Equal(names, upstream) {
		t.Errorf("Names() = %v\nwant %v", names, upstream)
	}
}

// writeDir creates a directory holding the given files.
func writeDir(t *testing.T, files map[string]string) string {
	t.Helper()
	dir := t.TempDir()
	for name, content := range files {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

// unimplemented is a cipher suite code point the models do not implement.
const unimplemented = 0x7777

// pskCaseJSON is a psk_secret.json case with no PSKs, whose psk_secret is
// the zero vector of the suite's hash length (RFC 9420, Section 8.4).
func pskCaseJSON(cs uint16, secret string) string {
	return fmt.Sprintf(`{"cipher_suite": %d, "psks": [], "psk_secret": %q}`, cs, secret)
}

// TestRunDirSynthetic checks the bookkeeping on hand-made files: passes,
// failures, skips of an unimplemented suite, malformed and unknown files.
func TestRunDirSynthetic(t *testing.T) {
	if _, err := suite.ByID(unimplemented); err == nil {
		t.Fatalf("suite %#04x is implemented; pick another code point", unimplemented)
	}
	zero := strings.Repeat("00", 32) // suite 1 uses SHA-256
	dir := writeDir(t, map[string]string{
		"psk_secret.json": "[" + strings.Join([]string{
			pskCaseJSON(1, zero),
			pskCaseJSON(unimplemented, zero),
			pskCaseJSON(1, "01"+zero[2:]),
			`{"psks": [], "psk_secret": ""}`,
			pskCaseJSON(unimplemented+1, zero),
		}, ",") + "]",
		"tree-math.json":       `[{"n_leaves": 1, "n_nodes": 1, "root": 0, "left": [null], "right": [null], "parent": [null], "sibling": [null]}`, // truncated
		"welcome.json":         `[]`,
		"deserialization.json": `{"vlbytes_header": "00", "length": 0}`,
		"future-thing.json":    `[]`,
		"README.md":            "not a vector file",
	})
	results, err := RunDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	byName := map[string]FileResult{}
	for _, r := range results {
		names = append(names, r.Name)
		byName[r.Name] = r
	}
	want := []string{"deserialization.json", "future-thing.json", "psk_secret.json", "tree-math.json", "welcome.json"}
	if !slices.Equal(names, want) {
		t.Fatalf("RunDir files = %v, want %v", names, want)
	}

	psk := byName["psk_secret.json"]
	if !psk.Recognized || psk.Err != nil || len(psk.Cases) != 5 {
		t.Fatalf("psk_secret.json: %+v", psk)
	}
	if p, f, s := psk.Passed(), psk.Failed(), psk.Skipped(); p != 1 || f != 2 || s != 2 {
		t.Errorf("psk_secret.json: %d passed, %d failed, %d skipped; want 1, 2, 2", p, f, s)
	}
	wantReasons := []string{
		"cipher suite 0x7777 not implemented",
		"cipher suite 0x7778 not implemented",
	}
	if got := psk.SkipReasons(); !slices.Equal(got, wantReasons) {
		t.Errorf("SkipReasons() = %q, want %q", got, wantReasons)
	}
	if c := psk.Cases[2]; c.Err == nil || !strings.Contains(c.Err.Error(), "psk_secret") || c.Name() != "2/suite=1" {
		t.Errorf("case 2: name %q, error %v; want a psk_secret mismatch", c.Name(), c.Err)
	}
	if c := psk.Cases[3]; c.Err == nil || !strings.Contains(c.Err.Error(), "cipher_suite") {
		t.Errorf("case without cipher_suite: %v", c.Err)
	}

	for _, name := range []string{"tree-math.json", "welcome.json", "deserialization.json"} {
		r := byName[name]
		if !r.Recognized || r.Err == nil || r.Failed() != 1 || len(r.Cases) != 0 {
			t.Errorf("%s: recognized %v, error %v, failed %d; want a file error counted as one failure", name, r.Recognized, r.Err, r.Failed())
		}
	}
	if r := byName["future-thing.json"]; r.Recognized || r.Err != nil || r.Failed() != 0 {
		t.Errorf("future-thing.json: %+v, want unrecognised and nothing run", r)
	}
	if _, err := Open(dir, "future-thing.json"); !errors.Is(err, ErrUnrecognized) {
		t.Errorf("Open(unknown) = %v, want ErrUnrecognized", err)
	}
	if r := RunFile(dir, "treekem.json"); r.Err == nil || !r.Recognized {
		t.Errorf("missing treekem.json: %+v, want a file error", r)
	}
	if _, err := RunDir(filepath.Join(dir, "nope")); err == nil {
		t.Error("RunDir of a missing directory succeeded")
	}
}

// TestPanicIsFailure: a panic while checking a case fails that case only.
func TestPanicIsFailure(t *testing.T) {
	old := specs
	t.Cleanup(func() { specs = old })
	specs = []spec{{"panic.json", false, func(ck *checker, _ *suite.Suite, raw json.RawMessage) error {
		ck.errorf("first check failed")
		if string(raw) == "1" {
			panic("boom")
		}
		return nil
	}}}
	dir := writeDir(t, map[string]string{"panic.json": "[0, 1, 2]"})
	r := RunFile(dir, "panic.json")
	if len(r.Cases) != 3 || r.Failed() != 3 {
		t.Fatalf("%+v", r)
	}
	if err := r.Cases[1].Err.Error(); !strings.Contains(err, "panic: boom") || !strings.Contains(err, "first check failed") {
		t.Errorf("case 1: %v", err)
	}
}

// TestOfficialVectors runs every official file present: each is
// recognised and every case passes; none is skipped, since the
// directory holds suites the models implement.
func TestOfficialVectors(t *testing.T) {
	dir := vectortest.Dir(t, "tree-math.json")
	results, err := RunDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range results {
		switch {
		case !r.Recognized:
			t.Errorf("%s: not recognised", r.Name)
		case r.Err != nil:
			t.Errorf("%s: %v", r.Name, r.Err)
		}
		for _, c := range r.Cases {
			if c.Err != nil {
				t.Errorf("%s case %s: %v", r.Name, c.Name(), c.Err)
			}
			if _, err := suite.ByID(suite.ID(c.CipherSuite)); c.Skipped != "" && (c.CipherSuite == 0 || err == nil) {
				t.Errorf("%s case %s skipped although its suite is implemented: %s", r.Name, c.Name(), c.Skipped)
			}
		}
	}
}

// TestMutatedVectorsFail guards against runners that pass vacuously:
// changing any top-level hex field of the first case of an official file
// (flipping the low bit of its middle byte) makes that case fail.
// messages.json only checks syntax, so a flipped bit there may well stay
// valid: its fields are truncated by a byte instead, which no structure
// survives.
func TestMutatedVectorsFail(t *testing.T) {
	dir := vectortest.Dir(t, "tree-math.json")
	for _, name := range Names() {
		var cases []map[string]json.RawMessage
		if err := vectors.Decode(dir, name, &cases); err != nil {
			if errors.Is(err, os.ErrNotExist) {
				continue
			}
			t.Fatal(err)
		}
		first := cases[0]
		var fields []string
		for k, v := range first {
			var h vectors.Hex
			if json.Unmarshal(v, &h) == nil && len(h) > 0 {
				fields = append(fields, k)
			}
		}
		slices.Sort(fields)
		for _, field := range fields {
			t.Run(name+"/"+field, func(t *testing.T) {
				var h vectors.Hex
				if err := json.Unmarshal(first[field], &h); err != nil {
					t.Fatal(err)
				}
				if name == "messages.json" {
					h = h[:len(h)-1]
				} else {
					h[len(h)/2] ^= 1
				}
				mutated := make(map[string]json.RawMessage, len(first))
				for k, v := range first {
					mutated[k] = v
				}
				mutated[field], _ = json.Marshal(h)
				data, err := json.Marshal([]any{mutated})
				if err != nil {
					t.Fatal(err)
				}
				r := RunFile(writeDir(t, map[string]string{name: string(data)}), name)
				if r.Err != nil || len(r.Cases) != 1 {
					t.Fatalf("%+v", r)
				}
				if c := r.Cases[0]; c.Err == nil {
					t.Errorf("mutated %s still passes (skipped: %q)", field, c.Skipped)
				} else {
					t.Logf("%.200v", c.Err)
				}
			})
		}
	}
}

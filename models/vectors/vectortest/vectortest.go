// Package vectortest loads official MLS test vectors inside Go tests: it
// skips the test with a message saying how to point at the vectors when
// they are absent, and fails it when a file is present but malformed.
package vectortest

import (
	"os"
	"path/filepath"
	"testing"

	"cgkalab/models/vectors"
)

// Dir returns the vectors directory holding the file name, or skips tb
// when the directory or the file is absent. Under CI (CI=true) an absent
// directory fails tb.
func Dir(tb testing.TB, name string) string {
	tb.Helper()
	dir, err := vectors.Dir()
	if err != nil {
		if os.Getenv("CI") == "true" {
			tb.Fatalf("%v", err)
		}
		tb.Skipf("skipping %s: %v", name, err)
	}
	if _, err := os.Stat(filepath.Join(dir, name)); err != nil {
		tb.Skipf("skipping: %s not present in %s", name, dir)
	}
	return dir
}

// Load decodes the vector file name into v, or skips tb as Dir does.
func Load(tb testing.TB, name string, v any) {
	tb.Helper()
	dir := Dir(tb, name)
	if err := vectors.Decode(dir, name, v); err != nil {
		tb.Fatalf("decoding vectors: %v", err)
	}
}

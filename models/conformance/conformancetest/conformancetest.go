// Package conformancetest runs the conformance runner of one official MLS
// test vector file inside a Go test: one subtest per case, skipped when
// the case's cipher suite is not implemented, failed with every failed
// check otherwise. The vectors are located as vectortest does: the test is
// skipped with a clear message when they are absent, and fails under CI.
package conformancetest

import (
	"testing"

	"cgkalab/models/conformance"
	"cgkalab/models/vectors/vectortest"
)

// Run runs every case of the vector file name (one of conformance.Names)
// as a subtest of t.
func Run(t *testing.T, name string) {
	t.Helper()
	f, err := conformance.Open(vectortest.Dir(t, name), name)
	if err != nil {
		t.Fatal(err)
	}
	for i := range f.Len() {
		t.Run(f.CaseName(i), func(t *testing.T) {
			r := f.Run(i)
			if r.Skipped != "" {
				t.Skip(r.Skipped)
			}
			if r.Err != nil {
				t.Error(r.Err)
			}
		})
	}
}

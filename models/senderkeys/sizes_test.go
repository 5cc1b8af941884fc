package senderkeys_test

import (
	"fmt"
	"reflect"
	"testing"

	"cgkalab/models/pairwise"
	"cgkalab/models/senderkeys"
	"cgkalab/models/suite"
)

// Sizes works for every cipher suite: real sessions, distributions and
// messages of each (DH mode for the RFC 9420 suites, KEM mode for the
// post-quantum ones).
func TestSizesEverySuite(t *testing.T) {
	for _, s := range suite.All() {
		t.Run(fmt.Sprintf("suite=%#04x", uint16(s.ID)), func(t *testing.T) {
			sk, err := senderkeys.Sizes(uint16(s.ID), []int{8, 64}, 100)
			if err != nil {
				t.Fatal(err)
			}
			pw, err := pairwise.Sizes(uint16(s.ID), []int{8, 64}, 100)
			if err != nil {
				t.Fatal(err)
			}
			for _, r := range append(sk, pw...) {
				if r.Count > 0 && r.Bytes <= 0 {
					t.Errorf("%+v", r)
				}
			}
		})
	}
}

// Sizes over several group sizes is the rows of each size in turn.
func TestSizesSeveralN(t *testing.T) {
	ns := []int{8, 64, 1024}
	for name, f := range map[string]func(uint16, []int, int) ([]senderkeys.SizeRow, error){
		"pairwise": pairwise.Sizes, "senderkeys": senderkeys.Sizes} {
		all, err := f(1, ns, 100)
		if err != nil {
			t.Fatal(err)
		}
		var each []senderkeys.SizeRow
		for _, n := range ns {
			rows, err := f(1, []int{n}, 100)
			if err != nil {
				t.Fatal(err)
			}
			each = append(each, rows...)
		}
		if !reflect.DeepEqual(all, each) {
			t.Errorf("%s: %d rows for %v at once, %d one size at a time", name, len(all), ns, len(each))
		}
		for _, r := range all {
			if r.N == 1024 && r.Operation == "send" && name == "pairwise" && r.Bytes != 1023*160 {
				t.Errorf("pairwise send at 1024: %d bytes, want 1023 × 160", r.Bytes)
			}
		}
	}
}

package senderkeys_test

import (
	"fmt"
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

package treekem_test

import (
	"testing"

	"cgkalab/models/conformance/conformancetest"
)

// The official vectors run through models/conformance, which holds the
// verification steps of test-vectors.md, including the round trip of a
// newly created UpdatePath to every member.

func TestTreeKEMVectors(t *testing.T) { conformancetest.Run(t, "treekem.json") }

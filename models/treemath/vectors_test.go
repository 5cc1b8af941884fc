package treemath_test

import (
	"testing"

	"cgkalab/models/conformance/conformancetest"
)

// The official vectors run through models/conformance, which holds the
// verification steps of test-vectors.md.

func TestVectors(t *testing.T) { conformancetest.Run(t, "tree-math.json") }

package ratchettree_test

import (
	"testing"

	"cgkalab/models/conformance/conformancetest"
)

// The official vectors run through models/conformance, which holds the
// verification steps of test-vectors.md.

func TestTreeValidationVectors(t *testing.T) { conformancetest.Run(t, "tree-validation.json") }
func TestTreeOperationsVectors(t *testing.T) { conformancetest.Run(t, "tree-operations.json") }

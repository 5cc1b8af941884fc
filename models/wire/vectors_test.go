package wire_test

import (
	"testing"

	"cgkalab/models/conformance/conformancetest"
)

// The official vectors run through models/conformance, which holds the
// verification steps of test-vectors.md.

func TestDeserializationVectors(t *testing.T) { conformancetest.Run(t, "deserialization.json") }

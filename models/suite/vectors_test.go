package suite_test

import (
	"testing"

	"cgkalab/models/conformance/conformancetest"
)

// The official vectors run through models/conformance, which holds the
// verification steps of test-vectors.md.

func TestCryptoBasicsVectors(t *testing.T) { conformancetest.Run(t, "crypto-basics.json") }

package static_test

import (
	"testing"

	"cgkalab/models/protocol"
	"cgkalab/models/static"
	"cgkalab/models/suite"
	"cgkalab/sim/protocoltest"
)

// Other suites work: ECDSA's variable-length signatures, X448 and Ed448,
// a pure and a hybrid post-quantum KEM, ML-DSA.
func TestSuites(t *testing.T) {
	raw := []byte(`{"rotate_on_removal": true, "update": "rotate"}`)
	for _, id := range []suite.ID{0x0002, 0x0004, suite.PrivateUseTBD6, suite.PrivateUseTBD9} {
		s, err := suite.ByID(id)
		if err != nil {
			t.Fatal(err)
		}
		t.Run(s.Name, func(t *testing.T) {
			protocoltest.Run(t, protocoltest.Config{Factory: static.New, Suite: uint16(s.ID), Options: raw,
				Modes: []string{protocol.Full, protocol.Sampled}, Steps: 30, Members: 5})
		})
	}
}

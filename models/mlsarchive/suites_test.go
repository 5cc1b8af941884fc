package mlsarchive_test

import (
	"testing"

	"cgkalab/models/mlsarchive"
	"cgkalab/models/protocol"
	"cgkalab/models/suite"
	"cgkalab/sim/protocoltest"
)

// Other suites work: ECDSA with a 48-byte hash, and a hybrid
// post-quantum KEM (the backup key is sealed with it).
func TestSuites(t *testing.T) {
	raw := []byte(`{"rotate": "removal", "backup": true}`)
	for _, id := range []suite.ID{0x0007, suite.PrivateUseTBD1} {
		s, err := suite.ByID(id)
		if err != nil {
			t.Fatal(err)
		}
		t.Run(s.Name, func(t *testing.T) {
			protocoltest.Run(t, protocoltest.Config{Factory: mlsarchive.New, Suite: uint16(s.ID), Options: raw,
				Modes: []string{protocol.Full, protocol.Sampled}, Steps: 30, Members: 5})
		})
	}
}

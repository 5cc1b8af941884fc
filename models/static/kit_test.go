package static_test

import (
	"encoding/json"
	"testing"

	"cgkalab/models/protocol"
	"cgkalab/models/static"
	"cgkalab/sim/protocoltest"
)

// TestProtocolKit holds the static protocol to the test kit every
// protocol passes, as the baseline and with every rotation, in both
// fidelity modes.
func TestProtocolKit(t *testing.T) {
	modes := []string{protocol.Full, protocol.Sampled}
	for name, o := range map[string]static.Options{
		"baseline": static.DefaultOptions(),
		"rotating": {RotateOnRemoval: true, Update: static.UpdateRotate},
	} {
		raw, err := json.Marshal(o)
		if err != nil {
			t.Fatal(err)
		}
		t.Run(name, func(t *testing.T) {
			protocoltest.Run(t, protocoltest.Config{Factory: static.New, Modes: modes, Options: raw, Members: 10, Seed: 3})
		})
	}
}

package senderkeys_test

import (
	"encoding/json"
	"testing"

	"cgkalab/models/protocol"
	"cgkalab/models/senderkeys"
	"cgkalab/models/suite"
	"cgkalab/sim/protocoltest"
)

// TestProtocolKit holds Sender Keys to the test kit every protocol passes,
// in both fidelity modes, with WhatsApp's options and Megolm's periodic
// rotation, and on a post-quantum suite.
func TestProtocolKit(t *testing.T) {
	modes := []string{protocol.Full, protocol.Sampled}
	t.Run("whatsapp", func(t *testing.T) {
		protocoltest.Run(t, protocoltest.Config{Factory: senderkeys.New, Modes: modes})
	})
	t.Run("megolm", func(t *testing.T) {
		o := senderkeys.MegolmOptions()
		o.RotateMessages = 5
		raw, err := json.Marshal(o)
		if err != nil {
			t.Fatal(err)
		}
		protocoltest.Run(t, protocoltest.Config{Factory: senderkeys.New, Modes: modes, Options: raw, Seed: 2, Members: 10})
	})
	t.Run("x-wing", func(t *testing.T) {
		protocoltest.Run(t, protocoltest.Config{Factory: senderkeys.New, Modes: modes, Suite: uint16(suite.PrivateUseTBD1), Steps: 60})
	})
}

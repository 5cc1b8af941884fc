package pairwise_test

import (
	"testing"

	"cgkalab/models/pairwise"
	"cgkalab/models/protocol"
	"cgkalab/sim/protocoltest"
)

// TestProtocolKit holds the pairwise protocol to the test kit every
// protocol passes (the sampled mode runs as the full one). The kit's
// compromise check expects the victim's next message to be exposed, which
// holds in DH mode (the device holds its next sending chains, made on
// receipt) but not always in KEM mode (a send after a receipt steps with
// fresh randomness: TestCompromiseBetweenReceiveAndSend), so the kit runs
// on suite 1.
func TestProtocolKit(t *testing.T) {
	protocoltest.Run(t, protocoltest.Config{Factory: pairwise.New, Modes: []string{protocol.Full, protocol.Sampled}})
	t.Run("seed=2", func(t *testing.T) {
		protocoltest.Run(t, protocoltest.Config{Factory: pairwise.New, Seed: 2, Members: 5})
	})
}

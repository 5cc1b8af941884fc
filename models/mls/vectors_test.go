package mls_test

import (
	"testing"

	"cgkalab/models/conformance/conformancetest"
)

// The official vectors run through models/conformance, which holds the
// verification steps of test-vectors.md.

func TestMessagesVectors(t *testing.T)          { conformancetest.Run(t, "messages.json") }
func TestMessageProtectionVectors(t *testing.T) { conformancetest.Run(t, "message-protection.json") }
func TestWelcomeVectors(t *testing.T)           { conformancetest.Run(t, "welcome.json") }
func TestPassiveClientWelcome(t *testing.T)     { conformancetest.Run(t, "passive-client-welcome.json") }
func TestPassiveClientHandlingCommit(t *testing.T) {
	conformancetest.Run(t, "passive-client-handling-commit.json")
}
func TestPassiveClientRandom(t *testing.T) { conformancetest.Run(t, "passive-client-random.json") }

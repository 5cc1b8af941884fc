package keyschedule_test

import (
	"testing"

	"cgkalab/models/conformance/conformancetest"
)

// The official vectors run through models/conformance, which holds the
// verification steps of test-vectors.md.

func TestKeyScheduleVectors(t *testing.T)    { conformancetest.Run(t, "key-schedule.json") }
func TestSecretTreeVectors(t *testing.T)     { conformancetest.Run(t, "secret-tree.json") }
func TestTranscriptHashVectors(t *testing.T) { conformancetest.Run(t, "transcript-hashes.json") }
func TestPSKSecretVectors(t *testing.T)      { conformancetest.Run(t, "psk_secret.json") }

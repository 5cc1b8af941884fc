package mlsgroup_test

import (
	"encoding/json"
	"testing"
	"time"

	"cgkalab/models/mlsgroup"
	"cgkalab/models/protocol"
	"cgkalab/sim/protocoltest"
)

func options(t *testing.T, edit func(*mlsgroup.Options)) json.RawMessage {
	o := mlsgroup.DefaultOptions()
	edit(&o)
	b, err := json.Marshal(o)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// TestProtocolKit holds MLS to the test kit every protocol passes, under
// two commit policies, in every fidelity mode.
func TestProtocolKit(t *testing.T) {
	modes := []string{protocol.Full, protocol.Sampled, protocol.Scaled}
	t.Run("immediate", func(t *testing.T) {
		protocoltest.Run(t, protocoltest.Config{Factory: mlsgroup.New, Modes: modes})
	})
	t.Run("count-self-commit-updates", func(t *testing.T) {
		protocoltest.Run(t, protocoltest.Config{Factory: mlsgroup.New, Modes: modes, Seed: 2, Members: 12,
			Options: options(t, func(o *mlsgroup.Options) {
				o.Commit.When, o.Commit.Count, o.Commit.Committer, o.Commit.Path = "count", 3, "self", "required"
				o.Updates = "commit"
			})})
	})
	t.Run("service-evicts-external-rejoin", func(t *testing.T) {
		protocoltest.Run(t, protocoltest.Config{Factory: mlsgroup.New, Modes: modes, Seed: 3,
			Options: options(t, func(o *mlsgroup.Options) {
				o.EvictBy, o.Rejoin = mlsgroup.EvictByService, mlsgroup.RejoinExternalCommit
			})})
	})
	t.Run("published-key-packages", func(t *testing.T) {
		protocoltest.Run(t, protocoltest.Config{Factory: mlsgroup.New, Modes: modes, Seed: 4,
			Options: options(t, func(o *mlsgroup.Options) {
				o.KeyPackages = &mlsgroup.KeyPackages{Batch: 2, Lifetime: time.Hour, LastResort: true}
			})})
	})
}

func TestOptionsRejectUnknownKeys(t *testing.T) {
	if _, err := mlsgroup.ParseOptions(json.RawMessage(`{"comit":{}}`)); err == nil {
		t.Error("an unknown key passed")
	}
	if _, err := mlsgroup.ParseOptions(json.RawMessage(`{"commit":{"when":"sometimes","path":"always","committer":"any"},"updates":"proposal"}`)); err == nil {
		t.Error("an unknown commit policy passed")
	}
}

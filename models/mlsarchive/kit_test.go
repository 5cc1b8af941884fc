package mlsarchive_test

import (
	"encoding/json"
	"testing"
	"time"

	"cgkalab/models/mlsarchive"
	"cgkalab/models/mlsgroup"
	"cgkalab/models/protocol"
	"cgkalab/sim/protocoltest"
)

// TestProtocolKit holds mls-archive to the test kit every protocol
// passes, under each rotation and history policy, in both fidelity modes.
func TestProtocolKit(t *testing.T) {
	modes := []string{protocol.Full, protocol.Sampled}
	removal := mlsarchive.DefaultOptions()
	removal.Rotate, removal.History, removal.Backup = mlsarchive.RotateRemoval, mlsarchive.HistoryNone, true
	periodic := mlsarchive.DefaultOptions()
	periodic.Rotate, periodic.RotateEvery = mlsarchive.RotatePeriodic, 10*time.Minute
	periodic.MLS.Commit.When, periodic.MLS.Commit.Count = "count", 3
	service := mlsarchive.DefaultOptions()
	service.MLS.EvictBy = mlsgroup.EvictByService
	service.MLS.KeyPackages = &mlsgroup.KeyPackages{Batch: 2, Lifetime: time.Hour, LastResort: true}
	for name, o := range map[string]mlsarchive.Options{
		"defaults": mlsarchive.DefaultOptions(), "removal-none-backup": removal, "periodic-count": periodic,
		"service-evicts-published-key-packages": service,
	} {
		raw, err := json.Marshal(o)
		if err != nil {
			t.Fatal(err)
		}
		t.Run(name, func(t *testing.T) {
			protocoltest.Run(t, protocoltest.Config{Factory: mlsarchive.New, Modes: modes, Options: raw, Seed: 4})
		})
	}
}

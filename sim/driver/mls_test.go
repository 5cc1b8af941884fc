package driver_test

import (
	"bytes"
	"context"
	"encoding/json"
	"reflect"
	"testing"
	"time"

	"cgkalab/models/mlsgroup"
	"cgkalab/models/protocol"
	"cgkalab/sim"
	"cgkalab/sim/driver"
	"cgkalab/sim/network"
	"cgkalab/sim/workload"
)

func smallConfig(mode string) *driver.Config {
	return &driver.Config{
		Protocol: "mls", Suite: 1, Fidelity: mode, Sample: 3, Duration: 6 * sim.Hour,
		Workload: workload.Config{
			Initial:     12,
			Joins:       workload.Arrival{Process: "poisson", Every: 40 * sim.Minute},
			Leaves:      workload.Arrival{Process: "poisson", Every: 50 * sim.Minute},
			Updates:     workload.Arrival{Process: "poisson", Every: 4 * sim.Hour, PerMember: true},
			Messages:    workload.Arrival{Process: "poisson", Every: 2 * sim.Hour, PerMember: true},
			MessageSize: sim.Dist{Kind: sim.DistFixed, Value: 100},
			Offline: workload.Offline{Share: 0.3,
				Online:  sim.Dist{Kind: sim.DistExponential, Value: 3600},
				Offline: sim.Dist{Kind: sim.DistExponential, Value: 1800}},
			Compromises: workload.Arrival{Process: "poisson", Every: 40 * sim.Minute},
		},
		Network: network.Config{Latency: sim.Dist{Kind: sim.DistFixed, Value: 0.05}},
		Options: mlsOptions(func(o *mlsgroup.Options) { o.Commit.When, o.Commit.Every = "periodic", 15*time.Minute }),
	}
}

// mlsOptions returns the default MLS options as edit leaves them, as the
// JSON a driver.Config carries.
func mlsOptions(edit func(*mlsgroup.Options)) json.RawMessage {
	o := mlsgroup.DefaultOptions()
	edit(&o)
	b, err := json.Marshal(o)
	if err != nil {
		panic(err)
	}
	return b
}

func newDriver() *driver.Driver {
	return &driver.Driver{Protocols: map[string]protocol.Factory{"mls": mlsgroup.New}}
}

// TestFullAndSampledAgree runs one small spec in both fidelity modes: the
// byte counts and epoch authenticators of every event must be identical.
func TestFullAndSampledAgree(t *testing.T) {
	d := newDriver()
	full, err := d.Run(context.Background(), smallConfig("full"), 7, nil)
	if err != nil {
		t.Fatal(err)
	}
	sampled, err := d.Run(context.Background(), smallConfig("sampled"), 7, nil)
	if err != nil {
		t.Fatal(err)
	}
	if full.Mode != "full" || sampled.Mode != "sampled" {
		t.Fatalf("modes %s, %s", full.Mode, sampled.Mode)
	}
	if len(full.Events) != len(sampled.Events) {
		t.Fatalf("%d events in full mode, %d in sampled", len(full.Events), len(sampled.Events))
	}
	commits := 0
	for i := range full.Events {
		f, s := full.Events[i], sampled.Events[i]
		if f.Kind != s.Kind || f.BytesUp != s.BytesUp || f.BytesDown != s.BytesDown || f.Epoch != s.Epoch || f.Members != s.Members {
			t.Fatalf("event %d differs:\nfull    %+v\nsampled %+v", i, f, s)
		}
		if f.Kind == "commit" {
			commits++
		}
	}
	if commits < 5 {
		t.Errorf("only %d commits: the spec does not exercise the protocol", commits)
	}
	if !bytes.Equal(full.AuthDigest, sampled.AuthDigest) {
		t.Error("epoch authenticators differ between full and sampled mode")
	}
	for i := range full.Members {
		if full.Members[i] != sampled.Members[i] {
			t.Fatalf("member traffic differs: %+v vs %+v", full.Members[i], sampled.Members[i])
		}
	}
}

// TestSecurityAgreesAcrossModes checks that the oracle sees the same
// exposures whichever fidelity mode ran: compromises in sampled mode
// reveal exactly what the members' own states hold in full mode.
func TestSecurityAgreesAcrossModes(t *testing.T) {
	d := newDriver()
	full, err := d.Run(context.Background(), smallConfig("full"), 11, nil)
	if err != nil {
		t.Fatal(err)
	}
	sampled, err := d.Run(context.Background(), smallConfig("sampled"), 11, nil)
	if err != nil {
		t.Fatal(err)
	}
	f, s := full.Security, sampled.Security
	if f == nil || s == nil || len(f.Compromises) < 3 {
		t.Fatalf("too few compromises to compare: %+v", f)
	}
	if f.ExposedEpochs != s.ExposedEpochs || f.ExposedMessages != s.ExposedMessages || f.Excess != s.Excess || len(f.Compromises) != len(s.Compromises) {
		t.Fatalf("security reports differ:\nfull    %+v\nsampled %+v", f, s)
	}
	for i := range f.Compromises {
		a, b := f.Compromises[i], s.Compromises[i]
		if a.Member != b.Member || a.Healing != b.Healing || a.FSWindow != b.FSWindow || a.Censored != b.Censored || a.Exposed != b.Exposed {
			t.Errorf("compromise %d differs: %+v vs %+v", i, a, b)
		}
	}
	if f.ExposedEpochs == 0 || f.ExposedEpochs == f.Epochs {
		t.Errorf("%d of %d epochs exposed: the scenario does not discriminate", f.ExposedEpochs, f.Epochs)
	}
}

// TestSameSeedSameRun: two runs of one spec and seed record the same
// events apart from the CPU columns, and the same epoch authenticators; a
// different seed gives a different run.
func TestSameSeedSameRun(t *testing.T) {
	d := newDriver()
	d.Clock = func() int64 { return 0 }
	run := func(seed uint64) *driver.Result {
		res, err := d.Run(context.Background(), smallConfig("sampled"), seed, nil)
		if err != nil {
			t.Fatal(err)
		}
		return res
	}
	a, b, c := run(3), run(3), run(4)
	if len(a.Events) != len(b.Events) || !bytes.Equal(a.AuthDigest, b.AuthDigest) {
		t.Fatal("two runs with the same seed differ")
	}
	for i := range a.Events {
		x, y := a.Events[i], b.Events[i]
		x.SenderCPU, x.ReceiverCPU, y.SenderCPU, y.ReceiverCPU = 0, 0, 0, 0
		if !reflect.DeepEqual(x, y) {
			t.Fatalf("event %d differs:\n%+v\n%+v", i, x, y)
		}
	}
	if bytes.Equal(a.AuthDigest, c.AuthDigest) {
		t.Error("a different seed gave the same run")
	}
}

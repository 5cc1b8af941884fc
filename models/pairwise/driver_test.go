package pairwise_test

import (
	"context"
	"reflect"
	"testing"

	"cgkalab/models/pairwise"
	"cgkalab/models/protocol"
	"cgkalab/sim"
	"cgkalab/sim/driver"
	"cgkalab/sim/network"
	"cgkalab/sim/workload"
)

// A short simulation through the real driver, with churn, offline
// members, disappearing messages and compromises, in both fidelity
// modes: the same events and bytes, the same security report.
func TestDriver(t *testing.T) {
	cfg := func(mode string) *driver.Config {
		return &driver.Config{
			Protocol: "pairwise", Suite: 1, Fidelity: mode, Sample: 2, Duration: 8 * sim.Hour,
			Workload: workload.Config{
				Initial:     10,
				Joins:       workload.Arrival{Process: "poisson", Every: 50 * sim.Minute},
				Leaves:      workload.Arrival{Process: "poisson", Every: 60 * sim.Minute},
				Updates:     workload.Arrival{Process: "poisson", Every: 6 * sim.Hour, PerMember: true},
				Messages:    workload.Arrival{Process: "poisson", Every: 1 * sim.Hour, PerMember: true},
				MessageSize: sim.Dist{Kind: sim.DistFixed, Value: 100},
				Ephemeral:   workload.Ephemeral{Share: 0.5, TTL: 30 * sim.Minute},
				Offline: workload.Offline{Share: 0.3,
					Online:  sim.Dist{Kind: sim.DistExponential, Value: 3600},
					Offline: sim.Dist{Kind: sim.DistExponential, Value: 1800}},
				Compromises: workload.Arrival{Process: "poisson", Every: 90 * sim.Minute},
			},
			Network: network.Config{Latency: sim.Dist{Kind: sim.DistFixed, Value: 0.05}},
		}
	}
	d := &driver.Driver{Protocols: map[string]protocol.Factory{"pairwise": pairwise.New}}
	full, err := d.Run(context.Background(), cfg("full"), 3, nil)
	if err != nil {
		t.Fatal(err)
	}
	sampled, err := d.Run(context.Background(), cfg("sampled"), 3, nil)
	if err != nil {
		t.Fatal(err)
	}
	r := full.Security
	if r == nil || r.Messages == 0 || r.ExposedMessages == 0 || len(r.Compromises) == 0 || r.Ephemeral == 0 {
		t.Fatalf("security report %+v", r)
	}
	if len(full.Events) != len(sampled.Events) {
		t.Fatalf("%d events in full mode, %d in sampled", len(full.Events), len(sampled.Events))
	}
	for i := range full.Events {
		f, s := full.Events[i], sampled.Events[i]
		if f.Kind != s.Kind || f.BytesUp != s.BytesUp || f.BytesDown != s.BytesDown || !reflect.DeepEqual(f.KindBytes, s.KindBytes) {
			t.Fatalf("event %d differs:\nfull    %+v\nsampled %+v", i, f, s)
		}
	}
	rs := sampled.Security
	if r.ExposedMessages != rs.ExposedMessages || r.DeletedExposed != rs.DeletedExposed {
		t.Errorf("exposed %d (%d deleted) in full mode, %d (%d) in sampled", r.ExposedMessages, r.DeletedExposed, rs.ExposedMessages, rs.DeletedExposed)
	}
	t.Logf("%d events, %d messages, %d exposed (%d after they disappeared), %d compromises",
		len(full.Events), r.Messages, r.ExposedMessages, r.DeletedExposed, len(r.Compromises))
}

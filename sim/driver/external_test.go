package driver_test

import (
	"bytes"
	"context"
	"testing"
	"time"

	"cgkalab/models/mlsgroup"
	"cgkalab/sim"
	"cgkalab/sim/driver"
	"cgkalab/sim/metrics"
)

// runBoth runs cfg in full and sampled mode with seed and checks that
// they agree event by event (bytes, epochs, members, authenticators).
func runBoth(t *testing.T, cfg func(mode string) *driver.Config, seed uint64) (full, sampled *driver.Result) {
	t.Helper()
	d := newDriver()
	var err error
	if full, err = d.Run(context.Background(), cfg("full"), seed, nil); err != nil {
		t.Fatal(err)
	}
	if sampled, err = d.Run(context.Background(), cfg("sampled"), seed, nil); err != nil {
		t.Fatal(err)
	}
	if len(full.Events) != len(sampled.Events) {
		t.Fatalf("%d events in full mode, %d in sampled", len(full.Events), len(sampled.Events))
	}
	for i := range full.Events {
		f, s := full.Events[i], sampled.Events[i]
		if f.Kind != s.Kind || f.BytesUp != s.BytesUp || f.BytesDown != s.BytesDown || f.Epoch != s.Epoch || f.Members != s.Members {
			t.Fatalf("event %d differs:\nfull    %+v\nsampled %+v", i, f, s)
		}
	}
	if !bytes.Equal(full.AuthDigest, sampled.AuthDigest) {
		t.Error("epoch authenticators differ between full and sampled mode")
	}
	return full, sampled
}

// kindBytes sums the bytes of messages of kind over events labelled label.
func kindBytes(events []metrics.Event, label, kind string) (n int, bytes int64) {
	for _, e := range events {
		if e.Kind == label && e.Bytes(kind) > 0 {
			n++
			bytes += e.Bytes(kind)
		}
	}
	return n, bytes
}

// TestEvictByServiceRun: with evict_by: service, idle members are removed
// through the delivery service's external proposals, committed under the
// periodic commit policy; both fidelity modes agree.
func TestEvictByServiceRun(t *testing.T) {
	cfg := func(mode string) *driver.Config {
		c := smallConfig(mode)
		c.Workload.Policy.MaxUpdateAge = 90 * sim.Minute
		c.Options = mlsOptions(func(o *mlsgroup.Options) {
			o.Commit.When, o.Commit.Every = "periodic", 15*time.Minute
			o.EvictBy = mlsgroup.EvictByService
		})
		return c
	}
	full, _ := runBoth(t, cfg, 5)
	n, b := kindBytes(full.Events, "evict", mlsgroup.MsgExternalProposal)
	if n < 2 {
		t.Fatalf("%d external Removes: the run does not evict", n)
	}
	removed, after := 0, false
	for _, e := range full.Events {
		if e.Kind == "evict" && (e.Bytes(mlsgroup.MsgProposal) > 0 || e.Actor != ^uint32(0)) {
			t.Errorf("eviction by a member: %+v", e)
		}
		switch {
		case e.Kind == "evict":
			after = true
		case e.Kind == "commit" && after:
			removed += e.Removed
			after = false
		}
	}
	// A committer drops a Remove of itself (and its path refreshes it),
	// so fewer may go than were proposed, but some must.
	if removed == 0 {
		t.Errorf("no member removed by commits, %d external Removes sent", n)
	}
	t.Logf("%d external Removes, %d bytes each on average", n, b/int64(n))
}

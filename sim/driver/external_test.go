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
	if f, s := full.Security, sampled.Security; f != nil && (f.ExposedEpochs != s.ExposedEpochs || f.ExposedMessages != s.ExposedMessages || f.Excess != s.Excess) {
		t.Errorf("security reports differ:\nfull    %+v\nsampled %+v", f, s)
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

// TestRejoinByExternalCommitRun: with rejoin: external_commit, members
// back past max_backlog rejoin by external commit under their own
// MemberID (no rejoin-remove / rejoin-add), both fidelity modes agree, and
// the oracle finds no ideally unsafe epoch unexposed.
func TestRejoinByExternalCommitRun(t *testing.T) {
	cfg := func(rejoin mlsgroup.RejoinBy) func(mode string) *driver.Config {
		return func(mode string) *driver.Config {
			c := smallConfig(mode)
			c.Workload.Offline.MaxBacklog = 3
			c.Options = mlsOptions(func(o *mlsgroup.Options) {
				o.Commit.When, o.Commit.Every = "periodic", 15*time.Minute
				o.Rejoin = rejoin
			})
			return c
		}
	}
	ext, _ := runBoth(t, cfg(mlsgroup.RejoinExternalCommit), 3)
	if ext.Stats.Rejoins < 2 {
		t.Fatalf("%d rejoins: the run does not exercise them", ext.Stats.Rejoins)
	}
	n, commitBytes := kindBytes(ext.Events, "rejoin", mlsgroup.MsgExternalCommit)
	if n != ext.Stats.Rejoins {
		t.Errorf("%d external commits for %d rejoins", n, ext.Stats.Rejoins)
	}
	for _, e := range ext.Events {
		if e.Kind == "rejoin-remove" || e.Kind == "rejoin-add" {
			t.Fatalf("a Leave+Join rejoin under rejoin: external_commit: %+v", e)
		}
	}
	welcome, err := newDriver().Run(context.Background(), cfg(mlsgroup.RejoinWelcome)("full"), 3, nil)
	if err != nil {
		t.Fatal(err)
	}
	_, giBytes := kindBytes(ext.Events, "rejoin", mlsgroup.MsgGroupInfo)
	t.Logf("external commit: %d rejoins, %d B of external commit, %d B of GroupInfo; welcome: %d rejoins",
		n, commitBytes/int64(n), giBytes/int64(n), welcome.Stats.Rejoins)
}

// TestPublishedKeyPackagesRun: with mls.key_packages, members back past
// max_backlog rejoin by Welcome as the same client, with a KeyPackage
// from the batch they published; with a short lifetime some have expired
// and are replaced (key_package_upload). Both fidelity modes agree.
func TestPublishedKeyPackagesRun(t *testing.T) {
	cfg := func(mode string) *driver.Config {
		c := smallConfig(mode)
		c.Workload.Offline.MaxBacklog = 3
		c.Options = mlsOptions(func(o *mlsgroup.Options) {
			o.Commit.When, o.Commit.Every = "periodic", 15*time.Minute
			o.KeyPackages = &mlsgroup.KeyPackages{Batch: 2, Lifetime: 2 * time.Hour, LastResort: true}
		})
		return c
	}
	full, _ := runBoth(t, cfg, 3)
	if full.Stats.Rejoins < 2 {
		t.Fatalf("%d rejoins: the run does not exercise them", full.Stats.Rejoins)
	}
	uploads, _ := kindBytes(full.Events, mlsgroup.MsgKeyPackageUpload, mlsgroup.MsgKeyPackageUpload)
	rejoinAdds := 0
	for _, e := range full.Events {
		if e.Kind == "rejoin-add" {
			rejoinAdds++
		}
		if e.Kind == "commit" && e.Added > 0 && e.Removed > 0 && e.Added == e.Removed {
			t.Logf("commit adds and removes %d at %v", e.Added, e.Time)
		}
	}
	if rejoinAdds < full.Stats.Rejoins {
		t.Errorf("%d rejoin Adds for %d rejoins", rejoinAdds, full.Stats.Rejoins)
	}
	if uploads == 0 {
		t.Error("no KeyPackage upload: joins and expiries should upload batches")
	}
	t.Logf("%d rejoins by Welcome as the same client, %d uploads", full.Stats.Rejoins, uploads)
}

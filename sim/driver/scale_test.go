package driver_test

import (
	"bytes"
	"context"
	"crypto/sha256"
	"fmt"
	"hash"
	"reflect"
	"slices"
	"testing"
	"time"

	"cgkalab/models/mlsgroup"
	"cgkalab/models/protocol"
	"cgkalab/sim"
	"cgkalab/sim/driver"
	"cgkalab/sim/metrics"
	"cgkalab/sim/security"
	"cgkalab/sim/workload"
)

// treeRecorder wraps an MLS group and hashes its tree hash after every
// outcome: scaled mode's transcripts hash filler ciphertexts, so its epoch
// authenticators differ from the other modes' by construction, while its
// ratchet tree (every public key, parent hash and signature) must not.
type treeRecorder struct {
	*mlsgroup.Group
	digest hash.Hash
}

func (r *treeRecorder) Apply(in protocol.Intent) ([]*protocol.Outcome, error) {
	outs, err := r.Group.Apply(in)
	for range outs {
		r.digest.Write(r.TreeHashForTesting())
	}
	return outs, err
}

// runRecorded runs cfg and returns the result and the digest of the tree
// hashes after every outcome.
func runRecorded(t *testing.T, cfg *driver.Config, seed uint64, eager bool) (*driver.Result, []byte) {
	res, digest, _ := runRecordedGroup(t, cfg, seed, eager)
	return res, digest
}

// runRecordedGroup is runRecorded, also returning the group.
func runRecordedGroup(t *testing.T, cfg *driver.Config, seed uint64, eager bool) (*driver.Result, []byte, *mlsgroup.Group) {
	t.Helper()
	var rec *treeRecorder
	d := &driver.Driver{Protocols: map[string]protocol.Factory{"mls": func(env protocol.Env) (protocol.Group, error) {
		g, err := mlsgroup.New(env)
		if err != nil {
			return nil, err
		}
		g.(*mlsgroup.Group).CheckEdgesForTesting()
		if eager {
			g.(*mlsgroup.Group).EagerEdgesForTesting()
		}
		rec = &treeRecorder{Group: g.(*mlsgroup.Group), digest: sha256.New()}
		return rec, nil
	}}}
	res, err := d.Run(context.Background(), cfg, seed, nil)
	if err != nil {
		t.Fatalf("%s mode: %v", cfg.Fidelity, err)
	}
	if res.Mode != cfg.Fidelity {
		t.Fatalf("ran %s mode, asked for %s", res.Mode, cfg.Fidelity)
	}
	return res, rec.digest.Sum(nil), rec.Group
}

// churnConfig is a group of n members with joins, leaves, updates,
// messages, offline members and compromises.
func churnConfig(mode string, n int, d sim.Time) *driver.Config {
	cfg := smallConfig(mode)
	cfg.Duration = d
	cfg.Workload.Initial = n
	cfg.Workload.Joins = workload.Arrival{Process: "poisson", Every: 20 * sim.Minute}
	cfg.Workload.Leaves = workload.Arrival{Process: "poisson", Every: 25 * sim.Minute}
	cfg.Workload.Updates = workload.Arrival{Process: "poisson", Every: 30 * sim.Minute}
	cfg.Workload.Messages = workload.Arrival{Process: "poisson", Every: 10 * sim.Minute}
	cfg.Workload.Compromises = workload.Arrival{Process: "poisson", Every: 30 * sim.Minute}
	cfg.Workload.Offline.MaxBacklog = 6
	cfg.Options = mlsOptions(func(o *mlsgroup.Options) { o.Commit.When, o.Commit.Every = "periodic", 10*time.Minute })
	return cfg
}

// sameEvents compares two runs' events: every column but CPU, and the
// receiver columns only where both modes sample the same receivers (not
// against full mode, where every online member receives, and where a
// returning member's catch-up, a sync, processes its backlog for real
// while sampled modes derive its state without work).
func sameEvents(t *testing.T, name string, a, b []metrics.Event, receivers bool) {
	t.Helper()
	if len(a) != len(b) {
		t.Fatalf("%s: %d events, %d events", name, len(a), len(b))
	}
	for i := range a {
		x, y := a[i], b[i]
		x.SenderCPU, x.ReceiverCPU, y.SenderCPU, y.ReceiverCPU = 0, 0, 0, 0
		x.SenderModelCPU, x.ReceiverModelCPU, y.SenderModelCPU, y.ReceiverModelCPU = 0, 0, 0, 0
		if !receivers {
			x.Receiver, x.Processed, x.Verified = protocol.Ops{}, 0, 0
			y.Receiver, y.Processed, y.Verified = protocol.Ops{}, 0, 0
			if x.Kind == "sync" {
				x.Sender, y.Sender = protocol.Ops{}, protocol.Ops{}
			}
		}
		if !reflect.DeepEqual(x, y) {
			t.Fatalf("%s: event %d differs:\n%+v\n%+v", name, i, x, y)
		}
	}
}

// sameSecurity compares two oracle reports field by field.
func sameSecurity(t *testing.T, name string, a, b *security.Report) {
	t.Helper()
	if a == nil || b == nil {
		t.Fatalf("%s: missing security report", name)
	}
	if len(a.Compromises) != len(b.Compromises) {
		t.Fatalf("%s: %d compromises, %d", name, len(a.Compromises), len(b.Compromises))
	}
	for i := range a.Compromises {
		if x, y := exported(a.Compromises[i]), exported(b.Compromises[i]); x != y {
			t.Fatalf("%s: compromise %d differs:\n%+v\n%+v", name, i, x, y)
		}
	}
	x, y := *a, *b
	x.Compromises, y.Compromises = nil, nil
	if !reflect.DeepEqual(x, y) {
		t.Fatalf("%s: reports differ:\n%+v\n%+v", name, x, y)
	}
}

// TestModesAgree runs the same specs in every fidelity mode that is
// affordable at their size: events (bytes, operation counts, epochs,
// membership) and security reports must be identical; full and sampled
// mode reach the same epoch authenticators; scaled mode's authenticators
// differ by construction (its transcripts hash filler ciphertexts), so it
// must instead reach the same ratchet trees, event by event, while its
// sampled receivers each check the committer's authenticator for real.
// Two specs send many application messages an epoch, so that scaled mode
// accounts most of them. Every mode's oracle asks the group for encryption edges on demand; one
// more run lists them all in its Outcomes, as the oracle used to get
// them, and must give the same security report.
func TestModesAgree(t *testing.T) {
	all := []string{"full", "sampled", "scaled"}
	warm := protocol.Shape{Kind: protocol.ShapeWarm}
	churned := protocol.Shape{Kind: protocol.ShapeChurned, Blank: 0.4}
	specs := []struct {
		n     int
		d     sim.Time
		modes []string
		seed  uint64
		shape protocol.Shape
		msgs  sim.Time // the group's mean gap between messages (0: churnConfig's)
	}{
		{12, 6 * sim.Hour, all, 7, protocol.Shape{}, 0},
		{80, 3 * sim.Hour, all, 3, protocol.Shape{}, 30 * sim.Second},
		{37, 3 * sim.Hour, all, 4, warm, 0},
		{64, 3 * sim.Hour, all, 6, churned, 0},
		{3000, 2 * sim.Hour, all[1:], 5, protocol.Shape{}, 20 * sim.Second},
		{2500, 2 * sim.Hour, all[1:], 8, churned, 0},
	}
	if testing.Short() {
		specs = specs[:4]
	}
	for _, sp := range specs {
		t.Run(fmt.Sprintf("n=%d/shape=%s", sp.n, sp.shape.Kind), func(t *testing.T) {
			type run struct {
				res  *driver.Result
				tree []byte
			}
			runs := map[string]run{}
			config := func(mode string) *driver.Config {
				cfg := churnConfig(mode, sp.n, sp.d)
				cfg.Workload.Shape = sp.shape
				if sp.msgs > 0 {
					cfg.Workload.Messages.Every = sp.msgs
				}
				return cfg
			}
			for _, mode := range sp.modes {
				res, tree, g := runRecordedGroup(t, config(mode), sp.seed, false)
				runs[mode] = run{res, tree}
				if accounted := g.AccountedSendsForTesting(); mode != "scaled" && accounted > 0 || mode == "scaled" && sp.msgs > 0 && accounted < 100 {
					t.Fatalf("%s mode accounted %d application messages", mode, accounted)
				}
			}
			ref := runs[sp.modes[0]]
			eager, _ := runRecorded(t, config(sp.modes[0]), sp.seed, true)
			sameSecurity(t, "edges on demand vs in outcomes", eager.Security, ref.res.Security)
			commits := 0
			for _, e := range ref.res.Events {
				if e.Kind == "commit" {
					commits++
				}
			}
			if commits < 5 || ref.res.Security == nil || len(ref.res.Security.Compromises) < 2 || ref.res.Stats.Rejoins+countKind(ref.res.Events, "sync") == 0 {
				t.Fatalf("spec does not exercise the protocol: %d commits, stats %+v", commits, ref.res.Stats)
			}
			for _, mode := range sp.modes[1:] {
				r := runs[mode]
				name := sp.modes[0] + " vs " + mode
				sameEvents(t, name, ref.res.Events, r.res.Events, sp.modes[0] != "full" && mode != "scaled")
				sameSecurity(t, name, ref.res.Security, r.res.Security)
				if !reflect.DeepEqual(ref.res.Members, r.res.Members) {
					t.Fatalf("%s: member traffic differs", name)
				}
				if !bytes.Equal(ref.tree, r.tree) {
					t.Fatalf("%s: ratchet trees differ", name)
				}
				if mode != "scaled" && !bytes.Equal(ref.res.AuthDigest, r.res.AuthDigest) {
					t.Fatalf("%s: epoch authenticators differ", name)
				}
			}
			if s, ok := runs["sampled"]; ok {
				if sc, ok := runs["scaled"]; ok {
					// One of the receivers drawn processes a proposal in
					// scaled mode.
					a, b := slices.Clone(s.res.Events), slices.Clone(sc.res.Events)
					for i := range a {
						if a[i].Kind != "commit" && a[i].Kind != "send" && a[i].Processed > 0 && b[i].Processed == 1 {
							a[i].Processed = 1
						}
					}
					sameEvents(t, "sampled vs scaled", a, b, true)
					if bytes.Equal(s.res.AuthDigest, sc.res.AuthDigest) {
						t.Fatal("scaled mode reached the sampled mode's authenticators: its filler is not in the transcript")
					}
				}
			}
		})
	}
}

// compromise is security.Compromise's exported fields.
type compromise struct {
	Member                                   protocol.MemberID
	Time, Healing, FSWindow                  sim.Time
	MsgHealing, MsgFSWindow                  sim.Time
	Epoch                                    uint64
	Censored, MsgCensored                    bool
	Exposed, ExposedMessages, DeletedExposed int
}

func exported(c *security.Compromise) compromise {
	return compromise{c.Member, c.Time, c.Healing, c.FSWindow, c.MsgHealing, c.MsgFSWindow, c.Epoch, c.Censored, c.MsgCensored,
		c.Exposed, c.ExposedMessages, c.DeletedExposed}
}

func countKind(events []metrics.Event, kind string) int {
	n := 0
	for _, e := range events {
		if e.Kind == kind {
			n++
		}
	}
	return n
}

// TestModelledCPU: with a calibration given, the modelled CPU columns are
// the operation counts times its costs, identical whatever the clock and
// whichever of sampled and scaled mode runs; without one, a driver with a
// clock measures one at the start of the run and records it.
func TestModelledCPU(t *testing.T) {
	cal := &protocol.Calibration{Suite: 1, Encrypt: 70000, Decrypt: 60000, DeriveKeyPair: 30000, DeriveSecret: 800,
		Sign: 20000, Verify: 50000, AEAD: 900, Rounds: 1}
	var tick int64
	clocks := []func() int64{func() int64 { return 0 }, func() int64 { tick += 12345; return tick }}
	var runs []*driver.Result
	for i, mode := range []string{"sampled", "scaled"} {
		cfg := churnConfig(mode, 40, 2*sim.Hour)
		cfg.Calibration = cal
		d := newDriver()
		d.Clock = clocks[i]
		res, err := d.Run(context.Background(), cfg, 9, nil)
		if err != nil {
			t.Fatal(err)
		}
		if res.Calibration != cal {
			t.Fatalf("%s: the run did not use the given calibration", mode)
		}
		runs = append(runs, res)
	}
	var modelled int64
	for i := range runs[0].Events {
		a, b := runs[0].Events[i], runs[1].Events[i]
		if a.SenderModelCPU != b.SenderModelCPU || a.ReceiverModelCPU != b.ReceiverModelCPU {
			t.Fatalf("event %d: modelled CPU %d/%d in sampled mode, %d/%d in scaled", i, a.SenderModelCPU, a.ReceiverModelCPU, b.SenderModelCPU, b.ReceiverModelCPU)
		}
		if want := cal.Model(a.Sender); a.SenderModelCPU != want {
			t.Fatalf("event %d: modelled sender CPU %d, want %d", i, a.SenderModelCPU, want)
		}
		modelled += a.SenderModelCPU
	}
	if modelled == 0 {
		t.Fatal("nothing was modelled")
	}

	d := newDriver()
	d.Clock = func() int64 { tick += 1000; return tick }
	res, err := d.Run(context.Background(), churnConfig("scaled", 20, sim.Hour), 9, nil)
	if err != nil {
		t.Fatal(err)
	}
	c := res.Calibration
	if c == nil || c.Suite != 1 || c.Encrypt <= 0 || c.Verify <= 0 || c.AEAD <= 0 || c.Rounds == 0 {
		t.Fatalf("measured calibration %+v", c)
	}
}

package driver

import (
	"context"
	"crypto/sha256"
	"fmt"
	"hash"
	"math/rand/v2"

	"gonum.org/v1/gonum/stat/distuv"

	"cgkalab/models/protocol"
	"cgkalab/sim"
	"cgkalab/sim/metrics"
	"cgkalab/sim/network"
	"cgkalab/sim/security"
	"cgkalab/sim/workload"
)

// Driver runs simulations with the protocols it knows.
type Driver struct {
	// Protocols maps a protocol name to the factory of its groups.
	Protocols map[string]protocol.Factory
	// Clock, if set, measures CPU time of the real operations (monotonic
	// nanoseconds). Only CPU columns depend on it.
	Clock func() int64
}

// Stats are a run's engine counters.
type Stats struct {
	Events     uint64 // events handled
	MaxPending int    // largest number of pending events
	Commits    int    // commits accepted
	Lost       int    // commits refused by the delivery service (lost races)
	Rejected   int    // operations the protocol refused
	Rejoins    int    // members whose backlog was too long
}

// Result is everything a run recorded.
type Result struct {
	Mode   string
	Events []metrics.Event
	Health []metrics.Health
	Stats  Stats
	// Members are per-member byte totals at the end of the run.
	Members []network.MemberBytes
	// Security is the oracle's report; nil when the run has no compromises.
	Security *security.Report
	// Calibration is what the modelled CPU columns were computed with; nil
	// when the run had none.
	Calibration *protocol.Calibration
	// History is what newly added devices could read of the group's past,
	// for protocols that give them old keys; nil for the others.
	History *History
	// AuthDigest is SHA-256 over the authenticators (MLS epoch
	// authenticators) after every event: equal digests mean the runs' group
	// states agreed event by event.
	AuthDigest []byte
}

// History counts, over every device added during the run, the past
// messages (sent before it joined, not yet disappeared) it could read, and
// all such messages.
type History struct {
	Readable int `json:"readable"`
	Total    int `json:"total"`
}

// evKind is a simulation event.
type evKind uint8

const (
	evJoin evKind = iota + 1
	evLeave
	evUpdate       // group-level Poisson: a random member updates
	evMemberUpdate // periodic per member
	evMessage
	evMemberMessage
	evOnline
	evOffline
	evTick // the protocol's timer, or a retry after a lost race
	evEvict
	evHealth
	evProgress
	evCompromise
	evServiceCompromise
)

type event struct {
	kind   evKind
	member protocol.MemberID
	gen    uint32 // a member's incarnation, for lazy cancellation; evTick: 1 for the protocol's periodic timer
}

// run is the state of one simulation.
type run struct {
	cfg     *Config
	eng     sim.Engine[event]
	group   protocol.Group
	net     *network.Service
	rec     *metrics.Recorder
	streams sim.Streams
	wl      *rand.Rand // workload draws
	pick    *rand.Rand // who acts
	lat     *rand.Rand // latencies
	sess    *rand.Rand // online sessions
	adv     *rand.Rand // the adversary's choice of victims
	eph     *rand.Rand // which messages disappear
	act     *actors    // who acts, by activity weight

	members []protocol.MemberID // current members, in join order
	ids     []idRecord          // by MemberID (ids are dense): four maps cost a million members 150 MB
	nextID  protocol.MemberID
	now     sim.Time // the time of the event being handled
	lastAcc sim.Time // when the sequencer last accepted a handshake
	stats   Stats
	auth    hash.Hash
	oracle  *security.Oracle // nil without compromises
	cal     *protocol.Calibration
	err     error // the first error of a scheduling call that cannot return one
}

// Run performs one simulation of cfg with the given seed.
// Progress is how far a run has come.
type Progress struct {
	Done, Total sim.Time // virtual time
	Events      uint64   // events handled so far
	Members     int      // current group size
}

// Run performs one simulation of cfg with the given seed, calling
// progress (if not nil) once the group is created, every 1% of virtual
// time and at the end. It stops
// after the event in flight once ctx is done.
func (d *Driver) Run(ctx context.Context, cfg *Config, seed uint64, progress func(Progress)) (*Result, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	factory, ok := d.Protocols[cfg.Protocol]
	if !ok {
		return nil, fmt.Errorf("protocol %q is not available", cfg.Protocol)
	}
	streams := sim.NewStreams(seed)
	r := &run{cfg: cfg, streams: streams,
		wl: streams.Stream("workload"), pick: streams.Stream("committer"),
		lat: streams.Stream("network"), sess: streams.Stream("sessions"), adv: streams.Stream("compromise"),
		eph: streams.Stream("ephemeral"), act: newActors(cfg.Workload.Actors, streams.Stream("actors"), cfg.Workload.Initial),
		ids: make([]idRecord, 0, cfg.Workload.Initial+1), auth: sha256.New()}
	r.net = network.NewService()
	r.rec = metrics.NewRecorder()
	g, err := factory(protocol.Env{Suite: cfg.Suite, Mode: cfg.Mode(), Sample: cfg.Sample, Options: cfg.Options,
		Online: r.net.Online, Members: func() []protocol.MemberID { return r.members }, Actor: r.randomMember,
		Rand: streams.Reader("protocol"), Pick: streams.Stream("sample"), Choose: r.pick,
		Sequencer: sequencer{r}, Clock: d.Clock, RetainEpochs: cfg.Workload.RetainEpochs, Shape: cfg.Workload.Shape})
	if err != nil {
		return nil, fmt.Errorf("protocol %s: %w", cfg.Protocol, err)
	}
	r.group = g
	if r.cal, err = d.calibration(cfg, g); err != nil {
		return nil, fmt.Errorf("protocol %s: calibrating: %w", cfg.Protocol, err)
	}
	if cfg.Workload.Adversary() {
		if _, ok := g.(protocol.Compromiser); !ok {
			return nil, fmt.Errorf("protocol %q cannot report what a compromise reveals", cfg.Protocol)
		}
		r.oracle = security.New()
		if rv, ok := g.(protocol.Revealer); ok {
			r.oracle.AskRevealer(rv)
		}
	}
	if err := r.start(); err != nil {
		return nil, err
	}
	if progress != nil {
		// The group exists: creating a million members takes a minute.
		progress(Progress{Total: cfg.Duration, Members: r.group.Members()})
	}
	step := max(cfg.Duration/100, sim.Second)
	err = r.eng.Run(cfg.Duration, func(now sim.Time, ev event) error {
		if err := ctx.Err(); err != nil {
			return err
		}
		if ev.kind == evProgress {
			if progress != nil {
				progress(Progress{Done: now, Total: cfg.Duration, Events: r.eng.Stats().Processed, Members: r.group.Members()})
			}
			return r.eng.Schedule(step, ev)
		}
		r.now = now
		if err := r.handle(now, ev); err != nil {
			return err
		}
		return r.err
	})
	if err != nil {
		return nil, err
	}
	if progress != nil {
		progress(Progress{Done: cfg.Duration, Total: cfg.Duration, Events: r.eng.Stats().Processed, Members: r.group.Members()})
	}
	st := r.eng.Stats()
	r.stats.Events, r.stats.MaxPending = st.Processed, st.MaxPending
	res := &Result{Mode: cfg.Mode(), Events: r.rec.Events(), Health: r.rec.Health(), Stats: r.stats,
		Members: r.net.Totals(), AuthDigest: r.auth.Sum(nil), Calibration: r.cal}
	if h, ok := r.group.(protocol.HistoryReporter); ok {
		readable, total := h.HistoryReadable()
		res.History = &History{Readable: readable, Total: total}
	}
	if r.oracle != nil {
		if res.Security, err = r.oracle.FinishContext(ctx, cfg.Duration); err != nil {
			return nil, err
		}
	}
	return res, nil
}

// calibration returns the configured calibration, or measures one when
// the driver has a clock and the protocol can calibrate.
func (d *Driver) calibration(cfg *Config, g protocol.Group) (*protocol.Calibration, error) {
	if cfg.Calibration != nil {
		return cfg.Calibration, nil
	}
	c, ok := g.(protocol.Calibrator)
	if !ok || d.Clock == nil {
		return nil, nil
	}
	cal, err := c.Calibrate()
	if err != nil {
		return nil, err
	}
	return &cal, nil
}

// start creates the group and schedules the first events.
func (r *run) start() error {
	w := &r.cfg.Workload
	creator := r.newMember()
	var others []protocol.MemberID
	for range w.Initial - 1 {
		others = append(others, r.newMember())
	}
	r.net.Join(creator)
	if err := r.apply(0, protocol.Intent{Kind: protocol.Create, Actor: creator, Targets: others}); err != nil {
		return err
	}
	for _, a := range []struct {
		arr  workload.Arrival
		kind evKind
	}{{w.Joins, evJoin}, {w.Leaves, evLeave}, {w.Updates, evUpdate}, {w.Messages, evMessage}} {
		if !a.arr.Enabled() {
			continue
		}
		if a.arr.PerMember && a.arr.Process == "periodic" {
			k := evMemberUpdate
			if a.kind == evMessage {
				k = evMemberMessage
			}
			for _, m := range r.members {
				if err := r.schedulePeriodic(m, k, true); err != nil {
					return err
				}
			}
			continue
		}
		if err := r.eng.At(r.gap(a.arr), event{kind: a.kind}); err != nil {
			return err
		}
	}
	if w.Compromises.Enabled() {
		if err := r.eng.At(r.gapWith(r.adv, w.Compromises), event{kind: evCompromise}); err != nil {
			return err
		}
	}
	for _, t := range w.CompromiseAt {
		if err := r.eng.At(t, event{kind: evCompromise, gen: 1}); err != nil {
			return err
		}
	}
	if w.ServiceCompromises.Enabled() {
		if err := r.eng.At(r.gapWith(r.adv, w.ServiceCompromises), event{kind: evServiceCompromise}); err != nil {
			return err
		}
	}
	for _, t := range w.ServiceCompromiseAt {
		if err := r.eng.At(t, event{kind: evServiceCompromise, gen: 1}); err != nil {
			return err
		}
	}
	if t, ok := r.group.(protocol.Ticker); ok && t.TickEvery() > 0 {
		if err := r.eng.At(sim.FromDuration(t.TickEvery()), event{kind: evTick, gen: 1}); err != nil {
			return err
		}
	}
	if w.Policy.MaxUpdateAge > 0 {
		if err := r.eng.At(w.Policy.MaxUpdateAge/4, event{kind: evEvict}); err != nil {
			return err
		}
	}
	if err := r.eng.At(0, event{kind: evHealth}); err != nil {
		return err
	}
	return r.eng.At(0, event{kind: evProgress})
}

// idRecord is what the driver keeps for a member id.
type idRecord struct {
	index     int32    // position in members; -1 once it is not a member
	gen       uint32   // incarnation, for lazy cancellation of its events
	offlineAt int      // accepted commits when it went offline
	updatedAt sim.Time // when it last refreshed its state, if updated
	updated   bool
}

// id returns the record of member id m, or nil for an id never issued
// (such as protocol.Service).
func (r *run) id(m protocol.MemberID) *idRecord {
	if int64(m) < int64(len(r.ids)) {
		return &r.ids[m]
	}
	return nil
}

// index returns m's position in members, if it is a member.
func (r *run) index(m protocol.MemberID) (int, bool) {
	if rec := r.id(m); rec != nil && rec.index >= 0 {
		return int(rec.index), true
	}
	return 0, false
}

// gen returns m's incarnation.
func (r *run) gen(m protocol.MemberID) uint32 {
	if rec := r.id(m); rec != nil {
		return rec.gen
	}
	return 0
}

// newMember registers a client and, if it cycles online and offline, its
// first session.
func (r *run) newMember() protocol.MemberID {
	id := r.nextID
	r.nextID++
	r.ids = append(r.ids, idRecord{index: int32(len(r.members)), gen: 1})
	r.members = append(r.members, id)
	r.act.add(id)
	if off := r.cfg.Workload.Offline; off.Share > 0 && r.sess.Float64() < off.Share {
		r.schedule(sim.FromSeconds(off.Online.Sample(r.sess)), event{kind: evOffline, member: id, gen: r.gen(id)})
	}
	return id
}

// dropMember forgets a member that left or was removed.
func (r *run) dropMember(id protocol.MemberID) {
	i, ok := r.index(id)
	if !ok {
		return
	}
	r.act.remove(i)
	last := r.members[len(r.members)-1]
	r.members[i] = last
	r.ids[last].index = int32(i)
	r.members = r.members[:len(r.members)-1]
	rec := &r.ids[id]
	*rec = idRecord{index: -1, gen: rec.gen + 1} // cancels its pending events
	r.net.Leave(id)
}

// gap draws the time to the next arrival of a group-level workload
// process; a per-member Poisson process is the superposition of the
// members'.
func (r *run) gap(a workload.Arrival) sim.Time { return r.gapWith(r.wl, a) }

// gapWith is gap drawing from rng: the adversary draws from its own
// stream, so that it strikes at the same times whatever the protocol
// under test does to the workload's draws.
func (r *run) gapWith(rng *rand.Rand, a workload.Arrival) sim.Time {
	mean := a.Every.Seconds()
	if a.PerMember {
		mean /= float64(max(1, len(r.members)))
	}
	if a.Process == "periodic" {
		return sim.FromSeconds(mean)
	}
	return sim.FromSeconds(distuv.Exponential{Rate: 1 / mean, Src: rng}.Rand())
}

// schedulePeriodic schedules a member's next periodic update or message
// (kind evMemberUpdate or evMemberMessage); first is the first time, which
// gets a random phase so members do not act in lockstep.
func (r *run) schedulePeriodic(m protocol.MemberID, kind evKind, first bool) error {
	every := r.cfg.Workload.Updates.Every
	if kind == evMemberMessage {
		every = r.cfg.Workload.Messages.Every
	}
	// A member of activity weight w acts w times as often.
	i, _ := r.index(m)
	if w := r.act.scale(i); w != 1 {
		every = sim.FromSeconds(every.Seconds() / w)
	}
	d := every
	if first {
		d = sim.Time(r.wl.Int64N(int64(max(every, 1)))) + 1
	}
	return r.eng.Schedule(d, event{kind: kind, member: m, gen: r.gen(m)})
}

// randomMember returns an online member chosen by activity weight
// (uniformly by default), if any.
func (r *run) randomMember(rng *rand.Rand) (protocol.MemberID, bool) {
	return r.act.pick(r.members, r.net.Online, rng)
}

// schedule schedules an event from a place that cannot return an error;
// the handler returns the first such error once the event is done.
func (r *run) schedule(d sim.Time, ev event) {
	if err := r.eng.Schedule(d, ev); err != nil && r.err == nil {
		r.err = err
	}
}

// sequencer is the delivery service's one-handshake-per-epoch rule: a
// handshake made before its sender could have seen the last accepted one
// (within a latency draw of it) loses; the protocol is ticked again once
// the loser has caught up.
type sequencer struct{ r *run }

func (s sequencer) Claim() bool {
	r := s.r
	if r.stats.Commits > 0 && r.now-r.lastAcc < r.latency() {
		r.stats.Lost++
		r.schedule(r.latency(), event{kind: evTick})
		return false
	}
	return true
}

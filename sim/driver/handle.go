package driver

import (
	"slices"

	"cgkalab/models/protocol"
	"cgkalab/sim"
	"cgkalab/sim/metrics"
)

// handle processes one event.
func (r *run) handle(now sim.Time, ev event) error {
	w := &r.cfg.Workload
	switch ev.kind {
	case evOnline, evOffline, evMemberUpdate, evMemberMessage:
		if r.gen(ev.member) != ev.gen {
			return nil // the member left since this was scheduled
		}
	}
	switch ev.kind {
	case evJoin:
		defer r.schedule(r.gap(w.Joins), ev)
		proposer, ok := r.randomMember(r.pick)
		if !ok {
			return nil
		}
		joiner := r.newMember()
		return r.apply(now, protocol.Intent{Kind: protocol.Join, Actor: proposer, Targets: []protocol.MemberID{joiner}})
	case evLeave:
		defer r.schedule(r.gap(w.Leaves), ev)
		if len(r.members) < 2 {
			return nil
		}
		leaver := r.members[r.wl.IntN(len(r.members))]
		actor := leaver
		if !r.net.Online(leaver) {
			var ok bool
			if actor, ok = r.randomMember(r.pick); !ok {
				return nil
			}
		}
		return r.apply(now, protocol.Intent{Kind: protocol.Leave, Actor: actor, Targets: []protocol.MemberID{leaver}})
	case evUpdate:
		defer r.schedule(r.gap(w.Updates), ev)
		m, ok := r.randomMember(r.wl)
		if !ok {
			return nil
		}
		return r.apply(now, protocol.Intent{Kind: protocol.Update, Actor: m})
	case evMemberUpdate:
		if err := r.schedulePeriodic(ev.member, evMemberUpdate, false); err != nil {
			return err
		}
		if !r.net.Online(ev.member) {
			return nil
		}
		return r.apply(now, protocol.Intent{Kind: protocol.Update, Actor: ev.member})
	case evMessage:
		defer r.schedule(r.gap(w.Messages), ev)
		m, ok := r.randomMember(r.wl)
		if !ok {
			return nil
		}
		return r.send(now, m)
	case evMemberMessage:
		if err := r.schedulePeriodic(ev.member, evMemberMessage, false); err != nil {
			return err
		}
		if !r.net.Online(ev.member) {
			return nil
		}
		return r.send(now, ev.member)
	case evOffline:
		r.net.SetOnline(ev.member, false)
		if rec := r.id(ev.member); rec != nil {
			rec.offlineAt = r.stats.Commits
		}
		if r.oracle != nil {
			if err := r.apply(now, protocol.Intent{Kind: protocol.Offline, Actor: ev.member}); err != nil {
				return err
			}
		}
		return r.eng.Schedule(sim.FromSeconds(w.Offline.Offline.Sample(r.sess)), event{kind: evOnline, member: ev.member, gen: ev.gen})
	case evOnline:
		r.net.SetOnline(ev.member, true)
		if err := r.sync(now, ev.member); err != nil {
			return err
		}
		if _, still := r.index(ev.member); still && r.net.Online(ev.member) {
			return r.eng.Schedule(sim.FromSeconds(w.Offline.Online.Sample(r.sess)), event{kind: evOffline, member: ev.member, gen: r.gen(ev.member)})
		}
		return nil
	case evTick:
		if ev.gen == 1 { // the protocol's own timer; retries have gen 0
			defer r.schedule(sim.FromDuration(r.group.(protocol.Ticker).TickEvery()), ev)
		}
		return r.apply(now, protocol.Intent{Kind: protocol.Tick})
	case evCompromise:
		if ev.gen == 0 { // a random arrival; listed times have gen 1
			defer r.schedule(r.gapWith(r.adv, w.Compromises), ev)
		}
		return r.compromise(now)
	case evServiceCompromise:
		if ev.gen == 0 {
			defer r.schedule(r.gapWith(r.adv, w.ServiceCompromises), ev)
		}
		sc, ok := r.group.(protocol.ServiceCompromiser)
		if !ok {
			return nil // this protocol has no service
		}
		k, ok, err := sc.CompromiseService()
		if err != nil || !ok {
			return err
		}
		c := r.oracle.Compromise(now, protocol.Service, k)
		r.rec.Add(metrics.Event{Time: now.Seconds(), Kind: "service-compromise", Actor: uint32(protocol.Service), Epoch: c.Epoch, Members: r.group.Members()})
		return nil
	case evEvict:
		defer r.schedule(w.Policy.MaxUpdateAge/4, ev)
		return r.evict(now)
	case evHealth:
		if hr, ok := r.group.(protocol.HealthReporter); ok {
			h := hr.Health()
			r.rec.AddHealth(metrics.Health{Time: now.Seconds(), Epoch: r.group.Epoch(), Members: h.Members, Leaves: h.Leaves,
				BlankParents: h.BlankParents, UnmergedLeaves: h.UnmergedLeaves, MeanResolution: h.MeanResolution})
		}
		return r.eng.Schedule(max(r.cfg.Duration/50, sim.Second), ev)
	}
	return nil
}

// send has m send an application message, disappearing after the
// workload's TTL for the ephemeral share of messages.
func (r *run) send(now sim.Time, m protocol.MemberID) error {
	w := &r.cfg.Workload
	size := int(w.MessageSize.Sample(r.wl))
	in := protocol.Intent{Kind: protocol.Send, Actor: m, Size: max(size, 1)}
	if e := w.Ephemeral; e.Share > 0 && r.eph.Float64() < e.Share {
		in.TTL = e.TTL.Duration()
	}
	return r.apply(now, in)
}

// compromise has the adversary take a random member's device.
func (r *run) compromise(now sim.Time) error {
	if len(r.members) == 0 {
		return nil
	}
	m := r.members[r.adv.IntN(len(r.members))]
	k, err := r.group.(protocol.Compromiser).Compromise(m)
	if err != nil {
		return err
	}
	c := r.oracle.Compromise(now, m, k)
	r.rec.Add(metrics.Event{Time: now.Seconds(), Kind: "compromise", Actor: uint32(m), Epoch: c.Epoch, Members: r.group.Members()})
	return nil
}

// latency draws a one-way delivery latency.
func (r *run) latency() sim.Time {
	return sim.FromSeconds(r.cfg.Network.Latency.Sample(r.lat))
}

// sync brings a returning member up to date, or has it rejoin when it
// missed more sequenced handshakes than the policy allows.
func (r *run) sync(now sim.Time, m protocol.MemberID) error {
	if _, ok := r.index(m); !ok {
		return nil
	}
	if lim := r.cfg.Workload.Offline.MaxBacklog; lim > 0 && r.stats.Commits-r.ids[m].offlineAt > lim {
		if rj, ok := r.group.(protocol.Rejoiner); ok && rj.RejoinsItself() {
			return r.rejoin(now, m)
		}
		r.stats.Rejoins++
		// Too far behind: it is removed and comes back as a new client.
		actor, ok := r.randomMember(r.pick)
		if !ok {
			return nil
		}
		if err := r.apply(now, protocol.Intent{Kind: protocol.Leave, Actor: actor, Targets: []protocol.MemberID{m},
			More: true, Label: "rejoin-remove"}); err != nil {
			return err
		}
		joiner := r.newMember()
		return r.apply(now, protocol.Intent{Kind: protocol.Join, Actor: actor, Targets: []protocol.MemberID{joiner}, Label: "rejoin-add"})
	}
	return r.apply(now, protocol.Intent{Kind: protocol.Sync, Actor: m})
}

// rejoin has a member too far behind rejoin by the protocol's own means,
// keeping its MemberID. Until the rejoin is sequenced the member stays
// offline (its stale state acts for no one) and tries again after a
// latency draw.
func (r *run) rejoin(now sim.Time, m protocol.MemberID) error {
	r.net.SetOnline(m, false)
	outs, err := r.applyOutcomes(now, protocol.Intent{Kind: protocol.Rejoin, Actor: m, Label: "rejoin"})
	if err != nil {
		return err
	}
	for _, out := range outs {
		switch {
		case out.Rejected == "" && slices.Contains(out.Refreshed, m):
			r.stats.Rejoins++
			r.net.SetOnline(m, true)
			return nil
		case out.Rejected != "" && out.Actor == m:
			r.net.SetOnline(m, true) // refused outright: it stays as it is
			return nil
		}
	}
	if _, still := r.index(m); !still {
		return nil
	}
	retry := sim.Minute // nothing happened: nobody online to act
	if len(outs) > 0 {
		retry = max(r.latency(), sim.Millisecond) // a lost race, or a commit first
	}
	return r.eng.Schedule(retry, event{kind: evOnline, member: m, gen: r.gen(m)})
}

// evict asks the group to remove members that have not refreshed their
// state within MaxUpdateAge (RFC 9750, Section 7).
func (r *run) evict(now sim.Time) error {
	age := r.cfg.Workload.Policy.MaxUpdateAge
	var stale []protocol.MemberID
	for _, m := range r.members {
		if rec := &r.ids[m]; rec.updated && now-rec.updatedAt > age {
			stale = append(stale, m)
		}
	}
	if len(stale) == 0 {
		return nil
	}
	return r.apply(now, protocol.Intent{Kind: protocol.Evict, Targets: stale})
}

// apply performs an intent and handles every outcome it produced.
func (r *run) apply(now sim.Time, in protocol.Intent) error {
	_, err := r.applyOutcomes(now, in)
	return err
}

// applyOutcomes is apply, returning the outcomes.
func (r *run) applyOutcomes(now sim.Time, in protocol.Intent) ([]*protocol.Outcome, error) {
	in.Now = now.Duration()
	outs, err := r.group.Apply(in)
	if err != nil {
		return nil, err
	}
	for _, out := range outs {
		if err := r.record(now, in, out); err != nil {
			return nil, err
		}
	}
	return outs, nil
}

// record accounts an outcome's messages, feeds the oracle, follows the
// membership it changed and records the event.
func (r *run) record(now sim.Time, in protocol.Intent, out *protocol.Outcome) error {
	ev := metrics.Event{Time: now.Seconds(), Kind: out.Label, Actor: uint32(out.Actor), Epoch: out.Epoch, Members: out.Members,
		Sender: out.Sender, Receiver: out.Receiver, SenderCPU: out.SenderNanos, ReceiverCPU: out.ReceiverNanos,
		SenderModelCPU: r.cal.Model(out.Sender), ReceiverModelCPU: r.cal.Model(out.Receiver),
		Processed: out.Processed, Verified: out.Verified, Path: out.Path, Added: len(out.Added), Removed: len(out.Removed),
		Rejected: out.Rejected}
	if out.Rejected != "" {
		r.stats.Rejected++
	}
	r.auth.Write(out.Authenticator)
	if r.oracle != nil {
		var ttl sim.Time
		if in.Kind == protocol.Send {
			ttl = sim.FromDuration(in.TTL)
		}
		r.oracle.Observe(now, out, ttl)
	}
	for _, msg := range out.Messages {
		up, down, recipients := r.net.Deliver(out.Actor, msg)
		ev.BytesUp += up
		ev.BytesDown += down
		if msg.To == nil && !msg.Refused {
			ev.Recipients = recipients
		}
		ev.AddBytes(msg.Kind, int64(msg.Bytes))
	}
	if out.Rejected == "" {
		if out.Sequenced {
			r.stats.Commits++
			r.lastAcc = now
		}
		for _, m := range out.Refreshed {
			r.refreshed(m, now)
		}
		for _, m := range out.Added {
			if err := r.admit(now, m); err != nil {
				return err
			}
		}
		for _, m := range out.Removed {
			r.dropMember(m)
		}
	}
	r.rec.Add(ev)
	return nil
}

// refreshed records that member m refreshed its state at now.
func (r *run) refreshed(m protocol.MemberID, now sim.Time) {
	if rec := r.id(m); rec != nil && rec.index >= 0 {
		rec.updatedAt, rec.updated = now, true
	}
}

// admit starts a new member's account and its periodic activity.
func (r *run) admit(now sim.Time, m protocol.MemberID) error {
	w := &r.cfg.Workload
	r.net.Join(m)
	r.refreshed(m, now)
	if w.Updates.PerMember && w.Updates.Process == "periodic" {
		if err := r.schedulePeriodic(m, evMemberUpdate, true); err != nil {
			return err
		}
	}
	if w.Messages.PerMember && w.Messages.Process == "periodic" {
		return r.schedulePeriodic(m, evMemberMessage, true)
	}
	return nil
}

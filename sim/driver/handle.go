package driver

import (
	"cgkalab/models/protocol"
	"cgkalab/sim"
	"cgkalab/sim/metrics"
)

// handle processes one event.
func (r *run) handle(now sim.Time, ev event) error {
	w := &r.cfg.Workload
	switch ev.kind {
	case evOnline, evOffline, evMemberUpdate, evMemberMessage:
		if r.gen[ev.member] != ev.gen {
			return nil // the member left since this was scheduled
		}
	}
	switch ev.kind {
	case evJoin:
		defer r.eng.Schedule(r.gap(w.Joins), ev)
		proposer, ok := r.randomMember(r.pick)
		if !ok {
			return nil
		}
		joiner := r.newMember()
		if err := r.apply(now, protocol.Op{Kind: protocol.OpAdd, Actor: proposer, Targets: []protocol.MemberID{joiner}}, "add"); err != nil {
			return err
		}
		return r.afterProposal(now)
	case evLeave:
		defer r.eng.Schedule(r.gap(w.Leaves), ev)
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
		if err := r.apply(now, protocol.Op{Kind: protocol.OpRemove, Actor: actor, Targets: []protocol.MemberID{leaver}}, "remove"); err != nil {
			return err
		}
		return r.afterProposal(now)
	case evUpdate:
		defer r.eng.Schedule(r.gap(w.Updates), ev)
		m, ok := r.randomMember(r.wl)
		if !ok {
			return nil
		}
		return r.update(now, m)
	case evMemberUpdate:
		if err := r.schedulePeriodic(ev.member, evMemberUpdate, false); err != nil {
			return err
		}
		if !r.net.Online(ev.member) {
			return nil
		}
		return r.update(now, ev.member)
	case evMessage:
		defer r.eng.Schedule(r.gap(w.Messages), ev)
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
		r.offlineAt[ev.member] = r.stats.Commits
		if r.oracle != nil {
			if err := r.apply(now, protocol.Op{Kind: protocol.OpOffline, Actor: ev.member}, "offline"); err != nil {
				return err
			}
		}
		return r.eng.Schedule(sim.FromSeconds(w.Offline.Offline.Sample(r.sess)), event{kind: evOnline, member: ev.member, gen: ev.gen})
	case evOnline:
		r.net.SetOnline(ev.member, true)
		if err := r.sync(now, ev.member); err != nil {
			return err
		}
		if _, still := r.index[ev.member]; still {
			return r.eng.Schedule(sim.FromSeconds(w.Offline.Online.Sample(r.sess)), event{kind: evOffline, member: ev.member, gen: r.gen[ev.member]})
		}
		return nil
	case evCommitTick:
		defer r.eng.Schedule(w.Commit.Every, ev)
		if r.pending > 0 {
			return r.commit(now, false)
		}
		return nil
	case evCommitNow:
		if r.pending > 0 {
			return r.commit(now, false)
		}
		return nil
	case evCompromise:
		if ev.gen == 0 { // a random arrival; listed times have gen 1
			defer r.eng.Schedule(r.gap(w.Compromises), ev)
		}
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
	case evEvict:
		defer r.eng.Schedule(w.Policy.MaxUpdateAge/4, ev)
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

// afterProposal applies the commit policy once a proposal is pending.
func (r *run) afterProposal(now sim.Time) error {
	c := r.cfg.Workload.Commit
	switch {
	case c.When == "immediate":
		return r.commit(now, false)
	case c.When == "count" && r.pending >= c.Count:
		return r.commit(now, false)
	}
	return nil
}

// update performs a self-update in the configured style.
func (r *run) update(now sim.Time, m protocol.MemberID) error {
	if r.cfg.Workload.Commit.Updates == "commit" {
		r.updatedAt[m] = now
		return r.commitBy(now, m, true)
	}
	if err := r.apply(now, protocol.Op{Kind: protocol.OpUpdate, Actor: m}, "update"); err != nil {
		return err
	}
	return r.afterProposal(now)
}

func (r *run) send(now sim.Time, m protocol.MemberID) error {
	size := int(r.cfg.Workload.MessageSize.Sample(r.wl))
	return r.apply(now, protocol.Op{Kind: protocol.OpSend, Actor: m, Size: max(size, 1)}, "send")
}

// commit has the policy's committer commit the pending proposals.
func (r *run) commit(now sim.Time, forcePath bool) error {
	c, ok := r.committer()
	if !ok {
		return nil // nobody online: the proposals wait
	}
	return r.commitBy(now, c, forcePath)
}

// commitBy has member c commit. The delivery service accepts one commit
// per epoch: a commit made before c could have seen the last accepted one
// (within a latency draw of it) loses, is counted, and is retried once c
// has caught up.
func (r *run) commitBy(now sim.Time, c protocol.MemberID, forcePath bool) error {
	path := forcePath || r.cfg.Workload.Commit.Path == "always"
	if r.stats.Commits > 0 && now-r.lastAcc < r.latency() {
		r.stats.Lost++
		if err := r.apply(now, protocol.Op{Kind: protocol.OpCommit, Actor: c, Path: path, Discard: true}, "lost-commit"); err != nil {
			return err
		}
		return r.eng.Schedule(r.latency(), event{kind: evCommitNow})
	}
	return r.apply(now, protocol.Op{Kind: protocol.OpCommit, Actor: c, Path: path}, "commit")
}

// latency draws a one-way delivery latency.
func (r *run) latency() sim.Time {
	return sim.FromSeconds(r.cfg.Network.Latency.Sample(r.lat))
}

// sync brings a returning member up to date, or has it rejoin when it
// missed more commits than the policy allows.
func (r *run) sync(now sim.Time, m protocol.MemberID) error {
	if _, ok := r.index[m]; !ok {
		return nil
	}
	if lim := r.cfg.Workload.Offline.MaxBacklog; lim > 0 && r.stats.Commits-r.offlineAt[m] > lim {
		r.stats.Rejoins++
		// Too far behind: it is removed and comes back as a new client.
		actor, ok := r.randomMember(r.pick)
		if !ok {
			return nil
		}
		if err := r.apply(now, protocol.Op{Kind: protocol.OpRemove, Actor: actor, Targets: []protocol.MemberID{m}}, "rejoin-remove"); err != nil {
			return err
		}
		joiner := r.newMember()
		if err := r.apply(now, protocol.Op{Kind: protocol.OpAdd, Actor: actor, Targets: []protocol.MemberID{joiner}}, "rejoin-add"); err != nil {
			return err
		}
		return r.afterProposal(now)
	}
	return r.apply(now, protocol.Op{Kind: protocol.OpSync, Actor: m}, "sync")
}

// evict removes members that have not updated within MaxUpdateAge
// (RFC 9750, Section 7).
func (r *run) evict(now sim.Time) error {
	age := r.cfg.Workload.Policy.MaxUpdateAge
	var stale []protocol.MemberID
	for _, m := range r.members {
		if now-r.updatedAt[m] > age {
			stale = append(stale, m)
		}
	}
	if len(stale) == 0 || len(stale) >= len(r.members) {
		return nil
	}
	actor, ok := r.committer()
	if !ok {
		return nil
	}
	for _, m := range stale {
		if m == actor {
			continue
		}
		if err := r.apply(now, protocol.Op{Kind: protocol.OpRemove, Actor: actor, Targets: []protocol.MemberID{m}}, "evict"); err != nil {
			return err
		}
	}
	return r.commitBy(now, actor, false)
}

// apply performs op, accounts its messages and records the event.
func (r *run) apply(now sim.Time, op protocol.Op, kind string) error {
	out, err := r.group.Apply(op)
	if err != nil {
		return err
	}
	ev := metrics.Event{Time: now.Seconds(), Kind: kind, Actor: uint32(op.Actor), Epoch: out.Epoch,
		Sender: out.Sender, Receiver: out.Receiver, SenderCPU: out.SenderNanos, ReceiverCPU: out.ReceiverNanos,
		Processed: out.Processed, Verified: out.Verified, Path: out.Path, Added: len(out.Added), Removed: len(out.Removed),
		Rejected: out.Rejected}
	if out.Rejected != "" {
		r.stats.Rejected++
	}
	r.auth.Write(out.Authenticator)
	if r.oracle != nil {
		r.oracle.Observe(now, op, out)
	}
	for _, msg := range out.Messages {
		if op.Discard && msg.Kind != protocol.MsgCommit {
			continue
		}
		up, down, recipients := r.net.Deliver(op.Actor, msg, op.Discard)
		ev.BytesUp += up
		ev.BytesDown += down
		if msg.To == nil {
			ev.Recipients = recipients
		}
		switch msg.Kind {
		case protocol.MsgCommit:
			ev.CommitBytes += int64(msg.Bytes)
		case protocol.MsgWelcome:
			ev.WelcomeBytes += int64(msg.Bytes)
		}
	}
	switch op.Kind {
	case protocol.OpAdd, protocol.OpRemove, protocol.OpUpdate:
		if out.Rejected == "" {
			r.pending += max(1, len(op.Targets))
		}
	case protocol.OpCommit, protocol.OpCreate:
		if out.Rejected == "" && !op.Discard {
			r.pending = 0
			r.stats.Commits++
			r.lastAcc = sim.Time(now)
			if out.Path {
				r.updatedAt[op.Actor] = now
			}
			for _, m := range out.Added {
				r.net.Join(m)
				r.updatedAt[m] = now
				if r.cfg.Workload.Updates.PerMember && r.cfg.Workload.Updates.Process == "periodic" {
					r.schedulePeriodic(m, evMemberUpdate, true)
				}
				if r.cfg.Workload.Messages.PerMember && r.cfg.Workload.Messages.Process == "periodic" {
					r.schedulePeriodic(m, evMemberMessage, true)
				}
			}
			for _, m := range out.Removed {
				r.dropMember(m)
			}
		}
	}
	ev.Members = r.group.Members()
	r.rec.Add(ev)
	return nil
}

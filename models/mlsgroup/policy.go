package mlsgroup

import (
	"fmt"
	"time"

	"cgkalab/models/protocol"
)

// The handshake lifecycle behind the simulator's intents: proposals wait
// in the group until the commit policy (Options.Commit) has someone commit
// them, and a commit needs the delivery service's sequencer to win its
// epoch (RFC 9420, Section 14: one commit per epoch).

// Apply implements protocol.Group.
func (g *Group) Apply(in protocol.Intent) ([]*protocol.Outcome, error) {
	if in.Kind != protocol.Create && g.ref() == nil {
		return nil, fmt.Errorf("mlsgroup: %v before the group exists", in.Kind)
	}
	g.outs = nil
	g.at = in.Now
	switch in.Kind {
	case protocol.Evict, protocol.Tick:
	default:
		if g.member(in.Actor) == nil && in.Kind != protocol.Create {
			g.emit(&protocol.Outcome{Label: label(in, directLabel[in.Kind]), Actor: in.Actor,
				Rejected: fmt.Sprintf("actor %d is not a member", in.Actor)})
			return g.outs, nil
		}
	}
	if err := g.apply(in); err != nil {
		return nil, err
	}
	outs := g.outs
	g.outs = nil // the caller's now: a group creation's are large
	return outs, nil
}

func (g *Group) apply(in protocol.Intent) error {
	switch in.Kind {
	case protocol.Create:
		out, err := g.create(in.Actor, in.Targets)
		if err != nil {
			return err
		}
		if err := g.publishGroupInfo(in.Actor, out); err != nil {
			return err
		}
		if out.Security != nil && g.opts.externalRejoin() && g.Epoch() == 0 {
			// A warm or churned group starts at epoch 0 (shape.go).
			out.Security.Reveals = append(out.Security.Reveals, protocol.Reveal{From: epochSecret(0), To: externalSecret(0)})
		}
		g.emit(out)
		return nil
	case protocol.Rejoin:
		return g.rejoin(in)
	case protocol.Join, protocol.Leave:
		kind := "add"
		if in.Kind == protocol.Leave {
			kind = "remove"
		}
		return g.proposeThenPolicy(in, kind)
	case protocol.Update:
		if g.opts.Updates == "commit" {
			return g.commitBy(in.Actor, true)
		}
		return g.proposeThenPolicy(in, "update")
	case protocol.Send:
		return g.record(g.send(in.Actor, make([]byte, in.Size), true))
	case protocol.Sync:
		return g.record(g.sync(in.Actor))
	case protocol.Offline:
		return g.record(g.offline(in.Actor))
	case protocol.Evict:
		return g.evict(in.Targets)
	case protocol.Tick:
		if g.pending > 0 {
			return g.commitWith(g.pendingBy)
		}
		return nil
	}
	return fmt.Errorf("mlsgroup: unsupported intent %v", in.Kind)
}

// directLabel names the outcome an intent produces directly.
var directLabel = map[protocol.IntentKind]string{protocol.Create: "create", protocol.Join: "add", protocol.Leave: "remove",
	protocol.Update: "update", protocol.Send: "send", protocol.Sync: "sync", protocol.Offline: "offline", protocol.Rejoin: "rejoin"}

// label is the record name of the outcome an intent produces directly.
func label(in protocol.Intent, def string) string {
	if in.Label != "" {
		return in.Label
	}
	return def
}

// record emits the outcome of one operation, or passes its error on.
func (g *Group) record(out *protocol.Outcome, err error) error {
	if err != nil {
		return err
	}
	g.emit(out)
	return nil
}

// emit stamps an outcome with the group's state after it and keeps it.
func (g *Group) emit(out *protocol.Outcome) {
	if g.ref() != nil {
		out.Epoch = g.Epoch()
		out.Authenticator = g.ref().EpochAuthenticator()
	}
	out.Members = g.count
	g.outs = append(g.outs, out)
}

// proposeThenPolicy sends the intent's proposals and applies the commit
// policy.
func (g *Group) proposeThenPolicy(in protocol.Intent, kind string) error {
	out, err := g.propose(kind, in.Actor, in.Targets)
	if err != nil {
		return err
	}
	out.Label = label(in, kind)
	g.emit(out)
	if out.Rejected == "" {
		g.pending += max(1, len(in.Targets))
		g.pendingBy = in.Actor
	}
	if in.More {
		return nil
	}
	return g.afterProposal()
}

// afterProposal applies the commit policy once a proposal is pending.
func (g *Group) afterProposal() error {
	c := g.opts.Commit
	switch {
	case g.pending == 0:
	case c.When == "immediate", c.When == "count" && g.pending >= c.Count:
		return g.commitWith(g.pendingBy)
	}
	return nil
}

// commitWith has the policy's committer commit the pending proposals;
// proposer is the member whose proposal came last.
func (g *Group) commitWith(proposer protocol.MemberID) error {
	c, ok := g.committer(proposer)
	if !ok {
		return nil // nobody online: the proposals wait
	}
	return g.commitBy(c, false)
}

// noProposer stands for "no proposal is the reason for this commit".
const noProposer = ^protocol.MemberID(0)

// committer chooses who commits now (Options.Commit.Committer).
func (g *Group) committer(proposer protocol.MemberID) (protocol.MemberID, bool) {
	c := g.opts.Commit
	online := func(id protocol.MemberID) bool {
		return g.member(id) != nil && g.env.Online(id)
	}
	switch c.Committer {
	case "self":
		if online(proposer) {
			return proposer, true
		}
	case "designated":
		// The creator while it is a member and online, else anyone.
		if online(0) {
			return 0, true
		}
	case "admins":
		// The first Admins clients are admins; an online one commits.
		var admins []protocol.MemberID
		for id := range protocol.MemberID(c.Admins) {
			if online(id) {
				admins = append(admins, id)
			}
		}
		if len(admins) > 0 {
			return admins[g.env.Choose.IntN(len(admins))], true
		}
	}
	return g.env.RandomActor(g.env.Choose)
}

// commitBy has member c commit what is pending, with a path if forcePath
// or the policy asks for one. The delivery service accepts one commit per
// epoch: a commit that loses the race is created, uploaded and refused,
// and the simulator ticks again once c has caught up.
func (g *Group) commitBy(c protocol.MemberID, forcePath bool) error {
	path := forcePath || g.opts.Commit.Path == "always"
	if !g.env.Claim() {
		out, err := g.lostCommit(c, path)
		if err != nil {
			return err
		}
		out.Label, out.Actor = "lost-commit", c
		g.emit(out)
		return nil
	}
	out, err := g.doCommit(c, path, nil)
	if err != nil {
		return err
	}
	out.Label, out.Actor = "commit", c
	if out.Rejected == "" {
		out.Sequenced = true
		g.pending = 0
		if err := g.publishGroupInfo(c, out); err != nil {
			return err
		}
	}
	g.emit(out)
	return nil
}

// evict has the committer remove the idle members stale and commit at
// once (RFC 9750, Section 7).
func (g *Group) evict(stale []protocol.MemberID) error {
	if len(stale) == 0 || len(stale) >= g.count {
		return nil
	}
	if g.opts.byService() {
		return g.evictByService(stale)
	}
	actor, ok := g.committer(noProposer)
	if !ok {
		return nil
	}
	for _, m := range stale {
		if m == actor {
			continue
		}
		out, err := g.propose("remove", actor, []protocol.MemberID{m})
		if err != nil {
			return err
		}
		out.Label = "evict"
		g.emit(out)
		if out.Rejected == "" {
			g.pending++
		}
	}
	return g.commitBy(actor, false)
}

// TickEvery implements protocol.Ticker: periodic commits.
func (g *Group) TickEvery() time.Duration {
	if g.opts.Commit.When == "periodic" {
		return g.opts.Commit.Every
	}
	return 0
}

// CommitForTesting has member c commit what is pending now, whatever the
// commit policy says, for scenario tests that script who commits when.
func (g *Group) CommitForTesting(c protocol.MemberID, path bool) ([]*protocol.Outcome, error) {
	g.outs = nil
	if g.member(c) == nil {
		return nil, fmt.Errorf("mlsgroup: %d is not a member", c)
	}
	if err := g.commitBy(c, path); err != nil {
		return nil, err
	}
	return g.outs, nil
}

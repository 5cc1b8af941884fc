package static

import (
	"errors"
	"fmt"
	"slices"

	"cgkalab/models/protocol"
)

// Apply implements protocol.Group.
func (g *Group) Apply(in protocol.Intent) ([]*protocol.Outcome, error) {
	if in.Kind != protocol.Create && len(g.truth) == 0 {
		return nil, fmt.Errorf("static: %v before the group exists", in.Kind)
	}
	g.outs = nil
	switch in.Kind {
	case protocol.Evict, protocol.Tick, protocol.Create:
	default:
		if _, ok := g.members[in.Actor]; !ok {
			g.emit(&protocol.Outcome{Label: label(in, in.Kind.String()), Actor: in.Actor,
				Rejected: fmt.Sprintf("actor %d is not a member", in.Actor)})
			return g.outs, nil
		}
	}
	if err := g.apply(in); err != nil {
		return nil, err
	}
	return g.outs, nil
}

func (g *Group) apply(in protocol.Intent) error {
	switch in.Kind {
	case protocol.Create:
		return g.create(in)
	case protocol.Join:
		return g.join(in)
	case protocol.Leave:
		return g.remove(in.Actor, in.Targets, label(in, "remove"))
	case protocol.Evict:
		return g.evict(in)
	case protocol.Update:
		return g.update(in)
	case protocol.Send:
		return g.send(in)
	case protocol.Sync:
		return g.sync(in)
	case protocol.Offline:
		// The device's state simply stops advancing: it processes nothing
		// until it syncs.
		g.emit(&protocol.Outcome{Label: label(in, "offline"), Actor: in.Actor})
		return nil
	case protocol.Tick:
		return nil // no timers of its own
	}
	return fmt.Errorf("static: unsupported intent %v", in.Kind)
}

// label is the record name of the outcome an intent produces directly.
func label(in protocol.Intent, def string) string {
	if in.Label != "" {
		return in.Label
	}
	return def
}

// emit stamps an outcome with the group's state after it and keeps it.
func (g *Group) emit(out *protocol.Outcome) {
	if len(g.truth) > 0 {
		out.Epoch = g.Epoch()
		out.Authenticator = g.current().auth
	}
	out.Members = len(g.members)
	g.outs = append(g.outs, out)
}

// fetch has actor fetch and verify the KeyPackages of new clients.
func (g *Group) fetch(actor protocol.MemberID, targets []protocol.MemberID, out *protocol.Outcome) ([]*member, error) {
	var joiners []*member
	for _, id := range targets {
		if _, ok := g.members[id]; ok || id == actor {
			return nil, fmt.Errorf("static: %d joins but is already a member", id)
		}
		j, err := g.newClient(id)
		if err != nil {
			return nil, err
		}
		kp, err := ParseKeyPackage(j.kp.Bytes())
		if err != nil {
			return nil, err
		}
		if err := kp.verify(g.suite); err != nil {
			return nil, err
		}
		out.Sender.Verify++
		out.Messages = append(out.Messages, protocol.Message{Kind: MsgKeyPackage, Bytes: len(j.kp.Bytes()), FromDS: true, To: []protocol.MemberID{actor}})
		joiners = append(joiners, j)
	}
	return joiners, nil
}

// welcome seals the current group key to each joiner (already in the
// roster) and has the joiners process their Welcome: all of them in full
// mode, Sample of them in sampled mode, the others taking the key from
// the ground truth.
func (g *Group) welcome(actor *member, joiners []*member, out *protocol.Outcome) error {
	k := g.current()
	roster := encodeRoster(g.roster())
	hash := g.suite.Hash(roster)
	var sec protocol.Security
	var rs receivers
	var sampled map[protocol.MemberID]bool
	if !g.full {
		ids := make([]protocol.MemberID, len(joiners))
		for i, j := range joiners {
			ids[i] = j.id
		}
		sampled = g.sample(ids, func(protocol.MemberID) bool { return false }, false)
	}
	for _, j := range joiners {
		t0 := g.env.Now()
		w, err := g.seal(actor, j.kp, k, hash, &out.Sender)
		out.SenderNanos += g.env.Now() - t0
		if err != nil {
			return err
		}
		to := []protocol.MemberID{j.id}
		out.Messages = append(out.Messages, protocol.Message{Kind: MsgWelcome, Bytes: len(w), To: to},
			protocol.Message{Kind: MsgRoster, Bytes: len(roster), To: to, FromDS: true})
		sec.Reveals = append(sec.Reveals, protocol.Reveal{From: protocol.KeySecret(j.kp.WrapKey), To: groupKeySecret(k.gen)})
		out.Added = append(out.Added, j.id)
		if g.full || sampled[j.id] {
			t0 := g.env.Now()
			ops, ok, err := g.receiveKeyWrap(j, w, roster)
			if err != nil {
				return err
			}
			rs.add(ops, g.env.Now()-t0, ok)
		} else {
			j.keys[k.gen], j.gen = k, k.gen
		}
	}
	rs.into(out)
	if out.Security == nil {
		out.Security = &protocol.Security{}
	}
	out.Security.Reveals = append(out.Security.Reveals, sec.Reveals...)
	return nil
}

// create makes the group: the actor draws generation 0 and welcomes every
// target.
func (g *Group) create(in protocol.Intent) error {
	if len(g.truth) > 0 {
		return errors.New("static: group created twice")
	}
	creator, err := g.newClient(in.Actor)
	if err != nil {
		return err
	}
	out := &protocol.Outcome{Label: label(in, "create"), Actor: in.Actor, Sequenced: true}
	joiners, err := g.fetch(in.Actor, in.Targets, out)
	if err != nil {
		return err
	}
	t0 := g.env.Now()
	k, err := g.newGeneration(creator, &out.Sender)
	out.SenderNanos += g.env.Now() - t0
	if err != nil {
		return err
	}
	out.Security = &protocol.Security{Epoch: &protocol.EpochMark{Epoch: uint64(k.gen), Secret: groupKeySecret(k.gen)}}
	g.addMember(creator)
	for _, j := range joiners {
		g.addMember(j)
	}
	if err := g.welcome(creator, joiners, out); err != nil {
		return err
	}
	g.emit(out)
	return nil
}

// join has the actor announce the joiners to the group and welcome them
// with the current group key (and no earlier one).
func (g *Group) join(in protocol.Intent) error {
	actor := g.members[in.Actor]
	out := &protocol.Outcome{Label: label(in, "add"), Actor: in.Actor}
	joiners, err := g.fetch(in.Actor, in.Targets, out)
	if err != nil {
		return err
	}
	h := &Handshake{Type: HandshakeAdd}
	for _, j := range joiners {
		h.Added = append(h.Added, j.kp)
	}
	t0 := g.env.Now()
	data, err := g.handshake(actor, h, &out.Sender)
	out.SenderNanos += g.env.Now() - t0
	if err != nil {
		return err
	}
	out.Messages = append(out.Messages, protocol.Message{Kind: MsgAdd, Bytes: len(data)})
	var rs receivers
	if err := g.broadcast(in.Actor, MsgAdd, data, g.sampleOthers(in.Actor), &rs); err != nil {
		return err
	}
	rs.into(out)
	g.emit(out)
	// The Welcomes are an outcome of their own: their receivers are the
	// joiners, whose work differs from the members' above.
	wel := &protocol.Outcome{Label: "welcome", Actor: in.Actor}
	for _, j := range joiners {
		g.hist.Join(in.Now, []uint32{g.current().gen})
		g.addMember(j)
	}
	if err := g.welcome(actor, joiners, wel); err != nil {
		return err
	}
	g.emit(wel)
	return nil
}

// sampleOthers picks the receivers that process a message from sender for
// real in sampled mode (nil in full mode, where every member does).
func (g *Group) sampleOthers(sender protocol.MemberID) map[protocol.MemberID]bool {
	if g.full {
		return nil
	}
	return g.sample(g.order, func(id protocol.MemberID) bool { return id == sender }, true)
}

// remove has actor announce the removal of targets (itself to leave),
// then, with RotateOnRemoval, a remaining member replace the group key.
func (g *Group) remove(actorID protocol.MemberID, targets []protocol.MemberID, lbl string) error {
	for _, id := range targets {
		if _, ok := g.members[id]; !ok {
			g.emit(&protocol.Outcome{Label: lbl, Actor: actorID, Rejected: fmt.Sprintf("remove of non-member %d", id)})
			return nil
		}
	}
	actor := g.members[actorID]
	out := &protocol.Outcome{Label: lbl, Actor: actorID}
	h := &Handshake{Type: HandshakeRemove}
	for _, id := range targets {
		h.Removed = append(h.Removed, uint32(id))
	}
	t0 := g.env.Now()
	data, err := g.handshake(actor, h, &out.Sender)
	out.SenderNanos += g.env.Now() - t0
	if err != nil {
		return err
	}
	out.Messages = []protocol.Message{{Kind: MsgRemove, Bytes: len(data)}}
	var rs receivers
	if err := g.broadcast(actorID, MsgRemove, data, g.sampleOthers(actorID), &rs); err != nil {
		return err
	}
	rs.into(out)
	for _, id := range targets {
		g.dropMember(id)
	}
	rekeyer, rotate := g.rekeyer(actorID)
	if !rotate {
		out.Removed = targets
		g.emit(out)
		return nil
	}
	g.emit(out)
	rk := &protocol.Outcome{Label: "rekey", Actor: rekeyer, Removed: targets}
	var wrs receivers
	if err := g.rekey(g.members[rekeyer], rk, g.sampleOthers(rekeyer), &wrs); err != nil {
		return err
	}
	wrs.into(rk)
	g.emit(rk)
	return nil
}

// rekeyer chooses who replaces the group key after a removal by actor:
// the actor if it remains and is online, else a random online member.
// rotate is false without RotateOnRemoval or without anyone online.
func (g *Group) rekeyer(actor protocol.MemberID) (protocol.MemberID, bool) {
	if !g.opts.RotateOnRemoval || len(g.members) == 0 {
		return 0, false
	}
	if _, ok := g.members[actor]; ok && g.env.Online(actor) {
		return actor, true
	}
	return g.chooseActor(func(protocol.MemberID) bool { return true })
}

// chooseActor chooses an online member that ok accepts the way the
// workload chooses who acts (Env.RandomActor: uniformly or by activity
// weight), or else uniformly among the group's online members.
func (g *Group) chooseActor(ok func(protocol.MemberID) bool) (protocol.MemberID, bool) {
	for range 16 {
		m, found := g.env.RandomActor(g.env.Choose)
		if !found {
			break
		}
		if _, member := g.members[m]; member && ok(m) {
			return m, true
		}
	}
	var candidates []protocol.MemberID
	for _, id := range g.order {
		if ok(id) {
			candidates = append(candidates, id)
		}
	}
	return protocol.RandomOnline(candidates, g.env.Online, g.env.Choose)
}

// evict has a random online member that is not among them remove the
// idle members targets.
func (g *Group) evict(in protocol.Intent) error {
	var targets []protocol.MemberID
	for _, id := range g.order {
		if slices.Contains(in.Targets, id) {
			targets = append(targets, id)
		}
	}
	if len(targets) == 0 || len(targets) == len(g.order) {
		return nil
	}
	actor, ok := g.chooseActor(func(id protocol.MemberID) bool { return !slices.Contains(targets, id) })
	if !ok {
		return nil
	}
	return g.remove(actor, targets, label(in, "evict"))
}

// rekey has m draw the next generation and seal it to every other member
// (Outcome.Security: an epoch, and each member's wrap key revealing it);
// sampled are the receivers that process their wrap for real in sampled
// mode, whose work goes to rs.
func (g *Group) rekey(m *member, out *protocol.Outcome, sampled map[protocol.MemberID]bool, rs *receivers) error {
	t0 := g.env.Now()
	k, err := g.newGeneration(m, &out.Sender)
	out.SenderNanos += g.env.Now() - t0
	if err != nil {
		return err
	}
	sec := &protocol.Security{Epoch: &protocol.EpochMark{Epoch: uint64(k.gen), Secret: groupKeySecret(k.gen)}}
	for _, id := range g.order {
		if id == m.id {
			continue
		}
		r := g.members[id]
		t0 := g.env.Now()
		w, err := g.seal(m, r.kp, k, nil, &out.Sender)
		out.SenderNanos += g.env.Now() - t0
		if err != nil {
			return err
		}
		out.Messages = append(out.Messages, protocol.Message{Kind: MsgKeyWrap, Bytes: len(w), To: []protocol.MemberID{id}})
		sec.Reveals = append(sec.Reveals, protocol.Reveal{From: protocol.KeySecret(r.kp.WrapKey), To: groupKeySecret(k.gen)})
		switch {
		case g.full || sampled[id]:
			if err := g.deliver(r, MsgKeyWrap, w, rs); err != nil {
				return err
			}
		case g.env.Online(id):
			r.keys[k.gen], r.gen = k, k.gen // follows the ground truth
		}
	}
	out.Security = sec
	out.Sequenced = true
	return nil
}

// update does nothing (Options.Update "none") or gives the actor a fresh
// wrap key, announced to the group, and has it replace the group key.
func (g *Group) update(in protocol.Intent) error {
	out := &protocol.Outcome{Label: label(in, "update"), Actor: in.Actor}
	if g.opts.Update == UpdateNone {
		g.emit(out)
		return nil
	}
	m := g.members[in.Actor]
	t0 := g.env.Now()
	err := g.newWrapKey(m)
	out.Sender.DeriveKeyPair++
	out.Sender.Sign++ // the KeyPackage
	var data []byte
	if err == nil {
		data, err = g.handshake(m, &Handshake{Type: HandshakeUpdate, KeyPackage: m.kp}, &out.Sender)
	}
	out.SenderNanos += g.env.Now() - t0
	if err != nil {
		return err
	}
	// Each receiver processes the announcement and its own key wrap: one
	// sample for both, and the work of both per receiver.
	sampled := g.sampleOthers(in.Actor)
	var rs, wrs receivers
	if err := g.broadcast(in.Actor, MsgUpdate, data, sampled, &rs); err != nil {
		return err
	}
	if err := g.rekey(m, out, sampled, &wrs); err != nil {
		return err
	}
	if rs.n != wrs.n {
		return fmt.Errorf("static: update by %d: %d members processed the announcement, %d their key wrap", m.id, rs.n, wrs.n)
	}
	rs.ops.Add(wrs.ops)
	rs.nanos += wrs.nanos
	rs.verified = wrs.verified
	rs.into(out)
	out.Messages = append([]protocol.Message{{Kind: MsgUpdate, Bytes: len(data)}}, out.Messages...)
	out.Refreshed = []protocol.MemberID{in.Actor}
	g.emit(out)
	return nil
}

// send has the actor encrypt and sign an application message under the
// current group key.
func (g *Group) send(in protocol.Intent) error {
	m := g.members[in.Actor]
	k := m.keys[m.gen]
	out := &protocol.Outcome{Label: label(in, "send"), Actor: in.Actor,
		Security: &protocol.Security{Protected: []protocol.Secret{groupKeySecret(k.gen)}}}
	t0 := g.env.Now()
	nonce, err := g.random(g.suite.AEADNonceSize())
	if err != nil {
		return err
	}
	a := &Application{GroupID: groupID, Generation: k.gen, Sender: uint32(m.id), Nonce: nonce}
	aad := a.aad()
	content := make([]byte, in.Size)
	sig, err := g.suite.SignWithLabel(m.sigKey, labelContent, contentTBS(aad, content))
	if err != nil {
		return err
	}
	if a.Ciphertext, err = g.suite.Seal(k.aead, nonce, aad, encodeContent(content, sig)); err != nil {
		return err
	}
	data := a.Bytes()
	out.SenderNanos = g.env.Now() - t0
	out.Sender = protocol.Ops{Sign: 1, AEAD: 1}
	out.Messages = []protocol.Message{{Kind: MsgApplication, Bytes: len(data)}}
	var rs receivers
	if err := g.broadcast(in.Actor, MsgApplication, data, g.sampleOthers(in.Actor), &rs); err != nil {
		return err
	}
	rs.into(out)
	g.hist.Sent(in.Now, in.TTL, k.gen)
	g.emit(out)
	return nil
}

// sync has a returning member process what it missed (full mode); in
// sampled mode it takes the generations it missed from the ground truth.
func (g *Group) sync(in protocol.Intent) error {
	m := g.members[in.Actor]
	out := &protocol.Outcome{Label: label(in, "sync"), Actor: in.Actor}
	if g.full {
		t0 := g.env.Now()
		for _, q := range m.backlog {
			ops, ok, err := g.receive(m, q.kind, q.data)
			if err != nil {
				return fmt.Errorf("member %d catching up: %w", m.id, err)
			}
			out.Sender.Add(ops)
			out.Processed++
			if ok {
				out.Verified++
			}
		}
		out.SenderNanos = g.env.Now() - t0
		m.backlog = nil
	} else {
		for gen := m.gen + 1; int(gen) < len(g.truth); gen++ {
			m.keys[gen] = g.truth[gen]
		}
		out.Unsimulated = true
	}
	m.gen = g.current().gen
	if _, ok := m.keys[m.gen]; !ok {
		return fmt.Errorf("static: member %d synced without the current group key", m.id)
	}
	g.emit(out)
	return nil
}

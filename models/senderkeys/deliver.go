package senderkeys

import (
	"bytes"
	"fmt"

	"cgkalab/models/dratchet"
	"cgkalab/models/protocol"
)

// online reports whether member id processes messages now: it is online,
// or it is joining in the intent being applied (the simulator admits it,
// and marks it online, once the intent's outcomes are recorded).
func (g *Group) online(id protocol.MemberID) bool { return g.joining[id] || g.env.Online(id) }

// deliver hands a message to member to: processed now if it is online
// with nothing queued, queued otherwise (messages are processed in order).
func (g *Group) deliver(out *protocol.Outcome, rx *dratchet.Receivers, to protocol.MemberID, it *item) error {
	m := g.members[to]
	if !g.online(to) || len(m.inbox) > 0 {
		m.inbox = append(m.inbox, it)
		return nil
	}
	t0 := g.env.Now()
	err := g.process(out.Security, &rx.Ops, to, it)
	rx.Nanos += g.env.Now() - t0
	if err != nil {
		return err
	}
	if it.pairwise != nil || it.group != nil {
		rx.N++
		out.Verified++
	}
	return nil
}

// process has member to process one message: a pairwise message carrying
// a sender key, an application message to decrypt and verify, or (sampled
// mode) an application message to follow.
func (g *Group) process(sec *protocol.Security, ops *protocol.Ops, to protocol.MemberID, it *item) error {
	m := g.members[to]
	switch {
	case it.pairwise != nil:
		pt, err := g.mesh.Decrypt(to, it.from, it.pairwise, sec, ops)
		if err != nil {
			return fmt.Errorf("senderkeys: %w", err)
		}
		if it.pairwise[0] == dratchet.TypePreKey {
			g.refill = append(g.refill, to)
		}
		d, err := decodeDistribution(pt, g.c.Suite.Nh())
		if err != nil {
			return fmt.Errorf("senderkeys: member %d, from %d: %w", to, it.from, err)
		}
		if old := m.recv[it.from]; old != nil && old.gen > d.KeyID {
			return fmt.Errorf("senderkeys: member %d got key %d of %d after key %d", to, d.KeyID, it.from, old.gen)
		}
		m.recv[it.from] = newReceiverKey(d)
	case it.group != nil:
		rk := m.recv[it.from]
		if rk == nil {
			return fmt.Errorf("senderkeys: member %d has no sender key of %d: %w", to, it.from, ErrUnknownKey)
		}
		pt, err := rk.decrypt(g.c, it.group, g.opts.MaxSkip, ops)
		if err != nil {
			return fmt.Errorf("senderkeys: member %d, message from %d: %w", to, it.from, err)
		}
		if len(pt) != it.size || !bytes.Equal(pt, make([]byte, it.size)) {
			return fmt.Errorf("senderkeys: member %d decrypted %d bytes from %d, not the %d sent", to, len(pt), it.from, it.size)
		}
	default:
		rk := m.recv[it.from]
		if rk == nil {
			return fmt.Errorf("senderkeys: member %d has no sender key of %d: %w", to, it.from, ErrUnknownKey)
		}
		if err := rk.follow(it); err != nil {
			return fmt.Errorf("senderkeys: member %d: %w", to, err)
		}
	}
	return nil
}

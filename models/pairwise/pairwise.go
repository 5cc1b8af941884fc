// Package pairwise is client-side fan-out over pairwise Double Ratchet
// sessions (models/dratchet), driven through models/protocol: every
// application message is encrypted separately for each of the n−1 other
// members, as Signal's first group design and many small-group messengers
// do.
//
// Membership is kept by the server; the cryptography is pairwise only:
//
//   - A member joining registers its prekeys (one PrekeyUpload) and sets up
//     a session with every current member (n−1 bundle fetches and n−1
//     PreKeyMessages with an empty payload); each responder refills its
//     one-time prekeys on the server once fewer than half are left (an
//     outcome "prekeys" of its own). Group creation is every initial
//     member joining in turn, reported as one outcome "create" of the
//     creator's (every initial member's work and uploads together).
//   - A removal or a departure needs no cryptography: the others delete
//     their sessions with the member (an offline member once it has
//     processed what it queued) and stop sending to it.
//   - A send encrypts the payload n−1 times, one RatchetMessage per
//     recipient, each protected by its own message key.
//   - An update sends an empty RatchetMessage to every peer. The Double
//     Ratchet only steps when a party sends after receiving, so this
//     carries a fresh ratchet key toward every peer that has sent since
//     the member last sent to it (in DH mode; in KEM mode the send is the
//     step), and nothing new toward the others. Healing a pair after a
//     compromise takes a round trip: the peer's reply, then the member's
//     next message.
//
// Fidelity: every member keeps its own sessions and decrypts everything
// sent to it (an offline member queues its messages and processes them in
// order when it syncs). There is no sampled shortcut: a receiver's ratchet
// state cannot follow from the sender's without the receiver's own
// Diffie–Hellman work, so the sampled mode runs as full does.
//
// Security: each pair's secrets are named by their position in the pair's
// ratchet (dratchet's symbolic.go); a compromise reveals the member's
// identity key and prekeys and, for every session, the root key, the
// ratchet private key it holds, its chain keys and stored skipped keys.
// The oracle then finds exactly what the Double Ratchet exposes: the
// messages of each pair from the compromise until the pair's next round
// trip, and none of those the device had already received.
package pairwise

import (
	"bytes"
	"errors"
	"fmt"

	"cgkalab/models/dratchet"
	"cgkalab/models/protocol"
	"cgkalab/models/suite"
)

// Message kinds of the pairwise protocol, for the byte columns of the
// results.
const (
	MsgPrekeyBundle  = "prekey_bundle"  // a registration upload, or a bundle an initiator fetches
	MsgPrekeys       = "prekeys"        // a refill of one-time prekeys
	MsgPrekeyMessage = "prekey_message" // a session's first message
	MsgApplication   = "application"    // one recipient's copy of an application message
	MsgPairwise      = "pairwise"       // an empty ratchet message of an update
)

// MessageKinds lists the kinds of message a pairwise group sends.
var MessageKinds = []string{MsgPrekeyBundle, MsgPrekeys, MsgPrekeyMessage, MsgApplication, MsgPairwise}

// member is one member's queue of messages received while offline; its
// keys and sessions live in the mesh.
type member struct {
	id     protocol.MemberID
	inbox  []queued
	forget []protocol.MemberID // removed peers, whose sessions go once the inbox is processed
}

type queued struct {
	from protocol.MemberID
	data []byte
	want []byte // the plaintext sent, to check the decryption against
}

// Group is a simulated pairwise group.
type Group struct {
	env   protocol.Env
	opts  Options
	mesh  *dratchet.Mesh
	epoch uint64 // membership changes so far

	members map[protocol.MemberID]*member
	order   []protocol.MemberID // join order
	outs    []*protocol.Outcome
	refill  []protocol.MemberID        // responders to check for a refill
	joining map[protocol.MemberID]bool // added by the intent being applied
}

// New creates an empty pairwise group; a Create intent populates it.
func New(env protocol.Env) (protocol.Group, error) {
	c, err := dratchet.NewCrypto(suite.ID(env.Suite))
	if err != nil {
		return nil, err
	}
	switch env.Mode {
	case protocol.Full, protocol.Sampled:
	default:
		return nil, fmt.Errorf("pairwise: unknown fidelity mode %q", env.Mode)
	}
	if env.Rand == nil || env.Online == nil || env.Members == nil {
		return nil, errors.New("pairwise: environment lacks randomness, the online predicate or the member list")
	}
	if env.Choose == nil {
		env.Choose = env.Pick
	}
	opts, err := ParseOptions(env.Options)
	if err != nil {
		return nil, err
	}
	mesh := dratchet.NewMesh(c, env.Rand)
	mesh.OneTime, mesh.MaxSkip = opts.OneTimePrekeys, opts.MaxSkip
	return &Group{env: env, opts: opts, mesh: mesh, members: map[protocol.MemberID]*member{}, joining: map[protocol.MemberID]bool{}}, nil
}

// Epoch implements protocol.Group: the number of membership changes.
func (g *Group) Epoch() uint64 { return g.epoch }

// Members implements protocol.Group.
func (g *Group) Members() int { return len(g.members) }

// Mesh exposes the pairwise sessions, for tests.
func (g *Group) Mesh() *dratchet.Mesh { return g.mesh }

// Apply implements protocol.Group.
func (g *Group) Apply(in protocol.Intent) ([]*protocol.Outcome, error) {
	g.outs = nil
	clear(g.joining)
	if in.Kind != protocol.Create && len(g.members) == 0 {
		return nil, fmt.Errorf("pairwise: %v before the group exists", in.Kind)
	}
	switch in.Kind {
	case protocol.Create, protocol.Evict, protocol.Tick:
	default:
		if g.members[in.Actor] == nil {
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
		for _, x := range in.Targets {
			if err := g.join(in, x); err != nil {
				return err
			}
		}
		return nil
	case protocol.Leave:
		def := "remove"
		if len(in.Targets) == 1 && in.Targets[0] == in.Actor {
			def = "leave"
		}
		for _, x := range in.Targets {
			g.remove(in.Actor, x, label(in, def))
		}
		return nil
	case protocol.Evict:
		actor, ok := protocol.RandomOnline(g.order, g.env.Online, g.env.Choose)
		if !ok {
			return nil
		}
		for _, x := range in.Targets {
			if x != actor {
				g.remove(actor, x, "evict")
			}
		}
		return nil
	case protocol.Send:
		return g.fanOut(in.Actor, label(in, "send"), MsgApplication, make([]byte, in.Size))
	case protocol.Update:
		return g.fanOut(in.Actor, label(in, "update"), MsgPairwise, nil)
	case protocol.Sync:
		return g.sync(in.Actor, label(in, "sync"))
	case protocol.Offline:
		g.emit(&protocol.Outcome{Label: label(in, "offline"), Actor: in.Actor})
		return nil
	case protocol.Tick:
		return nil
	}
	return fmt.Errorf("pairwise: unsupported intent %v", in.Kind)
}

// label is the record name of the outcome an intent produces directly.
func label(in protocol.Intent, def string) string {
	if in.Label != "" {
		return in.Label
	}
	return def
}

// emit stamps an outcome with the group's state and keeps it.
func (g *Group) emit(out *protocol.Outcome) {
	out.Epoch, out.Members = g.epoch, len(g.members)
	g.outs = append(g.outs, out)
}

// create has the creator register, then every target join in turn (each
// setting up a session with every member before it).
func (g *Group) create(in protocol.Intent) error {
	if len(g.members) > 0 {
		return errors.New("pairwise: group created twice")
	}
	out := &protocol.Outcome{Label: label(in, "create"), Actor: in.Actor, Added: in.Targets, Security: &protocol.Security{}}
	if err := g.register(in.Actor, out); err != nil {
		return err
	}
	var rx dratchet.Receivers
	for _, x := range in.Targets {
		if g.members[x] != nil || x == in.Actor {
			return fmt.Errorf("pairwise: member %d created twice", x)
		}
		if err := g.setup(x, out, &rx); err != nil {
			return err
		}
	}
	if err := g.refills(out); err != nil {
		return err
	}
	rx.Average(out)
	g.emit(out)
	return nil
}

// join admits x: the inviter's "add" (membership is the server's, no
// cryptography), then x's setup.
func (g *Group) join(in protocol.Intent, x protocol.MemberID) error {
	if g.members[x] != nil {
		g.emit(&protocol.Outcome{Label: label(in, "add"), Actor: in.Actor, Rejected: fmt.Sprintf("%d is a member already", x)})
		return nil
	}
	g.epoch++
	g.emit(&protocol.Outcome{Label: label(in, "add"), Actor: in.Actor, Added: []protocol.MemberID{x}})
	out := &protocol.Outcome{Label: "join", Actor: x, Security: &protocol.Security{}}
	var rx dratchet.Receivers
	if err := g.setup(x, out, &rx); err != nil {
		return err
	}
	rx.Average(out)
	g.emit(out)
	return g.refills(nil)
}

// register creates x's device and uploads its prekeys.
func (g *Group) register(x protocol.MemberID, out *protocol.Outcome) error {
	t0 := g.env.Now()
	upload, err := g.mesh.Register(x, &out.Sender)
	out.SenderNanos += g.env.Now() - t0
	if err != nil {
		return fmt.Errorf("pairwise: registering %d: %w", x, err)
	}
	out.Messages = append(out.Messages, protocol.Message{Kind: MsgPrekeyBundle, Bytes: len(upload), To: []protocol.MemberID{}})
	g.members[x] = &member{id: x}
	g.order = append(g.order, x)
	g.joining[x] = true
	return nil
}

// setup has x register and start a session with every other member, each
// session's first message an empty PreKeyMessage, into out.
func (g *Group) setup(x protocol.MemberID, out *protocol.Outcome, rx *dratchet.Receivers) error {
	peers := append([]protocol.MemberID(nil), g.order...)
	if err := g.register(x, out); err != nil {
		return err
	}
	msgs := make([][]byte, len(peers))
	t0 := g.env.Now()
	for i, p := range peers {
		bundle, msg, _, err := g.mesh.Initiate(x, p, nil, out.Security, &out.Sender)
		if err != nil {
			return fmt.Errorf("pairwise: %w", err)
		}
		msgs[i] = msg
		out.Messages = append(out.Messages,
			protocol.Message{Kind: MsgPrekeyBundle, Bytes: len(bundle), To: []protocol.MemberID{x}, FromDS: true},
			protocol.Message{Kind: MsgPrekeyMessage, Bytes: len(msg), To: []protocol.MemberID{p}})
	}
	out.SenderNanos += g.env.Now() - t0
	for i, p := range peers {
		if err := g.deliver(out, rx, x, p, msgs[i], []byte{}); err != nil {
			return err
		}
	}
	return nil
}

// remove takes x out: the others drop their sessions with it.
func (g *Group) remove(actor, x protocol.MemberID, lbl string) {
	if g.members[x] == nil {
		g.emit(&protocol.Outcome{Label: lbl, Actor: actor, Rejected: fmt.Sprintf("remove of non-member %d", x)})
		return
	}
	g.mesh.Remove(x)
	delete(g.members, x)
	for _, m := range g.members {
		if g.online(m.id) && len(m.inbox) == 0 {
			g.mesh.Forget(m.id, x)
		} else {
			m.forget = append(m.forget, x)
		}
	}
	for i, id := range g.order {
		if id == x {
			g.order = append(g.order[:i], g.order[i+1:]...)
			break
		}
	}
	g.epoch++
	g.emit(&protocol.Outcome{Label: lbl, Actor: actor, Removed: []protocol.MemberID{x}})
}

// fanOut has actor encrypt payload for every other member: an application
// message (kind MsgApplication, recorded for the oracle) or an update's
// empty message (MsgPairwise).
func (g *Group) fanOut(actor protocol.MemberID, lbl, kind string, payload []byte) error {
	if err := g.catchUp(actor); err != nil {
		return err
	}
	out := &protocol.Outcome{Label: lbl, Actor: actor, Security: &protocol.Security{}}
	var peers []protocol.MemberID
	for _, p := range g.order {
		if p != actor {
			peers = append(peers, p)
		}
	}
	msgs := make([][]byte, len(peers))
	t0 := g.env.Now()
	for i, p := range peers {
		msg, key, err := g.mesh.Encrypt(actor, p, payload, out.Security, &out.Sender)
		if err != nil {
			return fmt.Errorf("pairwise: %w", err)
		}
		msgs[i] = msg
		out.Messages = append(out.Messages, protocol.Message{Kind: kind, Bytes: len(msg), To: []protocol.MemberID{p}})
		if kind == MsgApplication {
			out.Security.Protected = append(out.Security.Protected, key)
		}
	}
	out.SenderNanos = g.env.Now() - t0
	if kind == MsgPairwise {
		out.Refreshed = []protocol.MemberID{actor}
	}
	var rx dratchet.Receivers
	for i, p := range peers {
		if err := g.deliver(out, &rx, actor, p, msgs[i], payload); err != nil {
			return err
		}
	}
	rx.Average(out)
	g.emit(out)
	return nil
}

// catchUp has a member that acts process what it has queued first (the
// simulator syncs members as they come online, so this is a safeguard).
func (g *Group) catchUp(id protocol.MemberID) error {
	if len(g.members[id].inbox) == 0 {
		return nil
	}
	return g.sync(id, "sync")
}

// online reports whether member id processes messages now: it is online,
// or it is joining in the intent being applied (the simulator admits it,
// and marks it online, once the intent's outcomes are recorded).
func (g *Group) online(id protocol.MemberID) bool { return g.joining[id] || g.env.Online(id) }

// deliver hands a message to member to: processed now if it is online
// with nothing queued, queued otherwise (messages are processed in order).
func (g *Group) deliver(out *protocol.Outcome, rx *dratchet.Receivers, from, to protocol.MemberID, msg, want []byte) error {
	m := g.members[to]
	if !g.online(to) || len(m.inbox) > 0 {
		m.inbox = append(m.inbox, queued{from: from, data: msg, want: want})
		return nil
	}
	t0 := g.env.Now()
	err := g.open(out.Security, &rx.Ops, to, queued{from: from, data: msg, want: want})
	rx.Nanos += g.env.Now() - t0
	if err != nil {
		return err
	}
	rx.N++
	out.Verified++
	return nil
}

// open has member to decrypt one message and checks the plaintext.
func (g *Group) open(sec *protocol.Security, ops *protocol.Ops, to protocol.MemberID, q queued) error {
	pt, err := g.mesh.Decrypt(to, q.from, q.data, sec, ops)
	if err != nil {
		return fmt.Errorf("pairwise: %w", err)
	}
	if !bytes.Equal(pt, q.want) {
		return fmt.Errorf("pairwise: member %d decrypted %d bytes from %d, not the %d sent", to, len(pt), q.from, len(q.want))
	}
	if len(q.data) > 0 && q.data[0] == dratchet.TypePreKey {
		g.refill = append(g.refill, to)
	}
	return nil
}

// sync has a returning member process its queue in order.
func (g *Group) sync(id protocol.MemberID, lbl string) error {
	m := g.members[id]
	out := &protocol.Outcome{Label: lbl, Actor: id, Security: &protocol.Security{}}
	t0 := g.env.Now()
	for _, q := range m.inbox {
		if err := g.open(out.Security, &out.Sender, id, q); err != nil {
			return err
		}
		out.Processed++
	}
	out.SenderNanos = g.env.Now() - t0
	out.Verified = out.Processed
	m.inbox = nil
	for _, x := range m.forget {
		g.mesh.Forget(id, x)
	}
	m.forget = nil
	g.emit(out)
	return g.refills(nil)
}

// refills has every responder of the operation just emitted refill its
// one-time prekeys if it is due, each as an outcome of its own, or into
// one outcome (group creation, one outcome for all its members' work).
func (g *Group) refills(into *protocol.Outcome) error {
	ids := g.refill
	g.refill = nil
	for _, id := range ids {
		if g.members[id] == nil {
			continue
		}
		out := &protocol.Outcome{Label: "prekeys", Actor: id}
		t0 := g.env.Now()
		refill, err := g.mesh.Refill(id, &out.Sender)
		out.SenderNanos = g.env.Now() - t0
		if err != nil {
			return fmt.Errorf("pairwise: %w", err)
		}
		if refill == nil {
			continue
		}
		msg := protocol.Message{Kind: MsgPrekeys, Bytes: len(refill), To: []protocol.MemberID{}}
		if into != nil {
			into.Messages = append(into.Messages, msg)
			into.Sender.Add(out.Sender)
			into.SenderNanos += out.SenderNanos
			continue
		}
		out.Messages = []protocol.Message{msg}
		g.emit(out)
	}
	return nil
}

// Compromise implements protocol.Compromiser: the member's whole device
// (its state as of its last processing while offline).
func (g *Group) Compromise(id protocol.MemberID) (protocol.Knowledge, error) {
	if g.members[id] == nil {
		return protocol.Knowledge{}, fmt.Errorf("pairwise: %d is not a member", id)
	}
	secrets, err := g.mesh.Knowledge(id)
	if err != nil {
		return protocol.Knowledge{}, fmt.Errorf("pairwise: member %d: %w", id, err)
	}
	return protocol.Knowledge{Secrets: secrets, Current: g.epoch}, nil
}

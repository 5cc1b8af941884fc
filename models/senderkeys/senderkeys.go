// Package senderkeys is Signal's and WhatsApp's Sender Keys (Matrix
// Megolm is a close relative) over pairwise Double Ratchet sessions
// (models/dratchet), driven through models/protocol.
//
//   - Each member has a sender key: a chain key hash-ratcheted once per
//     message and a signature key pair (chain.go). It sends it to every
//     other member over their pairwise sessions as a
//     SenderKeyDistribution at its current iteration, so a member that
//     joins cannot read earlier messages.
//   - An application message is one SenderKeyMessage: encrypted under the
//     sender's next message key and signed; uploaded once and fanned out
//     by the server. Forward secrecy per message, from the hash ratchet.
//   - A joiner registers its prekeys, sets up a session with every member
//     (n−1 PreKeyMessages, each carrying its sender key), and each member
//     sends it its own sender key over the new session (an outcome
//     "distribute" per member). Group creation is every initial member
//     joining in turn, reported as one outcome "create" of the creator's
//     (every initial member's work and uploads together).
//   - When a member leaves or is removed, every remaining member rotates
//     (WhatsApp: "all group participants clear their Sender Key and start
//     over"): a fresh sender key to each of the others, (n−1)(n−2)
//     pairwise messages in all, one outcome "rotate" per member; members
//     offline at the time rotate when they sync. An Update intent rotates
//     the actor's key; Options can rotate periodically before a send
//     (Megolm: a week or 100 messages).
//
// Fidelity: in full mode every member decrypts and verifies every message
// (offline members queue theirs and process them in order when they
// sync). In sampled mode Sample online receivers, drawn for each
// application message, decrypt and verify it for real; the others follow
// the chain's position without deriving keys and catch up by hashing
// forward when they are next sampled. Pairwise traffic (distributions)
// is processed for real by everyone in both modes. Bytes, secrets and
// knowledge are the same in both modes (a test holds them equal); only
// the receivers' work differs.
//
// Security: a compromise reveals the member's pairwise sessions (as in
// models/pairwise) and every sender key it holds at its position: every
// later message of every sender until that sender rotates to a key the
// adversary cannot read, that is one distributed over a pairwise session
// that has healed (security.go).
package senderkeys

import (
	"errors"
	"fmt"
	"slices"

	"cgkalab/models/dratchet"
	"cgkalab/models/protocol"
	"cgkalab/models/suite"
)

// Message kinds of Sender Keys, for the byte columns of the results.
const (
	MsgPrekeyBundle  = "prekey_bundle"  // a registration upload, or a bundle an initiator fetches
	MsgPrekeys       = "prekeys"        // a refill of one-time prekeys
	MsgPrekeyMessage = "prekey_message" // a session's first message, carrying the joiner's sender key
	MsgSenderKey     = "sender_key"     // a pairwise message carrying a sender key
	MsgApplication   = "application"    // a SenderKeyMessage, fanned out by the server
)

// MessageKinds lists the kinds of message a Sender Keys group sends.
var MessageKinds = []string{MsgPrekeyBundle, MsgPrekeys, MsgPrekeyMessage, MsgSenderKey, MsgApplication}

// member is one member's sender keys and queue; its pairwise sessions
// live in the mesh.
type member struct {
	id     protocol.MemberID
	own    *senderKey
	recv   map[protocol.MemberID]*receiverKey
	inbox  []*item
	rotate bool                // a member left while it was offline: rotate when it syncs
	forget []protocol.MemberID // removed members, forgotten once the inbox is processed
}

// item is a message waiting in an offline member's queue: a pairwise
// message, or an application message (whose bytes sampled mode does not
// keep: it is followed, not decrypted).
type item struct {
	from      protocol.MemberID
	pairwise  []byte
	group     *Message
	gen, iter uint32
	size      int
}

// Group is a simulated Sender Keys group.
type Group struct {
	env   protocol.Env
	opts  Options
	c     *dratchet.Crypto
	mesh  *dratchet.Mesh
	full  bool
	epoch uint64 // membership changes so far

	members map[protocol.MemberID]*member
	order   []protocol.MemberID // join order
	outs    []*protocol.Outcome
	refill  []protocol.MemberID        // responders to check for a refill
	joining map[protocol.MemberID]bool // added by the intent being applied
}

// New creates an empty Sender Keys group; a Create intent populates it.
func New(env protocol.Env) (protocol.Group, error) {
	c, err := dratchet.NewCrypto(suite.ID(env.Suite))
	if err != nil {
		return nil, err
	}
	switch env.Mode {
	case protocol.Full:
	case protocol.Sampled:
		if env.Sample < 1 || env.Pick == nil {
			return nil, errors.New("senderkeys: sampled mode needs at least 1 sampled receiver and a sampling stream")
		}
	default:
		return nil, fmt.Errorf("senderkeys: unknown fidelity mode %q", env.Mode)
	}
	if env.Rand == nil || env.Online == nil || env.Members == nil {
		return nil, errors.New("senderkeys: environment lacks randomness, the online predicate or the member list")
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
	return &Group{env: env, opts: opts, c: c, mesh: mesh, full: env.Mode == protocol.Full,
		members: map[protocol.MemberID]*member{}, joining: map[protocol.MemberID]bool{}}, nil
}

// Epoch implements protocol.Group: the number of membership changes.
func (g *Group) Epoch() uint64 { return g.epoch }

// Members implements protocol.Group.
func (g *Group) Members() int { return len(g.members) }

// Apply implements protocol.Group.
func (g *Group) Apply(in protocol.Intent) ([]*protocol.Outcome, error) {
	g.outs = nil
	clear(g.joining)
	if in.Kind != protocol.Create && len(g.members) == 0 {
		return nil, fmt.Errorf("senderkeys: %v before the group exists", in.Kind)
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
		return g.removeAll(in, in.Actor, in.Targets, label(in, def))
	case protocol.Evict:
		actor, ok := protocol.RandomOnline(g.order, g.env.Online, g.env.Choose)
		if !ok {
			return nil
		}
		var stale []protocol.MemberID
		for _, x := range in.Targets {
			if x != actor {
				stale = append(stale, x)
			}
		}
		return g.removeAll(in, actor, stale, "evict")
	case protocol.Send:
		return g.send(in, label(in, "send"))
	case protocol.Update:
		if err := g.catchUp(in.Actor, in); err != nil {
			return err
		}
		return g.rotate(in.Actor, in, label(in, "update"))
	case protocol.Sync:
		return g.sync(in.Actor, in, label(in, "sync"))
	case protocol.Offline:
		g.emit(&protocol.Outcome{Label: label(in, "offline"), Actor: in.Actor})
		return nil
	case protocol.Tick:
		return nil
	}
	return fmt.Errorf("senderkeys: unsupported intent %v", in.Kind)
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

// others lists the members other than id, in join order.
func (g *Group) others(id protocol.MemberID) []protocol.MemberID {
	out := make([]protocol.MemberID, 0, len(g.order))
	for _, m := range g.order {
		if m != id {
			out = append(out, m)
		}
	}
	return out
}

// create has the creator register, every target join in turn, then every
// member send its sender key to those that joined after it.
func (g *Group) create(in protocol.Intent) error {
	if len(g.members) > 0 {
		return errors.New("senderkeys: group created twice")
	}
	out := &protocol.Outcome{Label: label(in, "create"), Actor: in.Actor, Added: in.Targets, Security: &protocol.Security{}}
	if err := g.register(in.Actor, in, out); err != nil {
		return err
	}
	var rx dratchet.Receivers
	for _, x := range in.Targets {
		if g.members[x] != nil || x == in.Actor {
			return fmt.Errorf("senderkeys: member %d created twice", x)
		}
		if err := g.setup(x, in, out, &rx); err != nil {
			return err
		}
	}
	for _, m := range g.order {
		if err := g.sendKey(m, g.missing(m), out, &rx); err != nil {
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

// join admits x: the inviter's "add" (membership is the server's), x's
// setup, then every online member's sender key to x.
func (g *Group) join(in protocol.Intent, x protocol.MemberID) error {
	if g.members[x] != nil {
		g.emit(&protocol.Outcome{Label: label(in, "add"), Actor: in.Actor, Rejected: fmt.Sprintf("%d is a member already", x)})
		return nil
	}
	g.epoch++
	g.emit(&protocol.Outcome{Label: label(in, "add"), Actor: in.Actor, Added: []protocol.MemberID{x}})
	out := &protocol.Outcome{Label: "join", Actor: x, Security: &protocol.Security{}}
	var rx dratchet.Receivers
	if err := g.setup(x, in, out, &rx); err != nil {
		return err
	}
	rx.Average(out)
	g.emit(out)
	if err := g.refills(nil); err != nil {
		return err
	}
	for _, m := range g.others(x) {
		if g.online(m) {
			if err := g.distribute(m, "distribute"); err != nil {
				return err
			}
		}
	}
	return nil
}

// register creates x's device, uploads its prekeys and draws its first
// sender key.
func (g *Group) register(x protocol.MemberID, in protocol.Intent, out *protocol.Outcome) error {
	t0 := g.env.Now()
	upload, err := g.mesh.Register(x, &out.Sender)
	if err != nil {
		return fmt.Errorf("senderkeys: registering %d: %w", x, err)
	}
	own, err := newSenderKey(g.c, 1, in.Now, g.env.Rand, &out.Sender)
	if err != nil {
		return err
	}
	out.SenderNanos += g.env.Now() - t0
	out.Messages = append(out.Messages, protocol.Message{Kind: MsgPrekeyBundle, Bytes: len(upload), To: []protocol.MemberID{}})
	g.members[x] = &member{id: x, own: own, recv: map[protocol.MemberID]*receiverKey{}}
	g.order = append(g.order, x)
	g.joining[x] = true
	return nil
}

// setup has x register and start a session with every other member, each
// session's first message carrying x's sender key, into out.
func (g *Group) setup(x protocol.MemberID, in protocol.Intent, out *protocol.Outcome, rx *dratchet.Receivers) error {
	peers := slices.Clone(g.order)
	if err := g.register(x, in, out); err != nil {
		return err
	}
	own := g.members[x].own
	skd := encodeDistribution(own.distribution())
	msgs := make([][]byte, len(peers))
	t0 := g.env.Now()
	for i, p := range peers {
		bundle, msg, key, err := g.mesh.Initiate(x, p, skd, out.Security, &out.Sender)
		if err != nil {
			return fmt.Errorf("senderkeys: %w", err)
		}
		msgs[i] = msg
		own.to[p] = true
		out.Security.Reveals = append(out.Security.Reveals, protocol.Reveal{From: key, To: chainSecret(x, own.gen, own.iter)})
		out.Messages = append(out.Messages,
			protocol.Message{Kind: MsgPrekeyBundle, Bytes: len(bundle), To: []protocol.MemberID{x}, FromDS: true},
			protocol.Message{Kind: MsgPrekeyMessage, Bytes: len(msg), To: []protocol.MemberID{p}})
	}
	out.SenderNanos += g.env.Now() - t0
	for i, p := range peers {
		if err := g.deliver(out, rx, p, &item{from: x, pairwise: msgs[i]}); err != nil {
			return err
		}
	}
	return nil
}

// missing lists the members that do not have m's current sender key.
func (g *Group) missing(m protocol.MemberID) []protocol.MemberID {
	own := g.members[m].own
	var to []protocol.MemberID
	for _, r := range g.others(m) {
		if !own.to[r] {
			to = append(to, r)
		}
	}
	return to
}

// distribute has m send its current sender key to every member that does
// not have it yet, as an outcome of its own (none if nobody lacks it).
func (g *Group) distribute(m protocol.MemberID, lbl string) error {
	to := g.missing(m)
	if len(to) == 0 {
		return nil
	}
	out := &protocol.Outcome{Label: lbl, Actor: m, Security: &protocol.Security{}}
	var rx dratchet.Receivers
	if err := g.sendKey(m, to, out, &rx); err != nil {
		return err
	}
	rx.Average(out)
	g.emit(out)
	return nil
}

// sendKey sends m's sender key at its current iteration to members to
// over their pairwise sessions, into out. The pairwise message key
// reveals the chain key it carries: a distribution over a session the
// adversary can read gives it the new chain.
func (g *Group) sendKey(m protocol.MemberID, to []protocol.MemberID, out *protocol.Outcome, rx *dratchet.Receivers) error {
	own := g.members[m].own
	skd := encodeDistribution(own.distribution())
	chain := chainSecret(m, own.gen, own.iter)
	msgs := make([][]byte, len(to))
	t0 := g.env.Now()
	for i, r := range to {
		msg, key, err := g.mesh.Encrypt(m, r, skd, out.Security, &out.Sender)
		if err != nil {
			return fmt.Errorf("senderkeys: %w", err)
		}
		msgs[i] = msg
		own.to[r] = true
		out.Security.Reveals = append(out.Security.Reveals, protocol.Reveal{From: key, To: chain})
		out.Messages = append(out.Messages, protocol.Message{Kind: MsgSenderKey, Bytes: len(msg), To: []protocol.MemberID{r}})
	}
	out.SenderNanos += g.env.Now() - t0
	for i, r := range to {
		if err := g.deliver(out, rx, r, &item{from: m, pairwise: msgs[i]}); err != nil {
			return err
		}
	}
	return nil
}

// rotate gives m a fresh sender key and sends it to every other member.
func (g *Group) rotate(m protocol.MemberID, in protocol.Intent, lbl string) error {
	mm := g.members[m]
	var ops protocol.Ops
	t0 := g.env.Now()
	own, err := newSenderKey(g.c, mm.own.gen+1, in.Now, g.env.Rand, &ops)
	if err != nil {
		return err
	}
	mm.own, mm.rotate = own, false
	out := &protocol.Outcome{Label: lbl, Actor: m, Security: &protocol.Security{}, Refreshed: []protocol.MemberID{m},
		Sender: ops, SenderNanos: g.env.Now() - t0}
	var rx dratchet.Receivers
	if err := g.sendKey(m, g.others(m), out, &rx); err != nil {
		return err
	}
	rx.Average(out)
	g.emit(out)
	return nil
}

// removeAll takes the targets out, then has every remaining member rotate
// (now if online, when it syncs otherwise).
func (g *Group) removeAll(in protocol.Intent, actor protocol.MemberID, targets []protocol.MemberID, lbl string) error {
	removed := false
	for _, x := range targets {
		if g.members[x] == nil {
			g.emit(&protocol.Outcome{Label: lbl, Actor: actor, Rejected: fmt.Sprintf("remove of non-member %d", x)})
			continue
		}
		g.mesh.Remove(x)
		delete(g.members, x)
		g.order = slices.DeleteFunc(g.order, func(id protocol.MemberID) bool { return id == x })
		for _, m := range g.members {
			delete(m.own.to, x)
			m.forget = append(m.forget, x)
			if g.online(m.id) && len(m.inbox) == 0 {
				g.forget(m)
			}
		}
		g.epoch++
		g.emit(&protocol.Outcome{Label: lbl, Actor: actor, Removed: []protocol.MemberID{x}})
		removed = true
	}
	if !removed {
		return nil
	}
	for _, m := range slices.Clone(g.order) {
		if !g.online(m) {
			g.members[m].rotate = true
			continue
		}
		if err := g.rotate(m, in, "rotate"); err != nil {
			return err
		}
	}
	return nil
}

// catchUp has a member that acts process what it has queued first (the
// simulator syncs members as they come online, so this is a safeguard).
func (g *Group) catchUp(id protocol.MemberID, in protocol.Intent) error {
	m := g.members[id]
	if len(m.inbox) == 0 && !m.rotate {
		return nil
	}
	return g.sync(id, in, "sync")
}

// send has the actor send an application message, rotating its key first
// if the options say it is due.
func (g *Group) send(in protocol.Intent, lbl string) error {
	a := in.Actor
	if err := g.catchUp(a, in); err != nil {
		return err
	}
	own := g.members[a].own
	if o := g.opts; o.RotateMessages > 0 && own.sent >= o.RotateMessages || o.RotateEvery > 0 && in.Now-own.created >= o.RotateEvery {
		if err := g.rotate(a, in, "rotate"); err != nil {
			return err
		}
		own = g.members[a].own
	}
	if err := g.distribute(a, "distribute"); err != nil {
		return err
	}
	out := &protocol.Outcome{Label: lbl, Actor: a, Security: &protocol.Security{}}
	payload := make([]byte, in.Size)
	gen, iter := own.gen, own.iter
	t0 := g.env.Now()
	msg, err := own.encrypt(g.c, payload, &out.Sender)
	if err != nil {
		return fmt.Errorf("senderkeys: member %d sending: %w", a, err)
	}
	encoded := encodeMessage(msg)
	out.SenderNanos = g.env.Now() - t0
	out.Messages = []protocol.Message{{Kind: MsgApplication, Bytes: len(encoded)}}
	out.Security.Reveals = stepReveals(a, gen, iter)
	out.Security.Protected = []protocol.Secret{messageSecret(a, gen, iter)}
	sampled := g.sampled(a)
	var rx dratchet.Receivers
	for _, r := range g.others(a) {
		// Every receiver parses the message in full mode; in sampled mode
		// only the sampled ones, the others follow its position.
		it := &item{from: a, gen: gen, iter: iter, size: in.Size}
		if g.full || sampled[r] {
			if it.group, err = decodeMessage(encoded); err != nil {
				return err
			}
		}
		if err := g.deliver(out, &rx, r, it); err != nil {
			return err
		}
	}
	rx.Average(out)
	g.emit(out)
	return nil
}

// sampled draws the receivers that decrypt an application message for
// real in sampled mode: up to Sample online members other than the
// sender.
func (g *Group) sampled(sender protocol.MemberID) map[protocol.MemberID]bool {
	if g.full {
		return nil
	}
	out := map[protocol.MemberID]bool{}
	n := len(g.order)
	for tries := 0; len(out) < g.env.Sample && tries < 4*g.env.Sample+32 && n > 1; tries++ {
		id := g.order[g.env.Pick.IntN(n)]
		if id != sender && g.online(id) && len(g.members[id].inbox) == 0 {
			out[id] = true
		}
	}
	return out
}

// sync has a returning member process its queue in order, rotate if a
// member left meanwhile, and send its key to members that joined.
func (g *Group) sync(id protocol.MemberID, in protocol.Intent, lbl string) error {
	m := g.members[id]
	out := &protocol.Outcome{Label: lbl, Actor: id, Security: &protocol.Security{}}
	t0 := g.env.Now()
	for _, it := range m.inbox {
		if err := g.process(out.Security, &out.Sender, id, it); err != nil {
			return err
		}
		if it.pairwise != nil || it.group != nil {
			out.Processed++
		} else {
			out.Unsimulated = true // followed, not decrypted: its work is absent
		}
	}
	out.SenderNanos = g.env.Now() - t0
	out.Verified = out.Processed
	m.inbox = nil
	g.forget(m)
	g.emit(out)
	if err := g.refills(nil); err != nil {
		return err
	}
	if m.rotate {
		if err := g.rotate(id, in, "rotate"); err != nil {
			return err
		}
	}
	return g.distribute(id, "distribute")
}

// forget has m drop what it kept of removed members: their sender keys
// and sessions, once it has processed what it received from them.
func (g *Group) forget(m *member) {
	for _, x := range m.forget {
		delete(m.recv, x)
		g.mesh.Forget(m.id, x)
	}
	m.forget = nil
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
			return fmt.Errorf("senderkeys: %w", err)
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

// Package security is the adversary and the exposure oracle of
// ../shared/DESIGN.md ("Security oracle"). The adversary records every
// ciphertext on the wire and, at chosen times, compromises a device and
// learns its whole state. The oracle tracks secrets symbolically over the
// graph the protocol's real code reported, with protocol-neutral
// primitives (models/protocol): a secret derives from all of a set of
// secrets (an encryption to a key is the one-input case), a message is
// protected by secrets, a member refreshed its state. It closes the
// adversary's knowledge to a fixed point.
//
// Per compromise of member m at time t, from the closure of that
// compromise alone:
//   - Exposed messages: a message is exposed when one of the secrets
//     protecting it is in the closure, or when the device held it as a
//     ratchet state (protocol.Knowledge.Held) and the message was sent at
//     or after t (the device had deleted the keys of messages it had
//     already received). Deleted messages exposed are those among them
//     that had disappeared (their TTL ended) before t: what forward
//     secrecy is for.
//   - Message healing: from t to the first message sent after the last
//     message this compromise exposes; censored at the end of the run if
//     the last message of the run is exposed. Message FS window: from the
//     earliest exposed message sent before t, to t.
//
// For protocols with epochs (MLS), also:
//   - PCS healing time: from t to the start of the first epoch after the
//     device's epoch E that is not exposed; censored at the end of the run
//     if none.
//   - FS exposure window: from the start of the earliest exposed epoch at
//     or before E to t (at least the time since E began, whose state the
//     device holds; retained past epochs widen it).
//
// Per run, from the joint closure of all compromises: the share of
// messages exposed and of deleted messages exposed, and where there are
// epochs the share of epochs exposed. The ideal predicate (Alwen, Coretti,
// Dodis, Tselekounis, CRYPTO 2020) is computed beside it: an epoch is
// unsafe if a member compromised at or before it had neither refreshed
// its state nor been removed before it, or if a member compromised after
// it still held that epoch's state. The oracle's exposed set must contain
// the ideal one; what it adds is the protocol's excess exposure.
package security

import (
	"context"
	"fmt"
	"slices"

	"cgkalab/models/protocol"
	"cgkalab/sim"
)

type nodeID = uint32

// noNode marks an epoch whose secret was never named (an epoch before the
// first one a protocol reported).
const noNode = ^nodeID(0)

// nodeKey identifies a symbolic secret; public keys are interned.
type nodeKey struct {
	kind protocol.SecretKind
	a, b uint64
	key  uint32 // interned public key (SecretKey)
}

// Compromise is one compromise event and what it led to.
type Compromise struct {
	Member protocol.MemberID
	Time   sim.Time
	Epoch  uint64 // the epoch the device's state was at
	// Healing is the PCS healing time over epochs (over messages for
	// protocols without epochs); Censored means none came before the end
	// of the run (Healing then runs to the end).
	Healing  sim.Time
	Censored bool
	// FSWindow is the forward-secrecy exposure window over epochs (over
	// messages for protocols without epochs).
	FSWindow sim.Time
	// Exposed is the number of epochs this compromise alone exposes.
	Exposed int
	// Message-level measures, for every protocol.
	ExposedMessages int
	DeletedExposed  int // exposed messages that had disappeared before the compromise
	MsgHealing      sim.Time
	MsgCensored     bool
	MsgFSWindow     sim.Time

	know    []nodeID // revealed secrets
	held    []nodeID // ratchet states held
	direct  []uint64 // epochs held by the device
	pending bool     // a client awaiting a Welcome, not yet a member
}

// rule is a Derive: to is known once all n inputs are.
type rule struct {
	to nodeID
	n  int32
}

// Oracle accumulates the run's secret graph and compromises.
type Oracle struct {
	keys    map[string]uint32
	nodes   map[nodeKey]nodeID
	adj     [][]nodeID // reveals: knowing node i gives adj[i]
	inputOf [][]int32  // rules node i is an input of
	rules   []rule

	starts     []sim.Time // start time of epoch e at index e
	epochNodes []nodeID   // the secret standing for epoch e, or noNode

	// Application messages: send time, disappearance time (sim.Forever
	// when the message does not disappear), and the secrets protecting
	// each (msgSecrets[msgOff[i]:msgOff[i+1]]).
	msgTime    []sim.Time
	msgExpire  []sim.Time
	msgOff     []int
	msgSecrets []nodeID

	// revealer answers, for keys the adversary comes to know, what was
	// encrypted to them (protocols that do not list those edges in their
	// Outcomes); names and expanded serve it.
	revealer protocol.Revealer
	names    []nodeKey // per node
	keyBytes [][]byte  // per interned key
	expanded []bool    // per node: the revealer has been asked

	comps []*Compromise
	// For the ideal predicate: the epochs in which each member refreshed
	// its state, and the epochs of its removal and addition.
	refreshes map[protocol.MemberID][]uint64
	removed   map[protocol.MemberID]uint64
	added     map[protocol.MemberID]uint64
}

// New returns an empty oracle.
func New() *Oracle {
	return &Oracle{keys: map[string]uint32{}, nodes: map[nodeKey]nodeID{}, msgOff: []int{0},
		refreshes: map[protocol.MemberID][]uint64{}, removed: map[protocol.MemberID]uint64{}, added: map[protocol.MemberID]uint64{}}
}

// AskRevealer has the oracle ask r, whenever a closure comes to know a
// private key, what was encrypted to it; r's answers join the reveals the
// Outcomes listed. It costs nothing per commit: only keys an adversary
// learns are ever looked up.
func (o *Oracle) AskRevealer(r protocol.Revealer) { o.revealer = r }

func (o *Oracle) key(s protocol.Secret) (nodeKey, bool) {
	k := nodeKey{kind: s.Kind, a: s.A, b: s.B}
	if s.Kind == protocol.SecretKey {
		id, ok := o.keys[string(s.Key)]
		if !ok {
			return k, false
		}
		k.key = id
	}
	return k, true
}

// node interns s.
func (o *Oracle) node(s protocol.Secret) nodeID {
	if s.Kind == protocol.SecretKey {
		if _, ok := o.keys[string(s.Key)]; !ok {
			o.keys[string(s.Key)] = uint32(len(o.keys))
			o.keyBytes = append(o.keyBytes, s.Key)
		}
	}
	k, _ := o.key(s)
	if id, ok := o.nodes[k]; ok {
		return id
	}
	id := nodeID(len(o.adj))
	o.nodes[k] = id
	o.adj = append(o.adj, nil)
	o.inputOf = append(o.inputOf, nil)
	o.names = append(o.names, k)
	o.expanded = append(o.expanded, false)
	return id
}

// lookup finds s without interning it.
func (o *Oracle) lookup(s protocol.Secret) (nodeID, bool) {
	k, ok := o.key(s)
	if !ok {
		return 0, false
	}
	id, ok := o.nodes[k]
	return id, ok
}

// startEpoch records that epoch e began at time t with secret n; epochs
// before it that were never reported begin at t too.
func (o *Oracle) startEpoch(e uint64, t sim.Time, n nodeID) {
	for uint64(len(o.starts)) <= e {
		o.starts = append(o.starts, t)
		o.epochNodes = append(o.epochNodes, noNode)
	}
	o.epochNodes[e] = n
}

// Observe records what an operation at time now revealed. ttl is the
// disappearing-message timer of the message it sent, if any (0: kept).
func (o *Oracle) Observe(now sim.Time, out *protocol.Outcome, ttl sim.Time) {
	sec := out.Security
	if sec != nil {
		for _, r := range sec.Reveals {
			from, to := o.node(r.From), o.node(r.To)
			o.adj[from] = append(o.adj[from], to)
		}
		for _, d := range sec.Derives {
			id := int32(len(o.rules))
			o.rules = append(o.rules, rule{to: o.node(d.To), n: int32(len(d.From))})
			for _, f := range d.From {
				n := o.node(f)
				o.inputOf[n] = append(o.inputOf[n], id)
			}
		}
		if m := sec.Epoch; m != nil {
			o.startEpoch(m.Epoch, now, o.node(m.Secret))
		}
	}
	if out.Rejected != "" || sec == nil {
		return
	}
	if len(sec.Protected) > 0 {
		expire := sim.Forever
		if ttl > 0 {
			expire = now + ttl
		}
		o.msgTime = append(o.msgTime, now)
		o.msgExpire = append(o.msgExpire, expire)
		for _, s := range sec.Protected {
			o.msgSecrets = append(o.msgSecrets, o.node(s))
		}
		o.msgOff = append(o.msgOff, len(o.msgSecrets))
	}
	if m := sec.Epoch; m != nil {
		for _, id := range out.Refreshed {
			o.refreshes[id] = append(o.refreshes[id], m.Epoch)
		}
		for _, id := range out.Removed {
			o.removed[id] = m.Epoch
		}
		for _, id := range out.Added {
			o.added[id] = m.Epoch
		}
	}
}

// Compromise records a compromise of member m at time now revealing k.
func (o *Oracle) Compromise(now sim.Time, m protocol.MemberID, k protocol.Knowledge) *Compromise {
	c := &Compromise{Member: m, Time: now, Epoch: k.Current, direct: slices.Clone(k.Epochs), pending: len(k.Epochs) == 0}
	if c.pending && len(o.starts) > 0 {
		// A client awaiting its Welcome, or a service, holds no epoch:
		// measure from the epoch the group is in.
		c.Epoch = uint64(len(o.starts) - 1)
	}
	for _, s := range k.Secrets {
		c.know = append(c.know, o.node(s))
	}
	for _, s := range k.Held {
		c.held = append(c.held, o.node(s))
	}
	o.comps = append(o.comps, c)
	return c
}

// closure returns the set of nodes known from the seeds, applying the
// reveals and derivations to a fixed point (each rule fires once all its
// inputs are known, counted per closure).
func (o *Oracle) closure(seeds []nodeID) []bool {
	known := make([]bool, len(o.adj))
	count := make([]int32, len(o.rules))
	var work []nodeID
	mark := func(n nodeID) {
		if int(n) >= len(known) {
			known = append(known, make([]bool, len(o.adj)-len(known))...)
		}
		if !known[n] {
			known[n] = true
			work = append(work, n)
		}
	}
	for _, s := range seeds {
		mark(s)
	}
	for len(work) > 0 {
		n := work[len(work)-1]
		work = work[:len(work)-1]
		o.expand(n)
		for _, m := range o.adj[n] {
			mark(m)
		}
		for _, r := range o.inputOf[n] {
			if count[r]++; count[r] == o.rules[r].n {
				mark(o.rules[r].to)
			}
		}
	}
	if len(known) < len(o.adj) {
		known = append(known, make([]bool, len(o.adj)-len(known))...)
	}
	return known
}

// expand adds, once, what the revealer says was encrypted to key node n.
func (o *Oracle) expand(n nodeID) {
	if o.revealer == nil || o.expanded[n] || o.names[n].kind != protocol.SecretKey {
		return
	}
	o.expanded[n] = true
	for _, s := range o.revealer.RevealedBy(nil, o.keyBytes[o.names[n].key]) {
		m := o.node(s)
		o.adj[n] = append(o.adj[n], m)
	}
}

// epochKnown lists, per epoch, whether its secret is in a closure.
func (o *Oracle) epochKnown(known []bool) []bool {
	out := make([]bool, len(o.starts))
	for e, n := range o.epochNodes {
		out[e] = n != noNode && known[n]
	}
	return out
}

// msgExposed reports whether message i is exposed by a closure, given the
// ratchet states held (with the time they were taken).
func (o *Oracle) msgExposed(i int, known []bool, held []nodeID, at sim.Time) bool {
	for _, n := range o.msgSecrets[o.msgOff[i]:o.msgOff[i+1]] {
		if known[n] || o.msgTime[i] >= at && slices.Contains(held, n) {
			return true
		}
	}
	return false
}

// Report is the run's security summary.
type Report struct {
	Compromises []*Compromise
	// Epochs is the number of epochs (0 for protocols without epochs).
	Epochs int
	// ExposedEpochs counts epochs exposed by the joint closure of all
	// compromises (or held by a compromised device); IdealEpochs those the
	// ideal predicate marks unsafe; Excess those exposed but ideally safe.
	// Missing counts ideally unsafe epochs the oracle did not expose, which
	// must be zero.
	ExposedEpochs, IdealEpochs, Excess, Missing int
	Messages, ExposedMessages                   int
	// Ephemeral counts messages with a disappearing timer; DeletedExposed
	// the messages some compromise exposed after they had disappeared.
	Ephemeral, DeletedExposed int
	// Exposed flags each epoch of the joint closure.
	Exposed []bool
}

// Finish computes every measure at the end of a run at time end.
func (o *Oracle) Finish(end sim.Time) (*Report, error) {
	return o.FinishContext(context.Background(), end)
}

// FinishContext is Finish that stops with ctx's error between
// compromises: in a long run the closures take minutes, and an
// interrupted run must not wait for them.
func (o *Oracle) FinishContext(ctx context.Context, end sim.Time) (*Report, error) {
	r := &Report{Compromises: o.comps, Epochs: len(o.starts), Messages: len(o.msgTime)}
	var seeds []nodeID
	held := make([]bool, len(o.starts))
	msgExposed := make([]bool, len(o.msgTime))
	deleted := make([]bool, len(o.msgTime))
	for _, c := range o.comps {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		seeds = append(seeds, c.know...)
		closure := o.closure(c.know)
		var exposedMsgs []int
		for i := range o.msgTime {
			if o.msgExposed(i, closure, c.held, c.Time) {
				msgExposed[i] = true
				exposedMsgs = append(exposedMsgs, i)
				if o.msgExpire[i] <= c.Time {
					deleted[i] = true
					c.DeletedExposed++
				}
			}
		}
		c.ExposedMessages = len(exposedMsgs)
		o.messageMeasures(c, exposedMsgs, end)
		if len(o.starts) == 0 {
			c.Healing, c.Censored, c.FSWindow = c.MsgHealing, c.MsgCensored, c.MsgFSWindow
			continue
		}
		o.epochMeasures(c, o.epochKnown(closure), end)
		for _, e := range c.direct {
			if int(e) < len(held) {
				held[e] = true
			}
		}
	}
	joint := o.closure(seeds)
	for i := range o.msgTime {
		if !msgExposed[i] && o.msgExposed(i, joint, nil, end) {
			msgExposed[i] = true
		}
		if msgExposed[i] {
			r.ExposedMessages++
		}
		if o.msgExpire[i] != sim.Forever {
			r.Ephemeral++
		}
		if deleted[i] {
			r.DeletedExposed++
		}
	}
	if len(o.starts) == 0 {
		return r, nil
	}
	jointEpochs := o.epochKnown(joint)
	r.Exposed = make([]bool, len(jointEpochs))
	ideal := o.ideal()
	for e := range jointEpochs {
		r.Exposed[e] = jointEpochs[e] || held[e]
		if r.Exposed[e] {
			r.ExposedEpochs++
		}
		if ideal[e] {
			r.IdealEpochs++
		}
		switch {
		case r.Exposed[e] && !ideal[e]:
			r.Excess++
		case ideal[e] && !r.Exposed[e]:
			r.Missing++
		}
	}
	if r.Missing > 0 {
		return r, fmt.Errorf("security oracle: %d epochs the ideal predicate marks unsafe are not exposed", r.Missing)
	}
	return r, nil
}

// messageMeasures sets c's message healing and FS window from the
// messages it exposes (indices in send order).
func (o *Oracle) messageMeasures(c *Compromise, exposed []int, end sim.Time) {
	c.MsgHealing, c.MsgCensored, c.MsgFSWindow = 0, false, 0
	last := -1 // the last exposed message sent at or after the compromise
	for _, i := range exposed {
		if o.msgTime[i] >= c.Time {
			last = i
		} else if c.MsgFSWindow == 0 {
			c.MsgFSWindow = c.Time - o.msgTime[i]
		}
	}
	if last < 0 {
		return
	}
	for i := last + 1; i < len(o.msgTime); i++ {
		if o.msgTime[i] > o.msgTime[last] {
			c.MsgHealing = o.msgTime[i] - c.Time
			return
		}
	}
	c.MsgHealing, c.MsgCensored = end-c.Time, true
}

// epochMeasures sets c's epoch-level healing, FS window and exposed count
// from the epochs its closure knows.
func (o *Oracle) epochMeasures(c *Compromise, known []bool, end sim.Time) {
	exposed := func(e uint64) bool {
		return int(e) < len(known) && (known[e] || slices.Contains(c.direct, e))
	}
	c.Healing, c.Censored = end-c.Time, true
	for e := c.Epoch + 1; e < uint64(len(known)); e++ {
		if !exposed(e) {
			c.Healing, c.Censored = o.starts[e]-c.Time, false
			break
		}
	}
	c.FSWindow = 0
	for e := uint64(0); e <= c.Epoch && int(e) < len(known); e++ {
		if exposed(e) {
			c.FSWindow = max(0, c.Time-o.starts[e])
			break
		}
	}
	c.Exposed = 0
	for e := range known {
		if exposed(uint64(e)) {
			c.Exposed++
		}
	}
}

// ideal computes the ideal predicate's unsafe epochs.
func (o *Oracle) ideal() []bool {
	unsafe := make([]bool, len(o.starts))
	for _, c := range o.comps {
		// Epochs whose state the device held are unsafe.
		for _, e := range c.direct {
			if int(e) < len(unsafe) {
				unsafe[e] = true
			}
		}
		// Forward: from the compromise (or, for a client awaiting a
		// Welcome, from the epoch it joined) until the member refreshed its
		// state or was removed.
		from := c.Epoch
		if c.pending {
			e, ok := o.added[c.Member]
			if !ok {
				continue // never joined
			}
			from = e
		}
		end := uint64(len(unsafe))
		for _, e := range o.refreshes[c.Member] {
			if e > from && e < end {
				end = e
			}
		}
		if e, ok := o.removed[c.Member]; ok && e > from && e < end {
			end = e
		}
		for e := from; e < end && int(e) < len(unsafe); e++ {
			unsafe[e] = true
		}
	}
	return unsafe
}

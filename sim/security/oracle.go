// Package security is the adversary and the exposure oracle of
// ../shared/DESIGN.md ("Security oracle"). The adversary records every
// ciphertext on the wire and, at chosen times, compromises a device and
// learns its whole state. The oracle tracks secrets symbolically over the
// graph the protocol's real code reported (protocol.Reveal: what was
// encrypted to which key and what derives from what; protocol.EpochStep:
// an epoch's secrets follow from the previous epoch's and the commit
// secret) and closes the adversary's knowledge to a fixed point.
//
// Measures, per compromise of member m at time t in epoch E, from the
// closure of that compromise alone:
//   - PCS healing time: from t to the start of the first epoch after E that
//     is not exposed; censored at the end of the run if none.
//   - FS exposure window: from the start of the earliest exposed epoch at or
//     before E to t (at least the time since E began, whose secrets the
//     device holds; retained past epochs widen it).
//
// Per run, from the joint closure of all compromises: the share of epochs
// exposed and the share of application messages exposed. A message is
// exposed when its epoch is exposed through the key schedule (a chain of
// known init and commit secrets, or a Welcome), or, in an epoch a device
// held at its compromise, when it was sent at or after the compromise (the
// device had deleted the keys of messages it had already received,
// RFC 9420, Section 9.2).
//
// The ideal predicate (Alwen, Coretti, Dodis, Tselekounis, CRYPTO 2020) is
// computed beside it: an epoch is unsafe if a member compromised at or
// before it had neither updated nor been removed before it, or if a member
// compromised after it still held that epoch's state. The oracle's exposed
// set must contain the ideal one; what it adds is the protocol's excess
// exposure.
package security

import (
	"fmt"
	"slices"

	"cgkalab/models/protocol"
	"cgkalab/sim"
)

type nodeID = uint32

// kindInit is the oracle's own node kind for an epoch's init_secret: what
// the next epoch needs besides the commit secret. A device holds its
// current epoch's init secret, not its epoch secret (RFC 9420, Section
// 9.2 deletes that), so a compromise seeds init(E) and marks E as held.
const kindInit protocol.SecretKind = 200

// nodeKey identifies a symbolic secret; keys are interned by public key.
type nodeKey struct {
	kind  protocol.SecretKind
	key   uint32 // interned public key (SecretKey)
	epoch uint64
	index int
}

// Compromise is one compromise event and what it led to.
type Compromise struct {
	Member protocol.MemberID
	Time   sim.Time
	Epoch  uint64 // the epoch the device's state was at
	// Healing is the PCS healing time; Censored means no unexposed epoch
	// followed before the end of the run (Healing then runs to the end).
	Healing  sim.Time
	Censored bool
	// FSWindow is the forward-secrecy exposure window.
	FSWindow sim.Time
	// Exposed is the number of epochs this compromise alone exposes.
	Exposed int

	know    []nodeID // revealed secrets
	direct  []uint64 // epochs held by the device
	pending bool     // a client awaiting a Welcome, not yet a member
}

// Oracle accumulates the run's secret graph and compromises.
type Oracle struct {
	keys   map[string]uint32
	nodes  map[nodeKey]nodeID
	kinds  []nodeKey
	adj    [][]nodeID // reveals: knowing node i gives adj[i]
	steps  map[uint64]protocol.EpochStep
	starts []sim.Time // start time of epoch e at index e (epochs start at 0)
	// messages: epoch and time of each application message.
	msgEpoch []uint64
	msgTime  []sim.Time
	comps    []*Compromise
	// For the ideal predicate: when each member last refreshed its leaf
	// (updated, or committed with a path) and when it left.
	refreshes map[protocol.MemberID][]uint64 // epochs in which the member's key changed
	removed   map[protocol.MemberID]uint64
	added     map[protocol.MemberID]uint64
}

// New returns an empty oracle.
func New() *Oracle {
	return &Oracle{keys: map[string]uint32{}, nodes: map[nodeKey]nodeID{}, steps: map[uint64]protocol.EpochStep{},
		refreshes: map[protocol.MemberID][]uint64{}, removed: map[protocol.MemberID]uint64{}, added: map[protocol.MemberID]uint64{}}
}

func (o *Oracle) node(s protocol.Secret) nodeID {
	k := nodeKey{kind: s.Kind, epoch: s.Epoch, index: s.Index}
	if s.Kind == protocol.SecretKey {
		id, ok := o.keys[string(s.Key)]
		if !ok {
			id = uint32(len(o.keys))
			o.keys[string(s.Key)] = id
		}
		k = nodeKey{kind: s.Kind, key: id}
	}
	if id, ok := o.nodes[k]; ok {
		return id
	}
	id := nodeID(len(o.kinds))
	o.nodes[k] = id
	o.kinds = append(o.kinds, k)
	o.adj = append(o.adj, nil)
	return id
}

func (o *Oracle) epochNode(e uint64) nodeID {
	return o.node(protocol.Secret{Kind: protocol.SecretEpoch, Epoch: e})
}

func (o *Oracle) initNode(e uint64) nodeID {
	return o.node(protocol.Secret{Kind: kindInit, Epoch: e})
}

// startEpoch records that epoch e began at time t.
func (o *Oracle) startEpoch(e uint64, t sim.Time) {
	for uint64(len(o.starts)) <= e {
		o.epochNode(uint64(len(o.starts)))
		o.initNode(uint64(len(o.starts)))
		o.starts = append(o.starts, t)
	}
}

// Observe records what an operation at time now revealed and how its epoch
// (if it started one) follows from the previous one.
func (o *Oracle) Observe(now sim.Time, op protocol.Op, out *protocol.Outcome) {
	if len(o.starts) == 0 {
		o.startEpoch(0, now)
	}
	for _, r := range out.Reveals {
		from, to := o.node(r.From), o.node(r.To)
		o.adj[from] = append(o.adj[from], to)
	}
	if s := out.Step; s != nil {
		o.steps[s.Epoch] = *s
		o.startEpoch(s.Epoch, now)
		for _, n := range s.Needs {
			o.node(n)
		}
	}
	if out.Rejected != "" {
		return
	}
	switch op.Kind {
	case protocol.OpSend:
		o.msgEpoch = append(o.msgEpoch, out.Epoch)
		o.msgTime = append(o.msgTime, now)
	case protocol.OpCommit, protocol.OpCreate:
		if out.Step != nil && out.Path && !op.Discard {
			o.refreshes[op.Actor] = append(o.refreshes[op.Actor], out.Step.Epoch)
		}
		if out.Step != nil {
			for _, m := range out.Removed {
				o.removed[m] = out.Step.Epoch
			}
			for _, m := range out.Added {
				o.added[m] = out.Step.Epoch
			}
			for _, m := range out.Updated {
				o.refreshes[m] = append(o.refreshes[m], out.Step.Epoch)
			}
		}
	}
}

// Compromise records a compromise of member m at time now revealing k.
func (o *Oracle) Compromise(now sim.Time, m protocol.MemberID, k protocol.Knowledge) *Compromise {
	c := &Compromise{Member: m, Time: now, Epoch: k.Current, direct: slices.Clone(k.Epochs)}
	for _, s := range k.Secrets {
		c.know = append(c.know, o.node(s))
	}
	if len(k.Epochs) > 0 { // a member's device; a client awaiting a Welcome holds keys only
		c.know = append(c.know, o.initNode(k.Current))
	} else {
		c.pending = true
	}
	o.comps = append(o.comps, c)
	return c
}

// closure returns the set of nodes known from the seeds, applying the
// reveals and the epoch steps to a fixed point.
func (o *Oracle) closure(seeds []nodeID) []bool {
	known := make([]bool, len(o.kinds))
	var work []nodeID
	mark := func(n nodeID) {
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
		for _, m := range o.adj[n] {
			mark(m)
		}
		// Epoch steps: an epoch, or a commit secret, may complete the next
		// epoch's inputs.
		k := o.kinds[n]
		var candidate uint64
		switch k.kind {
		case protocol.SecretEpoch:
			// An epoch secret gives its init secret.
			if id, ok := o.nodes[nodeKey{kind: kindInit, epoch: k.epoch}]; ok {
				mark(id)
			}
			continue
		case kindInit:
			candidate = k.epoch + 1
		case protocol.SecretCommit:
			candidate = k.epoch
		default:
			continue
		}
		if s, ok := o.steps[candidate]; ok && o.satisfied(known, s) {
			if id, ok := o.nodes[nodeKey{kind: protocol.SecretEpoch, epoch: candidate}]; ok {
				mark(id)
			}
		}
	}
	return known
}

func (o *Oracle) satisfied(known []bool, s protocol.EpochStep) bool {
	prev, ok := o.nodes[nodeKey{kind: kindInit, epoch: s.Prev}]
	if !ok || !known[prev] {
		return false
	}
	for _, n := range s.Needs {
		id, ok := o.lookup(n)
		if !ok || !known[id] {
			return false
		}
	}
	return true
}

func (o *Oracle) lookup(s protocol.Secret) (nodeID, bool) {
	k := nodeKey{kind: s.Kind, epoch: s.Epoch, index: s.Index}
	if s.Kind == protocol.SecretKey {
		id, ok := o.keys[string(s.Key)]
		if !ok {
			return 0, false
		}
		k = nodeKey{kind: s.Kind, key: id}
	}
	id, ok := o.nodes[k]
	return id, ok
}

// exposedEpochs lists the epochs in a closure.
func (o *Oracle) exposedEpochs(known []bool) []bool {
	out := make([]bool, len(o.starts))
	for e := range o.starts {
		if id, ok := o.nodes[nodeKey{kind: protocol.SecretEpoch, epoch: uint64(e)}]; ok && known[id] {
			out[e] = true
		}
	}
	return out
}

// Report is the run's security summary.
type Report struct {
	Compromises []*Compromise
	Epochs      int
	// ExposedEpochs counts epochs exposed by the joint closure of all
	// compromises (or held by a compromised device); IdealEpochs those the
	// ideal predicate marks unsafe; Excess those exposed but ideally safe.
	// Missing counts ideally unsafe epochs the oracle did not expose, which
	// must be zero.
	ExposedEpochs, IdealEpochs, Excess, Missing int
	Messages, ExposedMessages                   int
	// Exposed flags each epoch of the joint closure.
	Exposed []bool
}

// epochKnown lists, per epoch, whether its epoch secret is in a closure.
func (o *Oracle) epochKnown(known []bool) []bool {
	out := make([]bool, len(o.starts))
	for e := range o.starts {
		if id, ok := o.nodes[nodeKey{kind: protocol.SecretEpoch, epoch: uint64(e)}]; ok && known[id] {
			out[e] = true
		}
	}
	return out
}

// Finish computes every measure at the end of a run at time end.
func (o *Oracle) Finish(end sim.Time) (*Report, error) {
	// Mark the epochs derivable through the schedule in the graph itself:
	// a step's epoch node is reached by closure() via satisfied().
	r := &Report{Compromises: o.comps, Epochs: len(o.starts), Messages: len(o.msgEpoch)}
	var seeds []nodeID
	held := make([]bool, len(o.starts))
	msgExposed := make([]bool, len(o.msgEpoch))
	for _, c := range o.comps {
		seeds = append(seeds, c.know...)
		known := o.epochKnown(o.closure(c.know))
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
		for e := range known {
			if exposed(uint64(e)) {
				c.Exposed++
			}
		}
		for _, e := range c.direct {
			if int(e) < len(held) {
				held[e] = true
			}
		}
		for i, me := range o.msgEpoch {
			if int(me) < len(known) && (known[me] || slices.Contains(c.direct, me) && o.msgTime[i] >= c.Time) {
				msgExposed[i] = true
			}
		}
	}
	joint := o.epochKnown(o.closure(seeds))
	r.Exposed = make([]bool, len(joint))
	ideal := o.ideal()
	for e := range joint {
		r.Exposed[e] = joint[e] || held[e]
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
	for i, me := range o.msgEpoch {
		if int(me) < len(joint) && joint[me] {
			msgExposed[i] = true
		}
		if msgExposed[i] {
			r.ExposedMessages++
		}
	}
	if r.Missing > 0 {
		return r, fmt.Errorf("security oracle: %d epochs the ideal predicate marks unsafe are not exposed", r.Missing)
	}
	return r, nil
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
		// key or was removed.
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

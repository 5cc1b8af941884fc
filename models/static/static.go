// Package static is the baseline of the protocols cgkalab compares: one
// long-lived group key, never ratcheted, with neither forward secrecy nor
// post-compromise security.
//
// Each client publishes a signed KeyPackage with an HPKE wrap key (RFC
// 9180 base mode, the suite's KEM) and a signature key. The creator draws
// the group secret and seals it to each member's wrap key (a Welcome per
// joiner, with the roster's hash; the roster itself comes from the
// delivery service); a member adding others announces their KeyPackages to
// the group and seals the current key to each joiner. Every application
// message is one AEAD encryption under a key derived from the group secret,
// with a random nonce, signed inside the ciphertext by the sender.
// Optionally (Options.RotateOnRemoval) a removal replaces the group key: a
// remaining member seals a new one to each other remaining member. An
// Update intent does nothing by default; Options.Update = "rotate" makes
// it a fresh wrap key for the member and a new group key for everyone.
//
// Devices keep every group key they received, so that they can read the
// group's history: a compromise reveals the device's wrap key and all of
// those keys, hence every message under them, past and future, deleted or
// not, until the key is replaced without the device.
//
// Fidelity: in Full mode every member holds its own keys and processes
// every message it receives for real; an offline member queues what it
// misses and processes it when it syncs. In Sampled mode the sender's work
// and every byte are the same (the same random stream is drawn), Sample
// receivers process each message for real, and the others take the group
// keys from the simulation's ground truth, which the sampled receivers
// check against what they decrypted.
package static

import (
	"bytes"
	"errors"
	"fmt"
	"slices"

	"cgkalab/models/protocol"
	"cgkalab/models/suite"
)

// Message kinds, for the byte columns of the results.
const (
	MsgKeyPackage  = "key_package" // a joiner's KeyPackage, fetched from the delivery service
	MsgRoster      = "roster"      // the members' KeyPackages, from the delivery service to a joiner
	MsgWelcome     = "welcome"     // the group key sealed to a joiner
	MsgAdd         = "add"         // the joiners' KeyPackages, announced to the group
	MsgRemove      = "remove"      // a removal, announced to the group
	MsgUpdate      = "update"      // a member's new KeyPackage, announced to the group
	MsgKeyWrap     = "key_wrap"    // a new group key sealed to one member
	MsgApplication = "application"
)

// MessageKinds lists the kinds of message a static group sends.
var MessageKinds = []string{MsgKeyPackage, MsgRoster, MsgWelcome, MsgAdd, MsgRemove, MsgUpdate, MsgKeyWrap, MsgApplication}

// groupID is the group's identifier on the wire.
var groupID = []byte("cgkalab-group")

// groupKey is one generation of the group key.
type groupKey struct {
	gen    uint32
	secret []byte // what is sealed to the members (KDF.Nh bytes)
	aead   []byte // AEAD key of application messages
	auth   []byte // a value every holder agrees on (Outcome.Authenticator)
}

// member is one member's own state.
type member struct {
	id      protocol.MemberID
	wrapKey *suite.HPKEPrivateKey
	sigKey  *suite.SignaturePrivateKey
	kp      *KeyPackage
	keys    map[uint32]*groupKey // every generation it holds, kept to read history
	gen     uint32               // the newest generation it holds
	backlog []queued             // full mode: what it missed while offline
}

type queued struct {
	kind string
	data []byte
}

// Group is a simulated static-key group.
type Group struct {
	env   protocol.Env
	suite *suite.Suite
	opts  Options
	full  bool

	members map[protocol.MemberID]*member
	order   []protocol.MemberID          // join order: the roster's order
	sigKeys map[protocol.MemberID][]byte // every member's signature key, departed ones included
	truth   []*groupKey                  // the group key of each generation: ground truth
	outs    []*protocol.Outcome          // the outcomes of the intent being applied
	hist    protocol.History
}

// New creates an empty static group; a Create intent populates it.
func New(env protocol.Env) (protocol.Group, error) {
	s, err := suite.ByID(suite.ID(env.Suite))
	if err != nil {
		return nil, err
	}
	switch env.Mode {
	case protocol.Full, protocol.Sampled:
	default:
		return nil, fmt.Errorf("static: unknown fidelity mode %q", env.Mode)
	}
	if env.Rand == nil || env.Pick == nil || env.Online == nil || env.Members == nil {
		return nil, errors.New("static: environment lacks randomness, an online predicate or the member list")
	}
	if env.Mode == protocol.Sampled && env.Sample < 1 {
		return nil, fmt.Errorf("static: sampled mode needs at least 1 receiver, got %d", env.Sample)
	}
	opts, err := ParseOptions(env.Options)
	if err != nil {
		return nil, err
	}
	if env.Choose == nil {
		env.Choose = env.Pick
	}
	return &Group{env: env, suite: s, opts: opts, full: env.Mode == protocol.Full,
		members: map[protocol.MemberID]*member{}, sigKeys: map[protocol.MemberID][]byte{}}, nil
}

// Epoch implements protocol.Group: the group key's generation.
func (g *Group) Epoch() uint64 {
	if len(g.truth) == 0 {
		return 0
	}
	return uint64(len(g.truth) - 1)
}

// Members implements protocol.Group.
func (g *Group) Members() int { return len(g.members) }

func (g *Group) current() *groupKey { return g.truth[len(g.truth)-1] }

// newClient makes a client's wrap key, signature key and KeyPackage from
// the protocol's random stream.
func (g *Group) newClient(id protocol.MemberID) (*member, error) {
	m := &member{id: id, keys: map[uint32]*groupKey{}}
	if err := g.newWrapKey(m); err != nil {
		return nil, err
	}
	return m, nil
}

// newWrapKey gives m a fresh wrap key (and on first use a signature key)
// and signs its KeyPackage.
func (g *Group) newWrapKey(m *member) error {
	ikm, err := g.random(g.suite.Nh())
	if err != nil {
		return err
	}
	if m.wrapKey, err = g.suite.DeriveKeyPair(ikm); err != nil {
		return fmt.Errorf("static: wrap key of %d: %w", m.id, err)
	}
	if m.sigKey == nil {
		if m.sigKey, err = g.suite.GenerateSignatureKey(g.env.Rand); err != nil {
			return fmt.Errorf("static: signature key of %d: %w", m.id, err)
		}
	}
	m.kp, err = newKeyPackage(g.suite, uint32(m.id), m.wrapKey.PublicKey(), m.sigKey)
	return err
}

func (g *Group) random(n int) ([]byte, error) {
	b := make([]byte, n)
	if _, err := g.env.Rand.Read(b); err != nil {
		return nil, fmt.Errorf("static: random stream: %w", err)
	}
	return b, nil
}

// deriveKey expands a group secret into its AEAD key and authenticator.
func (g *Group) deriveKey(gen uint32, secret []byte) *groupKey {
	return &groupKey{gen: gen, secret: secret,
		aead: g.suite.ExpandWithLabel(secret, "static application key", nil, g.suite.AEADKeySize()),
		auth: g.suite.DeriveSecret(secret, "static authenticator")}
}

// newGeneration draws the next group key; its creator holds it.
func (g *Group) newGeneration(creator *member, ops *protocol.Ops) (*groupKey, error) {
	secret, err := g.random(g.suite.Nh())
	if err != nil {
		return nil, err
	}
	k := g.deriveKey(uint32(len(g.truth)), secret)
	ops.DeriveSecret += 2
	g.truth = append(g.truth, k)
	creator.keys[k.gen] = k
	creator.gen = k.gen
	return k, nil
}

// roster returns the current members' KeyPackages in join order.
func (g *Group) roster() []*KeyPackage {
	kps := make([]*KeyPackage, len(g.order))
	for i, id := range g.order {
		kps[i] = g.members[id].kp
	}
	return kps
}

func (g *Group) addMember(m *member) {
	g.members[m.id] = m
	g.order = append(g.order, m.id)
	g.sigKeys[m.id] = m.sigKey.PublicKey()
}

func (g *Group) dropMember(id protocol.MemberID) {
	delete(g.members, id)
	if i := slices.Index(g.order, id); i >= 0 {
		g.order = slices.Delete(g.order, i, i+1)
	}
}

// seal makes a KeyWrap of key k from sender to the holder of kp.
func (g *Group) seal(sender *member, kp *KeyPackage, k *groupKey, rosterHash []byte, ops *protocol.Ops) ([]byte, error) {
	w := &KeyWrap{GroupID: groupID, Generation: k.gen, Sender: uint32(sender.id), Recipient: kp.Member, RosterHash: rosterHash}
	var err error
	w.KEMOutput, w.Ciphertext, err = g.suite.EncryptWithLabel(kp.WrapKey, labelGroupKey, w.context(), k.secret, g.env.Rand)
	if err != nil {
		return nil, fmt.Errorf("static: sealing generation %d to %d: %w", k.gen, kp.Member, err)
	}
	if w.Signature, err = g.suite.SignWithLabel(sender.sigKey, labelKeyWrap, w.tbs()); err != nil {
		return nil, err
	}
	ops.Encrypt++
	ops.Sign++
	return w.Bytes(), nil
}

// handshake signs and encodes a Handshake from sender.
func (g *Group) handshake(sender *member, h *Handshake, ops *protocol.Ops) ([]byte, error) {
	h.GroupID, h.Generation, h.Sender = groupID, uint32(g.Epoch()), uint32(sender.id)
	var err error
	if h.Signature, err = g.suite.SignWithLabel(sender.sigKey, labelHandshake, h.tbs()); err != nil {
		return nil, err
	}
	ops.Sign++
	return h.Bytes(), nil
}

// sample picks up to Sample online members, other than those excluded,
// to process a message for real (sampled mode).
func (g *Group) sample(candidates []protocol.MemberID, exclude func(protocol.MemberID) bool, needOnline bool) map[protocol.MemberID]bool {
	out := map[protocol.MemberID]bool{}
	n := len(candidates)
	for tries := 0; len(out) < g.env.Sample && tries < 4*g.env.Sample+32 && n > 0; tries++ {
		id := candidates[g.env.Pick.IntN(n)]
		if exclude(id) || needOnline && !g.env.Online(id) {
			continue
		}
		out[id] = true
	}
	return out
}

// receivers accumulates the receivers' measured work.
type receivers struct {
	ops      protocol.Ops
	n        int
	nanos    int64
	verified int
}

func (r *receivers) add(ops protocol.Ops, nanos int64, verified bool) {
	r.ops.Add(ops)
	r.n++
	r.nanos += nanos
	if verified {
		r.verified++
	}
}

// into sets out's receiver work to the mean per receiver.
func (r *receivers) into(out *protocol.Outcome) {
	out.Processed, out.Verified = r.n, r.verified
	if r.n == 0 {
		return
	}
	o, n := r.ops, r.n
	out.Receiver = protocol.Ops{Encrypt: o.Encrypt / n, Decrypt: o.Decrypt / n, DeriveKeyPair: o.DeriveKeyPair / n,
		DeriveSecret: o.DeriveSecret / n, Sign: o.Sign / n, Verify: o.Verify / n, AEAD: o.AEAD / n}
	out.ReceiverNanos = r.nanos / int64(n)
}

// broadcast delivers a message to every member other than from: in full
// mode online members process it now and offline ones queue it; in
// sampled mode the sampled members process it.
func (g *Group) broadcast(from protocol.MemberID, kind string, data []byte, sampled map[protocol.MemberID]bool, rs *receivers) error {
	for _, id := range g.order {
		if id == from || !g.full && !sampled[id] {
			continue
		}
		if err := g.deliver(g.members[id], kind, data, rs); err != nil {
			return err
		}
	}
	return nil
}

// deliver has m process a message now if online, or queue it (full mode).
func (g *Group) deliver(m *member, kind string, data []byte, rs *receivers) error {
	if !g.env.Online(m.id) {
		m.backlog = append(m.backlog, queued{kind, data})
		return nil
	}
	t0 := g.env.Now()
	ops, verified, err := g.receive(m, kind, data)
	if err != nil {
		return err
	}
	rs.add(ops, g.env.Now()-t0, verified)
	return nil
}

// receive has member m process a message of the given kind for real.
// verified reports that a key it decrypted agrees with the ground truth.
func (g *Group) receive(m *member, kind string, data []byte) (ops protocol.Ops, verified bool, err error) {
	switch kind {
	case MsgApplication:
		return g.receiveApplication(m, data)
	case MsgAdd, MsgRemove, MsgUpdate:
		h, err := ParseHandshake(data)
		if err != nil {
			return ops, false, fmt.Errorf("member %d: %w", m.id, err)
		}
		ops.Verify++
		if err := g.suite.VerifyWithLabel(g.sigKeys[protocol.MemberID(h.Sender)], labelHandshake, h.tbs(), h.Signature); err != nil {
			return ops, false, fmt.Errorf("member %d: handshake from %d: %w", m.id, h.Sender, err)
		}
		return ops, false, nil
	case MsgKeyWrap:
		return g.receiveKeyWrap(m, data, nil)
	}
	return ops, false, fmt.Errorf("static: member %d cannot process a %q message", m.id, kind)
}

// receiveKeyWrap has m open a KeyWrap addressed to it; roster, for a
// Welcome, is the roster fetched from the delivery service, whose hash
// the Welcome must carry and which holds the sender's signature key.
func (g *Group) receiveKeyWrap(m *member, data []byte, roster []byte) (ops protocol.Ops, verified bool, err error) {
	w, err := ParseKeyWrap(data)
	if err != nil {
		return ops, false, fmt.Errorf("member %d: %w", m.id, err)
	}
	if w.Recipient != uint32(m.id) || !bytes.Equal(w.GroupID, groupID) {
		return ops, false, fmt.Errorf("member %d: key wrap for %d in group %q", m.id, w.Recipient, w.GroupID)
	}
	sigKey := g.sigKeys[protocol.MemberID(w.Sender)]
	if roster != nil {
		if !bytes.Equal(g.suite.Hash(roster), w.RosterHash) {
			return ops, false, fmt.Errorf("member %d: the roster does not match the Welcome's roster hash", m.id)
		}
		kps, err := ParseRoster(roster)
		if err != nil {
			return ops, false, fmt.Errorf("member %d: %w", m.id, err)
		}
		i := slices.IndexFunc(kps, func(k *KeyPackage) bool { return k.Member == w.Sender })
		if i < 0 {
			return ops, false, fmt.Errorf("member %d: Welcome from %d, who is not in the roster", m.id, w.Sender)
		}
		sigKey = kps[i].SignatureKey
	}
	ops.Verify++
	if err := g.suite.VerifyWithLabel(sigKey, labelKeyWrap, w.tbs(), w.Signature); err != nil {
		return ops, false, fmt.Errorf("member %d: key wrap from %d: %w", m.id, w.Sender, err)
	}
	ops.Decrypt++
	secret, err := g.suite.DecryptWithLabel(m.wrapKey, labelGroupKey, w.context(), w.KEMOutput, w.Ciphertext)
	if err != nil {
		return ops, false, fmt.Errorf("member %d: key wrap from %d: %w", m.id, w.Sender, err)
	}
	k := g.deriveKey(w.Generation, secret)
	ops.DeriveSecret += 2
	if int(w.Generation) >= len(g.truth) || !bytes.Equal(k.auth, g.truth[w.Generation].auth) {
		return ops, false, fmt.Errorf("member %d: generation %d: decrypted a different group key than its sender's", m.id, w.Generation)
	}
	m.keys[k.gen] = k
	m.gen = max(m.gen, k.gen)
	return ops, true, nil
}

// receiveApplication has m decrypt and verify an application message.
func (g *Group) receiveApplication(m *member, data []byte) (ops protocol.Ops, verified bool, err error) {
	a, err := ParseApplication(g.suite, data)
	if err != nil {
		return ops, false, fmt.Errorf("member %d: %w", m.id, err)
	}
	k, ok := m.keys[a.Generation]
	if !ok {
		return ops, false, fmt.Errorf("member %d: message from %d under generation %d, which it does not hold", m.id, a.Sender, a.Generation)
	}
	ops.AEAD++
	aad := a.aad()
	pt, err := g.suite.Open(k.aead, a.Nonce, aad, a.Ciphertext)
	if err != nil {
		return ops, false, fmt.Errorf("member %d: message from %d: %w", m.id, a.Sender, err)
	}
	content, sig, err := parseContent(pt)
	if err != nil {
		return ops, false, fmt.Errorf("member %d: message from %d: %w", m.id, a.Sender, err)
	}
	ops.Verify++
	if err := g.suite.VerifyWithLabel(g.sigKeys[protocol.MemberID(a.Sender)], labelContent, contentTBS(aad, content), sig); err != nil {
		return ops, false, fmt.Errorf("member %d: message from %d: %w", m.id, a.Sender, err)
	}
	return ops, false, nil
}

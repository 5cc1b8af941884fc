// Package mlsgroup drives an RFC 9420 group of simulated members through
// models/protocol, in three fidelity modes.
//
// Full mode: every member holds its own mls.Group and processes every
// message for real; an offline member queues what it misses and processes
// it in order when it syncs.
//
// Sampled mode: one mls.Group holds the public state every member shares
// by construction (tree, epoch secrets, proposal cache). The actor performs
// its operation for real; Sample receivers, chosen at random among the
// online members, process each commit and proposal for real (one receiver
// each application message), each inside a stage that is rolled back,
// except the last commit receiver, whose processing moves the shared state
// to the new epoch; every commit receiver must reach the committer's epoch
// authenticator. Members that were not sampled keep no state of their own
// beyond their leaf and signature keys (serialized until they act): the
// simulation knows the path secret behind every parent node's key (the
// committers' ground truth), so a member's private view is its leaf key
// plus, when the protocol asks for one, the key of a non-blank ancestor it
// knows (one whose unmerged leaves do not list it), derived from that path
// secret with no HPKE work. Bytes are exact in both modes; receiver cost is
// what sampled receivers measured.
//
// Scaled mode is sampled mode for groups far larger than any sample, with
// the work that no simulated member will ever consume accounted instead of
// performed (mls.Accounting):
//
//   - Real: the tree, every key pair and path secret, every LeafNode and
//     its signature, tree and parent hashes, the committer's signature and
//     membership tag, GroupInfo and its signature and encryption, the key
//     schedule, every KeyPackage with its keys and both signatures, and the
//     creator's verification of each; and the receivers' processing, which
//     is chosen before the commit is made, so that the UpdatePath
//     ciphertext each receiver decrypts (the one for the resolution entry
//     covering its leaf) is computed for real; each must reach the
//     committer's epoch authenticator. The receivers share the commit's
//     parse and the checks that depend only on its bytes and on what every
//     receiver holds alike (signature, membership tag, transcript hash:
//     mls.MLSMessage.KeepContentEncoding); the first performs them, and
//     its measured time is the receivers' CPU.
//   - One of the Sample receivers drawn for a proposal processes it (each
//     would do the same work, in a stage that is rolled back): Receiver
//     operations are the same mean, Processed counts the one.
//   - Accounted: every other UpdatePath ciphertext, and every joiner's
//     encrypted GroupSecrets in a Welcome (no member processes a Welcome in
//     the sampled modes): exact length (KEM output Nenc; plaintext plus the
//     AEAD tag), zero filler bytes, counted in Ops.Encrypt, the random
//     stream advanced exactly as the real encryption advances it, no
//     public-key work. Ciphertexts of a lost commit, which nobody
//     processes, are all accounted.
//   - Application messages: the first Sample of each epoch are sent and
//     received for real; the others are accounted
//     (mls.Group.AccountApplication): the receiver is drawn as in sampled
//     mode, the sender's and receiver's ratchets move to the next
//     generation, the reuse guard is drawn, and the message has its exact
//     length and counted operations, with no signature, encryption or
//     verification. At 10^5 members the default workload sends over a
//     million a day, each a signature and a verification. Suites whose
//     signature lengths vary (ECDSA) send them all for real, as does
//     content from a protocol built on the group (SendContent).
//
// Bytes per message, operation counts, trees and the oracle's answers are
// those of sampled mode, run for run; the epoch authenticators are not,
// because the transcript hashes the filler (the receivers' checks compare
// authenticators within the run). Signatures are fixed-length for EdDSA
// and ML-DSA; a DER-encoded ECDSA signature over a transcript with filler
// may differ by a byte from the one over real ciphertexts. Measured CPU is
// what ran: compare modes by the modelled CPU columns (operation counts
// times the run's calibration, Calibrate).
//
// Encryption edges for the security oracle are not listed in Outcomes in
// any mode: RevealedBy answers for each key the oracle learns, from a
// per-node history of key changes (edges.go). Groups may start built (one
// creator adding everyone), warm or churned (shape.go).
package mlsgroup

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"maps"
	"slices"
	"time"

	"cgkalab/models/mls"
	"cgkalab/models/protocol"
	rt "cgkalab/models/ratchettree"
	"cgkalab/models/suite"
	"cgkalab/models/treekem"
	tm "cgkalab/models/treemath"
)

// joiner is a client whose KeyPackage is in a pending Add.
type joiner struct {
	id     protocol.MemberID
	bundle *mls.KeyPackageBundle
	kp     *publishedKP // the published KeyPackage it came from, or nil
	// m is the joiner's record made ahead, its keys serialized and the
	// bundle's private keys dropped (group creation in the sampled modes,
	// where nobody processes a Welcome), or nil.
	m *member
}

// Group is a simulated MLS group.
type Group struct {
	env   protocol.Env
	suite *suite.Suite
	cfg   mls.Config
	full  bool
	// scaled accounts the encryptions no sampled member decrypts.
	scaled bool

	members []*member           // by MemberID; nil for non-members (members.go)
	count   int                 // members now
	order   joinOrder           // members in join order, for sampling
	byLeaf  []protocol.MemberID // by leaf index; noMember for none
	joiners map[string]joiner   // by KeyPackage init key
	// creating lists the creation commit's joiners in the order it adds
	// them, instead of joiners (a million entries in a map cost more).
	creating []joiner
	// leafPrivLen is the length of a serialized leaf private key (member.priv).
	leafPrivLen int

	edges  *edgeLog    // what each commit encrypted to, on demand, and the tree's encoded size
	canon  *mls.Group  // sampled: the shared public state
	ground groundTruth // sampled modes: the path secrets behind parent keys
	latest *mls.Group  // full: the last committer's state, current by construction

	opts      Options
	pending   int                 // proposals waiting for a commit
	pendingBy protocol.MemberID   // who proposed last, for committer: self
	outs      []*protocol.Outcome // the outcomes of the intent being applied
	observe   Observer            // hooks.go
	service   *service            // the delivery service as an external sender (external.go), or nil
	groupInfo []byte              // the GroupInfo the last committer published (rejoin.go), or nil

	// Pre-published KeyPackages (keypool.go), when Options.KeyPackages
	// is set: each client's pool, and every KeyPackage ever published.
	pools     map[protocol.MemberID]*keyPool
	published []*publishedKP
	// rejoins tracks same-client rejoins by Welcome (rejoin.go).
	rejoins rejoinState
	// at is the virtual time of the intent being applied (Intent.Now).
	at time.Duration
	// realSends counts the epoch's application messages sent for real
	// (scaled mode accounts those after the first Sample: send).
	realSends struct {
		epoch     uint64
		n         int
		accounted int // in the whole run
	}
}

// New creates an empty simulated group; OpCreate populates it.
func New(env protocol.Env) (protocol.Group, error) {
	s, err := suite.ByID(suite.ID(env.Suite))
	if err != nil {
		return nil, err
	}
	switch env.Mode {
	case protocol.Full, protocol.Sampled, protocol.Scaled:
	default:
		return nil, fmt.Errorf("mlsgroup: unknown fidelity mode %q", env.Mode)
	}
	if env.Rand == nil || env.Pick == nil || env.Online == nil {
		return nil, errors.New("mlsgroup: environment lacks randomness or an online predicate")
	}
	opts, err := ParseOptions(env.Options)
	if err != nil {
		return nil, err
	}
	if env.Choose == nil {
		env.Choose = env.Pick
	}
	if env.Members == nil {
		return nil, errors.New("mlsgroup: environment lacks the member list")
	}
	probe, err := s.DeriveKeyPair(make([]byte, s.Nh()))
	if err != nil {
		return nil, err
	}
	return &Group{env: env, suite: s, rejoins: rejoinState{current: noMember}, cfg: mls.Config{RetainEpochs: env.RetainEpochs}, full: env.Mode == protocol.Full, scaled: env.Mode == protocol.Scaled,
		joiners: map[string]joiner{}, leafPrivLen: len(probe.Bytes()), ground: groundTruth{nh: s.Nh()}, edges: newEdgeLog(), opts: opts,
		pools: map[protocol.MemberID]*keyPool{}}, nil
}

// ref returns a state at the group's current epoch: the shared one in
// sampled mode, the last committer's in full mode.
func (g *Group) ref() *mls.Group {
	if g.canon != nil {
		return g.canon
	}
	return g.latest
}

// Epoch implements protocol.Group.
func (g *Group) Epoch() uint64 {
	if g.ref() == nil {
		return 0
	}
	return g.ref().Epoch()
}

// Members implements protocol.Group.
func (g *Group) Members() int { return g.count }

// tree returns the public tree.
func (g *Group) tree() *rt.Tree { return g.ref().Tree() }

// now reads the injected clock.
func (g *Group) now() int64 { return g.env.Now() }

// keyPackage creates a client's KeyPackage with keys from the protocol's
// random stream.
func (g *Group) keyPackage(id protocol.MemberID) (*mls.KeyPackageBundle, error) {
	return g.keyPackageFrom(id, g.env.Rand)
}

// keyPackageFrom creates a client's KeyPackage with keys from rand.
func (g *Group) keyPackageFrom(id protocol.MemberID, rand io.Reader) (*mls.KeyPackageBundle, error) {
	return mls.NewKeyPackage(g.suite, fmt.Appendf(nil, "client-%d", id), nil, rt.Lifetime{NotBefore: 0, NotAfter: 1 << 62}, rand)
}

// create makes the group: the actor creates it and commits Adds of all
// targets with a path, as one creator adding everyone.
func (g *Group) create(actor protocol.MemberID, targets []protocol.MemberID) (*protocol.Outcome, error) {
	if g.ref() != nil {
		return nil, errors.New("mlsgroup: group created twice")
	}
	if k := g.env.Shape.Kind; k != "" && k != protocol.ShapeBuilt {
		out, err := g.createShaped(actor, targets)
		if err != nil {
			return nil, err
		}
		return out, g.startExtensions()
	}
	exts, err := g.serviceExtensions()
	if err != nil {
		return nil, err
	}
	kp, err := g.creatorKeyPackage(actor, targets)
	if err != nil {
		return nil, err
	}
	t0 := g.now()
	grp, err := mls.NewGroup(g.suite, []byte("cgkalab-group"), kp, exts, g.cfg, g.env.Rand)
	if err != nil {
		return nil, err
	}
	m := g.newMember(actor, 0, kp.LeafKey, kp.SigKey)
	g.addMember(m)
	if g.full {
		m.state().state = grp
		g.latest = grp
	} else {
		g.canon = grp
	}
	out := &protocol.Outcome{Label: "create", Actor: actor, Sequenced: true, SenderNanos: g.now() - t0}
	if len(targets) == 0 {
		return out, nil
	}
	// The creator adds everyone by value in one commit, having checked
	// their KeyPackages on every core.
	props, bundles, err := g.adds(actor, targets, out, g.full)
	if err != nil {
		return nil, err
	}
	if !g.full {
		g.creating = make([]joiner, len(targets))
		for i, b := range bundles {
			// Keep what the joiner's record needs, serialized; no Welcome
			// is processed, so the init key goes.
			m := g.newMember(targets[i], 0, b.LeafKey, b.SigKey)
			b.InitKey = nil
			if m.live == nil {
				b.LeafKey, b.SigKey = nil, nil
			}
			g.creating[i] = joiner{id: targets[i], bundle: b, m: m}
		}
	}
	kps := make([]*mls.KeyPackage, len(props))
	for i, p := range props {
		kps[i] = p.Add
	}
	t0 = g.now()
	if err := mls.ValidateKeyPackages(g.suite, kps, g.cfg.Now); err != nil {
		return nil, fmt.Errorf("mlsgroup: creator validating KeyPackages: %w", err)
	}
	out.SenderNanos += g.now() - t0
	c, err := g.doCommit(actor, true, props)
	g.creating = nil
	if err != nil {
		return nil, err
	}
	c.Messages = append(out.Messages, c.Messages...)
	c.SenderNanos += out.SenderNanos
	c.Label, c.Actor, c.Sequenced = out.Label, out.Actor, true
	return c, nil
}

// adds makes a KeyPackage for each of op's targets, which the actor
// fetches from the delivery service, and returns their Add proposals; with
// register, the joiners are noted for the Welcome that admits them.
func (g *Group) adds(actor protocol.MemberID, targets []protocol.MemberID, out *protocol.Outcome, register bool) ([]*mls.Proposal, []*mls.KeyPackageBundle, error) {
	if g.pooled() {
		return g.addsPublished(actor, targets, out, register)
	}
	bundles, err := g.keyPackages(targets)
	if err != nil {
		return nil, nil, err
	}
	props := make([]*mls.Proposal, 0, len(targets))
	out.Messages = slices.Grow(out.Messages, len(targets))
	to := []protocol.MemberID{actor} // shared by every KeyPackage fetched
	for i, id := range targets {
		b := bundles[i]
		if register {
			g.joiners[string(b.KeyPackage.InitKey)] = joiner{id: id, bundle: b}
		}
		props = append(props, &mls.Proposal{Type: mls.ProposalAdd, Add: b.KeyPackage})
		out.Messages = append(out.Messages, protocol.Message{Kind: MsgKeyPackage, Bytes: len(b.KeyPackage.Bytes()), FromDS: true, To: to})
	}
	return props, bundles, nil
}

// actAs returns the mls.Group through which member m acts.
func (g *Group) actAs(m *member) *mls.Group {
	if g.full {
		return m.state().state
	}
	g.canon.AssumeMember(g.view(m), g.sigKey(m), m.pendingUpdates(true))
	return g.canon
}

// actAsLight is actAs; proposals and application messages use no node
// key of the tree, and a view derives none until asked.
func (g *Group) actAsLight(m *member) *mls.Group { return g.actAs(m) }

// assume has the shared state take on receiver m's private state, its
// pending Update keys copied, to process a message in a stage; receivers
// sign nothing.
func (g *Group) assume(m *member) {
	g.canon.AssumeMember(g.view(m), nil, maps.Clone(m.pendingUpdates(false)))
}

// assumeLight is assume.
func (g *Group) assumeLight(m *member) { g.assume(m) }

// view returns member m's private view (sampled modes): its leaf key, when
// first needed, and the key of any ancestor it knows, derived from the
// ground truth path secret (RFC 9420, Section 7.4). A member knows a non-blank
// ancestor whose unmerged leaves do not list it (the tree invariant of
// Section 4.2): every such key was set by a commit whose path secrets the
// simulation holds, or by the group's starting shape.
func (g *Group) view(m *member) *treekem.PrivateView {
	v := treekem.NewPrivateView(g.suite, m.leaf, nil)
	leaf := m.leaf
	v.SetKeySource(func(x tm.NodeIndex) *suite.HPKEPrivateKey {
		if x == leaf.Node() {
			return g.leafKey(m) // parsed when first needed: sends and proposals need none
		}
		ps, ok := g.known(leaf, x)
		if !ok {
			return nil
		}
		k, err := g.suite.DeriveKeyPair(g.suite.DeriveSecret(ps, "node"))
		if err != nil {
			panic(fmt.Sprintf("mlsgroup: ground truth for node %d: %v", x, err))
		}
		return k
	})
	return v
}

// known returns the path secret of ancestor x of leaf if the member there
// knows x's key.
func (g *Group) known(leaf tm.LeafIndex, x tm.NodeIndex) ([]byte, bool) {
	if x.IsLeaf() || !tm.InSubtree(leaf.Node(), x) {
		return nil, false
	}
	p := g.tree().ParentNode(x)
	if p == nil {
		return nil, false
	}
	if _, unmerged := slices.BinarySearch(p.UnmergedLeaves, leaf); unmerged {
		return nil, false
	}
	return g.ground.get(x)
}

// broadcast delivers a handshake message to the other members in full
// mode: online ones process it now, offline ones queue it.
func (g *Group) broadcast(from protocol.MemberID, encoded []byte, out *protocol.Outcome) error {
	var nanos int64
	var err error
	g.order.each(func(id protocol.MemberID) {
		if err != nil {
			return
		}
		err = g.deliver(id, from, encoded, out, &nanos)
	})
	if err != nil {
		return err
	}
	averageReceiver(out, nanos)
	return nil
}

// deliver has member id receive a handshake or application message in
// full mode.
func (g *Group) deliver(id, from protocol.MemberID, encoded []byte, out *protocol.Outcome, nanos *int64) error {
	m := g.member(id)
	if id == from || m.live == nil || m.live.state == nil {
		return nil
	}
	st := m.live
	msg, err := mls.ParseMLSMessage(encoded)
	if err != nil {
		return err
	}
	if !g.env.Online(id) || len(st.backlog) > 0 {
		// Offline, or back online but not yet caught up: messages are
		// processed in order.
		st.backlog = append(st.backlog, msg)
		return nil
	}
	t0 := g.now()
	r, err := st.state.Process(msg)
	*nanos += g.now() - t0
	if err != nil {
		return fmt.Errorf("member %d processing a message from %d: %w", id, from, err)
	}
	out.Processed++
	if r.Outcome != nil {
		out.Receiver.Add(r.Outcome.Ops)
	} else {
		out.Receiver.Verify++
		out.Receiver.AEAD++
	}
	g.observed(id, r)
	return nil
}

// averageReceiver turns summed receiver work into the mean per receiver.
func averageReceiver(out *protocol.Outcome, nanos int64) {
	n := out.Processed
	if n == 0 {
		return
	}
	r := &out.Receiver
	r.Encrypt, r.Decrypt, r.DeriveKeyPair, r.DeriveSecret = r.Encrypt/n, r.Decrypt/n, r.DeriveKeyPair/n, r.DeriveSecret/n
	r.Sign, r.Verify, r.AEAD = r.Sign/n, r.Verify/n, r.AEAD/n
	out.ReceiverNanos = nanos / int64(n)
}

// sample picks up to Sample online members other than those excluded.
func (g *Group) sample(exclude func(protocol.MemberID) bool) []protocol.MemberID {
	var out []protocol.MemberID
	n := g.order.len()
	for tries := 0; len(out) < g.env.Sample && tries < 4*g.env.Sample+32 && n > 0; tries++ {
		id := g.order.at(g.env.Pick.IntN(n))
		if exclude(id) || !g.env.Online(id) || slices.Contains(out, id) {
			continue
		}
		out = append(out, id)
	}
	return out
}

// commitExcludes is who cannot receive a commit by actor that removes the
// members at the leaves removed.
func (g *Group) commitExcludes(actor protocol.MemberID, removed []tm.LeafIndex) func(protocol.MemberID) bool {
	return func(x protocol.MemberID) bool {
		return x == actor || slices.Contains(removed, g.member(x).leaf)
	}
}

// propose sends Add, Remove or Update proposals from the actor.
// kind is "add", "remove" or "update".
func (g *Group) propose(kind string, actor protocol.MemberID, targets []protocol.MemberID) (*protocol.Outcome, error) {
	m := g.member(actor)
	out := &protocol.Outcome{Actor: actor}
	var props []*mls.Proposal
	switch kind {
	case "add":
		var err error
		if props, _, err = g.adds(actor, targets, out, true); err != nil {
			return nil, err
		}
	case "remove":
		for _, id := range targets {
			t := g.member(id)
			if t == nil {
				return &protocol.Outcome{Actor: actor, Rejected: fmt.Sprintf("remove of non-member %d", id)}, nil
			}
			props = append(props, &mls.Proposal{Type: mls.ProposalRemove, Remove: uint32(t.leaf)})
		}
	}
	for i := 0; i < max(1, len(props)); i++ {
		grp := g.actAsLight(m)
		t0 := g.now()
		var msg *mls.MLSMessage
		var err error
		if kind == "update" {
			msg, err = grp.ProposeUpdate(mls.WirePublicMessage, g.env.Rand)
		} else {
			msg, err = grp.Propose(props[i], mls.WirePublicMessage, g.env.Rand)
		}
		out.SenderNanos += g.now() - t0
		if err != nil {
			return nil, fmt.Errorf("member %d proposing: %w", actor, err)
		}
		out.Sender.Sign++
		if kind == "update" {
			g.registerPending(m)
		}
		encoded := msg.Bytes()
		out.Messages = append(out.Messages, protocol.Message{Kind: MsgProposal, Bytes: len(encoded)})
		if g.full {
			if err := g.broadcast(actor, encoded, out); err != nil {
				return nil, err
			}
		} else if err := g.sampleProposal(actor, encoded, out); err != nil {
			return nil, err
		}
	}
	out.Epoch = g.Epoch()
	return out, nil
}

// sampleProposal has sampled receivers process a proposal for real, each
// in a stage rolled back: the shared cache already holds the proposal. In
// scaled mode one of them does (see the package documentation).
func (g *Group) sampleProposal(from protocol.MemberID, encoded []byte, out *protocol.Outcome) error {
	var nanos int64
	receivers := g.sample(func(x protocol.MemberID) bool { return x == from })
	if g.scaled {
		// Every receiver does the same work for a proposal, in a stage
		// nobody keeps: one measures it (the draws are sampled mode's).
		receivers = receivers[:min(1, len(receivers))]
	}
	for _, id := range receivers {
		m := g.member(id)
		msg, err := mls.ParseMLSMessage(encoded)
		if err != nil {
			return err
		}
		st := g.canon.Stage()
		g.assumeLight(m)
		t0 := g.now()
		_, err = g.canon.Process(msg)
		nanos += g.now() - t0
		g.canon.Unstage(st, false)
		if err != nil {
			return fmt.Errorf("sampled member %d processing a proposal from %d: %w", id, from, err)
		}
		out.Processed++
		out.Receiver.Verify++
	}
	averageReceiver(out, nanos)
	return nil
}

// lostCommit creates a commit that the delivery service refuses: its bytes
// and the committer's work are real, then it is dropped.
func (g *Group) lostCommit(actor protocol.MemberID, path bool) (*protocol.Outcome, error) {
	opts := mls.CommitOptions{ByReference: true, OmitPath: !path}
	if g.scaled {
		opts.Accounting = &mls.Accounting{Welcome: true} // nobody processes it
	}
	grp := g.actAs(g.member(actor))
	t0 := g.now()
	st, err := grp.Commit(opts, g.env.Rand)
	nanos := g.now() - t0
	if err != nil {
		if errors.Is(err, mls.ErrRejected) {
			return &protocol.Outcome{Rejected: err.Error()}, nil
		}
		return nil, fmt.Errorf("member %d committing: %w", actor, err)
	}
	out := &protocol.Outcome{Sender: st.Outcome.Ops, SenderNanos: nanos, Path: st.Outcome.Path != nil,
		Messages: []protocol.Message{{Kind: MsgCommit, Bytes: st.Outcome.CommitBytes, Refused: true}}}
	return out, grp.Discard(st)
}

// doCommit has actor commit the pending proposals by reference, or the
// given ones inline (group creation), and every receiver process it.
func (g *Group) doCommit(actor protocol.MemberID, path bool, inline []*mls.Proposal) (*protocol.Outcome, error) {
	opts := mls.CommitOptions{ByReference: true, OmitPath: !path}
	if inline != nil {
		opts = mls.CommitOptions{Inline: inline}
	}
	m := g.member(actor)
	grp := g.actAs(m)
	var receivers []protocol.MemberID
	if g.scaled {
		// The receivers are chosen first, so that only their ciphertexts
		// are computed: the same draws sampled mode makes after the
		// commit, excluding the members the commit removes.
		receivers = g.sample(g.commitExcludes(actor, grp.PendingRemovals()))
		opts.Accounting = &mls.Accounting{Welcome: true}
		for _, id := range receivers {
			opts.Accounting.Readers = append(opts.Accounting.Readers, g.member(id).leaf)
		}
	}
	t0 := g.now()
	st, err := grp.Commit(opts, g.env.Rand)
	senderNanos := g.now() - t0
	if err != nil {
		if errors.Is(err, mls.ErrRejected) {
			return &protocol.Outcome{Rejected: err.Error()}, nil
		}
		return nil, fmt.Errorf("member %d committing: %w", actor, err)
	}
	res := st.Outcome
	out := &protocol.Outcome{Sender: res.Ops, SenderNanos: senderNanos, Path: res.Path != nil}
	encoded := st.CommitBytes
	out.Messages = append(out.Messages, protocol.Message{Kind: MsgCommit, Bytes: len(encoded)})
	auth := bytes.Clone(st.EpochAuthenticator())
	newView := st.View()
	// Members whose Update proposals this commit covers take the keys they
	// proposed: read them now, while the staged tree holds the new leaves.
	newLeafKeys := map[tm.LeafIndex]*suite.HPKEPrivateKey{}
	for _, l := range res.Updated {
		id, _ := g.atLeaf(l)
		if k, ok := g.member(id).pendingUpdates(false)[string(grp.Tree().Leaf(l).EncryptionKey)]; ok {
			newLeafKeys[l] = k
		}
	}

	if g.full {
		if err := g.broadcast(actor, encoded, out); err != nil {
			return nil, err
		}
		if err := grp.Apply(st); err != nil {
			return nil, err
		}
		g.latest = grp
		var err error
		g.order.each(func(id protocol.MemberID) {
			o := g.member(id)
			if err != nil || o.live == nil || o.live.state == nil || id == actor || !g.env.Online(id) || len(o.live.backlog) > 0 || slices.Contains(res.Removed, o.leaf) {
				return
			}
			if !bytes.Equal(o.live.state.EpochAuthenticator(), auth) {
				err = fmt.Errorf("epoch %d: member %d reached a different epoch authenticator than committer %d", grp.Epoch(), id, actor)
			}
			out.Verified++
		})
		if err != nil {
			return nil, err
		}
	} else {
		if !g.scaled {
			receivers = g.sample(g.commitExcludes(actor, res.Removed))
		}
		if len(receivers) == 0 {
			if err := g.canon.Apply(st); err != nil {
				return nil, err
			}
		} else {
			if err := g.canon.Discard(st); err != nil {
				return nil, err
			}
			// The receivers share one parse of the commit (outside their
			// measured processing, as each one's own parse would be): at
			// scale the UpdatePath holds thousands of ciphertexts. In
			// scaled mode they also share its encoding and the checks that
			// depend only on it and on what all of them hold (the
			// signature, membership tag and transcript hash, megabytes
			// hashed three times); the first receiver does all its work,
			// and its time is the receivers' measured cost.
			msg, err := mls.ParseMLSMessage(encoded)
			if err != nil {
				return nil, err
			}
			if g.scaled {
				msg.KeepContentEncoding()
			}
			var nanos int64
			for i, id := range receivers {
				r := g.member(id)
				stage := g.canon.Stage()
				g.assume(r)
				t0 := g.now()
				rec, err := g.canon.Process(msg)
				if t := g.now() - t0; !g.scaled {
					nanos += t
				} else if i == 0 {
					nanos = t * int64(len(receivers))
				}
				if err != nil {
					g.canon.Unstage(stage, false)
					return nil, fmt.Errorf("epoch %d: sampled member %d processing the commit of %d: %w", g.canon.Epoch(), id, actor, err)
				}
				if !bytes.Equal(g.canon.EpochAuthenticator(), auth) {
					return nil, fmt.Errorf("epoch %d: sampled member %d reached a different epoch authenticator than committer %d", g.canon.Epoch(), id, actor)
				}
				out.Receiver.Add(rec.Outcome.Ops)
				out.Processed++
				out.Verified++
				g.canon.Unstage(stage, i == len(receivers)-1)
			}
			averageReceiver(out, nanos)
		}
		for i, x := range res.Path {
			g.ground.set(x, res.PathSecrets[i])
		}
	}
	g.edges.record(g.tree(), g.Epoch(), m.leaf, res)
	if g.edges.check {
		if err := g.edges.verify(g.tree(), g.Epoch(), res); err != nil {
			return nil, err
		}
	}
	out.Security = g.security(m, res)
	if out.Path {
		out.Refreshed = append(out.Refreshed, actor)
	}
	// The committer's new keys and view.
	t := g.tree()
	ms := m.state()
	if leafKey := newView.Key(t, m.leaf.Node()); leafKey != nil {
		ms.leafKey = leafKey
	}
	clear(ms.pending)
	for _, l := range res.Updated {
		id, _ := g.atLeaf(l)
		out.Refreshed = append(out.Refreshed, id)
	}
	for l, k := range newLeafKeys {
		id, _ := g.atLeaf(l)
		u := g.member(id).state()
		u.leafKey = k
		clear(u.pending)
	}
	for _, l := range res.Removed {
		id, _ := g.atLeaf(l)
		out.Removed = append(out.Removed, id)
		g.dropMember(id)
	}
	if len(res.Added) > 0 {
		if err := g.welcome(actor, st, out); err != nil {
			return nil, err
		}
		g.sameClient(out)
	}
	out.Epoch = g.Epoch()
	return out, nil
}

// welcome admits the members a commit added: the Welcome (and the ratchet
// tree from the delivery service) goes to each; in full mode each joins
// for real.
func (g *Group) welcome(actor protocol.MemberID, st *mls.StagedCommit, out *protocol.Outcome) error {
	wBytes := st.WelcomeBytes
	treeBytes := g.edges.treeSize(g.tree())
	var joined []protocol.MemberID
	for i, j := range st.Outcome.Joiners {
		var jn joiner
		if g.creating != nil {
			jn = g.creating[i]
		} else {
			var ok bool
			if jn, ok = g.joiners[string(j.InitKey)]; !ok {
				return fmt.Errorf("mlsgroup: Welcome for an unknown KeyPackage at leaf %d", j.Leaf)
			}
			delete(g.joiners, string(j.InitKey))
		}
		m := jn.m
		if m == nil {
			m = g.newMember(jn.id, j.Leaf, jn.bundle.LeafKey, jn.bundle.SigKey)
		}
		m.leaf = j.Leaf
		if g.full {
			wm, err := mls.ParseMLSMessage(wBytes)
			if err != nil {
				return err
			}
			t0 := g.now()
			state, err := mls.Join(g.suite, wm.Welcome, jn.bundle, g.tree().Clone(), g.cfg)
			out.ReceiverNanos += g.now() - t0
			if err != nil {
				return fmt.Errorf("member %d joining: %w", jn.id, err)
			}
			m.state().state = state
		}
		g.addMember(m)
		joined = append(joined, jn.id)
	}
	if len(g.joiners) == 0 {
		g.joiners = map[string]joiner{} // a map keeps its buckets: drop a large one
	}
	out.Added = joined
	out.Messages = append(out.Messages,
		protocol.Message{Kind: MsgWelcome, Bytes: len(wBytes), To: joined},
		protocol.Message{Kind: MsgRatchetTree, Bytes: treeBytes, To: joined, FromDS: true})
	return nil
}

// send has the actor send an application message with the given content;
// in full mode every online member decrypts it, in sampled mode one
// receiver does (the shared secret tree deletes a key once used). In
// scaled mode, once Sample messages of the epoch have been sent and
// received for real, an accountable message is accounted
// (mls.Group.AccountApplication): the same receiver draw, exact length,
// counted operations, both ratchets moved, no signature or encryption.
// Content a protocol built on the group sends (SendContent) is never
// accounted: its receivers are observed.
func (g *Group) send(actor protocol.MemberID, content []byte, accountable bool) (*protocol.Outcome, error) {
	m := g.member(actor)
	out := &protocol.Outcome{Label: "send", Actor: actor, Sender: protocol.Ops{Sign: 1, AEAD: 2},
		Security: &protocol.Security{Protected: []protocol.Secret{epochSecret(g.Epoch())}}}
	if g.accountSend(accountable) {
		// Measured CPU stays zero: nothing of the protocol's sending or
		// receiving ran but two ratchet steps.
		receivers := g.sample(func(x protocol.MemberID) bool { return x == actor })
		n, err := g.canon.AccountApplication(m.leaf, content, nil, len(receivers) > 0, g.env.Rand)
		if err != nil {
			return nil, fmt.Errorf("member %d sending (accounted): %w", actor, err)
		}
		out.Messages = []protocol.Message{{Kind: MsgApplication, Bytes: n}}
		if len(receivers) > 0 {
			out.Processed, out.Receiver = 1, protocol.Ops{Verify: 1, AEAD: 2}
		}
		out.Epoch = g.Epoch()
		return out, nil
	}
	grp := g.actAsLight(m)
	t0 := g.now()
	msg, err := grp.SendApplication(content, nil, g.env.Rand)
	out.SenderNanos = g.now() - t0
	if err != nil {
		return nil, fmt.Errorf("member %d sending: %w", actor, err)
	}
	encoded := msg.Bytes()
	out.Messages = []protocol.Message{{Kind: MsgApplication, Bytes: len(encoded)}}
	if g.full {
		if err := g.broadcast(actor, encoded, out); err != nil {
			return nil, err
		}
	} else {
		receivers := g.sample(func(x protocol.MemberID) bool { return x == actor })
		for _, id := range receivers[:min(1, len(receivers))] {
			r := g.member(id)
			pm, err := mls.ParseMLSMessage(encoded)
			if err != nil {
				return nil, err
			}
			g.assumeLight(r)
			t0 := g.now()
			rec, err := g.canon.Process(pm)
			if err != nil {
				return nil, fmt.Errorf("sampled member %d decrypting a message from %d: %w", id, actor, err)
			}
			out.ReceiverNanos = g.now() - t0
			g.observed(id, rec)
			out.Processed, out.Receiver = 1, protocol.Ops{Verify: 1, AEAD: 2}
		}
	}
	out.Epoch = g.Epoch()
	return out, nil
}

// accountSend says whether the next application message is accounted
// (send), counting the messages of the epoch sent for real.
func (g *Group) accountSend(accountable bool) bool {
	if !g.scaled || g.suite.SignatureSize() == 0 {
		return false
	}
	if e := g.Epoch(); e != g.realSends.epoch {
		g.realSends.epoch, g.realSends.n = e, 0
	}
	if accountable && g.realSends.n >= g.env.Sample {
		g.realSends.accounted++
		return true
	}
	g.realSends.n++
	return false
}

// sync has a returning member process what it missed (full mode); in
// sampled mode its state follows from the shared one and nothing is run.
func (g *Group) sync(actor protocol.MemberID) (*protocol.Outcome, error) {
	m := g.member(actor)
	out := &protocol.Outcome{Label: "sync", Actor: actor}
	if !g.full {
		if m.live != nil {
			m.live.stale = nil
		}
		out.Unsimulated = true
		return out, nil
	}
	st := m.state()
	t0 := g.now()
	for _, msg := range st.backlog {
		r, err := st.state.Process(msg)
		if err != nil {
			return nil, fmt.Errorf("member %d catching up: %w", actor, err)
		}
		if r.Outcome != nil {
			out.Sender.Add(r.Outcome.Ops)
		}
		out.Processed++
		g.observed(actor, r)
	}
	out.SenderNanos = g.now() - t0
	st.backlog = nil
	st.stale = nil
	if st.state.Epoch() == g.Epoch() {
		if !bytes.Equal(st.state.EpochAuthenticator(), g.latest.EpochAuthenticator()) {
			return nil, fmt.Errorf("epoch %d: member %d caught up to a different epoch authenticator", g.Epoch(), actor)
		}
		out.Verified = 1
	}
	out.Epoch = g.Epoch()
	return out, nil
}

// Health implements protocol.HealthReporter.
func (g *Group) Health() protocol.TreeHealth {
	t := g.tree()
	h := protocol.TreeHealth{Leaves: int(t.LeafCount()), Members: g.count}
	for x := uint32(1); x < t.Width(); x += 2 {
		p := t.ParentNode(tm.NodeIndex(x))
		if p == nil {
			h.BlankParents++
		} else {
			h.UnmergedLeaves += len(p.UnmergedLeaves)
		}
	}
	// Mean copath resolution size along a few members' paths: the number
	// of ciphertexts their commits would carry per path node.
	var sum, count int
	for i := 0; i < 8 && g.order.len() > 0; i++ {
		m := g.member(g.order.at((i * g.order.len()) / 8))
		_, copath := t.FilteredDirectPath(m.leaf, nil, nil)
		for _, c := range copath {
			sum += t.ResolutionSize(c)
			count++
		}
	}
	if count > 0 {
		h.MeanResolution = float64(sum) / float64(count)
	}
	return h
}

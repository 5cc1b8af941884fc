package mls

import (
	"errors"
	"fmt"
	"io"
	"slices"

	"cgkalab/models/keyschedule"
	"cgkalab/models/suite"
	"cgkalab/models/treekem"
	tm "cgkalab/models/treemath"
	"cgkalab/models/wire"
)

// The functions in this file serve simulations in which many members share
// one public group state: a Group holds the tree, the epoch secrets and
// the proposal cache that every member has by construction, and takes on
// the private state of whichever member acts or is sampled to process a
// message. They change no protocol behaviour.

// AssumeMember makes g act as the member whose private state is given:
// its TreeKEM view, signature key and pending Update keys (may be nil).
func (g *Group) AssumeMember(view *treekem.PrivateView, sigKey *suite.SignaturePrivateKey, pendingUpdates map[string]*suite.HPKEPrivateKey) {
	g.view = view
	g.sigKey = sigKey
	if pendingUpdates == nil {
		pendingUpdates = map[string]*suite.HPKEPrivateKey{}
	}
	g.pendingLeaves = pendingUpdates
	g.removed = false
	g.shared = true
}

// Stage records the group's state so that what follows can be undone by
// Unstage(false) or kept by Unstage(true). The tree's changes are staged
// in its journal; the epoch state is saved by reference (epochs are
// replaced, not changed, except for their secret trees, whose erasure is
// deferred until the stage is kept). Stages do not nest.
type Stage struct {
	cur        *epoch
	past       []*epoch
	resumption []resumptionPSK
	proposals  []cachedProposal
	view       *treekem.PrivateView
	sigKey     *suite.SignaturePrivateKey
	pending    map[string]*suite.HPKEPrivateKey
	removed    bool
	reinit     *ReInit
}

// Stage starts a stage.
func (g *Group) Stage() *Stage {
	g.tree.Begin()
	g.deferErase = true
	return &Stage{cur: g.cur, past: slices.Clone(g.past), resumption: slices.Clone(g.resumption),
		proposals: slices.Clone(g.proposals), view: g.view, sigKey: g.sigKey, pending: g.pendingLeaves, removed: g.removed,
		reinit: g.reinit}
}

// Unstage ends a stage, keeping its changes or restoring the state saved
// by Stage.
func (g *Group) Unstage(s *Stage, keep bool) {
	g.deferErase = false
	if keep {
		g.tree.Commit()
		for _, t := range g.toErase {
			t.Erase()
		}
		g.toErase = g.toErase[:0]
		return
	}
	g.tree.Rollback()
	g.toErase = g.toErase[:0]
	g.cur, g.past, g.resumption, g.proposals = s.cur, s.past, s.resumption, s.proposals
	g.view, g.sigKey, g.pendingLeaves, g.removed, g.reinit = s.view, s.sigKey, s.pending, s.removed, s.reinit
}

// View returns the committer's private view as it will be once the commit
// is applied: its new leaf key and path keys.
func (s *StagedCommit) View() *treekem.PrivateView { return s.view }

// EpochAuthenticator returns the epoch authenticator of the epoch the
// commit starts.
func (s *StagedCommit) EpochAuthenticator() []byte { return s.next.secrets.Authenticator }

// accountedSteps are the ratchet steps of accounted application messages
// (AccountApplication) not yet taken, all of epoch ep: each moves the
// sender's application ratchet to its next generation and, if received,
// consumes that generation's key from the receiving tree. They are taken
// in a batch before anything reads the trees, the sending tree's steps on
// a second goroutine: the two trees are apart, each is stepped in order,
// and the results are those of taking each step at once.
type accountedSteps struct {
	ep       *epoch
	leaves   []tm.LeafIndex
	received []bool
	err      error // the first failure, reported from then on
}

// maxAccountedSteps bounds a batch of accounted steps.
const maxAccountedSteps = 4096

// takeSteps takes the pending accounted steps (accountedSteps).
func (g *Group) takeSteps() error {
	st := &g.steps
	if st.err != nil || len(st.leaves) == 0 {
		st.ep = nil
		return st.err
	}
	send := st.ep.keys.Tree
	recv, err := g.receiveKeys(st.ep)
	if err != nil {
		st.err = err
		return err
	}
	// The generations each step hands out, found without deriving: the
	// receiving side need not wait for the sending one.
	gens := make([]uint32, len(st.leaves))
	next := map[tm.LeafIndex]uint32{}
	for i, leaf := range st.leaves {
		n, seen := next[leaf]
		if !seen {
			if n, err = send.NextGeneration(leaf, keyschedule.ApplicationRatchet); err != nil {
				st.err = err
				return err
			}
		}
		gens[i], next[leaf] = n, n+1
	}
	sendSteps := func() error {
		for i, leaf := range st.leaves {
			rk, err := send.Next(leaf, keyschedule.ApplicationRatchet)
			if err != nil {
				return err
			}
			if rk.Generation != gens[i] {
				return fmt.Errorf("accounted message of leaf %d took generation %d, %d expected", leaf, rk.Generation, gens[i])
			}
		}
		return nil
	}
	var sendErr error
	done := make(chan struct{})
	if len(st.leaves) >= 64 {
		go func() { defer close(done); sendErr = sendSteps() }()
	} else {
		sendErr = sendSteps()
		close(done)
	}
	var recvErr error
	for i, leaf := range st.leaves {
		if st.received[i] {
			if _, recvErr = recv.Tree.Key(leaf, keyschedule.ApplicationRatchet, gens[i]); recvErr != nil {
				break
			}
		}
	}
	<-done
	if err := errors.Join(sendErr, recvErr); err != nil {
		st.err = fmt.Errorf("accounted application messages: %w", err)
		return st.err
	}
	st.ep, st.leaves, st.received = nil, st.leaves[:0], st.received[:0]
	return nil
}

// AccountApplication stands for the member at leaf sending data as an
// application message (SendApplication) and, if received, one simulated
// member receiving it, without the signature, the encryption or the
// receiver's decryption and verification: it returns the length of the
// MLSMessage that SendApplication would encode. What stays real is what
// later messages depend on: the sender's application ratchet moves to the
// next generation and, if received, that generation's key is consumed
// from the receiving secret tree, as a real send and receipt do (RFC
// 9420, Section 9.2; batched, accountedSteps), and the reuse guard is
// drawn from rand, so the stream after it is a real send's. Only for
// states that simulated members share, and for suites whose signatures
// are all one length (SignatureSize).
func (g *Group) AccountApplication(leaf tm.LeafIndex, data, authenticatedData []byte, received bool, rand io.Reader) (int, error) {
	if !g.shared {
		return 0, errors.New("AccountApplication: only for a state simulated members share")
	}
	sigLen := g.suite.SignatureSize()
	if sigLen == 0 {
		return 0, fmt.Errorf("AccountApplication: %s signatures vary in length", g.suite.SignatureScheme())
	}
	if g.removed {
		return 0, errors.New("member was removed from the group")
	}
	if g.reinit != nil {
		return 0, g.reinitErr()
	}
	if g.steps.ep != g.cur {
		if err := g.takeSteps(); err != nil {
			return 0, err
		}
	}
	if uint64(leaf) >= uint64(g.cur.leaves) {
		return 0, fmt.Errorf("AccountApplication: leaf %d not in a tree of %d leaves", leaf, g.cur.leaves)
	}
	var guard [4]byte
	if _, err := io.ReadFull(rand, guard[:]); err != nil {
		return 0, fmt.Errorf("drawing reuse guard: %w", err)
	}
	g.steps.ep = g.cur
	g.steps.leaves = append(g.steps.leaves, leaf)
	g.steps.received = append(g.steps.received, received)
	if len(g.steps.leaves) >= maxAccountedSteps {
		if err := g.takeSteps(); err != nil {
			return 0, err
		}
	}
	// PrivateMessageContent (Section 6.3.1): application_data, the
	// signature, padding; sealed with the AEAD's tag.
	pad := g.cfg.Padding
	if pad == nil {
		pad = NoPadding
	}
	content := wire.OpaqueLen(len(data)) + wire.OpaqueLen(sigLen)
	ciphertext := content + pad(content) + g.suite.AEADOverhead()
	senderData := 4 + 4 + 4 + g.suite.AEADOverhead() // leaf_index, generation, reuse_guard (Section 6.3.2)
	private := wire.OpaqueLen(len(g.cur.gc.GroupID)) + 8 + 1 + wire.OpaqueLen(len(authenticatedData)) +
		wire.OpaqueLen(senderData) + wire.OpaqueLen(ciphertext)
	return 2 + 2 + private, nil // version, wire_format (Section 6)
}

// KeepContentEncoding has a parsed PublicMessage keep its content's
// encoding, made once, for the Process calls that follow: simulated
// receivers sharing one parse of a commit of megabytes need not each
// encode it again (a real receiver holds the bytes it received). It also
// keeps the checks that depend only on the content and on what every
// receiver of the epoch holds alike (keptChecks): the first receiver
// verifies the signature and membership tag and hashes the transcript,
// the others, given the same inputs, reuse the answers. The caller must
// not change the message afterwards, and should measure the first
// receiver as a receiver's cost.
func (m *MLSMessage) KeepContentEncoding() {
	if m.Public != nil {
		m.Public.Content.pin()
		m.Public.Content.kept = &keptChecks{}
	}
}

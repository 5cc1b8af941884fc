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

// AccountApplication stands for the member at leaf sending data as an
// application message (SendApplication) and, if received, one simulated
// member receiving it, without the signature, the encryption or the receiver's
// decryption and verification: it returns the length of the MLSMessage
// that SendApplication would encode. What stays real is what later
// messages depend on: the sender's application ratchet moves to the next
// generation and, if received, that generation's key is consumed from the
// receiving secret tree, as a real send and receipt do (RFC 9420, Section 9.2), and
// the reuse guard is drawn from rand, so the stream after it is a real
// send's. Only for states that simulated members share, and suites whose
// signatures are all one length (SignatureSize).
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
	rk, err := g.cur.keys.Tree.Next(leaf, keyschedule.ApplicationRatchet)
	if err != nil {
		return 0, err
	}
	var guard [4]byte
	if _, err := io.ReadFull(rand, guard[:]); err != nil {
		return 0, fmt.Errorf("drawing reuse guard: %w", err)
	}
	if received {
		keys, err := g.receiveKeys(g.cur)
		if err != nil {
			return 0, err
		}
		if _, err := keys.Tree.Key(leaf, keyschedule.ApplicationRatchet, rk.Generation); err != nil {
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

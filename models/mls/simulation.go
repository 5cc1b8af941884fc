package mls

import (
	"slices"

	"cgkalab/models/suite"
	"cgkalab/models/treekem"
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

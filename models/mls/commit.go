package mls

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"slices"

	"cgkalab/models/extension"
	"cgkalab/models/keyschedule"
	rt "cgkalab/models/ratchettree"
	"cgkalab/models/suite"
	"cgkalab/models/treekem"
	tm "cgkalab/models/treemath"
	"cgkalab/models/wire"
)

// Outcome describes what a Commit did, for the simulator's cost records and
// security oracle.
type Outcome struct {
	Epoch     uint64 // the epoch the Commit started
	Committer tm.LeafIndex
	External  bool
	Proposals int

	Added   []tm.LeafIndex
	Removed []tm.LeafIndex
	Updated []tm.LeafIndex
	PSKs    int
	// ReInit is set when the Commit covered a ReInit: the group is closed
	// and its members move to a new group (RFC 9420, Section 11.2).
	ReInit bool

	// Path is the committer's filtered direct path, nil without a path.
	Path []tm.NodeIndex
	// PathSecrets (committer only) are the path secrets of Path's nodes:
	// the ground truth from which an unsampled member's view follows.
	PathSecrets [][]byte
	// Edges (committer only) are the UpdatePath's encryption edges.
	Edges []treekem.Edge
	// DecryptedNode (receivers) is the path node whose secret this member
	// decrypted.
	DecryptedNode tm.NodeIndex
	// Joiners (committer only) are the Welcome's recipients with the init
	// keys their GroupSecrets were encrypted to.
	Joiners []Joiner

	Ops            treekem.Ops
	CommitBytes    int // the encoded MLSMessage carrying the Commit
	WelcomeBytes   int // the encoded MLSMessage carrying the Welcome, if any
	GroupInfoBytes int // the encoded GroupInfo inside the Welcome
}

// Joiner is one recipient of a Welcome.
type Joiner struct {
	Leaf    tm.LeafIndex
	InitKey []byte
}

// CommitOptions selects what a Commit covers and how it is sent.
type CommitOptions struct {
	// Inline proposals are sent by value.
	Inline []*Proposal
	// ByReference covers every proposal received this epoch by reference
	// (except this member's own Updates, which its path supersedes).
	ByReference bool
	// OmitPath leaves out the UpdatePath when no covered proposal requires
	// one (RFC 9420, Section 12.4).
	OmitPath bool
	// WireFormat of the Commit: PublicMessage (default) or PrivateMessage.
	WireFormat WireFormat
	// RatchetTreeInWelcome puts the ratchet_tree extension in the Welcome's
	// GroupInfo (RFC 9420, Section 12.4.3.3).
	RatchetTreeInWelcome bool
	// Accounting, for simulations, names the encryptions to perform; nil
	// performs them all (see Accounting).
	Accounting *Accounting
}

// StagedCommit is a Commit created but not yet applied: the delivery
// service decides whether it wins the epoch. Apply it on acceptance,
// Discard it otherwise.
type StagedCommit struct {
	Commit  *MLSMessage
	Welcome *MLSMessage // nil when the Commit adds nobody
	// CommitBytes and WelcomeBytes are their encodings, made once.
	CommitBytes, WelcomeBytes []byte
	Outcome                   *Outcome

	next   *epoch
	view   *treekem.PrivateView
	reinit *ReInit
}

// resolved is a proposal with the sender that proposed it.
type resolved struct {
	p      *Proposal
	sender Sender
	// cached is set for a proposal from the cache: its signatures were
	// verified when it was received in this epoch (checkProposal), and an
	// Update's LeafNode signature binds only the group and the sender's
	// leaf, which the epoch does not change.
	cached bool
}

// applied is the effect of a proposal list (RFC 9420, Section 12.3).
type applied struct {
	exts         []extension.Extension
	added        []tm.LeafIndex
	addedKPs     []*KeyPackage
	removed      []tm.LeafIndex
	updated      []tm.LeafIndex
	psks         []keyschedule.PSK
	externalInit []byte
	reinit       *ReInit
	pathRequired bool
}

// checkProposal validates one proposal on receipt (RFC 9420, Section 12.1),
// and again when a commit applies it (Section 12.2), when verified says
// that its Update's LeafNode signature was already checked on receipt.
func (g *Group) checkProposal(p *Proposal, sender Sender, verified bool) error {
	switch p.Type {
	case ProposalAdd:
		if err := p.Add.Validate(g.suite, g.cfg.Now); err != nil {
			return fmt.Errorf("add: %w: %w", err, ErrRejected)
		}
	case ProposalUpdate:
		if sender.Type != SenderMember {
			return rejectf("update from a non-member sender")
		}
		l := tm.LeafIndex(sender.Index)
		old := g.tree.Leaf(l)
		if old == nil {
			return rejectf("update for blank leaf %d", l)
		}
		if err := g.tree.ValidateLeaf(p.Update, l, rt.SourceUpdate, &rt.LeafPolicy{GroupID: g.GroupID(), SkipSignature: verified}); err != nil {
			return fmt.Errorf("update: %w: %w", err, ErrRejected)
		}
		if bytes.Equal(p.Update.EncryptionKey, old.EncryptionKey) {
			return rejectf("update from leaf %d keeps its encryption key", l)
		}
	case ProposalRemove:
		if g.tree.Leaf(tm.LeafIndex(p.Remove)) == nil {
			return rejectf("remove of blank leaf %d", p.Remove)
		}
	case ProposalPSK:
		if err := p.PSK.Validate(g.suite); err != nil {
			return fmt.Errorf("psk: %w: %w", err, ErrRejected)
		}
		if err := g.checkPSKUsage(p.PSK); err != nil {
			return err
		}
	case ProposalGroupContextExtensions:
		if err := checkExtensions(p.GCExtensions); err != nil {
			return fmt.Errorf("group_context_extensions: %w: %w", err, ErrRejected)
		}
	case ProposalReInit:
		if err := checkReInit(p.ReInit); err != nil {
			return fmt.Errorf("reinit: %w: %w", err, ErrRejected)
		}
	case ProposalExternalInit:
	default:
		return rejectf("unsupported %v", p.Type)
	}
	return nil
}

// applyProposals validates the list (Section 12.2) and applies it to the
// tree, which must be staged, and to the view (Section 12.3).
func (g *Group) applyProposals(list []resolved, committer tm.LeafIndex, external bool, view *treekem.PrivateView) (*applied, error) {
	a := &applied{exts: g.cur.gc.Extensions, pathRequired: len(list) == 0 || external}
	var updates, removes, adds []resolved
	touched := map[tm.LeafIndex]bool{}
	seenPSK := map[string]bool{}
	gce, reinit := 0, 0
	for _, r := range list {
		if err := g.checkProposal(r.p, r.sender, r.cached); err != nil {
			return nil, err
		}
		switch r.p.Type {
		case ProposalAdd, ProposalPSK, ProposalReInit:
		default:
			a.pathRequired = true
		}
		switch r.p.Type {
		case ProposalUpdate:
			l := tm.LeafIndex(r.sender.Index)
			if !external && l == committer {
				return nil, rejectf("commit covers an Update from the committer")
			}
			if touched[l] {
				return nil, rejectf("leaf %d is updated or removed twice", l)
			}
			touched[l] = true
			updates = append(updates, r)
		case ProposalRemove:
			l := tm.LeafIndex(r.p.Remove)
			if !external && l == committer {
				return nil, rejectf("commit removes its committer")
			}
			if touched[l] {
				return nil, rejectf("leaf %d is updated or removed twice", l)
			}
			touched[l] = true
			removes = append(removes, r)
		case ProposalAdd:
			adds = append(adds, r)
		case ProposalPSK:
			key := string(encode(r.p.PSK.Encode))
			if seenPSK[key] {
				return nil, rejectf("PreSharedKeyID listed twice")
			}
			seenPSK[key] = true
			secret, err := g.lookupPSK(r.p.PSK)
			if err != nil {
				return nil, err
			}
			a.psks = append(a.psks, keyschedule.PSK{ID: *r.p.PSK, Secret: secret})
		case ProposalGroupContextExtensions:
			gce++
			a.exts = r.p.GCExtensions
		case ProposalReInit:
			reinit++
			a.reinit = r.p.ReInit
		case ProposalExternalInit:
			if !external {
				return nil, rejectf("ExternalInit in a regular commit")
			}
			if a.externalInit != nil {
				return nil, rejectf("two ExternalInit proposals")
			}
			a.externalInit = r.p.KEMOutput
		}
	}
	if gce > 1 {
		return nil, rejectf("%d GroupContextExtensions proposals", gce)
	}
	if reinit > 0 && len(list) > 1 {
		return nil, rejectf("ReInit together with other proposals")
	}
	if external {
		if a.externalInit == nil || len(updates) > 0 || len(adds) > 0 || len(removes) > 1 || gce > 0 || reinit > 0 {
			return nil, rejectf("external commit must hold one ExternalInit, at most one Remove and PSKs only")
		}
	}
	for _, r := range updates {
		l := tm.LeafIndex(r.sender.Index)
		// Key uniqueness against the tree as it stands, earlier
		// proposals of this list applied (Sections 7.3 and 16.7).
		if err := g.tree.CheckLeafKeys(r.p.Update, l); err != nil {
			return nil, fmt.Errorf("update: %w: %w", err, ErrRejected)
		}
		if err := g.tree.Update(l, r.p.Update); err != nil {
			return nil, fmt.Errorf("%w: %w", err, ErrRejected)
		}
		if l == view.Leaf {
			key, ok := g.pendingLeaves[string(r.p.Update.EncryptionKey)]
			if !ok {
				return nil, rejectf("commit applies an Update to this member's leaf that it did not propose")
			}
			view.SetLeafKey(key)
		}
		a.updated = append(a.updated, l)
	}
	for _, r := range removes {
		l := tm.LeafIndex(r.p.Remove)
		if err := g.tree.Remove(l); err != nil {
			return nil, fmt.Errorf("%w: %w", err, ErrRejected)
		}
		a.removed = append(a.removed, l)
	}
	for _, r := range adds {
		// A client already in the group, or added twice, holds the
		// same keys (Sections 7.3 and 12.2); members removed above
		// no longer do.
		if err := g.tree.CheckLeafKeys(r.p.Add.LeafNode, rt.NoLeaf); err != nil {
			return nil, fmt.Errorf("add: %w: %w", err, ErrRejected)
		}
		l := g.tree.Add(r.p.Add.LeafNode)
		a.added = append(a.added, l)
		a.addedKPs = append(a.addedKPs, r.p.Add)
	}
	return a, nil
}

// lookupPSK finds a PSK's secret (RFC 9420, Section 8.4).
func (g *Group) lookupPSK(id *keyschedule.PreSharedKeyID) ([]byte, error) {
	switch id.Type {
	case keyschedule.PSKTypeExternal:
		if s, ok := g.cfg.ExternalPSKs[string(id.ID)]; ok {
			return s, nil
		}
		return nil, rejectf("external PSK %x is not available", id.ID)
	case keyschedule.PSKTypeResumption:
		if r := g.reinitFrom; id.Usage == keyschedule.ResumptionReInit && r != nil &&
			string(id.GroupID) == string(r.groupID) && id.Epoch == r.epoch {
			return r.secret, nil
		}
		if string(id.GroupID) == string(g.GroupID()) {
			if id.Epoch == g.cur.gc.Epoch {
				return g.cur.secrets.Resumption, nil
			}
			for _, r := range g.resumption {
				if r.epoch == id.Epoch {
					return r.secret, nil
				}
			}
		}
		return nil, rejectf("resumption PSK of group %x epoch %d is not available", id.GroupID, id.Epoch)
	}
	return nil, rejectf("PSK type %d", id.Type)
}

// selectProposals chooses, from the proposals received this epoch, a list
// that is valid to commit (RFC 9420, Section 12.2), keeping their order:
// this member's own Updates are superseded by its path; of several Updates
// and Removes for one leaf a Remove wins, else the latest Update
// (Section 12.2's SHOULDs); Removes of this member or of blank leaves,
// repeated Adds of one signature key, repeated PSKs, all but the last
// GroupContextExtensions and a ReInit among other proposals are dropped.
func (g *Group) selectProposals() []cachedProposal {
	me := g.view.Leaf
	removed := map[tm.LeafIndex]bool{}
	lastUpdate := map[tm.LeafIndex]int{}
	lastGCE := -1
	for i, cp := range g.proposals {
		switch p := cp.proposal; p.Type {
		case ProposalRemove:
			if l := tm.LeafIndex(p.Remove); l != me && g.tree.Leaf(l) != nil {
				removed[l] = true
			}
		case ProposalUpdate:
			lastUpdate[tm.LeafIndex(cp.sender.Index)] = i
		case ProposalGroupContextExtensions:
			lastGCE = i
		}
	}
	var out []cachedProposal
	seenRemove := map[tm.LeafIndex]bool{}
	seenSig := map[string]bool{}
	seenPSK := map[string]bool{}
	for i, cp := range g.proposals {
		p := cp.proposal
		switch p.Type {
		case ProposalRemove:
			l := tm.LeafIndex(p.Remove)
			if !removed[l] || seenRemove[l] {
				continue
			}
			seenRemove[l] = true
		case ProposalUpdate:
			l := tm.LeafIndex(cp.sender.Index)
			if l == me || removed[l] || lastUpdate[l] != i {
				continue
			}
			if _, dup := g.tree.FindEncryptionKey(p.Update.EncryptionKey, rt.NoNode); dup {
				continue
			}
		case ProposalAdd:
			key := string(p.Add.LeafNode.SignatureKey)
			if seenSig[key] || g.heldByMember(p.Add.LeafNode, removed) {
				continue
			}
			seenSig[key] = true
		case ProposalPSK:
			key := string(encode(p.PSK.Encode))
			if seenPSK[key] {
				continue
			}
			seenPSK[key] = true
		case ProposalGroupContextExtensions:
			if i != lastGCE {
				continue
			}
		case ProposalReInit:
			if len(g.proposals) > 1 {
				continue
			}
		}
		out = append(out, cp)
	}
	return out
}

// heldByMember reports whether a leaf not in removed holds n's encryption
// or signature key, which makes an Add of n invalid (RFC 9420, Section
// 12.2).
func (g *Group) heldByMember(n *rt.LeafNode, removed map[tm.LeafIndex]bool) bool {
	if x, ok := g.tree.FindEncryptionKey(n.EncryptionKey, rt.NoNode); ok {
		if l, isLeaf := x.Leaf(); !isLeaf || !removed[l] {
			return true
		}
	}
	l, ok := g.tree.FindSignatureKey(n.SignatureKey, rt.NoLeaf)
	return ok && !removed[l]
}

// resolveCommit turns a received Commit's proposal list into proposals
// with their senders (RFC 9420, Section 12.4).
func (g *Group) resolveCommit(c *Commit, committer Sender) ([]resolved, error) {
	out := make([]resolved, 0, len(c.Proposals))
	// A commit of every member's daily Update in a large group references
	// hundreds of proposals: look them up by reference, not one by one.
	byRef := make(map[string]int, len(g.proposals))
	for i, cp := range g.proposals {
		if _, dup := byRef[string(cp.ref)]; !dup {
			byRef[string(cp.ref)] = i // the first, as a scan finds
		}
	}
	for _, por := range c.Proposals {
		if por.Proposal != nil {
			out = append(out, resolved{por.Proposal, committer, false})
			continue
		}
		i, ok := byRef[string(por.Reference)]
		if !ok {
			return nil, rejectf("commit references unknown proposal %x", por.Reference)
		}
		out = append(out, resolved{g.proposals[i].proposal, g.proposals[i].sender, true})
	}
	return out, nil
}

// confirmedTranscriptHash is the confirmed transcript hash a commit
// makes (RFC 9420, Section 8.2): the hash of the interim transcript hash
// and ConfirmedTranscriptHashInput (wire_format, the FramedContent and its
// signature), written in parts.
func confirmedTranscriptHash(s *suite.Suite, interim []byte, wf WireFormat, c *FramedContent, signature []byte) []byte {
	if k := c.kept; k != nil && k.confirmed != nil && k.passed(keptTranscript, interim, []byte{byte(wf >> 8), byte(wf)}, signature) {
		return bytes.Clone(k.confirmed)
	}
	h := s.NewHash()
	h.Write(interim)
	h.Write([]byte{byte(wf >> 8), byte(wf)})
	h.Write(c.encoding())
	h.Write(wire.AppendVarint(nil, len(signature)))
	h.Write(signature)
	cth := h.Sum(nil)
	if k := c.kept; k != nil {
		k.pass(keptTranscript, interim, []byte{byte(wf >> 8), byte(wf)}, signature)
		k.confirmed = bytes.Clone(cth)
	}
	return cth
}

// nextEpoch runs the key schedule for the epoch a Commit starts (RFC 9420,
// Sections 8 and 12.4.2) and returns it with the confirmation tag it must
// carry.
func (g *Group) nextEpoch(wf WireFormat, c *FramedContent, signature []byte, a *applied, init keyschedule.InitSecret, commitSecret []byte) (*epoch, []byte, error) {
	s := g.suite
	cth := confirmedTranscriptHash(s, g.cur.interim, wf, c, signature)
	gc := keyschedule.GroupContext{CipherSuite: s.ID, GroupID: g.cur.gc.GroupID, Epoch: g.cur.gc.Epoch + 1,
		TreeHash: bytes.Clone(g.tree.TreeHash()), ConfirmedTranscriptHash: cth, Extensions: a.exts}
	psk, err := keyschedule.NewPSKSecret(s, a.psks)
	if err != nil {
		return nil, nil, err
	}
	secrets, err := keyschedule.Derive(s, init, keyschedule.CommitSecret(commitSecret), psk, &gc)
	if err != nil {
		return nil, nil, err
	}
	tag, err := secrets.Confirmation.Tag(s, cth)
	if err != nil {
		return nil, nil, err
	}
	ep, err := newEpoch(s, gc, secrets, keyschedule.InterimTranscriptHash(s, cth, tag), g.tree.LeafCount(), g.cfg.SecretTree)
	return ep, tag, err
}

// provisionalContext is the GroupContext an UpdatePath is encrypted under
// (RFC 9420, Section 12.4.2): the new epoch and tree hash, the old
// confirmed transcript hash.
func (g *Group) provisionalContext(exts []extension.Extension) []byte {
	gc := g.cur.gc
	gc.Epoch++
	gc.TreeHash = g.tree.TreeHash()
	gc.Extensions = exts
	return gc.Bytes()
}

// processCommit applies a Commit from another member or an external
// joiner (RFC 9420, Section 12.4.2). On error nothing changes.
func (g *Group) processCommit(wf WireFormat, c *FramedContent, auth *FramedContentAuthData) (out *Outcome, err error) {
	commit := c.Commit
	external := c.Sender.Type == SenderNewMemberCommit
	list, err := g.resolveCommit(commit, c.Sender)
	if err != nil {
		return nil, err
	}
	g.tree.Begin()
	defer func() {
		if err != nil {
			g.tree.Rollback()
		}
	}()
	view := g.view.Clone()
	committer := tm.LeafIndex(c.Sender.Index)
	a, err := g.applyProposals(list, committer, external, view)
	if err != nil {
		return nil, err
	}
	if a.pathRequired && commit.Path == nil {
		return nil, rejectf("commit needs a path (it is empty, external, or covers path-required proposals)")
	}
	// A new member may take this member's leaf in the same commit: being
	// removed is being listed in the Removes.
	removedMe := slices.Contains(a.removed, view.Leaf)
	out = &Outcome{Epoch: g.cur.gc.Epoch, External: external, Proposals: len(list),
		Added: a.added, Removed: a.removed, Updated: a.updated, PSKs: len(a.psks), ReInit: a.reinit != nil}
	init := g.cur.secrets.Init
	if external {
		if init, err = g.cur.secrets.External.ReceiveExternalInit(g.suite, a.externalInit); err != nil {
			return nil, fmt.Errorf("external init: %w: %w", err, ErrRejected)
		}
		if err := g.tree.CheckLeafKeys(commit.Path.LeafNode, rt.NoLeaf); err != nil {
			return nil, fmt.Errorf("external commit: %w: %w", err, ErrRejected)
		}
		committer = g.tree.Add(commit.Path.LeafNode)
	}
	out.Committer = committer
	commitSecret := make([]byte, g.suite.Nh())
	if up := commit.Path; up != nil {
		if !external && bytes.Equal(up.LeafNode.EncryptionKey, g.tree.Leaf(committer).EncryptionKey) {
			return nil, rejectf("committer's path keeps its leaf encryption key")
		}
		if err := g.tree.ValidateLeaf(up.LeafNode, committer, rt.SourceCommit, &rt.LeafPolicy{GroupID: g.GroupID(), SkipSignature: true}); err != nil {
			return nil, fmt.Errorf("path leaf: %w: %w", err, ErrRejected)
		}
		ops, err := treekem.MergePath(g.tree, committer, up, g.GroupID())
		out.Ops.Add(ops)
		if err != nil {
			return nil, fmt.Errorf("%w: %w", err, ErrRejected)
		}
		if !removedMe {
			d, err := view.DecryptPath(g.tree, committer, up, g.provisionalContext(a.exts), a.added)
			if err != nil {
				return nil, fmt.Errorf("%w: %w", err, ErrRejected)
			}
			out.Ops.Add(d.Ops)
			commitSecret = d.CommitSecret
			out.DecryptedNode = d.PathNode
		}
		out.Path, _ = g.tree.FilteredDirectPath(committer, nil, nil)
	}
	if removedMe {
		// This member is removed: it holds no secret of the new epoch and
		// cannot check the confirmation tag. Its group is over (RFC 9420,
		// Section 12.4.2).
		g.tree.Commit()
		g.removed = true
		g.eraseEpoch(g.cur)
		return out, nil
	}
	next, tag, err := g.nextEpoch(wf, c, auth.Signature, a, init, commitSecret)
	if err != nil {
		return nil, err
	}
	if !bytes.Equal(tag, auth.ConfirmationTag) {
		return nil, rejectf("confirmation tag does not match the new epoch")
	}
	g.tree.Commit()
	view.Prune(g.tree)
	g.view = view
	g.removed = g.tree.Leaf(view.Leaf) == nil
	clear(g.pendingLeaves)
	g.advance(next)
	g.reinit = a.reinit
	return out, nil
}

// Commit creates a Commit over the chosen proposals (RFC 9420, Section
// 12.4.1) and stages it. The group keeps its current epoch until Apply.
func (g *Group) Commit(opts CommitOptions, rand io.Reader) (staged *StagedCommit, err error) {
	if g.staged != nil {
		return nil, errors.New("a staged commit is pending: apply or discard it first")
	}
	if g.removed {
		return nil, errors.New("member was removed from the group")
	}
	if g.reinit != nil {
		return nil, g.reinitErr()
	}
	me := Sender{Type: SenderMember, Index: uint32(g.view.Leaf)}
	var list []resolved
	var pors []ProposalOrRef
	if opts.ByReference {
		for _, cp := range g.selectProposals() {
			list = append(list, resolved{cp.proposal, cp.sender, true})
			pors = append(pors, ProposalOrRef{Reference: cp.ref})
		}
	}
	for _, p := range opts.Inline {
		list = append(list, resolved{p, me, false})
		pors = append(pors, ProposalOrRef{Proposal: p})
	}
	wf := opts.WireFormat
	if wf == 0 {
		wf = WirePublicMessage
	}

	g.tree.Begin()
	defer func() {
		if err != nil {
			g.tree.Rollback()
		}
	}()
	view := g.view.Clone()
	a, err := g.applyProposals(list, g.view.Leaf, false, view)
	if err != nil {
		return nil, err
	}
	out := &Outcome{Epoch: g.cur.gc.Epoch, Committer: g.view.Leaf, Proposals: len(list),
		Added: a.added, Removed: a.removed, Updated: a.updated, PSKs: len(a.psks), ReInit: a.reinit != nil}
	commit := &Commit{Proposals: pors}
	commitSecret := make([]byte, g.suite.Nh())
	var pp *treekem.PendingPath
	if a.pathRequired || !opts.OmitPath {
		pp, err = view.PreparePath(g.tree, g.GroupID(), g.tree.Leaf(g.view.Leaf), g.sigKey, rand)
		if err != nil {
			return nil, err
		}
		up, edges, err := opts.Accounting.encryptPath(pp, g.tree, g.provisionalContext(a.exts), a.added, rand)
		if err != nil {
			return nil, err
		}
		commit.Path = up
		commitSecret = pp.CommitSecret()
		out.Path, out.PathSecrets, out.Edges = pp.Path(), pp.PathSecrets(), edges
		out.Ops.Add(pp.Ops)
	}
	c := g.newContent(ContentCommit)
	c.Commit = commit
	c.pin()
	defer c.unpin()
	sig, err := SignContent(g.suite, g.sigKey, wf, c, g.cur.gcBytes)
	if err != nil {
		return nil, err
	}
	out.Ops.Sign++
	next, tag, err := g.nextEpoch(wf, c, sig, a, g.cur.secrets.Init, commitSecret)
	if err != nil {
		return nil, err
	}
	msg, err := g.frame(c, wf, FramedContentAuthData{Signature: sig, ConfirmationTag: tag}, rand)
	if err != nil {
		return nil, err
	}
	staged = &StagedCommit{Commit: msg, CommitBytes: msg.Bytes(), Outcome: out, next: next, view: view, reinit: a.reinit}
	if msg.Public != nil {
		msg.Public.Content.unpin() // the message holds a copy of c
	}
	out.CommitBytes = len(staged.CommitBytes)
	if len(a.added) > 0 {
		if staged.Welcome, err = g.welcome(next, tag, a, pp, opts.RatchetTreeInWelcome, opts.Accounting, out, rand); err != nil {
			return nil, err
		}
		staged.WelcomeBytes = staged.Welcome.Bytes()
		out.WelcomeBytes = len(staged.WelcomeBytes)
	}
	g.staged = staged
	return staged, nil
}

// Apply makes a staged Commit's epoch current, once the delivery service
// has accepted it.
func (g *Group) Apply(s *StagedCommit) error {
	if g.staged != s || s == nil {
		return errors.New("not this group's staged commit")
	}
	g.tree.Commit()
	s.view.Prune(g.tree)
	g.view = s.view
	clear(g.pendingLeaves)
	g.advance(s.next)
	g.reinit = s.reinit
	g.staged = nil
	return nil
}

// Discard drops a staged Commit that lost the epoch; the group is as before.
func (g *Group) Discard(s *StagedCommit) error {
	if g.staged != s || s == nil {
		return errors.New("not this group's staged commit")
	}
	g.tree.Rollback()
	g.staged = nil
	return nil
}

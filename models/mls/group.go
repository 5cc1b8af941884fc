// Package mls is one member's view of an RFC 9420 group: group creation,
// KeyPackages, proposals (also from external senders and new members),
// Commits with and without an UpdatePath, Welcome and external joins, PSKs, PublicMessage and PrivateMessage framing, the
// key schedule and the deletion schedule. Operations return encoded
// messages and an Outcome (sizes, cryptographic operation counts, the
// encryption edges of TreeKEM); nothing is sent from here.
//
// A message from a peer that fails any check is rejected with an error
// naming the check, and the member's state is left as it was: tree changes
// are staged in the tree's journal and rolled back, and the new epoch's
// state replaces the old one only when every check has passed.
package mls

import (
	"errors"
	"fmt"
	"io"

	"cgkalab/models/extension"
	"cgkalab/models/keyschedule"
	rt "cgkalab/models/ratchettree"
	"cgkalab/models/suite"
	"cgkalab/models/treekem"
	tm "cgkalab/models/treemath"
	"cgkalab/models/wire"
)

// Config holds a member's policies.
type Config struct {
	// Padding of PrivateMessage content (RFC 9420, Section 6.3.1).
	Padding Padding
	// SecretTree bounds out-of-order and forward ratchet steps (Section 9).
	SecretTree keyschedule.SecretTreeConfig
	// ExternalPSKs maps psk_id to the PSK (Section 8.4).
	ExternalPSKs map[string][]byte
	// RetainEpochs is how many past epochs keep their secret trees (for
	// late application messages) and resumption PSKs. Zero deletes them at
	// once (Section 9.2), which is the strictest forward secrecy.
	RetainEpochs int
	// Now is the current time in seconds for lifetime checks; 0 skips them.
	Now uint64
}

// ResumptionPSKs is how many past epochs' resumption PSKs a member keeps
// so that later commits can inject them (RFC 9420, Section 8.6).
const ResumptionPSKs = 16

type resumptionPSK struct {
	epoch  uint64
	secret keyschedule.ResumptionPSK
}

// ErrRejected is wrapped by every rejection of a peer's message.
var ErrRejected = errors.New("message rejected")

func rejectf(format string, args ...any) error {
	return fmt.Errorf("%s: %w", fmt.Sprintf(format, args...), ErrRejected)
}

// epoch is the state of one epoch.
type epoch struct {
	gc      keyschedule.GroupContext
	gcBytes []byte
	secrets *keyschedule.EpochSecrets
	keys    EpochKeys
	interim []byte // interim transcript hash
	leaves  tm.LeafCount

	// recv is a second secret tree used for receiving when many simulated
	// members share this state (see simulation.go), so that the sender's
	// use of a key does not consume it for the receiver.
	recv *keyschedule.SecretTree
}

func newEpoch(s *suite.Suite, gc keyschedule.GroupContext, secrets *keyschedule.EpochSecrets, interim []byte, leaves tm.LeafCount, cfg keyschedule.SecretTreeConfig) (*epoch, error) {
	tree, err := keyschedule.NewSecretTree(s, secrets.Encryption, leaves, cfg)
	if err != nil {
		return nil, err
	}
	return &epoch{gc: gc, gcBytes: gc.Bytes(), secrets: secrets,
		keys: EpochKeys{SenderData: secrets.SenderData, Tree: tree}, interim: interim, leaves: leaves}, nil
}

// cachedProposal is a proposal received in the current epoch, kept for
// commits that include it by reference (RFC 9420, Section 12.4).
type cachedProposal struct {
	ref      []byte
	proposal *Proposal
	sender   Sender
}

// Group is one member's state in one group.
type Group struct {
	suite  *suite.Suite
	cfg    Config
	tree   *rt.Tree
	view   *treekem.PrivateView
	sigKey *suite.SignaturePrivateKey
	cur    *epoch
	past   []*epoch // newest last, at most cfg.RetainEpochs

	// resumption holds past epochs' resumption_psk (RFC 9420, Section
	// 8.6), newest last, at most ResumptionPSKs of them.
	resumption []resumptionPSK

	proposals     []cachedProposal
	pendingLeaves map[string]*suite.HPKEPrivateKey // our Update proposals' leaf keys
	staged        *StagedCommit
	removed       bool

	// reinit is the ReInit that a processed or applied Commit covered:
	// the group takes and sends no more messages (RFC 9420, Section
	// 12.4.2) and its members move to the group ReInitGroup creates.
	reinit *ReInit
	// reinitFrom is, in a group made by ReInitGroup, the old group's
	// resumption PSK that its initial Commit injects (Section 11.2).
	reinitFrom *reinitPSK

	// deferErase postpones erasing replaced epochs' secret trees while a
	// simulation Stage is open (see simulation.go).
	deferErase bool
	toErase    []*keyschedule.SecretTree
	// shared is set when simulated members share this state.
	shared bool
	// steps are the ratchet steps of accounted application messages not
	// yet taken (simulation.go).
	steps accountedSteps
}

// Suite returns the group's cipher suite.
func (g *Group) Suite() *suite.Suite { return g.suite }

// Epoch returns the current epoch number.
func (g *Group) Epoch() uint64 { return g.cur.gc.Epoch }

// GroupID returns the group's id.
func (g *Group) GroupID() []byte { return g.cur.gc.GroupID }

// GroupContext returns the current GroupContext.
func (g *Group) GroupContext() keyschedule.GroupContext { return g.cur.gc }

// Tree returns the public ratchet tree. It must not be changed.
func (g *Group) Tree() *rt.Tree { return g.tree }

// LeafIndex returns this member's leaf.
func (g *Group) LeafIndex() tm.LeafIndex { return g.view.Leaf }

// View returns this member's private TreeKEM view.
func (g *Group) View() *treekem.PrivateView { return g.view }

// Removed reports whether a processed Commit removed this member.
func (g *Group) Removed() bool { return g.removed }

// EpochAuthenticator returns epoch_authenticator (RFC 9420, Section 8.7).
func (g *Group) EpochAuthenticator() []byte { return g.cur.secrets.Authenticator }

// Export implements MLS-Exporter (RFC 9420, Section 8.5).
func (g *Group) Export(label string, context []byte, length int) ([]byte, error) {
	return g.cur.secrets.Exporter.Export(g.suite, label, context, length)
}

// EpochSecrets returns the current epoch's secrets (for the security
// oracle's account of what a compromise reveals).
func (g *Group) EpochSecrets() *keyschedule.EpochSecrets { return g.cur.secrets }

// SecretTree returns the current epoch's secret tree, with the ratchet
// steps of accounted messages taken (accountedSteps).
func (g *Group) SecretTree() *keyschedule.SecretTree {
	g.takeSteps()
	return g.cur.keys.Tree
}

// RetainedEpochs returns the numbers of the past epochs still held.
func (g *Group) RetainedEpochs() []uint64 {
	out := make([]uint64, len(g.past))
	for i, e := range g.past {
		out[i] = e.gc.Epoch
	}
	return out
}

// PendingUpdateKeys returns the public keys of this member's Update
// proposals not yet committed.
func (g *Group) PendingUpdateKeys() [][]byte {
	var out [][]byte
	for k := range g.pendingLeaves {
		out = append(out, []byte(k))
	}
	return out
}

// NewGroup creates a one-member group at epoch 0 (RFC 9420, Section 11).
func NewGroup(s *suite.Suite, groupID []byte, kp *KeyPackageBundle, exts []extension.Extension, cfg Config, rand io.Reader) (*Group, error) {
	if cfg.SecretTree == (keyschedule.SecretTreeConfig{}) {
		cfg.SecretTree = keyschedule.DefaultSecretTreeConfig()
	}
	if err := checkExtensions(exts); err != nil {
		return nil, err
	}
	tree := rt.New(s)
	leaf := kp.KeyPackage.LeafNode.Clone()
	tree.SetLeaf(0, leaf)
	gc := keyschedule.GroupContext{CipherSuite: s.ID, GroupID: groupID, Epoch: 0,
		TreeHash: tree.TreeHash(), ConfirmedTranscriptHash: nil, Extensions: exts}
	epochSecret := make([]byte, s.Nh())
	if _, err := io.ReadFull(rand, epochSecret); err != nil {
		return nil, err
	}
	secrets, err := keyschedule.DeriveFromEpochSecret(s, epochSecret)
	if err != nil {
		return nil, err
	}
	// The interim transcript hash of epoch 0 follows from a confirmation tag
	// over the empty confirmed transcript hash (Section 11).
	tag, err := secrets.Confirmation.Tag(s, nil)
	if err != nil {
		return nil, err
	}
	ep, err := newEpoch(s, gc, secrets, keyschedule.InterimTranscriptHash(s, nil, tag), tree.LeafCount(), cfg.SecretTree)
	if err != nil {
		return nil, err
	}
	return &Group{suite: s, cfg: cfg, tree: tree, view: treekem.NewPrivateView(s, 0, kp.LeafKey),
		sigKey: kp.SigKey, cur: ep, pendingLeaves: map[string]*suite.HPKEPrivateKey{}}, nil
}

// ---- framing a member's own content ----

func (g *Group) newContent(ct ContentType) *FramedContent {
	return &FramedContent{GroupID: g.cur.gc.GroupID, Epoch: g.cur.gc.Epoch,
		Sender: Sender{Type: SenderMember, Index: uint32(g.view.Leaf)}, ContentType: ct}
}

// frame signs content and wraps it as a Public or Private message of the
// current epoch. confirmationTag is set for commits.
func (g *Group) frame(c *FramedContent, wf WireFormat, auth FramedContentAuthData, rand io.Reader) (*MLSMessage, error) {
	switch wf {
	case WirePublicMessage:
		pm, err := NewPublicMessage(g.suite, c, auth, g.cur.secrets.Membership, g.cur.gcBytes)
		if err != nil {
			return nil, err
		}
		return &MLSMessage{WireFormat: wf, Public: pm}, nil
	case WirePrivateMessage:
		if err := g.takeSteps(); err != nil {
			return nil, err
		}
		pm, err := NewPrivateMessage(g.suite, c, auth, g.cur.keys, g.cfg.Padding, rand)
		if err != nil {
			return nil, err
		}
		return &MLSMessage{WireFormat: wf, Private: pm}, nil
	}
	return nil, fmt.Errorf("wire format %d cannot carry content", wf)
}

// authenticatedContent encodes AuthenticatedContent (RFC 9420, Section 6.1).
func authenticatedContent(wf WireFormat, c *FramedContent, auth *FramedContentAuthData) []byte {
	b := wire.NewBuilder(256)
	b.U16(uint16(wf))
	c.Marshal(b)
	auth.marshal(b, c.ContentType)
	return b.Bytes()
}

// SendApplication encrypts application data as a PrivateMessage.
func (g *Group) SendApplication(data, authenticatedData []byte, rand io.Reader) (*MLSMessage, error) {
	if g.removed {
		return nil, errors.New("member was removed from the group")
	}
	if g.reinit != nil {
		return nil, g.reinitErr()
	}
	c := g.newContent(ContentApplication)
	c.ApplicationData = data
	c.AuthenticatedData = authenticatedData
	sig, err := SignContent(g.suite, g.sigKey, WirePrivateMessage, c, g.cur.gcBytes)
	if err != nil {
		return nil, err
	}
	return g.frame(c, WirePrivateMessage, FramedContentAuthData{Signature: sig}, rand)
}

// Propose sends a proposal as a member and caches it for this member's own
// commits (RFC 9420, Section 12.1).
func (g *Group) Propose(p *Proposal, wf WireFormat, rand io.Reader) (*MLSMessage, error) {
	if g.reinit != nil {
		return nil, g.reinitErr()
	}
	c := g.newContent(ContentProposal)
	c.Proposal = p
	sig, err := SignContent(g.suite, g.sigKey, wf, c, g.cur.gcBytes)
	if err != nil {
		return nil, err
	}
	auth := FramedContentAuthData{Signature: sig}
	msg, err := g.frame(c, wf, auth, rand)
	if err != nil {
		return nil, err
	}
	g.proposals = append(g.proposals, cachedProposal{
		ref:      g.suite.MakeProposalRef(authenticatedContent(wf, c, &auth)),
		proposal: p, sender: c.Sender,
	})
	return msg, nil
}

// ProposeUpdate proposes a fresh leaf key for this member (RFC 9420,
// Section 12.1.2); the private key is kept until the proposal is committed.
func (g *Group) ProposeUpdate(wf WireFormat, rand io.Reader) (*MLSMessage, error) {
	leaf, key, err := leafForUpdate(g.suite, g.tree.Leaf(g.view.Leaf), g.sigKey, g.GroupID(), g.view.Leaf, rand)
	if err != nil {
		return nil, err
	}
	msg, err := g.Propose(&Proposal{Type: ProposalUpdate, Update: leaf}, wf, rand)
	if err != nil {
		return nil, err
	}
	g.pendingLeaves[string(key.PublicKey())] = key
	return msg, nil
}

// ---- receiving ----

// Received is what processing a message yielded.
type Received struct {
	ContentType     ContentType
	Sender          Sender
	ApplicationData []byte
	Proposal        *Proposal
	Outcome         *Outcome // commits only
}

// Process handles a PublicMessage or PrivateMessage from another member,
// or a PublicMessage from outside the group (an external sender's or a new
// member's proposal, an external commit): application data is returned,
// proposals are cached, commits advance the epoch. On error the group is
// unchanged.
func (g *Group) Process(msg *MLSMessage) (*Received, error) {
	if g.staged != nil {
		return nil, errors.New("a staged commit is pending: apply or discard it first")
	}
	if g.reinit != nil {
		return nil, fmt.Errorf("%w: %w", g.reinitErr(), ErrRejected)
	}
	var (
		c    *FramedContent
		auth *FramedContentAuthData
		ep   = g.cur
	)
	switch msg.WireFormat {
	case WirePublicMessage:
		pm := msg.Public
		c, auth = &pm.Content, &pm.Auth
		if err := g.checkGroupEpoch(c.GroupID, c.Epoch, c.ContentType); err != nil {
			return nil, err
		}
		if c.ContentType == ContentApplication {
			return nil, rejectf("application data in a PublicMessage")
		}
		if c.enc == nil { // not kept (KeepContentEncoding)
			c.pin()
			defer c.unpin()
		}
		if c.Sender.Type == SenderMember && !c.kept.passed(keptTag, ep.secrets.Membership, ep.gcBytes) {
			if err := pm.VerifyMembershipTag(g.suite, ep.secrets.Membership, ep.gcBytes); err != nil {
				return nil, fmt.Errorf("%w: %w", err, ErrRejected)
			}
			c.kept.pass(keptTag, ep.secrets.Membership, ep.gcBytes)
		}
	case WirePrivateMessage:
		pm := msg.Private
		var err error
		if ep, err = g.epochFor(pm.GroupID, pm.Epoch, pm.ContentType); err != nil {
			return nil, err
		}
		if err := g.takeSteps(); err != nil {
			return nil, err
		}
		keys, err := g.receiveKeys(ep)
		if err != nil {
			return nil, err
		}
		if c, auth, err = pm.Open(g.suite, keys); err != nil {
			return nil, fmt.Errorf("%w: %w", err, ErrRejected)
		}
	default:
		return nil, rejectf("wire format %d does not carry group content", msg.WireFormat)
	}
	if c.Sender.Type == SenderMember && c.Sender.Index == uint32(g.view.Leaf) {
		return nil, rejectf("message from this member's own leaf %d", c.Sender.Index)
	}
	sigPub, err := g.signerKey(c)
	if err != nil {
		return nil, err
	}
	if !c.kept.passed(keptSignature, sigPub, ep.gcBytes, auth.Signature) {
		if err := VerifyContent(g.suite, sigPub, msg.WireFormat, c, auth, ep.gcBytes); err != nil {
			return nil, fmt.Errorf("%w: %w", err, ErrRejected)
		}
		c.kept.pass(keptSignature, sigPub, ep.gcBytes, auth.Signature)
	}

	r := &Received{ContentType: c.ContentType, Sender: c.Sender}
	switch c.ContentType {
	case ContentApplication:
		r.ApplicationData = c.ApplicationData
	case ContentProposal:
		if err := g.checkProposal(c.Proposal, c.Sender, false); err != nil {
			return nil, err
		}
		g.proposals = append(g.proposals, cachedProposal{
			ref:      g.suite.MakeProposalRef(authenticatedContent(msg.WireFormat, c, auth)),
			proposal: c.Proposal, sender: c.Sender,
		})
		r.Proposal = c.Proposal
	case ContentCommit:
		out, err := g.processCommit(msg.WireFormat, c, auth)
		if err != nil {
			return nil, err
		}
		r.Outcome = out
	}
	return r, nil
}

func (g *Group) checkGroupEpoch(groupID []byte, ep uint64, ct ContentType) error {
	if string(groupID) != string(g.cur.gc.GroupID) {
		return rejectf("group_id %x is not this group's", groupID)
	}
	if ep != g.cur.gc.Epoch {
		return rejectf("epoch %d, the group is at epoch %d", ep, g.cur.gc.Epoch)
	}
	return nil
}

// epochFor finds the epoch of a PrivateMessage: the current one, or for
// application messages a retained past one.
func (g *Group) epochFor(groupID []byte, e uint64, ct ContentType) (*epoch, error) {
	if string(groupID) != string(g.cur.gc.GroupID) {
		return nil, rejectf("group_id %x is not this group's", groupID)
	}
	if e == g.cur.gc.Epoch {
		return g.cur, nil
	}
	if ct == ContentApplication {
		for _, p := range g.past {
			if p.gc.Epoch == e {
				return p, nil
			}
		}
	}
	return nil, rejectf("epoch %d, the group is at epoch %d (retaining %v)", e, g.cur.gc.Epoch, g.RetainedEpochs())
}

// erase deletes a replaced epoch's secret tree (RFC 9420, Section 9.2),
// or notes it for deletion when a simulation stage is open.
func (g *Group) erase(t *keyschedule.SecretTree) {
	if g.deferErase {
		g.toErase = append(g.toErase, t)
		return
	}
	t.Erase()
}

// eraseEpoch deletes an epoch's secret trees.
func (g *Group) eraseEpoch(ep *epoch) {
	g.takeSteps()
	g.erase(ep.keys.Tree)
	if ep.recv != nil {
		g.erase(ep.recv)
	}
}

// receiveKeys returns the keys for opening PrivateMessages of ep.
func (g *Group) receiveKeys(ep *epoch) (EpochKeys, error) {
	if !g.shared {
		return ep.keys, nil
	}
	if ep.recv == nil {
		t, err := keyschedule.NewSecretTree(g.suite, ep.secrets.Encryption, ep.leaves, g.cfg.SecretTree)
		if err != nil {
			return EpochKeys{}, err
		}
		ep.recv = t
	}
	return EpochKeys{SenderData: ep.keys.SenderData, Tree: ep.recv}, nil
}

// advance makes next the current epoch, retaining the old one per policy
// and deleting what the deletion schedule says (RFC 9420, Section 9.2).
func (g *Group) advance(next *epoch) {
	g.resumption = append(g.resumption, resumptionPSK{g.cur.gc.Epoch, g.cur.secrets.Resumption})
	if len(g.resumption) > ResumptionPSKs {
		g.resumption = g.resumption[1:]
	}
	if g.cfg.RetainEpochs > 0 {
		g.past = append(g.past, g.cur)
		if len(g.past) > g.cfg.RetainEpochs {
			g.eraseEpoch(g.past[0])
			g.past = g.past[1:]
		}
	} else {
		g.eraseEpoch(g.cur)
	}
	g.cur = next
	g.proposals = g.proposals[:0]
	g.reinitFrom = nil // used by the initial Commit only
}

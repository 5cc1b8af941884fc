package mls

import (
	"fmt"

	"cgkalab/models/extension"
	"cgkalab/models/keyschedule"
	rt "cgkalab/models/ratchettree"
	"cgkalab/models/suite"
	tm "cgkalab/models/treemath"
	"cgkalab/models/wire"
)

// ---- External proposals (RFC 9420, Section 12.1.8) ----

// ExternalSender is RFC 9420, Section 12.1.8.1's ExternalSender: a party
// outside the group, such as a delivery service or an administrator, whose
// proposals the group accepts.
type ExternalSender struct {
	SignatureKey []byte
	Credential   rt.Credential
}

// ExternalSendersExtension returns the external_senders GroupContext
// extension listing senders (RFC 9420, Section 12.1.8.1); a sender's
// sender_index is its position in the list.
func ExternalSendersExtension(senders []ExternalSender) extension.Extension {
	return extension.Extension{Type: extension.ExternalSenders, Data: encode(func(b *wire.Builder) {
		b.Vector(func(b *wire.Builder) {
			for i := range senders {
				b.Opaque(senders[i].SignatureKey)
				senders[i].Credential.Marshal(b)
			}
		})
	})}
}

// ParseExternalSenders decodes the data of an external_senders extension.
// Errors wrap wire.ErrMalformed.
func ParseExternalSenders(data []byte) ([]ExternalSender, error) {
	var out []ExternalSender
	err := decode(data, "external_senders", func(r *wire.Reader) {
		r.Vector(func(r *wire.Reader) {
			var e ExternalSender
			r.Struct("ExternalSender", func(r *wire.Reader) {
				e.SignatureKey = r.OpaqueCopy()
				e.Credential.Unmarshal(r)
			})
			out = append(out, e)
		})
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// externalSenders returns the senders a GroupContext's external_senders
// extension lists; ok is false when the extension is absent.
func externalSenders(exts []extension.Extension) (senders []ExternalSender, ok bool, err error) {
	for _, e := range exts {
		if e.Type == extension.ExternalSenders {
			senders, err = ParseExternalSenders(e.Data)
			return senders, true, err
		}
	}
	return nil, false, nil
}

// checkExtensions checks the GroupContext extensions this implementation
// interprets: external_senders must decode.
func checkExtensions(exts []extension.Extension) error {
	if _, _, err := externalSenders(exts); err != nil {
		return fmt.Errorf("external_senders extension: %w", err)
	}
	return nil
}

// ExternalSenderMay reports whether a sender of type external may send a
// proposal of type t: add, remove, psk, reinit and group_context_extensions
// only (RFC 9420, Section 12.1.8, and the "Ext" column of Section 17.4).
func ExternalSenderMay(t ProposalType) bool {
	switch t {
	case ProposalAdd, ProposalRemove, ProposalPSK, ProposalReInit, ProposalGroupContextExtensions:
		return true
	}
	return false
}

// ExternalProposer signs proposals as an external sender (RFC 9420,
// Section 12.1.8): a party listed in a group's external_senders extension
// that holds no group state, only its signature key. Knowing the group's
// current GroupContext (from a GroupInfo, say) is enough to propose.
type ExternalProposer struct {
	suite      *suite.Suite
	sigKey     *suite.SignaturePrivateKey
	credential rt.Credential
}

// NewExternalProposer returns an external sender signing with sigKey.
func NewExternalProposer(s *suite.Suite, sigKey *suite.SignaturePrivateKey, credential rt.Credential) *ExternalProposer {
	return &ExternalProposer{suite: s, sigKey: sigKey, credential: credential}
}

// Sender returns the entry that lists this proposer in external_senders.
func (e *ExternalProposer) Sender() ExternalSender {
	return ExternalSender{SignatureKey: e.sigKey.PublicKey(), Credential: e.credential}
}

// Propose returns p as a PublicMessage from this external sender to the
// group whose current GroupContext is gc (RFC 9420, Sections 6.1, 6.2 and
// 12.1.8): sender_index is the proposer's position in gc's
// external_senders extension, and the signature covers no GroupContext.
func (e *ExternalProposer) Propose(gc keyschedule.GroupContext, p *Proposal) (*MLSMessage, error) {
	if !ExternalSenderMay(p.Type) {
		return nil, fmt.Errorf("an external sender may not send proposals of type %v (RFC 9420, Section 12.1.8)", p.Type)
	}
	senders, ok, err := externalSenders(gc.Extensions)
	if err != nil {
		return nil, err
	}
	if !ok {
		return nil, fmt.Errorf("group %x has no external_senders extension", gc.GroupID)
	}
	me := e.sigKey.PublicKey()
	for i, s := range senders {
		if string(s.SignatureKey) == string(me) {
			return externalProposal(e.suite, e.sigKey, gc, Sender{Type: SenderExternal, Index: uint32(i)}, p)
		}
	}
	return nil, fmt.Errorf("group %x does not list this external sender's signature key", gc.GroupID)
}

// ProposeJoin returns a new_member_proposal PublicMessage in which the
// client holding kp proposes its own Add to the group whose current
// GroupContext is gc, signed with the KeyPackage's signature key (RFC
// 9420, Sections 6.1 and 12.1.8).
func ProposeJoin(s *suite.Suite, gc keyschedule.GroupContext, kp *KeyPackageBundle) (*MLSMessage, error) {
	return externalProposal(s, kp.SigKey, gc, Sender{Type: SenderNewMemberProposal}, &Proposal{Type: ProposalAdd, Add: kp.KeyPackage})
}

// externalProposal frames and signs a proposal from a sender outside the
// group: always a PublicMessage, without membership tag (Section 12.1.8).
func externalProposal(s *suite.Suite, key *suite.SignaturePrivateKey, gc keyschedule.GroupContext, sender Sender, p *Proposal) (*MLSMessage, error) {
	if gc.CipherSuite != s.ID {
		return nil, fmt.Errorf("group of suite %#04x, proposer of suite %#04x", uint16(gc.CipherSuite), uint16(s.ID))
	}
	c := &FramedContent{GroupID: gc.GroupID, Epoch: gc.Epoch, Sender: sender, ContentType: ContentProposal, Proposal: p}
	sig, err := SignContent(s, key, WirePublicMessage, c, nil)
	if err != nil {
		return nil, err
	}
	pm, err := NewPublicMessage(s, c, FramedContentAuthData{Signature: sig}, nil, nil)
	if err != nil {
		return nil, err
	}
	return &MLSMessage{WireFormat: WirePublicMessage, Public: pm}, nil
}

// signerKey returns the key that must have signed c, after the checks its
// sender type requires (RFC 9420, Section 6.1): a member's from its leaf
// (for a retained past epoch, the key its leaf holds now); an external
// sender's from the external_senders extension, for the proposal types it
// may send; a new member's from the KeyPackage of the Add proposing itself,
// or from the LeafNode of its external commit's path.
func (g *Group) signerKey(c *FramedContent) ([]byte, error) {
	switch c.Sender.Type {
	case SenderMember:
		leaf := g.tree.Leaf(tm.LeafIndex(c.Sender.Index))
		if leaf == nil {
			return nil, rejectf("sender leaf %d is blank", c.Sender.Index)
		}
		return leaf.SignatureKey, nil
	case SenderExternal:
		if c.ContentType != ContentProposal {
			return nil, rejectf("external sender with content type %d: only proposals", c.ContentType)
		}
		if !ExternalSenderMay(c.Proposal.Type) {
			return nil, rejectf("external sender sent a proposal of type %v, which only members may send (RFC 9420, Section 12.1.8)", c.Proposal.Type)
		}
		senders, ok, err := externalSenders(g.cur.gc.Extensions)
		switch {
		case err != nil:
			return nil, fmt.Errorf("%w: %w", err, ErrRejected)
		case !ok:
			return nil, rejectf("external sender %d, but the group has no external_senders extension", c.Sender.Index)
		case uint64(c.Sender.Index) >= uint64(len(senders)):
			return nil, rejectf("external sender_index %d, the group lists %d external senders", c.Sender.Index, len(senders))
		}
		return senders[c.Sender.Index].SignatureKey, nil
	case SenderNewMemberProposal:
		if c.ContentType != ContentProposal || c.Proposal.Type != ProposalAdd {
			return nil, rejectf("new_member_proposal sender may send only an Add of itself")
		}
		return c.Proposal.Add.LeafNode.SignatureKey, nil
	case SenderNewMemberCommit:
		if c.ContentType != ContentCommit {
			return nil, rejectf("new_member_commit sender with content type %d", c.ContentType)
		}
		if c.Commit.Path == nil {
			return nil, rejectf("external commit without a path")
		}
		return c.Commit.Path.LeafNode.SignatureKey, nil
	}
	return nil, rejectf("sender type %d is not supported", c.Sender.Type)
}

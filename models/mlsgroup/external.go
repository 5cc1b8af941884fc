package mlsgroup

import (
	"fmt"

	"cgkalab/models/extension"
	"cgkalab/models/mls"
	"cgkalab/models/protocol"
	rt "cgkalab/models/ratchettree"
	"cgkalab/models/suite"
)

// Eviction by the delivery service (Options.EvictBy = EvictByService):
// RFC 9750, Section 7 asks for a policy removing members idle too long,
// and the party that sees who is idle is the delivery service. It is
// listed in the group's external_senders extension (RFC 9420, Section
// 12.1.8.1) with a signature key drawn at the group's creation, and sends
// each Remove as a PublicMessage from SenderType external (Section
// 12.1.8), which every member verifies against that extension; a member
// commits the Removes by reference under the commit policy.

// MsgExternalProposal is the kind of a proposal from an external sender.
const MsgExternalProposal = "external_proposal"

// service is the delivery service as an external sender.
type service struct {
	proposer *mls.ExternalProposer
	key      *suite.SignaturePrivateKey
	// proposed maps a member to 1 + the epoch in which its Remove was
	// proposed, so that eviction checks within one epoch send it once.
	proposed map[protocol.MemberID]uint64
}

// serviceExtensions draws the delivery service's signature key from the
// protocol's stream and returns the GroupContext extensions naming it;
// none unless the service evicts.
func (g *Group) serviceExtensions() ([]extension.Extension, error) {
	if !g.opts.byService() {
		return nil, nil
	}
	key, err := g.suite.GenerateSignatureKey(g.env.Rand)
	if err != nil {
		return nil, fmt.Errorf("mlsgroup: delivery service key: %w", err)
	}
	p := mls.NewExternalProposer(g.suite, key, rt.Credential{Type: rt.CredentialBasic, Identity: []byte("delivery-service")})
	g.service = &service{proposer: p, key: key, proposed: map[protocol.MemberID]uint64{}}
	return []extension.Extension{mls.ExternalSendersExtension([]mls.ExternalSender{p.Sender()})}, nil
}

// startExtensions gives a group created in a warm or churned shape the
// service's extension: the shared state, and every member's own in full
// mode.
func (g *Group) startExtensions() error {
	exts, err := g.serviceExtensions()
	if err != nil || exts == nil {
		return err
	}
	if g.canon != nil {
		return g.canon.SetStartExtensions(exts)
	}
	g.order.each(func(id protocol.MemberID) {
		if err == nil {
			err = g.member(id).state().state.SetStartExtensions(exts)
		}
	})
	return err
}

// evictByService has the delivery service propose the Remove of each idle
// member not yet proposed in this epoch, then applies the commit policy.
func (g *Group) evictByService(stale []protocol.MemberID) error {
	if g.service == nil {
		return fmt.Errorf("mlsgroup: mls.evict_by: service, but the group has no delivery service key")
	}
	epoch := g.Epoch() + 1
	for _, id := range stale {
		m := g.member(id)
		if m == nil || g.service.proposed[id] == epoch {
			continue
		}
		out, err := g.proposeExternal(&mls.Proposal{Type: mls.ProposalRemove, Remove: uint32(m.leaf)})
		if err != nil {
			return err
		}
		out.Label = "evict"
		g.emit(out)
		g.service.proposed[id] = epoch
		g.pending++
		g.pendingBy = noProposer
	}
	return g.afterProposal()
}

// proposeExternal sends p from the delivery service: every online member
// verifies it in full mode (offline ones queue it), sampled receivers do
// in the sampled modes, after which the shared state caches it as every
// member's does.
func (g *Group) proposeExternal(p *mls.Proposal) (*protocol.Outcome, error) {
	t0 := g.now()
	msg, err := g.service.proposer.Propose(g.ref().GroupContext(), p)
	out := &protocol.Outcome{Actor: protocol.Service, Sender: protocol.Ops{Sign: 1}, SenderNanos: g.now() - t0}
	if err != nil {
		return nil, fmt.Errorf("mlsgroup: delivery service proposing: %w", err)
	}
	encoded := msg.Bytes()
	out.Messages = []protocol.Message{{Kind: MsgExternalProposal, Bytes: len(encoded)}}
	if g.full {
		return out, g.broadcast(protocol.Service, encoded, out)
	}
	if err := g.sampleProposal(protocol.Service, encoded, out); err != nil {
		return nil, err
	}
	kept, err := mls.ParseMLSMessage(encoded)
	if err != nil {
		return nil, err
	}
	if _, err := g.canon.Process(kept); err != nil {
		return nil, fmt.Errorf("mlsgroup: shared state caching the delivery service's proposal: %w", err)
	}
	return out, nil
}

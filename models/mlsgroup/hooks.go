package mlsgroup

import (
	"fmt"

	"cgkalab/models/mls"
	"cgkalab/models/protocol"
)

// Hooks for protocols built on top of an MLS group (models/mlsarchive):
// they send their own application content through MLS, see what members
// really decrypted, and name MLS's epoch secrets to the security oracle.

// Observer is called with the content of every application message a
// member decrypted for real: every online receiver in full mode (and
// offline ones when they sync), the sampled receiver in sampled mode.
type Observer func(receiver protocol.MemberID, content []byte)

// SetObserver sets (or with nil clears) the group's observer.
func (g *Group) SetObserver(f Observer) { g.observe = f }

// observed passes a processed application message to the observer.
func (g *Group) observed(receiver protocol.MemberID, r *mls.Received) {
	if g.observe != nil && r != nil && r.ContentType == mls.ContentApplication {
		g.observe(receiver, r.ApplicationData)
	}
}

// SendContent has actor send content as an MLS application message in the
// current epoch, delivered like any Send intent; its outcome is labelled
// "send" and protected by the epoch's secret (the caller may relabel it).
func (g *Group) SendContent(actor protocol.MemberID, content []byte) (*protocol.Outcome, error) {
	if g.ref() == nil || !g.IsMember(actor) {
		return nil, fmt.Errorf("mlsgroup: SendContent by %d, not a member of a group that exists", actor)
	}
	g.outs = nil
	if err := g.record(g.send(actor, content, false)); err != nil {
		return nil, err
	}
	return g.outs[0], nil
}

// EpochSecret names the secret standing for all of epoch e's secrets, as
// this package reports it to the oracle (EpochMark, Protected, Held).
func EpochSecret(e uint64) protocol.Secret { return epochSecret(e) }

// IsMember reports whether id is a member of the group now.
func (g *Group) IsMember(id protocol.MemberID) bool {
	return g.member(id) != nil
}

// SignAs has member id sign content with its MLS signature key
// (SignWithLabel, RFC 9420, Section 5.1.2), for the messages of a
// protocol built on this group.
func (g *Group) SignAs(id protocol.MemberID, label string, content []byte) ([]byte, error) {
	m := g.member(id)
	if m == nil {
		return nil, fmt.Errorf("mlsgroup: SignAs %d, not a member", id)
	}
	return g.suite.SignWithLabel(g.sigKey(m), label, content)
}

// SignaturePublicKey returns member id's signature public key.
func (g *Group) SignaturePublicKey(id protocol.MemberID) ([]byte, bool) {
	m := g.member(id)
	if m == nil {
		return nil, false
	}
	return g.sigKey(m).PublicKey(), true
}

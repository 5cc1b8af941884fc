package senderkeys

import (
	"fmt"
	"maps"
	"slices"

	"cgkalab/models/dratchet"
	"cgkalab/models/protocol"
)

// The sender key secrets the security oracle tracks, beside the pairwise
// ones of dratchet: A is the sender and its key generation (sender<<32 |
// generation), B the iteration.
const (
	// kindChain: the chain key of a sender key at an iteration.
	kindChain = dratchet.KindNext + iota
	// kindMessage: the message key of an iteration.
	kindMessage
)

func chainSecret(s protocol.MemberID, gen, iter uint32) protocol.Secret {
	return protocol.Secret{Kind: kindChain, A: uint64(s)<<32 | uint64(gen), B: uint64(iter)}
}

func messageSecret(s protocol.MemberID, gen, iter uint32) protocol.Secret {
	return protocol.Secret{Kind: kindMessage, A: uint64(s)<<32 | uint64(gen), B: uint64(iter)}
}

// stepReveals says that a chain key gives the next one and its message
// key: knowing a sender's chain exposes its later messages, not earlier
// ones.
func stepReveals(s protocol.MemberID, gen, iter uint32) []protocol.Reveal {
	ck := chainSecret(s, gen, iter)
	return []protocol.Reveal{{From: ck, To: chainSecret(s, gen, iter+1)}, {From: ck, To: messageSecret(s, gen, iter)}}
}

// Compromise implements protocol.Compromiser: the member's pairwise
// sessions and prekeys, its own sender key, every sender key it holds at
// its position, and the skipped message keys it stores. A member offline
// reveals its state as of its last processing.
func (g *Group) Compromise(id protocol.MemberID) (protocol.Knowledge, error) {
	m := g.members[id]
	if m == nil {
		return protocol.Knowledge{}, fmt.Errorf("senderkeys: %d is not a member", id)
	}
	secrets, err := g.mesh.Knowledge(id)
	if err != nil {
		return protocol.Knowledge{}, fmt.Errorf("senderkeys: member %d: %w", id, err)
	}
	secrets = append(secrets, chainSecret(id, m.own.gen, m.own.iter))
	for _, s := range slices.Sorted(maps.Keys(m.recv)) {
		rk := m.recv[s]
		secrets = append(secrets, chainSecret(s, rk.gen, rk.iter))
		for _, k := range rk.skipped {
			secrets = append(secrets, messageSecret(s, rk.gen, k.iter))
		}
	}
	return protocol.Knowledge{Secrets: secrets, Current: g.epoch}, nil
}

package static

import (
	"fmt"
	"slices"

	"cgkalab/models/protocol"
)

// kindGroupKey is the secret kind of the group key of generation A.
const kindGroupKey = protocol.KindBase

func groupKeySecret(gen uint32) protocol.Secret {
	return protocol.Secret{Kind: kindGroupKey, A: uint64(gen)}
}

// Compromise implements protocol.Compromiser: a member's device reveals its
// wrap key and every group key it holds (it keeps them all, to read the
// group's history); an offline device holds what it had when it went
// offline. Generations stand for epochs.
func (g *Group) Compromise(id protocol.MemberID) (protocol.Knowledge, error) {
	m, ok := g.members[id]
	if !ok {
		return protocol.Knowledge{}, fmt.Errorf("static: %d is not a member", id)
	}
	k := protocol.Knowledge{Secrets: []protocol.Secret{protocol.KeySecret(m.wrapKey.PublicKey())}, Current: uint64(m.gen)}
	gens := make([]uint32, 0, len(m.keys))
	for gen := range m.keys {
		gens = append(gens, gen)
	}
	slices.Sort(gens)
	for _, gen := range gens {
		k.Secrets = append(k.Secrets, groupKeySecret(gen))
		k.Epochs = append(k.Epochs, uint64(gen))
	}
	return k, nil
}

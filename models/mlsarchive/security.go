package mlsarchive

import (
	"encoding/json"
	"slices"

	"cgkalab/models/protocol"
)

// kindArchiveKey is the secret kind of archive key A. MLS's kinds
// (models/mlsgroup) start at protocol.KindBase; the archive's lie well
// above them.
const kindArchiveKey = protocol.KindBase + 32

func archiveKeySecret(gen uint32) protocol.Secret {
	return protocol.Secret{Kind: kindArchiveKey, A: uint64(gen)}
}

// Compromise implements protocol.Compromiser: what MLS's state reveals,
// and every archive key the device holds.
func (g *Group) Compromise(id protocol.MemberID) (protocol.Knowledge, error) {
	k, err := g.mls.Compromise(id)
	if err != nil {
		return k, err
	}
	if h, ok := g.holders[id]; ok {
		k.Secrets = append(k.Secrets, secretsOf(keysOf(h.keys))...)
	}
	return k, nil
}

// CompromiseService reveals what the backup service holds: its private
// key (hence every archive key sealed to it, later ones too) and every
// archive key it stored. It is an error without a backup service.
func (g *Group) CompromiseService() (protocol.Knowledge, bool, error) {
	if g.backup == nil {
		return protocol.Knowledge{}, false, nil // archive.backup is false: no service
	}
	k := protocol.Knowledge{Secrets: []protocol.Secret{protocol.KeySecret(g.backup.PublicKey())}}
	k.Secrets = append(k.Secrets, secretsOf(g.backupGens)...)
	return k, true, nil
}

func keysOf(m map[uint32]*archiveKey) []uint32 {
	gens := make([]uint32, 0, len(m))
	for gen := range m {
		gens = append(gens, gen)
	}
	slices.Sort(gens)
	return gens
}

func secretsOf(gens []uint32) []protocol.Secret {
	out := make([]protocol.Secret, len(gens))
	for i, gen := range gens {
		out[i] = archiveKeySecret(gen)
	}
	return out
}

// HoldsForTesting lists the archive key generations member id holds.
func (g *Group) HoldsForTesting(id protocol.MemberID) []uint32 {
	if h, ok := g.holders[id]; ok {
		return keysOf(h.keys)
	}
	return nil
}

func jsonOf(v any) (json.RawMessage, error) { return json.Marshal(v) }

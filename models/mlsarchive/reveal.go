package mlsarchive

import "cgkalab/models/protocol"

// RevealedBy implements protocol.Revealer with the MLS group's encryption
// edges, which its Outcomes leave out (see mlsgroup's edges.go); the
// archive's own reveals stay in the Outcomes.
func (g *Group) RevealedBy(dst []protocol.Secret, pub []byte) []protocol.Secret {
	return g.mls.RevealedBy(dst, pub)
}

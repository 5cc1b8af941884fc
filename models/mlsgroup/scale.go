package mlsgroup

// TreeHashForTesting returns the tree hash of the group's public ratchet
// tree (RFC 9420, Section 7.8), so tests can compare runs whose epoch
// authenticators differ by construction (scaled mode hashes filler
// ciphertexts into its transcripts).
func (g *Group) TreeHashForTesting() []byte {
	if g.ref() == nil {
		return nil
	}
	return g.tree().TreeHash()
}

// AccountedSendsForTesting returns how many application messages scaled
// mode has accounted rather than sent (send), so tests can check that
// their specs exercise it.
func (g *Group) AccountedSendsForTesting() int { return g.realSends.accounted }

package mls

import (
	"io"

	rt "cgkalab/models/ratchettree"
	"cgkalab/models/suite"
	"cgkalab/models/treekem"
	tm "cgkalab/models/treemath"
)

// Accounting tells Commit which of its public-key encryptions a
// simulation needs performed: in a group of a million simulated members
// of which a handful process each commit for real, the ciphertexts to the
// others would never be decrypted. An accounted encryption keeps the exact
// length of a real one and advances the random stream as a real one
// does, and it is counted in the Outcome's operations; no public-key work
// is done and its bytes are filler, so the Commit's transcript (and with
// it the new epoch's secrets) differ from a run that performs them all.
// The tree, path keys, parent hashes, signatures, GroupInfo and key
// schedule stay real.
type Accounting struct {
	// Readers are the leaves of the members that will process the Commit
	// for real: the UpdatePath's encryptions to the resolution entries
	// covering them are performed, the rest accounted.
	Readers []tm.LeafIndex
	// Welcome accounts the encryption of every joiner's GroupSecrets to
	// its init key (for simulations in which no joiner processes its
	// Welcome); the GroupInfo is still signed and encrypted for real.
	Welcome bool
}

// encryptPath encrypts an UpdatePath's path secrets as a accounts them.
func (a *Accounting) encryptPath(pp *treekem.PendingPath, t *rt.Tree, groupContext []byte, added []tm.LeafIndex, rand io.Reader) (*treekem.UpdatePath, []treekem.Edge, error) {
	if a == nil {
		return pp.Encrypt(t, groupContext, added, rand)
	}
	return pp.EncryptAccounted(t, groupContext, added, a.Readers, rand)
}

// encryptGroupSecrets encrypts a joiner's GroupSecrets to its init key
// (RFC 9420, Section 12.4.3.1), or accounts the encryption.
func (a *Accounting) encryptGroupSecrets(s *suite.Suite, initKey, encGroupInfo, groupSecrets []byte, rand io.Reader) (kemOutput, ciphertext []byte, err error) {
	if a == nil || !a.Welcome {
		return s.EncryptWithLabel(initKey, "Welcome", encGroupInfo, groupSecrets, rand)
	}
	if err := s.DrawEncapRandomness(rand); err != nil {
		return nil, nil, err
	}
	kemOutput, ciphertext = s.AccountedEncryptWithLabel(len(groupSecrets))
	return kemOutput, ciphertext, nil
}

// PendingRemovals returns the leaves that a Commit by reference made now
// would remove: the Removes selectProposals keeps (RFC 9420, Section
// 12.2). A simulation that samples the Commit's receivers before creating
// it leaves these members out.
func (g *Group) PendingRemovals() []tm.LeafIndex {
	var out []tm.LeafIndex
	for _, cp := range g.selectProposals() {
		if cp.proposal.Type == ProposalRemove {
			out = append(out, tm.LeafIndex(cp.proposal.Remove))
		}
	}
	return out
}

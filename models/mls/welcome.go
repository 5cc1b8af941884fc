package mls

import (
	"bytes"
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

// signGroupInfo fills GroupInfo.signature: SignWithLabel(., "GroupInfoTBS",
// GroupInfoTBS) (RFC 9420, Section 12.4.3).
func signGroupInfo(s *suite.Suite, gi *GroupInfo, key *suite.SignaturePrivateKey) error {
	sig, err := s.SignWithLabel(key, "GroupInfoTBS", encode(gi.marshalTBS))
	gi.Signature = sig
	return err
}

// Verify checks the GroupInfo's signature with the signer's signature
// public key: VerifyWithLabel(., "GroupInfoTBS", GroupInfoTBS) (RFC 9420,
// Section 12.4.3). A bad signature wraps ErrRejected.
func (g *GroupInfo) Verify(s *suite.Suite, signerPub []byte) error {
	if err := s.VerifyWithLabel(signerPub, "GroupInfoTBS", encode(g.marshalTBS), g.Signature); err != nil {
		return fmt.Errorf("GroupInfo: %w: %w", err, ErrRejected)
	}
	return nil
}

// verifyGroupInfo checks a GroupInfo's signature against its signer's
// leaf in tree.
func verifyGroupInfo(s *suite.Suite, gi *GroupInfo, tree *rt.Tree) error {
	leaf := tree.Leaf(tm.LeafIndex(gi.Signer))
	if leaf == nil {
		return rejectf("GroupInfo signer %d is a blank leaf", gi.Signer)
	}
	return gi.Verify(s, leaf.SignatureKey)
}

// GroupInfo returns a signed GroupInfo for the current epoch, with the
// external_pub extension so that clients can join by external commit
// (RFC 9420, Sections 12.4.3 and 12.4.3.2), and the ratchet tree if asked.
func (g *Group) GroupInfo(withTree bool) (*GroupInfo, error) {
	ext, err := g.cur.secrets.External.KeyPair(g.suite)
	if err != nil {
		return nil, err
	}
	tag, err := g.cur.secrets.Confirmation.Tag(g.suite, g.cur.gc.ConfirmedTranscriptHash)
	if err != nil {
		return nil, err
	}
	exts := []extension.Extension{{Type: extension.ExternalPub, Data: encode(func(b *wire.Builder) { b.Opaque(ext.PublicKey()) })}}
	if withTree {
		exts = append(exts, extension.Extension{Type: extension.RatchetTree, Data: g.tree.Bytes()})
	}
	gi := &GroupInfo{GroupContext: g.cur.gc, Extensions: exts, ConfirmationTag: tag, Signer: uint32(g.view.Leaf)}
	return gi, signGroupInfo(g.suite, gi, g.sigKey)
}

// welcome builds the Welcome for the members a Commit adds (RFC 9420,
// Section 12.4.3.1): the GroupInfo of the new epoch encrypted under the
// welcome secret, and GroupSecrets for each joiner encrypted to its
// KeyPackage's init key, carrying the path secret of the lowest common
// ancestor of joiner and committer when the Commit has a path.
func (g *Group) welcome(next *epoch, tag []byte, a *applied, pp *treekem.PendingPath, withTree bool, acct *Accounting, out *Outcome, rand io.Reader) (*MLSMessage, error) {
	s := g.suite
	var exts []extension.Extension
	if withTree {
		exts = []extension.Extension{{Type: extension.RatchetTree, Data: g.tree.Bytes()}}
	}
	gi := &GroupInfo{GroupContext: next.gc, Extensions: exts, ConfirmationTag: tag, Signer: uint32(g.view.Leaf)}
	if err := signGroupInfo(s, gi, g.sigKey); err != nil {
		return nil, err
	}
	out.Ops.Sign++
	giBytes := encode(gi.Marshal)
	out.GroupInfoBytes = len(giBytes)
	key, nonce, err := next.secrets.Welcome.KeyNonce(s)
	if err != nil {
		return nil, err
	}
	encGI, err := s.Seal(key, nonce, nil, giBytes)
	if err != nil {
		return nil, err
	}
	var pskIDs []keyschedule.PreSharedKeyID
	for _, p := range a.psks {
		pskIDs = append(pskIDs, p.ID)
	}
	w := &Welcome{CipherSuite: s.ID, EncryptedGroupInfo: encGI}
	for i, l := range a.added {
		kp := a.addedKPs[i]
		gs := GroupSecrets{JoinerSecret: next.secrets.Joiner, PSKs: pskIDs}
		if pp != nil {
			lca := tm.CommonAncestor(g.view.Leaf.Node(), l.Node())
			for k, x := range pp.Path() {
				if x == lca {
					gs.PathSecret = pp.PathSecrets()[k]
				}
			}
		}
		kemOut, ct, err := acct.encryptGroupSecrets(s, kp.InitKey, encGI, encode(gs.Marshal), rand)
		if err != nil {
			return nil, fmt.Errorf("welcome for leaf %d: %w", l, err)
		}
		out.Ops.Encrypt++
		w.Secrets = append(w.Secrets, EncryptedGroupSecrets{NewMember: kp.Ref(s), Secrets: treekem.HPKECiphertext{KEMOutput: kemOut, Ciphertext: ct}})
		out.Joiners = append(out.Joiners, Joiner{Leaf: l, InitKey: kp.InitKey})
	}
	return &MLSMessage{WireFormat: WireWelcome, Welcome: w}, nil
}

// DecryptGroupSecrets finds the entry of the Welcome's secrets addressed
// to kp (by KeyPackageRef) and decrypts it with the KeyPackage's init key:
// DecryptWithLabel(init_key, "Welcome", encrypted_group_info, kem_output,
// ciphertext) (RFC 9420, Section 12.4.3.1). Failures wrap ErrRejected.
func (w *Welcome) DecryptGroupSecrets(s *suite.Suite, kp *KeyPackage, initKey *suite.HPKEPrivateKey) (*GroupSecrets, error) {
	if w.CipherSuite != s.ID || kp.CipherSuite != s.ID {
		return nil, rejectf("Welcome suite %#04x, KeyPackage suite %#04x, expected %#04x", uint16(w.CipherSuite), uint16(kp.CipherSuite), uint16(s.ID))
	}
	ref := kp.Ref(s)
	var egs *EncryptedGroupSecrets
	for i := range w.Secrets {
		if bytes.Equal(w.Secrets[i].NewMember, ref) {
			egs = &w.Secrets[i]
		}
	}
	if egs == nil {
		return nil, rejectf("Welcome holds no secrets for this KeyPackage")
	}
	gsBytes, err := s.DecryptWithLabel(initKey, "Welcome", w.EncryptedGroupInfo, egs.Secrets.KEMOutput, egs.Secrets.Ciphertext)
	if err != nil {
		return nil, fmt.Errorf("group secrets: %w: %w", err, ErrRejected)
	}
	gs := new(GroupSecrets)
	if err := decode(gsBytes, "GroupSecrets", gs.Unmarshal); err != nil {
		return nil, fmt.Errorf("%w: %w", err, ErrRejected)
	}
	return gs, nil
}

// DecryptGroupInfo decrypts the Welcome's encrypted_group_info with the
// welcome_key and welcome_nonce derived from joiner_secret and psk_secret
// (RFC 9420, Sections 8 and 12.4.3.1) and checks that the GroupInfo is of
// suite s. It does not verify the signature (see GroupInfo.Verify) or the
// confirmation tag. Failures wrap ErrRejected.
func (w *Welcome) DecryptGroupInfo(s *suite.Suite, joiner keyschedule.JoinerSecret, psk keyschedule.PSKSecret) (*GroupInfo, error) {
	ws, err := joiner.WelcomeSecret(s, psk)
	if err != nil {
		return nil, fmt.Errorf("%w: %w", err, ErrRejected)
	}
	key, nonce, err := ws.KeyNonce(s)
	if err != nil {
		return nil, err
	}
	giBytes, err := s.Open(key, nonce, nil, w.EncryptedGroupInfo)
	if err != nil {
		return nil, fmt.Errorf("GroupInfo: %w: %w", err, ErrRejected)
	}
	gi := new(GroupInfo)
	if err := decode(giBytes, "GroupInfo", gi.Unmarshal); err != nil {
		return nil, fmt.Errorf("%w: %w", err, ErrRejected)
	}
	if gi.GroupContext.CipherSuite != s.ID {
		return nil, rejectf("GroupInfo suite %#04x", uint16(gi.GroupContext.CipherSuite))
	}
	return gi, nil
}

// Join processes a Welcome for the KeyPackage kp (RFC 9420, Section
// 12.4.3.1). tree is the group's ratchet tree, or nil when the GroupInfo
// carries it; Join takes ownership of it.
func Join(s *suite.Suite, w *Welcome, kp *KeyPackageBundle, tree *rt.Tree, cfg Config) (*Group, error) {
	g, _, err := join(s, w, kp, tree, cfg, nil)
	return g, err
}

// resumptionLookup returns the resumption PSK a Welcome names, if the
// joiner holds it.
type resumptionLookup func(id *keyschedule.PreSharedKeyID) ([]byte, bool)

// welcomePSKs looks up the PSKs a Welcome's GroupSecrets name (RFC 9420,
// Section 12.4.3.1): external ones in cfg, resumption ones through
// resume; a resumption PSK of usage reinit or branch must be the only one
// of those usages. reinitOrBranch reports whether there is one.
func welcomePSKs(ids []keyschedule.PreSharedKeyID, cfg Config, resume resumptionLookup) (psks []keyschedule.PSK, reinitOrBranch bool, err error) {
	for _, id := range ids {
		var secret []byte
		ok := false
		switch id.Type {
		case keyschedule.PSKTypeExternal:
			secret, ok = cfg.ExternalPSKs[string(id.ID)]
		case keyschedule.PSKTypeResumption:
			if id.Usage == keyschedule.ResumptionReInit || id.Usage == keyschedule.ResumptionBranch {
				if reinitOrBranch {
					return nil, false, rejectf("Welcome names two reinit or branch resumption PSKs")
				}
				reinitOrBranch = true
			}
			if resume != nil {
				secret, ok = resume(&id)
			}
		}
		if !ok {
			return nil, false, rejectf("Welcome needs a PSK this client does not hold (type %d, id %x, group %x, epoch %d)", id.Type, id.ID, id.GroupID, id.Epoch)
		}
		psks = append(psks, keyschedule.PSK{ID: id, Secret: secret})
	}
	return psks, reinitOrBranch, nil
}

// join is Join with resumption PSKs looked up through resume (nil when the
// joiner holds none); it also returns the GroupInfo for checks of its
// caller's own.
func join(s *suite.Suite, w *Welcome, kp *KeyPackageBundle, tree *rt.Tree, cfg Config, resume resumptionLookup) (*Group, *GroupInfo, error) {
	if cfg.SecretTree == (keyschedule.SecretTreeConfig{}) {
		cfg.SecretTree = keyschedule.DefaultSecretTreeConfig()
	}
	gs, err := w.DecryptGroupSecrets(s, kp.KeyPackage, kp.InitKey)
	if err != nil {
		return nil, nil, err
	}
	joiner := keyschedule.JoinerSecret(gs.JoinerSecret)
	psks, reinitOrBranch, err := welcomePSKs(gs.PSKs, cfg, resume)
	if err != nil {
		return nil, nil, err
	}
	psk, err := keyschedule.NewPSKSecret(s, psks)
	if err != nil {
		return nil, nil, fmt.Errorf("%w: %w", err, ErrRejected)
	}
	gi, err := w.DecryptGroupInfo(s, joiner, psk)
	if err != nil {
		return nil, nil, err
	}
	if reinitOrBranch && gi.GroupContext.Epoch != 1 {
		return nil, nil, rejectf("a Welcome with a reinit or branch PSK is for epoch %d, want 1", gi.GroupContext.Epoch)
	}
	if err := checkExtensions(gi.GroupContext.Extensions); err != nil {
		return nil, nil, fmt.Errorf("GroupContext: %w: %w", err, ErrRejected)
	}
	if tree, err = treeFor(s, gi, tree); err != nil {
		return nil, nil, err
	}
	if err := verifyGroupInfo(s, gi, tree); err != nil {
		return nil, nil, err
	}
	if err := checkJoinTree(s, gi, tree, cfg); err != nil {
		return nil, nil, err
	}
	mine := kp.KeyPackage.LeafNode.Bytes()
	me := tm.LeafIndex(0)
	found := false
	for l := range tree.LeafCount() {
		if n := tree.Leaf(tm.LeafIndex(l)); n != nil && bytes.Equal(n.Bytes(), mine) {
			me, found = tm.LeafIndex(l), true
			break
		}
	}
	if !found {
		return nil, nil, rejectf("the tree holds no leaf equal to the KeyPackage's")
	}
	view := treekem.NewPrivateView(s, me, kp.LeafKey)
	if gs.PathSecret != nil {
		signer := tm.LeafIndex(gi.Signer)
		path, _ := tree.FilteredDirectPath(signer, nil, nil)
		lca := tm.CommonAncestor(me.Node(), signer.Node())
		i := 0
		for i < len(path) && path[i] != lca {
			i++
		}
		if i == len(path) {
			return nil, nil, rejectf("common ancestor %d of joiner and signer is not on the signer's filtered direct path", lca)
		}
		if _, _, err := view.AdoptPathSecret(tree, path[i:], gs.PathSecret); err != nil {
			return nil, nil, fmt.Errorf("path secret: %w: %w", err, ErrRejected)
		}
	}
	secrets, err := keyschedule.DeriveFromJoiner(s, joiner, psk, &gi.GroupContext)
	if err != nil {
		return nil, nil, err
	}
	if err := secrets.Confirmation.Verify(s, gi.GroupContext.ConfirmedTranscriptHash, gi.ConfirmationTag); err != nil {
		return nil, nil, fmt.Errorf("GroupInfo confirmation tag: %w: %w", err, ErrRejected)
	}
	ep, err := newEpoch(s, gi.GroupContext, secrets,
		keyschedule.InterimTranscriptHash(s, gi.GroupContext.ConfirmedTranscriptHash, gi.ConfirmationTag), tree.LeafCount(), cfg.SecretTree)
	if err != nil {
		return nil, nil, err
	}
	return &Group{suite: s, cfg: cfg, tree: tree, view: view, sigKey: kp.SigKey, cur: ep,
		pendingLeaves: map[string]*suite.HPKEPrivateKey{}}, gi, nil
}

// treeFor returns the supplied tree, or the one in the GroupInfo's
// ratchet_tree extension (RFC 9420, Section 12.4.3.3).
func treeFor(s *suite.Suite, gi *GroupInfo, tree *rt.Tree) (*rt.Tree, error) {
	for _, e := range gi.Extensions {
		if e.Type == extension.RatchetTree {
			if tree != nil {
				break // the caller's copy wins; its hash is checked all the same
			}
			t, err := rt.Unmarshal(s, e.Data)
			if err != nil {
				return nil, fmt.Errorf("ratchet_tree extension: %w: %w", err, ErrRejected)
			}
			return t, nil
		}
	}
	if tree == nil {
		return nil, rejectf("no ratchet tree: neither supplied nor in the GroupInfo")
	}
	return tree, nil
}

// checkJoinTree performs a joiner's tree checks (RFC 9420, Section
// 12.4.3.1): the tree hash matches the GroupContext and the tree is valid.
func checkJoinTree(s *suite.Suite, gi *GroupInfo, tree *rt.Tree, cfg Config) error {
	if !bytes.Equal(tree.TreeHash(), gi.GroupContext.TreeHash) {
		return rejectf("ratchet tree hash does not match the GroupContext")
	}
	if err := tree.Validate(&rt.LeafPolicy{GroupID: gi.GroupContext.GroupID, Now: cfg.Now}); err != nil {
		return fmt.Errorf("%w: %w", err, ErrRejected)
	}
	return nil
}

// ExternalJoin joins a group by external commit (RFC 9420, Section
// 12.4.3.2) from its GroupInfo (with external_pub) and ratchet tree (nil
// when the GroupInfo carries it). resync, if set, is the leaf of an old
// appearance of this client to remove. It returns the new member's group
// in the new epoch and the Commit to send.
func ExternalJoin(s *suite.Suite, gi *GroupInfo, tree *rt.Tree, kp *KeyPackageBundle, resync *tm.LeafIndex, cfg Config, rand io.Reader) (*Group, *MLSMessage, *Outcome, error) {
	if cfg.SecretTree == (keyschedule.SecretTreeConfig{}) {
		cfg.SecretTree = keyschedule.DefaultSecretTreeConfig()
	}
	tree, err := treeFor(s, gi, tree)
	if err != nil {
		return nil, nil, nil, err
	}
	if err := verifyGroupInfo(s, gi, tree); err != nil {
		return nil, nil, nil, err
	}
	if err := checkJoinTree(s, gi, tree, cfg); err != nil {
		return nil, nil, nil, err
	}
	var extPub []byte
	for _, e := range gi.Extensions {
		if e.Type == extension.ExternalPub {
			if err := decode(e.Data, "ExternalPub", func(r *wire.Reader) { extPub = r.OpaqueCopy() }); err != nil {
				return nil, nil, nil, fmt.Errorf("%w: %w", err, ErrRejected)
			}
		}
	}
	if extPub == nil {
		return nil, nil, nil, rejectf("GroupInfo has no external_pub extension")
	}
	kemOutput, init, err := keyschedule.NewExternalInit(s, extPub, rand)
	if err != nil {
		return nil, nil, nil, err
	}
	old := gi.GroupContext
	proposals := []ProposalOrRef{{Proposal: &Proposal{Type: ProposalExternalInit, KEMOutput: kemOutput}}}
	out := &Outcome{Epoch: old.Epoch, External: true, Proposals: 1}
	if resync != nil {
		if err := tree.Remove(*resync); err != nil {
			return nil, nil, nil, err
		}
		proposals = append(proposals, ProposalOrRef{Proposal: &Proposal{Type: ProposalRemove, Remove: uint32(*resync)}})
		out.Removed = []tm.LeafIndex{*resync}
		out.Proposals++
	}
	if err := tree.CheckLeafKeys(kp.KeyPackage.LeafNode, rt.NoLeaf); err != nil {
		return nil, nil, nil, fmt.Errorf("external join: %w", err)
	}
	me := tree.Add(kp.KeyPackage.LeafNode)
	out.Committer = me
	view := treekem.NewPrivateView(s, me, kp.LeafKey)
	pp, err := view.PreparePath(tree, old.GroupID, kp.KeyPackage.LeafNode, kp.SigKey, rand)
	if err != nil {
		return nil, nil, nil, err
	}
	prov := old
	prov.Epoch++
	prov.TreeHash = tree.TreeHash()
	up, edges, err := pp.Encrypt(tree, prov.Bytes(), nil, rand)
	if err != nil {
		return nil, nil, nil, err
	}
	out.Path, out.PathSecrets, out.Edges = pp.Path(), pp.PathSecrets(), edges
	out.Ops.Add(pp.Ops)

	c := &FramedContent{GroupID: old.GroupID, Epoch: old.Epoch, Sender: Sender{Type: SenderNewMemberCommit},
		ContentType: ContentCommit, Commit: &Commit{Proposals: proposals, Path: up}}
	sig, err := SignContent(s, kp.SigKey, WirePublicMessage, c, old.Bytes())
	if err != nil {
		return nil, nil, nil, err
	}
	out.Ops.Sign++
	interim := keyschedule.InterimTranscriptHash(s, old.ConfirmedTranscriptHash, gi.ConfirmationTag)
	cth := confirmedTranscriptHash(s, interim, WirePublicMessage, c, sig)
	gc := keyschedule.GroupContext{CipherSuite: s.ID, GroupID: old.GroupID, Epoch: old.Epoch + 1,
		TreeHash: bytes.Clone(tree.TreeHash()), ConfirmedTranscriptHash: cth, Extensions: old.Extensions}
	secrets, err := keyschedule.Derive(s, init, keyschedule.CommitSecret(pp.CommitSecret()), nil, &gc)
	if err != nil {
		return nil, nil, nil, err
	}
	tag, err := secrets.Confirmation.Tag(s, cth)
	if err != nil {
		return nil, nil, nil, err
	}
	ep, err := newEpoch(s, gc, secrets, keyschedule.InterimTranscriptHash(s, cth, tag), tree.LeafCount(), cfg.SecretTree)
	if err != nil {
		return nil, nil, nil, err
	}
	pm, err := NewPublicMessage(s, c, FramedContentAuthData{Signature: sig, ConfirmationTag: tag}, nil, nil)
	if err != nil {
		return nil, nil, nil, err
	}
	msg := &MLSMessage{WireFormat: WirePublicMessage, Public: pm}
	out.CommitBytes = len(msg.Bytes())
	g := &Group{suite: s, cfg: cfg, tree: tree, view: view, sigKey: kp.SigKey, cur: ep,
		pendingLeaves: map[string]*suite.HPKEPrivateKey{}}
	return g, msg, out, nil
}

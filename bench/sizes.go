package bench

import (
	"bytes"
	"fmt"
	"io"
	"math/rand/v2"
	"slices"
	"time"

	"cgkalab/models/keyschedule"
	"cgkalab/models/mls"
	rt "cgkalab/models/ratchettree"
	"cgkalab/models/suite"
	tm "cgkalab/models/treemath"
	"cgkalab/models/wire"
)

// The wire sizes measured here are the lengths of real encoded messages
// made by models/mls and models/treekem, never formulas. Every message of
// one suite is made under the same parameters, so that sizes compare:
//
//   - group_id is SizesGroupID (16 bytes);
//   - credentials are basic, with 16-byte identities (memberIdentity);
//   - no GroupContext, LeafNode or KeyPackage extensions, default
//     capabilities, empty authenticated_data;
//   - PrivateMessages are not padded.

// SizesGroupID is the group_id of every group whose messages are measured.
var SizesGroupID = []byte("cgkalab-sizes-01")

// memberIdentity is the basic credential identity of the member at leaf i
// (16 bytes for every i below 10^9).
func memberIdentity(i int) []byte { return fmt.Appendf(nil, "member-%09d", i) }

var sizesLifetime = rt.Lifetime{NotBefore: 0, NotAfter: 1 << 62}

// Message names of SizeRow.
const (
	MsgKeyPackage       = "KeyPackage"
	MsgCommitPath       = "Commit, full path"
	MsgCommitAdd        = "Commit, 1 Add + path"
	MsgWelcome          = "Welcome, 1 joiner"
	MsgWelcomeTree      = "Welcome, 1 joiner, ratchet_tree"
	MsgGroupInfo        = "GroupInfo in Welcome"
	MsgGroupInfoTree    = "GroupInfo in Welcome, ratchet_tree"
	MsgGroupInfoPub     = "GroupInfo, external_pub"
	MsgGroupInfoPubTree = "GroupInfo, external_pub, ratchet_tree"
)

// Forms of SizeRow: how the message is carried.
const (
	FormMLSMessage = "MLSMessage"     // MLSMessage of the message's own wire format
	FormBare       = "bare"           // the structure alone, no MLSMessage header
	FormPublic     = "PublicMessage"  // MLSMessage carrying a PublicMessage
	FormPrivate    = "PrivateMessage" // MLSMessage carrying a PrivateMessage
)

// SizeRow is one measured message size.
type SizeRow struct {
	Suite   *suite.Suite
	Message string
	Form    string
	Shape   TreeShape // "" where the tree's shape does not matter
	N       int       // group size before the commit; 0 where it does not matter
	Bytes   int
}

// SizeOptions chooses what SizeTable measures.
type SizeOptions struct {
	Warm, Built []int // group sizes (powers of two) of full-path Commits per shape
	Welcome     []int // group sizes of the Welcome measurements
	Seed        uint64
}

// CommitSizes are the group sizes at which commits are measured.
var CommitSizes = []int{8, 64, 512, 4096, 1 << 14, 1 << 17, 1 << 20}

// WelcomeSizes are the group sizes at which Welcomes are measured.
var WelcomeSizes = []int{8, 64, 512}

// SizeTable measures every message of one suite, writing a progress line
// per long step to progress.
func SizeTable(s *suite.Suite, o SizeOptions, progress io.Writer) ([]SizeRow, error) {
	var rows []SizeRow
	kp, err := KeyPackageSizes(s, o.Seed)
	if err != nil {
		return nil, err
	}
	rows = append(rows, kp...)
	props, err := ProposalSizes(s, o.Seed+1)
	if err != nil {
		return nil, err
	}
	rows = append(rows, props...)
	for _, c := range []struct {
		shape TreeShape
		ns    []int
	}{{Warm, o.Warm}, {Built, o.Built}} {
		for _, n := range c.ns {
			start := time.Now()
			fmt.Fprintf(progress, "sizes: %#04x: commit %s n=%d: building the tree\n", uint16(s.ID), c.shape, n)
			msg, err := FixtureCommit(s, n, c.shape, o.Seed+2, progress)
			if err != nil {
				return nil, fmt.Errorf("%s commit at n=%d: %w", c.shape, n, err)
			}
			rows = append(rows, SizeRow{Suite: s, Message: MsgCommitPath, Form: FormPublic, Shape: c.shape, N: n, Bytes: len(msg.Bytes())})
			fmt.Fprintf(progress, "sizes: %#04x: commit %s n=%d: done in %s\n", uint16(s.ID), c.shape, n, time.Since(start).Round(time.Millisecond))
		}
	}
	for _, n := range o.Welcome {
		fmt.Fprintf(progress, "sizes: %#04x: welcome n=%d\n", uint16(s.ID), n)
		w, err := WelcomeSizesAt(s, n, o.Seed+3)
		if err != nil {
			return nil, fmt.Errorf("welcome at n=%d: %w", n, err)
		}
		rows = append(rows, w...)
	}
	return rows, nil
}

// KeyPackageSizes measures a KeyPackage (RFC 9420, Section 10) as an
// MLSMessage and bare.
func KeyPackageSizes(s *suite.Suite, seed uint64) ([]SizeRow, error) {
	rng := rand.NewChaCha8(seedBytes(seed))
	kp, err := mls.NewKeyPackage(s, memberIdentity(0), nil, sizesLifetime, rng)
	if err != nil {
		return nil, err
	}
	msg := &mls.MLSMessage{WireFormat: mls.WireKeyPackage, KeyPackage: kp.KeyPackage}
	return []SizeRow{
		{Suite: s, Message: MsgKeyPackage, Form: FormMLSMessage, Bytes: len(msg.Bytes())},
		{Suite: s, Message: MsgKeyPackage, Form: FormBare, Bytes: len(kp.KeyPackage.Bytes())},
	}, nil
}

// ProposalSizes measures each proposal type of RFC 9420, Section 12.1,
// sent by the creator of a real two-member group, as a PublicMessage and
// as a PrivateMessage. The PreSharedKey proposal names an external PSK
// with a 32-byte psk_id; GroupContextExtensions carries an empty list;
// ExternalInit carries the kem_output of a real encapsulation to the
// group's external_pub (it is sent only inside external commits, but is
// framed here like the others for comparison).
func ProposalSizes(s *suite.Suite, seed uint64) ([]SizeRow, error) {
	rng := rand.NewChaCha8(seedBytes(seed))
	g, kps, welcome, err := builtGroup(s, 2, rng)
	if err != nil {
		return nil, err
	}
	// The second member joins, which checks the Welcome and the tree.
	if _, err := mls.Join(s, welcome, kps[0], g.Tree().Clone(), mls.Config{}); err != nil {
		return nil, err
	}
	joiner, err := mls.NewKeyPackage(s, memberIdentity(2), nil, sizesLifetime, rng)
	if err != nil {
		return nil, err
	}
	ext, err := g.EpochSecrets().External.KeyPair(s)
	if err != nil {
		return nil, err
	}
	kemOutput, _, err := keyschedule.NewExternalInit(s, ext.PublicKey(), rng)
	if err != nil {
		return nil, err
	}
	pskID := make([]byte, 32)
	pskNonce := make([]byte, s.Nh())
	rng.Read(pskID)
	rng.Read(pskNonce)
	proposals := []*mls.Proposal{
		{Type: mls.ProposalAdd, Add: joiner.KeyPackage},
		{Type: mls.ProposalUpdate}, // made by ProposeUpdate
		{Type: mls.ProposalRemove, Remove: 1},
		{Type: mls.ProposalPSK, PSK: &keyschedule.PreSharedKeyID{Type: keyschedule.PSKTypeExternal, ID: pskID, Nonce: pskNonce}},
		{Type: mls.ProposalReInit, ReInit: &mls.ReInit{GroupID: SizesGroupID, Version: keyschedule.ProtocolVersionMLS10, CipherSuite: s.ID}},
		{Type: mls.ProposalExternalInit, KEMOutput: kemOutput},
		{Type: mls.ProposalGroupContextExtensions},
	}
	var rows []SizeRow
	for _, p := range proposals {
		for _, wf := range []mls.WireFormat{mls.WirePublicMessage, mls.WirePrivateMessage} {
			var msg *mls.MLSMessage
			if p.Type == mls.ProposalUpdate {
				msg, err = g.ProposeUpdate(wf, rng)
			} else {
				msg, err = g.Propose(p, wf, rng)
			}
			if err != nil {
				return nil, fmt.Errorf("%v proposal: %w", p.Type, err)
			}
			rows = append(rows, SizeRow{Suite: s, Message: ProposalMessage(p.Type), Form: formOf(wf), Bytes: len(msg.Bytes())})
		}
	}
	return rows, nil
}

// ProposalMessage is the SizeRow message name of a proposal type.
func ProposalMessage(t mls.ProposalType) string {
	names := map[mls.ProposalType]string{
		mls.ProposalAdd: "Add", mls.ProposalUpdate: "Update", mls.ProposalRemove: "Remove",
		mls.ProposalPSK: "PreSharedKey", mls.ProposalReInit: "ReInit",
		mls.ProposalExternalInit: "ExternalInit", mls.ProposalGroupContextExtensions: "GroupContextExtensions",
	}
	if name, ok := names[t]; ok {
		return name + " proposal"
	}
	return t.String() + " proposal"
}

func formOf(wf mls.WireFormat) string {
	if wf == mls.WirePrivateMessage {
		return FormPrivate
	}
	return FormPublic
}

// builtGroup makes a real group of n members the way the Built shape
// describes: the creator (leaf 0) adds everyone else in one Commit with a
// path, which it applies. It returns the creator's state, the KeyPackages
// of leaves 1 … n-1 and the Welcome that admits them (nil for n = 1).
func builtGroup(s *suite.Suite, n int, rng io.Reader) (*mls.Group, []*mls.KeyPackageBundle, *mls.Welcome, error) {
	creator, err := mls.NewKeyPackage(s, memberIdentity(0), nil, sizesLifetime, rng)
	if err != nil {
		return nil, nil, nil, err
	}
	g, err := mls.NewGroup(s, SizesGroupID, creator, nil, mls.Config{}, rng)
	if err != nil {
		return nil, nil, nil, err
	}
	if n == 1 {
		return g, nil, nil, nil
	}
	kps := make([]*mls.KeyPackageBundle, n-1)
	adds := make([]*mls.Proposal, n-1)
	for i := range kps {
		if kps[i], err = mls.NewKeyPackage(s, memberIdentity(i+1), nil, sizesLifetime, rng); err != nil {
			return nil, nil, nil, err
		}
		adds[i] = &mls.Proposal{Type: mls.ProposalAdd, Add: kps[i].KeyPackage}
	}
	st, err := g.Commit(mls.CommitOptions{Inline: adds}, rng)
	if err != nil {
		return nil, nil, nil, err
	}
	if err := g.Apply(st); err != nil {
		return nil, nil, nil, err
	}
	return g, kps, st.Welcome.Welcome, nil
}

// WelcomeSizesAt measures, for a real Built group of n members whose
// creator commits the Add of one more member with a path: the Commit, the
// Welcome without and with the ratchet_tree extension and the GroupInfo
// inside each, and the creator's published GroupInfo (with external_pub)
// of the group of n, without and with the ratchet tree.
func WelcomeSizesAt(s *suite.Suite, n int, seed uint64) ([]SizeRow, error) {
	rng := rand.NewChaCha8(seedBytes(seed))
	g, _, _, err := builtGroup(s, n, rng)
	if err != nil {
		return nil, err
	}
	row := func(msg, form string, bytes int) SizeRow {
		return SizeRow{Suite: s, Message: msg, Form: form, Shape: Built, N: n, Bytes: bytes}
	}
	var published []SizeRow
	for _, withTree := range []bool{false, true} {
		gi, err := g.GroupInfo(withTree)
		if err != nil {
			return nil, err
		}
		m := &mls.MLSMessage{WireFormat: mls.WireGroupInfo, GroupInfo: gi}
		published = append(published, row(pick(withTree, MsgGroupInfoPubTree, MsgGroupInfoPub), FormMLSMessage, len(m.Bytes())))
	}
	joiner, err := mls.NewKeyPackage(s, memberIdentity(n), nil, sizesLifetime, rng)
	if err != nil {
		return nil, err
	}
	add := []*mls.Proposal{{Type: mls.ProposalAdd, Add: joiner.KeyPackage}}
	var commit, welcomes, infos []SizeRow
	for _, withTree := range []bool{false, true} {
		st, err := g.Commit(mls.CommitOptions{Inline: add, RatchetTreeInWelcome: withTree}, rng)
		if err != nil {
			return nil, err
		}
		if !withTree {
			commit = append(commit, row(MsgCommitAdd, FormPublic, len(st.CommitBytes)))
		}
		welcomes = append(welcomes, row(pick(withTree, MsgWelcomeTree, MsgWelcome), FormMLSMessage, len(st.WelcomeBytes)))
		infos = append(infos, row(pick(withTree, MsgGroupInfoTree, MsgGroupInfo), FormBare, st.Outcome.GroupInfoBytes))
		if err := g.Discard(st); err != nil {
			return nil, err
		}
	}
	return slices.Concat(commit, welcomes, infos, published), nil
}

func pick(cond bool, yes, no string) string {
	if cond {
		return yes
	}
	return no
}

// FixtureCommit returns a real Commit with an empty proposal list and a
// full UpdatePath, sent as a PublicMessage by the last leaf of a synthetic
// tree of n members (NewTreeFixture) of the given shape. The parameters
// are those of the real groups measured here (group_id, the committer's
// credential), so that at sizes where a real group can be built the two
// Commits have the same length (bench's sizes_test checks n = 8 and 64).
//
// Everything in the message is made by the real code: the UpdatePath by
// TreeKEM over the fixture's tree, encrypted under the real provisional
// GroupContext (RFC 9420, Section 12.4.2); the signature over
// FramedContentTBS with the committer's key (Section 6.1); the
// confirmation tag from a real key schedule run with the path's commit
// secret (Sections 8 and 8.2); the membership tag under the left epoch's
// membership key (Section 6.2). The left epoch's secrets come from a
// seeded epoch secret. Only the synthetic tree itself is not the product
// of a history of real commits (its parent hashes do not chain; see
// NewTreeFixture).
func FixtureCommit(s *suite.Suite, n int, shape TreeShape, seed uint64, progress io.Writer) (*mls.MLSMessage, error) {
	f, err := NewTreeFixture(s, n, shape, seed)
	if err != nil {
		return nil, err
	}
	f.GroupID = SizesGroupID
	me := f.Sender.Leaf
	leaf := f.Tree.Leaf(me).Clone()
	leaf.Credential.Identity = memberIdentity(int(me))
	f.Tree.SetLeaf(me, leaf)
	if progress != nil && shape == Built {
		fmt.Fprintf(progress, "sizes: %#04x: commit %s n=%d: %d HPKE encryptions\n", uint16(s.ID), shape, n, pathEncryptions(f.Tree, me))
	}

	rng := rand.NewChaCha8(seedBytes(seed ^ 0x5a5a))
	draw := func() []byte {
		b := make([]byte, s.Nh())
		rng.Read(b)
		return b
	}
	// The epoch the Commit leaves.
	old, err := keyschedule.DeriveFromEpochSecret(s, draw())
	if err != nil {
		return nil, err
	}
	oldCTH := draw()
	oldTag, err := old.Confirmation.Tag(s, oldCTH)
	if err != nil {
		return nil, err
	}
	interim := keyschedule.InterimTranscriptHash(s, oldCTH, oldTag)
	gc := keyschedule.GroupContext{CipherSuite: s.ID, GroupID: f.GroupID, Epoch: 1,
		TreeHash: bytes.Clone(f.Tree.TreeHash()), ConfirmedTranscriptHash: oldCTH}
	gcBytes := gc.Bytes()

	// The UpdatePath, as TreeFixture.Create makes it but encrypted under
	// the real provisional GroupContext, whose commit secret the key
	// schedule below needs.
	pp, err := f.Sender.PreparePath(f.Tree, f.GroupID, f.Tree.Leaf(me), f.SigKey, rng)
	if err != nil {
		return nil, err
	}
	next := gc
	next.Epoch++
	next.TreeHash = bytes.Clone(f.Tree.TreeHash())
	up, _, err := pp.Encrypt(f.Tree, next.Bytes(), nil, rng)
	if err != nil {
		return nil, err
	}

	c := &mls.FramedContent{GroupID: f.GroupID, Epoch: gc.Epoch,
		Sender:      mls.Sender{Type: mls.SenderMember, Index: uint32(me)},
		ContentType: mls.ContentCommit, Commit: &mls.Commit{Path: up}}
	sig, err := mls.SignContent(s, f.SigKey, mls.WirePublicMessage, c, gcBytes)
	if err != nil {
		return nil, err
	}
	// ConfirmedTranscriptHashInput (RFC 9420, Section 8.2).
	in := wire.NewBuilder(4096)
	in.U16(uint16(mls.WirePublicMessage))
	c.Marshal(in)
	in.Opaque(sig)
	next.ConfirmedTranscriptHash = keyschedule.ConfirmedTranscriptHash(s, interim, in.Bytes())
	secrets, err := keyschedule.Derive(s, old.Init, keyschedule.CommitSecret(pp.CommitSecret()), nil, &next)
	if err != nil {
		return nil, err
	}
	tag, err := secrets.Confirmation.Tag(s, next.ConfirmedTranscriptHash)
	if err != nil {
		return nil, err
	}
	pm, err := mls.NewPublicMessage(s, c, mls.FramedContentAuthData{Signature: sig, ConfirmationTag: tag}, old.Membership, gcBytes)
	if err != nil {
		return nil, err
	}
	return &mls.MLSMessage{WireFormat: mls.WirePublicMessage, Public: pm}, nil
}

// pathEncryptions counts the HPKE encryptions of a full-path commit by
// leaf l: the sizes of the resolutions of its filtered copath.
func pathEncryptions(t *rt.Tree, l tm.LeafIndex) int {
	_, copath := t.FilteredDirectPath(l, nil, nil)
	total := 0
	var res []tm.NodeIndex
	for _, x := range copath {
		res = t.AppendResolution(res[:0], x)
		total += len(res)
	}
	return total
}

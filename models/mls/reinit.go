package mls

import (
	"bytes"
	"errors"
	"fmt"
	"io"

	"cgkalab/models/extension"
	"cgkalab/models/keyschedule"
	rt "cgkalab/models/ratchettree"
	"cgkalab/models/suite"
	tm "cgkalab/models/treemath"
	"cgkalab/models/wire"
)

// ---- Reinitialization (RFC 9420, Sections 11.2 and 12.1.5) ----

// ErrReInitialized is wrapped by every use of a group that a Commit
// covering a ReInit has closed: it sends and takes no more messages, and
// its members move to the new group (RFC 9420, Sections 11.2 and 12.4.2).
var ErrReInitialized = errors.New("group was reinitialized")

// reinitPSK is the old group's resumption PSK that the initial Commit of
// the group replacing it injects (RFC 9420, Section 11.2).
type reinitPSK struct {
	groupID []byte
	epoch   uint64
	secret  keyschedule.ResumptionPSK
}

// PendingReInit returns the ReInit a processed or applied Commit covered,
// or nil: once it is set the group is closed and ReInitGroup or
// JoinReInit lead to its successor.
func (g *Group) PendingReInit() *ReInit { return g.reinit }

func (g *Group) reinitErr() error {
	r := g.reinit
	return fmt.Errorf("group %x closed at epoch %d by a ReInit to group %x of suite %#04x (RFC 9420, Section 11.2): %w",
		g.GroupID(), g.Epoch(), r.GroupID, uint16(r.CipherSuite), ErrReInitialized)
}

// checkReInit checks a ReInit proposal (RFC 9420, Section 12.1.5): its
// version is not below the group's, which is mls10, the only one this
// implementation speaks; its suite is one this implementation has, and
// its extensions are well formed. A ReInit this member could not follow
// would leave it with a closed group and no successor.
func checkReInit(r *ReInit) error {
	switch {
	case r.Version < mls10:
		return fmt.Errorf("version %d is below the group's, mls10", r.Version)
	case r.Version > mls10:
		return fmt.Errorf("version %d: this implementation speaks only mls10", r.Version)
	}
	if _, err := suite.ByID(r.CipherSuite); err != nil {
		return err
	}
	return checkExtensions(r.Extensions)
}

// checkPSKUsage rejects resumption PSKs used outside their context (RFC
// 9420, Section 12.1.4): usage reinit only in the initial Commit of a
// group made by ReInitGroup, naming the old group's last epoch; usage
// branch never (subgroup branching, Section 11.3, is not implemented).
func (g *Group) checkPSKUsage(id *keyschedule.PreSharedKeyID) error {
	if id.Type != keyschedule.PSKTypeResumption {
		return nil
	}
	switch id.Usage {
	case keyschedule.ResumptionBranch:
		return rejectf("psk: resumption PSK of usage branch outside a subgroup branching")
	case keyschedule.ResumptionReInit:
		if r := g.reinitFrom; r == nil || g.cur.gc.Epoch != 0 || string(id.GroupID) != string(r.groupID) || id.Epoch != r.epoch {
			return rejectf("psk: resumption PSK of usage reinit outside the initial Commit of a reinitialized group")
		}
	}
	return nil
}

// ReInitGroup creates the group that replaces g after a Commit covering a
// ReInit (RFC 9420, Section 11.2, step 3; Section 12.4.1): a group with
// the ReInit's group_id, cipher suite and extensions, created by the
// client of kp (a KeyPackage of the new suite), and its initial Commit,
// staged, adding the other members by their KeyPackages (of the new
// suite) with a PreSharedKey of type resumption, usage reinit, naming g
// and its current epoch, the one the ReInit Commit started. opts may add
// inline proposals and choose the Welcome's form. The Commit takes the
// new group to epoch 1; Apply it, and send its Welcome.
func (g *Group) ReInitGroup(kp *KeyPackageBundle, members []*KeyPackage, opts CommitOptions, cfg Config, rand io.Reader) (*Group, *StagedCommit, error) {
	r := g.reinit
	if r == nil {
		return nil, nil, errors.New("no ReInit pending: the group's last Commit covered none")
	}
	s, err := suite.ByID(r.CipherSuite)
	if err != nil {
		return nil, nil, err
	}
	next, err := NewGroup(s, r.GroupID, kp, r.Extensions, cfg, rand)
	if err != nil {
		return nil, nil, err
	}
	next.reinitFrom = &reinitPSK{groupID: g.GroupID(), epoch: g.Epoch(), secret: g.cur.secrets.Resumption}
	nonce := make([]byte, s.Nh())
	if _, err := io.ReadFull(rand, nonce); err != nil {
		return nil, nil, fmt.Errorf("drawing psk_nonce: %w", err)
	}
	inline := make([]*Proposal, 0, len(members)+1+len(opts.Inline))
	for _, m := range members {
		inline = append(inline, &Proposal{Type: ProposalAdd, Add: m})
	}
	inline = append(inline, &Proposal{Type: ProposalPSK, PSK: &keyschedule.PreSharedKeyID{Type: keyschedule.PSKTypeResumption,
		Usage: keyschedule.ResumptionReInit, GroupID: g.GroupID(), Epoch: g.Epoch(), Nonce: nonce}})
	opts.Inline = append(inline, opts.Inline...)
	opts.ByReference = false
	st, err := next.Commit(opts, rand)
	if err != nil {
		return nil, nil, fmt.Errorf("initial Commit of the reinitialized group: %w", err)
	}
	return next, st, nil
}

// JoinReInit joins, from its Welcome, the group that replaces g after a
// Commit covering a ReInit (RFC 9420, Sections 11.2 and 12.4.3.1). Beyond
// Join's checks: the Welcome injects the resumption PSK of g's current
// epoch with usage reinit; the new GroupContext is at epoch 1 and its
// group_id, cipher suite and extensions are the ReInit's (the version is
// mls10, as the ReInit's must be); and every member of g is in the new
// group, a member being identified by its credential.
func (g *Group) JoinReInit(w *Welcome, kp *KeyPackageBundle, tree *rt.Tree, cfg Config) (*Group, error) {
	r := g.reinit
	if r == nil {
		return nil, errors.New("no ReInit pending: the group's last Commit covered none")
	}
	s, err := suite.ByID(r.CipherSuite)
	if err != nil {
		return nil, err
	}
	used := false
	resume := func(id *keyschedule.PreSharedKeyID) ([]byte, bool) {
		if id.Usage != keyschedule.ResumptionReInit || string(id.GroupID) != string(g.GroupID()) || id.Epoch != g.Epoch() {
			return nil, false
		}
		used = true
		return g.cur.secrets.Resumption, true
	}
	next, gi, err := join(s, w, kp, tree, cfg, resume)
	if err != nil {
		return nil, err
	}
	gc := gi.GroupContext
	switch {
	case !used:
		return nil, rejectf("the Welcome injects no reinit PSK of group %x epoch %d", g.GroupID(), g.Epoch())
	case !bytes.Equal(gc.GroupID, r.GroupID) || gc.CipherSuite != r.CipherSuite:
		return nil, rejectf("the Welcome is for group %x of suite %#04x, the ReInit asked for group %x of suite %#04x",
			gc.GroupID, uint16(gc.CipherSuite), r.GroupID, uint16(r.CipherSuite))
	case !bytes.Equal(encode(func(b *wire.Builder) { extension.Encode(b, gc.Extensions) }),
		encode(func(b *wire.Builder) { extension.Encode(b, r.Extensions) })):
		return nil, rejectf("the new group's extensions differ from the ReInit's")
	}
	if err := sameMembers(g.tree, next.tree); err != nil {
		return nil, err
	}
	return next, nil
}

// sameMembers checks that every member of old, identified by its
// credential, is a member of next (RFC 9420, Section 12.4.3.1: "all the
// members of the old group are also members of the new group, according
// to the application").
func sameMembers(old, next *rt.Tree) error {
	have := make(map[string]bool, next.Members())
	for l := range next.LeafCount() {
		if n := next.Leaf(tm.LeafIndex(l)); n != nil {
			have[string(encode(n.Credential.Marshal))] = true
		}
	}
	for l := range old.LeafCount() {
		if n := old.Leaf(tm.LeafIndex(l)); n != nil && !have[string(encode(n.Credential.Marshal))] {
			return rejectf("member at leaf %d of the old group is not in the reinitialized group", l)
		}
	}
	return nil
}

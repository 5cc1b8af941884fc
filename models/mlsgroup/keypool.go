package mlsgroup

import (
	"errors"
	"fmt"
	"io"
	"time"

	"cgkalab/models/mls"
	"cgkalab/models/protocol"
	rt "cgkalab/models/ratchettree"
	"cgkalab/models/suite"
	tm "cgkalab/models/treemath"
)

// Pre-published KeyPackages (Options.KeyPackages): each client uploads a
// batch of one-time KeyPackages to the delivery service, and with
// LastResort one more that may be used again (RFC 9420, Section 16.8),
// all with the same lifetime (Section 7.2). An adder fetches the oldest
// unused one, or the last-resort one once the batch is used up, and
// checks its lifetime (Section 10.1); an expired one is refused, and the
// client uploads a new batch, as it does when its batch is used up with
// no last resort. The client keeps the private keys of its unused
// KeyPackages and of its last-resort one: a compromise reveals them, and
// a later Welcome encrypted to such an init key (and the leaf key beside
// it) exposes the epoch it starts.
//
// When each client uploads is state, not a guess: the members a group is
// created with uploaded at time 0 (before the run, so no bytes are
// recorded), a client added later uploads its first batch when it is
// first added, and every replacement is recorded when it happens (message
// kind key_package_upload). A client keeps its MemberID when it comes
// back (a rejoin), so the KeyPackages it published before are the ones
// it comes back with.

// MsgKeyPackageUpload is the kind of a client's upload of KeyPackages.
const MsgKeyPackageUpload = "key_package_upload"

// publishedKP is one KeyPackage a client published.
type publishedKP struct {
	bundle     *mls.KeyPackageBundle
	uploaded   time.Duration
	lastResort bool
	used       bool
	// uses lists the Welcomes encrypted to it (a last-resort one may have
	// several), for RevealedBy.
	uses []kpUse
}

// kpUse is one Welcome to a published KeyPackage: the epoch it started,
// the index of the path secret it carried (-1: none), and the leaf the
// KeyPackage's LeafNode took.
type kpUse struct {
	epoch uint32
	item  int32
	leaf  tm.NodeIndex
}

// keyPool is one client's published KeyPackages, oldest first; one-time
// ones are dropped once used.
type keyPool struct {
	sigKey *suite.SignaturePrivateKey
	kps    []int32 // indexes into Group.published
}

// pooled reports whether clients pre-publish KeyPackages.
func (g *Group) pooled() bool { return g.opts.KeyPackages != nil }

// lifetime is the lifetime of pre-published KeyPackages.
func (o *Options) lifetime() time.Duration {
	if l := o.KeyPackages.Lifetime; l > 0 {
		return l
	}
	return o.KeyPackageLifetime
}

// seconds is a virtual time as a KeyPackage lifetime bound (Section 7.2's
// seconds; the run starts at 0).
func seconds(t time.Duration) uint64 { return uint64(t / time.Second) }

// newPool draws a client's signature key and first batch from rand,
// uploaded at time at.
func (g *Group) newPool(id protocol.MemberID, at time.Duration, rand io.Reader) (*keyPool, []*publishedKP, error) {
	sig, err := g.suite.GenerateSignatureKey(rand)
	if err != nil {
		return nil, nil, err
	}
	p := &keyPool{sigKey: sig}
	batch, err := g.drawBatch(id, p, at, rand)
	return p, batch, err
}

// drawBatch draws a batch for the client of pool p, uploaded at at.
func (g *Group) drawBatch(id protocol.MemberID, p *keyPool, at time.Duration, rand io.Reader) ([]*publishedKP, error) {
	kp := g.opts.KeyPackages
	n := kp.Batch
	if kp.LastResort {
		n++
	}
	life := rt.Lifetime{NotBefore: seconds(at), NotAfter: seconds(at + g.opts.lifetime())}
	out := make([]*publishedKP, n)
	for i := range out {
		b, err := mls.NewKeyPackage(g.suite, fmt.Appendf(nil, "client-%d", id), p.sigKey, life, rand)
		if err != nil {
			return nil, err
		}
		out[i] = &publishedKP{bundle: b, uploaded: at, lastResort: kp.LastResort && i == n-1}
	}
	return out, nil
}

// publish adds a drawn batch to pool p, and the pool to the group.
func (g *Group) publish(id protocol.MemberID, p *keyPool, batch []*publishedKP) {
	for _, e := range batch {
		p.kps = append(p.kps, int32(len(g.published)))
		g.published = append(g.published, e)
	}
	g.pools[id] = p
}

// upload has client id upload a new batch now, replacing what it had
// (expired, or used up), recorded as an outcome of its own.
func (g *Group) upload(id protocol.MemberID, p *keyPool) error {
	t0 := g.now()
	batch, err := g.drawBatch(id, p, g.at, g.env.Rand)
	if err != nil {
		return err
	}
	out := &protocol.Outcome{Label: MsgKeyPackageUpload, Actor: id, SenderNanos: g.now() - t0}
	bytes := 0
	for _, e := range batch {
		bytes += len(e.bundle.KeyPackage.Bytes())
	}
	// Two key pairs and two signatures (leaf and KeyPackage) each.
	out.Sender = protocol.Ops{DeriveKeyPair: 2 * len(batch), Sign: 2 * len(batch)}
	out.Messages = []protocol.Message{{Kind: MsgKeyPackageUpload, Bytes: bytes, To: []protocol.MemberID{}}}
	p.kps = p.kps[:0]
	g.publish(id, p, batch)
	g.emit(out)
	return nil
}

// poolsFor makes the pools of clients ids that have none, uploaded at
// time 0 (the members a group is created with) on every core.
func (g *Group) poolsFor(ids []protocol.MemberID) error {
	var need []protocol.MemberID
	for _, id := range ids {
		if g.pools[id] == nil {
			need = append(need, id)
		}
	}
	pools := make([]*keyPool, len(need))
	batches := make([][]*publishedKP, len(need))
	err := g.inOrder(len(need), func(i int, r io.Reader) error {
		var err error
		pools[i], batches[i], err = g.newPool(need[i], g.at, r)
		return err
	})
	if err != nil {
		return err
	}
	for i, id := range need {
		g.publish(id, pools[i], batches[i])
	}
	return nil
}

// next returns pool p's oldest unused one-time KeyPackage, else its
// last-resort one, else nil.
func (g *Group) next(p *keyPool) *publishedKP {
	var last *publishedKP
	for _, i := range p.kps {
		e := g.published[i]
		switch {
		case e.lastResort:
			last = e
		case !e.used:
			return e
		}
	}
	return last
}

// fetchKeyPackage has the adder fetch client id's next KeyPackage from
// the delivery service and check its lifetime (RFC 9420, Section 10.1);
// an expired one is refused and the client uploads a new batch, as it
// does when it has none left. Each fetch is a message in out.
func (g *Group) fetchKeyPackage(adder, id protocol.MemberID, out *protocol.Outcome) (*publishedKP, error) {
	p := g.pools[id]
	if p == nil {
		// A client first added now uploads its first batch just before.
		sig, err := g.suite.GenerateSignatureKey(g.env.Rand)
		if err != nil {
			return nil, err
		}
		p = &keyPool{sigKey: sig}
		if err := g.upload(id, p); err != nil {
			return nil, err
		}
	}
	for range 3 {
		e := g.next(p)
		if e == nil {
			if err := g.upload(id, p); err != nil {
				return nil, err
			}
			continue
		}
		out.Messages = append(out.Messages, protocol.Message{Kind: MsgKeyPackage, Bytes: len(e.bundle.KeyPackage.Bytes()), FromDS: true, To: []protocol.MemberID{adder}})
		out.Sender.Verify += 2 // the KeyPackage's and its LeafNode's signatures
		if err := e.bundle.KeyPackage.Validate(g.suite, seconds(g.at)); err != nil {
			if !errors.Is(err, mls.ErrInvalidKeyPackage) {
				return nil, err
			}
			if err := g.upload(id, p); err != nil {
				return nil, err
			}
			continue
		}
		if !e.lastResort {
			e.used = true
			g.dropUsed(p)
		}
		return e, nil
	}
	return nil, fmt.Errorf("mlsgroup: client %d's new KeyPackages are not valid at %v", id, g.at)
}

// dropUsed drops pool p's used one-time KeyPackages from what the client
// holds (it deletes their private keys once the Welcome is processed; the
// Welcome's security record keeps what the oracle needs).
func (g *Group) dropUsed(p *keyPool) {
	kept := p.kps[:0]
	for _, i := range p.kps {
		if !g.published[i].used {
			kept = append(kept, i)
		}
	}
	p.kps = kept
}

// poolKnowledge adds to k the private keys client id holds for its
// published KeyPackages (its unused ones and its last-resort one), and
// registers them with the edge history so that RevealedBy answers for
// every Welcome to them, before the compromise or after.
func (g *Group) poolKnowledge(id protocol.MemberID, k *protocol.Knowledge) {
	p := g.pools[id]
	if p == nil {
		return
	}
	for _, i := range p.kps {
		kp := g.published[i].bundle.KeyPackage
		g.edges.register(kp.InitKey, keyRef{kind: keyPoolInit, from: uint32(i)})
		g.edges.register(kp.LeafNode.EncryptionKey, keyRef{kind: keyPoolLeaf, from: uint32(i)})
		k.Secrets = append(k.Secrets, protocol.KeySecret(kp.InitKey), protocol.KeySecret(kp.LeafNode.EncryptionKey))
	}
}

// poolRevealed appends what was encrypted to a published KeyPackage's
// init key (init) or leaf key: each Welcome's joiner secret and path
// secret, or what commits encrypted to the leaf while it held that key.
func (g *Group) poolRevealed(dst []protocol.Secret, ref keyRef) []protocol.Secret {
	for _, u := range g.published[ref.from].uses {
		if ref.kind == keyPoolInit {
			dst = append(dst, joinerSecret(uint64(u.epoch)))
			if u.item >= 0 {
				dst = append(dst, pathSecret(uint64(u.epoch), int(u.item)))
			}
			continue
		}
		dst = g.edges.nodeRevealed(dst, u.leaf, u.epoch)
	}
	return dst
}

// creatorKeyPackage is the KeyPackage the group's creator starts it with:
// with pre-published KeyPackages, every first member's pool is drawn (as
// uploaded at time 0) and the creator takes its own first one.
func (g *Group) creatorKeyPackage(actor protocol.MemberID, targets []protocol.MemberID) (*mls.KeyPackageBundle, error) {
	if !g.pooled() {
		return g.keyPackage(actor)
	}
	if err := g.poolsFor(append([]protocol.MemberID{actor}, targets...)); err != nil {
		return nil, err
	}
	p := g.pools[actor]
	e := g.next(p)
	e.used = !e.lastResort
	g.dropUsed(p)
	return e.bundle, nil
}

// addsPublished is adds with pre-published KeyPackages.
func (g *Group) addsPublished(actor protocol.MemberID, targets []protocol.MemberID, out *protocol.Outcome, register bool) ([]*mls.Proposal, []*mls.KeyPackageBundle, error) {
	props := make([]*mls.Proposal, 0, len(targets))
	bundles := make([]*mls.KeyPackageBundle, 0, len(targets))
	for _, id := range targets {
		e, err := g.fetchKeyPackage(actor, id, out)
		if err != nil {
			return nil, nil, err
		}
		if register {
			g.joiners[string(e.bundle.KeyPackage.InitKey)] = joiner{id: id, bundle: e.bundle, kp: e}
		}
		props = append(props, &mls.Proposal{Type: mls.ProposalAdd, Add: e.bundle.KeyPackage})
		bundles = append(bundles, e.bundle)
	}
	return props, bundles, nil
}

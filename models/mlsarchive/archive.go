// Package mlsarchive is the counter-position of the forward-secrecy
// debate the lab was founded on: MLS manages the group as it does alone
// (every intent goes to an mlsgroup.Group, with its commit policy and
// fidelity modes), and every application message is also encrypted under
// a long-term group archive key and uploaded to the group's archive, so
// that the group's history can be read later, by a device added after it
// was written.
//
// Each message is encrypted twice, not its MLS message key wrapped: the
// archive copy (an ArchiveRecord, signed by the sender inside the
// ciphertext) can then be read with the archive key alone, without MLS's
// secret tree or framing. It costs the payload again plus a fixed
// overhead, counted exactly (messages.go).
//
// Archive keys are distributed through MLS: the member that commits the
// epoch in which a key is made sends it as an MLS application message at
// the start of that epoch, so whoever knows that epoch's secrets learns
// it (the oracle's Reveal from MLS's epoch secret). A newly added device
// receives, in its first epoch, every archive key (Options.History "all")
// or a fresh one made for the group then ("none"). Keys rotate never, on
// removal, or periodically (at the first commit once the period has
// passed: a key is only ever made at the start of an epoch). Devices keep
// every archive key, to read history; with Options.Backup each key is
// also sealed to a backup service's long-term HPKE key.
//
// What a compromise of a device reveals is MLS's state plus every archive
// key the device holds: every archived message under those keys, past and
// future, whether or not it has disappeared from the devices.
//
// Fidelity: MLS's. In full mode every member takes its archive keys from
// the MLS application messages it really decrypted; in sampled mode the
// sampled receiver does and checks them against the ground truth, and
// the other members take them from it.
package mlsarchive

import (
	"bytes"
	"errors"
	"fmt"
	"slices"
	"time"

	"cgkalab/models/mlsgroup"
	"cgkalab/models/protocol"
	"cgkalab/models/suite"
)

// Message kinds the archive adds to MLS's.
const (
	// MsgArchiveKey: archive keys in an MLS application message to the
	// group.
	MsgArchiveKey = "archive_key"
	// MsgArchiveRecord: a message's archive copy, uploaded to the
	// archive and delivered to nobody (To is empty).
	MsgArchiveRecord = "archive_record"
	// MsgBackupKey: an archive key sealed to the backup service, uploaded
	// to it and delivered to no member.
	MsgBackupKey = "backup_key"
)

// MessageKinds lists the kinds of message an mls-archive group sends.
var MessageKinds = append(slices.Clone(mlsgroup.MessageKinds), MsgArchiveKey, MsgArchiveRecord, MsgBackupKey)

// groupID names the group in archive records and backups.
var groupID = []byte("cgkalab-group")

// archiveKey is one generation of the archive key.
type archiveKey struct {
	gen    uint32
	secret []byte
	aead   []byte
}

// holder is the archive state of one member device.
type holder struct {
	id   protocol.MemberID
	keys map[uint32]*archiveKey // every archive key it holds
	next int                    // the first distribution it has not received
}

// distribution is one message of archive keys.
type distribution struct {
	gens []uint32
}

// Group is a simulated MLS group with an archive.
type Group struct {
	env   protocol.Env
	mls   *mlsgroup.Group
	suite *suite.Suite
	opts  Options
	full  bool

	keys    []*archiveKey // ground truth by generation
	holders map[protocol.MemberID]*holder
	order   []protocol.MemberID // holders in join order
	dists   []distribution
	// joined lists the members added during the intent being applied:
	// the simulator counts them online only once the intent is done, but
	// they are online for what follows their Welcome at once.
	joined      map[protocol.MemberID]bool
	rotated     time.Duration // when the current archive key was made
	backup      *suite.HPKEPrivateKey
	backupGens  []uint32
	hist        protocol.History
	err         error    // the first inconsistency the observer found
	keepRecords bool     // tests: keep every archive record
	records     [][]byte // the archive, when kept
}

// New creates an empty group; a Create intent populates it.
func New(env protocol.Env) (protocol.Group, error) {
	opts, err := ParseOptions(env.Options)
	if err != nil {
		return nil, err
	}
	s, err := suite.ByID(suite.ID(env.Suite))
	if err != nil {
		return nil, err
	}
	if env.Rand == nil || env.Online == nil {
		return nil, errors.New("mls-archive: environment lacks randomness or an online predicate")
	}
	g := &Group{env: env, suite: s, opts: opts, full: env.Mode == protocol.Full,
		holders: map[protocol.MemberID]*holder{}, joined: map[protocol.MemberID]bool{}}
	mlsEnv := env
	mlsEnv.Online = g.online
	if mlsEnv.Options, err = jsonOf(opts.MLS); err != nil {
		return nil, err
	}
	mg, err := mlsgroup.New(mlsEnv)
	if err != nil {
		return nil, err
	}
	g.mls = mg.(*mlsgroup.Group)
	g.mls.SetObserver(g.observe)
	if opts.Backup {
		ikm, err := g.random(s.Nh())
		if err != nil {
			return nil, err
		}
		if g.backup, err = s.DeriveKeyPair(ikm); err != nil {
			return nil, fmt.Errorf("mls-archive: backup key: %w", err)
		}
	}
	return g, nil
}

// online is the simulator's online predicate, with this intent's joiners.
func (g *Group) online(m protocol.MemberID) bool { return g.joined[m] || g.env.Online(m) }

func (g *Group) random(n int) ([]byte, error) {
	b := make([]byte, n)
	if _, err := g.env.Rand.Read(b); err != nil {
		return nil, fmt.Errorf("mls-archive: random stream: %w", err)
	}
	return b, nil
}

// Epoch implements protocol.Group: MLS's epoch.
func (g *Group) Epoch() uint64 { return g.mls.Epoch() }

// Members implements protocol.Group.
func (g *Group) Members() int { return g.mls.Members() }

// TickEvery implements protocol.Ticker: MLS's periodic commits.
func (g *Group) TickEvery() time.Duration { return g.mls.TickEvery() }

// Health implements protocol.HealthReporter.
func (g *Group) Health() protocol.TreeHealth { return g.mls.Health() }

// Apply implements protocol.Group: MLS performs the intent; the archive
// copies application messages and distributes archive keys after
// commits.
func (g *Group) Apply(in protocol.Intent) ([]*protocol.Outcome, error) {
	clear(g.joined)
	outs, err := g.mls.Apply(in)
	if err != nil {
		return nil, err
	}
	return g.after(in, outs)
}

// CommitForTesting has member c commit what is pending now, whatever the
// commit policy says (mlsgroup.Group.CommitForTesting), at virtual time
// now, and distributes archive keys as after any commit.
func (g *Group) CommitForTesting(c protocol.MemberID, path bool, now time.Duration) ([]*protocol.Outcome, error) {
	clear(g.joined)
	outs, err := g.mls.CommitForTesting(c, path)
	if err != nil {
		return nil, err
	}
	return g.after(protocol.Intent{Kind: protocol.Tick, Now: now}, outs)
}

// after follows the membership MLS's outcomes changed, archives the
// message a Send produced, and distributes archive keys after commits.
func (g *Group) after(in protocol.Intent, outs []*protocol.Outcome) ([]*protocol.Outcome, error) {
	if g.err != nil {
		return nil, g.err
	}
	var commits []*protocol.Outcome
	for _, o := range outs {
		if o.Rejected != "" {
			continue
		}
		if in.Kind == protocol.Create && o.Sequenced && g.holders[in.Actor] == nil {
			g.addHolder(in.Actor)
		}
		for _, id := range o.Added {
			g.addHolder(id)
			g.joined[id] = true
		}
		for _, id := range o.Removed {
			g.dropHolder(id)
		}
		if o.Sequenced {
			commits = append(commits, o)
		}
		if in.Kind == protocol.Send && o.Security != nil && len(o.Security.Protected) > 0 {
			if err := g.archive(in, o); err != nil {
				return nil, err
			}
		}
	}
	if in.Kind == protocol.Sync {
		if err := g.catchUp(in.Actor); err != nil {
			return nil, err
		}
	}
	if len(commits) > 0 {
		out, err := g.afterCommits(in, commits)
		if err != nil {
			return nil, err
		}
		switch {
		case out == nil:
		case in.Kind == protocol.Create:
			merge(commits[0], out)
		default:
			outs = append(outs, out)
		}
	}
	return outs, g.err
}

// merge adds the first archive key's distribution to the creation of the
// group: one composite operation of the creator, as MLS's own creation is
// (the creator's commit adding everyone, and its Welcome). The receivers'
// work is what each does for both (joining, then decrypting the key).
func merge(create, dist *protocol.Outcome) {
	create.Messages = append(create.Messages, dist.Messages...)
	create.Sender.Add(dist.Sender)
	create.SenderNanos += dist.SenderNanos
	create.Receiver.Add(dist.Receiver)
	create.ReceiverNanos += dist.ReceiverNanos
	create.Processed = max(create.Processed, dist.Processed)
	if create.Security == nil {
		create.Security = &protocol.Security{}
	}
	create.Security.Reveals = append(create.Security.Reveals, dist.Security.Reveals...)
}

func (g *Group) addHolder(id protocol.MemberID) {
	g.holders[id] = &holder{id: id, keys: map[uint32]*archiveKey{}, next: len(g.dists)}
	g.order = append(g.order, id)
}

func (g *Group) dropHolder(id protocol.MemberID) {
	delete(g.holders, id)
	if i := slices.Index(g.order, id); i >= 0 {
		g.order = slices.Delete(g.order, i, i+1)
	}
}

// afterCommits decides, after the accepted commits of one intent, whether
// a new archive key is due and which keys the group must receive, and has
// the last committer send them in the new epoch.
func (g *Group) afterCommits(in protocol.Intent, commits []*protocol.Outcome) (*protocol.Outcome, error) {
	var added []protocol.MemberID
	removed := false
	for _, c := range commits {
		added = append(added, c.Added...)
		removed = removed || len(c.Removed) > 0
	}
	sender := commits[len(commits)-1].Actor
	rotate := len(g.keys) == 0 ||
		removed && g.opts.Rotate == RotateRemoval ||
		len(added) > 0 && g.opts.History == HistoryNone ||
		g.opts.Rotate == RotatePeriodic && in.Now-g.rotated >= g.opts.RotateEvery
	if !rotate && len(added) == 0 {
		return nil, nil
	}
	out := &protocol.Outcome{}
	var fresh *archiveKey
	if rotate {
		t0 := g.env.Now()
		secret, err := g.random(g.suite.Nh())
		if err != nil {
			return nil, err
		}
		fresh = &archiveKey{gen: uint32(len(g.keys)), secret: secret, aead: aeadKey(g.suite, secret)}
		out.Sender.DeriveSecret++
		out.SenderNanos += g.env.Now() - t0
		g.keys = append(g.keys, fresh)
		g.rotated = in.Now
		g.holders[sender].keys[fresh.gen] = fresh
	}
	send := []*archiveKey{fresh}
	if g.opts.History == HistoryAll && len(added) > 0 {
		send = g.keys // every key, the fresh one included
	}
	if err := g.distribute(sender, send, out); err != nil {
		return nil, err
	}
	if fresh != nil && g.backup != nil {
		if err := g.toBackup(fresh, out); err != nil {
			return nil, err
		}
	}
	gens := make([]uint32, len(send))
	for i, k := range send {
		gens[i] = k.gen
	}
	for range added {
		g.hist.Join(in.Now, gens)
	}
	return out, nil
}

// distribute has sender send keys as an MLS application message in the
// current epoch; out takes that message's outcome.
func (g *Group) distribute(sender protocol.MemberID, keys []*archiveKey, out *protocol.Outcome) error {
	h := g.holders[sender]
	entries := make([]ArchiveKey, len(keys))
	gens := make([]uint32, len(keys))
	for i, k := range keys {
		if h.keys[k.gen] == nil {
			return fmt.Errorf("mls-archive: %d distributes archive key %d, which it does not hold", sender, k.gen)
		}
		entries[i] = ArchiveKey{Generation: k.gen, Secret: k.secret}
		gens[i] = k.gen
	}
	g.dists = append(g.dists, distribution{gens: gens})
	h.next = len(g.dists)
	o, err := g.mls.SendContent(sender, encodeArchiveKeys(entries))
	if err != nil {
		return err
	}
	if g.err != nil {
		return g.err
	}
	e := g.Epoch()
	o.Sender.Add(out.Sender)
	o.SenderNanos += out.SenderNanos
	*out = *o
	out.Label = "archive-key"
	out.Messages[0].Kind = MsgArchiveKey
	out.Security = &protocol.Security{}
	for _, gen := range gens {
		out.Security.Reveals = append(out.Security.Reveals, protocol.Reveal{From: mlsgroup.EpochSecret(e), To: archiveKeySecret(gen)})
	}
	// Who received it: in full mode through what they decrypted (the
	// observer), checked here; in sampled mode from the ground truth.
	for _, id := range g.order {
		r := g.holders[id]
		if id == sender || !g.online(id) {
			continue
		}
		if err := g.receive(r, len(g.dists)-1); err != nil {
			return err
		}
		r.next = len(g.dists)
	}
	return nil
}

// receive gives holder h the keys of distribution i: in full mode it must
// already hold them from the message it decrypted; in sampled mode it
// takes them from the ground truth.
func (g *Group) receive(h *holder, i int) error {
	for _, gen := range g.dists[i].gens {
		if h.keys[gen] != nil {
			continue
		}
		if g.full {
			return fmt.Errorf("mls-archive: member %d did not receive archive key %d", h.id, gen)
		}
		h.keys[gen] = g.keys[gen]
	}
	return nil
}

// catchUp gives a member back online the distributions it missed.
func (g *Group) catchUp(id protocol.MemberID) error {
	h, ok := g.holders[id]
	if !ok {
		return nil
	}
	for i := h.next; i < len(g.dists); i++ {
		if err := g.receive(h, i); err != nil {
			return err
		}
	}
	h.next = len(g.dists)
	return nil
}

// observe is the MLS group's observer: a member decrypted application
// content for real; archive keys in it must be the ground truth.
func (g *Group) observe(receiver protocol.MemberID, content []byte) {
	keys, ok, err := ParseArchiveKeys(content)
	if !ok {
		if err != nil && g.err == nil {
			g.err = fmt.Errorf("mls-archive: member %d received malformed archive keys: %w", receiver, err)
		}
		return
	}
	h := g.holders[receiver]
	if h == nil {
		return // a member removed since; it no longer keeps state
	}
	for _, k := range keys {
		if int(k.Generation) >= len(g.keys) || !bytes.Equal(k.Secret, g.keys[k.Generation].secret) {
			if g.err == nil {
				g.err = fmt.Errorf("mls-archive: member %d decrypted archive key %d unlike the one sent", receiver, k.Generation)
			}
			return
		}
		h.keys[k.Generation] = g.keys[k.Generation]
	}
}

// archive encrypts the message the outcome o sent under the current
// archive key, signed by its sender, and uploads it to the archive.
func (g *Group) archive(in protocol.Intent, o *protocol.Outcome) error {
	k := g.keys[len(g.keys)-1]
	if g.holders[in.Actor].keys[k.gen] == nil {
		return fmt.Errorf("mls-archive: %d sends without the current archive key %d", in.Actor, k.gen)
	}
	t0 := g.env.Now()
	nonce, err := g.random(g.suite.AEADNonceSize())
	if err != nil {
		return err
	}
	rec := &Record{GroupID: groupID, Generation: k.gen, Epoch: o.Epoch, Sender: uint32(in.Actor), Nonce: nonce}
	aad := rec.aad()
	content := make([]byte, in.Size) // what MLS sent
	sig, err := g.mls.SignAs(in.Actor, labelRecord, recordTBS(aad, content))
	if err != nil {
		return err
	}
	if rec.Ciphertext, err = g.suite.Seal(k.aead, nonce, aad, recordContent(content, sig)); err != nil {
		return err
	}
	data := rec.Bytes()
	o.SenderNanos += g.env.Now() - t0
	o.Sender.Sign++
	o.Sender.AEAD++
	o.Messages = append(o.Messages, protocol.Message{Kind: MsgArchiveRecord, Bytes: len(data), To: []protocol.MemberID{}})
	o.Security.Protected = append(o.Security.Protected, archiveKeySecret(k.gen))
	g.hist.Sent(in.Now, in.TTL, k.gen)
	if g.keepRecords {
		g.records = append(g.records, data)
	}
	return nil
}

// toBackup seals a new archive key to the backup service, which opens it.
func (g *Group) toBackup(k *archiveKey, out *protocol.Outcome) error {
	t0 := g.env.Now()
	b := &BackupKey{GroupID: groupID, Generation: k.gen}
	var err error
	b.KEMOutput, b.Ciphertext, err = g.suite.EncryptWithLabel(g.backup.PublicKey(), labelBackup, b.context(), k.secret, g.env.Rand)
	if err != nil {
		return fmt.Errorf("mls-archive: sealing archive key %d to the backup: %w", k.gen, err)
	}
	out.SenderNanos += g.env.Now() - t0
	out.Sender.Encrypt++
	data := b.Bytes()
	out.Messages = append(out.Messages, protocol.Message{Kind: MsgBackupKey, Bytes: len(data), To: []protocol.MemberID{}})
	out.Security.Reveals = append(out.Security.Reveals, protocol.Reveal{From: protocol.KeySecret(g.backup.PublicKey()), To: archiveKeySecret(k.gen)})
	// The service opens what it stores.
	got, err := ParseBackupKey(data)
	if err == nil {
		var secret []byte
		secret, err = g.suite.DecryptWithLabel(g.backup, labelBackup, got.context(), got.KEMOutput, got.Ciphertext)
		if err == nil && !bytes.Equal(secret, k.secret) {
			err = errors.New("a different key")
		}
	}
	if err != nil {
		return fmt.Errorf("mls-archive: backup opening archive key %d: %w", k.gen, err)
	}
	g.backupGens = append(g.backupGens, k.gen)
	return nil
}

package mls

import (
	"errors"
	"strings"
	"testing"

	"cgkalab/models/keyschedule"
	"cgkalab/models/treekem"
	"cgkalab/models/wire"
)

// TestRejectionKeepsCause checks that a rejected message's error keeps
// every cause matchable: the rejection, the protection failure and the
// decoding error underneath (errors.Is on each), with both texts shown.
func TestRejectionKeepsCause(t *testing.T) {
	f := newFleet(t, 1)
	kp := f.keyPackage()
	f.commit(0, CommitOptions{Inline: []*Proposal{{Type: ProposalAdd, Add: kp.KeyPackage}}, RatchetTreeInWelcome: true}, []*KeyPackageBundle{kp})
	sender, receiver := f.members[0], f.members[1]

	// A PrivateMessage sealed with the sender's real keys whose plaintext
	// is not a PrivateMessageContent: a four-byte varint length cut after
	// its first byte (RFC 9420, Sections 2.1.2 and 6.3.1).
	pm := &PrivateMessage{GroupID: sender.GroupID(), Epoch: sender.Epoch(), ContentType: ContentApplication}
	rk, err := sender.cur.keys.Tree.Next(sender.LeafIndex(), keyschedule.ApplicationRatchet)
	if err != nil {
		t.Fatal(err)
	}
	var guard [4]byte
	if pm.Ciphertext, err = f.s.Seal(rk.Key, rk.GuardedNonce(guard), pm.contentAAD(), []byte{0x80}); err != nil {
		t.Fatal(err)
	}
	sd := wire.NewBuilder(12)
	sd.U32(uint32(sender.LeafIndex()))
	sd.U32(rk.Generation)
	sd.Raw(guard[:])
	key, nonce, err := sender.cur.keys.SenderData.KeyNonce(f.s, pm.Ciphertext)
	if err != nil {
		t.Fatal(err)
	}
	if pm.EncryptedSenderData, err = f.s.Seal(key, nonce, pm.senderDataAAD(), sd.Bytes()); err != nil {
		t.Fatal(err)
	}
	msg, err := ParseMLSMessage((&MLSMessage{WireFormat: WirePrivateMessage, Private: pm}).Bytes())
	if err != nil {
		t.Fatal(err)
	}
	_, err = receiver.Process(msg)
	for _, want := range []error{ErrRejected, ErrProtection, wire.ErrMalformed} {
		if !errors.Is(err, want) {
			t.Errorf("malformed PrivateMessage content: %v does not match %q", err, want)
		}
	}
	if err != nil && !strings.Contains(err.Error(), "PrivateMessageContent") {
		t.Errorf("error %q does not name the structure that failed to decode", err)
	}

	// A Welcome whose GroupSecrets, encrypted to the joiner's real init
	// key, do not decode.
	joiner := f.keyPackage()
	w := &Welcome{CipherSuite: f.s.ID, EncryptedGroupInfo: []byte("group info")}
	kemOut, ct, err := f.s.EncryptWithLabel(joiner.KeyPackage.InitKey, "Welcome", w.EncryptedGroupInfo, []byte{0x40}, f.rand)
	if err != nil {
		t.Fatal(err)
	}
	w.Secrets = []EncryptedGroupSecrets{{NewMember: joiner.KeyPackage.Ref(f.s), Secrets: treekem.HPKECiphertext{KEMOutput: kemOut, Ciphertext: ct}}}
	_, err = Join(f.s, w, joiner, nil, Config{})
	if !errors.Is(err, ErrRejected) || !errors.Is(err, wire.ErrMalformed) {
		t.Errorf("malformed GroupSecrets: %v, want ErrRejected and wire.ErrMalformed", err)
	}
}

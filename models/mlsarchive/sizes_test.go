package mlsarchive_test

import (
	"encoding/json"
	"math/rand/v2"
	"testing"

	"cgkalab/models/mlsarchive"
	"cgkalab/models/mlsgroup"
	"cgkalab/models/protocol"
	"cgkalab/models/suite"
	"cgkalab/models/wire"
)

// Closed forms for suite 1 (X25519, AES-128-GCM, SHA-256, Ed25519), from
// the encodings of RFC 9420 and of messages.go.
var (
	op     = wire.OpaqueLen
	gid    = op(len("cgkalab-group"))
	sig    = op(64) // Ed25519
	nh     = 32
	tag    = 16
	nn     = 12
	nenc   = 32
	record = func(payload int) int { // ArchiveRecord
		return gid + 4 + 8 + 4 + nn + op(op(payload)+sig+tag)
	}
	archiveKeys = func(k int) int { return 1 + op(k*(4+op(nh))) } // ArchiveKeys content
	backupKey   = gid + 4 + op(nenc) + op(nh+tag)                 // BackupKey
)

// privateMessage is the size of an MLS application message with content of
// n bytes (RFC 9420, Section 6.3): MLSMessage{version, wire_format,
// PrivateMessage{group_id, epoch, content_type, authenticated_data,
// encrypted_sender_data (SenderData: 12 bytes + tag), ciphertext
// (PrivateMessageContent{application_data, signature}, no padding, + tag)}}.
func privateMessage(n int) int {
	return 2 + 2 + gid + 8 + 1 + op(0) + op(12+tag) + op(op(n)+sig+tag)
}

// The closed form of an MLS application message holds for plain MLS.
func TestSizesPrivateMessageClosedForm(t *testing.T) {
	raw, _ := json.Marshal(mlsgroup.DefaultOptions())
	members := []protocol.MemberID{0, 1, 2}
	g, err := mlsgroup.New(protocol.Env{Suite: 1, Mode: protocol.Full, Sample: 1, Options: raw,
		Online: func(protocol.MemberID) bool { return true }, Members: func() []protocol.MemberID { return members },
		Rand: rand.NewChaCha8([32]byte{}), Pick: rand.New(rand.NewPCG(1, 1))})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := g.Apply(protocol.Intent{Kind: protocol.Create, Actor: 0, Targets: members[1:]}); err != nil {
		t.Fatal(err)
	}
	for _, n := range []int{0, 1, 39, 77, 100, 16383, 16384} {
		outs, err := g.Apply(protocol.Intent{Kind: protocol.Send, Actor: 1, Size: n})
		if err != nil {
			t.Fatal(err)
		}
		if got := outs[0].Messages[0].Bytes; got != privateMessage(n) {
			t.Errorf("MLS application message of %d bytes: %d, closed form %d", n, got, privateMessage(n))
		}
	}
}

// What the archive adds to MLS, at n = 8, 64 and 1024.
func TestSizesClosedForm(t *testing.T) {
	if s, _ := suite.ByID(1); s.Nh() != nh || s.AEADNonceSize() != nn || s.HPKEEncSize() != nenc {
		t.Fatal("suite 1's constants are not those of the closed forms")
	}
	const payload = 100
	type cost struct{ count, bytes int }
	for _, n := range []int{8, 64, 1024} {
		rows, err := mlsarchive.Sizes(1, []int{n}, payload)
		if err != nil {
			t.Fatal(err)
		}
		want := map[[2]string]cost{
			{"create", mlsarchive.MsgArchiveKey}:  {1, privateMessage(archiveKeys(1))},
			{"create", mlsarchive.MsgBackupKey}:   {1, backupKey},
			{"send", mlsarchive.MsgArchiveRecord}: {1, record(payload)},
			{"remove", mlsarchive.MsgArchiveKey}:  {1, privateMessage(archiveKeys(1))},
			{"remove", mlsarchive.MsgBackupKey}:   {1, backupKey},
			{"add", mlsarchive.MsgArchiveKey}:     {1, privateMessage(archiveKeys(2))},
		}
		if len(rows) != len(want) {
			t.Errorf("n = %d: %d rows, want %d: %+v", n, len(rows), len(want), rows)
		}
		for _, r := range rows {
			w := want[[2]string{r.Operation, r.Message}]
			if r.Count != w.count || r.Bytes != w.bytes {
				t.Errorf("n = %d, %s, %s: %d messages of %d bytes in all, want %d of %d", n, r.Operation, r.Message, r.Count, r.Bytes, w.count, w.bytes)
			}
		}
	}
}

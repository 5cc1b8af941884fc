package mlsarchive

import (
	"encoding/json"
	"errors"
	"math/rand/v2"
	"slices"
	"testing"

	"cgkalab/models/protocol"
	"cgkalab/models/suite"
	"cgkalab/models/wire"
)

// A device added with history "all" really decrypts every archived message
// sent before it joined, and checks each sender's signature; a tampered
// record fails.
func TestNewDeviceReadsTheArchive(t *testing.T) {
	opts := DefaultOptions()
	opts.Rotate = RotateRemoval
	raw, _ := json.Marshal(opts)
	members := []protocol.MemberID{0}
	pg, err := New(protocol.Env{Suite: 1, Mode: protocol.Full, Sample: 1, Options: raw,
		Online:  func(protocol.MemberID) bool { return true },
		Members: func() []protocol.MemberID { return members },
		Rand:    rand.NewChaCha8([32]byte{9}), Pick: rand.New(rand.NewPCG(1, 1))})
	if err != nil {
		t.Fatal(err)
	}
	g := pg.(*Group)
	g.keepRecords = true
	steps := []protocol.Intent{
		{Kind: protocol.Create, Actor: 0, Targets: []protocol.MemberID{1, 2, 3}},
		{Kind: protocol.Send, Actor: 1, Size: 10},
		{Kind: protocol.Send, Actor: 2, Size: 20},
		{Kind: protocol.Leave, Actor: 0, Targets: []protocol.MemberID{3}},
		{Kind: protocol.Send, Actor: 1, Size: 30},
		{Kind: protocol.Join, Actor: 2, Targets: []protocol.MemberID{4}},
	}
	for _, in := range steps {
		outs, err := g.Apply(in)
		if err != nil {
			t.Fatalf("%v: %v", in.Kind, err)
		}
		for _, o := range outs {
			members = append(members, o.Added...)
			for _, x := range o.Removed {
				members = slices.DeleteFunc(members, func(m protocol.MemberID) bool { return m == x })
			}
		}
	}
	holds := g.holders[4].keys
	if len(holds) != 2 || len(g.records) != 3 {
		t.Fatalf("the new device holds %d archive keys, the archive %d records; want 2 and 3", len(holds), len(g.records))
	}
	for i, data := range g.records {
		rec, err := ParseRecord(g.suite, data)
		if err != nil {
			t.Fatal(err)
		}
		pub, _ := g.mls.SignaturePublicKey(protocol.MemberID(rec.Sender))
		k := holds[rec.Generation]
		content, err := OpenRecord(g.suite, k.secret, rec, pub)
		if err != nil || len(content) != 10*(i+1) {
			t.Fatalf("record %d: %d bytes, %v", i, len(content), err)
		}
		for j := range data {
			bad := append([]byte(nil), data...)
			bad[j] ^= 0x80
			rec, err := ParseRecord(g.suite, bad)
			if err != nil {
				if !errors.Is(err, wire.ErrMalformed) {
					t.Fatalf("record %d with byte %d changed: %v", i, j, err)
				}
				continue
			}
			if k := holds[rec.Generation]; k != nil {
				if _, err := OpenRecord(g.suite, k.secret, rec, pub); err == nil {
					t.Fatalf("record %d with byte %d changed: opened", i, j)
				}
			}
		}
	}
}

func TestParseMalformed(t *testing.T) {
	for _, b := range [][]byte{{contentArchiveKeys}, {contentArchiveKeys, 0x05, 0, 0}, {contentArchiveKeys, 0x40}} {
		if _, ok, err := ParseArchiveKeys(b); ok || !errors.Is(err, wire.ErrMalformed) {
			t.Errorf("archive keys %x: ok %v, %v", b, ok, err)
		}
	}
	if _, ok, err := ParseArchiveKeys(make([]byte, 8)); ok || err != nil {
		t.Errorf("user content: ok %v, %v", ok, err)
	}
	if _, err := ParseBackupKey([]byte{1, 'g', 0}); !errors.Is(err, wire.ErrMalformed) {
		t.Errorf("backup key: %v", err)
	}
	if _, err := ParseRecord(g1(t), []byte{1, 'g', 0, 0, 0, 0}); !errors.Is(err, wire.ErrMalformed) {
		t.Errorf("record: %v", err)
	}
}

func g1(t *testing.T) *suite.Suite {
	t.Helper()
	s, err := suite.ByID(1)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

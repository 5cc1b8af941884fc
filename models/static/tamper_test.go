package static

import (
	"math/rand/v2"
	"testing"

	"cgkalab/models/protocol"
)

// A receiver refuses any message whose bytes were changed on the wire, and
// a Welcome whose roster is not the one its sender hashed.
func TestTamperedMessagesFail(t *testing.T) {
	var members []protocol.MemberID
	pg, err := New(protocol.Env{Suite: 1, Mode: protocol.Full, Sample: 1,
		Online:  func(protocol.MemberID) bool { return true },
		Members: func() []protocol.MemberID { return members },
		Rand:    rand.NewChaCha8([32]byte{3}), Pick: rand.New(rand.NewPCG(1, 1))})
	if err != nil {
		t.Fatal(err)
	}
	g := pg.(*Group)
	if _, err := g.Apply(protocol.Intent{Kind: protocol.Create, Actor: 0, Targets: []protocol.MemberID{1, 2}}); err != nil {
		t.Fatal(err)
	}
	sender, receiver := g.members[0], g.members[1]
	var ops protocol.Ops
	hs, err := g.handshake(sender, &Handshake{Type: HandshakeRemove, Removed: []uint32{2}}, &ops)
	if err != nil {
		t.Fatal(err)
	}
	wrap, err := g.seal(sender, receiver.kp, g.current(), nil, &ops)
	if err != nil {
		t.Fatal(err)
	}
	outs, err := g.Apply(protocol.Intent{Kind: protocol.Send, Actor: 0, Size: 20})
	if err != nil || outs[0].Processed != 2 {
		t.Fatalf("send: %v, %+v", err, outs)
	}
	k := g.current()
	a := &Application{GroupID: groupID, Generation: k.gen, Sender: 0, Nonce: make([]byte, 12)}
	sig, _ := g.suite.SignWithLabel(sender.sigKey, labelContent, contentTBS(a.aad(), []byte("hi")))
	a.Ciphertext, _ = g.suite.Seal(k.aead, a.Nonce, a.aad(), encodeContent([]byte("hi"), sig))
	app := a.Bytes()
	for _, c := range []struct {
		kind string
		data []byte
	}{{MsgRemove, hs}, {MsgKeyWrap, wrap}, {MsgApplication, app}} {
		if _, _, err := g.receive(receiver, c.kind, c.data); err != nil {
			t.Fatalf("%s untouched: %v", c.kind, err)
		}
		for i := range c.data {
			bad := append([]byte(nil), c.data...)
			bad[i] ^= 0x01
			if _, _, err := g.receive(receiver, c.kind, bad); err == nil {
				t.Fatalf("%s with byte %d flipped: accepted", c.kind, i)
			}
		}
	}
	// A Welcome checked against another roster.
	j, err := g.newClient(9)
	if err != nil {
		t.Fatal(err)
	}
	roster := encodeRoster(g.roster())
	w, err := g.seal(sender, j.kp, k, g.suite.Hash(roster), &ops)
	if err != nil {
		t.Fatal(err)
	}
	if _, _, err := g.receiveKeyWrap(j, w, roster); err != nil {
		t.Fatalf("welcome: %v", err)
	}
	other := encodeRoster(g.roster()[:2])
	if _, _, err := g.receiveKeyWrap(j, w, other); err == nil {
		t.Fatal("welcome with another roster: accepted")
	}
}

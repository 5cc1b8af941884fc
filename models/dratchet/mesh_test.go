package dratchet

import (
	"math/rand/v2"
	"slices"
	"testing"

	"cgkalab/models/protocol"
	"cgkalab/models/wire"
)

func TestMesh(t *testing.T) {
	c, err := NewCrypto(1)
	if err != nil {
		t.Fatal(err)
	}
	m := NewMesh(c, rand.NewChaCha8([32]byte{5}))
	m.OneTime = 4
	var ops protocol.Ops
	sec := &protocol.Security{}
	for id := range protocol.MemberID(5) {
		up, err := m.Register(id, &ops)
		if err != nil {
			t.Fatal(err)
		}
		// PrekeyBase (1+32 signature key, 1+32 identity key, 4 id, 1+32
		// signed prekey, 2+64 signature: lengths above 63 take 2 bytes) and 4
		// one-time prekeys of 4+1+32
		// in a vector of 148 bytes (2-byte length).
		if want := 169 + 2 + 4*37; len(up) != want {
			t.Fatalf("upload of %d bytes, want %d", len(up), want)
		}
	}
	// Members 1..4 start sessions with member 0, taking its one-time
	// prekeys; the refill comes once fewer than half are left.
	left := 4 // one-time prekeys of member 0 on the server
	for from := protocol.MemberID(1); from <= 4; from++ {
		bundle, msg, _, err := m.Initiate(from, 0, nil, sec, &ops)
		if err != nil {
			t.Fatal(err)
		}
		if want := 169 + 1 + 37; len(bundle) != want {
			t.Errorf("bundle of %d bytes, want %d", len(bundle), want)
		}
		if _, err := m.Decrypt(0, from, msg, sec, &ops); err != nil {
			t.Fatal(err)
		}
		refill, err := m.Refill(0, &ops)
		if err != nil {
			t.Fatal(err)
		}
		left--
		if (2*left < 4) != (refill != nil) {
			t.Errorf("after %d sessions: refill %v with %d one-time prekeys left", from, refill != nil, left)
		}
		if refill != nil {
			if want := wire.OpaqueLen((4 - left) * 37); len(refill) != want {
				t.Errorf("refill of %d bytes, want %d", len(refill), want)
			}
			left = 4
		}
	}
	if _, _, _, err := m.Initiate(1, 0, nil, sec, &ops); err == nil {
		t.Error("a second session for the same pair was accepted")
	}
	// Member 0 answers member 3: a DH step (step 2 of the pair).
	msg, key, err := m.Encrypt(0, 3, []byte("x"), sec, &ops)
	if err != nil {
		t.Fatal(err)
	}
	if want := MessageSecret(Pair(0, 3), Pos{2, 0}); !sameSecret(key, want) {
		t.Errorf("reply protected by %+v, want %+v", key, want)
	}
	if _, err := m.Decrypt(1, 0, msg, sec, &ops); err == nil {
		t.Error("member 1 opened a message meant for member 3")
	}
	if pt, err := m.Decrypt(3, 0, msg, sec, &ops); err != nil || string(pt) != "x" {
		t.Fatalf("member 3: %q, %v", pt, err)
	}
	know, err := m.Knowledge(0)
	if err != nil {
		t.Fatal(err)
	}
	p := Pair(0, 3)
	own := m.Session(0, 3).State().OwnPublic
	for _, s := range []protocol.Secret{protocol.KeySecret(m.Device(0).Identity.IK.PublicKey()), rootSecret(p, 2), protocol.KeySecret(own),
		ChainSecret(p, Pos{2, 1}), ChainSecret(p, Pos{1, 1})} {
		if !slices.ContainsFunc(know, func(k protocol.Secret) bool { return sameSecret(k, s) }) {
			t.Errorf("member 0's knowledge lacks %+v", s)
		}
	}
	m.Remove(3)
	if m.Device(3) != nil || m.Session(0, 3) == nil {
		t.Error("removal deleted the peers' sessions before they forget them")
	}
	m.Forget(0, 3)
	if m.Session(0, 3) != nil || m.Sessions(0) != 3 {
		t.Error("removal left sessions behind")
	}
}

func sameSecret(a, b protocol.Secret) bool {
	return a.Kind == b.Kind && a.A == b.A && a.B == b.B && string(a.Key) == string(b.Key)
}

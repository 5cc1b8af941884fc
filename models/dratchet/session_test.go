package dratchet

import (
	"bytes"
	"errors"
	"fmt"
	"math/rand/v2"
	"testing"

	"cgkalab/models/protocol"
	"cgkalab/models/suite"
	"cgkalab/models/wire"
)

// testSuites covers every kind of asymmetric step: X25519, P-256 and X448
// Diffie–Hellman, X-Wing and pure ML-KEM.
var testSuites = []suite.ID{0x0001, 0x0002, 0x0004, suite.PrivateUseTBD1, suite.PrivateUseTBD6}

func forSuites(t *testing.T, f func(t *testing.T, c *Crypto)) {
	for _, id := range testSuites {
		c, err := NewCrypto(id)
		if err != nil {
			t.Fatal(err)
		}
		t.Run(fmt.Sprintf("suite=%#04x", uint16(id)), func(t *testing.T) { f(t, c) })
	}
}

// pair is two parties with a session, Alice the initiator.
type pair struct {
	t          *testing.T
	c          *Crypto
	rng        *rand.ChaCha8
	alice, bob *Identity
	a, b       *Session
}

// newPair sets up a session; Bob's first message has been received.
func newPair(t *testing.T, c *Crypto, maxSkip int) *pair {
	t.Helper()
	p := &pair{t: t, c: c, rng: rand.NewChaCha8([32]byte{7})}
	var ops protocol.Ops
	var err error
	if p.alice, err = c.NewIdentity(p.rng, &ops); err != nil {
		t.Fatal(err)
	}
	if p.bob, err = c.NewIdentity(p.rng, &ops); err != nil {
		t.Fatal(err)
	}
	ot, err := c.NewOneTime(p.bob, 2, p.rng, &ops)
	if err != nil {
		t.Fatal(err)
	}
	bundle := &PrekeyBundle{Base: p.bob.Base(), OneTime: &ot[0]}
	if err := c.VerifyBundle(bundle); err != nil {
		t.Fatal(err)
	}
	var msg *PairwiseMessage
	p.a, msg, _, err = c.Initiate(p.alice, bundle, []byte("hello"), p.rng, maxSkip, &ops)
	if err != nil {
		t.Fatal(err)
	}
	enc := c.EncodePairwise(msg)
	dec, err := c.DecodePairwise(enc)
	if err != nil {
		t.Fatal(err)
	}
	var pt []byte
	p.b, pt, _, _, err = c.Respond(p.bob, dec.PreKey, c.Public(p.alice), p.rng, maxSkip, &ops)
	if err != nil {
		t.Fatal(err)
	}
	if string(pt) != "hello" {
		t.Fatalf("first message %q", pt)
	}
	if _, ok := p.bob.OneTime[ot[0].ID]; ok {
		t.Error("the one-time prekey was not deleted")
	}
	return p
}

// send encrypts from one side and returns the encoded message.
func (p *pair) send(from *Session, text string) []byte {
	p.t.Helper()
	var ops protocol.Ops
	m, _, err := from.Encrypt([]byte(text), p.rng, &ops)
	if err != nil {
		p.t.Fatal(err)
	}
	return p.c.EncodePairwise(&PairwiseMessage{Type: TypeRatchet, Ratchet: m})
}

func (p *pair) recv(to *Session, enc []byte) (string, error) {
	var ops protocol.Ops
	m, err := p.c.DecodePairwise(enc)
	if err != nil {
		return "", err
	}
	pt, _, err := to.Decrypt(m.Ratchet, p.rng, &ops)
	return string(pt), err
}

func (p *pair) mustRecv(to *Session, enc []byte, want string) {
	p.t.Helper()
	got, err := p.recv(to, enc)
	if err != nil {
		p.t.Fatalf("receiving %q: %v", want, err)
	}
	if got != want {
		p.t.Fatalf("received %q, want %q", got, want)
	}
}

func TestRoundTrip(t *testing.T) {
	forSuites(t, func(t *testing.T, c *Crypto) {
		p := newPair(t, c, 0)
		// Turns of 1 to 3 messages each way; every turn is a new ratchet
		// step, and steps alternate between the parties.
		for turn := range 6 {
			from, to := p.a, p.b
			if turn%2 == 1 {
				from, to = p.b, p.a
			}
			for i := range turn%3 + 1 {
				text := fmt.Sprintf("turn %d message %d", turn, i)
				p.mustRecv(to, p.send(from, text), text)
			}
			if got := from.State().Send.Step; got != uint32(turn+1) {
				t.Errorf("turn %d sent on step %d, want %d", turn, got, turn+1)
			}
		}
		// Bob sent last: Alice's receiving chain is where Bob's sending
		// chain is.
		if sa, sb := p.a.State(), p.b.State(); *sa.Recv != *sb.Send {
			t.Errorf("Alice receives at %v, Bob sends at %v", *sa.Recv, *sb.Send)
		}
	})
}

func TestOutOfOrder(t *testing.T) {
	forSuites(t, func(t *testing.T, c *Crypto) {
		p := newPair(t, c, 0)
		var a []([]byte)
		for i := range 5 {
			a = append(a, p.send(p.a, fmt.Sprint("a", i)))
		}
		p.mustRecv(p.b, a[3], "a3")
		if got := p.b.StoredSkipped(); got != 3 {
			t.Fatalf("%d stored skipped keys, want 3", got)
		}
		p.mustRecv(p.b, a[0], "a0")
		p.mustRecv(p.b, a[2], "a2")
		// Bob replies; Alice answers on a new chain before Bob saw a1, a4.
		p.mustRecv(p.a, p.send(p.b, "b0"), "b0")
		a5 := p.send(p.a, "a5")
		p.mustRecv(p.b, a5, "a5") // skips a4 of the previous chain (PN)
		if got := p.b.StoredSkipped(); got != 2 {
			t.Fatalf("%d stored skipped keys, want 2 (a1, a4)", got)
		}
		p.mustRecv(p.b, a[4], "a4")
		p.mustRecv(p.b, a[1], "a1")
		if got := p.b.StoredSkipped(); got != 0 {
			t.Fatalf("%d stored skipped keys, want 0", got)
		}
		if _, err := p.recv(p.b, a[1]); !errors.Is(err, ErrNoKey) {
			t.Errorf("a duplicate: %v, want ErrNoKey", err)
		}
	})
}

func TestSkippedBound(t *testing.T) {
	c, err := NewCrypto(1)
	if err != nil {
		t.Fatal(err)
	}
	p := newPair(t, c, 3)
	var a [][]byte
	for i := range 9 {
		a = append(a, p.send(p.a, fmt.Sprint("a", i)))
	}
	if _, err := p.recv(p.b, a[4]); !errors.Is(err, ErrTooManySkipped) {
		t.Fatalf("skipping 4 of at most 3: %v", err)
	}
	if p.b.StoredSkipped() != 0 {
		t.Fatal("a refused message changed the store")
	}
	p.mustRecv(p.b, a[3], "a3") // skips 0..2: the store is full
	p.mustRecv(p.b, a[5], "a5") // skips 4: the oldest (a0) is evicted
	if got := p.b.StoredSkipped(); got != 3 {
		t.Fatalf("%d stored, want the bound 3", got)
	}
	if _, err := p.recv(p.b, a[0]); !errors.Is(err, ErrNoKey) {
		t.Errorf("an evicted key: %v, want ErrNoKey", err)
	}
	for _, i := range []int{1, 2, 4} {
		p.mustRecv(p.b, a[i], fmt.Sprint("a", i))
	}
}

// Every truncation and every one-byte change of a message is refused with
// an error, and leaves the session able to open the original.
func TestBadInput(t *testing.T) {
	forSuites(t, func(t *testing.T, c *Crypto) {
		p := newPair(t, c, 0)
		p.mustRecv(p.a, p.send(p.b, "b0"), "b0")
		enc := p.send(p.a, "a0")
		for n := range len(enc) {
			if _, err := c.DecodePairwise(enc[:n]); !errors.Is(err, wire.ErrMalformed) {
				t.Fatalf("truncated to %d bytes: %v", n, err)
			}
		}
		stride := 1
		if len(enc) > 400 {
			stride = 7 // KEM headers are kilobytes: every 7th byte
		}
		for i := 0; i < len(enc); i += stride {
			bad := bytes.Clone(enc)
			bad[i] ^= 0x40
			if got, err := p.recv(p.b, bad); err == nil {
				t.Fatalf("byte %d changed: accepted as %q", i, got)
			}
		}
		p.mustRecv(p.b, enc, "a0")
	})
}

func TestBadPreKey(t *testing.T) {
	forSuites(t, func(t *testing.T, c *Crypto) {
		rng := rand.NewChaCha8([32]byte{9})
		var ops protocol.Ops
		alice, _ := c.NewIdentity(rng, &ops)
		bob, _ := c.NewIdentity(rng, &ops)
		mallory, _ := c.NewIdentity(rng, &ops)
		ot, _ := c.NewOneTime(bob, 1, rng, &ops)
		bundle := &PrekeyBundle{Base: bob.Base(), OneTime: &ot[0]}

		forged := *bundle
		forged.Base.SignedPrekey = mallory.SPK.PublicKey()
		if err := c.VerifyBundle(&forged); !errors.Is(err, ErrIdentity) {
			t.Errorf("a substituted signed prekey: %v", err)
		}
		_, msg, _, err := c.Initiate(alice, bundle, []byte("hi"), rng, 0, &ops)
		if err != nil {
			t.Fatal(err)
		}
		enc := c.EncodePairwise(msg)
		for n := range len(enc) {
			if _, err := c.DecodePairwise(enc[:n]); err == nil {
				t.Fatalf("truncated to %d bytes: accepted", n)
			}
		}
		pm, _ := c.DecodePairwise(enc)
		if _, _, _, _, err := c.Respond(bob, pm.PreKey, c.Public(mallory), rng, 0, &ops); !errors.Is(err, ErrIdentity) {
			t.Errorf("from an identity the directory does not list: %v", err)
		}
		if _, pt, _, _, err := c.Respond(bob, pm.PreKey, c.Public(alice), rng, 0, &ops); err != nil || string(pt) != "hi" {
			t.Fatalf("respond: %q, %v", pt, err)
		}
		pm, _ = c.DecodePairwise(enc)
		if _, _, _, _, err := c.Respond(bob, pm.PreKey, c.Public(alice), rng, 0, &ops); !errors.Is(err, ErrNoKey) {
			t.Errorf("a replayed prekey message (one-time prekey used): %v", err)
		}
	})
}

// Same randomness, same bytes.
func TestDeterminism(t *testing.T) {
	forSuites(t, func(t *testing.T, c *Crypto) {
		run := func() []byte {
			p := newPair(t, c, 0)
			var out []byte
			for i := range 4 {
				out = append(out, p.send(p.a, fmt.Sprint(i))...)
				enc := p.send(p.b, fmt.Sprint(i))
				p.mustRecv(p.a, enc, fmt.Sprint(i))
				out = append(out, enc...)
			}
			return out
		}
		if !bytes.Equal(run(), run()) {
			t.Fatal("two runs with the same seed differ")
		}
	})
}

package pairwise_test

import (
	"fmt"
	"os"
	"reflect"
	"strings"
	"testing"

	"cgkalab/models/pairwise"
	"cgkalab/models/protocol"
	"cgkalab/models/suite"
)

// consts are the encoding constants of a suite, written out here rather
// than read from the code under test: public key, KEM ciphertext,
// signature and signature key sizes.
type consts struct {
	suite                   uint16
	npk, nenc, nsig, nsigpk int
}

var (
	suite1 = consts{1, 32, 0, 64, 32}                                 // X25519, Ed25519
	xwing  = consts{uint16(suite.PrivateUseTBD1), 1216, 1120, 64, 32} // X-Wing, Ed25519
)

const tag = 16 // AES-GCM

// vlen is the length of a variable-size vector header (RFC 9420, 2.1.2).
func vlen(n int) int {
	switch {
	case n <= 63:
		return 1
	case n <= 16383:
		return 2
	}
	return 4
}

// ol is an opaque<V> of n bytes.
func ol(n int) int { return vlen(n) + n }

func (k consts) kem() bool { return k.nenc > 0 }

// The encodings of dratchet/encoding.go, field by field.
func (k consts) base() int    { return ol(k.nsigpk) + ol(k.npk) + 4 + ol(k.npk) + ol(k.nsig) }
func (k consts) oneTime() int { return 4 + ol(k.npk) }
func (k consts) upload(n int) int {
	return k.base() + ol(n*k.oneTime())
}
func (k consts) bundle() int { return k.base() + 1 + k.oneTime() }
func (k consts) header() int {
	h := ol(k.npk) + 4 + 4
	if k.kem() {
		h += ol(k.nenc)
	}
	return h
}
func (k consts) ratchet(s int) int { return 1 + k.header() + ol(s+tag) }
func (k consts) prekey(s int) int {
	n := 1 + 4 + 1 + 4 // type, signed prekey id, one-time prekey present, its id
	if k.kem() {
		return n + ol(k.nenc) + ol(k.nsigpk) + ol(k.nenc) + k.header() + ol(s+tag) + ol(k.nsig)
	}
	return n + ol(k.npk) + ol(k.npk) + k.header() + ol(s+tag)
}

// bytesByKind sums the messages of outcomes by kind, with the bytes
// uploaded and downloaded.
func bytesByKind(outs []*protocol.Outcome) (map[string]int, int, int) {
	kinds := map[string]int{}
	var up, down int
	for _, out := range outs {
		for _, m := range out.Messages {
			kinds[m.Kind] += m.Bytes
			if !m.FromDS {
				up += m.Bytes
			}
			down += m.Bytes * len(m.To)
		}
	}
	return kinds, up, down
}

// sizesTotal sums the rows of an operation.
func sizesTotal(rows []pairwise.SizeRow, op string) map[string]int {
	out := map[string]int{}
	for _, r := range rows {
		if r.Operation == op && r.Count > 0 {
			out[r.Message] += r.Bytes
		}
	}
	return out
}

// TestExactBytes holds each operation's bytes at group size n equal to a
// closed form from the encodings, and to Sizes. The real groups are set
// up at n = 8 and 64 (X25519) and 8 (X-Wing); setting up every pair of a
// larger group takes minutes (n(n−1)/2 X3DH setups), so n = 256 and 1024
// run with CGKALAB_LONG=1.
func TestExactBytes(t *testing.T) {
	cases := []struct {
		k consts
		n int
	}{{suite1, 8}, {suite1, 64}, {xwing, 8}}
	if os.Getenv("CGKALAB_LONG") != "" {
		cases = append(cases, struct {
			k consts
			n int
		}{suite1, 256}, struct {
			k consts
			n int
		}{suite1, 1024})
	}
	const s = 100
	for _, c := range cases {
		t.Run(fmt.Sprintf("suite=%#04x/n=%d", c.k.suite, c.n), func(t *testing.T) {
			n, k := c.n, c.k
			opts := pairwise.DefaultOptions()
			opts.OneTimePrekeys = 2*n + 2 // no refill falls due in this test
			h := newHarness(t, k.suite, n, opts)
			rows, err := pairwise.SizesWith(k.suite, []int{n}, s, opts)
			if err != nil {
				t.Fatal(err)
			}
			check := func(op string, outs []*protocol.Outcome, want map[string]int, wantUp, wantDown int) {
				t.Helper()
				got, up, down := bytesByKind(outs)
				if !reflect.DeepEqual(got, want) {
					t.Errorf("%s: bytes by kind %v, closed form %v", op, got, want)
				}
				if up != wantUp || down != wantDown {
					t.Errorf("%s: up %d down %d, closed form %d and %d", op, up, down, wantUp, wantDown)
				}
				if rows := sizesTotal(rows, op); len(want) > 0 && !reflect.DeepEqual(rows, want) {
					t.Errorf("%s: Sizes gives %v, closed form %v", op, rows, want)
				}
			}
			pairs := n * (n - 1) / 2
			uploads, pre := n*k.upload(opts.OneTimePrekeys), pairs*k.prekey(0)
			check("create", h.log[0].outs, map[string]int{pairwise.MsgPrekeyBundle: uploads + pairs*k.bundle(),
				pairwise.MsgPrekeyMessage: pre}, uploads+pre, pairs*k.bundle()+pre)
			app := (n - 1) * k.ratchet(s)
			check("send", h.do(protocol.Intent{Kind: protocol.Send, Actor: 1, Size: s}),
				map[string]int{pairwise.MsgApplication: app}, app, app)
			upd := (n - 1) * k.ratchet(0)
			check("update", h.do(protocol.Intent{Kind: protocol.Update, Actor: 2}),
				map[string]int{pairwise.MsgPairwise: upd}, upd, upd)
			joinOuts := h.do(protocol.Intent{Kind: protocol.Join, Actor: 0, Targets: []protocol.MemberID{protocol.MemberID(n)}})
			bundles, pre := k.upload(opts.OneTimePrekeys)+n*k.bundle(), n*k.prekey(0)
			check("add", joinOuts, map[string]int{pairwise.MsgPrekeyBundle: bundles, pairwise.MsgPrekeyMessage: pre},
				k.upload(opts.OneTimePrekeys)+pre, n*k.bundle()+pre)
			check("remove", h.do(protocol.Intent{Kind: protocol.Leave, Actor: 3, Targets: []protocol.MemberID{3}}),
				map[string]int{}, 0, 0)
		})
	}
}

// Same seed, same outcomes and the same knowledge, through joins, leaves,
// an offline member's sync, updates and sends.
func TestDeterminism(t *testing.T) {
	run := func() ([]*protocol.Outcome, []protocol.Knowledge) {
		h := newHarness(t, 1, 5, pairwise.DefaultOptions())
		h.send(0)
		h.setOffline(2)
		h.send(1)
		h.do(protocol.Intent{Kind: protocol.Join, Actor: 0, Targets: []protocol.MemberID{9}})
		h.do(protocol.Intent{Kind: protocol.Update, Actor: 4})
		h.compromise(2)
		h.setOnline(2)
		h.do(protocol.Intent{Kind: protocol.Leave, Actor: 3, Targets: []protocol.MemberID{3}})
		h.send(9)
		h.compromise(9)
		var outs []*protocol.Outcome
		var know []protocol.Knowledge
		for _, e := range h.log {
			outs = append(outs, e.outs...)
			if e.know != nil {
				know = append(know, *e.know)
			}
		}
		return outs, know
	}
	o1, k1 := run()
	o2, k2 := run()
	if !reflect.DeepEqual(o1, o2) || !reflect.DeepEqual(k1, k2) {
		t.Fatal("two runs with the same seed differ")
	}
}

func TestOptions(t *testing.T) {
	if o, err := pairwise.ParseOptions(nil); err != nil || o != pairwise.DefaultOptions() {
		t.Fatalf("empty options: %+v, %v", o, err)
	}
	for raw, want := range map[string]string{
		`{"max_skip": 0}`:            "pairwise.max_skip: must be positive",
		`{"one_time_prekeys": -1}`:   "pairwise.one_time_prekeys: -1, want 0 to 10000",
		`{"one_time_prekey": 5}`:     `unknown field "one_time_prekey"`,
		`{"max_skip": "many"}`:       "cannot unmarshal",
		`{"one_time_prekeys": 5000}`: "",
	} {
		_, err := pairwise.ParseOptions([]byte(raw))
		if want == "" {
			if err != nil {
				t.Errorf("%s: %v", raw, err)
			}
			continue
		}
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("%s: error %v, want %q", raw, err, want)
		}
	}
}

func contains(s, sub string) bool {
	return len(sub) == 0 || len(s) >= len(sub) && (s[:len(sub)] == sub || contains(s[1:], sub))
}

// Intents the group cannot carry out are refused or reported, not
// panicked on.
func TestRefusals(t *testing.T) {
	h := newHarness(t, 1, 3, pairwise.DefaultOptions())
	outs, err := h.g.Apply(protocol.Intent{Kind: protocol.Send, Actor: 42, Size: 1})
	if err != nil || len(outs) != 1 || outs[0].Rejected == "" {
		t.Errorf("a send by a non-member: %v, %v", outs, err)
	}
	outs, err = h.g.Apply(protocol.Intent{Kind: protocol.Leave, Actor: 0, Targets: []protocol.MemberID{42}})
	if err != nil || len(outs) != 1 || outs[0].Rejected == "" {
		t.Errorf("a removal of a non-member: %v, %v", outs, err)
	}
	outs, err = h.g.Apply(protocol.Intent{Kind: protocol.Join, Actor: 0, Targets: []protocol.MemberID{1}})
	if err != nil || len(outs) != 1 || outs[0].Rejected == "" {
		t.Errorf("adding a member twice: %v, %v", outs, err)
	}
	if _, err := h.g.(protocol.Compromiser).Compromise(42); err == nil {
		t.Error("compromise of a non-member")
	}
	g, err := pairwise.New(protocol.Env{Suite: 1, Mode: "exact"})
	if err == nil {
		t.Errorf("unknown mode accepted: %v", g)
	}
	if _, err := pairwise.New(protocol.Env{Suite: 0x7777, Mode: protocol.Full}); err == nil {
		t.Error("unknown suite accepted")
	}
}

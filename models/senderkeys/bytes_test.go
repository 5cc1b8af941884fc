package senderkeys_test

import (
	"fmt"
	"os"
	"reflect"
	"strings"
	"testing"

	"cgkalab/models/protocol"
	"cgkalab/models/senderkeys"
	"cgkalab/models/suite"
)

// consts are the encoding constants of a suite, written out here rather
// than read from the code under test: hash, public key, KEM ciphertext,
// signature and signature key sizes.
type consts struct {
	suite                       uint16
	nh, npk, nenc, nsig, nsigpk int
}

var (
	suite1 = consts{1, 32, 32, 0, 64, 32}                                 // X25519, SHA-256, Ed25519
	xwing  = consts{uint16(suite.PrivateUseTBD1), 32, 1216, 1120, 64, 32} // X-Wing, SHA-256, Ed25519
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

// The encodings of dratchet/encoding.go and encoding.go, field by field.
func (k consts) base() int        { return ol(k.nsigpk) + ol(k.npk) + 4 + ol(k.npk) + ol(k.nsig) }
func (k consts) oneTime() int     { return 4 + ol(k.npk) }
func (k consts) upload(n int) int { return k.base() + ol(n*k.oneTime()) }
func (k consts) bundle() int      { return k.base() + 1 + k.oneTime() }
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
func (k consts) distribution() int { return 4 + 4 + ol(k.nh) + ol(k.nsigpk) }
func (k consts) message(s int) int { return 4 + 4 + ol(s+tag) + ol(k.nsig) }

// bytesByKind sums the messages of outcomes by kind, with the bytes
// uploaded and downloaded in a group of size members.
func bytesByKind(outs []*protocol.Outcome, members int) (map[string]int, int, int) {
	kinds := map[string]int{}
	var up, down int
	for _, out := range outs {
		for _, m := range out.Messages {
			kinds[m.Kind] += m.Bytes
			if !m.FromDS {
				up += m.Bytes
			}
			if m.To == nil {
				down += m.Bytes * (members - 1)
			} else {
				down += m.Bytes * len(m.To)
			}
		}
	}
	return kinds, up, down
}

func sizesTotal(rows []senderkeys.SizeRow, op string) map[string]int {
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
// up at n = 8 and 64 (X25519) and 8 (X-Wing); setting up a larger group
// takes minutes (n(n−1)/2 X3DH setups and n(n−1) distributions), so
// n = 256 runs with CGKALAB_LONG=1.
func TestExactBytes(t *testing.T) {
	type tc struct {
		k consts
		n int
	}
	cases := []tc{{suite1, 8}, {suite1, 64}, {xwing, 8}}
	if os.Getenv("CGKALAB_LONG") != "" {
		cases = append(cases, tc{suite1, 256})
	}
	const s = 100
	for _, c := range cases {
		t.Run(fmt.Sprintf("suite=%#04x/n=%d", c.k.suite, c.n), func(t *testing.T) {
			n, k := c.n, c.k
			opts := senderkeys.DefaultOptions()
			opts.OneTimePrekeys = 2*n + 2 // no refill falls due in this test
			h := newHarness(t, k.suite, n, opts)
			check := func(op string, size int, outs []*protocol.Outcome, want map[string]int, wantUp, wantDown int) {
				t.Helper()
				got, up, down := bytesByKind(outs, size)
				if !reflect.DeepEqual(got, want) {
					t.Errorf("%s: bytes by kind %v, closed form %v", op, got, want)
				}
				if up != wantUp || down != wantDown {
					t.Errorf("%s: up %d down %d, closed form %d and %d", op, up, down, wantUp, wantDown)
				}
				rows, err := senderkeys.SizesWith(k.suite, []int{size}, s, opts)
				if err != nil {
					t.Fatal(err)
				}
				if rows := sizesTotal(rows, op); !reflect.DeepEqual(rows, want) {
					t.Errorf("%s: Sizes gives %v, closed form %v", op, rows, want)
				}
			}
			pairs := n * (n - 1) / 2
			uploads, pre, dist := n*k.upload(opts.OneTimePrekeys), pairs*k.prekey(k.distribution()), pairs*k.ratchet(k.distribution())
			check("create", n, h.log[0].outs, map[string]int{senderkeys.MsgPrekeyBundle: uploads + pairs*k.bundle(),
				senderkeys.MsgPrekeyMessage: pre, senderkeys.MsgSenderKey: dist}, uploads+pre+dist, pairs*k.bundle()+pre+dist)
			app := k.message(s)
			check("send", n, h.do(protocol.Intent{Kind: protocol.Send, Actor: 1, Size: s}),
				map[string]int{senderkeys.MsgApplication: app}, app, (n-1)*app)
			rot := (n - 1) * k.ratchet(k.distribution())
			check("update", n, h.do(protocol.Intent{Kind: protocol.Update, Actor: 2}),
				map[string]int{senderkeys.MsgSenderKey: rot}, rot, rot)
			joinOuts := h.do(protocol.Intent{Kind: protocol.Join, Actor: 0, Targets: []protocol.MemberID{protocol.MemberID(n)}})
			upload, bundles := k.upload(opts.OneTimePrekeys), n*k.bundle()
			pre, keys := n*k.prekey(k.distribution()), n*k.ratchet(k.distribution())
			check("add", n, joinOuts, map[string]int{senderkeys.MsgPrekeyBundle: upload + bundles,
				senderkeys.MsgPrekeyMessage: pre, senderkeys.MsgSenderKey: keys}, upload+pre+keys, bundles+pre+keys)
			N := n + 1
			leave := (N - 1) * (N - 2) * k.ratchet(k.distribution())
			check("remove", N, h.do(protocol.Intent{Kind: protocol.Leave, Actor: 3, Targets: []protocol.MemberID{3}}),
				map[string]int{senderkeys.MsgSenderKey: leave}, leave, leave)
		})
	}
}

func TestOptions(t *testing.T) {
	if o, err := senderkeys.ParseOptions(nil); err != nil || o != senderkeys.DefaultOptions() {
		t.Fatalf("empty options: %+v, %v", o, err)
	}
	for raw, want := range map[string]string{
		`{"rotate_every": -1}`:              "senderkeys.rotate_every: must not be negative",
		`{"rotate_messages": -5}`:           "senderkeys.rotate_messages: must not be negative",
		`{"max_skip": 0}`:                   "senderkeys.max_skip: must be positive",
		`{"one_time_prekeys": -1}`:          "senderkeys.one_time_prekeys: -1, want 0 to 10000",
		`{"rotate_evry": 5}`:                `unknown field "rotate_evry"`,
		`{"rotate_messages": 100}`:          "",
		`{"rotate_every": 604800000000000}`: "",
	} {
		_, err := senderkeys.ParseOptions([]byte(raw))
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

// Intents the group cannot carry out are refused or reported, not
// panicked on.
func TestRefusals(t *testing.T) {
	h := newHarness(t, 1, 3, senderkeys.DefaultOptions())
	for _, in := range []protocol.Intent{
		{Kind: protocol.Send, Actor: 42, Size: 1},
		{Kind: protocol.Leave, Actor: 0, Targets: []protocol.MemberID{42}},
		{Kind: protocol.Join, Actor: 0, Targets: []protocol.MemberID{1}},
	} {
		outs, err := h.g.Apply(in)
		if err != nil || len(outs) != 1 || outs[0].Rejected == "" {
			t.Errorf("%v by %d of %v: %v, %v", in.Kind, in.Actor, in.Targets, outs, err)
		}
	}
	if _, err := h.g.(protocol.Compromiser).Compromise(42); err == nil {
		t.Error("compromise of a non-member")
	}
	if _, err := senderkeys.New(protocol.Env{Suite: 1, Mode: "exact"}); err == nil {
		t.Error("unknown mode accepted")
	}
	if _, err := senderkeys.New(protocol.Env{Suite: 1, Mode: protocol.Sampled, Sample: 0}); err == nil {
		t.Error("sampled mode without a sample accepted")
	}
}

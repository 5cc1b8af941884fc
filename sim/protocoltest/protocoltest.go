// Package protocoltest is the test kit every protocol's tests call, in the
// style of testing/fstest: one function, Run, drives a protocol through a
// seeded script of intents (joins, leaves, updates, messages, offline
// periods, ticks) and checks what every protocol owes the simulator:
//
//   - determinism: the same seed gives the same outcomes (CPU aside);
//   - agreement between fidelity modes, where the protocol has several:
//     the same labels, messages and bytes, members, epochs, sender
//     operations and authenticators (not against protocol.Scaled, whose
//     transcripts hash accounted filler);
//   - the invariants of every Outcome: labels and message kinds named,
//     positive sizes, recipients that exist, membership changes that make
//     sense, Verified <= Processed, the group's size as reported;
//   - compromises consistent with what the protocol reported: every
//     secret a compromise reveals (other than a private key) is one the
//     protocol's outcomes mentioned, and a message the victim sends right
//     after its compromise is exposed by the real oracle.
package protocoltest

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"reflect"
	"slices"
	"testing"
	"time"

	"cgkalab/models/protocol"
	"cgkalab/sim"
	"cgkalab/sim/security"
)

// Config describes the protocol under test.
type Config struct {
	Factory protocol.Factory
	Suite   uint16 // 0 means 1
	// Options is the protocol's own options as JSON (nil: its defaults).
	Options json.RawMessage
	// Modes lists the fidelity modes to run; outcomes must agree between
	// them. Empty means protocol.Full only.
	Modes []string
	// Members is the initial group size (default 8); Steps the number of
	// scripted intents after creation (default 120).
	Members, Steps int
	// Seed varies the script and the protocol's randomness (default 1).
	Seed uint64
}

func (c *Config) defaults() {
	if c.Suite == 0 {
		c.Suite = 1
	}
	if len(c.Modes) == 0 {
		c.Modes = []string{protocol.Full}
	}
	if c.Members == 0 {
		c.Members = 8
	}
	if c.Steps == 0 {
		c.Steps = 120
	}
	if c.Seed == 0 {
		c.Seed = 1
	}
}

// Run checks the protocol; see the package documentation.
func Run(t *testing.T, c Config) {
	t.Helper()
	c.defaults()
	var ref *trace
	for _, mode := range c.Modes {
		a := play(t, &c, mode, false)
		t.Run("Determinism/"+mode, func(t *testing.T) {
			b := play(t, &c, mode, false)
			compare(t, a, b, true, true)
		})
		t.Run("Invariants/"+mode, func(t *testing.T) {
			for _, p := range a.problems {
				t.Error(p)
			}
		})
		if ref == nil {
			ref = a
		} else {
			// Scaled mode hashes accounted filler into its transcripts:
			// its authenticators differ from the other modes' by design.
			auth := c.Modes[0] != protocol.Scaled && mode != protocol.Scaled
			t.Run("Modes/"+c.Modes[0]+"-"+mode, func(t *testing.T) { compare(t, ref, a, false, auth) })
		}
	}
	t.Run("Compromise", func(t *testing.T) { play(t, &c, c.Modes[0], true) })
}

// step is one scripted intent and what came of it.
type step struct {
	in   protocol.Intent
	outs []*protocol.Outcome
}

// trace is one play of the script.
type trace struct {
	steps    []step
	problems []string
}

// script is the simulator's side of a play: members, online state, time.
type script struct {
	t        *testing.T
	c        *Config
	g        protocol.Group
	rng      *rand.Rand
	members  []protocol.MemberID
	online   map[protocol.MemberID]bool
	pending  map[protocol.MemberID]bool // clients in a Join not yet admitted
	next     protocol.MemberID
	now      sim.Time
	tr       *trace
	oracle   *security.Oracle
	mentions map[string]bool // secrets the outcomes named, by key
}

func play(t *testing.T, c *Config, mode string, compromise bool) *trace {
	t.Helper()
	s := &script{t: t, c: c, rng: rand.New(rand.NewPCG(c.Seed, 0x7e57)), online: map[protocol.MemberID]bool{},
		pending: map[protocol.MemberID]bool{}, tr: &trace{}, oracle: security.New(), mentions: map[string]bool{}}
	streams := sim.NewStreams(c.Seed)
	g, err := c.Factory(protocol.Env{Suite: c.Suite, Mode: mode, Sample: 3, Options: c.Options,
		Online:  func(m protocol.MemberID) bool { return s.online[m] },
		Members: func() []protocol.MemberID { return s.members },
		Rand:    streams.Reader("protocol"), Pick: streams.Stream("sample"), Choose: streams.Stream("committer")})
	if err != nil {
		t.Fatalf("%s mode: %v", mode, err)
	}
	s.g = g
	if rv, ok := g.(protocol.Revealer); ok {
		s.oracle.AskRevealer(rv)
	}
	var first []protocol.MemberID
	creator := s.newClient()
	for range c.Members - 1 {
		first = append(first, s.newClient())
	}
	s.online[creator] = true
	s.apply(protocol.Intent{Kind: protocol.Create, Actor: creator, Targets: first})
	for i := range c.Steps {
		s.randomStep()
		if compromise && i == c.Steps/2 {
			s.compromiseCheck()
		}
	}
	return s.tr
}

func (s *script) newClient() protocol.MemberID {
	id := s.next
	s.next++
	s.pending[id] = true
	return id
}

// randomStep draws the next intent.
func (s *script) randomStep() {
	m, ok := s.randomOnline()
	if !ok {
		s.apply(protocol.Intent{Kind: protocol.Tick})
		return
	}
	switch x := s.rng.IntN(100); {
	case x < 10:
		s.apply(protocol.Intent{Kind: protocol.Join, Actor: m, Targets: []protocol.MemberID{s.newClient()}})
	case x < 18 && len(s.members) > 3:
		target := s.members[s.rng.IntN(len(s.members))]
		if !s.online[target] {
			target = m
		}
		s.apply(protocol.Intent{Kind: protocol.Leave, Actor: m, Targets: []protocol.MemberID{target}})
	case x < 30:
		s.apply(protocol.Intent{Kind: protocol.Update, Actor: m})
	case x < 75:
		in := protocol.Intent{Kind: protocol.Send, Actor: m, Size: 1 + s.rng.IntN(300)}
		if s.rng.IntN(2) == 0 {
			in.TTL = time.Duration(1+s.rng.IntN(30)) * time.Minute
		}
		s.apply(in)
	case x < 82 && len(s.members) > 3:
		s.online[m] = false
		s.apply(protocol.Intent{Kind: protocol.Offline, Actor: m})
	case x < 90:
		for _, id := range s.members {
			if !s.online[id] {
				s.online[id] = true
				s.apply(protocol.Intent{Kind: protocol.Sync, Actor: id})
				return
			}
		}
		s.apply(protocol.Intent{Kind: protocol.Tick})
	default:
		s.apply(protocol.Intent{Kind: protocol.Tick})
	}
}

func (s *script) randomOnline() (protocol.MemberID, bool) {
	return protocol.RandomOnline(s.members, func(m protocol.MemberID) bool { return s.online[m] }, s.rng)
}

// apply performs an intent, checks its outcomes and follows membership.
func (s *script) apply(in protocol.Intent) []*protocol.Outcome {
	s.t.Helper()
	s.now += sim.Minute
	in.Now = s.now.Duration()
	outs, err := s.g.Apply(in)
	if err != nil {
		s.t.Fatalf("step %d: %v by %d: %v", len(s.tr.steps), in.Kind, in.Actor, err)
	}
	for _, out := range outs {
		s.check(in, out)
		s.mention(out.Security)
		s.oracle.Observe(s.now, out, sim.FromDuration(in.TTL))
		if out.Rejected != "" {
			continue
		}
		if in.Kind == protocol.Create {
			delete(s.pending, in.Actor)
			s.members = append(s.members, in.Actor)
		}
		for _, id := range out.Added {
			delete(s.pending, id)
			s.members = append(s.members, id)
			s.online[id] = true
		}
		for _, id := range out.Removed {
			if i := slices.Index(s.members, id); i >= 0 {
				s.members = slices.Delete(s.members, i, i+1)
			}
			delete(s.online, id)
		}
	}
	if n := s.g.Members(); len(outs) > 0 && outs[len(outs)-1].Members != n {
		s.problem(in, nil, "the last outcome reports %d members, the group has %d", outs[len(outs)-1].Members, n)
	}
	if len(s.members) != s.g.Members() {
		s.problem(in, nil, "the outcomes' Added and Removed give %d members, the group has %d", len(s.members), s.g.Members())
	}
	s.tr.steps = append(s.tr.steps, step{in: in, outs: outs})
	return outs
}

func (s *script) problem(in protocol.Intent, out *protocol.Outcome, format string, args ...any) {
	where := fmt.Sprintf("step %d (%v by %d)", len(s.tr.steps), in.Kind, in.Actor)
	if out != nil {
		where += fmt.Sprintf(", outcome %q", out.Label)
	}
	s.tr.problems = append(s.tr.problems, where+": "+fmt.Sprintf(format, args...))
}

// check holds one outcome to the invariants every protocol shares.
func (s *script) check(in protocol.Intent, out *protocol.Outcome) {
	if out.Label == "" {
		s.problem(in, out, "no label")
	}
	if out.Verified > out.Processed && out.Verified > 1 {
		s.problem(in, out, "verified %d receivers but processed %d", out.Verified, out.Processed)
	}
	for _, ops := range []protocol.Ops{out.Sender, out.Receiver} {
		if ops.Encrypt < 0 || ops.Decrypt < 0 || ops.DeriveKeyPair < 0 || ops.DeriveSecret < 0 || ops.Sign < 0 || ops.Verify < 0 || ops.AEAD < 0 {
			s.problem(in, out, "negative operation count %+v", ops)
		}
	}
	if out.SenderNanos < 0 || out.ReceiverNanos < 0 {
		s.problem(in, out, "negative CPU time")
	}
	if out.Rejected != "" {
		return
	}
	for _, m := range out.Messages {
		if m.Kind == "" || m.Bytes <= 0 {
			s.problem(in, out, "message %+v has no kind or no bytes", m)
		}
		for _, to := range m.To {
			if !slices.Contains(s.members, to) && !s.pending[to] && !slices.Contains(out.Added, to) && to != out.Actor {
				s.problem(in, out, "message %s to %d, who is neither a member nor joining", m.Kind, to)
			}
		}
	}
	for _, id := range out.Added {
		if slices.Contains(s.members, id) {
			s.problem(in, out, "added %d, already a member", id)
		}
	}
	for _, id := range out.Removed {
		if !slices.Contains(s.members, id) {
			s.problem(in, out, "removed %d, not a member", id)
		}
	}
	if in.Kind == protocol.Send && (out.Security == nil || len(out.Security.Protected) == 0) && out.Label == "send" {
		s.problem(in, out, "an application message without the secrets that protect it")
	}
}

func secretKey(x protocol.Secret) string {
	return fmt.Sprintf("%d/%d/%d/%x", x.Kind, x.A, x.B, x.Key)
}

// mention notes the secrets an outcome named.
func (s *script) mention(sec *protocol.Security) {
	if sec == nil {
		return
	}
	for _, r := range sec.Reveals {
		s.mentions[secretKey(r.From)], s.mentions[secretKey(r.To)] = true, true
	}
	for _, d := range sec.Derives {
		s.mentions[secretKey(d.To)] = true
		for _, f := range d.From {
			s.mentions[secretKey(f)] = true
		}
	}
	if sec.Epoch != nil {
		s.mentions[secretKey(sec.Epoch.Secret)] = true
	}
	for _, p := range sec.Protected {
		s.mentions[secretKey(p)] = true
	}
}

// compromiseCheck compromises an online member, has it send, and asks
// the oracle whether that message is exposed: it must be.
func (s *script) compromiseCheck() {
	s.t.Helper()
	c, ok := s.g.(protocol.Compromiser)
	if !ok {
		s.t.Fatal("the protocol does not implement protocol.Compromiser")
	}
	if _, err := c.Compromise(s.next + 1000); err == nil {
		s.t.Error("compromising a client that never existed did not fail")
	}
	m, ok := s.randomOnline()
	if !ok {
		s.t.Fatal("no online member to compromise")
	}
	k, err := c.Compromise(m)
	if err != nil {
		s.t.Fatalf("compromise of member %d: %v", m, err)
	}
	for _, x := range append(slices.Clone(k.Secrets), k.Held...) {
		if x.Kind != protocol.SecretKey && !s.mentions[secretKey(x)] {
			s.t.Errorf("compromise of %d reveals %+v, which no outcome mentioned: the oracle cannot connect it", m, x)
		}
	}
	s.now += sim.Minute
	s.oracle.Compromise(s.now, m, k)
	before := s.messages()
	s.apply(protocol.Intent{Kind: protocol.Send, Actor: m, Size: 10})
	if s.messages() != before+1 {
		s.t.Fatal("the victim's message was not recorded")
	}
	r, err := s.oracle.Finish(s.now + sim.Minute)
	if err != nil {
		s.t.Fatal(err)
	}
	if r.ExposedMessages == 0 {
		s.t.Errorf("member %d, compromised, then sent a message: the oracle finds nothing exposed", m)
	}
	cr := r.Compromises[len(r.Compromises)-1]
	if cr.ExposedMessages == 0 {
		s.t.Errorf("the compromise of %d exposes no message, not even the one it sent next", m)
	}
}

// messages counts the application messages recorded so far.
func (s *script) messages() int {
	n := 0
	for _, st := range s.tr.steps {
		for _, o := range st.outs {
			if o.Rejected == "" && o.Security != nil && len(o.Security.Protected) > 0 {
				n++
			}
		}
	}
	return n
}

// compare checks two traces for the same outcomes; exact asks for equal
// receiver work and CPU-free equality of everything (same mode).
func compare(t *testing.T, a, b *trace, exact, auth bool) {
	t.Helper()
	if len(a.steps) != len(b.steps) {
		t.Fatalf("%d steps against %d", len(a.steps), len(b.steps))
	}
	for i := range a.steps {
		x, y := a.steps[i], b.steps[i]
		if len(x.outs) != len(y.outs) {
			t.Fatalf("step %d (%v): %d outcomes against %d", i, x.in.Kind, len(x.outs), len(y.outs))
		}
		for j := range x.outs {
			if d := diff(x.outs[j], y.outs[j], exact, auth); d != "" {
				t.Fatalf("step %d (%v), outcome %d: %s", i, x.in.Kind, j, d)
			}
		}
	}
}

// diff describes how two outcomes differ, or returns "".
func diff(a, b *protocol.Outcome, exact, auth bool) string {
	switch {
	case a.Label != b.Label:
		return fmt.Sprintf("label %q against %q", a.Label, b.Label)
	case a.Epoch != b.Epoch || a.Members != b.Members:
		return fmt.Sprintf("epoch/members %d/%d against %d/%d", a.Epoch, a.Members, b.Epoch, b.Members)
	case !reflect.DeepEqual(a.Messages, b.Messages):
		return fmt.Sprintf("messages %+v against %+v", a.Messages, b.Messages)
	case a.Sender != b.Sender && !a.Unsimulated && !b.Unsimulated:
		return fmt.Sprintf("sender work %+v against %+v", a.Sender, b.Sender)
	case auth && !bytes.Equal(a.Authenticator, b.Authenticator):
		return "authenticators differ"
	case !slices.Equal(a.Added, b.Added) || !slices.Equal(a.Removed, b.Removed) || !slices.Equal(a.Refreshed, b.Refreshed):
		return "membership changes differ"
	case a.Rejected != b.Rejected || a.Path != b.Path || a.Sequenced != b.Sequenced:
		return fmt.Sprintf("rejected/path/sequenced %q/%v/%v against %q/%v/%v", a.Rejected, a.Path, a.Sequenced, b.Rejected, b.Path, b.Sequenced)
	case !reflect.DeepEqual(a.Security, b.Security):
		return "security reports differ"
	}
	if exact && (a.Unsimulated != b.Unsimulated || a.Receiver != b.Receiver || a.Processed != b.Processed || a.Verified != b.Verified) {
		return fmt.Sprintf("receiver work %+v (%d) against %+v (%d)", a.Receiver, a.Processed, b.Receiver, b.Processed)
	}
	return ""
}

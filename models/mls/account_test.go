package mls

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"reflect"
	"testing"

	"cgkalab/models/keyschedule"
	"cgkalab/models/suite"
	"cgkalab/models/treekem"
	tm "cgkalab/models/treemath"
)

// countingReader counts the bytes read through it.
type countingReader struct {
	r io.Reader
	n int
}

func (c *countingReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.n += n
	return n, err
}

// TestAccountApplicationMatchesReal: an accounted application message
// has the length of the one SendApplication encodes for the same data
// (across the varint boundaries of its fields, with and without padding),
// draws as many random bytes, and leaves the sender's and receiver's
// ratchets where a real send and receipt leave them: the next real
// message is received with no skipped key kept. ECDSA suites, whose
// signature lengths vary, are refused.
func TestAccountApplicationMatchesReal(t *testing.T) {
	for _, s := range suite.All() {
		t.Run(fmt.Sprintf("suite=%d", s.ID), func(t *testing.T) {
			if testing.Short() && s.ID > 7 {
				t.Skip("provisional suites in the long run")
			}
			f := newFleet(t, s.ID)
			f.grow(2)
			g := f.members[0]
			senderView, senderKey := g.view, g.sigKey
			receiverView := f.members[1].view
			g.AssumeMember(senderView, senderKey, nil)
			if s.SignatureSize() == 0 {
				if _, err := g.AccountApplication(0, nil, nil, true, f.rand); err == nil {
					t.Fatal("accounted a message whose signature length varies")
				}
				return
			}
			send := func(data, aad []byte, accounted bool) int {
				t.Helper()
				cr := &countingReader{r: f.rand}
				if accounted {
					n, err := g.AccountApplication(0, data, aad, true, cr)
					if err != nil {
						t.Fatal(err)
					}
					if cr.n != 4 {
						t.Fatalf("accounted message drew %d random bytes, a real one draws 4", cr.n)
					}
					return n
				}
				msg, err := g.SendApplication(data, aad, cr)
				if err != nil {
					t.Fatal(err)
				}
				if cr.n != 4 {
					t.Fatalf("real message drew %d random bytes, want 4", cr.n)
				}
				encoded := msg.Bytes()
				parsed, err := ParseMLSMessage(encoded)
				if err != nil {
					t.Fatal(err)
				}
				g.AssumeMember(receiverView, nil, nil)
				rec, err := g.Process(parsed)
				g.AssumeMember(senderView, senderKey, nil)
				if err != nil {
					t.Fatalf("receiving a real message after accounted ones: %v", err)
				}
				if !bytes.Equal(rec.ApplicationData, data) {
					t.Fatal("received data differs")
				}
				return len(encoded)
			}
			for _, pad := range []Padding{NoPadding, PadTo(32)} {
				g.cfg.Padding = pad
				for _, size := range []int{0, 1, 30, 63, 64, 200, 16383 - 70, 16383, 16384, 70000} {
					data := bytes.Repeat([]byte{0}, size)
					for _, aad := range [][]byte{nil, bytes.Repeat([]byte{1}, 64)} {
						real, accounted := send(data, aad, false), send(data, aad, true)
						if real != accounted {
							t.Fatalf("%d bytes of data, %d of aad: accounted message is %d bytes, real %d", size, len(aad), accounted, real)
						}
					}
				}
			}
			gen := func(tr *keyschedule.SecretTree) uint32 {
				k, err := tr.Next(tm.LeafIndex(0), keyschedule.ApplicationRatchet)
				if err != nil {
					t.Fatal(err)
				}
				return k.Generation
			}
			if err := g.takeSteps(); err != nil { // the last message's steps are pending
				t.Fatal(err)
			}
			recv, err := g.receiveKeys(g.cur)
			if err != nil {
				t.Fatal(err)
			}
			if c := recv.Tree.Counts(); c.KeyNonces != 0 {
				t.Errorf("receiving tree keeps %d skipped keys; accounted messages must consume theirs", c.KeyNonces)
			}
			if s, r := gen(g.cur.keys.Tree), gen(recv.Tree); s != r || s != 80 {
				t.Errorf("next generations: sender %d, receiver %d, want both 80 after 80 messages", s, r)
			}
		})
	}
}

// TestPinnedEncodingDoesNotOutliveItsCall: Commit and Process encode a
// commit's content once (pin) and drop that encoding before they return,
// so a content changed afterwards is encoded afresh: a receiver given a
// tampered copy of a commit another receiver accepted must refuse it.
func TestPinnedEncodingDoesNotOutliveItsCall(t *testing.T) {
	f := newFleet(t, 1)
	f.grow(3)
	st, err := f.members[0].Commit(CommitOptions{}, f.rand)
	if err != nil {
		t.Fatal(err)
	}
	if st.Commit.Public.Content.enc != nil {
		t.Fatal("the staged commit's content keeps its pinned encoding")
	}
	msg, err := ParseMLSMessage(st.CommitBytes)
	if err != nil {
		t.Fatal(err)
	}
	stage := f.members[1].Stage()
	if _, err := f.members[1].Process(msg); err != nil {
		t.Fatal(err)
	}
	f.members[1].Unstage(stage, false)
	if msg.Public.Content.enc != nil {
		t.Fatal("a processed message's content keeps its pinned encoding")
	}
	msg.Public.Content.AuthenticatedData = []byte("tampered")
	if _, err := f.members[2].Process(msg); !errors.Is(err, ErrRejected) {
		t.Fatalf("tampered commit after another receiver's Process: %v, want rejection", err)
	}
}

// TestKeptEncodingEqualsFresh: a message that keeps its content's
// encoding for several receivers (KeepContentEncoding) is processed by
// each as a fresh parse is, reaching the same epoch authenticator.
func TestKeptEncodingEqualsFresh(t *testing.T) {
	f := newFleet(t, 1)
	f.grow(4)
	st, err := f.members[0].Commit(CommitOptions{}, f.rand)
	if err != nil {
		t.Fatal(err)
	}
	kept, err := ParseMLSMessage(st.CommitBytes)
	if err != nil {
		t.Fatal(err)
	}
	kept.KeepContentEncoding()
	for l := tm.LeafIndex(1); l <= 4; l++ {
		fresh, err := ParseMLSMessage(st.CommitBytes)
		if err != nil {
			t.Fatal(err)
		}
		m := f.members[l]
		var auths [2][]byte
		for i, msg := range []*MLSMessage{kept, fresh} {
			stage := m.Stage()
			if _, err := m.Process(msg); err != nil {
				t.Fatalf("member %d, message %d: %v", l, i, err)
			}
			auths[i] = m.EpochAuthenticator()
			m.Unstage(stage, false)
		}
		if !bytes.Equal(auths[0], auths[1]) || !bytes.Equal(auths[0], st.next.secrets.Authenticator) {
			t.Fatalf("member %d: kept and fresh encodings reach different epochs", l)
		}
	}
}

// TestKeptChecksNeedEqualInputs: a kept check answers only for the very
// inputs it passed with; any other key, context or signature, and a
// message that keeps nothing, computes afresh.
func TestKeptChecksNeedEqualInputs(t *testing.T) {
	var none *keptChecks
	if none.passed(keptSignature, []byte("k")) {
		t.Fatal("a message keeping nothing answered a check")
	}
	none.pass(keptSignature, []byte("k")) // must not panic
	k := &keptChecks{}
	if k.passed(keptTag, []byte("key"), []byte("ctx")) {
		t.Fatal("a check that never ran passed")
	}
	k.pass(keptTag, []byte("key"), []byte("ctx"))
	for _, in := range [][][]byte{
		{[]byte("key"), []byte("ctx2")},
		{[]byte("ke"), []byte("yctx")}, // same bytes, split elsewhere
		{[]byte("key")},
	} {
		if k.passed(keptTag, in...) {
			t.Fatalf("inputs %q passed a check made with other inputs", in)
		}
	}
	if !k.passed(keptTag, []byte("key"), []byte("ctx")) || k.passed(keptSignature, []byte("key"), []byte("ctx")) {
		t.Fatal("a check's inputs answer for that check only")
	}
}

// TestAccountedStepsEqualRealOnes: hundreds of accounted messages from
// several leaves, some received and some not (taken in batches, on two
// goroutines), leave the sending and receiving secret trees holding
// exactly what real sends and receipts of the same messages leave.
func TestAccountedStepsEqualRealOnes(t *testing.T) {
	fa, fb := newFleet(t, 1), newFleet(t, 1)
	fa.grow(5)
	fb.grow(5)
	ga, gb := fa.members[0], fb.members[0]
	// Keep every skipped key, so that a key not consumed shows.
	for _, f := range []*fleet{fa, fb} {
		f.members[0].cfg.SecretTree.OutOfOrderTolerance = 1 << 20
		f.commit(0, CommitOptions{}, nil)
	}
	type keys struct {
		view   *treekem.PrivateView
		sigKey *suite.SignaturePrivateKey
	}
	views := map[tm.LeafIndex]keys{}
	for l, m := range fa.members {
		views[l] = keys{m.view, m.sigKey}
	}
	ga.AssumeMember(ga.view, ga.sigKey, nil)
	gb.AssumeMember(gb.view, gb.sigKey, nil)
	for i := range 700 {
		leaf, received := tm.LeafIndex(i%5), i%7 != 0
		data := bytes.Repeat([]byte{0}, i%50)
		ga.AssumeMember(views[leaf].view, views[leaf].sigKey, nil)
		msg, err := ga.SendApplication(data, nil, fa.rand)
		if err != nil {
			t.Fatal(err)
		}
		if received {
			ga.AssumeMember(views[(leaf+1)%5].view, nil, nil)
			if _, err := ga.Process(msg); err != nil {
				t.Fatalf("message %d: %v", i, err)
			}
		}
		if _, err := gb.AccountApplication(leaf, data, nil, received, fb.rand); err != nil {
			t.Fatal(err)
		}
	}
	recvA, err := ga.receiveKeys(ga.cur)
	if err != nil {
		t.Fatal(err)
	}
	sendB := gb.SecretTree() // takes the pending steps
	recvB, err := gb.receiveKeys(gb.cur)
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		name string
		a, b *keyschedule.SecretTree
	}{{"sending", ga.cur.keys.Tree, sendB}, {"receiving", recvA.Tree, recvB.Tree}} {
		if x, y := c.a.Retained(), c.b.Retained(); !reflect.DeepEqual(x, y) || len(x) == 0 {
			t.Errorf("%s tree: real messages leave %d values, accounted ones %d, or different ones", c.name, len(x), len(y))
		}
		if x, y := c.a.Stats(), c.b.Stats(); x != y {
			t.Errorf("%s tree: real messages derived %+v, accounted ones %+v", c.name, x, y)
		}
	}
}

package mlsgroup_test

import (
	"bytes"
	"encoding/json"
	"math/rand/v2"
	"reflect"
	"testing"

	"cgkalab/models/mlsgroup"
	"cgkalab/models/protocol"
	"cgkalab/models/suite"
)

func TestHooks(t *testing.T) {
	for _, mode := range []string{protocol.Full, protocol.Sampled} {
		raw, _ := json.Marshal(mlsgroup.DefaultOptions())
		members := []protocol.MemberID{0, 1, 2, 3}
		offline := map[protocol.MemberID]bool{3: true}
		pg, err := mlsgroup.New(protocol.Env{Suite: 1, Mode: mode, Sample: 2, Options: raw,
			Online:  func(m protocol.MemberID) bool { return !offline[m] },
			Members: func() []protocol.MemberID { return members },
			Rand:    rand.NewChaCha8([32]byte{4}), Pick: rand.New(rand.NewPCG(1, 1))})
		if err != nil {
			t.Fatal(err)
		}
		g := pg.(*mlsgroup.Group)
		if _, err := g.Apply(protocol.Intent{Kind: protocol.Create, Actor: 0, Targets: members[1:]}); err != nil {
			t.Fatal(err)
		}
		got := map[protocol.MemberID][]byte{}
		g.SetObserver(func(m protocol.MemberID, content []byte) { got[m] = content })
		content := []byte("hello, group")
		out, err := g.SendContent(1, content)
		if err != nil {
			t.Fatal(err)
		}
		want := map[protocol.MemberID][]byte{0: content, 2: content}
		if mode == protocol.Sampled {
			if len(got) != 1 {
				t.Errorf("sampled: %d receivers observed, want 1", len(got))
			}
			for m, c := range got {
				if m == 1 || m == 3 || !bytes.Equal(c, content) {
					t.Errorf("sampled: member %d observed %q", m, c)
				}
			}
		} else if !reflect.DeepEqual(got, want) {
			t.Errorf("full: observed %v, want %v", got, want)
		}
		if out.Label != "send" || !reflect.DeepEqual(out.Security.Protected, []protocol.Secret{mlsgroup.EpochSecret(g.Epoch())}) {
			t.Errorf("%s: SendContent outcome %+v", mode, out)
		}
		if mode == protocol.Full {
			delete(offline, 3)
			if _, err := g.Apply(protocol.Intent{Kind: protocol.Sync, Actor: 3}); err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(got[3], content) {
				t.Errorf("member 3 caught up without observing the content: %q", got[3])
			}
		}
		if _, err := g.SendContent(9, content); err == nil {
			t.Errorf("%s: SendContent by a non-member: no error", mode)
		}
		s, _ := suite.ByID(1)
		sig, err := g.SignAs(2, "test", content)
		pub, ok := g.SignaturePublicKey(2)
		if err != nil || !ok || s.VerifyWithLabel(pub, "test", content, sig) != nil {
			t.Errorf("%s: SignAs: %v, %v", mode, err, ok)
		}
		if _, err := g.SignAs(9, "test", content); err == nil {
			t.Errorf("%s: SignAs a non-member: no error", mode)
		}
		if !g.IsMember(2) || g.IsMember(9) {
			t.Errorf("%s: IsMember", mode)
		}
	}
}

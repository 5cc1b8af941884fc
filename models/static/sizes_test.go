package static_test

import (
	"testing"

	"cgkalab/models/static"
	"cgkalab/models/suite"
	"cgkalab/models/wire"
)

// The bytes of every operation equal the closed form derived from the
// encodings of messages.go, for suite 1 (X25519, AES-128-GCM, SHA-256,
// Ed25519: fixed-size keys and signatures).
func TestSizesClosedForm(t *testing.T) {
	s, err := suite.ByID(1)
	if err != nil {
		t.Fatal(err)
	}
	const payload = 100
	var (
		op      = wire.OpaqueLen
		gid     = op(len("cgkalab-group"))
		npk     = s.HPKEPublicKeySize()
		nenc    = s.HPKEEncSize()
		sig     = 64 // Ed25519
		sigPub  = 32
		nh      = s.Nh()
		tag     = s.AEADOverhead()
		nn      = s.AEADNonceSize()
		kp      = 2 + 4 + op(npk) + op(sigPub) + op(sig)
		header  = gid + 4 + 4 + 4 // group_id, generation, sender, recipient
		sealed  = op(nenc) + op(nh+tag)
		welcome = header + op(nh) + sealed + op(sig)
		keyWrap = header + op(0) + sealed + op(sig)
		hs      = gid + 4 + 4 + 1 // group_id, generation, sender, type
		add1    = hs + op(kp) + op(sig)
		remove1 = hs + op(4) + op(sig)
		update  = hs + kp + op(sig)
		app     = gid + 4 + 4 + nn + op(op(payload)+op(sig)+tag)
	)
	roster := func(n int) int { return op(n * kp) }
	type cost struct{ count, bytes int }
	for _, n := range []int{8, 64, 1024} {
		rows, err := static.Sizes(1, []int{n}, payload)
		if err != nil {
			t.Fatal(err)
		}
		want := map[[2]string]cost{
			{"create", static.MsgKeyPackage}: {n - 1, (n - 1) * kp},
			{"create", static.MsgWelcome}:    {n - 1, (n - 1) * welcome},
			{"create", static.MsgRoster}:     {n - 1, (n - 1) * roster(n)},
			{"send", static.MsgApplication}:  {1, app},
			{"update", static.MsgUpdate}:     {1, update},
			{"update", static.MsgKeyWrap}:    {n - 1, (n - 1) * keyWrap},
			{"remove", static.MsgRemove}:     {1, remove1},
			{"remove", static.MsgKeyWrap}:    {n - 2, (n - 2) * keyWrap},
			{"add", static.MsgKeyPackage}:    {1, kp},
			{"add", static.MsgAdd}:           {1, add1},
			{"add", static.MsgWelcome}:       {1, welcome},
			{"add", static.MsgRoster}:        {1, roster(n)}, // n−1 members and the joiner
		}
		if len(rows) != len(want) {
			t.Errorf("n = %d: %d rows, want %d: %+v", n, len(rows), len(want), rows)
		}
		for _, r := range rows {
			w, ok := want[[2]string{r.Operation, r.Message}]
			if !ok {
				t.Errorf("n = %d: unexpected %s message in %s", n, r.Message, r.Operation)
				continue
			}
			if r.Count != w.count || r.Bytes != w.bytes {
				t.Errorf("n = %d, %s, %s: %d messages of %d bytes in all, want %d of %d", n, r.Operation, r.Message, r.Count, r.Bytes, w.count, w.bytes)
			}
		}
	}
}

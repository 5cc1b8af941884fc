package mls_test

import (
	"bytes"
	"errors"
	"math/rand/v2"
	"sync"
	"testing"

	"cgkalab/models/mls"
	rt "cgkalab/models/ratchettree"
	"cgkalab/models/suite"
	"cgkalab/models/vectors"
	"cgkalab/models/wire"
)

// The decoders of the messages a client receives from the network must
// turn any input into a value or an error: never a panic, never a hang,
// and never an allocation the input does not pay for (wire.Reader checks
// every length header against the bytes left). A value that decodes
// re-encodes to exactly the input: the encodings are canonical.
//
// The corpora are seeded from the official messages.json when the vectors
// are present, and always from messages built here. The ratchet tree has
// its own target, ratchettree's FuzzUnmarshal.

// vectorSeeds returns the given fields of every case of messages.json, or
// nothing when the vectors are absent.
func vectorSeeds(tb testing.TB, fields ...string) [][]byte {
	dir, err := vectors.Dir()
	if err != nil {
		return nil
	}
	var cases []map[string]vectors.Hex
	if err := vectors.Decode(dir, "messages.json", &cases); err != nil {
		tb.Fatal(err)
	}
	var out [][]byte
	for _, c := range cases {
		for _, f := range fields {
			if v := c[f]; len(v) > 0 {
				out = append(out, v)
			}
		}
	}
	return out
}

// built holds messages of a small group made with this package.
type built struct {
	keyPackage *mls.MLSMessage // MLSMessage(KeyPackage)
	commit     *mls.MLSMessage // PublicMessage with an Add and a path
	welcome    *mls.MLSMessage // with the ratchet tree in its GroupInfo
	groupInfo  *mls.MLSMessage // signed, with external_pub and the tree
	app        *mls.MLSMessage // PrivateMessage
	signerPub  []byte          // the GroupInfo signer's key
}

var (
	builtOnce sync.Once
	builtMsgs built
	builtErr  error
)

// buildMessages creates a two-member group of suite 1 and the messages
// that made it.
func buildMessages(tb testing.TB) *built {
	tb.Helper()
	builtOnce.Do(func() { builtErr = buildMessagesOnce(&builtMsgs) })
	if builtErr != nil {
		tb.Fatal(builtErr)
	}
	return &builtMsgs
}

func buildMessagesOnce(b *built) error {
	s, err := suite.ByID(1)
	if err != nil {
		return err
	}
	r := rand.NewChaCha8([32]byte{42})
	life := rt.Lifetime{NotAfter: 1 << 40}
	alice, err := mls.NewKeyPackage(s, []byte("alice"), nil, life, r)
	if err != nil {
		return err
	}
	bob, err := mls.NewKeyPackage(s, []byte("bob"), nil, life, r)
	if err != nil {
		return err
	}
	g, err := mls.NewGroup(s, []byte("fuzz group"), alice, nil, mls.Config{}, r)
	if err != nil {
		return err
	}
	st, err := g.Commit(mls.CommitOptions{
		Inline:               []*mls.Proposal{{Type: mls.ProposalAdd, Add: bob.KeyPackage}},
		RatchetTreeInWelcome: true,
	}, r)
	if err != nil {
		return err
	}
	if err := g.Apply(st); err != nil {
		return err
	}
	gi, err := g.GroupInfo(true)
	if err != nil {
		return err
	}
	app, err := g.SendApplication([]byte("hello"), []byte("aad"), r)
	if err != nil {
		return err
	}
	*b = built{
		keyPackage: &mls.MLSMessage{WireFormat: mls.WireKeyPackage, KeyPackage: bob.KeyPackage},
		commit:     st.Commit,
		welcome:    st.Welcome,
		groupInfo:  &mls.MLSMessage{WireFormat: mls.WireGroupInfo, GroupInfo: gi},
		app:        app,
		signerPub:  alice.SigKey.PublicKey(),
	}
	return nil
}

// body strips the MLSMessage header (version, wire_format) from data.
func body(data []byte) []byte {
	if len(data) < 4 {
		return nil
	}
	return data[4:]
}

// checkMalformed fails unless err reports a malformed encoding.
func checkMalformed(t *testing.T, err error) {
	t.Helper()
	if !errors.Is(err, wire.ErrMalformed) {
		t.Fatalf("decoding error %v does not wrap wire.ErrMalformed", err)
	}
}

func FuzzMLSMessage(f *testing.F) {
	b := buildMessages(f)
	for _, m := range []*mls.MLSMessage{b.keyPackage, b.commit, b.welcome, b.groupInfo, b.app} {
		f.Add(m.Bytes())
	}
	for _, v := range vectorSeeds(f, "mls_welcome", "mls_group_info", "mls_key_package",
		"public_message_application", "public_message_proposal", "public_message_commit", "private_message") {
		f.Add([]byte(v))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		m, err := mls.ParseMLSMessage(data)
		if err != nil {
			checkMalformed(t, err)
			return
		}
		if got := m.Bytes(); !bytes.Equal(got, data) {
			t.Fatalf("re-encoding differs:\n got %x\nwant %x", got, data)
		}
	})
}

func FuzzKeyPackage(f *testing.F) {
	b := buildMessages(f)
	f.Add(b.keyPackage.KeyPackage.Bytes())
	for _, v := range vectorSeeds(f, "mls_key_package") {
		f.Add(body(v))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		kp, err := mls.ParseKeyPackage(data)
		if err != nil {
			checkMalformed(t, err)
			return
		}
		if got := kp.Bytes(); !bytes.Equal(got, data) {
			t.Fatalf("re-encoding differs:\n got %x\nwant %x", got, data)
		}
		// Validation of a decoded KeyPackage must not panic either,
		// whatever its suite, keys and signature.
		if s, err := suite.ByID(kp.CipherSuite); err == nil {
			kp.Validate(s, 0)
		}
	})
}

func FuzzWelcome(f *testing.F) {
	b := buildMessages(f)
	f.Add(body(b.welcome.Bytes()))
	for _, v := range vectorSeeds(f, "mls_welcome") {
		f.Add(body(v))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		var w mls.Welcome
		if err := wire.Unmarshal(data, "Welcome", w.Unmarshal); err != nil {
			checkMalformed(t, err)
			return
		}
		enc := wire.NewBuilder(len(data))
		w.Marshal(enc)
		if !bytes.Equal(enc.Bytes(), data) {
			t.Fatalf("re-encoding differs:\n got %x\nwant %x", enc.Bytes(), data)
		}
	})
}

func FuzzGroupInfo(f *testing.F) {
	b := buildMessages(f)
	s, _ := suite.ByID(1)
	f.Add(body(b.groupInfo.Bytes()))
	for _, v := range vectorSeeds(f, "mls_group_info") {
		f.Add(body(v))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		var gi mls.GroupInfo
		if err := wire.Unmarshal(data, "GroupInfo", gi.Unmarshal); err != nil {
			checkMalformed(t, err)
			return
		}
		enc := wire.NewBuilder(len(data))
		gi.Marshal(enc)
		if !bytes.Equal(enc.Bytes(), data) {
			t.Fatalf("re-encoding differs:\n got %x\nwant %x", enc.Bytes(), data)
		}
		// Verifying the signature of any decoded GroupInfo must not panic.
		if err := gi.Verify(s, b.signerPub); err == nil && !bytes.Equal(data, body(b.groupInfo.Bytes())) {
			t.Fatalf("a changed GroupInfo verifies: %x", data)
		}
	})
}

func FuzzExternalSenders(f *testing.F) {
	ext := mls.ExternalSendersExtension([]mls.ExternalSender{
		{SignatureKey: make([]byte, 32), Credential: rt.Credential{Type: rt.CredentialBasic, Identity: []byte("ds")}},
		{SignatureKey: []byte{1, 2, 3}, Credential: rt.Credential{Type: rt.CredentialX509, Certificates: [][]byte{{4, 5}}}},
	})
	f.Add(ext.Data)
	f.Fuzz(func(t *testing.T, data []byte) {
		senders, err := mls.ParseExternalSenders(data)
		if err != nil {
			checkMalformed(t, err)
			return
		}
		if got := mls.ExternalSendersExtension(senders).Data; !bytes.Equal(got, data) {
			t.Fatalf("re-encoding differs:\n got %x\nwant %x", got, data)
		}
	})
}

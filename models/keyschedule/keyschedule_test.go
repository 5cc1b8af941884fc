package keyschedule

import (
	"bytes"
	"errors"
	"fmt"
	"math/rand/v2"
	"testing"

	"cgkalab/models/extension"
	"cgkalab/models/suite"
	"cgkalab/models/vectors"
	"cgkalab/models/vectors/vectortest"
)

// keyScheduleCase is one entry of key-schedule.json (test-vectors.md,
// "Key Schedule").
type keyScheduleCase struct {
	CipherSuite       suite.ID    `json:"cipher_suite"`
	GroupID           vectors.Hex `json:"group_id"`
	InitialInitSecret vectors.Hex `json:"initial_init_secret"`
	Epochs            []struct {
		TreeHash                vectors.Hex `json:"tree_hash"`
		CommitSecret            vectors.Hex `json:"commit_secret"`
		PSKSecret               vectors.Hex `json:"psk_secret"`
		ConfirmedTranscriptHash vectors.Hex `json:"confirmed_transcript_hash"`

		GroupContext vectors.Hex `json:"group_context"`

		JoinerSecret  vectors.Hex `json:"joiner_secret"`
		WelcomeSecret vectors.Hex `json:"welcome_secret"`
		InitSecret    vectors.Hex `json:"init_secret"`

		SenderDataSecret   vectors.Hex `json:"sender_data_secret"`
		EncryptionSecret   vectors.Hex `json:"encryption_secret"`
		ExporterSecret     vectors.Hex `json:"exporter_secret"`
		EpochAuthenticator vectors.Hex `json:"epoch_authenticator"`
		ExternalSecret     vectors.Hex `json:"external_secret"`
		ConfirmationKey    vectors.Hex `json:"confirmation_key"`
		MembershipKey      vectors.Hex `json:"membership_key"`
		ResumptionPSK      vectors.Hex `json:"resumption_psk"`

		ExternalPub vectors.Hex `json:"external_pub"`
		Exporter    struct {
			// The label is used as the literal string, although
			// the generator's labels look like hex.
			Label   string      `json:"label"`
			Context vectors.Hex `json:"context"`
			Length  int         `json:"length"`
			Secret  vectors.Hex `json:"secret"`
		} `json:"exporter"`
	} `json:"epochs"`
}

func TestKeyScheduleVectors(t *testing.T) {
	var cases []keyScheduleCase
	vectortest.Load(t, "key-schedule.json", &cases)
	for i, c := range cases {
		t.Run(fmt.Sprintf("%d/suite=%d", i, c.CipherSuite), func(t *testing.T) {
			s, err := suite.ByID(c.CipherSuite)
			if err != nil {
				t.Skipf("suite %d not implemented: %v", c.CipherSuite, err)
			}
			init := InitSecret(c.InitialInitSecret)
			for n, e := range c.Epochs {
				t.Run(fmt.Sprintf("epoch=%d", n), func(t *testing.T) {
					// Construct the GroupContext and check its encoding.
					gc := &GroupContext{
						CipherSuite:             c.CipherSuite,
						GroupID:                 c.GroupID,
						Epoch:                   uint64(n),
						TreeHash:                e.TreeHash,
						ConfirmedTranscriptHash: e.ConfirmedTranscriptHash,
					}
					equal(t, "group_context", gc.Bytes(), e.GroupContext)
					parsed, err := ParseGroupContext(e.GroupContext)
					if err != nil {
						t.Fatalf("ParseGroupContext: %v", err)
					}
					equal(t, "re-encoded group_context", parsed.Bytes(), e.GroupContext)

					// Key schedule outputs from init_secret of the prior
					// epoch, commit_secret, psk_secret and the GroupContext.
					ep, err := Derive(s, init, CommitSecret(e.CommitSecret), PSKSecret(e.PSKSecret), gc)
					if err != nil {
						t.Fatalf("Derive: %v", err)
					}
					checkEpoch(t, ep, e.JoinerSecret, e.WelcomeSecret, e.InitSecret, e.SenderDataSecret,
						e.EncryptionSecret, e.ExporterSecret, e.EpochAuthenticator, e.ExternalSecret,
						e.ConfirmationKey, e.MembershipKey, e.ResumptionPSK)

					// The Welcome path reaches the same secrets from
					// joiner_secret.
					w, err := JoinerSecret(e.JoinerSecret).WelcomeSecret(s, PSKSecret(e.PSKSecret))
					if err != nil {
						t.Fatal(err)
					}
					equal(t, "welcome_secret from joiner_secret", w, e.WelcomeSecret)
					joined, err := DeriveFromJoiner(s, JoinerSecret(e.JoinerSecret), PSKSecret(e.PSKSecret), gc)
					if err != nil {
						t.Fatalf("DeriveFromJoiner: %v", err)
					}
					checkEpoch(t, joined, e.JoinerSecret, e.WelcomeSecret, e.InitSecret, e.SenderDataSecret,
						e.EncryptionSecret, e.ExporterSecret, e.EpochAuthenticator, e.ExternalSecret,
						e.ConfirmationKey, e.MembershipKey, e.ResumptionPSK)

					// external_pub is the public key of
					// KEM.DeriveKeyPair(external_secret).
					priv, err := ep.External.KeyPair(s)
					if err != nil {
						t.Fatal(err)
					}
					equal(t, "external_pub", priv.PublicKey(), e.ExternalPub)

					// exporter.secret is MLS-Exporter(label, context, length).
					x := e.Exporter
					got, err := ep.Exporter.Export(s, string(x.Label), x.Context, x.Length)
					if err != nil {
						t.Fatal(err)
					}
					equal(t, "exporter.secret", got, x.Secret)
				})
				init = InitSecret(e.InitSecret)
			}
		})
	}
}

func checkEpoch(t *testing.T, ep *EpochSecrets, joiner, welcome, init, senderData, encryption, exporter,
	authenticator, external, confirmation, membership, resumption []byte) {
	t.Helper()
	equal(t, "joiner_secret", ep.Joiner, joiner)
	equal(t, "welcome_secret", ep.Welcome, welcome)
	equal(t, "init_secret", ep.Init, init)
	equal(t, "sender_data_secret", ep.SenderData, senderData)
	equal(t, "encryption_secret", ep.Encryption, encryption)
	equal(t, "exporter_secret", ep.Exporter, exporter)
	equal(t, "epoch_authenticator", ep.Authenticator, authenticator)
	equal(t, "external_secret", ep.External, external)
	equal(t, "confirmation_key", ep.Confirmation, confirmation)
	equal(t, "membership_key", ep.Membership, membership)
	equal(t, "resumption_psk", ep.Resumption, resumption)
}

func equal(t *testing.T, what string, got, want []byte) {
	t.Helper()
	if !bytes.Equal(got, want) {
		t.Errorf("%s = %x, want %x", what, got, want)
	}
}

func mustSuite(tb testing.TB, id suite.ID) *suite.Suite {
	tb.Helper()
	s, err := suite.ByID(id)
	if err != nil {
		tb.Fatal(err)
	}
	return s
}

// seeded returns a deterministic random source for tests.
func seeded(seed byte) *rand.ChaCha8 {
	return rand.NewChaCha8([32]byte{seed})
}

func fill(r *rand.ChaCha8, n int) []byte {
	b := make([]byte, n)
	r.Read(b)
	return b
}

func testContext(s *suite.Suite) *GroupContext {
	return &GroupContext{
		CipherSuite:             s.ID,
		GroupID:                 []byte("group"),
		Epoch:                   7,
		TreeHash:                bytes.Repeat([]byte{1}, s.Nh()),
		ConfirmedTranscriptHash: bytes.Repeat([]byte{2}, s.Nh()),
		Extensions:              []extension.Extension{{Type: 5, Data: []byte{0, 1}}},
	}
}

// A Commit without a path uses the all-zero commit secret: nil, empty and
// explicit zeros agree, as do nil and zero psk secrets (Section 8).
func TestZeroCommitAndPSKSecret(t *testing.T) {
	s := mustSuite(t, 1)
	init := InitSecret(fill(seeded(1), s.Nh()))
	gc := testContext(s)
	zero := make([]byte, s.Nh())
	a, err := Derive(s, init, nil, nil, gc)
	if err != nil {
		t.Fatal(err)
	}
	b, err := Derive(s, init, CommitSecret{}, PSKSecret(zero), gc)
	if err != nil {
		t.Fatal(err)
	}
	c, err := Derive(s, init, CommitSecret(zero), PSKSecret{}, gc)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range []*EpochSecrets{b, c} {
		equal(t, "joiner_secret", e.Joiner, a.Joiner)
		equal(t, "epoch_authenticator", e.Authenticator, a.Authenticator)
	}
	// A different GroupContext gives different secrets.
	gc2 := testContext(s)
	gc2.Epoch++
	d, err := Derive(s, init, nil, nil, gc2)
	if err != nil {
		t.Fatal(err)
	}
	if bytes.Equal(d.Authenticator, a.Authenticator) {
		t.Error("epoch_authenticator does not depend on the GroupContext")
	}
}

func TestKeyScheduleErrors(t *testing.T) {
	s := mustSuite(t, 1)
	nh := s.Nh()
	good := fill(seeded(2), nh)
	gc := testContext(s)
	other := testContext(s)
	other.CipherSuite = 2

	for _, tc := range []struct {
		name string
		err  error
		run  func() error
	}{
		{"short init_secret", ErrSecretLength, func() error { _, err := Derive(s, good[:nh-1], nil, nil, gc); return err }},
		{"empty init_secret", ErrSecretLength, func() error { _, err := Derive(s, nil, nil, nil, gc); return err }},
		{"long commit_secret", ErrSecretLength, func() error {
			_, err := Derive(s, good, append(CommitSecret{0}, good...), nil, gc)
			return err
		}},
		{"short psk_secret", ErrSecretLength, func() error { _, err := Derive(s, good, nil, PSKSecret(good[:5]), gc); return err }},
		{"suite mismatch", ErrSuiteMismatch, func() error { _, err := Derive(s, good, nil, nil, other); return err }},
		{"short joiner_secret", ErrSecretLength, func() error { _, err := DeriveFromJoiner(s, good[:3], nil, gc); return err }},
		{"short epoch_secret", ErrSecretLength, func() error { _, err := DeriveFromEpochSecret(s, good[:3]); return err }},
		{"export too long", ErrExportLength, func() error { _, err := ExporterSecret(good).Export(s, "l", nil, 255*nh+1); return err }},
		{"export negative", ErrExportLength, func() error { _, err := ExporterSecret(good).Export(s, "l", nil, -1); return err }},
		{"short exporter_secret", ErrSecretLength, func() error { _, err := ExporterSecret(good[1:]).Export(s, "l", nil, 8); return err }},
		{"short external_secret", ErrSecretLength, func() error { _, err := ExternalSecret(good[1:]).KeyPair(s); return err }},
		{"short welcome_secret", ErrSecretLength, func() error { _, _, err := WelcomeSecret(good[1:]).KeyNonce(s); return err }},
		{"short membership_key", ErrSecretLength, func() error { _, err := MembershipKey(good[1:]).Tag(s, nil); return err }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			err := tc.run()
			if !errors.Is(err, tc.err) {
				t.Fatalf("error = %v, want %v", err, tc.err)
			}
			t.Log(err)
		})
	}
	if _, err := Derive(s, good, nil, nil, nil); err == nil {
		t.Error("nil GroupContext accepted")
	}
}

// Group creation starts from an epoch secret; the derived secrets are those
// the full schedule gives, and Joiner and Welcome are absent.
func TestDeriveFromEpochSecret(t *testing.T) {
	s := mustSuite(t, 1)
	epoch := EpochSecret(fill(seeded(3), s.Nh()))
	e, err := DeriveFromEpochSecret(s, epoch)
	if err != nil {
		t.Fatal(err)
	}
	if e.Joiner != nil || e.Welcome != nil {
		t.Error("Joiner or Welcome set without a joiner secret")
	}
	equal(t, "init_secret", e.Init, s.DeriveSecret(epoch, "init"))
	equal(t, "confirmation_key", e.Confirmation, s.DeriveSecret(epoch, "confirm"))
	equal(t, "epoch_secret left intact", epoch, fill(seeded(3), s.Nh()))
}

// External initialization (Section 8.3): the joiner's init_secret equals
// the one the group recovers from kem_output.
func TestExternalInit(t *testing.T) {
	for _, s := range suite.All() {
		t.Run(fmt.Sprintf("suite=%d", s.ID), func(t *testing.T) {
			e, err := DeriveFromEpochSecret(s, fill(seeded(4), s.Nh()))
			if err != nil {
				t.Fatal(err)
			}
			priv, err := e.External.KeyPair(s)
			if err != nil {
				t.Fatal(err)
			}
			kemOutput, sent, err := NewExternalInit(s, priv.PublicKey(), seeded(5))
			if err != nil {
				t.Fatal(err)
			}
			got, err := e.External.ReceiveExternalInit(s, kemOutput)
			if err != nil {
				t.Fatal(err)
			}
			if len(sent) != s.Nh() {
				t.Errorf("init_secret is %d bytes, want %d", len(sent), s.Nh())
			}
			equal(t, "received init_secret", got, sent)
			if _, err := e.External.ReceiveExternalInit(s, kemOutput[1:]); err == nil {
				t.Error("truncated kem_output accepted")
			}
		})
	}
}

func TestWelcomeKeyNonce(t *testing.T) {
	s := mustSuite(t, 1)
	w := WelcomeSecret(fill(seeded(6), s.Nh()))
	key, nonce, err := w.KeyNonce(s)
	if err != nil {
		t.Fatal(err)
	}
	equal(t, "welcome_key", key, s.ExpandWithLabel(w, "key", nil, s.AEADKeySize()))
	equal(t, "welcome_nonce", nonce, s.ExpandWithLabel(w, "nonce", nil, s.AEADNonceSize()))
}

func BenchmarkKeySchedule(b *testing.B) {
	for _, s := range suite.All() {
		b.Run(fmt.Sprintf("suite=%d", s.ID), func(b *testing.B) {
			r := seeded(7)
			init, commit, psk := InitSecret(fill(r, s.Nh())), CommitSecret(fill(r, s.Nh())), PSKSecret(fill(r, s.Nh()))
			gc := testContext(s)
			b.ReportAllocs()
			for b.Loop() {
				if _, err := Derive(s, init, commit, psk, gc); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

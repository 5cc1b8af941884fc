package keyschedule

import (
	"bytes"
	"errors"
	"fmt"
	"math/rand/v2"
	"testing"

	"cgkalab/models/extension"
	"cgkalab/models/suite"
)

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

package keyschedule

import (
	"fmt"
	"io"

	"cgkalab/models/suite"
)

// The secrets of the key schedule (RFC 9420, Section 8), one type per kind.
// Each is KDF.Nh bytes. Converting one kind into another takes an explicit
// conversion, which is the point: a MembershipKey cannot be passed where a
// ConfirmationKey is expected by accident.
type (
	// InitSecret is init_secret_[n]: the previous epoch's contribution to
	// the next one (Section 8), or the value sent by an external joiner
	// (Section 8.3).
	InitSecret []byte
	// CommitSecret is the commit_secret from the Commit's UpdatePath
	// (Section 12.4.2); nil or empty means the Commit has no path and
	// stands for the all-zero vector of length KDF.Nh.
	CommitSecret []byte
	// PSKSecret is psk_secret (Section 8.4); nil or empty means no PSKs
	// and stands for the all-zero vector of length KDF.Nh.
	PSKSecret []byte
	// JoinerSecret is joiner_secret, sent to new members in GroupSecrets.
	JoinerSecret []byte
	// WelcomeSecret is welcome_secret, keying the Welcome's GroupInfo.
	WelcomeSecret []byte
	// EpochSecret is epoch_secret. It is consumed by deriving the secrets
	// below and is not kept in EpochSecrets.
	EpochSecret []byte
	// SenderDataSecret is sender_data_secret (Section 6.3.2).
	SenderDataSecret []byte
	// EncryptionSecret is encryption_secret, the root of the secret tree
	// (Section 9).
	EncryptionSecret []byte
	// ExporterSecret is exporter_secret (Section 8.5).
	ExporterSecret []byte
	// ExternalSecret is external_secret, the seed of the external HPKE key
	// pair (Section 8).
	ExternalSecret []byte
	// ConfirmationKey is confirmation_key (Section 6.1).
	ConfirmationKey []byte
	// MembershipKey is membership_key (Section 6.2).
	MembershipKey []byte
	// ResumptionPSK is resumption_psk (Section 8.6).
	ResumptionPSK []byte
	// EpochAuthenticator is epoch_authenticator (Section 8.7).
	EpochAuthenticator []byte
)

// The labels of RFC 9420, Section 8, Table 4 ("Epoch-Derived Secrets").
const (
	labelSenderData     = "sender data"
	labelEncryption     = "encryption"
	labelExporter       = "exporter"
	labelExternal       = "external"
	labelConfirm        = "confirm"
	labelMembership     = "membership"
	labelResumption     = "resumption"
	labelAuthentication = "authentication"
	labelInit           = "init"
)

// EpochSecrets is the output of the key schedule for one epoch (RFC 9420,
// Section 8). epoch_secret itself is consumed and not kept.
//
// Section 9.2 requires deleting values once consumed: Joiner and Welcome
// are needed only to build (or read) the Welcome of this epoch's Commit,
// Encryption only to create the SecretTree, and Init only to derive the
// next epoch; callers should drop them (set them to nil) once used.
type EpochSecrets struct {
	Joiner        JoinerSecret  // nil when derived from an epoch secret (group creation)
	Welcome       WelcomeSecret // nil when derived from an epoch secret (group creation)
	SenderData    SenderDataSecret
	Encryption    EncryptionSecret
	Exporter      ExporterSecret
	External      ExternalSecret
	Confirmation  ConfirmationKey
	Membership    MembershipKey
	Resumption    ResumptionPSK
	Authenticator EpochAuthenticator
	Init          InitSecret // init_secret_[n], the input of the next epoch
}

// checkSecret returns an error wrapping ErrSecretLength unless secret is
// KDF.Nh bytes long.
func checkSecret(s *suite.Suite, name string, secret []byte) error {
	if len(secret) != s.Nh() {
		return fmt.Errorf("%s is %d bytes, want KDF.Nh = %d: %w", name, len(secret), s.Nh(), ErrSecretLength)
	}
	return nil
}

// orZero returns secret, or the all-zero vector of length KDF.Nh when
// secret is empty (RFC 9420, Section 8: "0 represents an all-zero byte
// string of length KDF.Nh").
func orZero(s *suite.Suite, name string, secret []byte) ([]byte, error) {
	if len(secret) == 0 {
		return make([]byte, s.Nh()), nil
	}
	return secret, checkSecret(s, name, secret)
}

// encodeContext checks that gc belongs to suite s and encodes it.
func encodeContext(s *suite.Suite, gc *GroupContext) ([]byte, error) {
	if gc == nil {
		return nil, fmt.Errorf("key schedule: nil GroupContext")
	}
	if gc.CipherSuite != s.ID {
		return nil, fmt.Errorf("key schedule: GroupContext cipher_suite %#04x, suite is %#04x: %w",
			uint16(gc.CipherSuite), uint16(s.ID), ErrSuiteMismatch)
	}
	return gc.Bytes(), nil
}

// newJoinerSecret implements the first step of RFC 9420, Section 8:
// joiner_secret = ExpandWithLabel(KDF.Extract(init_secret_[n-1],
// commit_secret), "joiner", GroupContext_[n], KDF.Nh), with ctx the encoded
// GroupContext. An empty commit secret stands for the all-zero vector (a
// Commit without a path).
func newJoinerSecret(s *suite.Suite, init InitSecret, commit CommitSecret, ctx []byte) (JoinerSecret, error) {
	if err := checkSecret(s, "init_secret", init); err != nil {
		return nil, err
	}
	c, err := orZero(s, "commit_secret", commit)
	if err != nil {
		return nil, err
	}
	prk := s.Extract(init, c) // salt from the top, IKM from the left
	defer clear(prk)
	return s.ExpandWithLabel(prk, "joiner", ctx, s.Nh()), nil
}

// extractPSK returns KDF.Extract(joiner_secret, psk_secret), the value
// from which welcome_secret and epoch_secret are derived (Section 8).
func (j JoinerSecret) extractPSK(s *suite.Suite, psk PSKSecret) ([]byte, error) {
	if err := checkSecret(s, "joiner_secret", j); err != nil {
		return nil, err
	}
	p, err := orZero(s, "psk_secret", psk)
	if err != nil {
		return nil, err
	}
	return s.Extract(j, p), nil
}

// WelcomeSecret implements RFC 9420, Section 8: welcome_secret =
// DeriveSecret(KDF.Extract(joiner_secret, psk_secret), "welcome"). A new
// member needs it before it has the GroupContext, to decrypt the GroupInfo.
func (j JoinerSecret) WelcomeSecret(s *suite.Suite, psk PSKSecret) (WelcomeSecret, error) {
	prk, err := j.extractPSK(s, psk)
	if err != nil {
		return nil, err
	}
	defer clear(prk)
	return s.DeriveSecret(prk, "welcome"), nil
}

// Derive runs the key schedule of RFC 9420, Section 8 for a member that
// creates or processes a Commit: from init_secret_[n-1], commit_secret,
// psk_secret and GroupContext_[n] to every secret of epoch n and
// init_secret_[n]. Empty commit or psk secrets stand for the all-zero
// vector of length KDF.Nh (no UpdatePath, no PSKs).
func Derive(s *suite.Suite, init InitSecret, commit CommitSecret, psk PSKSecret, gc *GroupContext) (*EpochSecrets, error) {
	ctx, err := encodeContext(s, gc)
	if err != nil {
		return nil, err
	}
	joiner, err := newJoinerSecret(s, init, commit, ctx)
	if err != nil {
		return nil, err
	}
	return deriveFromJoiner(s, joiner, psk, ctx)
}

// DeriveFromJoiner runs the key schedule from joiner_secret, as a new
// member joining by Welcome does (RFC 9420, Sections 8 and 12.4.3.1). An
// empty psk secret stands for the all-zero vector.
func DeriveFromJoiner(s *suite.Suite, joiner JoinerSecret, psk PSKSecret, gc *GroupContext) (*EpochSecrets, error) {
	ctx, err := encodeContext(s, gc)
	if err != nil {
		return nil, err
	}
	return deriveFromJoiner(s, append(JoinerSecret(nil), joiner...), psk, ctx)
}

// deriveFromJoiner takes ownership of joiner.
func deriveFromJoiner(s *suite.Suite, joiner JoinerSecret, psk PSKSecret, ctx []byte) (*EpochSecrets, error) {
	prk, err := joiner.extractPSK(s, psk)
	if err != nil {
		return nil, err
	}
	welcome := s.DeriveSecret(prk, "welcome")
	epoch := s.ExpandWithLabel(prk, "epoch", ctx, s.Nh())
	clear(prk)
	e := deriveFromEpochSecret(s, epoch)
	clear(epoch) // consumed (Section 9.2)
	e.Joiner, e.Welcome = joiner, welcome
	return e, nil
}

// DeriveFromEpochSecret derives the secrets of an epoch from its
// epoch_secret. Group creation (RFC 9420, Section 11) starts the first
// epoch from a fresh random epoch secret; Joiner and Welcome are then nil.
func DeriveFromEpochSecret(s *suite.Suite, epoch EpochSecret) (*EpochSecrets, error) {
	if err := checkSecret(s, "epoch_secret", epoch); err != nil {
		return nil, err
	}
	return deriveFromEpochSecret(s, epoch), nil
}

// deriveFromEpochSecret implements the lower half of the diagram of RFC
// 9420, Section 8 and its Table 4.
func deriveFromEpochSecret(s *suite.Suite, epoch EpochSecret) *EpochSecrets {
	return &EpochSecrets{
		SenderData:    s.DeriveSecret(epoch, labelSenderData),
		Encryption:    s.DeriveSecret(epoch, labelEncryption),
		Exporter:      s.DeriveSecret(epoch, labelExporter),
		External:      s.DeriveSecret(epoch, labelExternal),
		Confirmation:  s.DeriveSecret(epoch, labelConfirm),
		Membership:    s.DeriveSecret(epoch, labelMembership),
		Resumption:    s.DeriveSecret(epoch, labelResumption),
		Authenticator: s.DeriveSecret(epoch, labelAuthentication),
		Init:          s.DeriveSecret(epoch, labelInit),
	}
}

// maxExpand returns the largest output of ExpandWithLabel: its KDFLabel
// length is a uint16, and HKDF-Expand yields at most 255*KDF.Nh bytes.
func maxExpand(s *suite.Suite) int { return min(1<<16-1, 255*s.Nh()) }

// Export implements MLS-Exporter(Label, Context, Length) of RFC 9420,
// Section 8.5: ExpandWithLabel(DeriveSecret(exporter_secret, Label),
// "exported", Hash(Context), Length).
func (x ExporterSecret) Export(s *suite.Suite, label string, context []byte, length int) ([]byte, error) {
	if err := checkSecret(s, "exporter_secret", x); err != nil {
		return nil, err
	}
	if length < 0 || length > maxExpand(s) {
		return nil, fmt.Errorf("MLS-Exporter length %d, want 0..%d: %w", length, maxExpand(s), ErrExportLength)
	}
	inner := s.DeriveSecret(x, label)
	defer clear(inner)
	return s.ExpandWithLabel(inner, "exported", s.Hash(context), length), nil
}

// KeyPair implements external_priv, external_pub =
// KEM.DeriveKeyPair(external_secret) (RFC 9420, Section 8). The public key
// is the returned key's PublicKey().
func (x ExternalSecret) KeyPair(s *suite.Suite) (*suite.HPKEPrivateKey, error) {
	if err := checkSecret(s, "external_secret", x); err != nil {
		return nil, err
	}
	return s.DeriveKeyPair(x)
}

// externalInitLabel is the HPKE exporter context of RFC 9420, Section 8.3.
const externalInitLabel = "MLS 1.0 external init secret"

// NewExternalInit implements the joiner's side of RFC 9420, Section 8.3:
// kem_output, context = SetupBaseS(external_pub, ""), init_secret =
// context.export("MLS 1.0 external init secret", KDF.Nh). The ephemeral
// key is drawn from rand.
func NewExternalInit(s *suite.Suite, externalPub []byte, rand io.Reader) (kemOutput []byte, init InitSecret, err error) {
	enc, secret, err := s.SendExport(externalPub, nil, []byte(externalInitLabel), s.Nh(), rand)
	if err != nil {
		return nil, nil, fmt.Errorf("external init: %w", err)
	}
	return enc, secret, nil
}

// ReceiveExternalInit implements the group's side of RFC 9420, Section
// 8.3: context = SetupBaseR(kem_output, external_priv, ""), init_secret =
// context.export("MLS 1.0 external init secret", KDF.Nh), where
// external_priv is derived from this epoch's external_secret.
func (x ExternalSecret) ReceiveExternalInit(s *suite.Suite, kemOutput []byte) (InitSecret, error) {
	priv, err := x.KeyPair(s)
	if err != nil {
		return nil, err
	}
	secret, err := s.ReceiveExport(priv, kemOutput, nil, []byte(externalInitLabel), s.Nh())
	if err != nil {
		return nil, fmt.Errorf("external init: %w", err)
	}
	return secret, nil
}

// KeyNonce implements RFC 9420, Section 12.4.3.1: welcome_key =
// ExpandWithLabel(welcome_secret, "key", "", AEAD.Nk) and welcome_nonce =
// ExpandWithLabel(welcome_secret, "nonce", "", AEAD.Nn), which encrypt the
// GroupInfo of a Welcome.
func (w WelcomeSecret) KeyNonce(s *suite.Suite) (key, nonce []byte, err error) {
	if err := checkSecret(s, "welcome_secret", w); err != nil {
		return nil, nil, err
	}
	return s.ExpandWithLabel(w, "key", nil, s.AEADKeySize()),
		s.ExpandWithLabel(w, "nonce", nil, s.AEADNonceSize()), nil
}

// Tag implements membership_tag = MAC(membership_key,
// AuthenticatedContentTBM) (RFC 9420, Section 6.2); tbm is the encoded
// AuthenticatedContentTBM.
func (k MembershipKey) Tag(s *suite.Suite, tbm []byte) ([]byte, error) {
	if err := checkSecret(s, "membership_key", k); err != nil {
		return nil, err
	}
	return s.MAC(k, tbm), nil
}

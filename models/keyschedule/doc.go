// Package keyschedule implements the MLS key schedule, transcript hashes
// and secret tree of RFC 9420 (https://www.rfc-editor.org/rfc/rfc9420):
//
//   - the GroupContext and its encoding (Section 8.1),
//   - the epoch key schedule from init_secret, commit_secret, psk_secret and
//     the GroupContext to every epoch secret (Section 8), the Welcome entry
//     from joiner_secret, and group creation from a fresh epoch_secret
//     (Section 11),
//   - confirmed and interim transcript hashes and the confirmation tag
//     (Sections 8.2 and 6.1),
//   - external initialization (Section 8.3), pre-shared keys and psk_secret
//     (Section 8.4), the exporter (Section 8.5),
//   - the secret tree with its handshake and application ratchets
//     (Section 9), the deletion schedule (Section 9.2), and the sender data
//     key and nonce and reuse guard of message encryption (Section 6.3).
//
// Every kind of secret has its own type (JoinerSecret, EncryptionSecret,
// ConfirmationKey, ...), so one cannot be passed where another is expected
// without an explicit conversion, and the operations that use a secret are
// methods of its type. All of them are KDF.Nh bytes long; functions that take
// a secret check its length and return an error wrapping ErrSecretLength.
//
// The secret tree is lazy: only the path to a leaf is derived, when that
// leaf's ratchets are first used, and consumed values are deleted as
// Section 9.2 requires. What it still holds is reported by Retained, Counts
// and Derivable, for the simulator's exposure oracle.
package keyschedule

import "errors"

// Sentinel errors. Errors returned by this package wrap one of these (or a
// wire.ErrMalformed decoding error) and say which check failed.
var (
	// ErrSecretLength: a secret is not KDF.Nh bytes long.
	ErrSecretLength = errors.New("secret has the wrong length")
	// ErrSuiteMismatch: a GroupContext names another cipher suite.
	ErrSuiteMismatch = errors.New("cipher suite mismatch")
	// ErrExportLength: an exporter or KDF output length is out of range.
	ErrExportLength = errors.New("output length out of range")
	// ErrInvalidPSK: a PreSharedKeyID or PSK list is invalid.
	ErrInvalidPSK = errors.New("invalid pre-shared key")
	// ErrConfirmationTag: a confirmation tag does not verify.
	ErrConfirmationTag = errors.New("confirmation tag mismatch")
	// ErrNotCommit: an AuthenticatedContent does not carry a Commit.
	ErrNotCommit = errors.New("content is not a commit")

	// ErrLeafOutOfRange: a leaf index is outside the secret tree.
	ErrLeafOutOfRange = errors.New("leaf index out of range")
	// ErrGenerationConsumed: the key of a generation was already handed
	// out and deleted (Section 9.2).
	ErrGenerationConsumed = errors.New("generation already consumed")
	// ErrGenerationTooOld: a generation is further behind the newest one
	// than the out-of-order tolerance; its key was deleted or never kept.
	ErrGenerationTooOld = errors.New("generation too old")
	// ErrGenerationTooFar: a generation is further ahead of the ratchet
	// than the maximum forward distance.
	ErrGenerationTooFar = errors.New("generation too far ahead")
	// ErrRatchetExhausted: the ratchet has produced generation 2^32-1, the
	// last one a uint32 can name.
	ErrRatchetExhausted = errors.New("ratchet exhausted")
	// ErrErased: the secret tree was erased.
	ErrErased = errors.New("secret tree erased")
)

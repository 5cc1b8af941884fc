package keyschedule

import (
	"bytes"
	"fmt"

	"cgkalab/models/suite"
	"cgkalab/models/wire"
)

// Transcript hashes (RFC 9420, Section 8.2).
//
// A Commit's AuthenticatedContent is
//
//	wire_format || FramedContent || signature<V> || confirmation_tag<V>
//
// (Section 6: AuthenticatedContent = {wire_format, content, auth} and, for
// a commit, FramedContentAuthData = {signature<V>, confirmation_tag<V>}).
// ConfirmedTranscriptHashInput is the first three fields, i.e. the
// AuthenticatedContent without its last field, and
// InterimTranscriptHashInput is that last field, confirmation_tag<V>.
// Callers that build or decode the structure themselves pass the encoded
// prefix and the raw tag; callers holding only the encoded
// AuthenticatedContent split it with SplitCommitContent.

// ConfirmedTranscriptHash implements RFC 9420, Section 8.2:
// confirmed_transcript_hash_[epoch] = Hash(interim_transcript_hash_[epoch-1]
// || ConfirmedTranscriptHashInput_[epoch]), where confirmedInput is the
// encoded ConfirmedTranscriptHashInput (wire_format || FramedContent ||
// signature<V>). The interim hash of epoch 0 is the empty string.
func ConfirmedTranscriptHash(s *suite.Suite, interimBefore, confirmedInput []byte) []byte {
	h := s.NewHash()
	h.Write(interimBefore)
	h.Write(confirmedInput)
	return h.Sum(nil)
}

// InterimTranscriptHash implements RFC 9420, Section 8.2:
// interim_transcript_hash_[epoch] = Hash(confirmed_transcript_hash_[epoch]
// || InterimTranscriptHashInput_[epoch]), where InterimTranscriptHashInput
// is the MAC confirmation_tag, encoded as opaque<V>; confirmationTag is the
// raw tag.
func InterimTranscriptHash(s *suite.Suite, confirmed, confirmationTag []byte) []byte {
	h := s.NewHash()
	h.Write(confirmed)
	h.Write(wire.AppendVarint(nil, len(confirmationTag)))
	h.Write(confirmationTag)
	return h.Sum(nil)
}

// Tag implements confirmation_tag = MAC(confirmation_key,
// GroupContext.confirmed_transcript_hash) (RFC 9420, Section 6.1).
func (k ConfirmationKey) Tag(s *suite.Suite, confirmedTranscriptHash []byte) ([]byte, error) {
	if err := checkSecret(s, "confirmation_key", k); err != nil {
		return nil, err
	}
	return s.MAC(k, confirmedTranscriptHash), nil
}

// Verify checks a confirmation tag in constant time (RFC 9420, Sections
// 6.1 and 12.4.2). A mismatch returns an error wrapping ErrConfirmationTag.
func (k ConfirmationKey) Verify(s *suite.Suite, confirmedTranscriptHash, tag []byte) error {
	if err := checkSecret(s, "confirmation_key", k); err != nil {
		return err
	}
	if !s.VerifyMAC(k, confirmedTranscriptHash, tag) {
		return fmt.Errorf("confirmation_tag does not match MAC(confirmation_key, confirmed_transcript_hash): %w", ErrConfirmationTag)
	}
	return nil
}

// Wire formats an AuthenticatedContent may carry (RFC 9420, Section 17.2).
const (
	wireFormatPublicMessage  = 1
	wireFormatPrivateMessage = 2
)

// Sender types and content types of RFC 9420, Section 6.
const (
	senderMember            = 1
	senderExternal          = 2
	senderNewMemberProposal = 3
	senderNewMemberCommit   = 4
	contentTypeCommit       = 3
)

// SplitCommitContent splits an encoded AuthenticatedContent carrying a
// Commit (RFC 9420, Section 6) into the encoded
// ConfirmedTranscriptHashInput and the raw confirmation tag.
//
// It decodes the FramedContent header (wire_format, group_id, epoch,
// sender, authenticated_data, content_type) and fails with ErrNotCommit
// unless content_type is commit. The Commit itself is not decoded (its
// LeafNode credential may be of a type only the application knows); the
// split relies instead on confirmation_tag being the last field and a MAC
// of exactly KDF.Nh bytes, so its opaque<V> encoding is the last
// VarintLen(Nh)+Nh bytes. A tag of another length is rejected here or
// fails verification later; it can never verify.
func SplitCommitContent(s *suite.Suite, authenticatedContent []byte) (confirmedInput, confirmationTag []byte, err error) {
	r := wire.NewReader(authenticatedContent, "AuthenticatedContent")
	wf := r.U16()
	if r.OK() && wf != wireFormatPublicMessage && wf != wireFormatPrivateMessage {
		r.Failf("wire_format %d is neither mls_public_message nor mls_private_message", wf)
	}
	var contentType uint8
	r.Struct("FramedContent", func(r *wire.Reader) {
		r.Opaque() // group_id
		r.U64()    // epoch
		r.Struct("Sender", func(r *wire.Reader) {
			switch t := r.U8(); t {
			case senderMember, senderExternal:
				r.U32()
			case senderNewMemberProposal, senderNewMemberCommit:
			default:
				r.Failf("unknown sender_type %d", t)
			}
		})
		r.Opaque() // authenticated_data
		contentType = r.U8()
	})
	if err := r.Err(); err != nil {
		return nil, nil, err
	}
	if contentType != contentTypeCommit {
		return nil, nil, fmt.Errorf("AuthenticatedContent content_type %d, want commit (3): %w", contentType, ErrNotCommit)
	}
	header := wire.AppendVarint(nil, s.Nh())
	// What remains holds the Commit (at least proposals<V> and the
	// optional path: 2 bytes), signature<V> (at least 1 byte) and the tag.
	rest := len(authenticatedContent) - r.Offset()
	tail := len(header) + s.Nh()
	if rest < 3+tail {
		return nil, nil, fmt.Errorf("AuthenticatedContent: %d bytes after content_type, too few for a Commit, signature and %d-byte confirmation_tag: %w",
			rest, s.Nh(), wire.ErrMalformed)
	}
	split := len(authenticatedContent) - tail
	if !bytes.Equal(authenticatedContent[split:split+len(header)], header) {
		return nil, nil, fmt.Errorf("AuthenticatedContent: last field is not a %d-byte confirmation_tag (header %x, want %x): %w",
			s.Nh(), authenticatedContent[split:split+len(header)], header, wire.ErrMalformed)
	}
	return authenticatedContent[:split:split], authenticatedContent[split+len(header):], nil
}

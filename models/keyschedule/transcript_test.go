package keyschedule

import (
	"bytes"
	"errors"
	"fmt"
	"testing"

	"cgkalab/models/suite"
	"cgkalab/models/vectors"
	"cgkalab/models/vectors/vectortest"
	"cgkalab/models/wire"
)

// transcriptCase is one entry of transcript-hashes.json (test-vectors.md,
// "Transcript Hashes").
type transcriptCase struct {
	CipherSuite                  suite.ID    `json:"cipher_suite"`
	ConfirmationKey              vectors.Hex `json:"confirmation_key"`
	AuthenticatedContent         vectors.Hex `json:"authenticated_content"`
	InterimTranscriptHashBefore  vectors.Hex `json:"interim_transcript_hash_before"`
	ConfirmedTranscriptHashAfter vectors.Hex `json:"confirmed_transcript_hash_after"`
	InterimTranscriptHashAfter   vectors.Hex `json:"interim_transcript_hash_after"`
}

func TestTranscriptHashVectors(t *testing.T) {
	var cases []transcriptCase
	vectortest.Load(t, "transcript-hashes.json", &cases)
	for i, c := range cases {
		t.Run(fmt.Sprintf("%d/suite=%d", i, c.CipherSuite), func(t *testing.T) {
			s, err := suite.ByID(c.CipherSuite)
			if err != nil {
				t.Skipf("suite %d not implemented: %v", c.CipherSuite, err)
			}
			// authenticated_content contains a Commit: decode it field by
			// field, and check that SplitCommitContent agrees.
			confirmedInput, tag, err := parseAuthenticatedCommit(c.AuthenticatedContent)
			if err != nil {
				t.Fatalf("authenticated_content: %v", err)
			}
			in, tg, err := SplitCommitContent(s, c.AuthenticatedContent)
			if err != nil {
				t.Fatalf("SplitCommitContent: %v", err)
			}
			equal(t, "SplitCommitContent ConfirmedTranscriptHashInput", in, confirmedInput)
			equal(t, "SplitCommitContent confirmation_tag", tg, tag)

			// auth.confirmation_tag is a valid MAC of
			// confirmed_transcript_hash_after under confirmation_key.
			key := ConfirmationKey(c.ConfirmationKey)
			if err := key.Verify(s, c.ConfirmedTranscriptHashAfter, tag); err != nil {
				t.Errorf("confirmation_tag: %v", err)
			}
			want, err := key.Tag(s, c.ConfirmedTranscriptHashAfter)
			if err != nil {
				t.Fatal(err)
			}
			equal(t, "confirmation_tag", tag, want)

			// The hashes after are the update of
			// interim_transcript_hash_before with authenticated_content.
			confirmed := ConfirmedTranscriptHash(s, c.InterimTranscriptHashBefore, confirmedInput)
			equal(t, "confirmed_transcript_hash_after", confirmed, c.ConfirmedTranscriptHashAfter)
			interim := InterimTranscriptHash(s, confirmed, tag)
			equal(t, "interim_transcript_hash_after", interim, c.InterimTranscriptHashAfter)
		})
	}
}

// parseAuthenticatedCommit decodes an AuthenticatedContent carrying a Commit
// (RFC 9420, Sections 6 and 12.4) far enough to find its fields, and
// returns the encoded ConfirmedTranscriptHashInput (everything before
// confirmation_tag) and the confirmation tag. Inline proposals are skipped
// as the opaque vector they are; a path's LeafNode is decoded only for
// the basic and x509 credentials of Section 5.3.
func parseAuthenticatedCommit(data []byte) (confirmedInput, tag []byte, err error) {
	var split int
	err = wire.Unmarshal(data, "AuthenticatedContent", func(r *wire.Reader) {
		if wf := r.U16(); r.OK() && wf != 1 && wf != 2 {
			r.Failf("wire_format %d", wf)
		}
		r.Struct("FramedContent", func(r *wire.Reader) {
			r.Opaque() // group_id
			r.U64()    // epoch
			switch st := r.U8(); st {
			case 1, 2: // member, external
				r.U32()
			case 3, 4: // new_member_proposal, new_member_commit
			default:
				r.Failf("sender_type %d", st)
			}
			r.Opaque() // authenticated_data
			if ct := r.U8(); r.OK() && ct != 3 {
				r.Failf("content_type %d, want commit (3)", ct)
			}
			r.Struct("Commit", func(r *wire.Reader) {
				r.Opaque() // ProposalOrRef proposals<V>
				r.Optional(func(r *wire.Reader) {
					r.Struct("UpdatePath", func(r *wire.Reader) {
						skipLeafNode(r)
						r.Opaque() // UpdatePathNode nodes<V>
					})
				})
			})
		})
		r.Struct("FramedContentAuthData", func(r *wire.Reader) {
			r.Opaque() // signature
			split = r.Offset()
			tag = r.Opaque() // confirmation_tag
		})
	})
	if err != nil {
		return nil, nil, err
	}
	return data[:split], tag, nil
}

// skipLeafNode reads past a LeafNode (RFC 9420, Section 7.2).
func skipLeafNode(r *wire.Reader) {
	r.Struct("LeafNode", func(r *wire.Reader) {
		r.Opaque() // encryption_key
		r.Opaque() // signature_key
		switch ct := r.U16(); ct {
		case 1: // basic
			r.Opaque()
		case 2: // x509: Certificate certificates<V>
			r.Opaque()
		default:
			r.Failf("credential_type %d", ct)
		}
		for range 5 { // Capabilities: versions, cipher_suites, extensions, proposals, credentials
			r.Opaque()
		}
		switch src := r.U8(); src {
		case 1: // key_package: Lifetime
			r.U64()
			r.U64()
		case 2: // update
		case 3: // commit: parent_hash
			r.Opaque()
		default:
			r.Failf("leaf_node_source %d", src)
		}
		r.Opaque() // extensions
		r.Opaque() // signature
	})
}

// A committer's and a receiver's view of the transcript: confirmed hash,
// tag, interim hash, over two epochs; a wrong tag is rejected.
func TestTranscriptRoundTrip(t *testing.T) {
	for _, s := range suite.All() {
		t.Run(fmt.Sprintf("suite=%d", s.ID), func(t *testing.T) {
			key := ConfirmationKey(fill(seeded(11), s.Nh()))
			var interim []byte // interim_transcript_hash_[0] = ""
			for epoch := range 2 {
				// wire_format=1, group_id "g", epoch, member 3, no
				// authenticated data, commit with no proposals and no
				// path, a 4-byte signature.
				b := wire.NewBuilder(64)
				b.U16(1)
				b.Opaque([]byte("g"))
				b.U64(uint64(epoch))
				b.U8(1)
				b.U32(3)
				b.Opaque(nil)
				b.U8(3)
				b.Opaque(nil)
				b.U8(0)
				b.Opaque([]byte("sig!"))
				input := append([]byte(nil), b.Bytes()...)

				confirmed := ConfirmedTranscriptHash(s, interim, input)
				tag, err := key.Tag(s, confirmed)
				if err != nil {
					t.Fatal(err)
				}
				b.Opaque(tag)
				gotInput, gotTag, err := SplitCommitContent(s, b.Bytes())
				if err != nil {
					t.Fatal(err)
				}
				equal(t, "split input", gotInput, input)
				equal(t, "split tag", gotTag, tag)
				if err := key.Verify(s, confirmed, gotTag); err != nil {
					t.Fatal(err)
				}
				bad := bytes.Clone(tag)
				bad[0] ^= 1
				if err := key.Verify(s, confirmed, bad); !errors.Is(err, ErrConfirmationTag) {
					t.Fatalf("flipped tag: %v", err)
				}
				if err := key.Verify(s, confirmed, tag[:len(tag)-1]); !errors.Is(err, ErrConfirmationTag) {
					t.Fatalf("short tag: %v", err)
				}
				next := InterimTranscriptHash(s, confirmed, tag)
				h := s.NewHash()
				h.Write(confirmed)
				h.Write(wire.AppendVarint(nil, len(tag)))
				h.Write(tag)
				equal(t, "interim", next, h.Sum(nil))
				interim = next
			}
		})
	}
}

func TestSplitCommitContentErrors(t *testing.T) {
	s := mustSuite(t, 1)
	header := func(contentType uint8) *wire.Builder {
		b := wire.NewBuilder(64)
		b.U16(1)
		b.Opaque([]byte("g"))
		b.U64(0)
		b.U8(1)
		b.U32(0)
		b.Opaque(nil)
		b.U8(contentType)
		return b
	}
	b := header(1) // application
	b.Opaque([]byte("data"))
	b.Opaque([]byte("sig"))
	if _, _, err := SplitCommitContent(s, b.Bytes()); !errors.Is(err, ErrNotCommit) {
		t.Errorf("application content: %v, want ErrNotCommit", err)
	}
	b = header(3)
	b.Opaque(nil)
	b.U8(0)
	b.Opaque([]byte("sig"))
	b.Opaque(make([]byte, 16)) // a tag of the wrong length
	if _, _, err := SplitCommitContent(s, b.Bytes()); !errors.Is(err, wire.ErrMalformed) {
		t.Errorf("16-byte tag: %v, want ErrMalformed", err)
	}
	if _, _, err := SplitCommitContent(s, header(3).Bytes()); !errors.Is(err, wire.ErrMalformed) {
		t.Errorf("truncated: %v, want ErrMalformed", err)
	}
	if _, _, err := SplitCommitContent(s, []byte{0, 1, 5}); !errors.Is(err, wire.ErrMalformed) {
		t.Errorf("truncated header: %v, want ErrMalformed", err)
	}
	b = wire.NewBuilder(8)
	b.U16(9)
	if _, _, err := SplitCommitContent(s, b.Bytes()); !errors.Is(err, wire.ErrMalformed) {
		t.Errorf("wire_format 9: %v, want ErrMalformed", err)
	}
	_, err := ConfirmationKey(make([]byte, 3)).Tag(s, nil)
	wantErr(t, err, ErrSecretLength)
}

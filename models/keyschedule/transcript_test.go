package keyschedule

import (
	"bytes"
	"errors"
	"fmt"
	"testing"

	"cgkalab/models/suite"
	"cgkalab/models/wire"
)

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

package keyschedule

import (
	"bytes"
	"errors"
	"testing"

	"cgkalab/models/wire"
)

func TestPreSharedKeyIDEncoding(t *testing.T) {
	nonce := bytes.Repeat([]byte{0xaa}, 2)
	for _, tc := range []struct {
		id   PreSharedKeyID
		want []byte
	}{
		{PreSharedKeyID{Type: PSKTypeExternal, ID: []byte("id"), Nonce: nonce},
			[]byte{1, 2, 'i', 'd', 2, 0xaa, 0xaa}},
		{PreSharedKeyID{Type: PSKTypeResumption, Usage: ResumptionBranch, GroupID: []byte{7}, Epoch: 0x0102, Nonce: nonce},
			[]byte{2, 3, 1, 7, 0, 0, 0, 0, 0, 0, 1, 2, 2, 0xaa, 0xaa}},
	} {
		b := wire.NewBuilder(16)
		tc.id.Encode(b)
		equal(t, "encoding", b.Bytes(), tc.want)
		got, err := ParsePreSharedKeyID(tc.want)
		if err != nil {
			t.Fatal(err)
		}
		b.Reset()
		got.Encode(b)
		equal(t, "re-encoding", b.Bytes(), tc.want)
	}
	for _, bad := range [][]byte{
		{0, 0},                            // reserved psktype
		{3, 0},                            // unknown psktype
		{2, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0}, // reserved usage
		{2, 4, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0},
		{1, 2, 'i', 'd', 0, 9}, // trailing byte
		{1, 2, 'i'},            // truncated
	} {
		if _, err := ParsePreSharedKeyID(bad); !errors.Is(err, wire.ErrMalformed) {
			t.Errorf("ParsePreSharedKeyID(%x) = %v, want ErrMalformed", bad, err)
		}
	}
}

// Section 8.4: with no PSKs psk_secret is the zero vector; otherwise it
// depends on every PSK, its position and its nonce; invalid IDs fail.
func TestPSKSecret(t *testing.T) {
	s := mustSuite(t, 1)
	zero, err := NewPSKSecret(s, nil)
	if err != nil {
		t.Fatal(err)
	}
	equal(t, "no PSKs", zero, make([]byte, s.Nh()))

	r := seeded(12)
	ext := PSK{ID: PreSharedKeyID{Type: PSKTypeExternal, ID: []byte("x"), Nonce: fill(r, s.Nh())}, Secret: []byte("external")}
	res := PSK{ID: PreSharedKeyID{Type: PSKTypeResumption, Usage: ResumptionApplication, GroupID: []byte("g"), Epoch: 3, Nonce: fill(r, s.Nh())}, Secret: fill(r, s.Nh())}
	ab, err := NewPSKSecret(s, []PSK{ext, res})
	if err != nil {
		t.Fatal(err)
	}
	ba, err := NewPSKSecret(s, []PSK{res, ext})
	if err != nil {
		t.Fatal(err)
	}
	if bytes.Equal(ab, ba) || bytes.Equal(ab, zero) {
		t.Error("psk_secret does not depend on the order of the PSKs")
	}

	for name, p := range map[string]PSK{
		"short nonce":   {ID: PreSharedKeyID{Type: PSKTypeExternal, Nonce: make([]byte, 4)}},
		"reserved type": {ID: PreSharedKeyID{Nonce: make([]byte, s.Nh())}},
		"bad usage":     {ID: PreSharedKeyID{Type: PSKTypeResumption, Usage: 9, Nonce: make([]byte, s.Nh())}},
	} {
		if _, err := NewPSKSecret(s, []PSK{ext, p}); !errors.Is(err, ErrInvalidPSK) {
			t.Errorf("%s: %v, want ErrInvalidPSK", name, err)
		}
	}
	if _, err := NewPSKSecret(s, make([]PSK, 1<<16)); !errors.Is(err, ErrInvalidPSK) {
		t.Errorf("65536 PSKs: %v, want ErrInvalidPSK", err)
	}
}

package keyschedule

import (
	"fmt"

	"cgkalab/models/suite"
	"cgkalab/models/wire"
)

// PSKType is the kind of a pre-shared key (RFC 9420, Section 8.4).
type PSKType uint8

const (
	PSKTypeExternal   PSKType = 1 // provided by the application
	PSKTypeResumption PSKType = 2 // resumption_psk of an earlier epoch (Section 8.6)
)

// ResumptionPSKUsage says why a resumption PSK is injected (RFC 9420,
// Section 8.4).
type ResumptionPSKUsage uint8

const (
	ResumptionApplication ResumptionPSKUsage = 1
	ResumptionReInit      ResumptionPSKUsage = 2 // Section 11.2
	ResumptionBranch      ResumptionPSKUsage = 3 // Section 11.3
)

// PreSharedKeyID names a PSK (RFC 9420, Section 8.4). For an external PSK
// only ID is used; for a resumption PSK Usage, GroupID and Epoch. Nonce is
// the psk_nonce of either kind, KDF.Nh fresh random bytes.
type PreSharedKeyID struct {
	Type PSKType

	ID []byte // external: psk_id

	Usage   ResumptionPSKUsage // resumption
	GroupID []byte             // resumption: psk_group_id
	Epoch   uint64             // resumption: psk_epoch

	Nonce []byte // psk_nonce
}

// Encode appends the PreSharedKeyID encoding of RFC 9420, Section 8.4.
// Call Validate first: fields that do not belong to Type are not written,
// and an unknown Type writes only the type and nonce.
func (id *PreSharedKeyID) Encode(b *wire.Builder) {
	b.U8(uint8(id.Type))
	switch id.Type {
	case PSKTypeExternal:
		b.Opaque(id.ID)
	case PSKTypeResumption:
		b.U8(uint8(id.Usage))
		b.Opaque(id.GroupID)
		b.U64(id.Epoch)
	}
	b.Opaque(id.Nonce)
}

// Decode reads a PreSharedKeyID from r. Unknown or reserved psktype and
// usage values are errors. Byte fields are copied out of the input.
func (id *PreSharedKeyID) Decode(r *wire.Reader) {
	r.Struct("PreSharedKeyID", id.decodeFields)
}

func (id *PreSharedKeyID) decodeFields(r *wire.Reader) {
	*id = PreSharedKeyID{Type: PSKType(r.U8())}
	switch id.Type {
	case PSKTypeExternal:
		id.ID = r.OpaqueCopy()
	case PSKTypeResumption:
		id.Usage = ResumptionPSKUsage(r.U8())
		if r.OK() && (id.Usage < ResumptionApplication || id.Usage > ResumptionBranch) {
			r.Failf("unknown ResumptionPSKUsage %d", id.Usage)
			return
		}
		id.GroupID = r.OpaqueCopy()
		id.Epoch = r.U64()
	default:
		if r.OK() {
			r.Failf("unknown PSKType %d", id.Type)
		}
		return
	}
	id.Nonce = r.OpaqueCopy()
}

// ParsePreSharedKeyID decodes an encoded PreSharedKeyID, rejecting
// trailing bytes. Errors wrap wire.ErrMalformed.
func ParsePreSharedKeyID(data []byte) (*PreSharedKeyID, error) {
	id := new(PreSharedKeyID)
	if err := wire.Unmarshal(data, "PreSharedKeyID", id.decodeFields); err != nil {
		return nil, err
	}
	return id, nil
}

// Validate checks the PreSharedKeyID for the group's suite s: a known
// type and usage, and a psk_nonce of length KDF.Nh (RFC 9420, Section
// 12.1.4). Whether a reinit or branch usage is allowed depends on the
// operation and is the caller's check.
func (id *PreSharedKeyID) Validate(s *suite.Suite) error {
	switch id.Type {
	case PSKTypeExternal:
	case PSKTypeResumption:
		if id.Usage < ResumptionApplication || id.Usage > ResumptionBranch {
			return fmt.Errorf("unknown ResumptionPSKUsage %d: %w", id.Usage, ErrInvalidPSK)
		}
	default:
		return fmt.Errorf("unknown PSKType %d: %w", id.Type, ErrInvalidPSK)
	}
	if len(id.Nonce) != s.Nh() {
		return fmt.Errorf("psk_nonce is %d bytes, want KDF.Nh = %d: %w", len(id.Nonce), s.Nh(), ErrInvalidPSK)
	}
	return nil
}

// PSK is one pre-shared key to inject: its identifier and its value
// (psk_[i]: the external key, or the resumption_psk of the named epoch).
type PSK struct {
	ID     PreSharedKeyID
	Secret []byte
}

// NewPSKSecret implements psk_secret of RFC 9420, Section 8.4, for the PSKs
// in the order of the Commit's PreSharedKey proposals (or of
// GroupSecrets.psks):
//
//	psk_extracted_[i] = KDF.Extract(0, psk_[i])
//	psk_input_[i]     = ExpandWithLabel(psk_extracted_[i], "derived psk", PSKLabel, KDF.Nh)
//	psk_secret_[0]    = 0
//	psk_secret_[i]    = KDF.Extract(psk_input_[i-1], psk_secret_[i-1])
//
// with PSKLabel = {id, uint16 index, uint16 count}. With no PSKs the result
// is the all-zero vector of length KDF.Nh.
func NewPSKSecret(s *suite.Suite, psks []PSK) (PSKSecret, error) {
	if len(psks) > 1<<16-1 {
		return nil, fmt.Errorf("%d PSKs, PSKLabel.count holds at most 65535: %w", len(psks), ErrInvalidPSK)
	}
	zero := make([]byte, s.Nh())
	secret := zero
	b := wire.NewBuilder(64)
	for i := range psks {
		p := &psks[i]
		if err := p.ID.Validate(s); err != nil {
			return nil, fmt.Errorf("PSK %d of %d: %w", i, len(psks), err)
		}
		b.Reset()
		p.ID.Encode(b)
		b.U16(uint16(i))
		b.U16(uint16(len(psks)))
		extracted := s.Extract(zero, p.Secret)
		input := s.ExpandWithLabel(extracted, "derived psk", b.Bytes(), s.Nh())
		next := s.Extract(input, secret)
		clear(extracted)
		clear(input)
		if i > 0 {
			clear(secret)
		}
		secret = next
	}
	return secret, nil
}

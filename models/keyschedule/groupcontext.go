package keyschedule

import (
	"cgkalab/models/extension"
	"cgkalab/models/suite"
	"cgkalab/models/wire"
)

// ProtocolVersionMLS10 is ProtocolVersion mls10 (RFC 9420, Section 6), the
// only version a GroupContext encodes.
const ProtocolVersionMLS10 uint16 = 1

// GroupContext summarizes the state of a group in one epoch (RFC 9420,
// Section 8.1). Its version is always mls10 and is not stored.
type GroupContext struct {
	CipherSuite             suite.ID
	GroupID                 []byte
	Epoch                   uint64
	TreeHash                []byte
	ConfirmedTranscriptHash []byte
	Extensions              []extension.Extension
}

// Encode appends the GroupContext encoding of RFC 9420, Section 8.1:
// version, cipher_suite, group_id<V>, epoch, tree_hash<V>,
// confirmed_transcript_hash<V>, extensions<V>.
func (gc *GroupContext) Encode(b *wire.Builder) {
	b.U16(ProtocolVersionMLS10)
	b.U16(uint16(gc.CipherSuite))
	b.Opaque(gc.GroupID)
	b.U64(gc.Epoch)
	b.Opaque(gc.TreeHash)
	b.Opaque(gc.ConfirmedTranscriptHash)
	extension.Encode(b, gc.Extensions)
}

// Bytes returns the encoded GroupContext.
func (gc *GroupContext) Bytes() []byte {
	n := 2 + 2 + 8 + wire.OpaqueLen(len(gc.GroupID)) + wire.OpaqueLen(len(gc.TreeHash)) +
		wire.OpaqueLen(len(gc.ConfirmedTranscriptHash)) + 4
	for _, e := range gc.Extensions {
		n += 2 + wire.OpaqueLen(len(e.Data))
	}
	b := wire.NewBuilder(n)
	gc.Encode(b)
	return b.Bytes()
}

// Decode reads a GroupContext from r (for embedding in larger structures
// such as GroupInfo). A version other than mls10 is an error. Byte fields
// are copied out of the input.
func (gc *GroupContext) Decode(r *wire.Reader) {
	r.Struct("GroupContext", gc.decodeFields)
}

func (gc *GroupContext) decodeFields(r *wire.Reader) {
	if v := r.U16(); r.OK() && v != ProtocolVersionMLS10 {
		r.Failf("protocol version %d, want mls10 (1)", v)
		return
	}
	gc.CipherSuite = suite.ID(r.U16())
	gc.GroupID = r.OpaqueCopy()
	gc.Epoch = r.U64()
	gc.TreeHash = r.OpaqueCopy()
	gc.ConfirmedTranscriptHash = r.OpaqueCopy()
	gc.Extensions = extension.Decode(r)
}

// ParseGroupContext decodes an encoded GroupContext, rejecting trailing
// bytes. Errors wrap wire.ErrMalformed.
func ParseGroupContext(data []byte) (*GroupContext, error) {
	gc := new(GroupContext)
	if err := wire.Unmarshal(data, "GroupContext", gc.decodeFields); err != nil {
		return nil, err
	}
	return gc, nil
}

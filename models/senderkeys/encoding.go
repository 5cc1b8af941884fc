package senderkeys

import (
	"fmt"

	"cgkalab/models/wire"
)

// The wire encodings, in the TLS presentation language (models/wire):
//
//	struct {
//	    uint32 key_id;           // the sender's key generation
//	    uint32 iteration;        // the chain key's position
//	    opaque chain_key<V>;     // Nh bytes
//	    opaque signature_key<V>; // the sender key's signature public key
//	} SenderKeyDistribution;     // the plaintext of a pairwise message
//
//	struct {
//	    uint32 key_id;
//	    uint32 iteration;
//	    opaque ciphertext<V>;    // AEAD(message key, payload, key_id || iteration)
//	    opaque signature<V>;     // SignWithLabel(sender key, "cgkalab sender key message", all above)
//	} SenderKeyMessage;          // uploaded once, fanned out by the server
//
// libsignal's messages carry the same fields in protobuf with a version
// byte and a 16-byte distribution id; the sender is the transport's
// metadata in both.

// Distribution is a SenderKeyDistribution.
type Distribution struct {
	KeyID, Iteration uint32
	ChainKey         []byte
	SignatureKey     []byte
}

// Message is a SenderKeyMessage.
type Message struct {
	KeyID, Iteration uint32
	Ciphertext       []byte
	Signature        []byte
}

func encodeDistribution(d *Distribution) []byte {
	b := wire.NewBuilder(16 + len(d.ChainKey) + len(d.SignatureKey))
	b.U32(d.KeyID)
	b.U32(d.Iteration)
	b.Opaque(d.ChainKey)
	b.Opaque(d.SignatureKey)
	return b.Bytes()
}

func decodeDistribution(data []byte, nh int) (*Distribution, error) {
	d := &Distribution{}
	err := wire.Unmarshal(data, "SenderKeyDistribution", func(r *wire.Reader) {
		d.KeyID = r.U32()
		d.Iteration = r.U32()
		d.ChainKey = r.OpaqueCopy()
		d.SignatureKey = r.OpaqueCopy()
		if r.OK() && len(d.ChainKey) != nh {
			r.Failf("chain_key is %d bytes, want %d", len(d.ChainKey), nh)
		}
	})
	if err != nil {
		return nil, fmt.Errorf("sender key distribution: %w", err)
	}
	return d, nil
}

// header is what the AEAD authenticates: key_id || iteration.
func header(keyID, iteration uint32) []byte {
	b := wire.NewBuilder(8)
	b.U32(keyID)
	b.U32(iteration)
	return b.Bytes()
}

// signedContent is the encoding up to the signature.
func signedContent(m *Message) []byte {
	b := wire.NewBuilder(16 + len(m.Ciphertext))
	b.U32(m.KeyID)
	b.U32(m.Iteration)
	b.Opaque(m.Ciphertext)
	return b.Bytes()
}

func encodeMessage(m *Message) []byte {
	b := wire.NewBuilder(16 + len(m.Ciphertext) + len(m.Signature))
	b.Raw(signedContent(m))
	b.Opaque(m.Signature)
	return b.Bytes()
}

func decodeMessage(data []byte) (*Message, error) {
	m := &Message{}
	err := wire.Unmarshal(data, "SenderKeyMessage", func(r *wire.Reader) {
		m.KeyID = r.U32()
		m.Iteration = r.U32()
		m.Ciphertext = r.OpaqueCopy()
		m.Signature = r.OpaqueCopy()
	})
	if err != nil {
		return nil, fmt.Errorf("sender key message: %w", err)
	}
	return m, nil
}

package dratchet

import (
	"fmt"

	"cgkalab/models/wire"
)

// The wire encodings, in the TLS presentation language as RFC 9420,
// Section 2.1 uses it (models/wire). Fields that exist only in one mode
// are marked [DH] or [KEM]; both ends know the mode from the cipher suite.
//
//	struct {
//	    opaque ratchet_key<V>;       // the sender's current ratchet public key
//	    opaque kem_ciphertext<V>;    // [KEM] encapsulation to the peer's previous ratchet key
//	    uint32 previous_chain_length; // PN
//	    uint32 message_number;        // N
//	} Header;
//
//	struct {
//	    Header header;
//	    opaque ciphertext<V>;  // AEAD(message key, plaintext, AD || Header)
//	} RatchetMessage;
//
//	struct {
//	    uint32 id;
//	    opaque ciphertext<V>;  // [KEM] encapsulation to the one-time prekey
//	} OneTimePrekeyUse;
//
//	struct {
//	    uint32 signed_prekey_id;
//	    optional<OneTimePrekeyUse> one_time_prekey;
//	    opaque identity_key<V>;         // the initiator's identity key [DH] or signature key [KEM]
//	    opaque base_key<V>;             // [DH] the initiator's ephemeral key
//	    opaque identity_ciphertext<V>;  // [KEM] encapsulation to the responder's identity key
//	    RatchetMessage message;
//	    opaque signature<V>;            // [KEM] by identity_key over everything above
//	} PreKeyMessage;
//
//	enum { prekey(1), ratchet(2), (255) } PairwiseType;
//	struct {
//	    PairwiseType type;
//	    select (type) {
//	        case prekey:  PreKeyMessage;
//	        case ratchet: RatchetMessage;
//	    };
//	} PairwiseMessage;
//
//	struct {
//	    uint32 id;
//	    opaque key<V>;
//	} OneTimePrekey;
//
//	struct {
//	    opaque signature_key<V>;           // the identity signature key
//	    opaque identity_key<V>;            // identity DH or KEM public key
//	    uint32 signed_prekey_id;
//	    opaque signed_prekey<V>;
//	    opaque signed_prekey_signature<V>; // SignWithLabel over SignedPrekeyTBS
//	} PrekeyBase;
//
//	struct {
//	    PrekeyBase base;
//	    optional<OneTimePrekey> one_time_prekey;
//	} PrekeyBundle;          // what an initiator fetches: at most one one-time prekey
//
//	struct {
//	    PrekeyBase base;
//	    OneTimePrekey one_time_prekeys<V>;
//	} PrekeyUpload;          // what a client registers
//
//	struct {
//	    OneTimePrekey one_time_prekeys<V>;
//	} PrekeyRefill;          // more one-time prekeys
//
//	struct {
//	    opaque identity_key<V>;
//	    uint32 signed_prekey_id;
//	    opaque signed_prekey<V>;
//	} SignedPrekeyTBS;

// Header is a Double Ratchet message header.
type Header struct {
	RatchetKey    []byte
	KEMCiphertext []byte // KEM mode
	PN, N         uint32
}

// RatchetMessage is a Double Ratchet message.
type RatchetMessage struct {
	Header     Header
	Ciphertext []byte
}

// PreKeyMessage is a session's first message.
type PreKeyMessage struct {
	SignedPrekeyID uint32
	HasOneTime     bool
	OneTimeID      uint32
	OneTimeCT      []byte // KEM mode
	IdentityKey    []byte
	BaseKey        []byte // DH mode
	IdentityCT     []byte // KEM mode
	Message        RatchetMessage
	Signature      []byte // KEM mode
}

// OneTimePrekey is a one-time prekey's public half.
type OneTimePrekey struct {
	ID  uint32
	Key []byte
}

// PrekeyBase is the long-lived part of a client's prekeys.
type PrekeyBase struct {
	SignatureKey   []byte
	IdentityKey    []byte
	SignedPrekeyID uint32
	SignedPrekey   []byte
	Signature      []byte
}

// PrekeyBundle is what an initiator fetches from the server.
type PrekeyBundle struct {
	Base    PrekeyBase
	OneTime *OneTimePrekey
}

// Message types of PairwiseMessage.
const (
	TypePreKey  uint8 = 1
	TypeRatchet uint8 = 2
)

// PairwiseMessage is a PreKeyMessage or a RatchetMessage.
type PairwiseMessage struct {
	Type    uint8
	PreKey  *PreKeyMessage
	Ratchet *RatchetMessage
}

func (c *Crypto) kem() bool { return c.dh == nil }

// writeHeader appends a Header.
func (c *Crypto) writeHeader(b *wire.Builder, h *Header) {
	b.Opaque(h.RatchetKey)
	if c.kem() {
		b.Opaque(h.KEMCiphertext)
	}
	b.U32(h.PN)
	b.U32(h.N)
}

// EncodeHeader returns the encoded Header.
func (c *Crypto) EncodeHeader(h *Header) []byte {
	b := wire.NewBuilder(16 + len(h.RatchetKey) + len(h.KEMCiphertext))
	c.writeHeader(b, h)
	return b.Bytes()
}

func (c *Crypto) readHeader(r *wire.Reader, h *Header) {
	r.Struct("Header", func(r *wire.Reader) {
		h.RatchetKey = r.OpaqueCopy()
		if c.kem() {
			h.KEMCiphertext = r.OpaqueCopy()
		}
		h.PN = r.U32()
		h.N = r.U32()
		c.checkKey(r, "ratchet_key", h.RatchetKey)
		if c.kem() && r.OK() && len(h.KEMCiphertext) != c.KEMCiphertextSize() {
			r.Failf("kem_ciphertext is %d bytes, want %d", len(h.KEMCiphertext), c.KEMCiphertextSize())
		}
	})
}

// checkKey fails r when a public key has the wrong length.
func (c *Crypto) checkKey(r *wire.Reader, field string, key []byte) {
	if r.OK() && len(key) != c.PublicKeySize() {
		r.Failf("%s is %d bytes, want %d", field, len(key), c.PublicKeySize())
	}
}

func (c *Crypto) writeRatchet(b *wire.Builder, m *RatchetMessage) {
	c.writeHeader(b, &m.Header)
	b.Opaque(m.Ciphertext)
}

func (c *Crypto) readRatchet(r *wire.Reader, m *RatchetMessage) {
	r.Struct("RatchetMessage", func(r *wire.Reader) {
		c.readHeader(r, &m.Header)
		m.Ciphertext = r.OpaqueCopy()
	})
}

// writePreKey appends a PreKeyMessage; with sig false it stops before the
// signature (the signed content in KEM mode).
func (c *Crypto) writePreKey(b *wire.Builder, m *PreKeyMessage, sig bool) {
	b.U32(m.SignedPrekeyID)
	b.Optional(m.HasOneTime, func(b *wire.Builder) {
		b.U32(m.OneTimeID)
		if c.kem() {
			b.Opaque(m.OneTimeCT)
		}
	})
	b.Opaque(m.IdentityKey)
	if c.kem() {
		b.Opaque(m.IdentityCT)
	} else {
		b.Opaque(m.BaseKey)
	}
	c.writeRatchet(b, &m.Message)
	if c.kem() && sig {
		b.Opaque(m.Signature)
	}
}

func (c *Crypto) readPreKey(r *wire.Reader, m *PreKeyMessage) {
	r.Struct("PreKeyMessage", func(r *wire.Reader) {
		m.SignedPrekeyID = r.U32()
		m.HasOneTime = r.Optional(func(r *wire.Reader) {
			m.OneTimeID = r.U32()
			if c.kem() {
				m.OneTimeCT = r.OpaqueCopy()
				if r.OK() && len(m.OneTimeCT) != c.KEMCiphertextSize() {
					r.Failf("one-time prekey ciphertext is %d bytes, want %d", len(m.OneTimeCT), c.KEMCiphertextSize())
				}
			}
		})
		m.IdentityKey = r.OpaqueCopy()
		if c.kem() {
			m.IdentityCT = r.OpaqueCopy()
			if r.OK() && len(m.IdentityCT) != c.KEMCiphertextSize() {
				r.Failf("identity_ciphertext is %d bytes, want %d", len(m.IdentityCT), c.KEMCiphertextSize())
			}
		} else {
			m.BaseKey = r.OpaqueCopy()
			c.checkKey(r, "identity_key", m.IdentityKey)
			c.checkKey(r, "base_key", m.BaseKey)
		}
		c.readRatchet(r, &m.Message)
		if c.kem() {
			m.Signature = r.OpaqueCopy()
		}
	})
}

// EncodePairwise returns the encoded PairwiseMessage.
func (c *Crypto) EncodePairwise(m *PairwiseMessage) []byte {
	b := wire.NewBuilder(256)
	b.U8(m.Type)
	switch m.Type {
	case TypePreKey:
		c.writePreKey(b, m.PreKey, true)
	case TypeRatchet:
		c.writeRatchet(b, m.Ratchet)
	}
	return b.Bytes()
}

// DecodePairwise parses a PairwiseMessage.
func (c *Crypto) DecodePairwise(data []byte) (*PairwiseMessage, error) {
	m := &PairwiseMessage{}
	err := wire.Unmarshal(data, "PairwiseMessage", func(r *wire.Reader) {
		m.Type = r.U8()
		switch {
		case !r.OK():
		case m.Type == TypePreKey:
			m.PreKey = &PreKeyMessage{}
			c.readPreKey(r, m.PreKey)
		case m.Type == TypeRatchet:
			m.Ratchet = &RatchetMessage{}
			c.readRatchet(r, m.Ratchet)
		default:
			r.Failf("unknown message type %d", m.Type)
		}
	})
	if err != nil {
		return nil, fmt.Errorf("pairwise message: %w", err)
	}
	return m, nil
}

func writePrekeyBase(b *wire.Builder, p *PrekeyBase) {
	b.Opaque(p.SignatureKey)
	b.Opaque(p.IdentityKey)
	b.U32(p.SignedPrekeyID)
	b.Opaque(p.SignedPrekey)
	b.Opaque(p.Signature)
}

func (c *Crypto) readPrekeyBase(r *wire.Reader, p *PrekeyBase) {
	r.Struct("PrekeyBase", func(r *wire.Reader) {
		p.SignatureKey = r.OpaqueCopy()
		p.IdentityKey = r.OpaqueCopy()
		p.SignedPrekeyID = r.U32()
		p.SignedPrekey = r.OpaqueCopy()
		p.Signature = r.OpaqueCopy()
		c.checkKey(r, "identity_key", p.IdentityKey)
		c.checkKey(r, "signed_prekey", p.SignedPrekey)
	})
}

func writeOneTime(b *wire.Builder, k *OneTimePrekey) {
	b.U32(k.ID)
	b.Opaque(k.Key)
}

func (c *Crypto) readOneTime(r *wire.Reader) OneTimePrekey {
	var k OneTimePrekey
	r.Struct("OneTimePrekey", func(r *wire.Reader) {
		k.ID = r.U32()
		k.Key = r.OpaqueCopy()
		c.checkKey(r, "key", k.Key)
	})
	return k
}

// EncodeBundle returns the encoded PrekeyBundle.
func EncodeBundle(p *PrekeyBundle) []byte {
	b := wire.NewBuilder(256)
	writePrekeyBase(b, &p.Base)
	b.Optional(p.OneTime != nil, func(b *wire.Builder) { writeOneTime(b, p.OneTime) })
	return b.Bytes()
}

// DecodeBundle parses a PrekeyBundle.
func (c *Crypto) DecodeBundle(data []byte) (*PrekeyBundle, error) {
	p := &PrekeyBundle{}
	err := wire.Unmarshal(data, "PrekeyBundle", func(r *wire.Reader) {
		c.readPrekeyBase(r, &p.Base)
		r.Optional(func(r *wire.Reader) {
			k := c.readOneTime(r)
			p.OneTime = &k
		})
	})
	if err != nil {
		return nil, fmt.Errorf("prekey bundle: %w", err)
	}
	return p, nil
}

// EncodeUpload returns the encoded PrekeyUpload.
func EncodeUpload(base *PrekeyBase, keys []OneTimePrekey) []byte {
	b := wire.NewBuilder(256 + 40*len(keys))
	writePrekeyBase(b, base)
	b.Vector(func(b *wire.Builder) {
		for i := range keys {
			writeOneTime(b, &keys[i])
		}
	})
	return b.Bytes()
}

// DecodeUpload parses a PrekeyUpload.
func (c *Crypto) DecodeUpload(data []byte) (*PrekeyBase, []OneTimePrekey, error) {
	base := &PrekeyBase{}
	var keys []OneTimePrekey
	err := wire.Unmarshal(data, "PrekeyUpload", func(r *wire.Reader) {
		c.readPrekeyBase(r, base)
		r.Vector(func(r *wire.Reader) { keys = append(keys, c.readOneTime(r)) })
	})
	if err != nil {
		return nil, nil, fmt.Errorf("prekey upload: %w", err)
	}
	return base, keys, nil
}

// EncodeRefill returns the encoded PrekeyRefill.
func EncodeRefill(keys []OneTimePrekey) []byte {
	b := wire.NewBuilder(8 + 40*len(keys))
	b.Vector(func(b *wire.Builder) {
		for i := range keys {
			writeOneTime(b, &keys[i])
		}
	})
	return b.Bytes()
}

// DecodeRefill parses a PrekeyRefill.
func (c *Crypto) DecodeRefill(data []byte) ([]OneTimePrekey, error) {
	var keys []OneTimePrekey
	err := wire.Unmarshal(data, "PrekeyRefill", func(r *wire.Reader) {
		r.Vector(func(r *wire.Reader) { keys = append(keys, c.readOneTime(r)) })
	})
	if err != nil {
		return nil, fmt.Errorf("prekey refill: %w", err)
	}
	return keys, nil
}

// signedPrekeyTBS is the content of a signed prekey's signature.
func signedPrekeyTBS(identityKey []byte, id uint32, spk []byte) []byte {
	b := wire.NewBuilder(16 + len(identityKey) + len(spk))
	b.Opaque(identityKey)
	b.U32(id)
	b.Opaque(spk)
	return b.Bytes()
}

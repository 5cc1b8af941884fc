package static

import (
	"fmt"

	"cgkalab/models/suite"
	"cgkalab/models/wire"
)

// The wire format of the static-key protocol, in the TLS presentation
// language of RFC 9420, Section 2.1 (models/wire). It is cgkalab's own:
// the static baseline has no standard encoding, so these structures carry
// what the protocol needs and nothing else, the way RFC 9420's do.
//
//	struct {
//	    CipherSuite cipher_suite;     // uint16
//	    uint32 member;                // the client's identity
//	    HPKEPublicKey wrap_key;       // opaque<V>: group keys are sealed to it
//	    SignaturePublicKey signature_key; // opaque<V>
//	    opaque signature<V>;          // SignWithLabel(., "static KeyPackageTBS", the fields above)
//	} KeyPackage;
//
//	KeyPackage roster<V>;             // the members, in join order (from the delivery service)
//
//	struct {
//	    opaque group_id<V>;
//	    uint32 generation;            // of the group key it carries
//	    uint32 sender;
//	    uint32 recipient;
//	    opaque roster_hash<V>;        // welcome: Hash(roster); key_wrap: empty
//	    opaque kem_output<V>;         // EncryptWithLabel(recipient's wrap_key,
//	    opaque ciphertext<V>;         //   "static group key", the five fields above, group secret)
//	    opaque signature<V>;          // SignWithLabel(., "static KeyWrapTBS", every field above)
//	} KeyWrap;                        // kinds "welcome" and "key_wrap"
//
//	enum { add(1), remove(2), update(3) } HandshakeType;   // uint8
//	struct {
//	    opaque group_id<V>;
//	    uint32 generation;            // the generation it is sent in
//	    uint32 sender;
//	    HandshakeType type;
//	    select (type) {
//	        case add:    KeyPackage added<V>;
//	        case remove: uint32 removed<V>;
//	        case update: KeyPackage key_package;   // the sender's new one
//	    };
//	    opaque signature<V>;          // SignWithLabel(., "static HandshakeTBS", every field above)
//	} Handshake;                      // kinds "add", "remove", "update"
//
//	struct {
//	    opaque group_id<V>;
//	    uint32 generation;
//	    uint32 sender;
//	    opaque nonce[Nn];             // drawn at random for each message
//	    opaque ciphertext<V>;         // AEAD.Seal(key, nonce, aad = the four fields above, Content)
//	} Application;
//	struct {
//	    opaque content<V>;
//	    opaque signature<V>;          // SignWithLabel(., "static ContentTBS", aad || content<V>)
//	} Content;
//
// Signing inside the ciphertext (as RFC 9420's PrivateMessage does) keeps
// the sender's signature from outsiders.

// Labels of SignWithLabel and EncryptWithLabel (RFC 9420, Section 5.1.2
// and 5.1.3 prefix them with "MLS 1.0 ").
const (
	labelKeyPackage = "static KeyPackageTBS"
	labelKeyWrap    = "static KeyWrapTBS"
	labelGroupKey   = "static group key"
	labelHandshake  = "static HandshakeTBS"
	labelContent    = "static ContentTBS"
)

// HandshakeType is the type of a Handshake.
type HandshakeType uint8

const (
	HandshakeAdd    HandshakeType = 1
	HandshakeRemove HandshakeType = 2
	HandshakeUpdate HandshakeType = 3
)

// KeyPackage is a client's published wrap key and signature key.
type KeyPackage struct {
	Suite        suite.ID
	Member       uint32
	WrapKey      []byte
	SignatureKey []byte
	Signature    []byte
	encoded      []byte
}

func (k *KeyPackage) marshalTBS(b *wire.Builder) {
	b.U16(uint16(k.Suite))
	b.U32(k.Member)
	b.Opaque(k.WrapKey)
	b.Opaque(k.SignatureKey)
}

// Bytes returns the encoding.
func (k *KeyPackage) Bytes() []byte {
	if k.encoded == nil {
		b := wire.NewBuilder(16 + len(k.WrapKey) + len(k.SignatureKey) + len(k.Signature))
		k.marshal(b)
		k.encoded = b.Bytes()
	}
	return k.encoded
}

func (k *KeyPackage) marshal(b *wire.Builder) {
	k.marshalTBS(b)
	b.Opaque(k.Signature)
}

func (k *KeyPackage) tbs() []byte {
	b := wire.NewBuilder(16 + len(k.WrapKey) + len(k.SignatureKey))
	k.marshalTBS(b)
	return b.Bytes()
}

func decodeKeyPackage(r *wire.Reader) *KeyPackage {
	k := &KeyPackage{}
	r.Struct("KeyPackage", func(r *wire.Reader) {
		k.Suite = suite.ID(r.U16())
		k.Member = r.U32()
		k.WrapKey = r.OpaqueCopy()
		k.SignatureKey = r.OpaqueCopy()
		k.Signature = r.OpaqueCopy()
	})
	return k
}

// ParseKeyPackage decodes a KeyPackage.
func ParseKeyPackage(data []byte) (*KeyPackage, error) {
	var k *KeyPackage
	err := wire.Unmarshal(data, "KeyPackage", func(r *wire.Reader) { k = decodeKeyPackage(r) })
	if err != nil {
		return nil, err
	}
	k.encoded = append([]byte(nil), data...)
	return k, nil
}

// newKeyPackage signs a KeyPackage with sig.
func newKeyPackage(s *suite.Suite, member uint32, wrapKey []byte, sig *suite.SignaturePrivateKey) (*KeyPackage, error) {
	k := &KeyPackage{Suite: s.ID, Member: member, WrapKey: wrapKey, SignatureKey: sig.PublicKey()}
	var err error
	if k.Signature, err = s.SignWithLabel(sig, labelKeyPackage, k.tbs()); err != nil {
		return nil, fmt.Errorf("static: signing the KeyPackage of %d: %w", member, err)
	}
	return k, nil
}

// verify checks a KeyPackage's suite and self-signature.
func (k *KeyPackage) verify(s *suite.Suite) error {
	if k.Suite != s.ID {
		return fmt.Errorf("static: KeyPackage of %d is for suite %#04x, the group uses %#04x", k.Member, uint16(k.Suite), uint16(s.ID))
	}
	if err := s.VerifyWithLabel(k.SignatureKey, labelKeyPackage, k.tbs(), k.Signature); err != nil {
		return fmt.Errorf("static: KeyPackage of %d: %w", k.Member, err)
	}
	return nil
}

// encodeRoster encodes KeyPackage roster<V>.
func encodeRoster(kps []*KeyPackage) []byte {
	n := 0
	for _, k := range kps {
		n += len(k.Bytes())
	}
	b := wire.NewBuilder(n + 4)
	b.Vector(func(b *wire.Builder) {
		for _, k := range kps {
			b.Raw(k.Bytes())
		}
	})
	return b.Bytes()
}

// ParseRoster decodes KeyPackage roster<V>.
func ParseRoster(data []byte) ([]*KeyPackage, error) {
	var kps []*KeyPackage
	err := wire.Unmarshal(data, "Roster", func(r *wire.Reader) {
		r.Vector(func(r *wire.Reader) { kps = append(kps, decodeKeyPackage(r)) })
	})
	if err != nil {
		return nil, err
	}
	return kps, nil
}

// KeyWrap carries a group key sealed to one recipient.
type KeyWrap struct {
	GroupID    []byte
	Generation uint32
	Sender     uint32
	Recipient  uint32
	RosterHash []byte
	KEMOutput  []byte
	Ciphertext []byte
	Signature  []byte
}

// context is what the HPKE encryption binds: the header fields.
func (w *KeyWrap) context() []byte {
	b := wire.NewBuilder(32 + len(w.GroupID) + len(w.RosterHash))
	w.marshalHeader(b)
	return b.Bytes()
}

func (w *KeyWrap) marshalHeader(b *wire.Builder) {
	b.Opaque(w.GroupID)
	b.U32(w.Generation)
	b.U32(w.Sender)
	b.U32(w.Recipient)
	b.Opaque(w.RosterHash)
}

func (w *KeyWrap) tbs() []byte {
	b := wire.NewBuilder(128 + len(w.KEMOutput) + len(w.Ciphertext))
	w.marshalHeader(b)
	b.Opaque(w.KEMOutput)
	b.Opaque(w.Ciphertext)
	return b.Bytes()
}

// Bytes returns the encoding.
func (w *KeyWrap) Bytes() []byte {
	b := wire.NewBuilder(192 + len(w.KEMOutput) + len(w.Ciphertext) + len(w.Signature))
	b.Raw(w.tbs())
	b.Opaque(w.Signature)
	return b.Bytes()
}

// ParseKeyWrap decodes a KeyWrap.
func ParseKeyWrap(data []byte) (*KeyWrap, error) {
	w := &KeyWrap{}
	err := wire.Unmarshal(data, "KeyWrap", func(r *wire.Reader) {
		w.GroupID = r.OpaqueCopy()
		w.Generation = r.U32()
		w.Sender = r.U32()
		w.Recipient = r.U32()
		w.RosterHash = r.OpaqueCopy()
		w.KEMOutput = r.OpaqueCopy()
		w.Ciphertext = r.OpaqueCopy()
		w.Signature = r.OpaqueCopy()
	})
	if err != nil {
		return nil, err
	}
	return w, nil
}

// Handshake announces a membership change or a member's new KeyPackage.
type Handshake struct {
	GroupID    []byte
	Generation uint32
	Sender     uint32
	Type       HandshakeType
	Added      []*KeyPackage // add
	Removed    []uint32      // remove
	KeyPackage *KeyPackage   // update
	Signature  []byte
}

func (h *Handshake) tbs() []byte {
	b := wire.NewBuilder(64 + 160*len(h.Added) + 4*len(h.Removed))
	b.Opaque(h.GroupID)
	b.U32(h.Generation)
	b.U32(h.Sender)
	b.U8(uint8(h.Type))
	switch h.Type {
	case HandshakeAdd:
		b.Vector(func(b *wire.Builder) {
			for _, k := range h.Added {
				b.Raw(k.Bytes())
			}
		})
	case HandshakeRemove:
		b.Vector(func(b *wire.Builder) {
			for _, m := range h.Removed {
				b.U32(m)
			}
		})
	case HandshakeUpdate:
		b.Raw(h.KeyPackage.Bytes())
	}
	return b.Bytes()
}

// Bytes returns the encoding.
func (h *Handshake) Bytes() []byte {
	tbs := h.tbs()
	b := wire.NewBuilder(len(tbs) + len(h.Signature) + 4)
	b.Raw(tbs)
	b.Opaque(h.Signature)
	return b.Bytes()
}

// ParseHandshake decodes a Handshake.
func ParseHandshake(data []byte) (*Handshake, error) {
	h := &Handshake{}
	err := wire.Unmarshal(data, "Handshake", func(r *wire.Reader) {
		h.GroupID = r.OpaqueCopy()
		h.Generation = r.U32()
		h.Sender = r.U32()
		h.Type = HandshakeType(r.U8())
		switch h.Type {
		case HandshakeAdd:
			r.Vector(func(r *wire.Reader) { h.Added = append(h.Added, decodeKeyPackage(r)) })
		case HandshakeRemove:
			r.Vector(func(r *wire.Reader) { h.Removed = append(h.Removed, r.U32()) })
		case HandshakeUpdate:
			h.KeyPackage = decodeKeyPackage(r)
		default:
			if r.OK() {
				r.Failf("unknown handshake type %d", h.Type)
			}
		}
		h.Signature = r.OpaqueCopy()
	})
	if err != nil {
		return nil, err
	}
	return h, nil
}

// Application is an encrypted application message.
type Application struct {
	GroupID    []byte
	Generation uint32
	Sender     uint32
	Nonce      []byte // Nn bytes
	Ciphertext []byte
}

// aad is the header the AEAD authenticates and the signature covers.
func (a *Application) aad() []byte {
	b := wire.NewBuilder(16 + len(a.GroupID) + len(a.Nonce))
	b.Opaque(a.GroupID)
	b.U32(a.Generation)
	b.U32(a.Sender)
	b.Raw(a.Nonce)
	return b.Bytes()
}

// Bytes returns the encoding.
func (a *Application) Bytes() []byte {
	aad := a.aad()
	b := wire.NewBuilder(len(aad) + len(a.Ciphertext) + 4)
	b.Raw(aad)
	b.Opaque(a.Ciphertext)
	return b.Bytes()
}

// ParseApplication decodes an Application message of suite s (whose AEAD
// fixes the nonce length).
func ParseApplication(s *suite.Suite, data []byte) (*Application, error) {
	a := &Application{}
	err := wire.Unmarshal(data, "Application", func(r *wire.Reader) {
		a.GroupID = r.OpaqueCopy()
		a.Generation = r.U32()
		a.Sender = r.U32()
		a.Nonce = append([]byte(nil), r.Raw(s.AEADNonceSize())...)
		a.Ciphertext = r.OpaqueCopy()
	})
	if err != nil {
		return nil, err
	}
	return a, nil
}

// contentTBS is what the sender of an application message signs.
func contentTBS(aad, content []byte) []byte {
	b := wire.NewBuilder(len(aad) + len(content) + 4)
	b.Raw(aad)
	b.Opaque(content)
	return b.Bytes()
}

// encodeContent encodes Content.
func encodeContent(content, signature []byte) []byte {
	b := wire.NewBuilder(len(content) + len(signature) + 8)
	b.Opaque(content)
	b.Opaque(signature)
	return b.Bytes()
}

// parseContent decodes Content.
func parseContent(data []byte) (content, signature []byte, err error) {
	err = wire.Unmarshal(data, "Content", func(r *wire.Reader) {
		content = r.Opaque()
		signature = r.Opaque()
	})
	return content, signature, err
}

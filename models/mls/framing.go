package mls

import (
	"crypto/subtle"
	"errors"
	"fmt"
	"io"

	"cgkalab/models/keyschedule"
	"cgkalab/models/suite"
	tm "cgkalab/models/treemath"
	"cgkalab/models/wire"
)

// ErrProtection is wrapped by every failure to authenticate or decrypt a
// framed message.
var ErrProtection = errors.New("message protection check failed")

// tbsParts returns FramedContentTBS (RFC 9420, Section 6.1) in parts,
// whose concatenation is its encoding: the header, the content (its pinned
// encoding, if pinned) and the group context, bound for member and
// new_member_commit senders.
func tbsParts(wf WireFormat, c *FramedContent, groupContext []byte) [][]byte {
	header := []byte{byte(mls10 >> 8), byte(mls10 & 0xff), byte(wf >> 8), byte(wf)}
	parts := [][]byte{header, c.encoding()}
	if c.Sender.Type == SenderMember || c.Sender.Type == SenderNewMemberCommit {
		parts = append(parts, groupContext)
	}
	return parts
}

// SignContent returns FramedContentAuthData.signature (RFC 9420, Section 6.1):
// SignWithLabel(., "FramedContentTBS", FramedContentTBS).
func SignContent(s *suite.Suite, key *suite.SignaturePrivateKey, wf WireFormat, c *FramedContent, groupContext []byte) ([]byte, error) {
	return s.SignWithLabelParts(key, "FramedContentTBS", tbsParts(wf, c, groupContext)...)
}

// VerifyContent checks FramedContentAuthData.signature with the sender's
// signature key.
func VerifyContent(s *suite.Suite, pub []byte, wf WireFormat, c *FramedContent, auth *FramedContentAuthData, groupContext []byte) error {
	if err := s.VerifyWithLabelParts(pub, "FramedContentTBS", auth.Signature, tbsParts(wf, c, groupContext)...); err != nil {
		return fmt.Errorf("content signature: %w: %w", err, ErrProtection)
	}
	return nil
}

// membershipTag computes MAC(membership_key, AuthenticatedContentTBM)
// (RFC 9420, Section 6.2).
func membershipTag(s *suite.Suite, key keyschedule.MembershipKey, m *PublicMessage, groupContext []byte) []byte {
	mac := s.NewMAC(key)
	for _, p := range tbsParts(WirePublicMessage, &m.Content, groupContext) {
		mac.Write(p)
	}
	mac.Write(encode(func(b *wire.Builder) { m.Auth.marshal(b, m.Content.ContentType) }))
	return mac.Sum(nil)
}

// NewPublicMessage frames signed content as a PublicMessage (RFC 9420,
// Section 6.2), adding the membership tag for member senders. Application
// data is refused: it must be sent as a PrivateMessage.
func NewPublicMessage(s *suite.Suite, c *FramedContent, auth FramedContentAuthData, membershipKey keyschedule.MembershipKey, groupContext []byte) (*PublicMessage, error) {
	if c.ContentType == ContentApplication {
		return nil, errors.New("application data cannot be sent as a PublicMessage (RFC 9420, Section 6.2)")
	}
	m := &PublicMessage{Content: *c, Auth: auth}
	if c.Sender.Type == SenderMember {
		m.MembershipTag = membershipTag(s, membershipKey, m, groupContext)
	}
	return m, nil
}

// VerifyMembershipTag checks a member's PublicMessage membership tag.
func (m *PublicMessage) VerifyMembershipTag(s *suite.Suite, membershipKey keyschedule.MembershipKey, groupContext []byte) error {
	if m.Content.Sender.Type != SenderMember {
		return nil
	}
	want := membershipTag(s, membershipKey, m, groupContext)
	if subtle.ConstantTimeCompare(want, m.MembershipTag) != 1 {
		return fmt.Errorf("membership tag: %w", ErrProtection)
	}
	return nil
}

// Padding chooses the number of zero bytes appended to a PrivateMessage's
// content (RFC 9420, Section 6.3.1), given the content's length.
type Padding func(contentLen int) int

// NoPadding adds nothing.
func NoPadding(int) int { return 0 }

// PadTo returns a policy that pads the content to a multiple of block bytes.
func PadTo(block int) Padding {
	return func(n int) int {
		if block <= 1 {
			return 0
		}
		return (block - n%block) % block
	}
}

// EpochKeys are the secrets message protection needs in one epoch.
type EpochKeys struct {
	SenderData keyschedule.SenderDataSecret
	Tree       *keyschedule.SecretTree
}

func ratchetFor(ct ContentType) keyschedule.RatchetKind {
	if ct == ContentApplication {
		return keyschedule.ApplicationRatchet
	}
	return keyschedule.HandshakeRatchet
}

// NewPrivateMessage encrypts signed content from a member as a
// PrivateMessage (RFC 9420, Section 6.3): the content under the sender's
// next ratchet key with a reuse guard drawn from rand, the sender data
// under keys sampled from that ciphertext.
func NewPrivateMessage(s *suite.Suite, c *FramedContent, auth FramedContentAuthData, keys EpochKeys, pad Padding, rand io.Reader) (*PrivateMessage, error) {
	if c.Sender.Type != SenderMember {
		return nil, errors.New("only members send PrivateMessages")
	}
	if pad == nil {
		pad = NoPadding
	}
	body := wire.NewBuilder(256)
	c.marshalBody(body)
	auth.marshal(body, c.ContentType)
	body.Raw(make([]byte, pad(body.Len())))

	rk, err := keys.Tree.Next(tm.LeafIndex(c.Sender.Index), ratchetFor(c.ContentType))
	if err != nil {
		return nil, err
	}
	var guard [4]byte
	if _, err := io.ReadFull(rand, guard[:]); err != nil {
		return nil, fmt.Errorf("drawing reuse guard: %w", err)
	}
	m := &PrivateMessage{GroupID: c.GroupID, Epoch: c.Epoch, ContentType: c.ContentType, AuthenticatedData: c.AuthenticatedData}
	if m.Ciphertext, err = s.Seal(rk.Key, rk.GuardedNonce(guard), m.contentAAD(), body.Bytes()); err != nil {
		return nil, err
	}
	sd := wire.NewBuilder(12)
	sd.U32(c.Sender.Index)
	sd.U32(rk.Generation)
	sd.Raw(guard[:])
	key, nonce, err := keys.SenderData.KeyNonce(s, m.Ciphertext)
	if err != nil {
		return nil, err
	}
	if m.EncryptedSenderData, err = s.Seal(key, nonce, m.senderDataAAD(), sd.Bytes()); err != nil {
		return nil, err
	}
	return m, nil
}

// contentAAD is PrivateContentAAD (RFC 9420, Section 6.3.1).
func (m *PrivateMessage) contentAAD() []byte {
	b := wire.NewBuilder(64 + len(m.AuthenticatedData))
	b.Opaque(m.GroupID)
	b.U64(m.Epoch)
	b.U8(uint8(m.ContentType))
	b.Opaque(m.AuthenticatedData)
	return b.Bytes()
}

// senderDataAAD is SenderDataAAD (RFC 9420, Section 6.3.2).
func (m *PrivateMessage) senderDataAAD() []byte {
	b := wire.NewBuilder(64)
	b.Opaque(m.GroupID)
	b.U64(m.Epoch)
	b.U8(uint8(m.ContentType))
	return b.Bytes()
}

// Open decrypts a PrivateMessage (RFC 9420, Sections 6.3.1 and 6.3.2) and
// returns the FramedContent and its auth data; the caller verifies the
// signature with the sender's key. The key used is deleted from the secret
// tree (Section 9.2). Padding must be all zero.
func (m *PrivateMessage) Open(s *suite.Suite, keys EpochKeys) (*FramedContent, *FramedContentAuthData, error) {
	key, nonce, err := keys.SenderData.KeyNonce(s, m.Ciphertext)
	if err != nil {
		return nil, nil, err
	}
	sdBytes, err := s.Open(key, nonce, m.senderDataAAD(), m.EncryptedSenderData)
	if err != nil {
		return nil, nil, fmt.Errorf("sender data: %w: %w", err, ErrProtection)
	}
	var leaf, gen uint32
	var guard [4]byte
	if err := decode(sdBytes, "SenderData", func(r *wire.Reader) {
		leaf, gen = r.U32(), r.U32()
		copy(guard[:], r.Raw(4))
	}); err != nil {
		return nil, nil, fmt.Errorf("%w: %w", err, ErrProtection)
	}
	rk, err := keys.Tree.Key(tm.LeafIndex(leaf), ratchetFor(m.ContentType), gen)
	if err != nil {
		return nil, nil, fmt.Errorf("content key for leaf %d generation %d: %w: %w", leaf, gen, err, ErrProtection)
	}
	pt, err := s.Open(rk.Key, rk.GuardedNonce(guard), m.contentAAD(), m.Ciphertext)
	if err != nil {
		return nil, nil, fmt.Errorf("content: %w: %w", err, ErrProtection)
	}
	c := &FramedContent{
		GroupID: m.GroupID, Epoch: m.Epoch, Sender: Sender{Type: SenderMember, Index: leaf},
		AuthenticatedData: m.AuthenticatedData, ContentType: m.ContentType,
	}
	auth := new(FramedContentAuthData)
	err = decode(pt, "PrivateMessageContent", func(r *wire.Reader) {
		c.unmarshalBody(r)
		auth.unmarshal(r, c.ContentType)
		for !r.Empty() && r.OK() {
			if r.U8() != 0 {
				r.Failf("non-zero padding")
			}
		}
	})
	if err != nil {
		return nil, nil, fmt.Errorf("%w: %w", err, ErrProtection)
	}
	return c, auth, nil
}

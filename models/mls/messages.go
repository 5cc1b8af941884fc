package mls

import (
	"fmt"

	"cgkalab/models/extension"
	"cgkalab/models/keyschedule"
	rt "cgkalab/models/ratchettree"
	"cgkalab/models/suite"
	"cgkalab/models/treekem"
	"cgkalab/models/wire"
)

// ProtocolVersion mls10 (RFC 9420, Section 6).
const mls10 uint16 = 1

// WireFormat values (RFC 9420, Section 17.2).
type WireFormat uint16

const (
	WirePublicMessage  WireFormat = 1
	WirePrivateMessage WireFormat = 2
	WireWelcome        WireFormat = 3
	WireGroupInfo      WireFormat = 4
	WireKeyPackage     WireFormat = 5
)

// ContentType (RFC 9420, Section 6).
type ContentType uint8

const (
	ContentApplication ContentType = 1
	ContentProposal    ContentType = 2
	ContentCommit      ContentType = 3
)

// SenderType (RFC 9420, Section 6).
type SenderType uint8

const (
	SenderMember            SenderType = 1
	SenderExternal          SenderType = 2
	SenderNewMemberProposal SenderType = 3
	SenderNewMemberCommit   SenderType = 4
)

// Sender is RFC 9420, Section 6's Sender: a member's leaf index or an
// external sender's index.
type Sender struct {
	Type  SenderType
	Index uint32 // leaf_index for members, sender_index for external
}

func (s Sender) marshal(b *wire.Builder) {
	b.U8(uint8(s.Type))
	if s.Type == SenderMember || s.Type == SenderExternal {
		b.U32(s.Index)
	}
}

func (s *Sender) unmarshal(r *wire.Reader) {
	s.Type = SenderType(r.U8())
	switch s.Type {
	case SenderMember, SenderExternal:
		s.Index = r.U32()
	case SenderNewMemberProposal, SenderNewMemberCommit:
	default:
		r.Failf("invalid sender_type %d", s.Type)
	}
}

// ---- KeyPackage (RFC 9420, Section 10) ----

// KeyPackage is RFC 9420, Section 10's KeyPackage.
type KeyPackage struct {
	Version     uint16
	CipherSuite suite.ID
	InitKey     []byte
	LeafNode    *rt.LeafNode
	Extensions  []extension.Extension
	Signature   []byte

	// validated remembers a successful Validate (see ValidateKeyPackages).
	validated *keyPackageCheck
}

func (k *KeyPackage) marshalTBS(b *wire.Builder) {
	b.U16(k.Version)
	b.U16(uint16(k.CipherSuite))
	b.Opaque(k.InitKey)
	k.LeafNode.Marshal(b)
	extension.Encode(b, k.Extensions)
}

// Marshal writes the KeyPackage encoding.
func (k *KeyPackage) Marshal(b *wire.Builder) {
	k.marshalTBS(b)
	b.Opaque(k.Signature)
}

// Unmarshal reads a KeyPackage.
func (k *KeyPackage) Unmarshal(r *wire.Reader) {
	r.Struct("KeyPackage", func(r *wire.Reader) {
		k.Version = r.U16()
		k.CipherSuite = suite.ID(r.U16())
		k.InitKey = r.OpaqueCopy()
		k.LeafNode = new(rt.LeafNode)
		k.LeafNode.Unmarshal(r)
		k.Extensions = extension.Decode(r)
		k.Signature = r.OpaqueCopy()
	})
}

// ---- Proposals (RFC 9420, Section 12.1) ----

// ProposalType values (RFC 9420, Section 17.4).
type ProposalType uint16

const (
	ProposalAdd                    ProposalType = 1
	ProposalUpdate                 ProposalType = 2
	ProposalRemove                 ProposalType = 3
	ProposalPSK                    ProposalType = 4
	ProposalReInit                 ProposalType = 5
	ProposalExternalInit           ProposalType = 6
	ProposalGroupContextExtensions ProposalType = 7
)

func (t ProposalType) String() string {
	names := [...]string{"", "add", "update", "remove", "psk", "reinit", "external_init", "group_context_extensions"}
	if int(t) < len(names) && t > 0 {
		return names[t]
	}
	return fmt.Sprintf("proposal type %#04x", uint16(t))
}

// ReInit is RFC 9420, Section 12.1.5's ReInit.
type ReInit struct {
	GroupID     []byte
	Version     uint16
	CipherSuite suite.ID
	Extensions  []extension.Extension
}

// Proposal is RFC 9420, Section 12.1's Proposal: exactly the field of its
// type is set.
type Proposal struct {
	Type         ProposalType
	Add          *KeyPackage                 // add
	Update       *rt.LeafNode                // update
	Remove       uint32                      // remove
	PSK          *keyschedule.PreSharedKeyID // psk
	ReInit       *ReInit                     // reinit
	KEMOutput    []byte                      // external_init
	GCExtensions []extension.Extension       // group_context_extensions
}

// Marshal writes the Proposal encoding.
func (p *Proposal) Marshal(b *wire.Builder) {
	b.U16(uint16(p.Type))
	switch p.Type {
	case ProposalAdd:
		p.Add.Marshal(b)
	case ProposalUpdate:
		p.Update.Marshal(b)
	case ProposalRemove:
		b.U32(p.Remove)
	case ProposalPSK:
		p.PSK.Encode(b)
	case ProposalReInit:
		b.Opaque(p.ReInit.GroupID)
		b.U16(p.ReInit.Version)
		b.U16(uint16(p.ReInit.CipherSuite))
		extension.Encode(b, p.ReInit.Extensions)
	case ProposalExternalInit:
		b.Opaque(p.KEMOutput)
	case ProposalGroupContextExtensions:
		extension.Encode(b, p.GCExtensions)
	default:
		panic(fmt.Sprintf("mls: marshaling unknown %v", p.Type))
	}
}

// Unmarshal reads a Proposal. Proposal types beyond RFC 9420's are an
// error: their bodies cannot be delimited.
func (p *Proposal) Unmarshal(r *wire.Reader) {
	r.Struct("Proposal", func(r *wire.Reader) {
		p.Type = ProposalType(r.U16())
		switch p.Type {
		case ProposalAdd:
			p.Add = new(KeyPackage)
			p.Add.Unmarshal(r)
		case ProposalUpdate:
			p.Update = new(rt.LeafNode)
			p.Update.Unmarshal(r)
		case ProposalRemove:
			p.Remove = r.U32()
		case ProposalPSK:
			p.PSK = new(keyschedule.PreSharedKeyID)
			p.PSK.Decode(r)
		case ProposalReInit:
			p.ReInit = &ReInit{GroupID: r.OpaqueCopy(), Version: r.U16(), CipherSuite: suite.ID(r.U16())}
			p.ReInit.Extensions = extension.Decode(r)
		case ProposalExternalInit:
			p.KEMOutput = r.OpaqueCopy()
		case ProposalGroupContextExtensions:
			p.GCExtensions = extension.Decode(r)
		default:
			r.Failf("unsupported %v", p.Type)
		}
	})
}

// ProposalOrRef is RFC 9420, Section 12.4's ProposalOrRef: a proposal by
// value, or a reference to one sent earlier in the epoch.
type ProposalOrRef struct {
	Proposal  *Proposal // by value
	Reference []byte    // by reference (ProposalRef)
}

// Commit is RFC 9420, Section 12.4's Commit.
type Commit struct {
	Proposals []ProposalOrRef
	Path      *treekem.UpdatePath // nil when absent
}

// Marshal writes the Commit encoding.
func (c *Commit) Marshal(b *wire.Builder) {
	b.Vector(func(b *wire.Builder) {
		for _, p := range c.Proposals {
			if p.Proposal != nil {
				b.U8(1)
				p.Proposal.Marshal(b)
			} else {
				b.U8(2)
				b.Opaque(p.Reference)
			}
		}
	})
	b.Optional(c.Path != nil, func(b *wire.Builder) { c.Path.Marshal(b) })
}

// Unmarshal reads a Commit.
func (c *Commit) Unmarshal(r *wire.Reader) {
	r.Struct("Commit", func(r *wire.Reader) {
		r.Vector(func(r *wire.Reader) {
			var p ProposalOrRef
			switch typ := r.U8(); typ {
			case 1:
				p.Proposal = new(Proposal)
				p.Proposal.Unmarshal(r)
			case 2:
				p.Reference = r.OpaqueCopy()
			default:
				r.Failf("invalid ProposalOrRefType %d", typ)
			}
			c.Proposals = append(c.Proposals, p)
		})
		r.Optional(func(r *wire.Reader) {
			c.Path = new(treekem.UpdatePath)
			c.Path.Unmarshal(r)
		})
	})
}

// ---- Framing (RFC 9420, Section 6) ----

// FramedContent is RFC 9420, Section 6's FramedContent.
type FramedContent struct {
	GroupID           []byte
	Epoch             uint64
	Sender            Sender
	AuthenticatedData []byte
	ContentType       ContentType
	ApplicationData   []byte    // application
	Proposal          *Proposal // proposal
	Commit            *Commit   // commit

	// enc is the encoding, while pinned (pin).
	enc []byte
	// kept is set for content kept for several simulated receivers
	// (KeepContentEncoding).
	kept *keptChecks
}

// keptChecks remembers, for content that several simulated receivers
// process in turn, the checks whose result depends only on the content
// and on inputs every receiver of the epoch holds alike: the signature
// (the sender's key and the group context), the membership tag (the
// membership key and the group context) and the confirmed transcript hash
// (the interim transcript hash). A receiver whose inputs equal those of a
// check that passed gets the same answer without computing it again (each
// is a pure function of the content and those inputs).
type keptChecks struct {
	inputs    [3]string // by keptCheck: the inputs of checks that passed
	confirmed []byte    // the confirmed transcript hash from keptTranscript's inputs
}

// keptCheck names a check keptChecks remembers.
type keptCheck int

const (
	keptSignature keptCheck = iota
	keptTag
	keptTranscript
)

// passed reports whether the check passed before with these inputs.
func (k *keptChecks) passed(check keptCheck, inputs ...[]byte) bool {
	return k != nil && k.inputs[check] != "" && k.inputs[check] == joinInputs(inputs)
}

// pass records the inputs of a check that passed.
func (k *keptChecks) pass(check keptCheck, inputs ...[]byte) {
	if k != nil {
		k.inputs[check] = joinInputs(inputs)
	}
}

// joinInputs encodes inputs unambiguously (each with its length).
func joinInputs(inputs [][]byte) string {
	b := wire.NewBuilder(128)
	for _, in := range inputs {
		b.Opaque(in)
	}
	return string(b.Bytes())
}

// pin encodes c once for the handling of one message: a commit into a
// mostly blank tree of 10^5 members is megabytes, and its signature,
// membership tag, transcript hash and framing each encode the content.
// The caller unpins before it returns, so that content changed afterwards
// (a test tampering with a message) is encoded afresh.
func (c *FramedContent) pin() {
	c.enc = nil
	b := wire.NewBuilder(c.sizeHint())
	c.Marshal(b)
	c.enc = b.Bytes()
}

// sizeHint is about the encoded size of c, a little more rather than less,
// so that a commit of megabytes is encoded into one buffer.
func (c *FramedContent) sizeHint() int {
	n := 256 + len(c.GroupID) + len(c.AuthenticatedData) + len(c.ApplicationData)
	if c.Commit != nil && c.Commit.Path != nil {
		for _, node := range c.Commit.Path.Nodes {
			n += 8 + len(node.EncryptionKey)
			for _, ct := range node.EncryptedPathSecret {
				n += 8 + len(ct.KEMOutput) + len(ct.Ciphertext)
			}
		}
	}
	return n
}

func (c *FramedContent) unpin() { c.enc = nil }

// encoding returns c's encoding: the pinned one, or made now.
func (c *FramedContent) encoding() []byte {
	if c.enc != nil {
		return c.enc
	}
	return encode(c.Marshal)
}

// marshalBody writes the content-type-dependent body.
func (c *FramedContent) marshalBody(b *wire.Builder) {
	switch c.ContentType {
	case ContentApplication:
		b.Opaque(c.ApplicationData)
	case ContentProposal:
		c.Proposal.Marshal(b)
	case ContentCommit:
		c.Commit.Marshal(b)
	}
}

func (c *FramedContent) unmarshalBody(r *wire.Reader) {
	switch c.ContentType {
	case ContentApplication:
		c.ApplicationData = r.OpaqueCopy()
	case ContentProposal:
		c.Proposal = new(Proposal)
		c.Proposal.Unmarshal(r)
	case ContentCommit:
		c.Commit = new(Commit)
		c.Commit.Unmarshal(r)
	default:
		r.Failf("invalid content_type %d", c.ContentType)
	}
}

// Marshal writes the FramedContent encoding.
func (c *FramedContent) Marshal(b *wire.Builder) {
	if c.enc != nil {
		b.Raw(c.enc)
		return
	}
	b.Opaque(c.GroupID)
	b.U64(c.Epoch)
	c.Sender.marshal(b)
	b.Opaque(c.AuthenticatedData)
	b.U8(uint8(c.ContentType))
	c.marshalBody(b)
}

// Unmarshal reads a FramedContent.
func (c *FramedContent) Unmarshal(r *wire.Reader) {
	r.Struct("FramedContent", func(r *wire.Reader) {
		c.GroupID = r.OpaqueCopy()
		c.Epoch = r.U64()
		c.Sender.unmarshal(r)
		c.AuthenticatedData = r.OpaqueCopy()
		c.ContentType = ContentType(r.U8())
		c.unmarshalBody(r)
	})
}

// FramedContentAuthData is RFC 9420, Section 6.1's FramedContentAuthData.
type FramedContentAuthData struct {
	Signature       []byte
	ConfirmationTag []byte // commits only
}

func (a *FramedContentAuthData) marshal(b *wire.Builder, ct ContentType) {
	b.Opaque(a.Signature)
	if ct == ContentCommit {
		b.Opaque(a.ConfirmationTag)
	}
}

func (a *FramedContentAuthData) unmarshal(r *wire.Reader, ct ContentType) {
	a.Signature = r.OpaqueCopy()
	if ct == ContentCommit {
		a.ConfirmationTag = r.OpaqueCopy()
	}
}

// PublicMessage is RFC 9420, Section 6.2's PublicMessage.
type PublicMessage struct {
	Content       FramedContent
	Auth          FramedContentAuthData
	MembershipTag []byte // member senders only
}

// Marshal writes the PublicMessage encoding.
func (m *PublicMessage) Marshal(b *wire.Builder) {
	m.Content.Marshal(b)
	m.Auth.marshal(b, m.Content.ContentType)
	if m.Content.Sender.Type == SenderMember {
		b.Opaque(m.MembershipTag)
	}
}

// Unmarshal reads a PublicMessage.
func (m *PublicMessage) Unmarshal(r *wire.Reader) {
	r.Struct("PublicMessage", func(r *wire.Reader) {
		m.Content.Unmarshal(r)
		m.Auth.unmarshal(r, m.Content.ContentType)
		if m.Content.Sender.Type == SenderMember {
			m.MembershipTag = r.OpaqueCopy()
		}
	})
}

// PrivateMessage is RFC 9420, Section 6.3's PrivateMessage.
type PrivateMessage struct {
	GroupID             []byte
	Epoch               uint64
	ContentType         ContentType
	AuthenticatedData   []byte
	EncryptedSenderData []byte
	Ciphertext          []byte
}

// Marshal writes the PrivateMessage encoding.
func (m *PrivateMessage) Marshal(b *wire.Builder) {
	b.Opaque(m.GroupID)
	b.U64(m.Epoch)
	b.U8(uint8(m.ContentType))
	b.Opaque(m.AuthenticatedData)
	b.Opaque(m.EncryptedSenderData)
	b.Opaque(m.Ciphertext)
}

// Unmarshal reads a PrivateMessage.
func (m *PrivateMessage) Unmarshal(r *wire.Reader) {
	r.Struct("PrivateMessage", func(r *wire.Reader) {
		m.GroupID = r.OpaqueCopy()
		m.Epoch = r.U64()
		m.ContentType = ContentType(r.U8())
		if m.ContentType < ContentApplication || m.ContentType > ContentCommit {
			r.Failf("invalid content_type %d", m.ContentType)
		}
		m.AuthenticatedData = r.OpaqueCopy()
		m.EncryptedSenderData = r.OpaqueCopy()
		m.Ciphertext = r.OpaqueCopy()
	})
}

// ---- Welcome and GroupInfo (RFC 9420, Section 12.4.3) ----

// GroupInfo is RFC 9420, Section 12.4.3's GroupInfo.
type GroupInfo struct {
	GroupContext    keyschedule.GroupContext
	Extensions      []extension.Extension
	ConfirmationTag []byte
	Signer          uint32
	Signature       []byte
}

func (g *GroupInfo) marshalTBS(b *wire.Builder) {
	g.GroupContext.Encode(b)
	extension.Encode(b, g.Extensions)
	b.Opaque(g.ConfirmationTag)
	b.U32(g.Signer)
}

// Marshal writes the GroupInfo encoding.
func (g *GroupInfo) Marshal(b *wire.Builder) {
	g.marshalTBS(b)
	b.Opaque(g.Signature)
}

// Unmarshal reads a GroupInfo.
func (g *GroupInfo) Unmarshal(r *wire.Reader) {
	r.Struct("GroupInfo", func(r *wire.Reader) {
		g.GroupContext.Decode(r)
		g.Extensions = extension.Decode(r)
		g.ConfirmationTag = r.OpaqueCopy()
		g.Signer = r.U32()
		g.Signature = r.OpaqueCopy()
	})
}

// GroupSecrets is RFC 9420, Section 12.4.3.1's GroupSecrets.
type GroupSecrets struct {
	JoinerSecret []byte
	PathSecret   []byte // nil when absent
	PSKs         []keyschedule.PreSharedKeyID
}

// Marshal writes the GroupSecrets encoding.
func (g *GroupSecrets) Marshal(b *wire.Builder) {
	b.Opaque(g.JoinerSecret)
	b.Optional(g.PathSecret != nil, func(b *wire.Builder) { b.Opaque(g.PathSecret) })
	b.Vector(func(b *wire.Builder) {
		for i := range g.PSKs {
			g.PSKs[i].Encode(b)
		}
	})
}

// Unmarshal reads a GroupSecrets.
func (g *GroupSecrets) Unmarshal(r *wire.Reader) {
	r.Struct("GroupSecrets", func(r *wire.Reader) {
		g.JoinerSecret = r.OpaqueCopy()
		r.Optional(func(r *wire.Reader) {
			g.PathSecret = r.OpaqueCopy()
			if g.PathSecret == nil {
				g.PathSecret = []byte{}
			}
		})
		r.Vector(func(r *wire.Reader) {
			var id keyschedule.PreSharedKeyID
			id.Decode(r)
			g.PSKs = append(g.PSKs, id)
		})
	})
}

// EncryptedGroupSecrets is RFC 9420, Section 12.4.3.1's EncryptedGroupSecrets.
type EncryptedGroupSecrets struct {
	NewMember []byte // KeyPackageRef
	Secrets   treekem.HPKECiphertext
}

// Welcome is RFC 9420, Section 12.4.3.1's Welcome.
type Welcome struct {
	CipherSuite        suite.ID
	Secrets            []EncryptedGroupSecrets
	EncryptedGroupInfo []byte
}

// Marshal writes the Welcome encoding.
func (w *Welcome) Marshal(b *wire.Builder) {
	b.U16(uint16(w.CipherSuite))
	b.Vector(func(b *wire.Builder) {
		for _, s := range w.Secrets {
			b.Opaque(s.NewMember)
			b.Opaque(s.Secrets.KEMOutput)
			b.Opaque(s.Secrets.Ciphertext)
		}
	})
	b.Opaque(w.EncryptedGroupInfo)
}

// Unmarshal reads a Welcome.
func (w *Welcome) Unmarshal(r *wire.Reader) {
	r.Struct("Welcome", func(r *wire.Reader) {
		w.CipherSuite = suite.ID(r.U16())
		r.Vector(func(r *wire.Reader) {
			w.Secrets = append(w.Secrets, EncryptedGroupSecrets{
				NewMember: r.OpaqueCopy(),
				Secrets:   treekem.HPKECiphertext{KEMOutput: r.OpaqueCopy(), Ciphertext: r.OpaqueCopy()},
			})
		})
		w.EncryptedGroupInfo = r.OpaqueCopy()
	})
}

// ---- MLSMessage (RFC 9420, Section 6) ----

// MLSMessage is RFC 9420, Section 6's MLSMessage: exactly the field of its
// wire format is set.
type MLSMessage struct {
	WireFormat WireFormat
	Public     *PublicMessage
	Private    *PrivateMessage
	Welcome    *Welcome
	GroupInfo  *GroupInfo
	KeyPackage *KeyPackage
}

// Marshal writes the MLSMessage encoding.
func (m *MLSMessage) Marshal(b *wire.Builder) {
	b.U16(mls10)
	b.U16(uint16(m.WireFormat))
	switch m.WireFormat {
	case WirePublicMessage:
		m.Public.Marshal(b)
	case WirePrivateMessage:
		m.Private.Marshal(b)
	case WireWelcome:
		m.Welcome.Marshal(b)
	case WireGroupInfo:
		m.GroupInfo.Marshal(b)
	case WireKeyPackage:
		m.KeyPackage.Marshal(b)
	default:
		panic(fmt.Sprintf("mls: marshaling unknown wire format %d", m.WireFormat))
	}
}

// Bytes returns the MLSMessage encoding.
func (m *MLSMessage) Bytes() []byte {
	if m.Public != nil && m.Public.Content.enc != nil {
		// A pinned commit of megabytes: one buffer, not a doubling series.
		b := wire.NewBuilder(len(m.Public.Content.enc) + 8192) // + header, auth, tag
		m.Marshal(b)
		return b.Bytes()
	}
	return encode(m.Marshal)
}

// Unmarshal reads an MLSMessage.
func (m *MLSMessage) Unmarshal(r *wire.Reader) {
	if v := r.U16(); v != mls10 && r.OK() {
		r.Failf("protocol version %d, want mls10", v)
		return
	}
	m.WireFormat = WireFormat(r.U16())
	switch m.WireFormat {
	case WirePublicMessage:
		m.Public = new(PublicMessage)
		m.Public.Unmarshal(r)
	case WirePrivateMessage:
		m.Private = new(PrivateMessage)
		m.Private.Unmarshal(r)
	case WireWelcome:
		m.Welcome = new(Welcome)
		m.Welcome.Unmarshal(r)
	case WireGroupInfo:
		m.GroupInfo = new(GroupInfo)
		m.GroupInfo.Unmarshal(r)
	case WireKeyPackage:
		m.KeyPackage = new(KeyPackage)
		m.KeyPackage.Unmarshal(r)
	default:
		r.Failf("unknown wire_format %d", m.WireFormat)
	}
}

// ParseMLSMessage decodes an MLSMessage, rejecting trailing bytes.
func ParseMLSMessage(data []byte) (*MLSMessage, error) {
	m := new(MLSMessage)
	if err := wire.Unmarshal(data, "MLSMessage", m.Unmarshal); err != nil {
		return nil, err
	}
	return m, nil
}

// encode runs a marshal function into a fresh buffer.
func encode(marshal func(*wire.Builder)) []byte {
	b := wire.NewBuilder(256)
	marshal(b)
	return b.Bytes()
}

// decode runs an unmarshal function over data as the named type.
func decode(data []byte, name string, unmarshal func(*wire.Reader)) error {
	return wire.Unmarshal(data, name, unmarshal)
}

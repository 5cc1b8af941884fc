package mls

import (
	"bytes"
	"fmt"
	"math/rand/v2"
	"testing"

	"cgkalab/models/keyschedule"
	"cgkalab/models/suite"
	"cgkalab/models/vectors"
	"cgkalab/models/vectors/vectortest"
)

type protectionCase struct {
	CipherSuite             uint16      `json:"cipher_suite"`
	GroupID                 vectors.Hex `json:"group_id"`
	Epoch                   uint64      `json:"epoch"`
	TreeHash                vectors.Hex `json:"tree_hash"`
	ConfirmedTranscriptHash vectors.Hex `json:"confirmed_transcript_hash"`
	SignaturePriv           vectors.Hex `json:"signature_priv"`
	SignaturePub            vectors.Hex `json:"signature_pub"`
	EncryptionSecret        vectors.Hex `json:"encryption_secret"`
	SenderDataSecret        vectors.Hex `json:"sender_data_secret"`
	MembershipKey           vectors.Hex `json:"membership_key"`
	Proposal                vectors.Hex `json:"proposal"`
	ProposalPub             vectors.Hex `json:"proposal_pub"`
	ProposalPriv            vectors.Hex `json:"proposal_priv"`
	Commit                  vectors.Hex `json:"commit"`
	CommitPub               vectors.Hex `json:"commit_pub"`
	CommitPriv              vectors.Hex `json:"commit_priv"`
	Application             vectors.Hex `json:"application"`
	ApplicationPriv         vectors.Hex `json:"application_priv"`
}

func testRand(seed uint64) *rand.ChaCha8 {
	var s [32]byte
	s[0], s[1] = byte(seed), byte(seed>>8)
	return rand.NewChaCha8(s)
}

// TestMessageProtectionVectors follows test-vectors.md, "Message Protection".
func TestMessageProtectionVectors(t *testing.T) {
	var cases []protectionCase
	vectortest.Load(t, "message-protection.json", &cases)
	for i, c := range cases {
		t.Run(fmt.Sprintf("%d/suite=%d", i, c.CipherSuite), func(t *testing.T) {
			s, err := suite.ByID(suite.ID(c.CipherSuite))
			if err != nil {
				t.Skipf("cipher suite %d not implemented: %v", c.CipherSuite, err)
			}
			gc := (&keyschedule.GroupContext{CipherSuite: s.ID, GroupID: c.GroupID, Epoch: c.Epoch,
				TreeHash: c.TreeHash, ConfirmedTranscriptHash: c.ConfirmedTranscriptHash}).Bytes()
			sigKey, err := s.ParseSignaturePrivateKey(c.SignaturePriv)
			if err != nil {
				t.Fatal(err)
			}
			mk := keyschedule.MembershipKey(c.MembershipKey)
			newKeys := func() EpochKeys {
				tree, err := keyschedule.NewSecretTree(s, keyschedule.EncryptionSecret(c.EncryptionSecret), 2, keyschedule.DefaultSecretTreeConfig())
				if err != nil {
					t.Fatal(err)
				}
				return EpochKeys{SenderData: keyschedule.SenderDataSecret(c.SenderDataSecret), Tree: tree}
			}
			content := func(ct ContentType, raw []byte) *FramedContent {
				fc := &FramedContent{GroupID: c.GroupID, Epoch: c.Epoch, Sender: Sender{SenderMember, 1}, ContentType: ct}
				switch ct {
				case ContentApplication:
					fc.ApplicationData = raw
				case ContentProposal:
					fc.Proposal = new(Proposal)
					if err := decode(raw, "Proposal", fc.Proposal.Unmarshal); err != nil {
						t.Fatal(err)
					}
				case ContentCommit:
					fc.Commit = new(Commit)
					if err := decode(raw, "Commit", fc.Commit.Unmarshal); err != nil {
						t.Fatal(err)
					}
				}
				return fc
			}
			body := func(fc *FramedContent) []byte {
				if fc.ContentType == ContentApplication {
					return fc.ApplicationData
				}
				return encode(fc.marshalBody)
			}
			checkPub := func(name string, data, raw []byte) {
				m, err := ParseMLSMessage(data)
				if err != nil || m.Public == nil {
					t.Fatalf("%s: %v", name, err)
				}
				if err := m.Public.VerifyMembershipTag(s, mk, gc); err != nil {
					t.Errorf("%s: %v", name, err)
				}
				if err := VerifyContent(s, c.SignaturePub, WirePublicMessage, &m.Public.Content, &m.Public.Auth, gc); err != nil {
					t.Errorf("%s: %v", name, err)
				}
				if got := body(&m.Public.Content); !bytes.Equal(got, raw) {
					t.Errorf("%s: content %x, want %x", name, got, raw)
				}
			}
			checkPriv := func(name string, m *PrivateMessage, raw []byte, keys EpochKeys) {
				fc, auth, err := m.Open(s, keys)
				if err != nil {
					t.Fatalf("%s: %v", name, err)
				}
				if err := VerifyContent(s, c.SignaturePub, WirePrivateMessage, fc, auth, gc); err != nil {
					t.Errorf("%s: %v", name, err)
				}
				if got := body(fc); !bytes.Equal(got, raw) {
					t.Errorf("%s: content %x, want %x", name, got, raw)
				}
			}
			for _, k := range []struct {
				name      string
				ct        ContentType
				raw, pub  []byte
				priv      []byte
				tagLength int
			}{
				{"proposal", ContentProposal, c.Proposal, c.ProposalPub, c.ProposalPriv, 0},
				{"commit", ContentCommit, c.Commit, c.CommitPub, c.CommitPriv, s.Nh()},
				{"application", ContentApplication, c.Application, nil, c.ApplicationPriv, 0},
			} {
				fc := content(k.ct, k.raw)
				sig, err := SignContent(s, sigKey, WirePublicMessage, fc, gc)
				if err != nil {
					t.Fatal(err)
				}
				auth := FramedContentAuthData{Signature: sig}
				if k.ct == ContentCommit {
					auth.ConfirmationTag = make([]byte, k.tagLength) // any MAC value frames the same
				}
				if k.pub != nil {
					checkPub(k.name+"_pub", k.pub, k.raw)
					pm, err := NewPublicMessage(s, fc, auth, mk, gc)
					if err != nil {
						t.Fatal(err)
					}
					checkPub(k.name+" protected as public", (&MLSMessage{WireFormat: WirePublicMessage, Public: pm}).Bytes(), k.raw)
				} else if _, err := NewPublicMessage(s, fc, auth, mk, gc); err == nil {
					t.Errorf("%s: protecting as a PublicMessage succeeded", k.name)
				}

				m, err := ParseMLSMessage(k.priv)
				if err != nil || m.Private == nil {
					t.Fatalf("%s_priv: %v", k.name, err)
				}
				checkPriv(k.name+"_priv", m.Private, k.raw, newKeys())

				sig, err = SignContent(s, sigKey, WirePrivateMessage, fc, gc)
				if err != nil {
					t.Fatal(err)
				}
				auth.Signature = sig
				pm, err := NewPrivateMessage(s, fc, auth, newKeys(), PadTo(32), testRand(1))
				if err != nil {
					t.Fatal(err)
				}
				encoded := (&MLSMessage{WireFormat: WirePrivateMessage, Private: pm}).Bytes()
				back, err := ParseMLSMessage(encoded)
				if err != nil {
					t.Fatal(err)
				}
				checkPriv(k.name+" protected as private", back.Private, k.raw, newKeys())

				// Tampering is detected.
				bad := *back.Private
				bad.Ciphertext = bytes.Clone(bad.Ciphertext)
				bad.Ciphertext[len(bad.Ciphertext)-1] ^= 1
				if _, _, err := bad.Open(s, newKeys()); err == nil {
					t.Errorf("%s: tampered PrivateMessage opened", k.name)
				}
			}
		})
	}
}

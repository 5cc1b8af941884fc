package conformance

import (
	"bytes"
	"fmt"

	ks "cgkalab/models/keyschedule"
	"cgkalab/models/mls"
	"cgkalab/models/suite"
	"cgkalab/models/vectors"
	"cgkalab/models/wire"
)

// protectionCase is one entry of message-protection.json
// (test-vectors.md, "Message Protection").
type protectionCase struct {
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

// contentBody returns the raw proposal, commit or application data that
// a FramedContent carries, as the vectors give it.
func contentBody(fc *mls.FramedContent) []byte {
	switch fc.ContentType {
	case mls.ContentProposal:
		return encode(fc.Proposal.Marshal)
	case mls.ContentCommit:
		return encode(fc.Commit.Marshal)
	}
	return fc.ApplicationData
}

func runMessageProtection(ck *checker, s *suite.Suite, c *protectionCase) error {
	// A GroupContext with cipher_suite, group_id, epoch, tree_hash and
	// confirmed_transcript_hash, and no extensions.
	gc := (&ks.GroupContext{CipherSuite: s.ID, GroupID: c.GroupID, Epoch: c.Epoch,
		TreeHash: c.TreeHash, ConfirmedTranscriptHash: c.ConfirmedTranscriptHash}).Bytes()
	sigKey, err := s.ParseSignaturePrivateKey(c.SignaturePriv)
	if err != nil {
		return errorf("signature_priv: %w", err)
	}
	mk := ks.MembershipKey(c.MembershipKey)
	// A secret tree for 2 members with encryption_secret, fresh for each
	// use since opening a message consumes its key.
	newKeys := func() (mls.EpochKeys, error) {
		tree, err := ks.NewSecretTree(s, ks.EncryptionSecret(c.EncryptionSecret), 2, ks.DefaultSecretTreeConfig())
		if err != nil {
			return mls.EpochKeys{}, fmt.Errorf("secret tree: %w", err)
		}
		return mls.EpochKeys{SenderData: ks.SenderDataSecret(c.SenderDataSecret), Tree: tree}, nil
	}
	// content frames raw data from the member with leaf index 1.
	content := func(ct mls.ContentType, raw []byte) (*mls.FramedContent, error) {
		fc := &mls.FramedContent{GroupID: c.GroupID, Epoch: c.Epoch, Sender: mls.Sender{Type: mls.SenderMember, Index: 1}, ContentType: ct}
		switch ct {
		case mls.ContentApplication:
			fc.ApplicationData = raw
		case mls.ContentProposal:
			fc.Proposal = new(mls.Proposal)
			return fc, wire.Unmarshal(raw, "Proposal", fc.Proposal.Unmarshal)
		case mls.ContentCommit:
			fc.Commit = new(mls.Commit)
			return fc, wire.Unmarshal(raw, "Commit", fc.Commit.Unmarshal)
		}
		return fc, nil
	}
	// checkPub: the PublicMessage verifies with membership_key and
	// signature_pub, and carries the raw data.
	checkPub := func(ck *checker, data, raw []byte) error {
		m, err := mls.ParseMLSMessage(data)
		if err != nil {
			return ck.wrap(err)
		}
		if m.Public == nil {
			return ck.wrap(errorf("not a PublicMessage (wire_format %d)", m.WireFormat))
		}
		ck.noErr("membership tag", m.Public.VerifyMembershipTag(s, mk, gc))
		ck.noErr("signature", mls.VerifyContent(s, c.SignaturePub, mls.WirePublicMessage, &m.Public.Content, &m.Public.Auth, gc))
		ck.equal("content", contentBody(&m.Public.Content), raw)
		return nil
	}
	// checkPriv: the PrivateMessage unprotects with the secret tree,
	// sender_data_secret and signature_pub, and carries the raw data.
	checkPriv := func(ck *checker, m *mls.PrivateMessage, raw []byte) error {
		keys, err := newKeys()
		if err != nil {
			return err
		}
		fc, auth, err := m.Open(s, keys)
		if err != nil {
			return ck.wrap(err)
		}
		ck.noErr("signature", mls.VerifyContent(s, c.SignaturePub, mls.WirePrivateMessage, fc, auth, gc))
		ck.equal("content", contentBody(fc), raw)
		return nil
	}

	for _, k := range []struct {
		name     string
		ct       mls.ContentType
		raw, pub []byte
		priv     []byte
	}{
		{"proposal", mls.ContentProposal, c.Proposal, c.ProposalPub, c.ProposalPriv},
		{"commit", mls.ContentCommit, c.Commit, c.CommitPub, c.CommitPriv},
		{"application", mls.ContentApplication, c.Application, nil, c.ApplicationPriv},
	} {
		fc, err := content(k.ct, k.raw)
		if err != nil {
			return errorf("%s: %w", k.name, err)
		}
		sig, err := mls.SignContent(s, sigKey, mls.WirePublicMessage, fc, gc)
		if err != nil {
			return errorf("%s: signing: %w", k.name, err)
		}
		auth := mls.FramedContentAuthData{Signature: sig}
		if k.ct == mls.ContentCommit {
			auth.ConfirmationTag = make([]byte, s.Nh()) // any MAC value frames the same
		}
		if k.pub != nil {
			// The vector's PublicMessage verifies ...
			if err := checkPub(ck.in("%s_pub", k.name), k.pub, k.raw); err != nil {
				return err
			}
			// ... and so does one protected here with membership_key
			// and signature_priv.
			pm, err := mls.NewPublicMessage(s, fc, auth, mk, gc)
			if err != nil {
				return errorf("%s: NewPublicMessage: %w", k.name, err)
			}
			own := (&mls.MLSMessage{WireFormat: mls.WirePublicMessage, Public: pm}).Bytes()
			if err := checkPub(ck.in("%s protected as public", k.name), own, k.raw); err != nil {
				return err
			}
		} else if _, err := mls.NewPublicMessage(s, fc, auth, mk, gc); err == nil {
			// For the application message, protecting as a
			// PublicMessage fails.
			ck.errorf("%s: protecting as a PublicMessage succeeded", k.name)
		}

		// The vector's PrivateMessage unprotects ...
		m, err := mls.ParseMLSMessage(k.priv)
		if err != nil {
			return errorf("%s_priv: %w", k.name, err)
		}
		if m.Private == nil {
			return errorf("%s_priv: not a PrivateMessage (wire_format %d)", k.name, m.WireFormat)
		}
		if err := checkPriv(ck.in("%s_priv", k.name), m.Private, k.raw); err != nil {
			return err
		}

		// ... and so does one protected here with the secret tree,
		// sender_data_secret and signature_priv.
		if auth.Signature, err = mls.SignContent(s, sigKey, mls.WirePrivateMessage, fc, gc); err != nil {
			return errorf("%s: signing: %w", k.name, err)
		}
		keys, err := newKeys()
		if err != nil {
			return err
		}
		pm, err := mls.NewPrivateMessage(s, fc, auth, keys, mls.PadTo(32), seeded(1))
		if err != nil {
			return errorf("%s: NewPrivateMessage: %w", k.name, err)
		}
		encoded := (&mls.MLSMessage{WireFormat: mls.WirePrivateMessage, Private: pm}).Bytes()
		back, err := mls.ParseMLSMessage(encoded)
		if err != nil {
			return errorf("%s: own PrivateMessage: %w", k.name, err)
		}
		if err := checkPriv(ck.in("%s protected as private", k.name), back.Private, k.raw); err != nil {
			return err
		}

		// Beyond the steps: tampering with the ciphertext is detected.
		bad := *back.Private
		bad.Ciphertext = bytes.Clone(bad.Ciphertext)
		bad.Ciphertext[len(bad.Ciphertext)-1] ^= 1
		if keys, err = newKeys(); err != nil {
			return err
		}
		if _, _, err := bad.Open(s, keys); err == nil {
			ck.errorf("%s: tampered PrivateMessage opened", k.name)
		}
	}
	return nil
}

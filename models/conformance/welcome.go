package conformance

import (
	"bytes"
	"errors"
	"fmt"

	ks "cgkalab/models/keyschedule"
	"cgkalab/models/mls"
	rt "cgkalab/models/ratchettree"
	"cgkalab/models/suite"
	"cgkalab/models/vectors"
)

// welcomeCase is one entry of welcome.json (test-vectors.md, "Welcome").
type welcomeCase struct {
	InitPriv   vectors.Hex `json:"init_priv"`
	SignerPub  vectors.Hex `json:"signer_pub"`
	KeyPackage vectors.Hex `json:"key_package"` // MLSMessage(KeyPackage)
	Welcome    vectors.Hex `json:"welcome"`     // MLSMessage(Welcome)
}

func runWelcome(ck *checker, s *suite.Suite, c *welcomeCase) error {
	km, err := mls.ParseMLSMessage(c.KeyPackage)
	if err != nil {
		return errorf("key_package: %w", err)
	}
	if km.KeyPackage == nil {
		return errorf("key_package: not a KeyPackage (wire_format %d)", km.WireFormat)
	}
	wm, err := mls.ParseMLSMessage(c.Welcome)
	if err != nil {
		return errorf("welcome: %w", err)
	}
	if wm.Welcome == nil {
		return errorf("welcome: not a Welcome (wire_format %d)", wm.WireFormat)
	}
	initKey, err := s.ParseHPKEPrivateKey(c.InitPriv)
	if err != nil {
		return errorf("init_priv: %w", err)
	}
	// Decrypt the Welcome: find the entry of welcome.secrets for
	// key_package, decrypt the group secrets with init_priv ...
	gs, err := wm.Welcome.DecryptGroupSecrets(s, km.KeyPackage, initKey)
	if err != nil {
		return err
	}
	// ... and the group info, with the welcome secret of joiner_secret
	// and no PSKs.
	gi, err := wm.Welcome.DecryptGroupInfo(s, ks.JoinerSecret(gs.JoinerSecret), nil)
	if err != nil {
		return err
	}
	// The signature on the group info verifies with signer_pub.
	ck.noErr("GroupInfo signature", gi.Verify(s, c.SignerPub))
	// The confirmation_tag: a key schedule epoch from joiner_secret with
	// no PSKs gives the confirmation_key; the candidate tag over the
	// GroupContext's confirmed_transcript_hash equals confirmation_tag.
	secrets, err := ks.DeriveFromJoiner(s, ks.JoinerSecret(gs.JoinerSecret), nil, &gi.GroupContext)
	if err != nil {
		return errorf("key schedule: %w", err)
	}
	tag, err := secrets.Confirmation.Tag(s, gi.GroupContext.ConfirmedTranscriptHash)
	if err != nil {
		return errorf("confirmation tag: %w", err)
	}
	ck.equal("confirmation_tag", gi.ConfirmationTag, tag)
	return nil
}

// passiveCase is one entry of the passive-client-*.json files
// (test-vectors.md, "Passive Client Scenarios").
type passiveCase struct {
	ExternalPSKs []struct {
		PSKID vectors.Hex `json:"psk_id"`
		PSK   vectors.Hex `json:"psk"`
	} `json:"external_psks"`
	KeyPackage                vectors.Hex `json:"key_package"`
	SignaturePriv             vectors.Hex `json:"signature_priv"`
	EncryptionPriv            vectors.Hex `json:"encryption_priv"`
	InitPriv                  vectors.Hex `json:"init_priv"`
	Welcome                   vectors.Hex `json:"welcome"`
	RatchetTree               vectors.Hex `json:"ratchet_tree"`
	InitialEpochAuthenticator vectors.Hex `json:"initial_epoch_authenticator"`
	Epochs                    []struct {
		Proposals          []vectors.Hex `json:"proposals"`
		Commit             vectors.Hex   `json:"commit"`
		EpochAuthenticator vectors.Hex   `json:"epoch_authenticator"`
	} `json:"epochs"`
}

// runPassive follows a passive client scenario. It stops at the first
// epoch that goes wrong: later epochs build on it.
func runPassive(ck *checker, s *suite.Suite, c *passiveCase) error {
	// The field holds an MLSMessage carrying the KeyPackage in the upstream
	// files, a bare KeyPackage in some generators: accept both.
	var kp *mls.KeyPackage
	if m, err := mls.ParseMLSMessage(c.KeyPackage); err == nil && m.KeyPackage != nil {
		kp = m.KeyPackage
	} else if kp, err = mls.ParseKeyPackage(c.KeyPackage); err != nil {
		return errorf("key_package: %w", err)
	}
	// signature_priv, encryption_priv and init_priv correspond to the
	// KeyPackage's signature_key, encryption_key and init_key.
	b := &mls.KeyPackageBundle{KeyPackage: kp}
	var err error
	if b.SigKey, err = s.ParseSignaturePrivateKey(c.SignaturePriv); err != nil {
		return errorf("signature_priv: %w", err)
	}
	if b.LeafKey, err = s.ParseHPKEPrivateKey(c.EncryptionPriv); err != nil {
		return errorf("encryption_priv: %w", err)
	}
	if b.InitKey, err = s.ParseHPKEPrivateKey(c.InitPriv); err != nil {
		return errorf("init_priv: %w", err)
	}
	var mismatch []error
	if !bytes.Equal(b.SigKey.PublicKey(), kp.LeafNode.SignatureKey) {
		mismatch = append(mismatch, errors.New("signature_priv does not match the KeyPackage's signature_key"))
	}
	if !bytes.Equal(b.LeafKey.PublicKey(), kp.LeafNode.EncryptionKey) {
		mismatch = append(mismatch, errors.New("encryption_priv does not match the KeyPackage's encryption_key"))
	}
	if !bytes.Equal(b.InitKey.PublicKey(), kp.InitKey) {
		mismatch = append(mismatch, errors.New("init_priv does not match the KeyPackage's init_key"))
	}
	if err := errors.Join(mismatch...); err != nil {
		return err
	}
	// Join with welcome, ratchet_tree (if given) and external_psks.
	cfg := mls.Config{ExternalPSKs: map[string][]byte{}}
	for _, p := range c.ExternalPSKs {
		cfg.ExternalPSKs[string(p.PSKID)] = p.PSK
	}
	wm, err := mls.ParseMLSMessage(c.Welcome)
	if err != nil {
		return errorf("welcome: %w", err)
	}
	if wm.Welcome == nil {
		return errorf("welcome: not a Welcome (wire_format %d)", wm.WireFormat)
	}
	var tree *rt.Tree
	if c.RatchetTree != nil {
		if tree, err = rt.Unmarshal(s, c.RatchetTree); err != nil {
			return errorf("ratchet_tree: %w", err)
		}
	}
	g, err := mls.Join(s, wm.Welcome, b, tree, cfg)
	if err != nil {
		return errorf("join: %w", err)
	}
	// The epoch_authenticator equals initial_epoch_authenticator.
	if !bytes.Equal(g.EpochAuthenticator(), c.InitialEpochAuthenticator) {
		return errorf("initial epoch authenticator %x, want %x", g.EpochAuthenticator(), c.InitialEpochAuthenticator)
	}
	// For each epoch: apply commit, with the proposals it covers by
	// reference; the epoch_authenticator is as given.
	for i, e := range c.Epochs {
		for j, p := range e.Proposals {
			m, err := mls.ParseMLSMessage(p)
			if err != nil {
				return fmt.Errorf("epoch %d proposal %d: %w", i, j, err)
			}
			if _, err := g.Process(m); err != nil {
				return fmt.Errorf("epoch %d proposal %d: %w", i, j, err)
			}
		}
		m, err := mls.ParseMLSMessage(e.Commit)
		if err != nil {
			return fmt.Errorf("epoch %d commit: %w", i, err)
		}
		if _, err := g.Process(m); err != nil {
			return fmt.Errorf("epoch %d commit: %w", i, err)
		}
		if !bytes.Equal(g.EpochAuthenticator(), e.EpochAuthenticator) {
			return fmt.Errorf("epoch %d: epoch authenticator %x, want %x", i, g.EpochAuthenticator(), e.EpochAuthenticator)
		}
	}
	return nil
}

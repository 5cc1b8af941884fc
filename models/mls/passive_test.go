package mls

import (
	"bytes"
	"fmt"
	"testing"

	rt "cgkalab/models/ratchettree"
	"cgkalab/models/suite"
	"cgkalab/models/vectors"
	"cgkalab/models/vectors/vectortest"
)

// passiveCase is one entry of the passive-client-*.json files
// (test-vectors.md, "Passive Client Scenarios").
type passiveCase struct {
	CipherSuite  uint16 `json:"cipher_suite"`
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

// runPassive follows the verification steps of a passive client scenario.
func runPassive(c *passiveCase) error {
	s, err := suite.ByID(suite.ID(c.CipherSuite))
	if err != nil {
		return errSkip{err}
	}
	// The field holds an MLSMessage carrying the KeyPackage in the upstream
	// files, a bare KeyPackage in some generators: accept both.
	var kp *KeyPackage
	if m, err := ParseMLSMessage(c.KeyPackage); err == nil && m.KeyPackage != nil {
		kp = m.KeyPackage
	} else if kp, err = ParseKeyPackage(c.KeyPackage); err != nil {
		return err
	}
	b := &KeyPackageBundle{KeyPackage: kp}
	if b.SigKey, err = s.ParseSignaturePrivateKey(c.SignaturePriv); err != nil {
		return err
	}
	if b.LeafKey, err = s.ParseHPKEPrivateKey(c.EncryptionPriv); err != nil {
		return err
	}
	if b.InitKey, err = s.ParseHPKEPrivateKey(c.InitPriv); err != nil {
		return err
	}
	if !bytes.Equal(b.SigKey.PublicKey(), kp.LeafNode.SignatureKey) || !bytes.Equal(b.LeafKey.PublicKey(), kp.LeafNode.EncryptionKey) || !bytes.Equal(b.InitKey.PublicKey(), kp.InitKey) {
		return fmt.Errorf("private keys do not match the KeyPackage")
	}
	cfg := Config{ExternalPSKs: map[string][]byte{}}
	for _, p := range c.ExternalPSKs {
		cfg.ExternalPSKs[string(p.PSKID)] = p.PSK
	}
	wm, err := ParseMLSMessage(c.Welcome)
	if err != nil {
		return err
	}
	if wm.Welcome == nil {
		return fmt.Errorf("welcome field is not a Welcome")
	}
	var tree *rt.Tree
	if c.RatchetTree != nil {
		if tree, err = rt.Unmarshal(s, c.RatchetTree); err != nil {
			return err
		}
	}
	g, err := Join(s, wm.Welcome, b, tree, cfg)
	if err != nil {
		return fmt.Errorf("join: %w", err)
	}
	if !bytes.Equal(g.EpochAuthenticator(), c.InitialEpochAuthenticator) {
		return fmt.Errorf("initial epoch authenticator %x, want %x", g.EpochAuthenticator(), c.InitialEpochAuthenticator)
	}
	for i, e := range c.Epochs {
		for j, p := range e.Proposals {
			m, err := ParseMLSMessage(p)
			if err != nil {
				return fmt.Errorf("epoch %d proposal %d: %w", i, j, err)
			}
			if _, err := g.Process(m); err != nil {
				return fmt.Errorf("epoch %d proposal %d: %w", i, j, err)
			}
		}
		m, err := ParseMLSMessage(e.Commit)
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

type errSkip struct{ error }

func testPassive(t *testing.T, file string) {
	var cases []passiveCase
	vectortest.Load(t, file, &cases)
	for i := range cases {
		t.Run(fmt.Sprintf("%d/suite=%d", i, cases[i].CipherSuite), func(t *testing.T) {
			err := runPassive(&cases[i])
			if se, ok := err.(errSkip); ok {
				t.Skipf("cipher suite not implemented: %v", se.error)
			}
			if err != nil {
				t.Fatal(err)
			}
		})
	}
}

func TestPassiveClientWelcome(t *testing.T) { testPassive(t, "passive-client-welcome.json") }
func TestPassiveClientHandlingCommit(t *testing.T) {
	testPassive(t, "passive-client-handling-commit.json")
}
func TestPassiveClientRandom(t *testing.T) { testPassive(t, "passive-client-random.json") }

package treekem

import (
	"bytes"
	"fmt"
	"math/rand/v2"
	"testing"

	"cgkalab/models/keyschedule"
	rt "cgkalab/models/ratchettree"
	"cgkalab/models/suite"
	tm "cgkalab/models/treemath"
	"cgkalab/models/vectors"
	"cgkalab/models/vectors/vectortest"
)

type treekemCase struct {
	CipherSuite             uint16      `json:"cipher_suite"`
	GroupID                 vectors.Hex `json:"group_id"`
	Epoch                   uint64      `json:"epoch"`
	ConfirmedTranscriptHash vectors.Hex `json:"confirmed_transcript_hash"`
	RatchetTree             vectors.Hex `json:"ratchet_tree"`
	LeavesPrivate           []struct {
		Index          uint32      `json:"index"`
		EncryptionPriv vectors.Hex `json:"encryption_priv"`
		SignaturePriv  vectors.Hex `json:"signature_priv"`
		PathSecrets    []struct {
			Node       uint32      `json:"node"`
			PathSecret vectors.Hex `json:"path_secret"`
		} `json:"path_secrets"`
	} `json:"leaves_private"`
	UpdatePaths []struct {
		Sender        uint32        `json:"sender"`
		UpdatePath    vectors.Hex   `json:"update_path"`
		PathSecrets   []vectors.Hex `json:"path_secrets"` // null for the sender and blank leaves
		CommitSecret  vectors.Hex   `json:"commit_secret"`
		TreeHashAfter vectors.Hex   `json:"tree_hash_after"`
	} `json:"update_paths"`
}

func seeded(seed uint64) *rand.ChaCha8 {
	var s [32]byte
	s[0], s[1] = byte(seed), byte(seed>>8)
	return rand.NewChaCha8(s)
}

// TestTreeKEMVectors follows test-vectors.md, "TreeKEM", asserting each
// verification step.
func TestTreeKEMVectors(t *testing.T) {
	var cases []treekemCase
	vectortest.Load(t, "treekem.json", &cases)
	for ci, c := range cases {
		t.Run(fmt.Sprintf("%d/suite=%d", ci, c.CipherSuite), func(t *testing.T) {
			s, err := suite.ByID(suite.ID(c.CipherSuite))
			if err != nil {
				t.Skipf("cipher suite %d not implemented: %v", c.CipherSuite, err)
			}
			base, err := rt.Unmarshal(s, c.RatchetTree)
			if err != nil {
				t.Fatal(err)
			}
			// Private states, checked against the tree.
			type member struct {
				sigKey   *suite.SignaturePrivateKey
				leafPriv []byte
				secrets  map[tm.NodeIndex][]byte
			}
			members := map[tm.LeafIndex]*member{}
			for _, lp := range c.LeavesPrivate {
				l := tm.LeafIndex(lp.Index)
				m := &member{leafPriv: lp.EncryptionPriv, secrets: map[tm.NodeIndex][]byte{}}
				if m.sigKey, err = s.ParseSignaturePrivateKey(lp.SignaturePriv); err != nil {
					t.Fatal(err)
				}
				for _, ps := range lp.PathSecrets {
					m.secrets[tm.NodeIndex(ps.Node)] = ps.PathSecret
				}
				members[l] = m
			}
			newView := func(tree *rt.Tree, l tm.LeafIndex) *PrivateView {
				t.Helper()
				m := members[l]
				leafKey, err := s.ParseHPKEPrivateKey(m.leafPriv)
				if err != nil {
					t.Fatal(err)
				}
				if !bytes.Equal(leafKey.PublicKey(), tree.EncryptionKey(l.Node())) {
					t.Fatalf("leaf %d: encryption_priv does not match the tree", l)
				}
				v := NewPrivateView(s, l, leafKey)
				for x, ps := range m.secrets {
					if tree.IsBlank(x) {
						t.Fatalf("leaf %d holds a path secret for blank node %d", l, x)
					}
					if err := v.SetPathSecret(tree, x, ps); err != nil {
						t.Fatalf("leaf %d: %v", l, err)
					}
				}
				return v
			}
			for l := range members {
				newView(base, l)
			}
			gc := keyschedule.GroupContext{
				CipherSuite:             s.ID,
				GroupID:                 c.GroupID,
				Epoch:                   c.Epoch,
				ConfirmedTranscriptHash: c.ConfirmedTranscriptHash,
			}

			for ui, u := range c.UpdatePaths {
				sender := tm.LeafIndex(u.Sender)
				up, err := ParseUpdatePath(u.UpdatePath)
				if err != nil {
					t.Fatalf("update %d: %v", ui, err)
				}
				if !bytes.Equal(up.Bytes(), u.UpdatePath) {
					t.Errorf("update %d: UpdatePath does not re-encode identically", ui)
				}
				// Parent-hash validity relative to ratchet_tree, and the
				// merged tree's hash.
				tree := base.Clone()
				if _, err := MergePath(tree, sender, up, c.GroupID); err != nil {
					t.Fatalf("update %d: %v", ui, err)
				}
				if err := tree.VerifyParentHashes(); err != nil {
					t.Errorf("update %d: merged tree: %v", ui, err)
				}
				if h := tree.TreeHash(); !bytes.Equal(h, u.TreeHashAfter) {
					t.Errorf("update %d: tree_hash_after %x, want %x", ui, h, u.TreeHashAfter)
				}
				gc.TreeHash = tree.TreeHash()
				ctx := gc.Bytes()
				for j := range tree.LeafCount() {
					l := tm.LeafIndex(j)
					if l == sender || base.Leaf(l) == nil {
						continue
					}
					v := newView(base, l)
					d, err := v.DecryptPath(tree, sender, up, ctx, nil)
					if err != nil {
						t.Errorf("update %d, leaf %d: %v", ui, l, err)
						continue
					}
					if !bytes.Equal(d.PathSecret, u.PathSecrets[j]) {
						t.Errorf("update %d, leaf %d: path secret %x, want %x", ui, l, d.PathSecret, u.PathSecrets[j])
					}
					if !bytes.Equal(d.CommitSecret, u.CommitSecret) {
						t.Errorf("update %d, leaf %d: commit secret %x, want %x", ui, l, d.CommitSecret, u.CommitSecret)
					}
				}

				// A new UpdatePath from the same sender round-trips to
				// every other member.
				tree = base.Clone()
				sv := newView(tree, sender)
				pp, err := sv.PreparePath(tree, c.GroupID, tree.Leaf(sender), members[sender].sigKey, seeded(uint64(ui)))
				if err != nil {
					t.Fatalf("update %d: PreparePath: %v", ui, err)
				}
				gc.TreeHash = tree.TreeHash()
				ctx = gc.Bytes()
				newUp, _, err := pp.Encrypt(tree, ctx, nil, seeded(uint64(ui)+1000))
				if err != nil {
					t.Fatal(err)
				}
				if err := tree.VerifyParentHashes(); err != nil {
					t.Errorf("update %d: tree after own path: %v", ui, err)
				}
				// Receivers merge the encoded path into their own copy.
				encoded := newUp.Bytes()
				for j := range base.LeafCount() {
					l := tm.LeafIndex(j)
					if l == sender || base.Leaf(l) == nil {
						continue
					}
					rtree := base.Clone()
					rup, err := ParseUpdatePath(encoded)
					if err != nil {
						t.Fatal(err)
					}
					v := newView(rtree, l)
					if _, err := MergePath(rtree, sender, rup, c.GroupID); err != nil {
						t.Fatalf("update %d, leaf %d: merging new path: %v", ui, l, err)
					}
					if !bytes.Equal(rtree.TreeHash(), gc.TreeHash) {
						t.Errorf("update %d, leaf %d: tree hash after merging differs from the sender's", ui, l)
					}
					d, err := v.DecryptPath(rtree, sender, rup, ctx, nil)
					if err != nil {
						t.Errorf("update %d, leaf %d: new path: %v", ui, l, err)
						continue
					}
					if !bytes.Equal(d.CommitSecret, pp.CommitSecret()) {
						t.Errorf("update %d, leaf %d: new commit secret differs", ui, l)
					}
				}
			}
		})
	}
}

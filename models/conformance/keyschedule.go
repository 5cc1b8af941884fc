package conformance

import (
	"fmt"

	ks "cgkalab/models/keyschedule"
	"cgkalab/models/suite"
	tm "cgkalab/models/treemath"
	"cgkalab/models/vectors"
	"cgkalab/models/wire"
)

// keyScheduleCase is one entry of key-schedule.json (test-vectors.md,
// "Key Schedule").
type keyScheduleCase struct {
	GroupID           vectors.Hex `json:"group_id"`
	InitialInitSecret vectors.Hex `json:"initial_init_secret"`
	Epochs            []struct {
		TreeHash                vectors.Hex `json:"tree_hash"`
		CommitSecret            vectors.Hex `json:"commit_secret"`
		PSKSecret               vectors.Hex `json:"psk_secret"`
		ConfirmedTranscriptHash vectors.Hex `json:"confirmed_transcript_hash"`

		GroupContext vectors.Hex `json:"group_context"`

		JoinerSecret  vectors.Hex `json:"joiner_secret"`
		WelcomeSecret vectors.Hex `json:"welcome_secret"`
		InitSecret    vectors.Hex `json:"init_secret"`

		SenderDataSecret   vectors.Hex `json:"sender_data_secret"`
		EncryptionSecret   vectors.Hex `json:"encryption_secret"`
		ExporterSecret     vectors.Hex `json:"exporter_secret"`
		EpochAuthenticator vectors.Hex `json:"epoch_authenticator"`
		ExternalSecret     vectors.Hex `json:"external_secret"`
		ConfirmationKey    vectors.Hex `json:"confirmation_key"`
		MembershipKey      vectors.Hex `json:"membership_key"`
		ResumptionPSK      vectors.Hex `json:"resumption_psk"`

		ExternalPub vectors.Hex `json:"external_pub"`
		Exporter    struct {
			// The label is used as the literal string, although the
			// generator's labels look like hex.
			Label   string      `json:"label"`
			Context vectors.Hex `json:"context"`
			Length  int         `json:"length"`
			Secret  vectors.Hex `json:"secret"`
		} `json:"exporter"`
	} `json:"epochs"`
}

func runKeySchedule(ck *checker, s *suite.Suite, c *keyScheduleCase) error {
	// The first epoch starts from initial_init_secret; each later one from
	// the init_secret of the epoch before.
	init := ks.InitSecret(c.InitialInitSecret)
	for n, e := range c.Epochs {
		ek := ck.in("epoch %d", n)
		// A GroupContext of the suite, group_id, epoch = n, tree_hash,
		// confirmed_transcript_hash and no extensions matches
		// group_context.
		gc := &ks.GroupContext{
			CipherSuite:             s.ID,
			GroupID:                 c.GroupID,
			Epoch:                   uint64(n),
			TreeHash:                e.TreeHash,
			ConfirmedTranscriptHash: e.ConfirmedTranscriptHash,
		}
		ek.equal("group_context", gc.Bytes(), e.GroupContext)
		parsed, err := ks.ParseGroupContext(e.GroupContext)
		if err != nil {
			return ek.wrap(errorf("ParseGroupContext: %w", err))
		}
		ek.equal("re-encoded group_context", parsed.Bytes(), e.GroupContext)

		// The key schedule outputs are as specified given init_secret of
		// the prior epoch, commit_secret, psk_secret and the GroupContext.
		ep, err := ks.Derive(s, init, ks.CommitSecret(e.CommitSecret), ks.PSKSecret(e.PSKSecret), gc)
		if err != nil {
			return ek.wrap(errorf("Derive: %w", err))
		}
		want := epochWant{e.JoinerSecret, e.WelcomeSecret, e.InitSecret, e.SenderDataSecret,
			e.EncryptionSecret, e.ExporterSecret, e.EpochAuthenticator, e.ExternalSecret,
			e.ConfirmationKey, e.MembershipKey, e.ResumptionPSK}
		want.check(ek, ep)

		// Beyond the steps: the Welcome path reaches the same secrets
		// from joiner_secret.
		w, err := ks.JoinerSecret(e.JoinerSecret).WelcomeSecret(s, ks.PSKSecret(e.PSKSecret))
		if err != nil {
			return ek.wrap(err)
		}
		ek.equal("welcome_secret from joiner_secret", w, e.WelcomeSecret)
		joined, err := ks.DeriveFromJoiner(s, ks.JoinerSecret(e.JoinerSecret), ks.PSKSecret(e.PSKSecret), gc)
		if err != nil {
			return ek.wrap(errorf("DeriveFromJoiner: %w", err))
		}
		want.check(ek.in("from joiner_secret"), joined)

		// external_pub is the public key of KEM.DeriveKeyPair(external_secret).
		priv, err := ep.External.KeyPair(s)
		if err != nil {
			return ek.wrap(err)
		}
		ek.equal("external_pub", priv.PublicKey(), e.ExternalPub)

		// exporter.secret is MLS-Exporter(exporter.label, exporter.context,
		// exporter.length).
		x := e.Exporter
		got, err := ep.Exporter.Export(s, x.Label, x.Context, x.Length)
		if err != nil {
			return ek.wrap(err)
		}
		ek.equal("exporter.secret", got, x.Secret)
		init = ks.InitSecret(e.InitSecret)
	}
	return nil
}

// epochWant holds an epoch's expected secrets.
type epochWant struct {
	joiner, welcome, init, senderData, encryption, exporter,
	authenticator, external, confirmation, membership, resumption []byte
}

func (w *epochWant) check(ck *checker, ep *ks.EpochSecrets) {
	ck.equal("joiner_secret", ep.Joiner, w.joiner)
	ck.equal("welcome_secret", ep.Welcome, w.welcome)
	ck.equal("init_secret", ep.Init, w.init)
	ck.equal("sender_data_secret", ep.SenderData, w.senderData)
	ck.equal("encryption_secret", ep.Encryption, w.encryption)
	ck.equal("exporter_secret", ep.Exporter, w.exporter)
	ck.equal("epoch_authenticator", ep.Authenticator, w.authenticator)
	ck.equal("external_secret", ep.External, w.external)
	ck.equal("confirmation_key", ep.Confirmation, w.confirmation)
	ck.equal("membership_key", ep.Membership, w.membership)
	ck.equal("resumption_psk", ep.Resumption, w.resumption)
}

// pskCase is one entry of psk_secret.json (test-vectors.md, "Pre-Shared
// Keys").
type pskCase struct {
	PSKs []struct {
		PSKID    vectors.Hex `json:"psk_id"`
		PSK      vectors.Hex `json:"psk"`
		PSKNonce vectors.Hex `json:"psk_nonce"`
	} `json:"psks"`
	PSKSecret vectors.Hex `json:"psk_secret"`
}

func runPSKSecret(ck *checker, s *suite.Suite, c *pskCase) error {
	// For each PSK, a PreSharedKeyID of external type with psk_id and
	// psk_nonce; from those and the psk values, psk_secret matches.
	psks := make([]ks.PSK, len(c.PSKs))
	for j, p := range c.PSKs {
		psks[j] = ks.PSK{ID: ks.PreSharedKeyID{Type: ks.PSKTypeExternal, ID: p.PSKID, Nonce: p.PSKNonce}, Secret: p.PSK}
	}
	got, err := ks.NewPSKSecret(s, psks)
	if err != nil {
		return errorf("%d PSKs: %w", len(psks), err)
	}
	ck.equal(fmt.Sprintf("psk_secret of %d PSKs", len(psks)), got, c.PSKSecret)
	return nil
}

// secretTreeCase is one entry of secret-tree.json (test-vectors.md,
// "Secret Tree").
type secretTreeCase struct {
	SenderData struct {
		SenderDataSecret vectors.Hex `json:"sender_data_secret"`
		Ciphertext       vectors.Hex `json:"ciphertext"`
		Key              vectors.Hex `json:"key"`
		Nonce            vectors.Hex `json:"nonce"`
	} `json:"sender_data"`
	EncryptionSecret vectors.Hex `json:"encryption_secret"`
	Leaves           [][]struct {
		Generation       uint32      `json:"generation"`
		HandshakeKey     vectors.Hex `json:"handshake_key"`
		HandshakeNonce   vectors.Hex `json:"handshake_nonce"`
		ApplicationKey   vectors.Hex `json:"application_key"`
		ApplicationNonce vectors.Hex `json:"application_nonce"`
	} `json:"leaves"`
}

func runSecretTree(ck *checker, s *suite.Suite, c *secretTreeCase) error {
	// sender_data: key == sender_data_key(sender_data_secret, ciphertext),
	// nonce == sender_data_nonce(sender_data_secret, ciphertext).
	sd := c.SenderData
	key, nonce, err := ks.SenderDataSecret(sd.SenderDataSecret).KeyNonce(s, sd.Ciphertext)
	if err != nil {
		return errorf("sender data: %w", err)
	}
	ck.equal("sender_data key", key, sd.Key)
	ck.equal("sender_data nonce", nonce, sd.Nonce)

	// A secret tree with as many leaves as entries in leaves, rooted at
	// encryption_secret. The generations may come in any order, so the
	// ratchets keep every skipped key and allow any jump the case needs.
	var maxGen uint32
	for _, gens := range c.Leaves {
		for _, g := range gens {
			maxGen = max(maxGen, g.Generation)
		}
	}
	cfg := ks.SecretTreeConfig{MaxForwardDistance: maxGen, OutOfOrderTolerance: maxGen}
	tree, err := ks.NewSecretTree(s, ks.EncryptionSecret(c.EncryptionSecret), tm.LeafCountFor(uint32(len(c.Leaves))), cfg)
	if err != nil {
		return errorf("NewSecretTree: %w", err)
	}
	// For each leaf i and each entry: the handshake and application keys
	// and nonces of leaf i at generation are as given.
	for leaf, gens := range c.Leaves {
		for _, g := range gens {
			l := tm.LeafIndex(leaf)
			gk := ck.in("leaf %d generation %d", leaf, g.Generation)
			hs, err := tree.Key(l, ks.HandshakeRatchet, g.Generation)
			if err != nil {
				return gk.wrap(errorf("handshake: %w", err))
			}
			app, err := tree.Key(l, ks.ApplicationRatchet, g.Generation)
			if err != nil {
				return gk.wrap(errorf("application: %w", err))
			}
			gk.equal("handshake_key", hs.Key, g.HandshakeKey)
			gk.equal("handshake_nonce", hs.Nonce, g.HandshakeNonce)
			gk.equal("application_key", app.Key, g.ApplicationKey)
			gk.equal("application_nonce", app.Nonce, g.ApplicationNonce)
			if hs.Generation != g.Generation || app.Generation != g.Generation {
				gk.errorf("returned generations %d, %d", hs.Generation, app.Generation)
			}
		}
	}
	return nil
}

// transcriptCase is one entry of transcript-hashes.json (test-vectors.md,
// "Transcript Hashes").
type transcriptCase struct {
	ConfirmationKey              vectors.Hex `json:"confirmation_key"`
	AuthenticatedContent         vectors.Hex `json:"authenticated_content"`
	InterimTranscriptHashBefore  vectors.Hex `json:"interim_transcript_hash_before"`
	ConfirmedTranscriptHashAfter vectors.Hex `json:"confirmed_transcript_hash_after"`
	InterimTranscriptHashAfter   vectors.Hex `json:"interim_transcript_hash_after"`
}

func runTranscriptHashes(ck *checker, s *suite.Suite, c *transcriptCase) error {
	// authenticated_content contains a Commit: decode it field by field
	// here, independently of the models, and check that
	// SplitCommitContent agrees.
	confirmedInput, tag, err := parseAuthenticatedCommit(c.AuthenticatedContent)
	if err != nil {
		return errorf("authenticated_content: %w", err)
	}
	in, tg, err := ks.SplitCommitContent(s, c.AuthenticatedContent)
	if err != nil {
		return errorf("SplitCommitContent: %w", err)
	}
	ck.equal("SplitCommitContent ConfirmedTranscriptHashInput", in, confirmedInput)
	ck.equal("SplitCommitContent confirmation_tag", tg, tag)

	// authenticated_content.auth.confirmation_tag is a valid MAC for
	// confirmed_transcript_hash_after with key confirmation_key.
	key := ks.ConfirmationKey(c.ConfirmationKey)
	ck.noErr("confirmation_tag", key.Verify(s, c.ConfirmedTranscriptHashAfter, tag))
	want, err := key.Tag(s, c.ConfirmedTranscriptHashAfter)
	if err != nil {
		return errorf("confirmation tag: %w", err)
	}
	ck.equal("confirmation_tag", tag, want)

	// confirmed_transcript_hash_after and interim_transcript_hash_after
	// are the result of updating interim_transcript_hash_before with
	// authenticated_content.
	confirmed := ks.ConfirmedTranscriptHash(s, c.InterimTranscriptHashBefore, confirmedInput)
	ck.equal("confirmed_transcript_hash_after", confirmed, c.ConfirmedTranscriptHashAfter)
	interim := ks.InterimTranscriptHash(s, confirmed, tag)
	ck.equal("interim_transcript_hash_after", interim, c.InterimTranscriptHashAfter)
	return nil
}

// parseAuthenticatedCommit decodes an AuthenticatedContent carrying a Commit
// (RFC 9420, Sections 6 and 12.4) far enough to find its fields, and
// returns the encoded ConfirmedTranscriptHashInput (everything before
// confirmation_tag) and the confirmation tag. Inline proposals are skipped
// as the opaque vector they are; a path's LeafNode is decoded only for
// the basic and x509 credentials of Section 5.3.
func parseAuthenticatedCommit(data []byte) (confirmedInput, tag []byte, err error) {
	var split int
	err = wire.Unmarshal(data, "AuthenticatedContent", func(r *wire.Reader) {
		if wf := r.U16(); r.OK() && wf != 1 && wf != 2 {
			r.Failf("wire_format %d", wf)
		}
		r.Struct("FramedContent", func(r *wire.Reader) {
			r.Opaque() // group_id
			r.U64()    // epoch
			switch st := r.U8(); st {
			case 1, 2: // member, external
				r.U32()
			case 3, 4: // new_member_proposal, new_member_commit
			default:
				r.Failf("sender_type %d", st)
			}
			r.Opaque() // authenticated_data
			if ct := r.U8(); r.OK() && ct != 3 {
				r.Failf("content_type %d, want commit (3)", ct)
			}
			r.Struct("Commit", func(r *wire.Reader) {
				r.Opaque() // ProposalOrRef proposals<V>
				r.Optional(func(r *wire.Reader) {
					r.Struct("UpdatePath", func(r *wire.Reader) {
						skipLeafNode(r)
						r.Opaque() // UpdatePathNode nodes<V>
					})
				})
			})
		})
		r.Struct("FramedContentAuthData", func(r *wire.Reader) {
			r.Opaque() // signature
			split = r.Offset()
			tag = r.Opaque() // confirmation_tag
		})
	})
	if err != nil {
		return nil, nil, err
	}
	return data[:split], tag, nil
}

// skipLeafNode reads past a LeafNode (RFC 9420, Section 7.2).
func skipLeafNode(r *wire.Reader) {
	r.Struct("LeafNode", func(r *wire.Reader) {
		r.Opaque() // encryption_key
		r.Opaque() // signature_key
		switch ct := r.U16(); ct {
		case 1: // basic
			r.Opaque()
		case 2: // x509: Certificate certificates<V>
			r.Opaque()
		default:
			r.Failf("credential_type %d", ct)
		}
		for range 5 { // Capabilities: versions, cipher_suites, extensions, proposals, credentials
			r.Opaque()
		}
		switch src := r.U8(); src {
		case 1: // key_package: Lifetime
			r.U64()
			r.U64()
		case 2: // update
		case 3: // commit: parent_hash
			r.Opaque()
		default:
			r.Failf("leaf_node_source %d", src)
		}
		r.Opaque() // extensions
		r.Opaque() // signature
	})
}

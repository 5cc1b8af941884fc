package suite

// Known-answer tests beyond the MLS vectors: RFC 9180 Appendix A base-mode
// vectors for the DHKEM suites, draft-ietf-hpke-pq vectors for the PQ KEMs,
// and FIPS 204 key generation vectors for ML-DSA.

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"testing"

	"github.com/cloudflare/circl/sign"
)

func unhex(t *testing.T, s string) []byte {
	t.Helper()
	b, err := hex.DecodeString(s)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// hpkeKAT is the part of an HPKE base-mode test vector checked here: key
// derivation, encapsulation from the vector's ikmE, the first encryption
// (sequence number 0, whose nonce is base_nonce) and one export. Large
// values (PQ keys and ciphertexts) are given by their SHA-256.
type hpkeKAT struct {
	name              string
	suite             ID     // a suite with the vector's KEM, KDF and AEAD; 0 for KEM-only checks
	kemID             uint16 // used when suite is 0
	ikmR, skRm        string
	pkRm, pkRmSHA256  string
	ikmE              string
	enc, encSHA256    string
	sharedSecret      string
	info, aad, pt, ct string
	expCtx, expValue  string
}

const (
	rfcInfo  = "4f6465206f6e2061204772656369616e2055726e"
	katPT    = "4265617574792069732074727574682c20747275746820626561757479"
	katAAD   = "436f756e742d30"
	pqInfo   = "34663634363532303666366532303631323034373732363536333639363136653230353537323665"
	pqPT     = "34323635363137353734373932303639373332303734373237353734363832633230373437323735373436383230363236353631373537343739"
	pqExpCtx = "70736575646f72616e646f6d30"
)

var hpkeKATs = []hpkeKAT{
	// RFC 9180, Appendix A.1.1: DHKEM(X25519, HKDF-SHA256), HKDF-SHA256, AES-128-GCM.
	{name: "RFC 9180 A.1.1", suite: 0x0001,
		ikmR:         "6db9df30aa07dd42ee5e8181afdb977e538f5e1fec8a06223f33f7013e525037",
		skRm:         "4612c550263fc8ad58375df3f557aac531d26850903e55a9f23f21d8534e8ac8",
		pkRm:         "3948cfe0ad1ddb695d780e59077195da6c56506b027329794ab02bca80815c4d",
		ikmE:         "7268600d403fce431561aef583ee1613527cff655c1343f29812e66706df3234",
		enc:          "37fda3567bdbd628e88668c3c8d7e97d1d1253b6d4ea6d44c150f741f1bf4431",
		sharedSecret: "fe0e18c9f024ce43799ae393c7e8fe8fce9d218875e8227b0187c04e7d2ea1fc",
		info:         rfcInfo, aad: katAAD, pt: katPT,
		ct:     "f938558b5d72f1a23810b4be2ab4f84331acc02fc97babc53a52ae8218a355a96d8770ac83d07bea87e13c512a",
		expCtx: "54657374436f6e74657874", expValue: "e9e43065102c3836401bed8c3c3c75ae46be1639869391d62c61f1ec7af54931"},
	// RFC 9180, Appendix A.2.1: DHKEM(X25519, HKDF-SHA256), HKDF-SHA256, ChaCha20Poly1305.
	{name: "RFC 9180 A.2.1", suite: 0x0003,
		ikmR:         "1ac01f181fdf9f352797655161c58b75c656a6cc2716dcb66372da835542e1df",
		skRm:         "8057991eef8f1f1af18f4a9491d16a1ce333f695d4db8e38da75975c4478e0fb",
		pkRm:         "4310ee97d88cc1f088a5576c77ab0cf5c3ac797f3d95139c6c84b5429c59662a",
		ikmE:         "909a9b35d3dc4713a5e72a4da274b55d3d3821a37e5d099e74a647db583a904b",
		enc:          "1afa08d3dec047a643885163f1180476fa7ddb54c6a8029ea33f95796bf2ac4a",
		sharedSecret: "0bbe78490412b4bbea4812666f7916932b828bba79942424abb65244930d69a7",
		info:         rfcInfo, aad: katAAD, pt: katPT,
		ct:     "1c5250d8034ec2b784ba2cfd69dbdb8af406cfe3ff938e131f0def8c8b60b4db21993c62ce81883d2dd1b51a28",
		expCtx: "54657374436f6e74657874", expValue: "5acb09211139c43b3090489a9da433e8a30ee7188ba8b0a9a1ccf0c229283e53"},
	// RFC 9180, Appendix A.3.1: DHKEM(P-256, HKDF-SHA256), HKDF-SHA256, AES-128-GCM.
	{name: "RFC 9180 A.3.1", suite: 0x0002,
		ikmR:         "668b37171f1072f3cf12ea8a236a45df23fc13b82af3609ad1e354f6ef817550",
		skRm:         "f3ce7fdae57e1a310d87f1ebbde6f328be0a99cdbcadf4d6589cf29de4b8ffd2",
		pkRm:         "04fe8c19ce0905191ebc298a9245792531f26f0cece2460639e8bc39cb7f706a826a779b4cf969b8a0e539c7f62fb3d30ad6aa8f80e30f1d128aafd68a2ce72ea0",
		ikmE:         "4270e54ffd08d79d5928020af4686d8f6b7d35dbe470265f1f5aa22816ce860e",
		enc:          "04a92719c6195d5085104f469a8b9814d5838ff72b60501e2c4466e5e67b325ac98536d7b61a1af4b78e5b7f951c0900be863c403ce65c9bfcb9382657222d18c4",
		sharedSecret: "c0d26aeab536609a572b07695d933b589dcf363ff9d93c93adea537aeabb8cb8",
		info:         rfcInfo, aad: katAAD, pt: katPT,
		ct:     "5ad590bb8baa577f8619db35a36311226a896e7342a6d836d8b7bcd2f20b6c7f9076ac232e3ab2523f39513434",
		expCtx: "54657374436f6e74657874", expValue: "d8f1ea7942adbba7412c6d431c62d01371ea476b823eb697e1f6e6cae1dab85a"},
	// RFC 9180, Appendix A.6.1: DHKEM(P-521, HKDF-SHA512), HKDF-SHA512, AES-256-GCM.
	{name: "RFC 9180 A.6.1", suite: 0x0005,
		ikmR:         "2ad954bbe39b7122529f7dde780bff626cd97f850d0784a432784e69d86eccaade43b6c10a8ffdb94bf943c6da479db137914ec835a7e715e36e45e29b587bab3bf1",
		skRm:         "01462680369ae375e4b3791070a7458ed527842f6a98a79ff5e0d4cbde83c27196a3916956655523a6a2556a7af62c5cadabe2ef9da3760bb21e005202f7b2462847",
		pkRm:         "0401b45498c1714e2dce167d3caf162e45e0642afc7ed435df7902ccae0e84ba0f7d373f646b7738bbbdca11ed91bdeae3cdcba3301f2457be452f271fa6837580e661012af49583a62e48d44bed350c7118c0d8dc861c238c72a2bda17f64704f464b57338e7f40b60959480c0e58e6559b190d81663ed816e523b6b6a418f66d2451ec64",
		ikmE:         "7f06ab8215105fc46aceeb2e3dc5028b44364f960426eb0d8e4026c2f8b5d7e7a986688f1591abf5ab753c357a5d6f0440414b4ed4ede71317772ac98d9239f70904",
		enc:          "040138b385ca16bb0d5fa0c0665fbbd7e69e3ee29f63991d3e9b5fa740aab8900aaeed46ed73a49055758425a0ce36507c54b29cc5b85a5cee6bae0cf1c21f2731ece2013dc3fb7c8d21654bb161b463962ca19e8c654ff24c94dd2898de12051f1ed0692237fb02b2f8d1dc1c73e9b366b529eb436e98a996ee522aef863dd5739d2f29b0",
		sharedSecret: "776ab421302f6eff7d7cb5cb1adaea0cd50872c71c2d63c30c4f1d5e43653336fef33b103c67e7a98add2d3b66e2fda95b5b2a667aa9dac7e59cc1d46d30e818",
		info:         rfcInfo, aad: katAAD, pt: katPT,
		ct:     "170f8beddfe949b75ef9c387e201baf4132fa7374593dfafa90768788b7b2b200aafcc6d80ea4c795a7c5b841a",
		expCtx: "54657374436f6e74657874", expValue: "f389beaac6fcf6c0d9376e20f97e364f0609a88f1bc76d7328e9104df8477013"},

	// draft-ietf-hpke-pq test vectors, as shipped in Go's
	// crypto/hpke/testdata/hpke-pq.json (base mode). ikmE is the
	// encapsulation randomness: ML-KEM's m, then the group's scalar
	// candidates.
	{name: "hpke-pq ML-KEM-768, HKDF-SHA256, AES-128-GCM", kemID: 0x0041,
		ikmR:         "16835630bb0fbe89f7a5605bd673559f4a665773fd52aec4ea0cd4e7509e112ee5f9bbc75753ec5e86665343136139d2e8676ccd973ccf3114732dbae7445cf0",
		skRm:         "3530176644619eb968895c1a251e8568e063278a7d9f4314b7d0ad973be2fd0b9560e77a2ca3f07958d782cab43cbae46e16bbc90277545d333e11ddcf18df61",
		pkRmSHA256:   "b058724fd859b4dc182a1dbe76de12093c13c394a07729bf4004c7806f97ae52",
		ikmE:         "54274849d6fa9d1c71d658b4bcdec56bba6a4a49e0178fe4639d321920c258c0",
		encSHA256:    "2c1a73d275dd0001e1721c02d46cd2f478e4b24232125105f89cb4ac73dda5e7",
		sharedSecret: "02a5ae918c2061093153b64a9ab0e7fd0557b83c525ae40b5105445562acf451"},
	{name: "hpke-pq ML-KEM-1024, HKDF-SHA384, AES-256-GCM", suite: PrivateUseTBD8,
		ikmR:         "7544cdff18a3f8789f512337a27b6c68efd145a30ed3dc630f5dcc5ec6932929bce1c023147c48c954fdc213a7c9c0dd8895b8d28ec5c5e44d0b30abf9d8ca47",
		skRm:         "f279454d08150d5bd81252001d02e1099f12fb7e9be6da2fe427bbaa2d79b0ab67306c0153c052610c4fdba3fad3435aeb1b65817d442c5c18ce07ea42440005",
		pkRmSHA256:   "045b09f696f517d228b93d275cd20b872ea30d72da15ba15fd17a7b386847d42",
		ikmE:         "b79ccf36c6d61fb48511de939a6a23be436eb9c744bdbd3a6aab85bcad61377b",
		encSHA256:    "b5b48d7e0cee3cdc9bea2cc728b5c8781834907a542a89c2c8412bd262ab8503",
		sharedSecret: "82e39853d199735aa5bf8fb3fbee412de8b39ae39cbad0bd7326c3cf1f6c6232",
		info:         pqInfo, aad: katAAD, pt: pqPT,
		ct:     "ba95e8b9f0e4379e073383af32ee83594859e83f2ccb767886fc9af7e7610181e6245a732465884ceecbfdb9301b6865e05cc45e3587d0655bddcaf72459649c92db3d0a40f343f9d344",
		expCtx: pqExpCtx, expValue: "e35760f027e72a66915f5fa27d59383295a42242af91511563e6f0bd135fce81"},
	{name: "hpke-pq MLKEM768-P256, HKDF-SHA256, AES-128-GCM", suite: PrivateUseTBD3,
		ikmR:         "eeae80edb6af9026dcbd638fcef2f4a19e03ef68ed699e507780f2c7d167ca53",
		skRm:         "dfa3a04d54a0ec2f7edec57185e3df94063855fc7af64f25b815417a2c6eb0e4",
		pkRmSHA256:   "df5a72888ef5948abfc5ede46c7fc5063208b6f065ff53f317c34044cc5b468f",
		ikmE:         "93f347b9b3d83b860c47c6abc515490bf0d50775db3ebb660ecaf9ae5d6c309441bc577accfd8e9d87791ae51b05b01ac8727672c01f71776d0698b02a8059f46a17533a410438058744866e0ff78b7220d4ce4d96e130d30b65eb35011ed134a5c606031a8e93afa8a760b491fbc084b0622a28d430f3211b14b340396616dd",
		encSHA256:    "d2c98c031c61421425c3615f37c898cb8af9408535501f4c232efa96c676e4a3",
		sharedSecret: "3688931682c215e9e06ad620eba7faa70dd0d38081b4ea3d5b636ee062578991",
		info:         pqInfo, aad: katAAD, pt: pqPT,
		ct:     "7be7af12b6976de87ef38a5454e94dbca114430bc8ebf32bd81a631b2c5c7fe67fe01acc69197d53dcb207c48073b9b3ea9fb5e1d20f817b48c7b3257291ae26742bba1be707d78202d6",
		expCtx: pqExpCtx, expValue: "8ccc068f1e0364d9dfcd6f138f0f964e7d30275fa300548bd45b4022dc884851"},
	{name: "hpke-pq MLKEM768-X25519, HKDF-SHA256, ChaCha20Poly1305", kemID: 0x647a,
		ikmR:         "0379761fa4f6869592b0d1f9a71eb92b122dc030a7a8858132109f6b1a4bbde4",
		skRm:         "b3f98b03126a431ccecc62ae0f68e102c2d8e1cc7b21ba85d821d8e31761e0f8",
		pkRmSHA256:   "120b60e0ae3c00c1c9def1c61aeb12de710bfa49646ae6f99a7e564b25ace493",
		ikmE:         "a3a869097e0241158eca5dc6c9e695f9e0d2ee5db51c09c435aab69d56509a43d94ff76d7d47cf79ecf75394261236cec024bd849cc782e14f7f0738af83daed",
		encSHA256:    "3a7ef30fb815e75b7f0f16f5bab5c36250882d94ea0f776cc2241cdd3b36b480",
		sharedSecret: "b90cf181d95351d1091569487caaf6c3434eeb181a2c4c04631980ce139afa67"},
	{name: "hpke-pq MLKEM1024-P384, HKDF-SHA384, AES-256-GCM", suite: PrivateUseTBD5,
		ikmR:         "0ac1e0b6b264f0de171b33b9fea8b6695c06f46bd5f838fa29cbcae1c6ce1119",
		skRm:         "f1f10a30f20972ad29572652176e80ee17d2bd8a259e2b194eb05b8171a7f791",
		pkRmSHA256:   "b87fb8b7fe25f4b92469bbe8f6093dda950a7a22c524ada72e927e5fa9211886",
		ikmE:         "6348148038b95c85a5cc10f9f2588090f269aa2aff80136df5d91cb863f0d29016d193591c0260600ce442e4db3255f95458f5580055b2d0e7b61a1ae226fd81689170775864984f69d203add08af3c9",
		encSHA256:    "b4922575995bf0062fd026b00fff51dc77a22790b7ccd6f047fb528eed0668a1",
		sharedSecret: "295f5c336824d9726e2d92b0f6c4bbc689038071ac6a61bd9427d6779e5ef3f6",
		info:         pqInfo, aad: katAAD, pt: pqPT,
		ct:     "58d7c48ed3f702c537ee4329993917013a02c4bb4c6d859cf2a8babfcab3c1837af507b25ac10909742c0b8aa5f664879b0cce8714ab264767cc258514e950058a8b9fdfbaf4d00c5d19",
		expCtx: pqExpCtx, expValue: "80c72970a944788041845d9e25708627692c7d3f0ecd1f4d5062a0c279e18b7d"},
}

// checkBytes compares got with a hex value, or its SHA-256 with a hex hash.
func checkBytes(t *testing.T, what string, got []byte, want, wantSHA256 string) {
	t.Helper()
	switch {
	case want != "":
		if w := unhex(t, want); !bytes.Equal(got, w) {
			t.Errorf("%s = %x, want %x", what, got, w)
		}
	case wantSHA256 != "":
		if h := sha256.Sum256(got); !bytes.Equal(h[:], unhex(t, wantSHA256)) {
			t.Errorf("SHA-256(%s) = %x, want %s", what, h, wantSHA256)
		}
	}
}

func TestHPKEKnownAnswers(t *testing.T) {
	for _, v := range hpkeKATs {
		t.Run(v.name, func(t *testing.T) {
			var s *Suite
			if v.suite != 0 {
				var err error
				if s, err = ByID(v.suite); err != nil {
					t.Fatal(err)
				}
			} else {
				for _, c := range All() {
					if c.kem.id() == v.kemID {
						s = c // any suite with the KEM, for KEM-level checks
						break
					}
				}
			}
			priv, err := s.DeriveKeyPair(unhex(t, v.ikmR))
			if err != nil {
				t.Fatal(err)
			}
			checkBytes(t, "skRm", priv.Bytes(), v.skRm, "")
			checkBytes(t, "pkRm", priv.PublicKey(), v.pkRm, v.pkRmSHA256)
			parsed, err := s.ParseHPKEPrivateKey(unhex(t, v.skRm))
			if err != nil {
				t.Fatal(err)
			}
			checkBytes(t, "pk(DeserializePrivateKey(skRm))", parsed.PublicKey(), v.pkRm, v.pkRmSHA256)

			// Encap(pkR) with the vector's randomness (RFC 9180, Section 4).
			ss, enc, err := s.kem.encap(priv.PublicKey(), bytes.NewReader(unhex(t, v.ikmE)))
			if err != nil {
				t.Fatal(err)
			}
			checkBytes(t, "enc", enc, v.enc, v.encSHA256)
			checkBytes(t, "shared_secret", ss, v.sharedSecret, "")
			if v.suite == 0 {
				return // the vector's KDF and AEAD belong to no MLS suite
			}

			info, aad, pt := unhex(t, v.info), unhex(t, v.aad), unhex(t, v.pt)
			enc, ct, err := s.SealBase(priv.PublicKey(), info, aad, pt, bytes.NewReader(unhex(t, v.ikmE)))
			if err != nil {
				t.Fatal(err)
			}
			checkBytes(t, "SealBase enc", enc, v.enc, v.encSHA256)
			checkBytes(t, "SealBase ct", ct, v.ct, "")
			if got, err := s.OpenBase(parsed, enc, info, aad, unhex(t, v.ct)); err != nil || !bytes.Equal(got, pt) {
				t.Errorf("OpenBase = %x, %v; want %x", got, err, pt)
			}
			expValue := unhex(t, v.expValue)
			_, secret, err := s.SendExport(priv.PublicKey(), info, unhex(t, v.expCtx), len(expValue), bytes.NewReader(unhex(t, v.ikmE)))
			if err != nil {
				t.Fatal(err)
			}
			checkBytes(t, "exported_value (sender)", secret, v.expValue, "")
			secret, err = s.ReceiveExport(parsed, enc, info, unhex(t, v.expCtx), len(expValue))
			if err != nil {
				t.Fatal(err)
			}
			checkBytes(t, "exported_value (receiver)", secret, v.expValue, "")
		})
	}
}

// TestMLDSAKeyGenKnownAnswers checks ML-DSA.KeyGen_internal(ξ) (FIPS 204,
// Algorithm 6) against NIST ACVP vectors as quoted in Go's
// crypto/internal/fips140/mldsa tests: keyHash = SHA-256(pk || sk).
func TestMLDSAKeyGenKnownAnswers(t *testing.T) {
	for _, v := range []struct {
		suite         ID
		seed, keyHash string
	}{
		{PrivateUseTBD9, "5C624FCC1862452452D0C665840D8237F43108E5499EDCDC108FBC49D596E4B7", "AC825C59D8A4C453A2C4EFEA8395741CA404F3000E28D56B25D03BB402E5CB2F"},
		{PrivateUseTBD10, "464756A985E5DF03739D95DD309C1ED9C5B04254CC294E7E7EB9B9365EE15117", "AE95EA0DAA80199E7B4A74EB5A1B1DC6C3805BD01D2FA78D7C4FBA8C255AA13D"},
		{PrivateUseTBD11, "0D58219132746BE077DFE821E9F8FD87857B28AB91D6A567E312A73E2636032C", "4D261270341A7AC6B66900DDC2B8AB34AB483C897410DDF3B2C072BDDA416434"},
	} {
		s, err := ByID(v.suite)
		if err != nil {
			t.Fatal(err)
		}
		k, err := s.ParseSignaturePrivateKey(unhex(t, v.seed))
		if err != nil {
			t.Fatal(err)
		}
		sk, err := k.key.(sign.PrivateKey).MarshalBinary()
		if err != nil {
			t.Fatal(err)
		}
		checkBytes(t, s.SignatureScheme()+" pk || sk", append(k.PublicKey(), sk...), "", v.keyHash)
	}
}

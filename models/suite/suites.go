package suite

// The cipher suites of RFC 9420, Section 17.1.
func init() {
	register(&Suite{ID: 0x0001, Name: "MLS_128_DHKEMX25519_AES128GCM_SHA256_Ed25519", hash: sha256Alg, kem: dhkemX25519, aead: aes128GCM, sig: ed25519Signer})
	register(&Suite{ID: 0x0002, Name: "MLS_128_DHKEMP256_AES128GCM_SHA256_P256", hash: sha256Alg, kem: dhkemP256, aead: aes128GCM, sig: p256Signer})
	register(&Suite{ID: 0x0003, Name: "MLS_128_DHKEMX25519_CHACHA20POLY1305_SHA256_Ed25519", hash: sha256Alg, kem: dhkemX25519, aead: chacha20Poly1305, sig: ed25519Signer})
	register(&Suite{ID: 0x0004, Name: "MLS_256_DHKEMX448_AES256GCM_SHA512_Ed448", hash: sha512Alg, kem: dhkemX448, aead: aes256GCM, sig: ed448Signer})
	register(&Suite{ID: 0x0005, Name: "MLS_256_DHKEMP521_AES256GCM_SHA512_P521", hash: sha512Alg, kem: dhkemP521, aead: aes256GCM, sig: p521Signer})
	register(&Suite{ID: 0x0006, Name: "MLS_256_DHKEMX448_CHACHA20POLY1305_SHA512_Ed448", hash: sha512Alg, kem: dhkemX448, aead: chacha20Poly1305, sig: ed448Signer})
	register(&Suite{ID: 0x0007, Name: "MLS_256_DHKEMP384_AES256GCM_SHA384_P384", hash: sha384Alg, kem: dhkemP384, aead: aes256GCM, sig: p384Signer})

	pq := func(id ID, tbd, name string, h hashAlg, k kem, a aead, sg signer) {
		register(&Suite{ID: id, Name: name, Provisional: true, draftValue: tbd, hash: h, kem: k, aead: a, sig: sg})
	}
	pq(PrivateUseTBD1, "TBD1", "MLS_128_MLKEM768X25519_AES128GCM_SHA256_Ed25519", sha256Alg, kemMLKEM768X25519, aes128GCM, ed25519Signer)
	pq(PrivateUseTBD2, "TBD2", "MLS_128_MLKEM768X25519_AES256GCM_SHA384_Ed25519", sha384Alg, kemMLKEM768X25519, aes256GCM, ed25519Signer)
	pq(PrivateUseTBD3, "TBD3", "MLS_128_MLKEM768P256_AES128GCM_SHA256_P256", sha256Alg, kemMLKEM768P256, aes128GCM, p256Signer)
	pq(PrivateUseTBD4, "TBD4", "MLS_128_MLKEM768P256_AES256GCM_SHA384_P256", sha384Alg, kemMLKEM768P256, aes256GCM, p256Signer)
	pq(PrivateUseTBD5, "TBD5", "MLS_192_MLKEM1024P384_AES256GCM_SHA384_P384", sha384Alg, kemMLKEM1024P384, aes256GCM, p384Signer)
	pq(PrivateUseTBD6, "TBD6", "MLS_128_MLKEM768_AES256GCM_SHA384_Ed25519", sha384Alg, kemMLKEM768, aes256GCM, ed25519Signer)
	pq(PrivateUseTBD7, "TBD7", "MLS_128_MLKEM768_AES256GCM_SHA384_P256", sha384Alg, kemMLKEM768, aes256GCM, p256Signer)
	pq(PrivateUseTBD8, "TBD8", "MLS_192_MLKEM1024_AES256GCM_SHA384_P384", sha384Alg, kemMLKEM1024, aes256GCM, p384Signer)
	pq(PrivateUseTBD9, "TBD9", "MLS_128_MLKEM768X25519_CHACHA20POLY1305_SHA384_MLDSA44", sha384Alg, kemMLKEM768X25519, chacha20Poly1305, mldsa44Signer)
	pq(PrivateUseTBD10, "TBD10", "MLS_192_MLKEM768_AES256GCM_SHA384_MLDSA65", sha384Alg, kemMLKEM768, aes256GCM, mldsa65Signer)
	pq(PrivateUseTBD11, "TBD11", "MLS_256_MLKEM1024_AES256GCM_SHA384_MLDSA87", sha384Alg, kemMLKEM1024, aes256GCM, mldsa87Signer)
}

// Provisional code points for the cipher suites of
// draft-ietf-mls-pq-ciphersuites-06, whose values are still TBD1 … TBD11
// there. They lie in the range 0xF000–0xFFFF that RFC 9420, Section 17.1
// reserves for private use, so they cannot collide with an IANA assignment,
// and they will change once IANA assigns values. Suites registered with
// them have Provisional set.
const (
	PrivateUseTBD1  ID = 0xF001 // MLS_128_MLKEM768X25519_AES128GCM_SHA256_Ed25519
	PrivateUseTBD2  ID = 0xF002 // MLS_128_MLKEM768X25519_AES256GCM_SHA384_Ed25519
	PrivateUseTBD3  ID = 0xF003 // MLS_128_MLKEM768P256_AES128GCM_SHA256_P256
	PrivateUseTBD4  ID = 0xF004 // MLS_128_MLKEM768P256_AES256GCM_SHA384_P256
	PrivateUseTBD5  ID = 0xF005 // MLS_192_MLKEM1024P384_AES256GCM_SHA384_P384
	PrivateUseTBD6  ID = 0xF006 // MLS_128_MLKEM768_AES256GCM_SHA384_Ed25519
	PrivateUseTBD7  ID = 0xF007 // MLS_128_MLKEM768_AES256GCM_SHA384_P256
	PrivateUseTBD8  ID = 0xF008 // MLS_192_MLKEM1024_AES256GCM_SHA384_P384
	PrivateUseTBD9  ID = 0xF009 // MLS_128_MLKEM768X25519_CHACHA20POLY1305_SHA384_MLDSA44
	PrivateUseTBD10 ID = 0xF00A // MLS_192_MLKEM768_AES256GCM_SHA384_MLDSA65
	PrivateUseTBD11 ID = 0xF00B // MLS_256_MLKEM1024_AES256GCM_SHA384_MLDSA87
)

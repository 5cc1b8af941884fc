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
}

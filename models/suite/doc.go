// Package suite implements the cryptographic primitives of MLS cipher suites
// (RFC 9420, Section 5.1 and Section 17.1) and of the post-quantum suites of
// draft-ietf-mls-pq-ciphersuites-06: the KDF and its labelled forms, hashes
// and hash references, MAC, AEAD, HPKE in base mode with EncryptWithLabel
// and DecryptWithLabel, DeriveKeyPair, and signatures with SignWithLabel
// and VerifyWithLabel.
//
// # Determinism
//
// Every operation is deterministic given the random source passed in, and
// nothing in this package reads crypto/rand: HPKE encapsulation draws all
// of its randomness from the caller's io.Reader, and signatures are
// deterministic (Ed25519, Ed448, RFC 6979 ECDSA, ML-DSA with rnd = 0), so
// the same simulation seed gives the same bytes.
//
// HPKE base mode (RFC 9180, Sections 5.1 and 6.1) is written out here over
// a small KEM interface because Go's crypto/hpke ignores the caller's
// randomness when sealing. The receiving side of the post-quantum KEMs is
// crypto/hpke itself (DeriveKeyPair, DeserializePrivateKey, Decap and the
// key schedule, through hpke.NewRecipient); the sending side is written out
// in pqkem.go. Tests hold both sides against crypto/hpke in both
// directions, against circl's hpke byte for byte for the DHKEMs, and against
// the test vectors of RFC 9180 Appendix A and draft-ietf-hpke-pq.
//
// # Post-quantum suites and their code points
//
// draft-ietf-mls-pq-ciphersuites-06 leaves its code points as TBD1 …
// TBD11. They are registered here at 0xF001 … 0xF00B (PrivateUseTBD1 …
// PrivateUseTBD11), in the range 0xF000–0xFFFF that RFC 9420, Section 17.1
// reserves for private use, with Provisional set and the draft's names.
// These numbers will change when IANA assigns values. The KEMs are those of
// draft-ietf-hpke-pq: ML-KEM-768 (0x0041), ML-KEM-1024 (0x0042),
// MLKEM768-P256 (0x0050), MLKEM1024-P384 (0x0051) and MLKEM768-X25519,
// a.k.a. X-Wing (0x647a). The ML-DSA private key format accepted by
// ParseSignaturePrivateKey is the 32-byte seed ξ (FIPS 204, Algorithm 6).
//
// Serialized X25519 and X448 private keys are the scalar as derived, not
// clamped: RFC 9180's own test vectors, the MLS test vectors and circl
// serialize this way, while RFC 9180, Section 7.1.2 (and crypto/hpke)
// clamp. DeserializePrivateKey clamps either way, so both forms name the
// same key.
//
// # Implementations, chosen by measurement
//
// Correctness first (each choice is cross-checked by the tests named
// above), then speed. Times are ns/op medians of six 200 ms runs
// (BenchmarkChoice* in choice_test.go, go1.26.8, linux/amd64, 2 shared
// cores of an AMD EPYC under other load):
//
//   - SHA-2, HMAC, AES-GCM, P-256/P-384/P-521 ECDH (crypto/ecdh), ECDSA,
//     Ed25519, SHA3-256: Go standard library. HKDF (RFC 5869) is written
//     here on crypto/hmac: HKDF-Expand of 32 bytes 1290 vs crypto/hkdf 1310.
//     Ed25519: crypto/ed25519 sign 29.7k vs circl 35.8k, verify 68.3k vs
//     65.7k (within noise); the standard library is kept.
//   - ChaCha20-Poly1305: golang.org/x/crypto (the standard library's copy
//     is internal).
//   - X25519 (DHKEM and the X-Wing ephemeral): circl dh/x25519, one
//     keygen plus one DH 88.7k vs crypto/ecdh 153.8k.
//   - X448 and Ed448: circl (the only implementations at hand).
//   - ML-KEM encapsulation (the sending side): circl kem/mlkem, derandomized
//     Encaps with the 32-byte m from the caller. With decoding of the
//     encapsulation key, ML-KEM-768 56.6k vs 172.0k for crypto/mlkem plus
//     crypto/mlkem/mlkemtest.Encapsulate768 (which decodes the key a second
//     time and is documented for known-answer tests only); ML-KEM-1024
//     88.4k vs 212.9k. Tests check the two agree byte for byte.
//   - ML-KEM key derivation and decapsulation (the receiving side):
//     crypto/hpke, which implements draft-ietf-hpke-pq's DeriveKeyPair and
//     seed expansion (circl's X-Wing key derivation does not). circl would
//     be faster (KeyGen_internal 35.9k vs 74.0k, Decaps 27.4k vs 81.5k for
//     ML-KEM-768) but needs the key derivation and hybrid decapsulation
//     written out again; not done.
//   - ML-DSA-44/65/87: circl sign/mldsa (the standard library's ML-DSA is
//     internal). Deterministic signing; its time varies with the message
//     through the rejection loop, so BenchmarkSign cycles through 64
//     messages and BenchmarkSignRandomized times hedged signing alongside.
//
// Benchmarks of every primitive of every suite are in bench_test.go, named
// BenchmarkX/suite=<decimal code point>.
package suite

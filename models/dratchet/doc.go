// Package dratchet implements Signal-style pairwise sessions with real
// cryptography from a cipher suite (models/suite): an X3DH-style session
// setup and the Double Ratchet, with exact TLS-style encodings
// (encoding.go), and the mesh of pairwise sessions that the group
// protocols models/pairwise and models/senderkeys share (mesh.go), which
// also names every secret for the security oracle (symbolic.go).
//
// # Two modes, chosen by the suite
//
// DH mode, for the DHKEM suites of RFC 9420 (X25519, X448, P-256, P-384,
// P-521; suite 1 is X25519, Ed25519, HKDF-SHA256, AES-128-GCM):
//
//   - Setup is X3DH (Marlinspike, Perrin, "The X3DH Key Agreement
//     Protocol", 2016): the responder publishes a signed prekey and
//     one-time prekeys; the initiator computes DH1 = DH(IK_A, SPK_B),
//     DH2 = DH(EK_A, IK_B), DH3 = DH(EK_A, SPK_B), DH4 = DH(EK_A, OPK_B)
//     and SK = HKDF(salt 0, F || DH1 || DH2 || DH3 || DH4, info
//     "cgkalab X3DH" || IK_A || IK_B). Unlike Signal, which signs with the
//     identity DH key through XEdDSA, each client has a separate identity
//     signature key of the suite's scheme (Ed25519) that signs the
//     identity DH key, the prekey id and the signed prekey together.
//   - The Double Ratchet (Perrin, Marlinspike, "The Double Ratchet
//     Algorithm", 2016) as specified, with KDF_RK = HKDF(salt RK, DH
//     output, "cgkalab DR root") giving RK and CK, KDF_CK = HMAC(CK, 0x01)
//     for the message key and HMAC(CK, 0x02) for the next chain key,
//     message keys expanded by HKDF to the suite's AEAD key and nonce, and
//     the AEAD's associated data IK_A || IK_B || Header. Headers are not
//     encrypted (as in libsignal). The responder's signed prekey is its
//     first ratchet key; each received new ratchet key makes a DH ratchet
//     step at once (a receiving chain, a fresh key pair, a sending chain).
//
// KEM mode, for the post-quantum suites (ML-KEM-768/1024 and the hybrids
// X-Wing, MLKEM768-P256, MLKEM1024-P384), where the suite has no DH group:
//
//   - Setup: the initiator encapsulates (HPKE with Export, RFC 9180) to the
//     responder's identity KEM key and one-time prekey; SK = HKDF(salt 0,
//     F || ss_IK || ss_OPK, "cgkalab KEM prekey" || identities). The first
//     ratchet step encapsulates to the signed prekey. The initiator signs
//     the PreKeyMessage with its identity signature key, the
//     authentication X3DH gets from DH1. This is PQXDH-like but KEM-only:
//     PQXDH keeps X3DH's four DHs, adds one encapsulation to a signed KEM
//     prekey, and keeps the classical DH ratchet.
//   - A KEM ratchet: every new sending chain encapsulates to the peer's
//     latest ratchet key and carries a fresh ratchet public key; the
//     receiver decapsulates and deletes its key, and makes the next step
//     when it next sends. Every step is post-quantum (with the hybrids,
//     also classical). Every header carries the chain's public key and
//     ciphertext (about 2.3 KB with ML-KEM-768), so that any message of a
//     chain starts it; Signal's sparse post-quantum ratchet (SPQR) spreads
//     such keys over many messages instead, which is not modelled.
//
// Both modes: post-compromise security per pair after a round trip,
// forward secrecy per message, and a bounded store of skipped message keys
// (DefaultMaxSkip, 2,000 as libsignal; a message may skip at most that
// many keys, and the oldest are evicted beyond it). Decryption failures
// leave the session unchanged. A session sends one PreKeyMessage, its
// first message; libsignal repeats the prekey part until the responder
// answers, which only matters when messages are lost, and the simulator
// delivers every message in order.
//
// All randomness comes from the caller's io.Reader.
//
// # Operation counts (protocol.Ops)
//
// A key pair drawn (ratchet, ephemeral, prekey, identity, signature key)
// is DeriveKeyPair; a DH computed on the side that chose the fresh key, or
// an encapsulation, is Encrypt; a DH on the receiving side, or a
// decapsulation, is Decrypt; each KDF_RK, KDF_CK, message-key expansion
// and SK derivation is DeriveSecret; each seal or open is AEAD.
package dratchet

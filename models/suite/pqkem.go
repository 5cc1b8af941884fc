package suite

import (
	"crypto/ecdh"
	"crypto/hpke"
	"crypto/sha3"
	"errors"
	"fmt"
	"io"

	"github.com/cloudflare/circl/dh/x25519"
	"github.com/cloudflare/circl/kem/mlkem/mlkem1024"
	"github.com/cloudflare/circl/kem/mlkem/mlkem768"
)

// pqKEM is one of the post-quantum HPKE KEMs of draft-ietf-hpke-pq: pure
// ML-KEM-768 and ML-KEM-1024, and the hybrids MLKEM768-X25519 (X-Wing),
// MLKEM768-P256 and MLKEM1024-P384.
//
// The receiving side is Go's crypto/hpke, which implements these KEMs:
// DeriveKeyPair, DeserializePrivateKey and Decap with the key schedule
// (hpke.NewRecipient). crypto/hpke's encapsulation ignores the caller's
// randomness, so the sending side is written out below, drawing every
// random byte from the caller's source. Tests hold the two sides together
// (crypto/hpke opens what SealBase seals and vice versa) and against the
// draft's test vectors.
type pqKEM struct {
	kemID uint16
	std   hpke.KEM
	npk   int // Npk
	nenc  int // Nenc
	// encapDerand implements Encap(pkR) with its randomness drawn from rand.
	encapDerand func(pub []byte, rand io.Reader) (ss, enc []byte, err error)
}

func (k *pqKEM) id() uint16         { return k.kemID }
func (k *pqKEM) encSize() int       { return k.nenc }
func (k *pqKEM) publicKeySize() int { return k.npk }

func (k *pqKEM) encap(pub []byte, rand io.Reader) (ss, enc []byte, err error) {
	return k.encapDerand(pub, rand)
}

// deriveKeyPair implements the KEM's DeriveKeyPair (draft-ietf-hpke-pq:
// SHAKE256 LabeledDerive of the seed, then the seed's expansion).
func (k *pqKEM) deriveKeyPair(ikm []byte) (kemPrivateKey, error) {
	sk, err := k.std.DeriveKeyPair(ikm)
	if err != nil {
		return nil, err
	}
	return newPQPrivate(sk)
}

// parsePrivate implements DeserializePrivateKey: the 64-byte ML-KEM seed
// d || z, or the 32-byte hybrid seed.
func (k *pqKEM) parsePrivate(b []byte) (kemPrivateKey, error) {
	sk, err := k.std.NewPrivateKey(b)
	if err != nil {
		return nil, err
	}
	return newPQPrivate(sk)
}

type pqPrivate struct {
	sk   hpke.PrivateKey
	seed []byte
	pub  []byte
}

func newPQPrivate(sk hpke.PrivateKey) (*pqPrivate, error) {
	seed, err := sk.Bytes()
	if err != nil {
		return nil, err
	}
	return &pqPrivate{sk: sk, seed: seed, pub: sk.PublicKey().Bytes()}, nil
}

func (p *pqPrivate) publicKey() []byte { return append([]byte(nil), p.pub...) }
func (p *pqPrivate) bytes() []byte     { return append([]byte(nil), p.seed...) }

func (p *pqPrivate) setupBaseR(s *Suite, enc, info []byte) (recipient, error) {
	kdf, err := hpke.NewKDF(s.hash.kdfID)
	if err != nil {
		return nil, err
	}
	aead, err := hpke.NewAEAD(s.aead.id)
	if err != nil {
		return nil, err
	}
	r, err := hpke.NewRecipient(enc, p.sk, kdf, aead, info)
	if err != nil {
		return nil, err
	}
	return stdRecipient{r}, nil
}

// stdRecipient adapts crypto/hpke's Recipient.
type stdRecipient struct{ r *hpke.Recipient }

func (r stdRecipient) open(aad, ciphertext []byte) ([]byte, error) {
	return r.r.Open(aad, ciphertext)
}

func (r stdRecipient) export(exporterContext []byte, length int) ([]byte, error) {
	return r.r.Export(string(exporterContext), length)
}

// ---- ML-KEM (FIPS 203) ----

// mlkemParams is one ML-KEM parameter set with derandomized encapsulation,
// ML-KEM.Encaps_internal(ek, m) of FIPS 203, Algorithm 17, after the input
// check of Section 7.2 (ek must decode to coefficients below q).
type mlkemParams struct {
	ekSize, ctSize int
	encaps         func(ek, m []byte) (ss, ct []byte, err error)
}

// circl's ML-KEM is used for encapsulation: it takes m directly and parses
// ek once; crypto/mlkem/mlkemtest.Encapsulate768 parses ek a second time and
// measured 2.5x slower (see doc.go). Tests check the two agree byte for byte.
var (
	mlkem768Params = mlkemParams{mlkem768.PublicKeySize, mlkem768.CiphertextSize,
		func(ek, m []byte) ([]byte, []byte, error) {
			var pk mlkem768.PublicKey
			if err := pk.Unpack(ek); err != nil {
				return nil, nil, fmt.Errorf("ML-KEM-768 encapsulation key: %w", err)
			}
			ss, ct := make([]byte, mlkem768.SharedKeySize), make([]byte, mlkem768.CiphertextSize)
			pk.EncapsulateTo(ct, ss, m)
			return ss, ct, nil
		}}
	mlkem1024Params = mlkemParams{mlkem1024.PublicKeySize, mlkem1024.CiphertextSize,
		func(ek, m []byte) ([]byte, []byte, error) {
			var pk mlkem1024.PublicKey
			if err := pk.Unpack(ek); err != nil {
				return nil, nil, fmt.Errorf("ML-KEM-1024 encapsulation key: %w", err)
			}
			ss, ct := make([]byte, mlkem1024.SharedKeySize), make([]byte, mlkem1024.CiphertextSize)
			pk.EncapsulateTo(ct, ss, m)
			return ss, ct, nil
		}}
)

// pureMLKEMEncap implements Encap of ML-KEM-768/1024 as HPKE KEMs
// (draft-ietf-hpke-pq): enc is the ML-KEM ciphertext and the shared secret
// is ML-KEM's. It draws the 32-byte m from rand.
func pureMLKEMEncap(p mlkemParams) func(pub []byte, rand io.Reader) ([]byte, []byte, error) {
	return func(pub []byte, rand io.Reader) ([]byte, []byte, error) {
		if len(pub) != p.ekSize {
			return nil, nil, fmt.Errorf("public key is %d bytes, want %d", len(pub), p.ekSize)
		}
		m, err := readRand(rand, 32)
		if err != nil {
			return nil, nil, err
		}
		return p.encaps(pub, m)
	}
}

// ---- Hybrid KEMs (draft-irtf-cfrg-concrete-hybrid-kems, CG framework) ----

// ecGroup is the traditional component of a hybrid KEM as a nominal group.
type ecGroup struct {
	pointSize int // Nelem
	// ephemeralDH implements the traditional half of Encaps: sk_E =
	// RandomScalar(rand), ct_T = Exp(g, sk_E), ss_T = Exp(ek_T, sk_E).
	ephemeralDH func(ekT []byte, rand io.Reader) (ssT, ctT []byte, err error)
}

// x25519Group: RandomScalar is 32 random bytes, ElementToSharedSecret the
// identity (RFC 7748). circl's X25519 is used, as for DHKEM(X25519).
var x25519Group = ecGroup{pointSize: x25519.Size, ephemeralDH: func(ekT []byte, rand io.Reader) ([]byte, []byte, error) {
	seed, err := readRand(rand, x25519.Size)
	if err != nil {
		return nil, nil, err
	}
	var sk, pk, peer, ss x25519.Key
	copy(sk[:], seed)
	copy(peer[:], ekT)
	x25519.KeyGen(&pk, &sk)
	if !x25519.Shared(&ss, &sk, &peer) {
		return nil, nil, errors.New("X25519 public key is a low-order point")
	}
	return ss[:], pk[:], nil
}}

// nistGroup: RandomScalar is rejection sampling over Nscalar-byte
// big-endian candidates, at most candidates of them; ElementToSharedSecret
// is the X coordinate (crypto/ecdh's ECDH output).
func nistGroup(curve ecdh.Curve, nscalar, pointSize, candidates int) ecGroup {
	return ecGroup{pointSize: pointSize, ephemeralDH: func(ekT []byte, rand io.Reader) ([]byte, []byte, error) {
		peer, err := curve.NewPublicKey(ekT)
		if err != nil {
			return nil, nil, err
		}
		for range candidates {
			b, err := readRand(rand, nscalar)
			if err != nil {
				return nil, nil, err
			}
			sk, err := curve.NewPrivateKey(b) // rejects 0 and values ≥ order
			if err != nil {
				continue
			}
			ss, err := sk.ECDH(peer)
			if err != nil {
				return nil, nil, err
			}
			return ss, sk.PublicKey().Bytes(), nil
		}
		return nil, nil, fmt.Errorf("%v: no valid scalar in %d candidates", curve, candidates)
	}}
}

// hybridKEM is ML-KEM combined with a nominal group by the C2PRI combiner
// of draft-irtf-cfrg-hybrid-kems with SHA3-256 as KDF:
//
//	ss = SHA3-256(ss_PQ || ss_T || ct_T || ek_T || Label)
//
// with ek = ek_PQ || ek_T and ct = ct_PQ || ct_T.
type hybridKEM struct {
	label string
	pq    mlkemParams
	t     ecGroup
}

// encap implements the hybrid's Encaps, consuming the randomness in the
// order of the draft's EncapsDerand (and X-Wing's eseed): 32 bytes of
// ML-KEM m, then the group's scalar candidates.
func (h *hybridKEM) encap(pub []byte, rand io.Reader) (ss, enc []byte, err error) {
	if want := h.pq.ekSize + h.t.pointSize; len(pub) != want {
		return nil, nil, fmt.Errorf("public key is %d bytes, want %d", len(pub), want)
	}
	ekPQ, ekT := pub[:h.pq.ekSize], pub[h.pq.ekSize:]
	m, err := readRand(rand, 32)
	if err != nil {
		return nil, nil, err
	}
	ssPQ, ctPQ, err := h.pq.encaps(ekPQ, m)
	if err != nil {
		return nil, nil, err
	}
	ssT, ctT, err := h.t.ephemeralDH(ekT, rand)
	if err != nil {
		return nil, nil, err
	}
	d := sha3.New256()
	d.Write(ssPQ)
	d.Write(ssT)
	d.Write(ctT)
	d.Write(ekT)
	d.Write([]byte(h.label))
	return d.Sum(nil), append(ctPQ, ctT...), nil
}

func newHybrid(id uint16, std hpke.KEM, h *hybridKEM) *pqKEM {
	return &pqKEM{kemID: id, std: std,
		npk: h.pq.ekSize + h.t.pointSize, nenc: h.pq.ctSize + h.t.pointSize,
		encapDerand: h.encap}
}

// The KEMs of draft-ietf-hpke-pq, with their HPKE KEM identifiers.
var (
	kemMLKEM768  = &pqKEM{0x0041, hpke.MLKEM768(), mlkem768Params.ekSize, mlkem768Params.ctSize, pureMLKEMEncap(mlkem768Params)}
	kemMLKEM1024 = &pqKEM{0x0042, hpke.MLKEM1024(), mlkem1024Params.ekSize, mlkem1024Params.ctSize, pureMLKEMEncap(mlkem1024Params)}

	// X-Wing's label is the ASCII art `\./` + `/^\`.
	kemMLKEM768X25519 = newHybrid(0x647a, hpke.MLKEM768X25519(), &hybridKEM{label: "\\.//^\\", pq: mlkem768Params, t: x25519Group})
	kemMLKEM768P256   = newHybrid(0x0050, hpke.MLKEM768P256(), &hybridKEM{label: "MLKEM768-P256", pq: mlkem768Params, t: nistGroup(ecdh.P256(), 32, 65, 4)})
	kemMLKEM1024P384  = newHybrid(0x0051, hpke.MLKEM1024P384(), &hybridKEM{label: "MLKEM1024-P384", pq: mlkem1024Params, t: nistGroup(ecdh.P384(), 48, 97, 1)})
)

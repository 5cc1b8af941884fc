package suite

import (
	"bytes"
	"crypto/elliptic"
	"fmt"
	"io"
	"math/big"
)

// Accounted encryptions serve simulations of groups far larger than the
// members they sample: a ciphertext that no simulated party will ever
// decrypt need not be computed, but the message carrying it must keep its
// exact length, and the random stream must advance exactly as the real
// encryption would have advanced it, so that everything drawn afterwards
// is what a real run draws. Nothing here does public-key work.

// EncryptWithLabelSizes returns the lengths of the kem_output and the
// ciphertext that EncryptWithLabel produces for a plaintext of
// plaintextLen bytes (RFC 9420, Section 5.1.3; RFC 9180, Section 6.1):
// Nenc, and the plaintext plus the AEAD tag Nt.
func (s *Suite) EncryptWithLabelSizes(plaintextLen int) (kemOutput, ciphertext int) {
	return s.kem.encSize(), plaintextLen + s.AEADOverhead()
}

// AccountedEncryptWithLabel returns filler of exactly the lengths
// EncryptWithLabel would produce for a plaintext of plaintextLen bytes:
// zero bytes, shared and read-only. It draws no randomness; see
// DrawEncapRandomness for encryptions that draw from a stream.
func (s *Suite) AccountedEncryptWithLabel(plaintextLen int) (kemOutput, ciphertext []byte) {
	e, c := s.EncryptWithLabelSizes(plaintextLen)
	if e+c > len(fillerZeros) {
		z := make([]byte, e+c)
		return z[:e:e], z[e:]
	}
	return fillerZeros[:e:e], fillerZeros[e : e+c : e+c]
}

// fillerZeros backs accounted ciphertexts; nothing writes to it.
var fillerZeros = make([]byte, 4096)

// DrawEncapRandomness reads from rand exactly the bytes that the KEM's
// Encap reads when EncryptWithLabel encrypts with rand as its random
// source, without the public-key work: Nsk bytes for a DHKEM (RFC 9180,
// Section 4.1), 32 for ML-KEM, and for a hybrid the ML-KEM bytes then the
// group's scalar candidates until one is valid, the validity check being
// a comparison with the group order, as the real draw makes it.
func (s *Suite) DrawEncapRandomness(rand io.Reader) error {
	switch k := s.kem.(type) {
	case *dhKEM:
		_, err := readRand(rand, k.nsk)
		return err
	case *pqKEM:
		draw, ok := pqEncapDraws[k]
		if !ok {
			return fmt.Errorf("%s: no accounted encapsulation for KEM %#04x", s.Name, k.kemID)
		}
		return draw(rand)
	}
	return fmt.Errorf("%s: no accounted encapsulation for this KEM", s.Name)
}

// pqEncapDraws mirrors each post-quantum KEM's use of its random source
// (pureMLKEMEncap, hybridKEM.encap and the groups' ephemeralDH).
var pqEncapDraws = map[*pqKEM]func(io.Reader) error{
	kemMLKEM768:       fixedDraw(32),
	kemMLKEM1024:      fixedDraw(32),
	kemMLKEM768X25519: fixedDraw(32 + 32),
	kemMLKEM768P256:   scalarDraw(elliptic.P256(), 32, 4),
	kemMLKEM1024P384:  scalarDraw(elliptic.P384(), 48, 1),
}

func fixedDraw(n int) func(io.Reader) error {
	return func(rand io.Reader) error {
		_, err := readRand(rand, n)
		return err
	}
}

// scalarDraw reads 32 bytes of ML-KEM randomness, then nscalar-byte
// candidates until one lies in [1, order), at most candidates of them, as
// nistGroup's ephemeralDH does through crypto/ecdh's NewPrivateKey.
func scalarDraw(curve elliptic.Curve, nscalar, candidates int) func(io.Reader) error {
	order := curve.Params().N.FillBytes(make([]byte, nscalar))
	return func(rand io.Reader) error {
		if _, err := readRand(rand, 32); err != nil {
			return err
		}
		for range candidates {
			b, err := readRand(rand, nscalar)
			if err != nil {
				return err
			}
			if bytes.Compare(b, order) < 0 && new(big.Int).SetBytes(b).Sign() > 0 {
				return nil
			}
		}
		return fmt.Errorf("%v: no valid scalar in %d candidates", curve.Params().Name, candidates)
	}
}

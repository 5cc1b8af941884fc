package suite

import (
	"crypto/elliptic"
	"errors"
	"fmt"
	"math/big"
)

// ErrPrivateKey is wrapped by every rejection of an imported private key.
var ErrPrivateKey = errors.New("invalid private key")

// nistScalar describes the private keys of one NIST curve: big-endian
// scalars of size bytes (the field size, Nsk of RFC 9180, Section 7.1) in
// [1, n-1] for the group order n.
type nistScalar struct {
	name  string
	size  int
	order *big.Int
}

func newNISTScalar(name string, c elliptic.Curve) nistScalar {
	return nistScalar{name: name, size: (c.Params().BitSize + 7) / 8, order: c.Params().N}
}

var (
	p256Scalar = newNISTScalar("P-256", elliptic.P256())
	p384Scalar = newNISTScalar("P-384", elliptic.P384())
	p521Scalar = newNISTScalar("P-521", elliptic.P521())
)

// fixed returns b as a scalar of exactly size bytes, checked to lie in
// [1, n-1]: the SEC 1 (Version 2.0, Section 2.3) octet-string conversion
// that RFC 9180, Section 7.1.2 names for the DHKEMs' DeserializePrivateKey,
// used for the ECDSA keys of the same curves too. Other implementations
// serialize a key whose leading bytes are zero without them (a P-521 key
// of 65 bytes, say), so a shorter b is left-padded with zeros; a longer b
// is refused rather than truncated, even when its extra bytes are zero.
// The range check is not constant-time; it runs once per imported key.
func (c nistScalar) fixed(b []byte) ([]byte, error) {
	switch {
	case len(b) == 0:
		return nil, fmt.Errorf("%s private key is empty: %w", c.name, ErrPrivateKey)
	case len(b) > c.size:
		return nil, fmt.Errorf("%s private key is %d bytes, longer than the %d-byte scalar: %w", c.name, len(b), c.size, ErrPrivateKey)
	}
	k := new(big.Int).SetBytes(b)
	switch {
	case k.Sign() == 0:
		return nil, fmt.Errorf("%s private key is zero: %w", c.name, ErrPrivateKey)
	case k.Cmp(c.order) >= 0:
		return nil, fmt.Errorf("%s private key is not below the group order: %w", c.name, ErrPrivateKey)
	}
	out := make([]byte, c.size)
	copy(out[c.size-len(b):], b)
	return out, nil
}

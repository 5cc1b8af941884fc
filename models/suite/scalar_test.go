package suite

import (
	"bytes"
	"crypto/ecdh"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/sha512"
	"errors"
	"fmt"
	"strings"
	"testing"
)

// nistCurve is what the private key import tests need of one NIST curve.
type nistCurve struct {
	scalar nistScalar
	ecdh   ecdh.Curve
	ecdsa  elliptic.Curve
}

var nistCurves = []nistCurve{
	{p256Scalar, ecdh.P256(), elliptic.P256()},
	{p384Scalar, ecdh.P384(), elliptic.P384()},
	{p521Scalar, ecdh.P521(), elliptic.P521()},
}

// curveOf returns the curve of a suite's ECDSA scheme or NIST DHKEM, if any.
func curveOf(t *testing.T, s *Suite, sig bool) (nistCurve, bool) {
	t.Helper()
	var name string
	if sig {
		switch s.sig.name {
		case p256Signer.name:
			name = "P-256"
		case p384Signer.name:
			name = "P-384"
		case p521Signer.name:
			name = "P-521"
		}
	} else if k, ok := s.kem.(*dhKEM); ok && k.scalar != nil {
		name = k.scalar.name
	}
	for _, c := range nistCurves {
		if c.scalar.name == name {
			return c, true
		}
	}
	return nistCurve{}, false
}

// shortScalar returns a deterministic full-size scalar of c whose first
// zeros bytes are zero, so its minimal encoding is zeros bytes shorter.
func shortScalar(c nistCurve, zeros int) []byte {
	h := sha512.Sum512([]byte(fmt.Sprintf("cgkalab short scalar %s %d", c.scalar.name, zeros)))
	k := bytes.Repeat(h[:], 2)[:c.scalar.size]
	clear(k[:zeros])
	k[zeros] |= 0x01 // keep the next byte non-zero: exactly zeros leading zeros
	return k
}

// TestPrivateKeyLeadingZeros imports NIST-curve private keys serialized
// without their leading zero bytes (as other implementations emit them,
// e.g. a 65-byte P-521 key) for every ECDSA and NIST DHKEM suite: the key
// is the same as the full-size one (its public key as crypto/ecdh and
// crypto/ecdsa compute it from the full-size scalar), it serializes at
// full size, and it signs or decrypts.
func TestPrivateKeyLeadingZeros(t *testing.T) {
	covered := map[string]bool{}
	forEachSuite(t, func(t *testing.T, s *Suite) {
		if c, ok := curveOf(t, s, true); ok {
			covered["ecdsa "+c.scalar.name] = true
			for zeros := 1; zeros <= 2; zeros++ {
				full := shortScalar(c, zeros)
				want, err := ecdsa.ParseRawPrivateKey(c.ecdsa, full)
				if err != nil {
					t.Fatal(err)
				}
				wantPub, _ := want.PublicKey.Bytes()
				k, err := s.ParseSignaturePrivateKey(full[zeros:])
				if err != nil {
					t.Fatalf("%s signature key of %d bytes: %v", c.scalar.name, len(full)-zeros, err)
				}
				if !bytes.Equal(k.PublicKey(), wantPub) {
					t.Errorf("%s signature key without %d zero bytes: wrong public key", c.scalar.name, zeros)
				}
				sig, err := s.SignWithLabel(k, "test", []byte("content"))
				if err != nil {
					t.Fatal(err)
				}
				if err := s.VerifyWithLabel(wantPub, "test", []byte("content"), sig); err != nil {
					t.Errorf("%s: signature by the short key: %v", c.scalar.name, err)
				}
			}
		}
		if c, ok := curveOf(t, s, false); ok {
			covered["dhkem "+c.scalar.name] = true
			for zeros := 1; zeros <= 2; zeros++ {
				full := shortScalar(c, zeros)
				want, err := c.ecdh.NewPrivateKey(full)
				if err != nil {
					t.Fatal(err)
				}
				k, err := s.ParseHPKEPrivateKey(full[zeros:])
				if err != nil {
					t.Fatalf("%s HPKE key of %d bytes: %v", c.scalar.name, len(full)-zeros, err)
				}
				if !bytes.Equal(k.PublicKey(), want.PublicKey().Bytes()) {
					t.Errorf("%s HPKE key without %d zero bytes: wrong public key", c.scalar.name, zeros)
				}
				if !bytes.Equal(k.Bytes(), full) {
					t.Errorf("%s HPKE key serializes as %x, want the full-size %x", c.scalar.name, k.Bytes(), full)
				}
				kemOut, ct, err := s.EncryptWithLabel(want.PublicKey().Bytes(), "test", nil, []byte("secret"), seeded(7))
				if err != nil {
					t.Fatal(err)
				}
				if pt, err := s.DecryptWithLabel(k, "test", nil, kemOut, ct); err != nil || string(pt) != "secret" {
					t.Errorf("%s: decryption with the short key: %q, %v", c.scalar.name, pt, err)
				}
			}
		}
	})
	for _, want := range []string{"ecdsa P-256", "ecdsa P-384", "ecdsa P-521", "dhkem P-256", "dhkem P-384", "dhkem P-521"} {
		if !covered[want] {
			t.Errorf("no suite covers %s", want)
		}
	}
}

// TestPrivateKeyOutOfRange checks that over-long, empty, zero and
// too-large scalars are refused, naming the curve and the reason.
func TestPrivateKeyOutOfRange(t *testing.T) {
	forEachSuite(t, func(t *testing.T, s *Suite) {
		for _, sig := range []bool{true, false} {
			c, ok := curveOf(t, s, sig)
			if !ok {
				continue
			}
			parse := func(b []byte) error { _, err := s.ParseHPKEPrivateKey(b); return err }
			if sig {
				parse = func(b []byte) error { _, err := s.ParseSignaturePrivateKey(b); return err }
			}
			order := c.scalar.order.FillBytes(make([]byte, c.scalar.size))
			above := bytes.Repeat([]byte{0xff}, c.scalar.size)
			for _, tc := range []struct {
				name, want string
				key        []byte
			}{
				{"over-long with a zero byte", "longer than", append([]byte{0}, shortScalar(c, 1)...)},
				{"empty", "empty", nil},
				{"zero", "zero", []byte{0, 0}},
				{"the order", "not below the group order", order},
				{"all ones", "not below the group order", above},
			} {
				err := parse(tc.key)
				if !errors.Is(err, ErrPrivateKey) || !strings.Contains(err.Error(), tc.want) || !strings.Contains(err.Error(), c.scalar.name) {
					t.Errorf("signature=%v %s: error %v, want ErrPrivateKey naming %s and %q", sig, tc.name, err, c.scalar.name, tc.want)
				}
			}
		}
	})
}

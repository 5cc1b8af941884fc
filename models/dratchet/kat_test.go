package dratchet

import (
	"bytes"
	"crypto/aes"
	"crypto/cipher"
	"crypto/ecdh"
	"crypto/hkdf"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/binary"
	"io"
	"math/rand/v2"
	"testing"

	"cgkalab/models/protocol"
)

// recorder keeps the bytes drawn from a random source.
type recorder struct {
	r   io.Reader
	got []byte
}

func (r *recorder) Read(p []byte) (int, error) {
	n, err := r.r.Read(p)
	r.got = append(r.got, p[:n]...)
	return n, err
}

// TestFirstMessageIndependently recomputes Alice's first message of suite
// 1 with the standard library alone (crypto/ecdh X25519, crypto/hkdf,
// crypto/hmac, AES-128-GCM) from the private scalars, following the
// construction doc.go states: X3DH's SK, the first ratchet step onto the
// signed prekey, KDF_CK, the message keys, and the AEAD with the
// identities and the header as associated data.
func TestFirstMessageIndependently(t *testing.T) {
	c, err := NewCrypto(1)
	if err != nil {
		t.Fatal(err)
	}
	rng := rand.NewChaCha8([32]byte{3})
	var ops protocol.Ops
	alice, _ := c.NewIdentity(rng, &ops)
	bob, _ := c.NewIdentity(rng, &ops)
	ot, _ := c.NewOneTime(bob, 1, rng, &ops)
	bundle := &PrekeyBundle{Base: bob.Base(), OneTime: &ot[0]}
	rec := &recorder{r: rng}
	_, msg, _, err := c.Initiate(alice, bundle, []byte("known answer"), rec, 0, &ops)
	if err != nil {
		t.Fatal(err)
	}
	enc := c.EncodePairwise(msg)
	ekScalar, ratchetScalar := rec.got[:32], rec.got[32:64]

	x := ecdh.X25519()
	priv := func(k *PrivateKey) *ecdh.PrivateKey {
		sk, err := x.NewPrivateKey(k.dh.(*x25519Key).sk[:])
		if err != nil {
			t.Fatal(err)
		}
		return sk
	}
	scalar := func(b []byte) *ecdh.PrivateKey {
		sk, err := x.NewPrivateKey(b)
		if err != nil {
			t.Fatal(err)
		}
		return sk
	}
	dh := func(sk *ecdh.PrivateKey, pub []byte) []byte {
		pk, err := x.NewPublicKey(pub)
		if err != nil {
			t.Fatal(err)
		}
		out, err := sk.ECDH(pk)
		if err != nil {
			t.Fatal(err)
		}
		return out
	}
	ek, a1 := scalar(ekScalar), scalar(ratchetScalar)
	ikA, ikB := alice.IK.PublicKey(), bob.IK.PublicKey()
	spk, opk := bob.SPK.PublicKey(), ot[0].Key

	ikm := bytes.Repeat([]byte{0xff}, 32)
	ikm = append(ikm, dh(priv(alice.IK), spk)...)
	ikm = append(ikm, dh(ek, ikB)...)
	ikm = append(ikm, dh(ek, spk)...)
	ikm = append(ikm, dh(ek, opk)...)
	ad := append(append([]byte{}, ikA...), ikB...)
	sk, err := hkdf.Key(sha256.New, ikm, make([]byte, 32), "cgkalab X3DH"+string(ad), 32)
	if err != nil {
		t.Fatal(err)
	}
	rkck, err := hkdf.Key(sha256.New, dh(a1, spk), sk, "cgkalab DR root", 64)
	if err != nil {
		t.Fatal(err)
	}
	mac := hmac.New(sha256.New, rkck[32:])
	mac.Write([]byte{1})
	mk := mac.Sum(nil)
	kn, err := hkdf.Key(sha256.New, mk, nil, "cgkalab DR message keys", 16+12)
	if err != nil {
		t.Fatal(err)
	}

	// The PreKeyMessage, field by field (encoding.go).
	var want []byte
	u32 := func(v uint32) { want = binary.BigEndian.AppendUint32(want, v) }
	opaque := func(b []byte) { want = append(append(want, byte(len(b))), b...) }
	want = append(want, TypePreKey)
	u32(bob.SPKID)
	want = append(want, 1)
	u32(ot[0].ID)
	opaque(ikA)
	opaque(ek.PublicKey().Bytes())
	header := len(want)
	opaque(a1.PublicKey().Bytes())
	u32(0) // PN
	u32(0) // N
	headerBytes := append([]byte{}, want[header:]...)
	if !bytes.Equal(enc[:len(want)], want) {
		t.Fatalf("prekey message starts\n%x\nwant\n%x", enc[:len(want)], want)
	}
	ctLen := int(enc[len(want)])
	ct := enc[len(want)+1:]
	if ctLen != len(ct) || ctLen != len("known answer")+16 {
		t.Fatalf("ciphertext of %d bytes (header says %d)", len(ct), ctLen)
	}
	block, _ := aes.NewCipher(kn[:16])
	gcm, _ := cipher.NewGCM(block)
	pt, err := gcm.Open(nil, kn[16:], ct, append(ad, headerBytes...))
	if err != nil {
		t.Fatalf("the standard library cannot open the first message: %v", err)
	}
	if string(pt) != "known answer" {
		t.Fatalf("opened %q", pt)
	}
}

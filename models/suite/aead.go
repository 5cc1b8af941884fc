package suite

import (
	"crypto/aes"
	"crypto/cipher"

	"golang.org/x/crypto/chacha20poly1305"
)

// aead is an AEAD algorithm with its HPKE identifier (RFC 9180, Section 7.3).
type aead struct {
	name string
	id   uint16
	nk   int
	nn   int
	new  func(key []byte) (cipher.AEAD, error)
}

func newGCM(key []byte) (cipher.AEAD, error) {
	b, err := aes.NewCipher(key)
	if err != nil {
		return nil, err
	}
	return cipher.NewGCM(b)
}

var (
	aes128GCM        = aead{"AES128GCM", 0x0001, 16, 12, newGCM}
	aes256GCM        = aead{"AES256GCM", 0x0002, 32, 12, newGCM}
	chacha20Poly1305 = aead{"CHACHA20POLY1305", 0x0003, 32, 12, chacha20poly1305.New}
)

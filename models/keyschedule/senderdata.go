package keyschedule

import "cgkalab/models/suite"

// KeyNonce implements the sender data key and nonce of RFC 9420, Section
// 6.3.2:
//
//	ciphertext_sample = ciphertext[0..KDF.Nh-1]
//	sender_data_key   = ExpandWithLabel(sender_data_secret, "key", ciphertext_sample, AEAD.Nk)
//	sender_data_nonce = ExpandWithLabel(sender_data_secret, "nonce", ciphertext_sample, AEAD.Nn)
//
// where ciphertext is PrivateMessage.ciphertext; if it is shorter than
// KDF.Nh bytes, all of it is the sample.
func (sd SenderDataSecret) KeyNonce(s *suite.Suite, ciphertext []byte) (key, nonce []byte, err error) {
	if err := checkSecret(s, "sender_data_secret", sd); err != nil {
		return nil, nil, err
	}
	sample := ciphertext[:min(len(ciphertext), s.Nh())]
	return s.ExpandWithLabel(sd, "key", sample, s.AEADKeySize()),
		s.ExpandWithLabel(sd, "nonce", sample, s.AEADNonceSize()), nil
}

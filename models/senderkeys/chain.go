package senderkeys

import (
	"errors"
	"fmt"
	"io"
	"slices"
	"time"

	"cgkalab/models/dratchet"
	"cgkalab/models/protocol"
	"cgkalab/models/suite"
)

// Sender key chains (libsignal's SenderKeyState): a chain key
// hash-ratcheted once per message with the same KDF_CK as the Double
// Ratchet (HMAC(CK, 0x01) the message key, HMAC(CK, 0x02) the next chain
// key), each message key expanded by HKDF to the AEAD key and nonce, and
// every message signed with the sender key's own signature key.

const (
	labelMessageKeys = "cgkalab sender key message keys"
	labelSignature   = "cgkalab sender key message"
)

// Errors of a receiver.
var (
	ErrUnknownKey     = errors.New("no sender key of that generation")
	ErrNoKey          = errors.New("no message key (a duplicate, or older than the stored skipped keys)")
	ErrTooManySkipped = errors.New("message skips more message keys than the store allows")
)

// senderKey is a member's own sender key.
type senderKey struct {
	gen     uint32 // key_id
	iter    uint32 // the next message's iteration
	ck      []byte
	sig     *suite.SignaturePrivateKey
	created time.Duration
	sent    int
	to      map[protocol.MemberID]bool // members it was distributed to
}

// newSenderKey draws a fresh chain key and signature key.
func newSenderKey(c *dratchet.Crypto, gen uint32, now time.Duration, rand io.Reader, ops *protocol.Ops) (*senderKey, error) {
	ck := make([]byte, c.Suite.Nh())
	if _, err := io.ReadFull(rand, ck); err != nil {
		return nil, fmt.Errorf("sender key: random source: %w", err)
	}
	sig, err := c.Suite.GenerateSignatureKey(rand)
	if err != nil {
		return nil, err
	}
	ops.DeriveKeyPair++
	return &senderKey{gen: gen, ck: ck, sig: sig, created: now, to: map[protocol.MemberID]bool{}}, nil
}

// distribution is the key at its current iteration.
func (k *senderKey) distribution() *Distribution {
	return &Distribution{KeyID: k.gen, Iteration: k.iter, ChainKey: k.ck, SignatureKey: k.sig.PublicKey()}
}

// encrypt seals and signs payload as the chain's next message.
func (k *senderKey) encrypt(c *dratchet.Crypto, payload []byte, ops *protocol.Ops) (*Message, error) {
	next, mk := c.KDFChain(k.ck)
	key, nonce := c.MessageKeys(mk, labelMessageKeys)
	ct, err := c.Suite.Seal(key, nonce, header(k.gen, k.iter), payload)
	if err != nil {
		return nil, err
	}
	m := &Message{KeyID: k.gen, Iteration: k.iter, Ciphertext: ct}
	if m.Signature, err = c.Suite.SignWithLabel(k.sig, labelSignature, signedContent(m)); err != nil {
		return nil, err
	}
	k.ck, k.iter, k.sent = next, k.iter+1, k.sent+1
	ops.DeriveSecret += 2
	ops.AEAD++
	ops.Sign++
	return m, nil
}

// receiverKey is what a member holds of another member's sender key.
type receiverKey struct {
	gen uint32
	// iter is the next iteration the member expects: its position in the
	// chain. realIter is where ck is; in sampled mode a member that was
	// not sampled follows the position without deriving keys, and
	// realIter lags until it next decrypts for real.
	iter, realIter uint32
	ck             []byte
	sigPub         []byte
	skipped        []skippedKey // oldest first
}

type skippedKey struct {
	iter uint32
	mk   []byte
}

func newReceiverKey(d *Distribution) *receiverKey {
	return &receiverKey{gen: d.KeyID, iter: d.Iteration, realIter: d.Iteration, ck: d.ChainKey, sigPub: d.SignatureKey}
}

// decrypt verifies and opens a message (libsignal's
// GroupCipher.decrypt): from the stored skipped keys, or by advancing the
// chain and storing the keys of messages it skips, at most maxSkip of
// them. Positions before iter that ck has not reached were followed
// without keys (sampled mode) and are passed over, not stored. On error
// the state is unchanged.
func (r *receiverKey) decrypt(c *dratchet.Crypto, m *Message, maxSkip int, ops *protocol.Ops) ([]byte, error) {
	if m.KeyID != r.gen {
		return nil, fmt.Errorf("%w: key %d, holding %d", ErrUnknownKey, m.KeyID, r.gen)
	}
	ops.Verify++
	if err := c.Suite.VerifyWithLabel(r.sigPub, labelSignature, signedContent(m), m.Signature); err != nil {
		return nil, fmt.Errorf("sender key message: %w", err)
	}
	open := func(mk []byte) ([]byte, error) {
		key, nonce := c.MessageKeys(mk, labelMessageKeys)
		ops.DeriveSecret++
		ops.AEAD++
		pt, err := c.Suite.Open(key, nonce, header(m.KeyID, m.Iteration), m.Ciphertext)
		if err != nil {
			return nil, fmt.Errorf("sender key message: %w", err)
		}
		return pt, nil
	}
	if m.Iteration < r.iter {
		i := slices.IndexFunc(r.skipped, func(k skippedKey) bool { return k.iter == m.Iteration })
		if i < 0 {
			return nil, fmt.Errorf("%w: iteration %d, chain at %d", ErrNoKey, m.Iteration, r.iter)
		}
		pt, err := open(r.skipped[i].mk)
		if err != nil {
			return nil, err
		}
		r.skipped = slices.Delete(r.skipped, i, i+1)
		return pt, nil
	}
	if int(m.Iteration-r.iter) > maxSkip {
		return nil, fmt.Errorf("%w: %d skipped, at most %d", ErrTooManySkipped, m.Iteration-r.iter, maxSkip)
	}
	ck, skipped := r.ck, slices.Clip(r.skipped)
	for i := r.realIter; i < m.Iteration; i++ {
		next, mk := c.KDFChain(ck)
		ops.DeriveSecret++
		if i >= r.iter {
			skipped = append(skipped, skippedKey{iter: i, mk: mk})
		}
		ck = next
	}
	next, mk := c.KDFChain(ck)
	ops.DeriveSecret++
	pt, err := open(mk)
	if err != nil {
		return nil, err
	}
	if over := len(skipped) - maxSkip; over > 0 {
		skipped = slices.Clone(skipped[over:])
	}
	r.ck, r.realIter, r.iter, r.skipped = next, m.Iteration+1, m.Iteration+1, skipped
	return pt, nil
}

// follow moves a member that was not sampled to after iteration iter,
// without keys (sampled mode); messages arrive in order.
func (r *receiverKey) follow(m *item) error {
	if m.gen != r.gen || m.iter != r.iter {
		return fmt.Errorf("sampled member follows key %d iteration %d, at key %d iteration %d", m.gen, m.iter, r.gen, r.iter)
	}
	r.iter++
	return nil
}

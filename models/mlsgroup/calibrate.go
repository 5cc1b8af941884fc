package mlsgroup

import (
	"errors"
	"fmt"
	"math/rand/v2"
	"slices"
	"time"

	"cgkalab/models/protocol"
)

// calibrationRounds and calibrationOps size the calibration: each figure
// is the median over rounds of the mean time of at least ops operations
// lasting at least calibrationMin, enough to be stable on a loaded machine
// and under a tenth of a second in all for suite 1.
const (
	calibrationRounds = 5
	calibrationOps    = 8
	calibrationMin    = int64(2 * time.Millisecond)
)

// Calibrate implements protocol.Calibrator: it times each operation that
// protocol.Ops counts, as MLS performs it, with the environment's clock
// (RFC 9420 operations on inputs of their usual sizes): EncryptWithLabel
// and DecryptWithLabel of an Nh-byte path secret, DeriveKeyPair and
// DeriveSecret of an Nh-byte secret, SignWithLabel and VerifyWithLabel of
// a 512-byte content, and an AEAD seal of a 256-byte message. Its inputs
// come from a fixed stream, never from the run's randomness, so it
// changes nothing else in the run.
func (g *Group) Calibrate() (protocol.Calibration, error) {
	if g.env.Clock == nil {
		return protocol.Calibration{}, errors.New("mlsgroup: calibration needs a clock")
	}
	s := g.suite
	rng := rand.NewChaCha8([32]byte{'c', 'a', 'l'})
	secret := make([]byte, s.Nh())
	rng.Read(secret)
	priv, err := s.DeriveKeyPair(secret)
	if err != nil {
		return protocol.Calibration{}, err
	}
	sig, err := s.GenerateSignatureKey(rng)
	if err != nil {
		return protocol.Calibration{}, err
	}
	content := make([]byte, 512)
	rng.Read(content)
	context := make([]byte, 128)
	kem, ct, err := s.EncryptWithLabel(priv.PublicKey(), "UpdatePathNode", context, secret, rng)
	if err != nil {
		return protocol.Calibration{}, err
	}
	signature, err := s.SignWithLabel(sig, "FramedContentTBS", content)
	if err != nil {
		return protocol.Calibration{}, err
	}
	key, nonce, msg := make([]byte, s.AEADKeySize()), make([]byte, s.AEADNonceSize()), make([]byte, 256)

	c := protocol.Calibration{Suite: uint16(s.ID), Rounds: calibrationRounds}
	for _, op := range []struct {
		into *float64
		run  func() error
	}{
		{&c.Encrypt, func() error {
			_, _, err := s.EncryptWithLabel(priv.PublicKey(), "UpdatePathNode", context, secret, rng)
			return err
		}},
		{&c.Decrypt, func() error {
			_, err := s.DecryptWithLabel(priv, "UpdatePathNode", context, kem, ct)
			return err
		}},
		{&c.DeriveKeyPair, func() error { _, err := s.DeriveKeyPair(secret); return err }},
		{&c.DeriveSecret, func() error { s.DeriveSecret(secret, "path"); return nil }},
		{&c.Sign, func() error { _, err := s.SignWithLabel(sig, "FramedContentTBS", content); return err }},
		{&c.Verify, func() error { return s.VerifyWithLabel(sig.PublicKey(), "FramedContentTBS", content, signature) }},
		{&c.AEAD, func() error { _, err := s.Seal(key, nonce, nil, msg); return err }},
	} {
		ns, err := g.timeOp(op.run)
		if err != nil {
			return protocol.Calibration{}, fmt.Errorf("mlsgroup: calibrating %s: %w", s.Name, err)
		}
		*op.into = ns
	}
	return c, nil
}

// timeOp returns the median over calibrationRounds of the mean time of
// runs of f, in nanoseconds: at least calibrationOps runs a round, and
// as many more (up to 32 times as many) as make the round last
// calibrationMin on the clock. A process CPU clock ticks coarsely while a
// CPU profile is being taken (Linux then samples it at the scheduler
// tick): eight fast operations measured zero.
func (g *Group) timeOp(f func() error) (float64, error) {
	var rounds []float64
	for range calibrationRounds {
		t0 := g.now()
		ops, elapsed := 0, int64(0)
		for ops < calibrationOps || elapsed < calibrationMin && ops < 32*calibrationOps {
			if err := f(); err != nil {
				return 0, err
			}
			ops++
			elapsed = g.now() - t0
		}
		rounds = append(rounds, float64(elapsed)/float64(ops))
	}
	slices.Sort(rounds)
	return rounds[len(rounds)/2], nil
}

package protocol

import "math"

// Scaled is the third fidelity mode, for groups far larger than the
// number of members any run samples: as in Sampled, Sample receivers
// process each handshake for real and everyone else follows the shared
// state; in addition, work that no simulated member will ever consume (a
// ciphertext to a member who is not sampled) is accounted, not performed:
// the message keeps its exact length and the operation is counted, but no
// public-key work is done. Each protocol's package documentation says
// precisely what it accounts. Because the accounted bytes are filler, the
// protocol's authenticators (which hash the messages) differ from the
// other modes' while bytes, operation counts and security reports agree.
const Scaled = "scaled"

// Calibration is the measured CPU cost of one operation of each kind
// counted in Ops, for one cipher suite on one machine, in nanoseconds. A
// run measures it at its start (or takes one as input) and records it, so
// that modelled CPU (operation counts times these costs) is deterministic
// for a seed and a calibration.
type Calibration struct {
	Suite         uint16  `json:"suite"`
	Encrypt       float64 `json:"encrypt_ns"`
	Decrypt       float64 `json:"decrypt_ns"`
	DeriveKeyPair float64 `json:"derive_key_pair_ns"`
	DeriveSecret  float64 `json:"derive_secret_ns"`
	Sign          float64 `json:"sign_ns"`
	Verify        float64 `json:"verify_ns"`
	AEAD          float64 `json:"aead_ns"`
	// Rounds is how many timed batches each figure is the median of.
	Rounds int `json:"rounds"`
}

// Model returns the modelled CPU time of o in nanoseconds: each count
// times its calibrated cost. It leaves out everything Ops does not count
// (hashing, encoding, tree bookkeeping), so it is a lower bound of what a
// real implementation spends.
func (c *Calibration) Model(o Ops) int64 {
	if c == nil {
		return 0
	}
	ns := float64(o.Encrypt)*c.Encrypt + float64(o.Decrypt)*c.Decrypt + float64(o.DeriveKeyPair)*c.DeriveKeyPair +
		float64(o.DeriveSecret)*c.DeriveSecret + float64(o.Sign)*c.Sign + float64(o.Verify)*c.Verify + float64(o.AEAD)*c.AEAD
	return int64(math.Round(ns))
}

// Calibrator is implemented by groups that can measure the cost of their
// cryptographic operations with the environment's clock, once per run.
type Calibrator interface {
	Calibrate() (Calibration, error)
}

// Revealer is implemented by groups whose encryption edges are too many
// to list in every Outcome (a path secret encrypted to each node of a
// large resolution): their Outcomes leave out the Reveals from recipient
// keys, and the oracle asks instead, for each private key it comes to
// know, what was encrypted to that key over the run. Answers must equal
// the Reveals the group would otherwise have listed, so the oracle's
// results do not depend on which way the group reports.
type Revealer interface {
	// RevealedBy appends to dst every secret encrypted to the private key
	// of public key pub so far, and returns the extended slice.
	RevealedBy(dst []Secret, pub []byte) []Secret
}

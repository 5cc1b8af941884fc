package senderkeys

import (
	"fmt"
	"math/rand/v2"

	"cgkalab/models/dratchet"
	"cgkalab/models/protocol"
	"cgkalab/models/suite"
)

// SizeRow is the wire cost of one message kind in one operation.
type SizeRow = dratchet.SizeRow

// Sizes lists the bytes of each operation of a Sender Keys group of each
// size n in ns (the size before the operation), with the default options
// and application messages of payload bytes: create (n members), add (one
// member), remove (one member: every other rotates), send (uploaded once,
// downloaded by the n−1 others), update (a rotation), and a refill of
// one-time prekeys (due once per RefillKeys(100) sessions a member
// answers). The figures are counts times the bytes of real messages of
// the suite (one upload, bundle, PreKeyMessage and RatchetMessage carrying
// a SenderKeyDistribution, and one SenderKeyMessage); TestExactBytes holds
// them equal to what real groups send.
func Sizes(suiteID uint16, ns []int, payload int) ([]SizeRow, error) {
	return SizesWith(suiteID, ns, payload, DefaultOptions())
}

// SizesWith is Sizes with the given options.
func SizesWith(suiteID uint16, ns []int, payload int, opts Options) ([]SizeRow, error) {
	if err := opts.Validate(); err != nil {
		return nil, err
	}
	s, err := dratchet.NewSamples(suite.ID(suiteID), opts.OneTimePrekeys)
	if err != nil {
		return nil, fmt.Errorf("senderkeys sizes: %w", err)
	}
	var ops protocol.Ops
	key, err := newSenderKey(s.C, 1, 0, rand.NewChaCha8([32]byte{'k'}), &ops)
	if err != nil {
		return nil, err
	}
	skd := len(encodeDistribution(key.distribution()))
	pre, err := s.PreKey(skd)
	if err != nil {
		return nil, err
	}
	dist, err := s.Ratchet(1, 2, skd)
	if err != nil {
		return nil, err
	}
	msg, err := key.encrypt(s.C, make([]byte, payload), &ops)
	if err != nil {
		return nil, err
	}
	app := len(encodeMessage(msg))
	refill, err := s.Refill()
	if err != nil {
		return nil, err
	}
	var rows []SizeRow
	for _, n := range ns {
		if n < 2 {
			return nil, fmt.Errorf("senderkeys sizes: n = %d, want at least 2", n)
		}
		pairs, rotations := n*(n-1)/2, (n-1)*(n-2)
		rows = append(rows,
			SizeRow{Operation: "create", Message: MsgPrekeyBundle, N: n, Count: n, Bytes: n * s.Upload},
			SizeRow{Operation: "create", Message: MsgPrekeyBundle, N: n, Count: pairs, Bytes: pairs * s.Bundle},
			SizeRow{Operation: "create", Message: MsgPrekeyMessage, N: n, Count: pairs, Bytes: pairs * pre},
			SizeRow{Operation: "create", Message: MsgSenderKey, N: n, Count: pairs, Bytes: pairs * dist},
			SizeRow{Operation: "add", Message: MsgPrekeyBundle, N: n, Count: 1, Bytes: s.Upload},
			SizeRow{Operation: "add", Message: MsgPrekeyBundle, N: n, Count: n, Bytes: n * s.Bundle},
			SizeRow{Operation: "add", Message: MsgPrekeyMessage, N: n, Count: n, Bytes: n * pre},
			SizeRow{Operation: "add", Message: MsgSenderKey, N: n, Count: n, Bytes: n * dist},
			SizeRow{Operation: "remove", Message: MsgSenderKey, N: n, Count: rotations, Bytes: rotations * dist},
			SizeRow{Operation: "send", Message: MsgApplication, N: n, Count: 1, Bytes: app},
			SizeRow{Operation: "update", Message: MsgSenderKey, N: n, Count: n - 1, Bytes: (n - 1) * dist},
			SizeRow{Operation: "refill", Message: MsgPrekeys, N: n, Count: 1, Bytes: refill})
	}
	return dratchet.Tally(rows), nil
}

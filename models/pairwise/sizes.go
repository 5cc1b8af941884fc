package pairwise

import (
	"fmt"

	"cgkalab/models/dratchet"
	"cgkalab/models/suite"
)

// SizeRow is the wire cost of one message kind in one operation.
type SizeRow = dratchet.SizeRow

// Sizes lists the bytes of each operation of a pairwise group of each
// size n in ns (the size before the operation), with the default options
// and application messages of payload bytes: create (n members), add
// (one member), remove (nothing is sent), send, update, and a refill of
// one-time prekeys (due once per RefillKeys(100) sessions a member
// answers). The figures are counts times the bytes of real messages of
// the suite (one upload, bundle, PreKeyMessage and RatchetMessage each);
// TestExactBytes holds them equal to what real groups send.
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
		return nil, fmt.Errorf("pairwise sizes: %w", err)
	}
	pre, err := s.PreKey(0)
	if err != nil {
		return nil, err
	}
	app, err := s.Ratchet(1, 2, payload)
	if err != nil {
		return nil, err
	}
	empty, err := s.Ratchet(2, 1, 0)
	if err != nil {
		return nil, err
	}
	refill, err := s.Refill()
	if err != nil {
		return nil, err
	}
	var rows []SizeRow
	for _, n := range ns {
		if n < 2 {
			return nil, fmt.Errorf("pairwise sizes: n = %d, want at least 2", n)
		}
		pairs := n * (n - 1) / 2
		rows = append(rows,
			SizeRow{Operation: "create", Message: MsgPrekeyBundle, N: n, Count: n, Bytes: n * s.Upload},
			SizeRow{Operation: "create", Message: MsgPrekeyBundle, N: n, Count: pairs, Bytes: pairs * s.Bundle},
			SizeRow{Operation: "create", Message: MsgPrekeyMessage, N: n, Count: pairs, Bytes: pairs * pre},
			SizeRow{Operation: "add", Message: MsgPrekeyBundle, N: n, Count: 1, Bytes: s.Upload},
			SizeRow{Operation: "add", Message: MsgPrekeyBundle, N: n, Count: n, Bytes: n * s.Bundle},
			SizeRow{Operation: "add", Message: MsgPrekeyMessage, N: n, Count: n, Bytes: n * pre},
			SizeRow{Operation: "remove", Message: "none", N: n},
			SizeRow{Operation: "send", Message: MsgApplication, N: n, Count: n - 1, Bytes: (n - 1) * app},
			SizeRow{Operation: "update", Message: MsgPairwise, N: n, Count: n - 1, Bytes: (n - 1) * empty},
			SizeRow{Operation: "refill", Message: MsgPrekeys, N: n, Count: 1, Bytes: refill})
	}
	return dratchet.Tally(rows), nil
}

package pairwise

import (
	"fmt"

	"cgkalab/models/dratchet"
	"cgkalab/models/suite"
)

// SizeRow is one kind of message of one operation.
type SizeRow = dratchet.SizeRow

// Sizes lists the messages of each operation of a pairwise group of n
// members (n before a join) sending payload-byte messages, with the bytes
// of each measured on real encodings of the suite; an operation's bytes
// are the sum of Count × Bytes over its rows (TestExactBytes holds this
// equal to what the group sends). A refill is due once per
// RefillKeys(one_time_prekeys) sessions a member answers.
func Sizes(id suite.ID, n, payload int, opts Options) ([]SizeRow, error) {
	if n < 2 {
		return nil, fmt.Errorf("pairwise sizes: n = %d, want at least 2", n)
	}
	if err := opts.Validate(); err != nil {
		return nil, err
	}
	s, err := dratchet.NewSamples(id, opts.OneTimePrekeys)
	if err != nil {
		return nil, err
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
	return []SizeRow{
		row("join", MsgPrekeyBundle, fmt.Sprintf("PrekeyUpload (%d one-time prekeys)", opts.OneTimePrekeys), 1, s.Upload),
		row("join", MsgPrekeyBundle, "PrekeyBundle fetched", n, s.Bundle),
		row("join", MsgPrekeyMessage, "PreKeyMessage, empty", n, pre),
		row("send", MsgApplication, fmt.Sprintf("RatchetMessage, %d-byte payload", payload), n-1, app),
		row("update", MsgPairwise, "RatchetMessage, empty", n-1, empty),
		row("leave", "", "none: peers stop sending", 0, 0),
		row("refill", MsgPrekeys, fmt.Sprintf("PrekeyRefill (%d one-time prekeys)", dratchet.RefillKeys(opts.OneTimePrekeys)), 1, refill),
	}, nil
}

func row(op, kind, msg string, count, bytes int) SizeRow {
	return SizeRow{Operation: op, Kind: kind, Message: msg, Count: count, Bytes: bytes}
}

package senderkeys

import (
	"fmt"
	"math/rand/v2"

	"cgkalab/models/dratchet"
	"cgkalab/models/protocol"
	"cgkalab/models/suite"
)

// SizeRow is one kind of message of one operation.
type SizeRow = dratchet.SizeRow

// Sizes lists the messages of each operation of a Sender Keys group of n
// members (n before a join or a removal) sending payload-byte messages,
// with the bytes of each measured on real encodings of the suite; an
// operation's bytes are the sum of Count × Bytes over its rows
// (TestExactBytes holds this equal to what the group sends). A send is
// uploaded once and downloaded by the n−1 others; every other message has
// one recipient. A refill is due once per RefillKeys(one_time_prekeys)
// sessions a member answers.
func Sizes(id suite.ID, n, payload int, opts Options) ([]SizeRow, error) {
	if n < 2 {
		return nil, fmt.Errorf("senderkeys sizes: n = %d, want at least 2", n)
	}
	if err := opts.Validate(); err != nil {
		return nil, err
	}
	s, err := dratchet.NewSamples(id, opts.OneTimePrekeys)
	if err != nil {
		return nil, err
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
	refill, err := s.Refill()
	if err != nil {
		return nil, err
	}
	return []SizeRow{
		row("join", MsgPrekeyBundle, fmt.Sprintf("PrekeyUpload (%d one-time prekeys)", opts.OneTimePrekeys), 1, s.Upload),
		row("join", MsgPrekeyBundle, "PrekeyBundle fetched", n, s.Bundle),
		row("join", MsgPrekeyMessage, fmt.Sprintf("PreKeyMessage carrying the joiner's %d-byte SenderKeyDistribution", skd), n, pre),
		row("join", MsgSenderKey, "RatchetMessage carrying a member's SenderKeyDistribution", n, dist),
		row("leave", MsgSenderKey, "RatchetMessage carrying a fresh SenderKeyDistribution", (n-1)*(n-2), dist),
		row("update", MsgSenderKey, "RatchetMessage carrying a fresh SenderKeyDistribution", n-1, dist),
		row("send", MsgApplication, fmt.Sprintf("SenderKeyMessage, %d-byte payload", payload), 1, len(encodeMessage(msg))),
		row("refill", MsgPrekeys, fmt.Sprintf("PrekeyRefill (%d one-time prekeys)", dratchet.RefillKeys(opts.OneTimePrekeys)), 1, refill),
	}, nil
}

func row(op, kind, msg string, count, bytes int) SizeRow {
	return SizeRow{Operation: op, Kind: kind, Message: msg, Count: count, Bytes: bytes}
}

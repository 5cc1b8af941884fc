package static

import (
	"encoding/json"
	"fmt"
	"math/rand/v2"

	"cgkalab/models/protocol"
)

// SizeRow is the wire cost of one message kind in one operation, measured
// on real encoded messages.
type SizeRow struct {
	Operation string // create, send, update, remove, add
	Message   string // the message kind
	N         int    // group size before the operation
	Count     int    // messages of this kind the operation sends
	Bytes     int    // their encoded bytes, all together
}

// Sizes measures each operation of a static group of each size in ns, in
// suite suiteID, with application messages of payload bytes, rotation on
// removal and rotating updates: create (n members), send, update (a fresh
// wrap key and n−1 key wraps), remove (one member, then n−2 key wraps) and
// add (one member to n−1). Without rotation a remove is its first row
// only, and an update sends nothing.
func Sizes(suiteID uint16, ns []int, payload int) ([]SizeRow, error) {
	var rows []SizeRow
	for _, n := range ns {
		r, err := sizesAt(suiteID, n, payload)
		if err != nil {
			return nil, fmt.Errorf("static sizes at n = %d: %w", n, err)
		}
		rows = append(rows, r...)
	}
	return rows, nil
}

func sizesAt(suiteID uint16, n, payload int) ([]SizeRow, error) {
	if n < 3 {
		return nil, fmt.Errorf("need at least 3 members, got %d", n)
	}
	raw, err := json.Marshal(Options{RotateOnRemoval: true, Update: UpdateRotate})
	if err != nil {
		return nil, err
	}
	var members []protocol.MemberID
	pg, err := New(protocol.Env{Suite: suiteID, Mode: protocol.Sampled, Sample: 1, Options: raw,
		Online:  func(protocol.MemberID) bool { return true },
		Members: func() []protocol.MemberID { return members },
		Rand:    rand.NewChaCha8([32]byte{'s', 'i', 'z', 'e', 's'}),
		Pick:    rand.New(rand.NewPCG(1, 2))})
	if err != nil {
		return nil, err
	}
	g := pg.(*Group)
	targets := make([]protocol.MemberID, n-1)
	for i := range targets {
		targets[i] = protocol.MemberID(i + 1)
	}
	steps := []struct {
		op string
		in protocol.Intent
		n  int
	}{
		{"create", protocol.Intent{Kind: protocol.Create, Actor: 0, Targets: targets}, n},
		{"send", protocol.Intent{Kind: protocol.Send, Actor: 1, Size: payload}, n},
		{"update", protocol.Intent{Kind: protocol.Update, Actor: 1}, n},
		{"remove", protocol.Intent{Kind: protocol.Leave, Actor: 2, Targets: []protocol.MemberID{2}}, n},
		{"add", protocol.Intent{Kind: protocol.Join, Actor: 1, Targets: []protocol.MemberID{protocol.MemberID(n)}}, n - 1},
	}
	var rows []SizeRow
	for _, st := range steps {
		outs, err := g.Apply(st.in)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", st.op, err)
		}
		rows = append(rows, tally(st.op, st.n, outs)...)
	}
	return rows, nil
}

// tally sums an operation's messages by kind, in order of first use.
func tally(op string, n int, outs []*protocol.Outcome) []SizeRow {
	var rows []SizeRow
	index := map[string]int{}
	for _, out := range outs {
		for _, m := range out.Messages {
			i, ok := index[m.Kind]
			if !ok {
				i = len(rows)
				index[m.Kind] = i
				rows = append(rows, SizeRow{Operation: op, Message: m.Kind, N: n})
			}
			rows[i].Count++
			rows[i].Bytes += m.Bytes
		}
	}
	return rows
}

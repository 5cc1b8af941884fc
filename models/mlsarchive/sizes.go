package mlsarchive

import (
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"slices"

	"cgkalab/models/protocol"
)

// SizeRow is the wire cost of one kind of message the archive adds to MLS
// in one operation, measured on real encoded messages.
type SizeRow struct {
	Operation string // create, send, remove, add
	Message   string // archive_key, archive_record or backup_key
	N         int    // group size before the operation
	Count     int    // messages of this kind
	Bytes     int    // their encoded bytes, all together
}

// Sizes measures what the archive adds to MLS's bytes in each operation
// of a group of each size in ns, in suite suiteID, with application
// messages of payload bytes, rotation on removal, history for joiners and
// a backup service: create (the first archive key), send (its archive
// record), remove (one member: a new key) and add (one member: both keys).
func Sizes(suiteID uint16, ns []int, payload int) ([]SizeRow, error) {
	var rows []SizeRow
	for _, n := range ns {
		r, err := sizesAt(suiteID, n, payload)
		if err != nil {
			return nil, fmt.Errorf("mls-archive sizes at n = %d: %w", n, err)
		}
		rows = append(rows, r...)
	}
	return rows, nil
}

func sizesAt(suiteID uint16, n, payload int) ([]SizeRow, error) {
	if n < 3 {
		return nil, fmt.Errorf("need at least 3 members, got %d", n)
	}
	opts := DefaultOptions()
	opts.Rotate, opts.History, opts.Backup = RotateRemoval, HistoryAll, true
	raw, err := json.Marshal(opts)
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
	for i := range n {
		members = append(members, protocol.MemberID(i))
	}
	steps := []struct {
		op string
		in protocol.Intent
		n  int
	}{
		{"create", protocol.Intent{Kind: protocol.Create, Actor: 0, Targets: members[1:]}, n},
		{"send", protocol.Intent{Kind: protocol.Send, Actor: 1, Size: payload}, n},
		{"remove", protocol.Intent{Kind: protocol.Leave, Actor: 1, Targets: []protocol.MemberID{2}}, n},
		{"add", protocol.Intent{Kind: protocol.Join, Actor: 1, Targets: []protocol.MemberID{protocol.MemberID(n)}}, n - 1},
	}
	var rows []SizeRow
	for _, st := range steps {
		outs, err := g.Apply(st.in)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", st.op, err)
		}
		rows = append(rows, tally(st.op, st.n, outs)...)
		if st.in.Kind == protocol.Leave {
			members = slices.DeleteFunc(members, func(m protocol.MemberID) bool { return m == 2 })
		}
	}
	return rows, nil
}

// tally sums the archive's messages of an operation by kind.
func tally(op string, n int, outs []*protocol.Outcome) []SizeRow {
	var rows []SizeRow
	for _, out := range outs {
		for _, m := range out.Messages {
			if !slices.Contains([]string{MsgArchiveKey, MsgArchiveRecord, MsgBackupKey}, m.Kind) {
				continue
			}
			i := slices.IndexFunc(rows, func(r SizeRow) bool { return r.Message == m.Kind })
			if i < 0 {
				i = len(rows)
				rows = append(rows, SizeRow{Operation: op, Message: m.Kind, N: n})
			}
			rows[i].Count++
			rows[i].Bytes += m.Bytes
		}
	}
	return rows
}

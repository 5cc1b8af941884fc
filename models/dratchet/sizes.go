package dratchet

import (
	"fmt"
	"math/rand/v2"

	"cgkalab/models/protocol"
	"cgkalab/models/suite"
)

// SizeRow is the wire cost of one message kind in one operation, as the
// other protocols' Sizes report it: Count messages of that kind in all,
// of Bytes bytes together, in a group of N members before the operation.
type SizeRow struct {
	Operation string // create, add, remove, send, update, refill
	Message   string // the message kind
	N         int
	Count     int
	Bytes     int
}

// Tally sums rows by group size, operation and kind, in order of first
// use; rows of one kind with several message shapes (an upload and the
// bundles fetched) become one row.
func Tally(rows []SizeRow) []SizeRow {
	var out []SizeRow
	type key struct {
		n       int
		op, msg string
	}
	index := map[key]int{} // index only
	for _, r := range rows {
		k := key{r.N, r.Operation, r.Message}
		i, ok := index[k]
		if !ok {
			i = len(out)
			index[k] = i
			out = append(out, SizeRow{Operation: r.Operation, Message: r.Message, N: r.N})
		}
		out[i].Count += r.Count
		out[i].Bytes += r.Bytes
	}
	return out
}

// Samples are the encoded sizes of real pairwise messages of a suite.
type Samples struct {
	C       *Crypto
	oneTime int
	// Upload is a PrekeyUpload; Bundle the PrekeyBundle an initiator
	// fetches (with a one-time prekey unless uploads carry none).
	Upload, Bundle int
	mesh           *Mesh // members 1 and 2, with a session answered both ways
}

// NewSamples sets up two members with a session in both directions, with
// oneTime one-time prekeys per upload.
func NewSamples(id suite.ID, oneTime int) (*Samples, error) {
	c, err := NewCrypto(id)
	if err != nil {
		return nil, err
	}
	s := &Samples{C: c, oneTime: oneTime}
	m, err := s.pair()
	if err != nil {
		return nil, err
	}
	s.mesh = m
	var ops protocol.Ops
	sec := &protocol.Security{}
	m0 := NewMesh(c, rand.NewChaCha8([32]byte{}))
	m0.OneTime = oneTime
	up, err := m0.Register(0, &ops)
	if err != nil {
		return nil, err
	}
	s.Upload = len(up)
	bundle, msg, _, err := m.Initiate(1, 2, nil, sec, &ops)
	if err != nil {
		return nil, err
	}
	s.Bundle = len(bundle)
	if _, err := m.Decrypt(2, 1, msg, sec, &ops); err != nil {
		return nil, err
	}
	if _, err := s.Ratchet(2, 1, 0); err != nil {
		return nil, err
	}
	return s, nil
}

// pair returns a mesh with members 1 and 2 registered.
func (s *Samples) pair() (*Mesh, error) {
	m := NewMesh(s.C, rand.NewChaCha8([32]byte{'s', 'i', 'z', 'e'}))
	m.OneTime = s.oneTime
	var ops protocol.Ops
	for id := protocol.MemberID(1); id <= 2; id++ {
		if _, err := m.Register(id, &ops); err != nil {
			return nil, err
		}
	}
	return m, nil
}

// PreKey returns the size of a PreKeyMessage carrying payload bytes.
func (s *Samples) PreKey(payload int) (int, error) {
	m, err := s.pair()
	if err != nil {
		return 0, err
	}
	var ops protocol.Ops
	_, msg, _, err := m.Initiate(1, 2, make([]byte, payload), &protocol.Security{}, &ops)
	return len(msg), err
}

// Ratchet returns the size of a RatchetMessage carrying payload bytes from
// member from (1 or 2) to the other, which opens it.
func (s *Samples) Ratchet(from, to protocol.MemberID, payload int) (int, error) {
	var ops protocol.Ops
	sec := &protocol.Security{}
	msg, _, err := s.mesh.Encrypt(from, to, make([]byte, payload), sec, &ops)
	if err != nil {
		return 0, err
	}
	if _, err := s.mesh.Decrypt(to, from, msg, sec, &ops); err != nil {
		return 0, fmt.Errorf("sample message: %w", err)
	}
	return len(msg), nil
}

// RefillKeys is how many one-time prekeys a refill uploads: the batch less
// the fewer than half left when it falls due.
func RefillKeys(batch int) int {
	if batch <= 0 {
		return 0
	}
	return batch - (batch+1)/2 + 1
}

// Refill returns the size of a PrekeyRefill of RefillKeys(batch) keys.
func (s *Samples) Refill() (int, error) {
	var ops protocol.Ops
	keys, err := s.C.NewOneTime(s.mesh.devices[1].Identity, RefillKeys(s.oneTime), s.mesh.Rand, &ops)
	if err != nil {
		return 0, err
	}
	return len(EncodeRefill(keys)), nil
}

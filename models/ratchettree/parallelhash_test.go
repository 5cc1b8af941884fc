package ratchettree

import (
	"bytes"
	"encoding/binary"
	"testing"

	tm "cgkalab/models/treemath"
)

// TestParallelTreeHash: a tree rehashed whole, whose top halves are
// hashed on two goroutines (2^15 leaves and more), gets the hash that
// node-by-node updates give.
func TestParallelTreeHash(t *testing.T) {
	if testing.Short() {
		t.Skip("2^15 leaves")
	}
	s := testSuite(t)
	n := 1<<parallelHashLevel*2 + 3
	leaf := func(i int) *LeafNode {
		k := make([]byte, 32)
		binary.BigEndian.PutUint32(k, uint32(i))
		return &LeafNode{EncryptionKey: k, SignatureKey: append([]byte{1}, k...), Source: SourceCommit}
	}
	whole := New(s)
	whole.Reserve(n)
	for i := range n {
		whole.Add(leaf(i))
	}
	stepwise := New(s)
	for i := range n {
		stepwise.Add(leaf(i))
		if i%4096 == 0 {
			stepwise.TreeHash() // hashed bit by bit, never a whole stale tree
		}
	}
	if got, want := whole.TreeHash(), stepwise.TreeHash(); !bytes.Equal(got, want) {
		t.Fatalf("tree hash %x, stepwise %x", got, want)
	}
	if whole.LeafCount() != tm.LeafCountFor(uint32(n)) {
		t.Fatalf("leaf count %d", whole.LeafCount())
	}
}

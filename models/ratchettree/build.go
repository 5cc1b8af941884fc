package ratchettree

import (
	"fmt"
	"runtime"
	"sync"

	"cgkalab/models/suite"
	tm "cgkalab/models/treemath"
)

// BuildFromLeaves returns a tree holding leaves at indices 0..len-1 with
// blank parents, as after one creator added everyone, after validating
// every leaf (RFC 9420, Section 7.3: signature, capabilities, lifetime,
// source want) and the uniqueness of encryption and signature keys.
// Signature checks run on all cores; the result does not depend on their
// order, and the first failing leaf by index is reported.
func BuildFromLeaves(s *suite.Suite, leaves []*LeafNode, want LeafNodeSource, pol *LeafPolicy) (*Tree, error) {
	t := New(s)
	if len(leaves) == 0 {
		return t, nil
	}
	t.resize(tm.LeafCountFor(uint32(len(leaves))))
	errs := make([]error, len(leaves))
	workers := runtime.GOMAXPROCS(0)
	var wg sync.WaitGroup
	for w := range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := w; i < len(leaves); i += workers {
				if leaves[i] == nil {
					errs[i] = fmt.Errorf("leaf %d is nil", i)
					continue
				}
				errs[i] = t.ValidateLeaf(leaves[i], tm.LeafIndex(i), want, pol)
			}
		}()
	}
	wg.Wait()
	for _, err := range errs {
		if err != nil {
			return nil, fmt.Errorf("%w: %w", ErrInvalidTree, err)
		}
	}
	// The key indexes are sized once and checked as they fill.
	t.encKeys.rebuild(len(leaves))
	t.sigKeys.rebuild(len(leaves))
	for i, n := range leaves {
		l := tm.LeafIndex(i)
		if x, dup := t.encKeys.find(n.EncryptionKey, noPosition); dup {
			return nil, fmt.Errorf("leaves %d and %d share an encryption key: %w: %w", x/2, i, ErrInvalidTree, ErrDuplicateKey)
		}
		if j, dup := t.sigKeys.find(n.SignatureKey, noPosition); dup {
			return nil, fmt.Errorf("leaves %d and %d share a signature key: %w: %w", j, i, ErrInvalidTree, ErrDuplicateKey)
		}
		t.leaves[i] = n
		t.encKeys.insert(n.EncryptionKey, uint32(l.Node()))
		t.sigKeys.insert(n.SignatureKey, uint32(l))
	}
	// Counts bottom-up in one pass instead of a path walk per leaf.
	clear(t.filled)
	clear(t.ressize)
	for i, n := range t.leaves {
		if n != nil {
			t.filled[tm.LeafIndex(i).Node()] = 1
			t.ressize[tm.LeafIndex(i).Node()] = 1
		}
	}
	for lvl := uint32(1); ; lvl++ {
		first := tm.NodeIndex(1<<lvl - 1)
		if uint32(first) >= t.Width() {
			break
		}
		for x := first; uint32(x) < t.Width(); x += 1 << (lvl + 1) {
			l, _ := tm.Left(x)
			r, _ := tm.Right(x)
			t.filled[x] = t.filled[l] + t.filled[r]
			t.ressize[x] = t.ressize[l] + t.ressize[r]
		}
	}
	t.firstBlank = tm.LeafIndex(len(leaves))
	t.TreeHash()
	return t, nil
}

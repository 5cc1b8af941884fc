package ratchettree

import (
	"hash/maphash"
	"math"
)

// keyIndex finds the nodes that hold a public key in O(1) expected time,
// so that the uniqueness of encryption and signature keys (RFC 9420,
// Sections 7.3, 12.4.2 and 16.7) can be checked for every leaf and every
// UpdatePath node without a walk over the tree.
//
// It is an open-addressing hash table with linear probing over entries
// (key, position), where position is a node or leaf index. It stores only
// the position (4 bytes) and a one-byte tag per slot; the key itself is
// read back from the tree through keyAt to confirm a candidate, so the
// index costs about 5 bytes per slot, with at most 3/4 of the slots in use
// (tombstones included) and at least 1/4 after a rebuild. A key may be held
// by several positions (a tree read from the wire is indexed before it is
// validated, and benchmark fixtures reuse keys); every entry is kept.
//
// The hash is maphash under a seed drawn per tree: attacker-chosen keys
// cannot be aimed at one probe sequence. The seed decides only where an
// entry sits, never what a lookup returns, so results do not depend on it.
type keyIndex struct {
	seed  maphash.Seed
	tags  []uint8  // tagEmpty, tagDeleted, or a fingerprint ≥ tagMin
	pos   []uint32 // the position of a slot's entry
	used  int      // live entries
	dead  int      // tombstones
	keyAt func(pos uint32) []byte
}

const (
	tagEmpty   uint8 = 0
	tagDeleted uint8 = 1
	tagMin     uint8 = 2
	minSlots         = 16
)

func newKeyIndex(keyAt func(pos uint32) []byte) keyIndex {
	return keyIndex{seed: maphash.MakeSeed(), keyAt: keyAt}
}

// hash returns the home slot and tag of key.
func (k *keyIndex) hash(key []byte) (int, uint8) {
	h := maphash.Bytes(k.seed, key)
	tag := uint8(h >> 56) // the top byte, moved off the empty and deleted marks
	if tag < tagMin {
		tag += tagMin
	}
	return int(h & uint64(len(k.tags)-1)), tag
}

// insert adds the entry (key, p).
func (k *keyIndex) insert(key []byte, p uint32) {
	if k.full(k.used + k.dead + 1) {
		k.rebuild(k.used + 1)
	}
	i, tag := k.hash(key)
	mask := len(k.tags) - 1
	for k.tags[i] >= tagMin {
		i = (i + 1) & mask
	}
	if k.tags[i] == tagDeleted {
		k.dead--
	}
	k.tags[i], k.pos[i] = tag, p
	k.used++
}

// full reports whether n entries would load the table past 3/4.
func (k *keyIndex) full(n int) bool { return n*4 > len(k.tags)*3 }

// reserve sizes the table for want entries, if it is smaller.
func (k *keyIndex) reserve(want int) {
	if k.full(want + k.dead) {
		k.rebuild(max(want, k.used))
	}
}

// remove deletes the entry (key, p), which must be present.
func (k *keyIndex) remove(key []byte, p uint32) {
	i, tag := k.hash(key)
	mask := len(k.tags) - 1
	for n := 0; n < len(k.tags); n++ {
		switch {
		case k.tags[i] == tagEmpty:
			panic("ratchettree: key index lost an entry")
		case k.tags[i] == tag && k.pos[i] == p:
			k.tags[i] = tagDeleted
			k.used--
			k.dead++
			return
		}
		i = (i + 1) & mask
	}
	panic("ratchettree: key index lost an entry")
}

// find returns a position other than except whose entry holds key.
func (k *keyIndex) find(key []byte, except uint32) (uint32, bool) {
	if len(k.tags) == 0 {
		return 0, false
	}
	i, tag := k.hash(key)
	mask := len(k.tags) - 1
	for n := 0; n < len(k.tags) && k.tags[i] != tagEmpty; n++ {
		if k.tags[i] == tag && k.pos[i] != except && string(k.keyAt(k.pos[i])) == string(key) {
			return k.pos[i], true
		}
		i = (i + 1) & mask
	}
	return 0, false
}

// rebuild rehashes the live entries into a table sized for want entries
// at half load, dropping tombstones.
func (k *keyIndex) rebuild(want int) {
	size := minSlots
	for size < 2*want {
		size *= 2
	}
	oldTags, oldPos := k.tags, k.pos
	k.tags, k.pos = make([]uint8, size), make([]uint32, size)
	k.used, k.dead = 0, 0
	for i, tag := range oldTags {
		if tag >= tagMin {
			k.insert(k.keyAt(oldPos[i]), oldPos[i])
		}
	}
}

// clone returns a copy that reads keys through keyAt.
func (k *keyIndex) clone(keyAt func(pos uint32) []byte) keyIndex {
	c := *k
	c.tags = append([]uint8(nil), k.tags...)
	c.pos = append([]uint32(nil), k.pos...)
	c.keyAt = keyAt
	return c
}

// bytes returns the memory the table holds.
func (k *keyIndex) bytes() int { return cap(k.tags) + 4*cap(k.pos) }

// noPosition is an index no node or leaf has: the largest tree, of
// MaxLeafCount leaves, has nodes 0 to 2^32-2.
const noPosition = math.MaxUint32

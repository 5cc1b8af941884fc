package mlsgroup

import (
	"bytes"
	"io"
	"math/rand/v2"
	"testing"

	"cgkalab/models/protocol"
)

// TestInOrderDrawsAsSequential: making n things on every core from
// read-ahead shares gives what making them one after another gives, and
// leaves the stream where the sequential run leaves it, also when some
// draws read more than their share (as a signature scheme rejecting a
// candidate scalar does).
func TestInOrderDrawsAsSequential(t *testing.T) {
	// draw reads 8 bytes, and 16 more when the first is 216 or more (one
	// in six, as a rejected candidate; the probe's stream of 0x01 bytes
	// is accepted at once, so its share is the least a draw reads).
	draw := func(out [][]byte) func(i int, r io.Reader) error {
		return func(i int, r io.Reader) error {
			b := make([]byte, 8)
			if _, err := io.ReadFull(r, b); err != nil {
				return err
			}
			if b[0] >= 216 {
				more := make([]byte, 16)
				if _, err := io.ReadFull(r, more); err != nil {
					return err
				}
				b = append(b, more...)
			}
			out[i] = b
			return nil
		}
	}
	for _, n := range []int{1, 63, 64, 100, 5000, 9000} {
		seq := make([][]byte, n)
		par := make([][]byte, n)
		sr, pr := rand.NewChaCha8([32]byte{9}), rand.NewChaCha8([32]byte{9})
		for i := range n {
			if err := draw(seq)(i, sr); err != nil {
				t.Fatal(err)
			}
		}
		gp := &Group{env: protocol.Env{Rand: pr}}
		if err := gp.inOrder(n, draw(par)); err != nil {
			t.Fatalf("n=%d: %v", n, err)
		}
		for i := range n {
			if !bytes.Equal(seq[i], par[i]) {
				t.Fatalf("n=%d: item %d differs", n, i)
			}
		}
		a, b := make([]byte, 32), make([]byte, 32)
		sr.Read(a)
		pr.Read(b)
		if !bytes.Equal(a, b) {
			t.Fatalf("n=%d: the stream is elsewhere after the parallel draws", n)
		}
	}
}

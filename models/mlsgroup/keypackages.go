package mlsgroup

import (
	"errors"
	"fmt"
	"io"
	"runtime"
	"sync"

	"cgkalab/models/mls"
	"cgkalab/models/protocol"
)

// keyPackages makes the KeyPackages of clients ids with keys drawn from
// the protocol's random stream, exactly as making them one after another
// draws them, on every core (inOrder).
func (g *Group) keyPackages(ids []protocol.MemberID) ([]*mls.KeyPackageBundle, error) {
	out := make([]*mls.KeyPackageBundle, len(ids))
	err := g.inOrder(len(ids), func(i int, r io.Reader) error {
		var err error
		out[i], err = g.keyPackageFrom(ids[i], r)
		return err
	})
	return out, err
}

// inOrder runs draw(0), ..., draw(n-1), each drawing its randomness from
// the reader it is given, so that together they draw from the protocol's
// random stream exactly what running them one after another on it draws,
// but on every core: each call's share of the stream is read ahead (the
// least a call draws, found by a probe on a stream of 0x01 bytes, a valid
// scalar for every scheme, so a call that rejects a candidate only
// lengthens its own share), and the calls on their shares run in
// parallel. A call that needed more than its share, and the calls after
// it in its batch, are made again in order from the rest of the stream.
// draw must write its results only at index i.
func (g *Group) inOrder(n int, draw func(i int, r io.Reader) error) error {
	workers := runtime.GOMAXPROCS(0)
	if n < 64 || workers < 2 {
		for i := range n {
			if err := draw(i, g.env.Rand); err != nil {
				return err
			}
		}
		return nil
	}
	probe := &countReader{}
	if err := draw(0, probe); err != nil {
		return err
	}
	share := probe.n
	src := &prefixReader{r: g.env.Rand}
	const batch = 4096
	for lo := 0; lo < n; lo += batch {
		hi := min(lo+batch, n)
		buf := make([]byte, (hi-lo)*share)
		if _, err := io.ReadFull(src, buf); err != nil {
			return fmt.Errorf("mlsgroup: drawing randomness ahead: %w", err)
		}
		short := make([]bool, hi-lo) // needed more than its share
		errs := make([]error, hi-lo)
		var wg sync.WaitGroup
		for w := range workers {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for i := w; i < hi-lo; i += workers {
					r := &shareReader{b: buf[i*share : (i+1)*share]}
					errs[i] = draw(lo+i, r)
					short[i] = r.short || errs[i] == nil && len(r.b) > 0
				}
			}()
		}
		wg.Wait()
		for i := range hi - lo {
			if short[i] {
				// Redo from here in order: the rest of the batch's
				// shares, then the stream.
				src.b = append(buf[i*share:], src.b...)
				for j := i; j < hi-lo; j++ {
					if err := draw(lo+j, src); err != nil {
						return err
					}
				}
				break
			}
			if errs[i] != nil {
				return errs[i]
			}
		}
	}
	if len(src.b) > 0 {
		// Every call draws at least its share, so the read-ahead is
		// consumed by the last one.
		return errors.New("mlsgroup: randomness read ahead was left unconsumed")
	}
	return nil
}

// shareReader reads one KeyPackage's share of the stream and notes an
// attempt to read past it.
type shareReader struct {
	b     []byte
	short bool
}

var errShareExhausted = errors.New("KeyPackage share of the random stream exhausted")

func (r *shareReader) Read(p []byte) (int, error) {
	if len(p) > len(r.b) {
		r.short = true
		return 0, errShareExhausted
	}
	n := copy(p, r.b)
	r.b = r.b[n:]
	return n, nil
}

// prefixReader reads b, then r.
type prefixReader struct {
	b []byte
	r io.Reader
}

func (p *prefixReader) Read(q []byte) (int, error) {
	if len(p.b) == 0 {
		return p.r.Read(q)
	}
	n := copy(q, p.b)
	p.b = p.b[n:]
	return n, nil
}

// countReader yields 0x01 bytes and counts them.
type countReader struct{ n int }

func (r *countReader) Read(p []byte) (int, error) {
	for i := range p {
		p[i] = 1
	}
	r.n += len(p)
	return len(p), nil
}

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
// draws them, but on every core: each KeyPackage's share of the stream is
// read ahead (the least a KeyPackage can draw, so a signature scheme that
// rejects a candidate scalar only lengthens one share), and the public-key
// work on the shares runs in parallel. A KeyPackage that needed more than
// its share, and those after it in its batch, are made again in order
// from the remaining stream.
func (g *Group) keyPackages(ids []protocol.MemberID) ([]*mls.KeyPackageBundle, error) {
	out := make([]*mls.KeyPackageBundle, len(ids))
	workers := runtime.GOMAXPROCS(0)
	if len(ids) < 64 || workers < 2 {
		for i, id := range ids {
			b, err := g.keyPackageFrom(id, g.env.Rand)
			if err != nil {
				return nil, err
			}
			out[i] = b
		}
		return out, nil
	}
	share, err := g.keyPackageDraw()
	if err != nil {
		return nil, err
	}
	src := &prefixReader{r: g.env.Rand}
	const batch = 4096
	for lo := 0; lo < len(ids); lo += batch {
		hi := min(lo+batch, len(ids))
		buf := make([]byte, (hi-lo)*share)
		if _, err := io.ReadFull(src, buf); err != nil {
			return nil, fmt.Errorf("mlsgroup: drawing KeyPackage keys: %w", err)
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
					out[lo+i], errs[i] = g.keyPackageFrom(ids[lo+i], r)
					short[i] = r.short || errs[i] == nil && len(r.b) > 0
				}
			}()
		}
		wg.Wait()
		for i := range hi - lo {
			if short[i] {
				// Redo from here in order: the rest of the batch's shares,
				// then the stream.
				src.b = append(buf[i*share:], src.b...)
				for j := i; j < hi-lo; j++ {
					if out[lo+j], err = g.keyPackageFrom(ids[lo+j], src); err != nil {
						return nil, err
					}
				}
				break
			}
			if errs[i] != nil {
				return nil, errs[i]
			}
		}
	}
	if len(src.b) > 0 {
		// Every KeyPackage draws at least its share, so the read-ahead is
		// consumed when the last one is made.
		return nil, errors.New("mlsgroup: KeyPackage read-ahead left unconsumed")
	}
	return out, nil
}

// keyPackageDraw returns how many random bytes a KeyPackage draws when no
// candidate is rejected: made from a stream of 0x01 bytes, a valid scalar
// for every signature scheme.
func (g *Group) keyPackageDraw() (int, error) {
	r := &countReader{}
	if _, err := g.keyPackageFrom(0, r); err != nil {
		return 0, err
	}
	return r.n, nil
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

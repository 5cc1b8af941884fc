// Package par runs independent work on every core: building and hashing
// trees of a million members, which a simulation does before its first
// event.
package par

import (
	"runtime"
	"sync"
	"sync/atomic"
)

// Do runs f(0..n-1) on up to GOMAXPROCS goroutines, each taking chunk
// items at a time (1 for public-key operations, which are worth spreading
// even a few; more for cheap ones, to keep the shared counter cheap);
// fewer than two chunks run on the caller's goroutine. f must be safe to
// call concurrently for different i.
func Do(n, chunk int, f func(i int)) {
	chunk = max(chunk, 1)
	workers := min(runtime.GOMAXPROCS(0), n/chunk)
	if workers <= 1 {
		for i := range n {
			f(i)
		}
		return
	}
	var next atomic.Int64
	var wg sync.WaitGroup
	for range workers {
		wg.Go(func() {
			for {
				lo := int(next.Add(int64(chunk))) - chunk
				if lo >= n {
					return
				}
				for i := lo; i < min(lo+chunk, n); i++ {
					f(i)
				}
			}
		})
	}
	wg.Wait()
}

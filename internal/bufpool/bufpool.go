// Package bufpool lends byte buffers for memory that lives as long as one
// input of a batch (the file read, the output rendered), so that a batch
// reuses a few warm buffers instead of asking the heap for fresh ones: fresh
// memory is cleared, faulted in page by page and then collected.
//
// Buffers are kept in power-of-two size classes from 4 KiB to 4 MiB; larger
// or smaller requests are served by the heap and never kept.
package bufpool

import (
	"math/bits"
	"sync"
)

const (
	minShift = 12 // 4 KiB
	maxShift = 22 // 4 MiB
)

// classes[k] holds buffers whose capacity is at least 1<<(minShift+k).
var classes [maxShift - minShift + 1]sync.Pool

// Get returns an empty buffer with room for at least n bytes. Its contents
// beyond its length are left over from an earlier use.
func Get(n int) []byte {
	if n <= 0 {
		return nil
	}
	k := bits.Len(uint(n-1)) - minShift // the class of the next power of two ≥ n
	if k < 0 {
		k = 0
	}
	if k >= len(classes) {
		return make([]byte, 0, n)
	}
	if p, ok := classes[k].Get().(*[]byte); ok {
		return (*p)[:0]
	}
	return make([]byte, 0, 1<<(minShift+k))
}

// Put hands b back for a later Get. The caller must not use b afterwards.
func Put(b []byte) {
	c := cap(b)
	if c < 1<<minShift {
		return
	}
	k := bits.Len(uint(c)) - 1 - minShift // the class of the power of two ≤ cap
	if k >= len(classes) {
		return
	}
	b = b[:0]
	classes[k].Put(&b)
}

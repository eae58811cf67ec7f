// Package gctune keeps the garbage collector from running every few
// megabytes while a short command's heap is small.
//
// The collector's goal is the live heap times (1 + GOGC/100). A batch of
// ordinary reports with a warm symbol index keeps about 6 MB live, so at
// GOGC=200 it collects every 12 MB of allocation: 18 times for 1,000
// crashes, about a twentieth of its CPU. Floor raises GOGC while the live heap is
// small so that the goal is at least a floor, and lets it fall back to the
// base as the heap grows (a batch building 1,600 symbol tables keeps 40 MB
// live, where a higher GOGC would only add memory).
package gctune

import (
	"runtime/debug"
	"runtime/metrics"
	"sync"
	"time"
)

// maxPercent bounds the headroom Floor sets, whatever the live heap.
const maxPercent = 5000

// minLive is the smallest live heap Floor assumes: the runtime's own
// minimum heap goal is 4 MiB.
const minLive = 4 << 20

// Percent returns the GOGC value that makes the heap goal at least floor
// bytes for a live heap of live bytes, and never less than base.
func Percent(live, floor uint64, base int) int {
	live = max(live, minLive)
	if floor <= live {
		return base
	}
	p := int(min((floor-live)*100/live, maxPercent))
	return max(p, base)
}

// Floor sets GOGC to Percent of the live heap, floor and base now, and
// again after every collection (the live heap is read every interval),
// until stop is called; stop sets GOGC back to base.
func Floor(base int, floor uint64, interval time.Duration) (stop func()) {
	samples := []metrics.Sample{{Name: "/gc/heap/live:bytes"}, {Name: "/gc/cycles/total:gc-cycles"}}
	set := debug.SetGCPercent
	cur := Percent(0, floor, base)
	set(cur)
	done := make(chan struct{})
	var wg sync.WaitGroup
	wg.Go(func() {
		t := time.NewTicker(interval)
		defer t.Stop()
		var cycles uint64
		for {
			select {
			case <-done:
				return
			case <-t.C:
			}
			metrics.Read(samples)
			if samples[1].Value.Kind() != metrics.KindUint64 || samples[1].Value.Uint64() == cycles {
				continue // no collection since the last look
			}
			cycles = samples[1].Value.Uint64()
			if p := Percent(samples[0].Value.Uint64(), floor, base); p != cur {
				cur = p
				set(p)
			}
		}
	})
	var once sync.Once
	return func() {
		once.Do(func() {
			close(done)
			wg.Wait()
			set(base)
		})
	}
}

package dsctest

import (
	"context"
	"runtime"
	"sync"
)

// forEachOrdered runs produce(i, slot) for i in [0, n) on up to
// runtime.GOMAXPROCS(0) goroutines and consume(i, slot) on the calling
// goroutine in increasing i. Slots are reused: at most window images are
// produced but not yet consumed, which bounds memory. Slots are handed out in
// order by a single dispatcher, so a worker never waits for a slot held by a
// later image.
func forEachOrdered[T any](ctx context.Context, n int, newSlot func() *T, produce func(i int, s *T), consume func(i int, s *T) error) error {
	workers := runtime.GOMAXPROCS(0)
	window := 2 * workers
	free := make(chan *T, window)
	for k := 0; k < window; k++ {
		free <- newSlot()
	}
	type job struct {
		i    int
		slot *T
		done chan *T
	}
	jobs := make(chan job)
	order := make(chan chan *T, window)
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	var wg sync.WaitGroup
	for w := 0; w < workers; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for j := range jobs {
				produce(j.i, j.slot)
				j.done <- j.slot
			}
		}()
	}
	go func() {
		defer close(order)
		defer close(jobs)
		for i := 0; i < n; i++ {
			var s *T
			select {
			case s = <-free:
			case <-ctx.Done():
				return
			}
			// The job is queued before its result is awaited, so the consumer
			// never waits for an image that no worker will produce.
			done := make(chan *T, 1)
			select {
			case jobs <- job{i, s, done}:
			case <-ctx.Done():
				return
			}
			select {
			case order <- done:
			case <-ctx.Done():
				return
			}
		}
	}()
	var err error
	i := 0
	for done := range order {
		s := <-done
		if err == nil {
			err = consume(i, s)
			if err != nil {
				cancel()
			}
		}
		i++
		free <- s
	}
	wg.Wait()
	if err != nil {
		return err
	}
	if i < n {
		return context.Cause(ctx)
	}
	return nil
}

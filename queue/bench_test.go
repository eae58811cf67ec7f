package queue_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/symbolicate/symbolicate/queue"
	"github.com/symbolicate/symbolicate/resolve"
)

// BenchmarkJobs sends 2,000 jobs through an embedded server to 1 or 3
// in-process workers (each holding all three caches, one job at a time
// each) and reports jobs/s and the latency from submission to result; the
// local sub-benchmark is the same inputs as one local batch, for the queue's
// overhead per job.
//
//	go test ./queue -run '^$' -bench Jobs -benchtime 1x
func BenchmarkJobs(b *testing.B) {
	cs := caches(b)
	ins := inputs(b, cs, 2000)
	for _, workers := range []int{1, 3} {
		b.Run(fmt.Sprintf("workers=%d", workers), func(b *testing.B) {
			for range b.N {
				e, err := queue.StartEmbedded(queue.EmbeddedOptions{Dir: b.TempDir()})
				if err != nil {
					b.Fatal(err)
				}
				q, err := queue.Connect(context.Background(), e.URL(), queue.Config{})
				if err != nil {
					b.Fatal(err)
				}
				ctx, cancel := context.WithCancel(context.Background())
				for i := range workers {
					w := &queue.Worker{Queue: q, Engine: engineB(b, cs[0].Dir, cs[1].Dir, cs[2].Dir), Name: fmt.Sprint(i), Jobs: 1}
					go w.Run(ctx)
				}
				start := time.Now()
				batch, err := q.Submit(context.Background(), ins, queue.JobOptions{})
				if err != nil {
					b.Fatal(err)
				}
				q.Gather(context.Background(), batch, nil, func(int, *queue.JobResult) error { return nil })
				el := time.Since(start)
				b.ReportMetric(float64(len(ins))/el.Seconds(), "jobs/s")
				b.ReportMetric(float64(el.Microseconds())/float64(len(ins)), "µs/job")
				cancel()
				q.Close()
				e.Shutdown()
			}
		})
	}
	b.Run("local", func(b *testing.B) {
		eng := engineB(b, cs[0].Dir, cs[1].Dir, cs[2].Dir)
		for range b.N {
			var items []resolve.Item
			for _, in := range ins {
				items = append(items, resolve.Item{Name: in.Name, Read: func() ([]byte, error) { return in.Data, nil }})
			}
			start := time.Now()
			eng.Batch(1, false).Run(context.Background(), items, func(*resolve.Result) error { return nil })
			el := time.Since(start)
			b.ReportMetric(float64(len(ins))/el.Seconds(), "jobs/s")
			b.ReportMetric(float64(el.Microseconds())/float64(len(ins)), "µs/job")
		}
	})
}

// BenchmarkJobLatency is one job at a time through an idle embedded server
// and one worker: the time from submission to its result in hand.
//
//	go test ./queue -run '^$' -bench JobLatency
func BenchmarkJobLatency(b *testing.B) {
	cs := caches(b)
	ins := inputs(b, cs, 12)
	e, err := queue.StartEmbedded(queue.EmbeddedOptions{Dir: b.TempDir()})
	if err != nil {
		b.Fatal(err)
	}
	defer e.Shutdown()
	q, err := queue.Connect(context.Background(), e.URL(), queue.Config{})
	if err != nil {
		b.Fatal(err)
	}
	defer q.Close()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	w := &queue.Worker{Queue: q, Engine: engineB(b, cs[0].Dir, cs[1].Dir, cs[2].Dir), Name: "w", Jobs: 1}
	go w.Run(ctx)
	b.ResetTimer()
	for i := range b.N {
		in := ins[i%len(ins)]
		in.Name = fmt.Sprintf("%d-%s", i, in.Name) // a new job each time
		batch, err := q.Submit(context.Background(), []queue.Input{in}, queue.JobOptions{})
		if err != nil {
			b.Fatal(err)
		}
		if err := q.Gather(context.Background(), batch, nil, func(int, *queue.JobResult) error { return nil }); err != nil {
			b.Fatal(err)
		}
	}
}

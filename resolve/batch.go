package resolve

import (
	"bytes"
	"context"
	"fmt"
	"runtime"
	"sync"

	"golang.org/x/sync/errgroup"

	"github.com/symbolicate/symbolicate/crashlog"
)

// Format selects how a symbolicated report is written.
type Format int

const (
	// FormatText is Apple's text rendering.
	FormatText Format = iota
	// FormatJSON is the .ips itself with symbols filled in.
	FormatJSON
)

// Item is one input of a batch.
type Item struct {
	Name string                 // shown in messages: a path, or "-" for stdin
	Read func() ([]byte, error) // called once, on a worker
}

// Result is what became of one item.
type Result struct {
	Name string
	// Output is the rendered report; nil when there is nothing to write.
	Output []byte
	// Text reports that Output is text (the .ips JSON form was asked for but
	// the report is legacy text, which is written as text only).
	Text bool
	// Outcome counts the report's frames; nil when it was not resolved.
	Outcome *Outcome
	// Err is set when the input could not be read or parsed; other items of
	// the batch are unaffected.
	Err error
	// Skip explains a recognised report with nothing to symbolicate.
	Skip string
}

// Batch symbolicates many reports concurrently.
type Batch struct {
	Resolver *Resolver
	// Jobs is the number of concurrent workers; 0 means GOMAXPROCS (the work
	// is CPU- and page-cache-bound).
	Jobs   int
	Format Format
	Text   crashlog.TextOptions
	// Progress, when set, is called after each item with the number done.
	// Calls are serialised.
	Progress func(done, total int)
}

// Run processes items on Jobs workers and calls emit for each result in input
// order, whatever order the workers finish in, so output never depends on
// scheduling. One item's failure is recorded in its Result and never stops the
// others; only ctx cancellation or an error from emit ends the batch early.
func (b *Batch) Run(ctx context.Context, items []Item, emit func(*Result) error) (*Summary, error) {
	jobs := b.Jobs
	if jobs <= 0 {
		jobs = runtime.GOMAXPROCS(0)
	}
	results := make([]*Result, len(items))
	ready := make([]chan struct{}, len(items))
	for i := range ready {
		ready[i] = make(chan struct{})
	}
	sum := newSummary()
	// Workers may run at most window items ahead of the emitter, so finished
	// outputs waiting for a slow earlier report stay bounded in number.
	window := make(chan struct{}, 4*jobs)
	var progressMu sync.Mutex
	done := 0

	g, gctx := errgroup.WithContext(ctx)
	g.Go(func() error { // the emitter: strictly in input order
		for i := range items {
			select {
			case <-ready[i]:
			case <-gctx.Done():
				return gctx.Err()
			}
			res := results[i]
			results[i] = nil // let the output be collected once written
			sum.add(res)
			err := emit(res)
			<-window
			if err != nil {
				return err
			}
		}
		return nil
	})
	work, wctx := errgroup.WithContext(gctx)
	work.SetLimit(jobs)
	for i := range items {
		select {
		case window <- struct{}{}:
		case <-wctx.Done():
		}
		if wctx.Err() != nil {
			break
		}
		work.Go(func() error {
			results[i] = b.one(wctx, items[i])
			close(ready[i])
			if b.Progress != nil {
				progressMu.Lock()
				done++
				b.Progress(done, len(items))
				progressMu.Unlock()
			}
			return wctx.Err()
		})
	}
	g.Go(work.Wait)
	err := g.Wait()
	sum.finish()
	return sum, err
}

// one reads, parses, resolves and renders a single item.
func (b *Batch) one(ctx context.Context, it Item) *Result {
	res := &Result{Name: it.Name}
	data, err := it.Read()
	if err != nil {
		res.Err = err
		return res
	}
	rep, err := crashlog.Parse(data)
	if err != nil {
		if l, _ := loadJSONImages(bytes.TrimSpace(data)); l != nil && l.Format == "swift-backtrace" {
			res.Skip = "a Swift runtime backtrace (JSON), not an Apple crash report: read its images with `symbolicate decode` and resolve its addresses with `symbolicate addrs`"
			return res
		}
		res.Err = err
		return res
	}
	if rep.Kind == crashlog.KindOther {
		if rep.BugType == "" {
			res.Skip = fmt.Sprintf("legacy text report (%s): nothing to symbolicate", orUnknown(rep.BugTypeName))
		} else {
			res.Skip = fmt.Sprintf("bug_type %s (%s): nothing to symbolicate", rep.BugType, orUnknown(rep.BugTypeName))
		}
		return res
	}
	res.Outcome = b.Resolver.Report(ctx, rep)
	var buf bytes.Buffer
	if b.Format == FormatJSON && rep.Kind != crashlog.KindLegacyText {
		err = rep.WriteJSON(&buf)
	} else {
		res.Text = true
		err = rep.WriteText(&buf, b.Text)
	}
	if err != nil {
		res.Err = fmt.Errorf("rendering: %w", err)
		res.Outcome = nil
		return res
	}
	res.Output = buf.Bytes()
	return res
}

func orUnknown(s string) string {
	if s == "" {
		return "unknown type"
	}
	return s
}

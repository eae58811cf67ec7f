package resolve

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"runtime"
	"sync"

	"golang.org/x/sync/errgroup"

	"github.com/symbolicate/symbolicate/diag"
	"github.com/symbolicate/symbolicate/format"
	"github.com/symbolicate/symbolicate/process"
)

// Item is one input of a batch.
type Item struct {
	Name string                 // shown in messages: a path, or "-" for stdin
	Read func() ([]byte, error) // called once, on a worker
	// Found marks an item found by a directory walk or inside an archive:
	// content that no format reads is skipped, not a failure.
	Found bool
}

// Result is what became of one item.
type Result struct {
	Name string
	// Format names the input's format ("ips", "crash", …); "" when it was
	// not recognised.
	Format string
	// OS is the OS the input's process ran, as the input names it.
	OS string
	// Output is the rendered document; nil when there is nothing to write.
	Output []byte
	// Text reports that Output is text: text was asked for, or the input has
	// no JSON form (legacy text reports).
	Text bool
	// Outcome counts the document's frames; nil when it was not resolved.
	Outcome *Outcome
	// Notes are the document's own warnings (problems that did not stop
	// parsing), whether or not it was resolved.
	Notes []diag.Diagnostic
	// Err is set when the input could not be read or parsed; other items of
	// the batch are unaffected.
	Err error
	// Skip explains an input with nothing to symbolicate: a recognised one
	// (whose Output is the input as its writers give it back), or a file of a
	// walk that is not a supported input (no Output).
	Skip string
}

// Batch symbolicates many inputs concurrently.
type Batch struct {
	Resolver *Resolver
	// Formats is the list inputs are parsed with; nothing else in the
	// pipeline detects formats.
	Formats format.List
	// Jobs is the number of concurrent workers; 0 means GOMAXPROCS (the work
	// is CPU- and page-cache-bound).
	Jobs int
	// JSON asks for each document's JSON form instead of text.
	JSON  bool
	Write format.WriteOptions
	// Progress, when set, is called after each item with the number done
	// and how many of them failed. Calls are serialised.
	Progress func(done, total, failed int)
}

// Run processes items on Jobs workers and calls emit for each result in input
// order, whatever order the workers finish in, so output never depends on
// scheduling. One item's failure is recorded in its Result, and a failure of
// emit (an output that could not be written) in the summary; neither stops
// the others. Only ctx cancellation ends the batch early, with ctx's error.
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
	// outputs waiting for a slow earlier item stay bounded in number.
	window := make(chan struct{}, 4*jobs)
	var progressMu sync.Mutex
	done, failed := 0, 0

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
			if err := emit(res); err != nil {
				sum.unwritten(res.Name, err)
			}
			<-window
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
			res := b.one(wctx, items[i])
			results[i] = res
			bad := res.Err != nil
			close(ready[i])
			if b.Progress != nil {
				progressMu.Lock()
				done++
				if bad {
					failed++
				}
				b.Progress(done, len(items), failed)
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
	doc, err := b.Formats.Parse(data, format.Options{Cache: b.cacheImages})
	switch {
	case errors.Is(err, format.ErrUnknown) && it.Found:
		res.Skip = "not a supported input"
		return res
	case err != nil:
		res.Err = err
		return res
	}
	res.Format, res.OS = doc.Format, doc.Process().Platform
	res.Skip = doc.NothingToSymbolicate()
	res.Notes = doc.Warnings
	if res.Skip == "" {
		res.Outcome = b.Resolver.Resolve(ctx, doc)
	}
	if err := b.render(doc, res); err != nil {
		res.Err = fmt.Errorf("rendering: %w", err)
		res.Outcome, res.Skip = nil, ""
	}
	return res
}

// render writes doc in the form asked for: its JSON form, or text when text
// was asked for or it has no JSON form (then a note says so).
func (b *Batch) render(doc *format.Parsed, res *Result) error {
	var buf bytes.Buffer
	res.Text = !b.JSON
	if b.JSON {
		err := doc.WriteJSON(&buf, b.Write)
		if !errors.Is(err, format.ErrNoJSON) {
			res.Output = buf.Bytes()
			return err
		}
		buf.Reset()
		res.Text = true
		res.Notes = append(res.Notes, diag.Diagnostic{Code: diag.InputWarning,
			Err: fmt.Errorf("written as text: %s has no JSON form", doc.Format)})
	}
	err := doc.WriteText(&buf, b.Write)
	res.Output = buf.Bytes()
	return err
}

// cacheImages lends the resolver's shared caches to parsers that expand a
// snapshot's cache images.
func (b *Batch) cacheImages(u process.UUID) (format.CacheImages, bool) {
	return CacheImages(b.Resolver, u)
}

// CacheImages returns the images of the shared cache with UUID u from r's
// sources, for format.Options.Cache.
func CacheImages(r *Resolver, u process.UUID) (format.CacheImages, bool) {
	if r == nil {
		return nil, false
	}
	c, ok := r.Cache(u)
	if !ok {
		return nil, false
	}
	return c, true
}

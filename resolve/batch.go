package resolve

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"runtime"
	"runtime/debug"
	"sync"

	"golang.org/x/sync/errgroup"

	"github.com/symbolicate/symbolicate/diag"
	"github.com/symbolicate/symbolicate/format"
	"github.com/symbolicate/symbolicate/internal/bufpool"
	"github.com/symbolicate/symbolicate/internal/mmap"
	"github.com/symbolicate/symbolicate/process"
)

// Item is one input of a batch.
type Item struct {
	Name string                 // shown in messages: a path, or "-" for stdin
	Read func() ([]byte, error) // called once, on a worker
	// Found marks an item found by a directory walk or inside an archive:
	// content that no format reads is skipped, not a failure.
	Found bool
	// Done, when set, is called once the item is processed, to release what
	// Read returned (a memory-mapped file). Until then the bytes are read
	// under mmap.Guard: a file truncated meanwhile fails this item alone.
	Done func()
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
	// With Batch.ReuseOutputs it is valid only until emit returns.
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
	// Sink holds the rendered output when Batch.Open gave one (Output is
	// then nil): the emit function commits it. WriteErr says why the output
	// could not be written (a full disk); it is not an input failure.
	Sink     Sink
	WriteErr error
}

// Rendered reports whether the result has an output to write (in Output or
// Sink), or one that failed to be written (WriteErr).
func (r *Result) Rendered() bool { return r.Output != nil || r.Sink != nil || r.WriteErr != nil }

// Sink is where one output is rendered when Batch.Open gives one: a worker
// writes it, and emit makes it visible (Commit) in input order. Outputs
// that are never emitted (an interrupted batch) are aborted.
type Sink interface {
	io.Writer
	Commit() error
	Abort()
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
	// Open, when set, gives each output a Sink to be rendered into by the
	// worker (text says the output is text, not JSON), so that outputs are
	// not held in memory; nil keeps them in Result.Output.
	Open func(name string, text bool) (Sink, error)
	// ReuseOutputs promises that Run's emit keeps no Result.Output after
	// it returns, so that the memory goes to a later item's output
	// instead of being collected (internal/bufpool).
	ReuseOutputs bool
}

// Run processes items on Jobs workers and calls emit for each result in input
// order, whatever order the workers finish in, so output never depends on
// scheduling. One item's failure is recorded in its Result, and a failure of
// emit (an output that could not be written) in the summary; neither stops
// the others. Only ctx cancellation ends the batch early, with ctx's error;
// Run then returns without waiting for workers blocked in an Item's Read.
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
			if b.ReuseOutputs {
				bufpool.Put(res.Output)
				res.Output = nil
			}
			<-window
		}
		return nil
	})
	// Workers are started from their own goroutine, and on cancellation
	// the batch ends without waiting for them: a worker blocked inside an
	// input's Read (a FIFO nobody writes) cannot hold up an interrupt. They
	// touch nothing of the summary; stopped keeps them from reporting
	// progress after Run has returned.
	stopped := false
	workDone := make(chan error, 1)
	go func() {
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
				progressMu.Lock()
				defer progressMu.Unlock()
				if stopped {
					if res.Sink != nil {
						res.Sink.Abort()
					}
					return nil
				}
				results[i] = res
				bad := res.Err != nil
				close(ready[i])
				if bad {
					failed++
				}
				if done++; b.Progress != nil && !stopped {
					b.Progress(done, len(items), failed)
				}
				return wctx.Err()
			})
		}
		workDone <- work.Wait()
	}()
	g.Go(func() error {
		select {
		case err := <-workDone:
			return err
		case <-gctx.Done():
			return gctx.Err()
		}
	})
	err := g.Wait()
	progressMu.Lock()
	stopped = true
	for _, res := range results { // finished but never emitted
		if res != nil && res.Sink != nil {
			res.Sink.Abort()
		}
	}
	progressMu.Unlock()
	sum.finish()
	sum.changed(b.Resolver.Changed())
	return sum, err
}

// InternalError is a failure of symbolicate itself (a bug) met while
// processing one input; the other inputs are unaffected.
type InternalError struct {
	Value any    // what was raised
	Stack []byte // where
}

func (e *InternalError) Error() string {
	return fmt.Sprintf("internal error (a bug in symbolicate; please report it with this input): %v", e.Value)
}

// One processes a single item as Run does (read, parse, resolve, render,
// internal errors recovered), for a front that schedules items itself (a
// queue worker). With Open set, the result's Sink is the caller's to commit.
func (b *Batch) One(ctx context.Context, it Item) *Result { return b.one(ctx, it) }

// one reads, parses, resolves and renders a single item.
func (b *Batch) one(ctx context.Context, it Item) (res *Result) {
	res = &Result{Name: it.Name}
	defer func() {
		if v := recover(); v != nil {
			*res = Result{Name: it.Name, Err: &InternalError{Value: v, Stack: debug.Stack()}}
		}
	}()
	if it.Done != nil {
		defer it.Done()
	}
	data, err := it.Read()
	if err != nil {
		res.Err = err
		return res
	}
	err = mmap.Guard(func() error { b.process(ctx, it, data, res); return nil })
	if f, ok := errors.AsType[*mmap.Fault](err); ok {
		if res.Sink != nil {
			res.Sink.Abort()
		}
		*res = Result{Name: it.Name, Err: fmt.Errorf("the input %w: %w", mmap.ErrChanged, f)}
	}
	return res
}

// process parses, resolves and renders one item's bytes into res.
func (b *Batch) process(ctx context.Context, it Item, data []byte, res *Result) {
	doc, err := b.Formats.Parse(data, format.Options{Cache: b.cacheImages})
	switch {
	case errors.Is(err, format.ErrUnknown) && it.Found:
		res.Skip = "not a supported input"
		return
	case err != nil:
		res.Err = err
		return
	}
	res.Format, res.OS = doc.Format, doc.Process().Platform
	res.Skip = doc.NothingToSymbolicate()
	res.Notes = doc.Warnings
	if res.Skip == "" {
		res.Outcome = b.Resolver.Resolve(ctx, doc)
	}
	if err := b.render(doc, res, len(data)); err != nil {
		res.Err = fmt.Errorf("rendering: %w", err)
		res.Outcome, res.Skip = nil, ""
	}
}

// render writes doc in the form asked for: its JSON form, or text when text
// was asked for or it has no JSON form (then a note says so). inputSize,
// the size of the input, sizes an output kept in memory.
func (b *Batch) render(doc *format.Parsed, res *Result, inputSize int) error {
	res.Text = !b.JSON
	if b.JSON {
		err := b.writeOut(res, inputSize, func(w io.Writer) error { return doc.WriteJSON(w, b.Write) })
		if !errors.Is(err, format.ErrNoJSON) {
			return err
		}
		res.Text = true
		res.Notes = append(res.Notes, diag.Diagnostic{Code: diag.InputWarning,
			Err: fmt.Errorf("written as text: %s has no JSON form", doc.Format)})
	}
	return b.writeOut(res, inputSize, func(w io.Writer) error { return doc.WriteText(w, b.Write) })
}

// maxOutputHint bounds the memory reserved up front for an output kept in
// memory; a larger one grows as it is written.
const maxOutputHint = 4 << 20

// writeOut renders into a Sink from Open, or into res.Output, which starts
// with room for a bit more than inputSize (an annotated report is about the
// size of its input). A failure of the sink is res.WriteErr (the output
// could not be written); a failure of write itself is returned (the
// document could not be rendered).
func (b *Batch) writeOut(res *Result, inputSize int, write func(io.Writer) error) error {
	if b.Open == nil {
		buf := bytes.NewBuffer(bufpool.Get(min(inputSize+inputSize/4+512, maxOutputHint)))
		err := write(buf)
		res.Output = buf.Bytes()
		return err
	}
	s, err := b.Open(res.Name, res.Text)
	if err != nil {
		res.WriteErr = err
		return nil
	}
	sw := &sinkWriter{w: s}
	err = write(sw)
	switch {
	case sw.err != nil:
		s.Abort()
		res.WriteErr = sw.err
		return nil
	case err != nil:
		s.Abort()
		return err
	}
	res.Sink = s
	return nil
}

// sinkWriter remembers the first error of the sink it writes to, telling a
// full disk from a document that cannot be rendered.
type sinkWriter struct {
	w   io.Writer
	err error
}

func (s *sinkWriter) Write(b []byte) (int, error) {
	n, err := s.w.Write(b)
	if err != nil && s.err == nil {
		s.err = err
	}
	return n, err
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

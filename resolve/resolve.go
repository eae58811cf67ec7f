// Package resolve is the symbolication pipeline. It knows inputs only as
// documents of the process model (package process, through package format)
// and symbol sources only through the contract of package symbol: it binds a
// process's images to the sources by build ID, resolves every frame, and
// records what it found in each frame for the document's writers. A batch
// runs documents concurrently on errgroup workers that share the sources;
// output never depends on scheduling.
package resolve

import (
	"context"
	"iter"
	"slices"
	"strings"

	"github.com/symbolicate/symbolicate/demangle"
	"github.com/symbolicate/symbolicate/diag"
	"github.com/symbolicate/symbolicate/format"
	"github.com/symbolicate/symbolicate/process"
	"github.com/symbolicate/symbolicate/symbol"
)

// Options control how frames are resolved and named.
type Options struct {
	// Resymbolicate replaces symbols the input already has; by default they
	// are kept and only missing ones (and "<redacted>") are filled in.
	Resymbolicate bool
	// NoDemangle keeps linkage names instead of demangling Swift and C++.
	NoDemangle bool
	// NoInlines leaves out the inlined calls found in debug information.
	NoInlines bool
	// DeferAbove is the frame count above which documents that can are
	// resolved again as they are written (process.Deferrer) rather than
	// holding every answer; 0 means DefaultDeferAbove, negative never.
	DeferAbove int
}

// Resolver holds what every document of a batch shares: the symbol sources,
// asked in order, and the demangler. It is safe for concurrent use.
type Resolver struct {
	sources []symbol.Source
	caches  []symbol.Caches // the sources that hold whole shared caches
	opts    Options
	names   *demangle.Shared // nil: linkage names as they are
}

// New returns a resolver over sources, asked in order for each image.
// Sources that hold whole shared caches (symbol.Caches) also serve frames
// given relative to a cache.
func New(sources []symbol.Source, opts Options) *Resolver {
	r := &Resolver{sources: sources, opts: opts}
	for _, s := range sources {
		if c, ok := s.(symbol.Caches); ok {
			r.caches = append(r.caches, c)
		}
	}
	if !opts.NoDemangle {
		r.names = demangle.NewShared(demangle.Options{Form: demangle.Display})
	}
	return r
}

// With returns a resolver over the same sources with other options (a
// service's per-request choices); it shares the demangling memo when it
// demangles too.
func (r *Resolver) With(opts Options) *Resolver {
	n := &Resolver{sources: r.sources, caches: r.caches, opts: opts}
	if !opts.NoDemangle {
		n.names = r.names
		if n.names == nil {
			n.names = demangle.NewShared(demangle.Options{Form: demangle.Display})
		}
	}
	return n
}

// Has reports whether some source has the image with build ID id (name
// only explains a miss to sources that report near misses).
func (r *Resolver) Has(id process.BuildID, name string) bool {
	if u, ok := id.UUID(); ok {
		for _, cs := range r.caches {
			if _, ok := cs.Cache(u); ok {
				return true
			}
		}
	}
	for _, src := range r.sources {
		if _, err := src.Image(id, "", name); err == nil {
			return true
		}
	}
	return false
}

// Options returns the resolver's options.
func (r *Resolver) Options() Options { return r.opts }

// Cache returns the shared cache with UUID u from the first source that has
// it.
func (r *Resolver) Cache(u process.UUID) (symbol.Cache, bool) {
	for _, cs := range r.caches {
		if c, ok := cs.Cache(u); ok {
			return c, true
		}
	}
	return nil, false
}

// Changed asks every source that can tell (symbol.Checker) whether a file
// it has in use changed on disk, and returns the changes, one per source,
// sorted by source. A source found changed answers nothing more.
func (r *Resolver) Changed() []*symbol.ChangedError {
	seen := map[string]*symbol.ChangedError{}
	for _, s := range r.sources {
		if c, ok := s.(symbol.Checker); ok {
			for _, ce := range c.Changed() {
				if seen[ce.Source] == nil {
					seen[ce.Source] = ce
				}
			}
		}
	}
	out := make([]*symbol.ChangedError, 0, len(seen))
	for _, ce := range seen {
		out = append(out, ce)
	}
	slices.SortFunc(out, func(a, b *symbol.ChangedError) int { return strings.Compare(a.Source, b.Source) })
	return out
}

// Document is what the resolver walks: a process and its frames.
type Document interface {
	Process() *process.Process
	Frames() iter.Seq[*process.Frame]
}

// Outcome counts what happened to one document's frames.
type Outcome struct {
	Frames       int // concrete frames seen
	Resolved     int // newly symbolicated
	Already      int // symbols the input already had, kept
	Unresolved   int // frames left without a symbol (Degraded ones included)
	Unresolvable int // frames in no image, in images without a build ID, or in the kernel (not counted as missing)
	// Degraded counts the unresolved frames whose function has a name that
	// is not at hand because a file is missing (MissingSymbols).
	Degraded int
	// Missing maps the build ID of each image with unresolved frames and no
	// matching source to its name, arch and frame count. Images inside a
	// missing shared cache are counted under the cache instead.
	Missing map[process.BuildID]*MissingImage
	// MissingCaches maps each shared-cache UUID the document names that no
	// source has, when frames failed because of it, to what is known of it.
	MissingCaches map[process.UUID]*MissingCache
	// MissingSymbols maps each missing local-symbols file (by path) that
	// degraded frames to its UUIDs and frame count.
	MissingSymbols map[string]*MissingSymbols
	// Notes are diagnostics worth showing (slide disagreements, near-miss
	// binaries of images whose frames needed them, input warnings).
	Notes []diag.Diagnostic
	// Changed counts, by source (symbol.ChangedError.Source), the frames
	// that failed because a file of that source changed on disk in use.
	Changed map[string]int
	// Used lists the sources (Symbolizer.Path) frames were resolved from,
	// each once, so that a source found changed later marks this document.
	Used []string
}

// MissingImage is an image whose build ID matched nothing.
type MissingImage struct {
	Name, Arch string
	Frames     int
}

// MissingCache is a shared cache that no source has.
type MissingCache struct {
	OS, Arch string // the OS the document names, and the arch of the cache's images
	Frames   int
}

// MissingSymbols is a missing .symbols file of a shared cache.
type MissingSymbols struct {
	UUID, Cache process.UUID // the file's UUID and its cache's
	Frames      int
}

// HasMissing reports whether some image had no matching source, or some
// frame lacked its name because a file is missing.
func (o *Outcome) HasMissing() bool {
	return len(o.Missing) > 0 || len(o.MissingCaches) > 0 || o.Degraded > 0
}

// HasChanged reports whether some frame failed because a source changed on
// disk while in use.
func (o *Outcome) HasChanged() bool { return len(o.Changed) > 0 }

func newOutcome(notes []diag.Diagnostic) *Outcome {
	return &Outcome{Missing: map[process.BuildID]*MissingImage{}, MissingCaches: map[process.UUID]*MissingCache{},
		MissingSymbols: map[string]*MissingSymbols{}, Changed: map[string]int{}, Notes: notes}
}

// Resolve resolves the frames of doc in place (Frame.Resolved) and says what
// happened. It never fails: what cannot be resolved is counted and
// explained. It stops early, with what it has, when ctx is cancelled.
//
// A frame marked Return is looked up at its offset − 1 so the call
// instruction is found, except right after a signal trampoline, whose next
// frame is the interrupted pc.
func (r *Resolver) Resolve(ctx context.Context, doc Document) *Outcome {
	p := r.bind(doc.Process())
	o := newOutcome(p.notes)
	deferrer, deferring := deferrerOf(doc)
	deferring = deferring && r.opts.DeferAbove >= 0 && countFrames(doc, r.deferAbove()) > r.deferAbove()
	afterTrampoline := false
	n := 0
	for f := range doc.Frames() {
		if n++; n%256 == 0 && ctx.Err() != nil {
			break
		}
		if f.Inline {
			continue // inline frames written by the input belong to the next concrete frame
		}
		o.Frames++
		if f.Kernel {
			// Kernel frames need a kernelcache, which no source provides.
			if f.HasSymbol {
				o.Already++
			} else {
				o.Unresolvable++
			}
			continue
		}
		adjust := f.Return && !afterTrampoline
		afterTrampoline = isTrampoline(frameSymbol(f))
		if f.HasSymbol && f.Symbol != redacted && !r.opts.Resymbolicate {
			o.Already++
			continue
		}
		b := p.binding(f.Image)
		if b == nil {
			o.Unresolvable++
			continue
		}
		look := f.Offset
		if adjust && look > 0 {
			look--
		}
		p.noteBinding(b, o)
		frames, err := r.lookup(b, look)
		if err != nil {
			p.countFailure(b, f.Image, err, o)
			continue
		}
		if deferring {
			f.Deferred, f.LookBack = true, look != f.Offset
		} else {
			f.Resolved = r.resolution(frames, f.Offset, b)
		}
		if !b.used {
			b.used = true
			if path := b.sym.Path(); !slices.Contains(o.Used, path) {
				o.Used = append(o.Used, path)
			}
		}
		afterTrampoline = isTrampoline(frames[len(frames)-1].Function)
		o.Resolved++
	}
	for u, m := range o.Missing {
		if m.Frames == 0 {
			delete(o.Missing, u)
		}
	}
	if deferring {
		deferrer.Defer(func(f *process.Frame) *process.Resolution {
			b := p.binding(f.Image)
			if !f.Deferred || b == nil {
				return f.Resolved
			}
			look := f.Offset
			if f.LookBack {
				look--
			}
			frames, err := r.lookup(b, look)
			if err != nil {
				return nil // the source changed since: the frame stays as the input wrote it
			}
			return r.resolution(frames, f.Offset, b)
		})
	}
	return o
}

// DefaultDeferAbove is the frame count above which a document that can
// (process.Deferrer) has its frames resolved again as they are written,
// instead of holding every answer: memory stays proportional to the input.
const DefaultDeferAbove = 50_000

func (r *Resolver) deferAbove() int {
	if r.opts.DeferAbove == 0 {
		return DefaultDeferAbove
	}
	return r.opts.DeferAbove
}

// deferrerOf returns doc, or the document it wraps, as a Deferrer.
func deferrerOf(doc any) (process.Deferrer, bool) {
	for {
		if d, ok := doc.(process.Deferrer); ok {
			return d, true
		}
		u, ok := doc.(interface{ Unwrap() format.Document })
		if !ok {
			return nil, false
		}
		doc = u.Unwrap()
	}
}

// countFrames counts doc's frames, stopping past limit.
func countFrames(doc Document, limit int) int {
	n := 0
	for range doc.Frames() {
		if n++; n > limit {
			break
		}
	}
	return n
}

// lookup returns the frames at offset look of a bound image, the concrete
// function last.
func (r *Resolver) lookup(b *binding, look uint64) ([]symbol.Frame, error) {
	if b.sym == nil {
		return nil, b.err
	}
	frames, err := b.sym.Symbolize(look)
	if err != nil {
		return nil, err
	}
	if len(frames) == 0 {
		return nil, ErrNoSymbol
	}
	if f := &frames[len(frames)-1]; f.Synthetic {
		// A name made up from a function start ("func_…") is not a symbol.
		return nil, &UnnamedError{Start: f.Start}
	}
	return frames, nil
}

// resolution turns the frames at an address into what the writers print.
func (r *Resolver) resolution(frames []symbol.Frame, off uint64, b *binding) *process.Resolution {
	last := &frames[len(frames)-1]
	res := &process.Resolution{
		SymbolLocation: off - last.Start,
		SourceFile:     last.File, SourceLine: last.Line, SourceColumn: last.Column,
		From: b.sym.Path(), InSharedCache: b.inCache, Synthetic: last.Synthetic,
	}
	res.Symbol, res.RawSymbol = r.name(last.Function)
	if !r.opts.NoInlines {
		for _, sf := range frames[:len(frames)-1] {
			in := process.InlineFrame{SourceFile: sf.File, SourceLine: sf.Line, SourceColumn: sf.Column}
			in.Symbol, in.RawSymbol = r.name(sf.Function)
			if off >= sf.Start {
				in.SymbolLocation = off - sf.Start
			}
			res.Inlined = append(res.Inlined, in)
		}
	}
	return res
}

// name returns the printed name and, when it differs, the linkage name.
func (r *Resolver) name(raw string) (string, string) {
	if r.names == nil {
		return raw, ""
	}
	if d := r.names.Name(raw); d != raw && d != "" {
		return d, raw
	}
	return raw, ""
}

const redacted = "<redacted>"

func frameSymbol(f *process.Frame) string {
	if f.Resolved != nil {
		return f.Resolved.RawSymbol + " " + f.Resolved.Symbol
	}
	return f.Symbol
}

// isTrampoline reports whether name is the signal trampoline, after which the
// next frame is the interrupted pc rather than a return address.
func isTrampoline(name string) bool {
	return strings.Contains(name, "_sigtramp")
}

// Package symbolicate is the Go API of symbolicate: open symbol sources once
// (dyld shared caches, app binaries and dSYMs), then parse, symbolicate and
// write documents, or resolve addresses, from any number of goroutines. The
// command-line tool, the HTTP service and the queue worker are built on it;
// a crash pipeline or a collector can embed it instead of shelling out.
//
// The pieces underneath are public too: package format (documents and the
// format list), resolve (the pipeline), symbol (what a symbol source
// implements), process (the model), diag (errors and diagnostics).
package symbolicate

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"sync"

	"github.com/symbolicate/symbolicate/diag"
	"github.com/symbolicate/symbolicate/dsc"
	"github.com/symbolicate/symbolicate/format"
	"github.com/symbolicate/symbolicate/formats"
	"github.com/symbolicate/symbolicate/objfile"
	"github.com/symbolicate/symbolicate/process"
	"github.com/symbolicate/symbolicate/resolve"
	"github.com/symbolicate/symbolicate/symbol"
)

// Config says where symbols come from and how documents are resolved and
// written.
type Config struct {
	// Caches are dyld_shared_cache files or directories searched
	// recursively for main cache files (by content).
	Caches []string
	// Symbols are app binaries, frameworks, dSYM bundles or directories of
	// them (an Xcode DeviceSupport folder works), matched by UUID and arch.
	Symbols []string
	// Resolve controls how frames are resolved and named.
	Resolve resolve.Options
	// Write controls the writers.
	Write format.WriteOptions
	// Formats is the list inputs are parsed with; nil means every format
	// symbolicate reads (formats.All). A program with a format of its own
	// appends it to that list.
	Formats format.List
	// ScanProgress, when set, is called while the --caches trees are
	// scanned, with the files looked at and the caches found so far.
	ScanProgress func(files, caches int)
	// IndexDir, when set, holds symbol indexes: caches and dSYMs with a
	// valid one there answer from it instead of building their tables or
	// parsing their DWARF, and WriteIndexes writes the missing ones.
	IndexDir string
	// IndexWarn, when set, hears of each DWARF index in IndexDir that
	// cannot be used, when its image is first opened (Diagnostics has
	// those found by Open). It may be called from several goroutines.
	IndexWarn func(diag.Diagnostic)
}

// Engine is a set of open symbol sources with the format list. It is safe
// for concurrent use; Close it when done.
type Engine struct {
	resolver *resolve.Resolver
	formats  format.List
	write    format.WriteOptions
	diags    []diag.Diagnostic
	closers  []io.Closer
	caches   *dsc.Set // the --caches source, nil without one
	binaries *objfile.Index
	batch    *objfile.Batch
	indexDir string

	mu        sync.Mutex
	resolvers map[resolve.Options]*resolve.Resolver
}

// sourceKind is one kind of symbol source: the flag that names its paths,
// the paths of the Config it reads, and how to open them. open returns the
// files it found, so that a path holding none can be named.
type sourceKind struct {
	flag  string
	paths func(*Config) []string
	open  func(ctx context.Context, paths []string) (symbol.Source, io.Closer, []string, []diag.Diagnostic, error)
}

// sourceKinds lists the symbol sources, in the order the resolver asks them:
// a new source is one new package and one entry here.
func sourceKinds(cfg *Config) []sourceKind {
	return []sourceKind{
		{"--caches", func(c *Config) []string { return c.Caches }, openCaches(cfg.ScanProgress, cfg.IndexDir)},
		{"--symbols", func(c *Config) []string { return c.Symbols }, openBinaries(cfg.IndexDir, cfg.IndexWarn)},
	}
}

func openCaches(progress func(files, caches int), indexDir string) func(context.Context, []string) (symbol.Source, io.Closer, []string, []diag.Diagnostic, error) {
	return func(ctx context.Context, paths []string) (symbol.Source, io.Closer, []string, []diag.Diagnostic, error) {
		return scanCaches(ctx, paths, progress, indexDir)
	}
}

func scanCaches(ctx context.Context, paths []string, progress func(files, caches int), indexDir string) (symbol.Source, io.Closer, []string, []diag.Diagnostic, error) {
	set, err := dsc.ScanWith(ctx, paths, dsc.ScanOptions{Progress: progress, IndexDir: indexDir})
	if err != nil {
		return nil, nil, nil, nil, err
	}
	var found []string
	for _, c := range set.Caches() {
		found = append(found, c.Path())
	}
	return set, set, found, set.Diagnostics, nil
}

func openBinaries(indexDir string, warn func(diag.Diagnostic)) func(context.Context, []string) (symbol.Source, io.Closer, []string, []diag.Diagnostic, error) {
	return func(ctx context.Context, paths []string) (symbol.Source, io.Closer, []string, []diag.Diagnostic, error) {
		ix, err := objfile.Scan(ctx, paths)
		if err != nil {
			return nil, nil, nil, nil, err
		}
		var found []string
		for _, e := range ix.Entries() {
			found = append(found, e.Path)
		}
		b := objfile.NewBatch(ix)
		if indexDir != "" {
			b.UseDWARFIndexes(indexDir)
			b.OnRefusedIndex(warn)
		}
		return b, b, append(found, ix.SharedCaches...), ix.Diagnostics(), nil
	}
}

// PathError reports a source path that cannot be used at all.
type PathError struct {
	Flag string // "--caches" or "--symbols"
	Path string
	Err  error
}

func (e *PathError) Error() string {
	err := e.Err
	var pe *fs.PathError
	if errors.As(err, &pe) {
		err = pe.Err
	}
	return fmt.Sprintf("%s %s: %v", e.Flag, e.Path, err)
}

// Unwrap returns the underlying error.
func (e *PathError) Unwrap() error { return e.Err }

// emptyRoots names the paths under which no file was found.
func emptyRoots(flag string, roots, found []string) []diag.Diagnostic {
	var out []diag.Diagnostic
	for _, r := range roots {
		holds := false
		for _, f := range found {
			if rel, err := filepath.Rel(r, f); err == nil && !strings.HasPrefix(rel, "..") {
				holds = true
				break
			}
		}
		if !holds {
			what := "no dyld shared cache (main cache files are recognised by content)"
			if flag == "--symbols" {
				what = "no Mach-O binary or dSYM"
			}
			out = append(out, diag.Diagnostic{Code: diag.NoSources, Path: r, Err: fmt.Errorf("%s %s holds %s", flag, r, what)})
		}
	}
	return out
}

// Open opens the sources cfg names. Only headers are read: caches and
// binaries are mapped and their symbol tables built on first use. Files that
// cannot be used become diagnostics (see Diagnostics); Open fails when a path
// does not exist or ctx is cancelled.
func Open(ctx context.Context, cfg Config) (*Engine, error) {
	e := &Engine{formats: cfg.Formats, write: cfg.Write, indexDir: cfg.IndexDir}
	if e.formats == nil {
		e.formats = formats.All()
	}
	var sources []symbol.Source
	kinds := sourceKinds(&cfg)
	for _, k := range kinds {
		for _, p := range k.paths(&cfg) {
			if _, err := os.Stat(p); err != nil {
				return nil, &PathError{Flag: k.flag, Path: p, Err: err}
			}
		}
	}
	for _, k := range kinds {
		paths := k.paths(&cfg)
		if len(paths) == 0 {
			continue
		}
		src, c, found, diags, err := k.open(ctx, paths)
		if err != nil {
			e.Close()
			return nil, err
		}
		sources = append(sources, src)
		e.closers = append(e.closers, c)
		if set, ok := src.(*dsc.Set); ok {
			e.caches = set
		}
		if b, ok := src.(*objfile.Batch); ok {
			e.binaries, e.batch = b.Index(), b
		}
		e.diags = append(e.diags, diags...)
		e.diags = append(e.diags, emptyRoots(k.flag, paths, found)...)
	}
	if len(sources) == 0 {
		e.diags = append(e.diags, diag.Diagnostic{Code: diag.NoSources,
			Err: errors.New("no --caches or --symbols given: only the symbols the inputs already have are kept")})
	}
	e.resolver = resolve.New(sources, cfg.Resolve)
	return e, nil
}

// WriteIndexes writes the symbol index of each cache, and the DWARF index
// of each binary or dSYM, that has no usable one in the index directory
// (Config.IndexDir): of every one, or with used set only of those the
// engine used. It returns what could not be used or written.
func (e *Engine) WriteIndexes(used bool, jobs int) []diag.Diagnostic {
	if e.indexDir == "" || e.caches == nil && e.batch == nil {
		return nil
	}
	if err := os.MkdirAll(e.indexDir, 0o755); err != nil {
		return []diag.Diagnostic{{Code: diag.UnusableIndex, Path: e.indexDir, Err: err}}
	}
	var out []diag.Diagnostic
	if e.caches != nil {
		out = e.caches.WriteIndexes(e.indexDir, used, jobs)
	}
	if e.batch != nil {
		out = append(out, e.batch.WriteDWARFIndexes(e.indexDir, used)...)
	}
	return out
}

// Caches returns the open shared caches (nil without --caches).
func (e *Engine) Caches() []*dsc.Cache { return e.caches.Caches() }

// Close releases every source. Documents and results must not be used with
// the engine afterwards.
func (e *Engine) Close() error {
	var errs []error
	for _, c := range e.closers {
		errs = append(errs, c.Close())
	}
	e.closers = nil
	return errors.Join(errs...)
}

// Diagnostics are what opening the sources met: files skipped, caches that
// could not be opened.
func (e *Engine) Diagnostics() []diag.Diagnostic { return e.diags }

// Formats returns the format list documents are parsed with.
func (e *Engine) Formats() format.List { return e.formats }

// Resolver returns the engine's resolver.
func (e *Engine) Resolver() *resolve.Resolver { return e.resolver }

// ResolverWith returns a resolver over the engine's sources with other
// options (made once per set of options and kept).
func (e *Engine) ResolverWith(opts resolve.Options) *resolve.Resolver {
	if opts == e.resolver.Options() {
		return e.resolver
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	if r, ok := e.resolvers[opts]; ok {
		return r
	}
	if e.resolvers == nil {
		e.resolvers = map[resolve.Options]*resolve.Resolver{}
	}
	r := e.resolver.With(opts)
	e.resolvers[opts] = r
	return r
}

// Binaries lists the binaries and dSYMs the engine knows (nil without
// --symbols).
func (e *Engine) Binaries() []objfile.Entry {
	if e.binaries == nil {
		return nil
	}
	return e.binaries.Entries()
}

// WriteOptions returns how the engine's documents are written.
func (e *Engine) WriteOptions() format.WriteOptions { return e.write }

// Parse parses any supported input. The loaded cache images of a dyld
// snapshot are expanded from the engine's caches when they hold its cache.
func (e *Engine) Parse(b []byte) (*format.Parsed, error) {
	return e.formats.Parse(b, format.Options{Cache: e.cacheImages})
}

func (e *Engine) cacheImages(u process.UUID) (format.CacheImages, bool) {
	return resolve.CacheImages(e.resolver, u)
}

// Batch returns a batch over the engine: jobs workers (0 for one per CPU),
// writing each document's JSON form when json is set and text otherwise.
func (e *Engine) Batch(jobs int, json bool) *resolve.Batch {
	return &resolve.Batch{Resolver: e.resolver, Formats: e.formats, Jobs: jobs, JSON: json, Write: e.write}
}

// Addresses resolves runtime addresses against a process's images on jobs
// goroutines, 0 for one per CPU (see resolve.Resolver.Addresses).
func (e *Engine) Addresses(p *process.Process, addrs []uint64, jobs int) []resolve.AddrResult {
	return e.resolver.Addresses(p, addrs, jobs)
}

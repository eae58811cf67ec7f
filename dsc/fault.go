package dsc

import (
	"errors"

	"github.com/symbolicate/symbolicate/internal/mmap"
	"github.com/symbolicate/symbolicate/symbol"
)

// The files of a cache are mapped, and another process can truncate or
// overwrite them while they are in use. Every reader of mapped bytes after
// Open runs under guard: a memory fault becomes a *symbol.ChangedError, the
// cache is marked broken, and every later lookup fails with the same error
// instead of reading the file again.

// guard runs fn, turning a fault on a mapped file into the cache's
// ChangedError. A cache already known to be broken does not run fn.
func (c *Cache) guard(fn func() error) error {
	if b := c.broken.Load(); b != nil {
		return b
	}
	err := mmap.Guard(fn)
	if f, ok := errors.AsType[*mmap.Fault](err); ok {
		return c.markChanged(c.fileAt(f.Addr), f)
	}
	return err
}

// fileAt names the file whose mapping holds the memory address addr.
func (c *Cache) fileAt(addr uintptr) string {
	for _, f := range c.allFiles() {
		if f.m != nil && f.m.Contains(addr) {
			return f.info.Path
		}
	}
	return ""
}

// allFiles returns the main file, the subcaches and the .symbols file.
func (c *Cache) allFiles() []*cacheFile {
	fs := c.files
	if c.symbols != nil {
		fs = append(fs[:len(fs):len(fs)], c.symbols)
	}
	return fs
}

// markChanged records that file changed; the first record wins.
func (c *Cache) markChanged(file string, err error) *symbol.ChangedError {
	ce := &symbol.ChangedError{Source: c.path, File: file, Err: err}
	if c.broken.CompareAndSwap(nil, ce) {
		return ce
	}
	return c.broken.Load()
}

// Changed compares every file of the cache with the file on disk now and
// returns how the first changed one was noticed, or nil. Once a cache has
// changed it stays broken: lookups fail with this error.
func (c *Cache) Changed() *symbol.ChangedError {
	if b := c.broken.Load(); b != nil {
		return b
	}
	for _, f := range c.allFiles() {
		if f.m == nil {
			continue
		}
		if err := f.m.Changed(); err != nil {
			return c.markChanged(f.info.Path, err)
		}
	}
	return nil
}

// Changed checks every open cache (symbol.Checker).
func (s *Set) Changed() []*symbol.ChangedError {
	var out []*symbol.ChangedError
	for _, c := range s.Caches() {
		if ce := c.Changed(); ce != nil {
			out = append(out, ce)
		}
	}
	return out
}

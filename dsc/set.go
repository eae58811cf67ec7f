package dsc

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"sort"

	"github.com/symbolicate/symbolicate/diag"
	"github.com/symbolicate/symbolicate/process"
	"github.com/symbolicate/symbolicate/symbol"
)

// headerProbe is how much of a file is read to recognise a main cache: enough
// for every header generation (0x228 bytes today) with room to spare.
const headerProbe = 4096

// Set is the set of dyld shared caches found under some paths, indexed by
// cache UUID and by the UUID of every image they contain. Each cache is opened
// once and shared by all users. A Set is a symbol source (symbol.Source, by
// image UUID, and symbol.Caches, by cache UUID) and is safe for concurrent
// use. A nil *Set is an empty set.
type Set struct {
	list    []*Cache // sorted by path: deterministic choice among duplicates
	byUUID  map[process.UUID]*Cache
	byImage map[process.UUID]*imageSymbolizer
	// Diagnostics are caches that could not be opened and files that were
	// skipped.
	Diagnostics []diag.Diagnostic
}

// Scan finds shared-cache main files under paths (files, or directories
// walked recursively) by their magic, not their names, and opens each one.
// Only headers are read. Subcaches and .symbols files are recognised and
// skipped: a main cache opens its own. A file that looks like a main cache but
// cannot be opened becomes a diagnostic, so one damaged cache does not stop a
// batch. Scan fails when a path does not exist or ctx is cancelled.
func Scan(ctx context.Context, paths []string) (*Set, error) {
	return ScanWith(ctx, paths, ScanOptions{})
}

// ScanOptions adjust ScanWith.
type ScanOptions struct {
	// Progress, when set, is called as files are looked at, with the number
	// looked at so far and the main caches found.
	Progress func(files, caches int)
	// IndexDir, when set, is where symbol indexes are looked for: a cache
	// with a valid index there answers from it instead of building tables.
	IndexDir string
}

// minCacheSize is the smallest main cache file: a header, its mappings and
// an image list take more than a page. Smaller files are not read.
const minCacheSize = 4096

// ScanWith is Scan with options.
func ScanWith(ctx context.Context, paths []string, opts ScanOptions) (*Set, error) {
	c := &Set{byUUID: map[process.UUID]*Cache{}, byImage: map[process.UUID]*imageSymbolizer{}}
	candidates, err := findMainCaches(ctx, paths, &c.Diagnostics, opts.Progress)
	if err != nil {
		return nil, err
	}
	var opened []*Cache
	for _, p := range candidates {
		if err := ctx.Err(); err != nil {
			closeAll(opened)
			return nil, err
		}
		cache, err := Open(p)
		if err != nil {
			c.Diagnostics = append(c.Diagnostics, diag.Diagnostic{Code: diag.UnusableCache, Path: p, Err: err})
			continue
		}
		c.Diagnostics = append(c.Diagnostics, cache.Diagnostics()...)
		opened = append(opened, cache)
	}
	// A file listed as another cache's subcache or .symbols file is not a
	// main cache even if its header carries images (x86_64 subcaches do).
	sub := map[process.UUID]bool{}
	for _, cache := range opened {
		for _, f := range cache.Files() {
			if f.Role != "main" {
				sub[f.UUID] = true
			}
		}
	}
	for _, cache := range opened {
		u := cache.UUID()
		if sub[u] {
			cache.Close()
			continue
		}
		if prev, dup := c.byUUID[u]; dup {
			c.Diagnostics = append(c.Diagnostics, diag.Diagnostic{Code: diag.DuplicateCache, Path: prev.Path(), UUID: u,
				Err: fmt.Errorf("shared cache %s has the same UUID %s as %s; using the latter", cache.Path(), u, prev.Path())})
			cache.Close()
			continue
		}
		if opts.IndexDir != "" {
			if err := cache.UseIndex(opts.IndexDir); err != nil {
				c.Diagnostics = append(c.Diagnostics, diag.Diagnostic{Code: diag.UnusableIndex, Path: cache.Path(), UUID: u, Err: err})
			}
		}
		c.add(cache)
	}
	return c, nil
}

// WriteIndexes writes, into dir, the symbol index of every cache of the set
// that has no usable one there, when used is false or the cache was used
// (some table was built). Each index is written atomically, so that several
// processes may write the same one at once. It returns what went wrong.
// jobs is unused: images are indexed one after another, dropping the cache's
// pages as it goes, so that indexing stays small in memory.
func (c *Set) WriteIndexes(dir string, used bool, jobs int) []diag.Diagnostic {
	var out []diag.Diagnostic
	for _, cache := range c.Caches() {
		if cache.HasIndex() && !cache.indexDamaged() || used && cache.built.Load() == 0 {
			continue
		}
		if err := cache.WriteIndexFile(filepath.Join(dir, IndexName(cache.UUID()))); err != nil {
			out = append(out, diag.Diagnostic{Code: diag.UnusableIndex, Path: cache.Path(), UUID: cache.UUID(), Err: err})
		}
	}
	return out
}

// add indexes cache and its images; an image UUID already indexed keeps its
// first cache.
func (c *Set) add(cache *Cache) {
	c.byUUID[cache.UUID()] = cache
	c.list = append(c.list, cache)
	images := cache.Images()
	for i := range images {
		im := &images[i]
		if _, seen := c.byImage[im.UUID]; !seen && !im.UUID.IsZero() {
			c.byImage[im.UUID] = &imageSymbolizer{c: cache, im: im}
		}
	}
}

// findMainCaches walks paths and returns, sorted, the files whose header says
// they are a main shared-cache file (a dyld_v1 magic and an image list).
func findMainCaches(ctx context.Context, paths []string, diags *[]diag.Diagnostic, progress func(files, caches int)) ([]string, error) {
	seen := map[string]bool{}
	var out []string
	files := 0
	// consider looks at the file p (fi follows links): a regular file big
	// enough to be a main cache is read; FIFOs and devices never are.
	consider := func(p string, fi fs.FileInfo) {
		if seen[p] {
			return
		}
		seen[p] = true
		if files++; progress != nil {
			progress(files, len(out))
		}
		switch {
		case !fi.Mode().IsRegular():
			*diags = append(*diags, diag.Diagnostic{Code: diag.SkippedFile, Path: p, Err: errors.New("not a regular file")})
			return
		case fi.Size() < minCacheSize:
			return
		}
		if ok, err := isMainCache(p); err != nil {
			*diags = append(*diags, diag.Diagnostic{Code: diag.SkippedFile, Path: p, Err: err})
		} else if ok {
			out = append(out, p)
		}
	}
	for _, root := range paths {
		fi, err := os.Stat(root)
		if err != nil {
			return nil, fmt.Errorf("caches path: %w", err)
		}
		if !fi.IsDir() {
			consider(root, fi)
			continue
		}
		err = filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
			if err != nil {
				*diags = append(*diags, diag.Diagnostic{Code: diag.SkippedFile, Path: p, Err: err})
				if d != nil && d.IsDir() {
					return fs.SkipDir
				}
				return nil
			}
			if err := ctx.Err(); err != nil {
				return err
			}
			switch {
			case d.Type().IsRegular():
				if fi, err := d.Info(); err == nil {
					consider(p, fi)
				}
			case d.Type()&fs.ModeSymlink != 0:
				// Follow links to files; links to directories are not
				// followed, so a tree with a loop still finishes.
				if fi, err := os.Stat(p); err == nil && fi.Mode().IsRegular() {
					consider(p, fi)
				}
			}
			return nil
		})
		if err != nil {
			return nil, err
		}
	}
	sort.Strings(out)
	return out, nil
}

// isMainCache reads the start of p and reports whether it is a main cache file.
func isMainCache(p string) (bool, error) {
	f, err := os.Open(p)
	if err != nil {
		return false, err
	}
	defer f.Close()
	buf := make([]byte, headerProbe)
	n, err := io.ReadFull(f, buf)
	if err != nil && !errors.Is(err, io.ErrUnexpectedEOF) {
		if errors.Is(err, io.EOF) {
			return false, nil
		}
		return false, err
	}
	if n < 16 || string(buf[:7]) != "dyld_v1" {
		return false, nil
	}
	h, err := ParseHeader(buf[:n])
	if err != nil {
		if errors.Is(err, ErrNotDSC) {
			return false, nil
		}
		return false, err
	}
	return h.ImagesTextCount > 0 || h.ImagesCount > 0 || h.ImagesCountOld > 0, nil
}

// Cache returns the cache whose main header UUID is u (symbol.Caches).
func (c *Set) Cache(u process.UUID) (symbol.Cache, bool) {
	if c == nil {
		return nil, false
	}
	cache, ok := c.byUUID[u]
	return cache, ok
}

// Image returns the first cache image, in path order of the caches, whose
// LC_UUID is id (symbol.Source). The arch and name are not needed: a cache
// image's UUID identifies it.
func (c *Set) Image(id process.BuildID, arch, name string) (symbol.Symbolizer, error) {
	if u, ok := id.UUID(); ok && c != nil {
		if s := c.byImage[u]; s != nil {
			return s, nil
		}
	}
	return nil, symbol.ErrNotFound
}

// Caches returns the open caches, sorted by path.
func (c *Set) Caches() []*Cache {
	if c == nil {
		return nil
	}
	return c.list
}

// Close closes every cache.
func (c *Set) Close() error {
	if c == nil {
		return nil
	}
	closeAll(c.list)
	return nil
}

func closeAll(list []*Cache) {
	for _, cache := range list {
		cache.Close()
	}
}

// SetOf returns a set of already open caches (for a command that opens one
// cache file itself). Closing the set closes them.
func SetOf(caches ...*Cache) *Set {
	s := &Set{byUUID: map[process.UUID]*Cache{}, byImage: map[process.UUID]*imageSymbolizer{}}
	for _, c := range caches {
		s.add(c)
	}
	return s
}

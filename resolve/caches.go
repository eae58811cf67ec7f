package resolve

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"sort"

	"github.com/symbolicate/symbolicate/dsc"
	"github.com/symbolicate/symbolicate/imagemap"
)

// headerProbe is how much of a file is read to recognise a main cache: enough
// for every header generation (0x228 bytes today) with room to spare.
const headerProbe = 4096

// Caches is the set of dyld shared caches found under the --caches paths,
// indexed by cache UUID and by the UUID of every image they contain. Each cache
// is opened once and shared by all workers; a Caches is safe for concurrent use.
// A nil *Caches is an empty set.
type Caches struct {
	list    []*dsc.Cache // sorted by path: deterministic choice among duplicates
	byUUID  map[imagemap.UUID]*dsc.Cache
	byImage map[imagemap.UUID]cacheImage
	// Warnings are caches that could not be opened and files that were skipped.
	Warnings []string
}

// cacheImage locates one image inside one cache.
type cacheImage struct {
	cache *dsc.Cache
	image *dsc.Image
}

// ScanCaches finds shared-cache main files under paths (files, or directories
// walked recursively) by their magic, not their names, and opens each one. Only
// headers are read. Subcaches and .symbols files are recognised and skipped: a
// main cache opens its own. A file that looks like a main cache but cannot be
// opened becomes a warning, so one damaged cache does not stop a batch.
func ScanCaches(ctx context.Context, paths []string) (*Caches, error) {
	c := &Caches{byUUID: map[imagemap.UUID]*dsc.Cache{}, byImage: map[imagemap.UUID]cacheImage{}}
	candidates, err := findMainCaches(ctx, paths, &c.Warnings)
	if err != nil {
		return nil, err
	}
	var opened []*dsc.Cache
	for _, p := range candidates {
		if err := ctx.Err(); err != nil {
			closeAll(opened)
			return nil, err
		}
		cache, err := dsc.Open(p)
		if err != nil {
			c.Warnings = append(c.Warnings, fmt.Sprintf("shared cache %s: %v", p, err))
			continue
		}
		opened = append(opened, cache)
	}
	// A file listed as another cache's subcache or .symbols file is not a
	// main cache even if its header carries images (x86_64 subcaches do).
	sub := map[imagemap.UUID]bool{}
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
			c.Warnings = append(c.Warnings, fmt.Sprintf("shared cache %s has the same UUID %s as %s; using the latter", cache.Path(), u, prev.Path()))
			cache.Close()
			continue
		}
		c.byUUID[u] = cache
		c.list = append(c.list, cache)
		images := cache.Images()
		for i := range images {
			im := &images[i]
			if _, seen := c.byImage[im.UUID]; !seen && !im.UUID.IsZero() {
				c.byImage[im.UUID] = cacheImage{cache: cache, image: im}
			}
		}
	}
	return c, nil
}

// findMainCaches walks paths and returns, sorted, the files whose header says
// they are a main shared-cache file (a dyld_v1 magic and an image list).
func findMainCaches(ctx context.Context, paths []string, warnings *[]string) ([]string, error) {
	seen := map[string]bool{}
	var out []string
	consider := func(p string) {
		if seen[p] {
			return
		}
		seen[p] = true
		if ok, err := isMainCache(p); err != nil {
			*warnings = append(*warnings, fmt.Sprintf("skipping %s: %v", p, err))
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
			consider(root)
			continue
		}
		err = filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
			if err != nil {
				*warnings = append(*warnings, fmt.Sprintf("skipping %s: %v", p, err))
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
				consider(p)
			case d.Type()&fs.ModeSymlink != 0:
				// Follow links to files; links to directories are not
				// followed, so a tree with a loop still finishes.
				if fi, err := os.Stat(p); err == nil && fi.Mode().IsRegular() {
					consider(p)
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
	h, err := dsc.ParseHeader(buf[:n])
	if err != nil {
		if errors.Is(err, dsc.ErrNotDSC) {
			return false, nil
		}
		return false, err
	}
	return h.ImagesTextCount > 0 || h.ImagesCount > 0 || h.ImagesCountOld > 0, nil
}

// ByUUID returns the cache whose main header UUID is u.
func (c *Caches) ByUUID(u imagemap.UUID) (*dsc.Cache, bool) {
	if c == nil {
		return nil, false
	}
	cache, ok := c.byUUID[u]
	return cache, ok
}

// ImageByUUID returns a cache containing an image whose LC_UUID is u, and that image.
func (c *Caches) ImageByUUID(u imagemap.UUID) (*dsc.Cache, *dsc.Image, bool) {
	if c == nil {
		return nil, nil, false
	}
	ci, ok := c.byImage[u]
	return ci.cache, ci.image, ok
}

// List returns the open caches, sorted by path.
func (c *Caches) List() []*dsc.Cache {
	if c == nil {
		return nil
	}
	return c.list
}

// Close closes every cache.
func (c *Caches) Close() error {
	if c == nil {
		return nil
	}
	closeAll(c.list)
	return nil
}

func closeAll(list []*dsc.Cache) {
	for _, cache := range list {
		cache.Close()
	}
}

package dsctest

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"

	"github.com/goccy/go-json"
)

// Files of a reusable cache directory besides the cache itself.
const (
	completeMarker = "COMPLETE"   // written last
	manifestName   = "truth.json" // the Cache without functions
)

// Cached returns the cache for cfg from a directory under os.TempDir() keyed
// by [Config.Hash], generating it on first use. Benchmarks use it to pay
// for a full-scale cache once per machine. Concurrent callers, in one
// process or several, are safe: each generates into its own temporary
// directory and renames it into place; the loser of the race discards its
// copy. The ground truth is read back from a manifest in the directory
// (functions are regenerated from cfg unless DiscardTruth is set).
func Cached(cfg Config) (*Cache, error) {
	return CachedContext(context.Background(), cfg)
}

// CachedContext is Cached with a context.
func CachedContext(ctx context.Context, cfg Config) (*Cache, error) {
	key, err := cfg.Hash()
	if err != nil {
		return nil, err
	}
	parent := filepath.Join(os.TempDir(), "symbolicate-dsctest")
	final := filepath.Join(parent, key)
	if _, err := os.Stat(filepath.Join(final, completeMarker)); err == nil {
		c, err := reuse(final, key, cfg)
		if err != nil {
			return nil, err
		}
		return c, checkUUID(c)
	}
	if err := os.MkdirAll(parent, 0o755); err != nil {
		return nil, fmt.Errorf("dsctest: %w", err)
	}
	tmp, err := os.MkdirTemp(parent, key+".tmp-")
	if err != nil {
		return nil, fmt.Errorf("dsctest: %w", err)
	}
	defer os.RemoveAll(tmp) // a no-op once renamed
	p, err := newPlan(cfg)
	if err != nil {
		return nil, err
	}
	if err := p.write(ctx, tmp); err != nil {
		return nil, err
	}
	if err := writeManifest(tmp, key, p); err != nil {
		return nil, err
	}
	if err := os.WriteFile(filepath.Join(tmp, completeMarker), []byte(key+"\n"), 0o644); err != nil {
		return nil, fmt.Errorf("dsctest: %w", err)
	}
	if err := os.Rename(tmp, final); err != nil {
		// Another process finished first: use its copy if it is complete.
		if _, serr := os.Stat(filepath.Join(final, completeMarker)); serr != nil {
			return nil, fmt.Errorf("dsctest: %w", errors.Join(err, ignoreNotExist(serr)))
		}
	}
	return p.cache(final), nil
}

// checkUUID guards against a directory written by a generator whose output
// differed without a change of generatorVersion: the main header's UUID
// must be the one the truth predicts.
func checkUUID(c *Cache) error {
	f, err := os.Open(c.MainPath)
	if err != nil {
		return fmt.Errorf("dsctest: %w", err)
	}
	defer f.Close()
	var u [16]byte
	if _, err := f.ReadAt(u[:], 0x58); err != nil {
		return fmt.Errorf("dsctest: %s: %w", c.MainPath, err)
	}
	if u != c.UUID {
		return fmt.Errorf("dsctest: %s is stale (UUID %X, this generator writes %v); delete %s", c.MainPath, u, c.UUID, c.Dir)
	}
	return nil
}

func ignoreNotExist(err error) error {
	if errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	return err
}

// manifest is the ground truth saved next to a reusable cache, so that a
// hit does not have to regenerate every image's names.
type manifest struct {
	Key      string
	Cache    *Cache
	TextSect []uint64 // offset of __text from each mach_header
}

func writeManifest(dir, key string, p *plan) error {
	c := p.cache(".")
	for i := range c.Images {
		c.Images[i].Functions = nil
	}
	m := manifest{Key: key, Cache: c}
	for i := range p.imgs {
		m.TextSect = append(m.TextSect, p.imgs[i].textSect)
	}
	b, err := json.Marshal(m)
	if err != nil {
		return fmt.Errorf("dsctest: %w", err)
	}
	// Write then rename, so that a concurrent reader never sees half a file.
	tmp, err := os.CreateTemp(dir, manifestName+".tmp-")
	if err != nil {
		return fmt.Errorf("dsctest: %w", err)
	}
	_, err = tmp.Write(b)
	if cerr := tmp.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(tmp.Name(), filepath.Join(dir, manifestName))
	}
	if err != nil {
		os.Remove(tmp.Name())
		return fmt.Errorf("dsctest: %w", err)
	}
	return nil
}

// reuse returns the Cache of a complete directory, from its manifest when it
// is readable and matches, otherwise by laying the cache out again.
func reuse(dir, key string, cfg Config) (*Cache, error) {
	norm, err := cfg.normalize()
	if err != nil {
		return nil, err
	}
	var m manifest
	b, err := os.ReadFile(filepath.Join(dir, manifestName))
	if err == nil {
		err = json.Unmarshal(b, &m)
	}
	if err != nil || m.Key != key || m.Cache == nil || len(m.Cache.Images) != norm.Images || len(m.TextSect) != norm.Images {
		p, err := newPlan(cfg)
		if err != nil {
			return nil, err
		}
		// Best effort: a directory without a usable manifest (written by an
		// older generator) gets one for the next caller; failure only costs
		// speed.
		_ = writeManifest(dir, key, p)
		return p.cache(dir), nil
	}
	c := m.Cache
	p := &plan{cfg: norm, arch: archs[norm.Arch], hdr: norm.HeaderSize, imgs: make([]imgPlan, norm.Images)}
	join := func(s string) string {
		if s == "" {
			return ""
		}
		return filepath.Join(dir, filepath.Base(s))
	}
	c.Dir = dir
	c.MainPath = join(c.MainPath)
	c.SymbolsPath = join(c.SymbolsPath)
	for k := range c.Files {
		c.Files[k] = join(c.Files[k])
	}
	for k := range c.SubCaches {
		c.SubCaches[k].Path = join(c.SubCaches[k].Path)
	}
	c.Config = norm
	c.plan = p
	for i := range c.Images {
		im := &c.Images[i]
		im.TextFile = join(im.TextFile)
		p.imgs[i].textAddr = im.Address
		p.imgs[i].textSect = m.TextSect[i]
		if !norm.DiscardTruth {
			if im.Functions, err = c.Functions(i); err != nil {
				return nil, err
			}
		}
	}
	return c, nil
}

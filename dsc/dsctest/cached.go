package dsctest

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
)

// completeMarker is written last into a reusable cache directory.
const completeMarker = "COMPLETE"

// Cached returns the cache for cfg from a directory under os.TempDir() keyed
// by [Config.Hash], generating it on first use. Benchmarks use it to pay
// for a full-scale cache once per machine. Concurrent callers, in one
// process or several, are safe: each generates into its own temporary
// directory and renames it into place; the loser of the race discards its
// copy. The ground truth is recomputed from cfg (no bulk bytes are written).
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
		p, err := newPlan(cfg)
		if err != nil {
			return nil, err
		}
		return p.cache(final), nil
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

func ignoreNotExist(err error) error {
	if errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	return err
}

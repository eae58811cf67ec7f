package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"github.com/symbolicate/symbolicate/dsc"
)

// indexCmd writes symbol indexes of caches.
type indexCmd struct {
	sourceFlags
	Jobs int `short:"j" default:"${jobs}" help:"Images indexed in parallel (default: the number of CPUs). Example: -j 4"`
}

// Help explains the index.
func (c *indexCmd) Help() string {
	return `Writes one symbol index per shared cache into --index-dir (default: the user cache
directory, e.g. ~/.cache/symbolicate): every image's symbol table, names referenced in the
cache's own string pools. Later runs given the same --index-dir map it instead of building
the tables, which is most of the work of a cold batch. An index is bound to the cache's
files (sizes, modification times, UUIDs) and checksummed; one that does not match is
ignored with a warning and rewritten. See docs/index.md.

Examples:
  symbolicate index --caches ~/dsc
  symbolicate crashes/ --caches ~/dsc --index-dir ~/.cache/symbolicate -o out/

Exit status: 0 every cache indexed; 4 some index could not be written; 1 usage error.`
}

// Run indexes every cache found.
func (c *indexCmd) Run(ctx context.Context, streams *ioStreams) error {
	cfg := c.config()
	if cfg.IndexDir == "" {
		dir, err := os.UserCacheDir()
		if err != nil {
			return withExit(exitUsage, fmt.Errorf("no --index-dir given and no user cache directory: %w", err))
		}
		cfg.IndexDir = filepath.Join(dir, "symbolicate")
	}
	if len(cfg.Caches) == 0 {
		return withExit(exitUsage, errors.New("index needs --caches (or $SYMBOLICATE_CACHES)"))
	}
	cfg.Symbols = nil
	eng, err := openEngine(ctx, cfg, streams, false)
	if err != nil {
		return err
	}
	defer eng.Close()
	start := time.Now()
	failed := eng.WriteIndexes(false, c.Jobs)
	for _, d := range failed {
		fmt.Fprintf(streams.Stderr, "symbolicate: %s\n", d)
	}
	for _, cache := range eng.Caches() {
		p := filepath.Join(cfg.IndexDir, dsc.IndexName(cache.UUID()))
		if fi, err := os.Stat(p); err == nil {
			state := "written"
			if cache.HasIndex() {
				state = "up to date"
			}
			fmt.Fprintf(streams.Stdout, "%s: %s (%d images, %.1f MB) %s\n", cache.Path(), p, cache.ImageCount(), float64(fi.Size())/1e6, state)
		}
	}
	fmt.Fprintf(streams.Stderr, "%d caches in %v\n", len(eng.Caches()), time.Since(start).Round(time.Millisecond))
	if len(failed) > 0 {
		return withExit(exitOutput, nil)
	}
	return nil
}

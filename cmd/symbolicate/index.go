package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"github.com/symbolicate/symbolicate/dsc"
	"github.com/symbolicate/symbolicate/objfile"
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
the tables, which is most of the work of a cold batch. With --symbols it also writes one
DWARF index per dSYM (or binary with DWARF) slice: functions, inlined calls and line
tables, so that later runs never parse that DWARF. An index is bound to its files (sizes,
modification times, UUIDs) and checksummed; one that does not match is ignored with a
warning and rewritten. See docs/index.md.

Examples:
  symbolicate index --caches ~/dsc
  symbolicate index --symbols build/dSYMs
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
	if len(cfg.Caches) == 0 && len(cfg.Symbols) == 0 {
		return withExit(exitUsage, errors.New("index needs --caches or --symbols (or $SYMBOLICATE_CACHES, $SYMBOLICATE_SYMBOLS)"))
	}
	eng, err := openEngine(ctx, cfg, streams, false)
	if err != nil {
		return err
	}
	defer eng.Close()
	start := time.Now()
	// DWARF indexes, by file, with their modification time before.
	type dwarfIndex struct {
		path, of string
		before   time.Time
	}
	var dwarfIndexes []dwarfIndex
	seen := map[string]bool{}
	for _, e := range eng.Binaries() {
		p := filepath.Join(cfg.IndexDir, objfile.DWARFIndexName(e.UUID, e.Arch))
		if !seen[p] {
			seen[p] = true
			di := dwarfIndex{path: p, of: e.String()}
			if fi, err := os.Stat(p); err == nil {
				di.before = fi.ModTime()
			}
			dwarfIndexes = append(dwarfIndexes, di)
		}
	}
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
	written := 0
	for _, di := range dwarfIndexes {
		if fi, err := os.Stat(di.path); err == nil {
			state := "written"
			if fi.ModTime().Equal(di.before) {
				state = "up to date"
			}
			written++
			fmt.Fprintf(streams.Stdout, "%s: %s (%.1f MB) %s\n", di.of, di.path, float64(fi.Size())/1e6, state)
		}
	}
	fmt.Fprintf(streams.Stderr, "%d caches, %d binaries and dSYMs with DWARF in %v\n", len(eng.Caches()), written, time.Since(start).Round(time.Millisecond))
	if len(failed) > 0 {
		return withExit(exitOutput, nil)
	}
	return nil
}

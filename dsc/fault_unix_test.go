//go:build linux || darwin

package dsc_test

import (
	"errors"
	"os"
	"testing"
	"time"

	"github.com/symbolicate/symbolicate/dsc"
	"github.com/symbolicate/symbolicate/dsc/dsctest"
	"github.com/symbolicate/symbolicate/symbol"
)

// ageFiles sets every file of g an hour back, as a cache on disk long before
// a run is, so that a rewrite during the run gets a modification time of its
// own even on a filesystem with a coarse clock.
func ageFiles(t *testing.T, g *dsctest.Cache) {
	t.Helper()
	old := time.Now().Add(-time.Hour)
	for _, f := range g.Files {
		if err := os.Chtimes(f, old, old); err != nil {
			t.Fatal(err)
		}
	}
}

// TestTruncatedWhileMapped truncates every file of an open cache, as a
// deploy replacing caches can: lookups that touch the vanished pages must
// fail with a ChangedError naming the cache (not end the process with
// SIGBUS), and so must every later lookup, even in tables built before.
func TestTruncatedWhileMapped(t *testing.T) {
	g := generate(t, dsctest.Config{Seed: 61, Images: 6, SymbolsPerImage: 40})
	c := openGenerated(t, g)
	first := g.Images[0].Functions[0]
	if s, err := c.Lookup(first.Address); err != nil || s.Name != wantName(g, first) {
		t.Fatalf("before truncation: %+v, %v", s, err)
	}
	for _, f := range g.Files {
		if err := os.Truncate(f, 0); err != nil {
			t.Fatal(err)
		}
	}
	last := g.Images[len(g.Images)-1].Functions[3]
	_, err := c.Lookup(last.Address)
	ce, ok := errors.AsType[*symbol.ChangedError](err)
	if !ok || !errors.Is(err, symbol.ErrChanged) {
		t.Fatalf("lookup after truncation: %v (%T), want a *symbol.ChangedError", err, err)
	}
	if ce.Source != g.MainPath || ce.File == "" {
		t.Errorf("ChangedError names source %q file %q, want source %q and a file", ce.Source, ce.File, g.MainPath)
	}
	// The table of image 0 was built before; the cache is not trusted now.
	if s, err := c.Lookup(first.Address); !errors.Is(err, symbol.ErrChanged) || s.Name != "" {
		t.Errorf("later lookup: %+v, %v; want no name and ErrChanged", s, err)
	}
	if got := c.Changed(); got != ce {
		t.Errorf("Changed() = %v, want the first error %v", got, ce)
	}
	if got := dsc.SetOf(c).Changed(); len(got) != 1 {
		t.Errorf("Set.Changed() = %v, want one", got)
	}
}

// TestOverwrittenWhileMapped copies other bytes of the same size over a
// subcache: no fault is raised, so the cache must notice the file's new
// identity when checked, and refuse lookups from then on.
func TestOverwrittenWhileMapped(t *testing.T) {
	g := generate(t, dsctest.Config{Seed: 62, Images: 6, SymbolsPerImage: 40})
	ageFiles(t, g)
	c := openGenerated(t, g)
	if got := c.Changed(); got != nil {
		t.Fatalf("Changed() on an untouched cache: %v", got)
	}
	victim := g.SubCaches[0].Path
	b, err := os.ReadFile(victim)
	if err != nil {
		t.Fatal(err)
	}
	for i := range b {
		b[i] ^= 0x5a
	}
	f, err := os.OpenFile(victim, os.O_WRONLY, 0)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.WriteAt(b, 0); err != nil {
		t.Fatal(err)
	}
	f.Close()
	ce := c.Changed()
	if ce == nil || ce.File != victim {
		t.Fatalf("Changed() = %v, want %s named", ce, victim)
	}
	fn := g.Images[0].Functions[0]
	if _, err := c.Lookup(fn.Address); !errors.Is(err, symbol.ErrChanged) {
		t.Errorf("lookup after the change was noticed: %v, want ErrChanged", err)
	}
}

// TestRemovedWhileMapped: a cache file deleted while mapped keeps its pages
// (the mapping holds the inode), but the cache on disk is gone: Changed says
// so.
func TestRemovedWhileMapped(t *testing.T) {
	g := generate(t, dsctest.Config{Seed: 63, Images: 3})
	c := openGenerated(t, g)
	if err := os.Remove(g.SymbolsPath); err != nil {
		t.Fatal(err)
	}
	if ce := c.Changed(); ce == nil || ce.File != g.SymbolsPath {
		t.Fatalf("Changed() = %v, want %s named", ce, g.SymbolsPath)
	}
}

// TestSymlinkedMainCache opens a cache through a symbolic link in another
// folder: its subcaches are found beside the target, not the link.
func TestSymlinkedMainCache(t *testing.T) {
	g := generate(t, dsctest.Config{Seed: 64, Images: 4})
	link := t.TempDir() + "/dyld_shared_cache_arm64e"
	if err := os.Symlink(g.MainPath, link); err != nil {
		t.Fatal(err)
	}
	c, err := dsc.Open(link)
	if err != nil {
		t.Fatalf("Open(%s): %v", link, err)
	}
	defer c.Close()
	if n := len(c.Files()); n != len(g.Files) {
		t.Errorf("%d files through the link, want %d", n, len(g.Files))
	}
	fn := g.Images[len(g.Images)-1].Functions[0]
	if s, err := c.Lookup(fn.Address); err != nil || s.Name != wantName(g, fn) {
		t.Errorf("lookup through the link: %+v, %v", s, err)
	}
}

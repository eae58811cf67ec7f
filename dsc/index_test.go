package dsc_test

import (
	"bytes"
	"encoding/binary"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"testing/fstest"
	"time"

	"github.com/symbolicate/symbolicate/dsc"
	"github.com/symbolicate/symbolicate/dsc/dsctest"
)

// writeIndex builds and writes g's index into dir, returning its path.
func writeIndex(t *testing.T, g *dsctest.Cache, dir string) string {
	t.Helper()
	c := openGenerated(t, g)
	p := filepath.Join(dir, dsc.IndexName(g.UUID))
	if err := c.WriteIndexFile(p); err != nil {
		t.Fatal(err)
	}
	return p
}

// TestIndexAnswersAsTables: a cache opened with its index answers every
// function and segment exactly as one that builds its tables, for every
// layout.
func TestIndexAnswersAsTables(t *testing.T) {
	for _, cfg := range []dsctest.Config{
		{Seed: 71, Images: 12, SymbolsPerImage: 50},
		{Seed: 72, Images: 8, Layout: dsctest.LayoutSplitV1},
		{Seed: 73, Images: 8, Layout: dsctest.LayoutSingle, Arch: "x86_64"},
		{Seed: 74, Images: 6, NoSymbolsFile: true},
		{Seed: 75, Images: 6, Arch: "arm64_32"},
	} {
		g := generate(t, cfg)
		dir := t.TempDir()
		writeIndex(t, g, dir)
		c := openGenerated(t, g)
		if err := c.UseIndex(dir); err != nil || !c.HasIndex() {
			t.Fatalf("%+v: index not used: %v", cfg, err)
		}
		checkAgainstTruth(t, g, c)
		if n := c.IndexedTables(); n != len(g.Images) {
			t.Errorf("%+v: %d of %d tables from the index", cfg, n, len(g.Images))
		}
		if d := c.Diagnostics(); len(d) > 0 && !cfg.NoSymbolsFile {
			t.Errorf("%+v: diagnostics %v", cfg, d)
		}
	}
}

// TestIndexRefused: an index of another cache, of a cache whose file
// changed, or a damaged one is refused (or, for a damaged block, dropped
// when met), and the tables are built: answers stay right.
func TestIndexRefused(t *testing.T) {
	g := generate(t, dsctest.Config{Seed: 76, Images: 6})
	other := generate(t, dsctest.Config{Seed: 77, Images: 6})
	dir := t.TempDir()
	p := writeIndex(t, g, dir)
	good, _ := os.ReadFile(p)
	var ie *dsc.IndexError

	c := openGenerated(t, other)
	if err := c.OpenIndex(p); !errors.As(err, &ie) {
		t.Errorf("another cache's index: %v", err)
	} else if !strings.Contains(err.Error(), "`symbolicate index`") {
		t.Errorf("the refusal does not say how to rebuild the index: %v", err)
	}
	for name, damage := range map[string]func([]byte) []byte{
		"magic":   func(b []byte) []byte { b[0] ^= 1; return b },
		"header":  func(b []byte) []byte { b[40] ^= 1; return b },
		"tables":  func(b []byte) []byte { b[100] ^= 1; return b },
		"short":   func(b []byte) []byte { return b[:len(b)/2] },
		"empty":   func(b []byte) []byte { return nil },
		"version": func(b []byte) []byte { b[8] = 9; return b },
	} {
		os.WriteFile(p, damage(bytes.Clone(good)), 0o644)
		c := openGenerated(t, g)
		if err := c.OpenIndex(p); !errors.As(err, &ie) {
			t.Errorf("%s: accepted (%v)", name, err)
		}
	}
	// A damaged image block: refused when the image is first used.
	b := bytes.Clone(good)
	nfiles := int(binary.LittleEndian.Uint32(b[32:]))
	firstBlock := binary.LittleEndian.Uint64(b[96+32*nfiles:])
	b[firstBlock+1] ^= 0xff
	os.WriteFile(p, b, 0o644)
	c = openGenerated(t, g)
	if err := c.OpenIndex(p); err != nil {
		t.Fatal(err)
	}
	checkAgainstTruth(t, g, c)
	found := false
	for _, d := range c.Diagnostics() {
		found = found || d.Code == "unusable-index"
	}
	if !found {
		t.Error("a damaged block was not reported")
	}
	// A cache file rewritten since: refused.
	os.WriteFile(p, good, 0o644)
	later := time.Now().Add(time.Hour)
	os.Chtimes(g.SubCaches[0].Path, later, later)
	c = openGenerated(t, g)
	if err := c.OpenIndex(p); !errors.As(err, &ie) {
		t.Errorf("changed cache file: %v", err)
	}
}

// FuzzIndex feeds arbitrary index bytes (their checksums made right, so
// the structure behind them is checked) to a cache: whatever is accepted
// must answer lookups without panicking or reading outside the cache.
func FuzzIndex(f *testing.F) {
	g, err := dsctest.Cached(dsctest.Config{Seed: 78, Images: 3, SymbolsPerImage: 12})
	if err != nil {
		f.Fatal(err)
	}
	fsys := fstest.MapFS{}
	for _, p := range g.Files {
		b, err := os.ReadFile(p)
		if err != nil {
			f.Fatal(err)
		}
		fsys[filepath.Base(p)] = &fstest.MapFile{Data: b}
	}
	open := func() *dsc.Cache {
		c, err := dsc.OpenFS(fsys, filepath.Base(g.MainPath))
		if err != nil {
			f.Fatal(err)
		}
		return c
	}
	c, err := dsc.Open(g.MainPath)
	if err != nil {
		f.Fatal(err)
	}
	p := filepath.Join(f.TempDir(), "index")
	if err := c.WriteIndexFile(p); err != nil {
		f.Fatal(err)
	}
	c.Close()
	seed, err := os.ReadFile(p)
	if err != nil {
		f.Fatal(err)
	}
	f.Add(seed)
	f.Fuzz(func(t *testing.T, data []byte) {
		data = bytes.Clone(data)
		dsc.RefreshIndexChecksums(data)
		c := open()
		if c.UseIndexBytes(data) != nil {
			return
		}
		for i := range g.Images {
			for _, fn := range g.Images[i].Functions {
				c.Lookup(fn.Address)
				c.Lookup(fn.Address + fn.Size - 1)
			}
		}
	})
}

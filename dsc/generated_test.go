package dsc_test

import (
	"encoding/binary"
	"fmt"
	"os"
	"strconv"
	"strings"
	"testing"

	"github.com/symbolicate/symbolicate/dsc"
	"github.com/symbolicate/symbolicate/dsc/dsctest"
)

// generate writes a synthetic cache for cfg into a temporary directory.
func generate(t testing.TB, cfg dsctest.Config) *dsctest.Cache {
	t.Helper()
	g, err := dsctest.Generate(t.TempDir(), cfg)
	if err != nil {
		t.Fatalf("dsctest.Generate(%+v): %v", cfg, err)
	}
	return g
}

// openGenerated opens g's main file and closes it when the test ends.
func openGenerated(t testing.TB, g *dsctest.Cache) *dsc.Cache {
	t.Helper()
	c, err := dsc.Open(g.MainPath)
	if err != nil {
		t.Fatalf("Open(%s): %v", g.MainPath, err)
	}
	t.Cleanup(func() { c.Close() })
	return c
}

// wantName is the name Lookup must give for f.
func wantName(g *dsctest.Cache, f dsctest.Function) string {
	if n := g.SymbolName(f); n != "" {
		return n
	}
	return "func_" + strconv.FormatUint(f.Address, 16)
}

// checkAgainstTruth compares everything the reader reports with the
// generator's ground truth: header identity, every image, every segment
// (address → image), and every function at start, start+1 and end−1.
func checkAgainstTruth(t *testing.T, g *dsctest.Cache, c *dsc.Cache) {
	t.Helper()
	if c.UUID() != g.UUID || c.SharedRegionStart() != g.Base {
		t.Fatalf("UUID %s base %#x, want %s %#x", c.UUID(), c.SharedRegionStart(), g.UUID, g.Base)
	}
	if c.ImageCount() != len(g.Images) {
		t.Fatalf("%d images, want %d", c.ImageCount(), len(g.Images))
	}
	wantFiles := 1 + len(g.SubCaches)
	if g.SymbolsPath != "" {
		wantFiles++
	}
	if n := len(c.Files()); n != wantFiles {
		t.Errorf("%d files, want %d", n, wantFiles)
	}
	for i := range g.Images {
		gi := &g.Images[i]
		im := &c.Images()[i]
		if im.Path != gi.Path || im.UUID != gi.UUID || im.Address != gi.Address || im.TextSize != gi.TextSize {
			t.Fatalf("image %d = %s %s %#x+%#x, want %s %s %#x+%#x", i, im.Path, im.UUID, im.Address, im.TextSize,
				gi.Path, gi.UUID, gi.Address, gi.TextSize)
		}
		for _, seg := range gi.Segments {
			if seg.Name == "__LINKEDIT" || seg.Size == 0 {
				continue
			}
			for _, a := range []uint64{seg.Addr, seg.Addr + seg.Size - 1} {
				got, err := c.ImageForAddress(a)
				if err != nil || got.Index != i {
					t.Fatalf("ImageForAddress(%#x) in %s of image %d = %v, %v", a, seg.Name, i, got, err)
				}
			}
		}
		fs, err := g.Functions(i)
		if err != nil {
			t.Fatal(err)
		}
		for _, f := range fs {
			want := wantName(g, f)
			for _, a := range []uint64{f.Address, f.Address + 1, f.Address + f.Size - 1} {
				s, err := c.Lookup(a)
				if err != nil || s.Image == nil || s.Image.Index != i || s.Name != want || s.Start != f.Address || s.Offset != a-f.Address {
					t.Fatalf("Lookup(%#x) = %q+%#x start %#x image %v, %v; want %q+%#x in image %d (%+v)",
						a, s.Name, s.Offset, s.Start, s.Image, err, want, a-f.Address, i, f)
				}
			}
		}
		for _, d := range gi.Data {
			s, err := c.Lookup(d.Address)
			if err != nil || s.Name != d.Name || s.Offset != 0 || s.Image.Index != i {
				t.Fatalf("Lookup(data %s @%#x) = %+v, %v", d.Name, d.Address, s, err)
			}
		}
	}
}

func TestGeneratedDefault(t *testing.T) {
	g := generate(t, dsctest.Config{Seed: 1})
	c := openGenerated(t, g)
	if w := c.Warnings(); len(w) != 0 {
		t.Errorf("warnings: %q", w)
	}
	checkAgainstTruth(t, g, c)
}

// TestGeneratedGenerations opens one cache of every header generation and
// layout the generator writes and checks it against the ground truth.
func TestGeneratedGenerations(t *testing.T) {
	cases := []struct {
		layout dsctest.Layout
		hdr    uint32
		gen    string
	}{
		{dsctest.LayoutSingle, 0x68, "dyld-353"},
		{dsctest.LayoutSingle, 0x98, "dyld-421"},
		{dsctest.LayoutSingle, 0xF8, "dyld-519"},
		{dsctest.LayoutSingle, 0x138, "dyld-625…750"},
		{dsctest.LayoutSingle, 0x140, "dyld-832…852"},
		{dsctest.LayoutSplitV1, 0x1C8, "dyld-940…960"},
		{dsctest.LayoutSplit, 0x200, "dyld-1042…1162"},
		{dsctest.LayoutSplit, 0x208, "dyld-1231…1245"},
		{dsctest.LayoutSplit, 0x228, "dyld-1284…1378"},
	}
	for _, tc := range cases {
		t.Run(fmt.Sprintf("%v-%#x", tc.layout, tc.hdr), func(t *testing.T) {
			g := generate(t, dsctest.Config{Seed: int64(tc.hdr), Layout: tc.layout, HeaderSize: tc.hdr, Images: 12, SymbolsPerImage: 40})
			c := openGenerated(t, g)
			h := c.Header()
			if h.MappingOffset != tc.hdr || h.Generation() != tc.gen {
				t.Errorf("header %#x %q, want %#x %q", h.MappingOffset, h.Generation(), tc.hdr, tc.gen)
			}
			if w := c.Warnings(); len(w) != 0 {
				t.Errorf("warnings: %q", w)
			}
			if !c.HasLocalSymbols() {
				t.Error("HasLocalSymbols = false")
			}
			checkAgainstTruth(t, g, c)
		})
	}
}

// TestGeneratedArches covers every architecture in the split and single
// layouts, including arm64_32 (32-bit Mach-O and nlist) and x86_64 (plain
// ".NN" subcache suffixes).
func TestGeneratedArches(t *testing.T) {
	for _, arch := range []string{"arm64", "arm64e", "x86_64", "x86_64h", "arm64_32"} {
		for _, layout := range []dsctest.Layout{dsctest.LayoutSplit, dsctest.LayoutSplitV1, dsctest.LayoutSingle} {
			t.Run(fmt.Sprintf("%s-%v", arch, layout), func(t *testing.T) {
				g := generate(t, dsctest.Config{Seed: 7, Arch: arch, Layout: layout, Images: 6, SymbolsPerImage: 30})
				c := openGenerated(t, g)
				if c.Arch() != arch || c.Header().Is64() != (arch != "arm64_32") {
					t.Errorf("arch %s is64 %v", c.Arch(), c.Header().Is64())
				}
				checkAgainstTruth(t, g, c)
			})
		}
	}
}

// TestGeneratedNameSources stresses each name source: mostly local names
// (from .symbols or in-cache locals, "<redacted>" in LINKEDIT), many unnamed
// functions (function starts only) and many trie-only exports.
func TestGeneratedNameSources(t *testing.T) {
	cfgs := map[string]dsctest.Config{
		"locals":    {LocalFraction: 0.95, UnnamedFraction: -1, TrieOnlyFraction: -1},
		"unnamed":   {LocalFraction: -1, UnnamedFraction: 0.6, TrieOnlyFraction: -1},
		"trie-only": {LocalFraction: -1, UnnamedFraction: -1, TrieOnlyFraction: 1},
		"mixed":     {LocalFraction: 0.4, UnnamedFraction: 0.3, TrieOnlyFraction: 0.5},
	}
	for name, cfg := range cfgs {
		for _, layout := range []dsctest.Layout{dsctest.LayoutSplit, dsctest.LayoutSingle} {
			t.Run(fmt.Sprintf("%s-%v", name, layout), func(t *testing.T) {
				cfg := cfg
				cfg.Seed, cfg.Layout, cfg.Images, cfg.SymbolsPerImage = 3, layout, 5, 80
				g := generate(t, cfg)
				checkAgainstTruth(t, g, openGenerated(t, g))
				counts := map[string]int{}
				for i := range g.Images {
					fs, _ := g.Functions(i)
					for _, f := range fs {
						switch {
						case f.Name == "":
							counts["unnamed"]++
						case f.Local:
							counts["local"]++
						case f.TrieOnly:
							counts["trie-only"]++
						}
					}
				}
				if name != "mixed" && counts[strings.TrimSuffix(name, "s")] == 0 {
					t.Errorf("generator produced no %s functions: %v", name, counts)
				}
			})
		}
	}
}

// TestGeneratedMissingSymbolsFile: without .symbols the cache still opens,
// with a warning, and local functions resolve to "<redacted>".
func TestGeneratedMissingSymbolsFile(t *testing.T) {
	for _, layout := range []dsctest.Layout{dsctest.LayoutSplit, dsctest.LayoutSplitV1} {
		g := generate(t, dsctest.Config{Seed: 5, Layout: layout, NoSymbolsFile: true, LocalFraction: 0.5})
		c := openGenerated(t, g)
		w := c.Warnings()
		if len(w) != 1 || !strings.Contains(w[0], ".symbols") || !strings.Contains(w[0], "not found") {
			t.Errorf("%v: warnings %q", layout, w)
		}
		if c.HasLocalSymbols() {
			t.Errorf("%v: HasLocalSymbols = true", layout)
		}
		checkAgainstTruth(t, g, c)
		redacted := 0
		for _, f := range g.Images[0].Functions {
			if s, _ := c.Lookup(f.Address); f.Local && s.Name == "<redacted>" {
				redacted++
			}
		}
		if redacted == 0 {
			t.Errorf("%v: no <redacted> local found", layout)
		}
	}
	// A single-file cache without in-cache locals is not degraded: no warning.
	g := generate(t, dsctest.Config{Seed: 5, Layout: dsctest.LayoutSingle, NoSymbolsFile: true})
	c := openGenerated(t, g)
	if w := c.Warnings(); len(w) != 0 || c.HasLocalSymbols() {
		t.Errorf("single file without locals: warnings %q, locals %v", w, c.HasLocalSymbols())
	}
	checkAgainstTruth(t, g, c)
}

// TestGeneratedDevelopmentMainFile opens a split cache through a main file
// named "….development": v2 subcache suffixes and ".symbols" are appended to
// the path without ".development" (dyld-formats.md §5.5).
func TestGeneratedDevelopmentMainFile(t *testing.T) {
	g := generate(t, dsctest.Config{Seed: 61, Layout: dsctest.LayoutSplit})
	dev := g.MainPath + ".development"
	if err := os.Rename(g.MainPath, dev); err != nil {
		t.Fatal(err)
	}
	c, err := dsc.Open(dev)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if len(c.Warnings()) != 0 || !c.HasLocalSymbols() || len(c.Files()) != 2+len(g.SubCaches) {
		t.Fatalf("warnings %q, locals %v, %d files", c.Warnings(), c.HasLocalSymbols(), len(c.Files()))
	}
	g.MainPath = dev
	checkAgainstTruth(t, g, c)
}

// TestGeneratedBadSymbolsMappingsIgnored: a damaged mapping table in the
// .symbols file is a warning, since its mappings are never used.
func TestGeneratedBadSymbolsMappingsIgnored(t *testing.T) {
	g := generate(t, dsctest.Config{Seed: 62, Layout: dsctest.LayoutSplit})
	b, err := os.ReadFile(g.SymbolsPath)
	if err != nil {
		t.Fatal(err)
	}
	h, err := dsc.ParseHeader(b)
	if err != nil || h.MappingCount == 0 {
		t.Skipf("generated .symbols has no mappings (%v)", err)
	}
	binary.LittleEndian.PutUint64(b[h.MappingOffset+8:], 1<<40) // size of mapping 0
	if err := os.WriteFile(g.SymbolsPath, b, 0o644); err != nil {
		t.Fatal(err)
	}
	c := openGenerated(t, g)
	if w := c.Warnings(); len(w) != 1 || !strings.Contains(w[0], "mappings ignored") {
		t.Fatalf("warnings %q", w)
	}
	checkAgainstTruth(t, g, c)
}

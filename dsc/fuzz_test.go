package dsc_test

import (
	"bytes"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/symbolicate/symbolicate/dsc"
	"github.com/symbolicate/symbolicate/dsc/dsctest"
)

var update = flag.Bool("update", false, "rewrite the fuzz seed files in testdata")

// seedFiles are the fuzz seeds kept in testdata: hand-built mini caches of
// three header generations and a 32-bit armv7 one, a small generated single-file cache, and a
// truncated copy of a generated split main file (its subcaches are absent,
// which exercises the missing-file path).
func seedFiles(t testing.TB) map[string][]byte {
	seeds := map[string][]byte{
		"mini-0x68.dsc":  newMiniCache(0x68).data,
		"mini-0x140.dsc": newMiniCache(0x140).data,
		"mini-0x228.dsc": newMiniCache(0x228).data,
		"mini-armv7.dsc": newMiniCacheArch(0x140, "armv7").data,
	}
	g, err := dsctest.Generate(t.TempDir(), dsctest.Config{Seed: 1, Arch: "x86_64", Layout: dsctest.LayoutSingle,
		HeaderSize: 0x98, Images: 2, SymbolsPerImage: 4})
	if err != nil {
		t.Fatal(err)
	}
	if seeds["single-x86_64-0x98.dsc"], err = os.ReadFile(g.MainPath); err != nil {
		t.Fatal(err)
	}
	g, err = dsctest.Generate(t.TempDir(), dsctest.Config{Seed: 2, Arch: "x86_64", Images: 2, SymbolsPerImage: 4})
	if err != nil {
		t.Fatal(err)
	}
	main, err := os.ReadFile(g.MainPath)
	if err != nil {
		t.Fatal(err)
	}
	seeds["split-main-truncated.dsc"] = main[:min(len(main), 0x1000)]
	return seeds
}

// TestFuzzSeedsUpToDate keeps testdata in step with the generators; run
// with -update to rewrite.
func TestFuzzSeedsUpToDate(t *testing.T) {
	for name, want := range seedFiles(t) {
		p := filepath.Join("testdata", name)
		if *update {
			if err := os.MkdirAll("testdata", 0o755); err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(p, want, 0o644); err != nil {
				t.Fatal(err)
			}
			continue
		}
		got, err := os.ReadFile(p)
		if err != nil {
			t.Fatalf("%v (run go test -run TestFuzzSeedsUpToDate -update)", err)
		}
		// Only the hand-built seeds must match byte for byte: the generated
		// ones follow dsctest, whose output may legitimately change.
		if strings.HasPrefix(name, "mini-") && !bytes.Equal(got, want) {
			t.Errorf("%s is stale; run go test -run TestFuzzSeedsUpToDate -update", p)
		}
	}
}

func addSeeds(f *testing.F) {
	paths, _ := filepath.Glob(filepath.Join("testdata", "*.dsc"))
	for _, p := range paths {
		b, err := os.ReadFile(p)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
}

// FuzzOpen opens arbitrary bytes as a single-file cache (header, mappings,
// image tables, subcache array) and, when that works, resolves addresses in
// every image (Mach-O load commands, symbol tables, local symbols, function
// starts, export trie). Errors must be typed; nothing may panic.
func FuzzOpen(f *testing.F) {
	addSeeds(f)
	f.Fuzz(func(t *testing.T, data []byte) {
		c, err := dsc.OpenFS(fstest.MapFS{"c": {Data: data}}, "c")
		if err != nil {
			checkTypedError(t, err, "open")
			return
		}
		defer c.Close()
		c.Files()
		for _, im := range c.Images() {
			c.ImageAt(im.Index)
			c.ImageByUUID(im.UUID)
			c.ImageByPath(im.Path)
			for _, a := range []uint64{im.Address, im.Address + im.TextSize/2, im.Address + 0x200, im.Address + 0x284} {
				if _, err := c.Lookup(a); err != nil {
					checkTypedError(t, err, "lookup")
				}
			}
		}
		for _, m := range c.Files()[0].Mappings {
			if _, err := c.Lookup(m.Address + m.Size/2); err != nil {
				checkTypedError(t, err, "lookup")
			}
		}
	})
}

// FuzzSymbolsFile replaces the .symbols file of a small generated split
// cache by arbitrary bytes (seeded with the real one and the testdata) and
// resolves every function of the ground truth.
func FuzzSymbolsFile(f *testing.F) {
	dir := f.TempDir()
	g, err := dsctest.Generate(dir, dsctest.Config{Seed: 3, Arch: "x86_64", Images: 3, SymbolsPerImage: 8, LocalFraction: 0.8})
	if err != nil {
		f.Fatal(err)
	}
	fsys, main := mapFS(f, g)
	symName := filepath.Base(g.SymbolsPath)
	f.Add(fsys[symName].Data)
	addSeeds(f)
	f.Fuzz(func(t *testing.T, data []byte) {
		m := fstest.MapFS{}
		for k, v := range fsys {
			m[k] = v
		}
		m[symName] = &fstest.MapFile{Data: data}
		exercise(t, m, main, g, "symbols file")
	})
}

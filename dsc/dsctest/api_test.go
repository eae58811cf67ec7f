package dsctest_test

import (
	"bytes"
	"context"
	"debug/macho"
	"encoding/json"
	"errors"
	"io"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/symbolicate/symbolicate/dsc/dsctest"
	"github.com/symbolicate/symbolicate/internal/corpus"
)

// imageReader presents one cache image as a standalone Mach-O file the way
// dyld reads it (dyld-formats.md §5.8 step 2): offsets inside __LINKEDIT
// are file offsets in the file holding it, everything else is relative to
// the mach_header. With it debug/macho decodes the real symtab; over a
// plain io.SectionReader the symtab would be garbage (oracles.md §5).
type imageReader struct {
	text          io.ReaderAt
	textOff       int64
	le            io.ReaderAt
	leOff, leSize int64
}

func (r imageReader) ReadAt(p []byte, off int64) (int, error) {
	if off >= r.leOff && off+int64(len(p)) <= r.leOff+r.leSize {
		return r.le.ReadAt(p, off)
	}
	return r.text.ReadAt(p, r.textOff+off)
}

// TestStdlibParsesImages shows that the load commands of every generated
// image, and of every image of the corpus caches, are well-formed: the
// standard library's debug/macho parses them, and its view (segments,
// sections, dylibs, symtab) matches our reader and the ground truth.
func TestStdlibParsesImages(t *testing.T) {
	for _, name := range realCaches {
		t.Run(name, func(t *testing.T) {
			c, err := scan(corpus.Path(t, "macho/testbins/dyldcache/"+name))
			if err != nil {
				t.Fatal(err)
			}
			stdlibCheck(t, c, nil)
		})
	}
	for _, cfg := range generatedConfigs {
		t.Run(configName(cfg), func(t *testing.T) {
			gc, err := dsctest.Generate(t.TempDir(), cfg)
			if err != nil {
				t.Fatal(err)
			}
			c, err := scan(gc.MainPath)
			if err != nil {
				t.Fatal(err)
			}
			stdlibCheck(t, c, gc)
		})
	}
}

func stdlibCheck(t *testing.T, c *scanCache, gc *dsctest.Cache) {
	t.Helper()
	for i, im := range c.images {
		le := im.seg("__LINKEDIT")
		f, err := macho.NewFile(imageReader{
			text: bytes.NewReader(im.file.data), textOff: int64(im.off),
			le: bytes.NewReader(im.leFile.data), leOff: int64(le.fileOff), leSize: int64(le.fsz),
		})
		if err != nil {
			t.Fatalf("image %d: debug/macho: %v", i, err)
		}
		if f.Type != macho.TypeDylib || len(f.Loads) != len(im.lcs) {
			t.Errorf("image %d: type %v, %d loads (want %d)", i, f.Type, len(f.Loads), len(im.lcs))
		}
		var segs []*macho.Segment
		for _, l := range f.Loads {
			if s, ok := l.(*macho.Segment); ok {
				segs = append(segs, s)
			}
		}
		if len(segs) != len(im.segs) {
			t.Fatalf("image %d: %d segments, our reader %d", i, len(segs), len(im.segs))
		}
		for k, s := range segs {
			if w := im.segs[k]; s.Name != w.name || s.Addr != w.addr || s.Memsz != w.size || s.Offset != w.fileOff {
				t.Errorf("image %d: debug/macho segment %+v, ours %+v", i, s.SegmentHeader, w)
			}
		}
		if s := f.Section("__text"); s == nil || s.Addr != im.segs[0].sects[0].addr || s.Size != im.segs[0].sects[0].size {
			t.Errorf("image %d: __text %+v", i, s)
		}
		if f.Symtab == nil || f.Dysymtab == nil || len(f.Symtab.Syms) != len(im.nlist) {
			t.Fatalf("image %d: symtab %v dysymtab %v", i, f.Symtab != nil, f.Dysymtab)
		}
		for k, s := range f.Symtab.Syms {
			n := im.nlist[k]
			want := n.name
			if strings.Contains(want, ".") && strings.HasPrefix(want, "_") {
				want = want[1:] // debug/macho drops the underscore of names with a dot (Go symbols)
			}
			if s.Name != want || s.Value != n.value || s.Type != n.typ || s.Sect != n.sect {
				t.Fatalf("image %d: debug/macho symbol %d %+v, ours %+v", i, k, s, n)
			}
		}
		if gc == nil {
			f.Close()
			continue
		}
		truth := gc.Images[i]
		for k, s := range truth.Segments {
			if s.Name != segs[k].Name || s.Addr != segs[k].Addr || s.Size != segs[k].Memsz {
				t.Errorf("image %d: segment %d %+v, truth %+v", i, k, segs[k].SegmentHeader, s)
			}
		}
		libs, err := f.ImportedLibraries()
		if err != nil || (i > 0) != (len(libs) > 0) {
			t.Errorf("image %d: imported libraries %v %v", i, libs, err)
		}
		f.Close()
	}
}

func readAll(t *testing.T, c *dsctest.Cache) map[string][]byte {
	t.Helper()
	out := map[string][]byte{}
	for _, p := range c.Files {
		b, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		out[filepath.Base(p)] = b
	}
	return out
}

func TestDeterministic(t *testing.T) {
	cfg := dsctest.Config{Seed: 42, Images: 20, SymbolsPerImage: 30}
	a, err := dsctest.Generate(t.TempDir(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	b, err := dsctest.Generate(t.TempDir(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	fa, fb := readAll(t, a), readAll(t, b)
	if len(fa) != len(fb) || len(fa) != len(a.Files) {
		t.Fatalf("%d and %d files", len(fa), len(fb))
	}
	for name, data := range fa {
		if !bytes.Equal(data, fb[name]) {
			t.Errorf("%s differs between two runs", name)
		}
	}
	// A different seed gives different UUIDs and bytes.
	cfg.Seed++
	c, err := dsctest.Generate(t.TempDir(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	if c.UUID == a.UUID || c.Images[0].UUID == a.Images[0].UUID {
		t.Error("seed does not change UUIDs")
	}
	if bytes.Equal(readAll(t, c)[filepath.Base(c.MainPath)], fa[filepath.Base(a.MainPath)]) {
		t.Error("seed does not change the main file")
	}
	ha, _ := a.Config.Hash()
	hc, _ := c.Config.Hash()
	if ha == hc {
		t.Error("Hash ignores the seed")
	}
}

func TestDiscardTruthRegenerates(t *testing.T) {
	cfg := dsctest.Config{Seed: 5, Images: 12, SymbolsPerImage: 40}
	full, err := dsctest.Generate(t.TempDir(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	cfg.DiscardTruth = true
	lean, err := dsctest.Generate(t.TempDir(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	for i := range lean.Images {
		if lean.Images[i].Functions != nil {
			t.Fatalf("image %d keeps functions with DiscardTruth", i)
		}
		got, err := lean.Functions(i)
		if err != nil {
			t.Fatal(err)
		}
		want := full.Images[i].Functions
		if len(got) != len(want) {
			t.Fatalf("image %d: %d functions regenerated, %d kept", i, len(got), len(want))
		}
		for k := range got {
			if got[k] != want[k] {
				t.Fatalf("image %d function %d: %+v, kept %+v", i, k, got[k], want[k])
			}
		}
	}
	if _, err := lean.Functions(len(lean.Images)); err == nil {
		t.Error("Functions out of range succeeded")
	}
	a, b := readAll(t, full), readAll(t, lean)
	for name := range a {
		if !bytes.Equal(a[name], b[name]) {
			t.Errorf("%s depends on DiscardTruth", name)
		}
	}
}

func TestCachedReusesAndRaces(t *testing.T) {
	t.Setenv("TMPDIR", t.TempDir())
	cfg := dsctest.Config{Seed: 77, Images: 10, SymbolsPerImage: 20}
	var wg sync.WaitGroup
	caches := make([]*dsctest.Cache, 4)
	errs := make([]error, 4)
	for k := range caches {
		wg.Add(1)
		go func() {
			defer wg.Done()
			caches[k], errs[k] = dsctest.Cached(cfg)
		}()
	}
	wg.Wait()
	for k, err := range errs {
		if err != nil {
			t.Fatalf("Cached %d: %v", k, err)
		}
		if caches[k].Dir != caches[0].Dir {
			t.Fatalf("Cached %d in %s, Cached 0 in %s", k, caches[k].Dir, caches[0].Dir)
		}
	}
	entries, err := os.ReadDir(filepath.Dir(caches[0].Dir))
	if err != nil {
		t.Fatal(err)
	}
	if len(entries) != 1 {
		t.Errorf("left %d entries: %v", len(entries), entries)
	}
	st, err := os.Stat(caches[0].MainPath)
	if err != nil {
		t.Fatal(err)
	}
	again, err := dsctest.Cached(cfg)
	if err != nil {
		t.Fatal(err)
	}
	st2, err := os.Stat(again.MainPath)
	if err != nil {
		t.Fatal(err)
	}
	if !st.ModTime().Equal(st2.ModTime()) {
		t.Error("Cached regenerated an existing cache")
	}
	ref, err := dsctest.Generate(t.TempDir(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	a, b := readAll(t, ref), readAll(t, again)
	for name := range a {
		if !bytes.Equal(a[name], b[name]) {
			t.Errorf("cached %s differs from a fresh one", name)
		}
	}
	ja, err := json.Marshal(comparable(again))
	if err != nil {
		t.Fatal(err)
	}
	jr, err := json.Marshal(comparable(ref))
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(ja, jr) {
		t.Errorf("cached truth differs from a fresh one:\n%.2000s\n%.2000s", ja, jr)
	}
	// Without its manifest the directory is still reused, and healed.
	manifest := filepath.Join(again.Dir, "truth.json")
	if err := os.Remove(manifest); err != nil {
		t.Fatal(err)
	}
	healed, err := dsctest.Cached(cfg)
	if err != nil {
		t.Fatal(err)
	}
	jh, err := json.Marshal(comparable(healed))
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(jh, jr) {
		t.Error("truth without a manifest differs")
	}
	if _, err := os.Stat(manifest); err != nil {
		t.Errorf("manifest not rewritten: %v", err)
	}
	// A directory whose bytes this generator would not write is refused.
	fh, err := os.OpenFile(healed.MainPath, os.O_WRONLY, 0)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := fh.WriteAt([]byte{0xEE}, 0x58); err != nil {
		t.Fatal(err)
	}
	fh.Close()
	if _, err := dsctest.Cached(cfg); err == nil || !strings.Contains(err.Error(), "stale") {
		t.Errorf("stale cache directory: %v", err)
	}
}

// comparable returns c's exported truth with paths reduced to base names.
func comparable(c *dsctest.Cache) dsctest.Cache {
	base := func(s string) string { return filepath.Base(s) }
	out := *c
	out.Dir = ""
	out.MainPath = base(c.MainPath)
	out.SymbolsPath = base(c.SymbolsPath)
	out.Files = nil
	for _, f := range c.Files {
		out.Files = append(out.Files, base(f))
	}
	out.SubCaches = append([]dsctest.SubCache(nil), c.SubCaches...)
	for k := range out.SubCaches {
		out.SubCaches[k].Path = base(out.SubCaches[k].Path)
	}
	out.Images = append([]dsctest.Image(nil), c.Images...)
	for k := range out.Images {
		out.Images[k].TextFile = base(out.Images[k].TextFile)
	}
	return out
}

func TestConfigErrors(t *testing.T) {
	for _, cfg := range []dsctest.Config{
		{Arch: "ppc"},
		{Layout: dsctest.Layout(9)},
		{Layout: dsctest.LayoutSplit, HeaderSize: 0x140},
		{Layout: dsctest.LayoutSingle, HeaderSize: 0x200},
		{Layout: dsctest.LayoutSplitV1, HeaderSize: 0x200},
		{HeaderSize: 0x1FF},
		{Images: -1},
		{SymbolsPerImage: -3},
		{LocalFraction: 2},
		{LocalFraction: 0.7, UnnamedFraction: 0.5},
		{Base: 0x180001000},
		{Arch: "arm64_32", Base: 0x180000000},
		{SubCaches: -1},
	} {
		if _, err := dsctest.Generate(t.TempDir(), cfg); err == nil || !strings.HasPrefix(err.Error(), "dsctest: ") {
			t.Errorf("%+v: error %v", cfg, err)
		}
	}
	if _, err := dsctest.Generate(filepath.Join(t.TempDir(), "missing"), dsctest.Config{}); err == nil {
		t.Error("Generate into a missing directory succeeded")
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := dsctest.GenerateContext(ctx, t.TempDir(), dsctest.Config{Images: 200}); !errors.Is(err, context.Canceled) {
		t.Errorf("cancelled generation: %v", err)
	}
}

func TestFractions(t *testing.T) {
	gc, err := dsctest.Generate(t.TempDir(), dsctest.Config{Seed: 3, Images: 20, SymbolsPerImage: 200,
		LocalFraction: 0.3, UnnamedFraction: 0.1, TrieOnlyFraction: 0.2})
	if err != nil {
		t.Fatal(err)
	}
	var local, unnamed, exported, trieOnly, n float64
	for _, im := range gc.Images {
		for _, f := range im.Functions {
			n++
			switch {
			case f.Local:
				local++
			case f.Name == "":
				unnamed++
			case f.TrieOnly:
				trieOnly++
				exported++
			default:
				exported++
			}
		}
	}
	near := func(got, want float64) bool { return got > want-0.03 && got < want+0.03 }
	if !near(local/n, 0.3) || !near(unnamed/n, 0.1) || !near(trieOnly/exported, 0.2) {
		t.Errorf("local %.3f unnamed %.3f trie-only %.3f", local/n, unnamed/n, trieOnly/exported)
	}
	none, err := dsctest.Generate(t.TempDir(), dsctest.Config{LocalFraction: -1, UnnamedFraction: -1, TrieOnlyFraction: -1})
	if err != nil {
		t.Fatal(err)
	}
	for _, im := range none.Images {
		for _, f := range im.Functions {
			if f.Local || f.Name == "" || f.TrieOnly || !f.Exported {
				t.Fatalf("negative fractions still gave %+v", f)
			}
		}
	}
}

func TestDemo(t *testing.T) {
	gc, err := dsctest.Generate(t.TempDir(), dsctest.Demo(1))
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"libsystem_kernel.dylib", "libsystem_c.dylib", "libdyld.dylib", "Foundation", "UIKitCore", "libsystem_pthread.dylib"}
	if len(gc.Images) != len(want) {
		t.Fatalf("%d demo images", len(gc.Images))
	}
	found := map[string]bool{}
	for i, im := range gc.Images {
		if filepath.Base(im.Path) != want[i] {
			t.Errorf("demo image %d is %s", i, im.Path)
		}
		var exp, loc int
		for _, f := range im.Functions {
			found[f.Name] = true
			if f.Local {
				loc++
			} else if f.Exported {
				exp++
			}
		}
		if exp == 0 || loc == 0 {
			t.Errorf("%s: %d exported, %d local", im.Path, exp, loc)
		}
	}
	for _, name := range []string{"___pthread_kill", "_abort", "_dlopen", "_NSLog", "_UIApplicationMain", "-[UIApplication _run]", "_pthread_kill"} {
		if !found[name] {
			t.Errorf("demo lacks %s", name)
		}
	}
	// Runtime addresses for a given slide.
	f := gc.Images[0].Functions[0]
	const slide = 0x4000000
	if f.RuntimeAddress(slide) != f.Address+slide || gc.Slide(gc.Base+slide) != slide ||
		gc.Images[0].RuntimeAddress(slide) != gc.Images[0].Address+slide {
		t.Error("runtime address helpers")
	}
	if img, got, ok := gc.Lookup(f.RuntimeAddress(slide) - slide); !ok || img.Index != 0 || got != f {
		t.Errorf("Lookup = %v %+v %v", img, got, ok)
	}
	if _, _, ok := gc.Lookup(gc.Base); ok {
		t.Error("Lookup of the cache header succeeded")
	}
}

func TestFullScaleConfig(t *testing.T) {
	cfg := dsctest.FullScale(1)
	named := float64(cfg.Images*cfg.SymbolsPerImage) * (1 - cfg.UnnamedFraction)
	if cfg.Images < 1500 || named < 3_000_000 || !cfg.DiscardTruth {
		t.Errorf("FullScale: %d images, %.0f named functions, discard %v", cfg.Images, named, cfg.DiscardTruth)
	}
}

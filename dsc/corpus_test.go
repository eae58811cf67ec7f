package dsc

import (
	"errors"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"testing"

	"github.com/symbolicate/symbolicate/internal/corpus"
	"github.com/symbolicate/symbolicate/process"
)

// The four caches built by Apple's cache builder in the shared corpus, with
// expectations in corpus/macho/testbins/dyldcache/EXPECTED.md (ipsw dyld
// info/symaddr output, cross-checked with rizin's test database).
const corpusDir = "macho/testbins/dyldcache/"

var corpusCaches = []string{
	"dyld_shared_cache_arm64-macOS",
	"dyld_shared_cache_arm64-macOS-1042.1",
	"dyld_shared_cache_arm64-macOS-objc",
	"dyld_shared_cache_arm64e-macOS-objc",
}

// expected is what EXPECTED.md says about one cache.
type expected struct {
	magic    string
	uuid     string
	mappings []expMapping
	images   []expImage
	symbols  []expSymbol
}

type expMapping struct {
	name                  string
	start, end, fileStart uint64
}

type expImage struct {
	addr uint64
	uuid string
	path string
}

type expSymbol struct {
	addr uint64
	name string
}

var (
	reMagic   = regexp.MustCompile(`(?m)^Magic\s+= "([^"]+)"`)
	reUUID    = regexp.MustCompile(`(?m)^> Cache UUID: (\S+)`)
	reMapping = regexp.MustCompile(`(?m)^ (__\w+)\s+\|[^|]*\|[^|]*\|[^|]*\| 0x([0-9a-f]+) -> 0x([0-9a-f]+) \| 0x([0-9a-f]+) ->`)
	reImage   = regexp.MustCompile(`(?m)^\s+\d+: 0x([0-9a-f]+)\s+([0-9A-F-]{36})\s+\([^)]*\)\s+(\S+)$`)
	reSymbol  = regexp.MustCompile(`(?m)^0x([0-9a-f]+): \(([^)]*)\)\s+(\S+)$`)
)

// parseExpected extracts one cache's section of EXPECTED.md. Symbol lines
// for absolute symbols and for imported pointers ("from libX", GOT and lazy
// pointer slots that merely point at another image's symbol) are skipped:
// they do not name code at their address.
func parseExpected(t *testing.T, doc, name string) expected {
	t.Helper()
	parts := strings.Split(doc, "## "+name+" (")
	if len(parts) != 2 {
		t.Fatalf("EXPECTED.md has no single section for %s", name)
	}
	sec := strings.Split(parts[1], "\n## ")[0]
	var e expected
	hex := func(s string) uint64 {
		v, err := strconv.ParseUint(s, 16, 64)
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
	if m := reMagic.FindStringSubmatch(sec); m != nil {
		e.magic = m[1]
	}
	if m := reUUID.FindStringSubmatch(sec); m != nil {
		e.uuid = m[1]
	}
	for _, m := range reMapping.FindAllStringSubmatch(sec, -1) {
		e.mappings = append(e.mappings, expMapping{m[1], hex(m[2]), hex(m[3]), hex(m[4])})
	}
	for _, m := range reImage.FindAllStringSubmatch(sec, -1) {
		e.images = append(e.images, expImage{hex(m[1]), m[2], m[3]})
	}
	for _, m := range reSymbol.FindAllStringSubmatch(sec, -1) {
		if strings.Contains(m[2], "absolute") || strings.Contains(m[2], "from ") {
			continue
		}
		e.symbols = append(e.symbols, expSymbol{hex(m[1]), m[3]})
	}
	if e.magic == "" || e.uuid == "" || len(e.mappings) == 0 || len(e.images) == 0 || len(e.symbols) == 0 {
		t.Fatalf("%s: incomplete expectations parsed: %+v", name, e)
	}
	return e
}

func openCorpus(t *testing.T, name string) *Cache {
	t.Helper()
	c, err := Open(corpus.Path(t, corpusDir+name))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	return c
}

// TestCorpusCachesMatchExpected checks header, mappings, images and every
// listed symbol of the four real caches against EXPECTED.md.
func TestCorpusCachesMatchExpected(t *testing.T) {
	doc := string(corpus.Read(t, corpusDir+"EXPECTED.md"))
	for _, name := range corpusCaches {
		t.Run(name, func(t *testing.T) {
			e := parseExpected(t, doc, name)
			c := openCorpus(t, name)
			h := c.Header()
			if h.Magic != e.magic || c.UUID().String() != e.uuid {
				t.Errorf("magic %q uuid %s, want %q %s", h.Magic, c.UUID(), e.magic, e.uuid)
			}
			if w := c.Warnings(); len(w) != 0 {
				t.Errorf("warnings: %q", w)
			}
			files := c.Files()
			if len(files) != 1 {
				t.Fatalf("%d files, want 1 (no subcaches, no .symbols)", len(files))
			}
			ms := files[0].Mappings
			if len(ms) != len(e.mappings) {
				t.Fatalf("%d mappings, want %d", len(ms), len(e.mappings))
			}
			for i, m := range ms {
				w := e.mappings[i]
				if m.Name != w.name || m.Address != w.start || m.Address+m.Size != w.end || m.FileOffset != w.fileStart {
					t.Errorf("mapping %d = %s %#x-%#x @%#x, want %s %#x-%#x @%#x", i,
						m.Name, m.Address, m.Address+m.Size, m.FileOffset, w.name, w.start, w.end, w.fileStart)
				}
			}
			if c.ImageCount() != len(e.images) {
				t.Fatalf("%d images, want %d", c.ImageCount(), len(e.images))
			}
			for i, w := range e.images {
				im := &c.Images()[i]
				if im.Address != w.addr || im.UUID.String() != w.uuid || im.Path != w.path {
					t.Errorf("image %d = %#x %s %s, want %#x %s %s", i, im.Address, im.UUID, im.Path, w.addr, w.uuid, w.path)
				}
				u, _ := process.ParseUUID(w.uuid)
				if got, ok := c.ImageByUUID(u); !ok || got.Index != i {
					t.Errorf("ImageByUUID(%s) = %v, %v", w.uuid, got, ok)
				}
				if got, ok := c.ImageByPath(w.path); !ok || got.Index != i {
					t.Errorf("ImageByPath(%s) = %v, %v", w.path, got, ok)
				}
				ia := c.ImageAt(i)
				if ia.Base != w.addr || ia.End != w.addr+im.TextSize || ia.Path != w.path ||
					ia.Name != process.NameOf(w.path) || ia.ID != process.UUIDBuildID(u) {
					t.Errorf("ImageAt(%d) = %+v", i, ia)
				}
			}
			checkSymbols(t, c, e.symbols)
		})
	}
}

// checkSymbols looks up every expected symbol at its address (offset 0) and
// a few bytes in (the same name at that offset).
func checkSymbols(t *testing.T, c *Cache, syms []expSymbol) {
	t.Helper()
	sort.Slice(syms, func(i, j int) bool { return syms[i].addr < syms[j].addr })
	for i, w := range syms {
		// ipsw, like Go's debug/macho, drops the leading underscore of
		// names containing a dot; the cache's string table has it.
		want := w.name
		if strings.Contains(want, ".") && !strings.HasPrefix(want, "_") {
			want = "_" + want
		}
		s, err := c.Lookup(w.addr)
		if err != nil || s.Name != want || s.Offset != 0 || s.Start != w.addr {
			t.Errorf("Lookup(%#x) = %q+%#x (start %#x), %v; want %q+0", w.addr, s.Name, s.Offset, s.Start, err, want)
			continue
		}
		in := uint64(3)
		if i+1 < len(syms) && syms[i+1].addr-w.addr <= in {
			in = syms[i+1].addr - w.addr - 1
		}
		if in == 0 {
			continue
		}
		s2, err := c.Lookup(w.addr + in)
		if err != nil || s2.Name != want || s2.Offset != in || s2.Image != s.Image {
			t.Errorf("Lookup(%#x) = %q+%#x, %v; want %q+%#x", w.addr+in, s2.Name, s2.Offset, err, want, in)
		}
	}
}

// TestCorpusObjCMethodsAreUnnamed checks the Objective-C methods that rizin
// lists for class Test: they are function starts without symbols, so they
// resolve to func_<addr> in libhello-1.0.dylib (as ipsw dyld a2s reports).
func TestCorpusObjCMethodsAreUnnamed(t *testing.T) {
	methods := map[string][]uint64{
		"dyld_shared_cache_arm64-macOS-objc":  {0x1800189f8, 0x180018a1c, 0x180018a58, 0x180018ab0, 0x180018b0c, 0x180018b90},
		"dyld_shared_cache_arm64e-macOS-objc": {0x180018a14, 0x180018a38, 0x180018a78, 0x180018ad4, 0x180018b34, 0x180018bbc},
	}
	for name, addrs := range methods {
		c := openCorpus(t, name)
		for _, a := range addrs {
			want := "func_" + strconv.FormatUint(a, 16)
			for _, off := range []uint64{0, 4} {
				s, err := c.Lookup(a + off)
				if err != nil || s.Name != want || s.Offset != off || !s.Unnamed || s.Image.Path != "/usr/lib/libhello-1.0.dylib" {
					t.Errorf("%s: Lookup(%#x) = %+v, %v; want %s+%d in libhello", name, a+off, s, err, want, off)
				}
			}
		}
	}
}

// TestCorpusHeaders checks header decoding details EXPECTED.md and rizin
// report: generation, cache type, platform, format version.
func TestCorpusHeaders(t *testing.T) {
	cases := []struct {
		name, gen, ctype string
		format           uint8
		os               string
		base             uint64
	}{
		{"dyld_shared_cache_arm64-macOS", "dyld-832…852", "production", 10, "", 0x180000000},
		{"dyld_shared_cache_arm64-macOS-1042.1", "dyld-1042…1162", "development", 0, "13.0", 0x180000000},
		{"dyld_shared_cache_arm64-macOS-objc", "dyld-832…852", "production", 10, "", 0x180000000},
		{"dyld_shared_cache_arm64e-macOS-objc", "dyld-832…852", "production", 10, "", 0x180000000},
	}
	for _, cs := range cases {
		c := openCorpus(t, cs.name)
		h := c.Header()
		if h.Generation() != cs.gen || h.CacheTypeName() != cs.ctype || h.FormatVersion != cs.format ||
			!h.LocallyBuiltCache || PlatformName(h.Platform) != "macOS" || OSVersionString(h.OSVersion) != cs.os ||
			c.SharedRegionStart() != cs.base || c.HasLocalSymbols() {
			t.Errorf("%s: gen %q type %q format %d locally built %v platform %q os %q base %#x locals %v", cs.name, h.Generation(),
				h.CacheTypeName(), h.FormatVersion, h.LocallyBuiltCache, PlatformName(h.Platform),
				OSVersionString(h.OSVersion), c.SharedRegionStart(), c.HasLocalSymbols())
		}
	}
}

// TestCorpusAddressOutsideImages checks the typed error for addresses in no
// image: before the first image, in the shared LINKEDIT, and far away.
func TestCorpusAddressOutsideImages(t *testing.T) {
	c := openCorpus(t, "dyld_shared_cache_arm64-macOS-objc")
	for _, a := range []uint64{0x180000000, 0x184078000, 0x1, 0xffffffffffffffff} {
		s, err := c.Lookup(a)
		var ae *AddressError
		if !errors.Is(err, ErrNoImage) || !errors.As(err, &ae) || ae.Addr != a || s.Image != nil {
			t.Errorf("Lookup(%#x) = %+v, %v; want ErrNoImage", a, s, err)
		}
	}
	// __DATA of libhello resolves through the all-segment range table.
	s, err := c.Lookup(0x182068098 + 4)
	if err != nil || s.Image.Path != "/usr/lib/libhello-1.0.dylib" || s.Name != "_a" || s.Offset != 4 {
		t.Errorf("Lookup(_a+4) = %+v, %v", s, err)
	}
}

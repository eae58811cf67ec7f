package main

import (
	"encoding/binary"
	"encoding/json"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/symbolicate/symbolicate/dsc/dsctest"
	"github.com/symbolicate/symbolicate/internal/corpus"
	"github.com/symbolicate/symbolicate/internal/machofmt"
)

const testCache = "macho/testbins/dyldcache/dyld_shared_cache_arm64e-macOS-objc"

func TestDscInfoText(t *testing.T) {
	path := corpus.Path(t, testCache)
	code, out, errOut := runCLI(t, "", "dsc", "info", "--images", path)
	if code != exitOK {
		t.Fatalf("code %d, stderr %q", code, errOut)
	}
	for _, want := range []string{
		"UUID:                B3D4BD16-C88A-378C-961F-CFEFB34344B9",
		"Header:              0x140 bytes: dyld-832…852",
		"Platform:            macOS",
		"Images:              8",
		"__AUTH             rw-/rw-     0x184074000-0x184080000",
		"5 0x180015000 EFD69CE1-E283-3058-B885-B46DD36D3721 /usr/lib/libhello-1.0.dylib",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q:\n%s", want, out)
		}
	}
}

func TestDscInfoJSON(t *testing.T) {
	path := corpus.Path(t, testCache)
	code, out, errOut := runCLI(t, "", "dsc", "info", "--format", "json", path)
	if code != exitOK {
		t.Fatalf("code %d, stderr %q", code, errOut)
	}
	var info cacheInfo
	if err := json.Unmarshal([]byte(out), &info); err != nil {
		t.Fatal(err)
	}
	if info.UUID != "B3D4BD16-C88A-378C-961F-CFEFB34344B9" || info.ImageCount != 8 || len(info.Files) != 1 ||
		len(info.Files[0].Mappings) != 4 || info.Files[0].Mappings[2].Name != "__AUTH" || info.Images != nil {
		t.Fatalf("info = %+v", info)
	}
}

// TestDscLookupArgs: a function known only from LC_FUNCTION_STARTS has no
// name, and is not given a made-up one as if it had: its start is shown, and
// the addresses count as unresolved.
func TestDscLookupArgs(t *testing.T) {
	path := corpus.Path(t, testCache)
	code, out, errOut := runCLI(t, "", "dsc", "lookup", path, "0x180018a14", "180018a18", "0x18206d1c4")
	if code != exitUnresolved || !strings.Contains(errOut, "2 address(es) have no symbol") {
		t.Fatalf("code %d, stderr %q", code, errOut)
	}
	want := "0x180018a14: /usr/lib/libhello-1.0.dylib <unnamed function 0x180018a14> + 0\n" +
		"0x180018a18: /usr/lib/libhello-1.0.dylib <unnamed function 0x180018a14> + 4\n" +
		"0x18206d1c4: /usr/lib/libobjc.A.dylib OBJC_IVAR_$_NSObject.isa + 0\n"
	if out != want {
		t.Fatalf("output:\n%s\nwant:\n%s", out, want)
	}
}

func TestDscLookupStdinSlideJSON(t *testing.T) {
	path := corpus.Path(t, testCache)
	// _objc_msgSend of libobjc is at unslid 0x180021100 in this cache.
	code, out, errOut := runCLI(t, "0x1a0021104\n\n1a0021100\n", "dsc", "lookup", "--slide", "0x20000000", "--format", "json", path)
	if code != exitOK {
		t.Fatalf("code %d, stderr %q", code, errOut)
	}
	lines := strings.Split(strings.TrimSpace(out), "\n")
	if len(lines) != 2 {
		t.Fatalf("%d lines: %q", len(lines), out)
	}
	var r lookupResult
	if err := json.Unmarshal([]byte(lines[0]), &r); err != nil {
		t.Fatal(err)
	}
	if r.Address != "0x1a0021104" || r.Unslid != "0x180021104" || r.Image != "/usr/lib/libobjc.A.dylib" ||
		r.UUID != "29A3330A-3EFF-329A-804A-0251F066EB44" || *r.Symbol != "objc_msgSend" || *r.Offset != 4 {
		t.Fatalf("result = %s", lines[0])
	}
}

func TestDscLookupBaseAndVerbose(t *testing.T) {
	path := corpus.Path(t, testCache)
	code, out, errOut := runCLI(t, "", "dsc", "lookup", "-v", "--base", "0x1a0000000", path, "0x1a0021100")
	if code != exitOK {
		t.Fatalf("code %d, stderr %q", code, errOut)
	}
	if !strings.Contains(out, "UUID:                B3D4BD16") || !strings.Contains(out, "Slide:               0x20000000") ||
		!strings.HasSuffix(out, "0x1a0021100 (0x180021100): /usr/lib/libobjc.A.dylib objc_msgSend + 0\n") {
		t.Fatalf("output:\n%s", out)
	}
}

// TestDscLookupNotInImageExitsUnresolved: an address in no image is an
// unresolved address, as for addrs (exit 3), not a usage error.
func TestDscLookupNotInImageExitsUnresolved(t *testing.T) {
	path := corpus.Path(t, testCache)
	code, out, errOut := runCLI(t, "", "dsc", "lookup", path, "0x180000000", "0x180018a14")
	if code != exitUnresolved || !strings.Contains(out, "0x180000000: not in any image of the cache") ||
		!strings.Contains(out, "<unnamed function 0x180018a14>") || !strings.Contains(errOut, "1 address(es) lie in no image") {
		t.Fatalf("code %d, out %q, stderr %q", code, out, errOut)
	}
}

func TestDscLookupUsageErrors(t *testing.T) {
	path := corpus.Path(t, testCache)
	for _, args := range [][]string{
		{"dsc", "lookup", path, "0xzz"},
		{"dsc", "lookup", "--slide", "1", "--base", "2", path, "0x1"},
		{"dsc", "lookup", "--base", "0x1000", path, "0x1"},
		{"dsc", "info", "--format", "xml", path},
	} {
		if code, _, errOut := runCLI(t, "", args...); code != exitUsage || errOut == "" {
			t.Errorf("%q: code %d, stderr %q", args, code, errOut)
		}
	}
	if code, _, errOut := runCLI(t, "", "dsc", "info", path+".missing"); code != exitBadInput || !strings.Contains(errOut, "missing") {
		t.Errorf("missing cache: code %d, stderr %q", code, errOut)
	}
}

func TestDscHelpHasExamples(t *testing.T) {
	code, out, _ := runCLI(t, "", "dsc", "lookup", "--help")
	if code != exitOK || !strings.Contains(out, "Exit status") {
		t.Fatalf("code %d, out %q", code, out)
	}
	// Flags that take a value have an example; switches do not need one.
	for _, flag := range []string{"--slide", "--base", "--format"} {
		i := strings.Index(out, flag+"=")
		if i < 0 || !strings.Contains(out[i:], "Example") {
			t.Errorf("help for %s has no example", flag)
		}
	}
	_, out, _ = runCLI(t, "", "dsc", "info", "--help")
	if !strings.Contains(out, "Examples:") || !strings.Contains(out, "Example: --format json") || !strings.Contains(out, "Exit status") {
		t.Errorf("dsc info help lacks examples or the exit status:\n%s", out)
	}
}

// TestDscLookupDamagedSymbolsExitsBadInput corrupts the LC_SYMTAB of one
// image of a generated single-file cache: its lines still name the image,
// and the exit status is 2.
func TestDscLookupDamagedSymbolsExitsBadInput(t *testing.T) {
	g, err := dsctest.Generate(t.TempDir(), dsctest.Config{Seed: 1, Layout: dsctest.LayoutSingle, Images: 2})
	if err != nil {
		t.Fatal(err)
	}
	data, err := os.ReadFile(g.MainPath)
	if err != nil {
		t.Fatal(err)
	}
	im := g.Images[0]
	mh := im.Address - g.Base // the single-file layout maps __TEXT at file offset 0
	m, err := machofmt.Parse(data[mh:])
	if err != nil {
		t.Fatal(err)
	}
	for _, l := range m.Loads {
		if l.Cmd == machofmt.LCSymtab {
			binary.LittleEndian.PutUint32(data[mh+uint64(l.Offset)+12:], 0x7fffffff) // nsyms
		}
	}
	if err := os.WriteFile(g.MainPath, data, 0o644); err != nil {
		t.Fatal(err)
	}
	f := im.Functions[0]
	ok := g.Images[1].Functions[0]
	code, out, errOut := runCLI(t, "", "dsc", "lookup", g.MainPath, hexs(f.Address), hexs(ok.Address))
	if code != exitBadInput || !strings.Contains(out, im.Path) || !strings.Contains(out, "symbols unavailable") ||
		!strings.Contains(out, g.SymbolName(ok)+" + 0") || !strings.Contains(errOut, "could not be read") {
		t.Fatalf("code %d, out %q, stderr %q", code, out, errOut)
	}
}

// TestDscLookupIndexDir answers from a symbol index written by "symbolicate
// index" with the same lines as from the cache's own tables; a damaged index
// is named in a warning and the tables are built instead.
func TestDscLookupIndexDir(t *testing.T) {
	c, err := demoCache()
	if err != nil {
		t.Fatal(err)
	}
	var addrs []string
	for _, im := range c.Images {
		for i, f := range im.Functions {
			if i%7 == 0 {
				addrs = append(addrs, "0x"+strconv.FormatUint(f.Address+f.Size/2, 16))
			}
		}
	}
	stdin := strings.Join(addrs, "\n") + "\n"
	idx := t.TempDir()
	if code, _, errOut := runCLI(t, "", "index", "--caches", c.Dir, "--index-dir", idx); code != exitOK {
		t.Fatalf("index: exit %d\n%s", code, errOut)
	}
	wcode, want, _ := runCLI(t, stdin, "dsc", "lookup", c.MainPath)
	code, got, errOut := runCLI(t, stdin, "dsc", "lookup", "--index-dir", idx, c.MainPath)
	if code != wcode || got != want || len(want) < 100 || strings.Contains(errOut, "warning") {
		t.Fatalf("with the index: exit %d (want %d), %d bytes (want %d)\n%s", code, wcode, len(got), len(want), errOut)
	}
	files, _ := filepath.Glob(filepath.Join(idx, "*.symidx"))
	if len(files) != 1 {
		t.Fatalf("index files: %v", files)
	}
	b, _ := os.ReadFile(files[0])
	b[len(b)/2] ^= 0xFF
	os.WriteFile(files[0], b, 0o644)
	code, got, errOut = runCLI(t, stdin, "dsc", "lookup", "--index-dir", idx, c.MainPath)
	if code != wcode || got != want || !strings.Contains(errOut, "warning") || !strings.Contains(errOut, files[0]) {
		t.Fatalf("with a damaged index: exit %d, same output %v\n%s", code, got == want, errOut)
	}
}

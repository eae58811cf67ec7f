package main

import (
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/goccy/go-json"

	"github.com/symbolicate/symbolicate/atlas"
	"github.com/symbolicate/symbolicate/dsc/dsctest"
	"github.com/symbolicate/symbolicate/imagemap"
	"github.com/symbolicate/symbolicate/internal/corpus"
	"github.com/symbolicate/symbolicate/process"
)

const snapshotSlide = 0x6c000

var appImage = process.UUID{0xAB, 0xCD, 0xEF, 1}

// writeSnapshot writes a compact-info snapshot of a process that had the demo
// cache mapped (slid) with images 1 and 3 loaded, plus an app image.
func writeSnapshot(t *testing.T) (*dsctest.Cache, string) {
	t.Helper()
	c, err := demoCache()
	if err != nil {
		t.Fatal(err)
	}
	bm := atlas.NewBitmap(len(c.Images))
	bm.Set(1)
	bm.Set(3)
	s := &atlas.Snapshot{
		GenCount: 1, Flags: atlas.ProcessHasSharedCache | atlas.ProcessHas16KPages, Platform: atlas.PlatformIOS,
		InitialImageCount: 2, DyldState: 0x50,
		Cache: &atlas.SharedCacheRecord{
			MappedFile: atlas.MappedFile{Flags: atlas.FileHasUUID | atlas.FileHasPath, Address: c.Base + snapshotSlide,
				UUID: c.UUID, Path: "/System/Library/Caches/com.apple.dyld/dyld_shared_cache_arm64e"},
			Bitmap: bm,
		},
		Images: []atlas.MappedFile{{Flags: atlas.FileHasUUID | atlas.FileHasPath, Address: 0x100a3c000, UUID: appImage,
			Path: "/private/var/containers/Bundle/Application/X/App.app/App"}},
	}
	b, err := atlas.EncodeCompactInfo(s)
	if err != nil {
		t.Fatal(err)
	}
	p := filepath.Join(t.TempDir(), "process.cinfo")
	if err := os.WriteFile(p, b, 0o644); err != nil {
		t.Fatal(err)
	}
	return c, p
}

func TestDecodeSnapshotExpandsCacheImages(t *testing.T) {
	c, snap := writeSnapshot(t)
	// Without the cache, bitmap bits are shown honestly by index.
	code, out, errOut := runCLI(t, "", "decode", snap)
	if code != exitOK || !strings.Contains(out, "cache image #1") || !strings.Contains(out, "cache image #3") ||
		!strings.Contains(errOut, "not found") {
		t.Fatalf("decode without cache: exit %d\n%s\n%s", code, out, errOut)
	}
	// With it, they become the cache's images, slid.
	code, out, errOut = runCLI(t, "", "decode", "--format", "json", "--caches", c.Dir, snap)
	if code != exitOK {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	var doc struct {
		Format string
		Images []struct{ Path, UUID, Base string }
	}
	if err := json.Unmarshal([]byte(out), &doc); err != nil {
		t.Fatal(err)
	}
	want := map[string]string{}
	for _, i := range []int{1, 3} {
		im := c.Images[i]
		want[im.Path] = fmt.Sprintf("%#x %s", im.Address+snapshotSlide, im.UUID)
	}
	want["/private/var/containers/Bundle/Application/X/App.app/App"] = fmt.Sprintf("%#x %s", 0x100a3c000, appImage)
	if doc.Format != "compact-info" || len(doc.Images) != 3 {
		t.Fatalf("decoded %+v", doc)
	}
	for _, im := range doc.Images {
		if got := im.Base + " " + im.UUID; want[im.Path] != got {
			t.Errorf("%s: got %s, want %s", im.Path, got, want[im.Path])
		}
	}
}

func TestImagemapOfSnapshotRoundTrips(t *testing.T) {
	c, snap := writeSnapshot(t)
	cif := filepath.Join(t.TempDir(), "process.cif")
	if code, _, errOut := runCLI(t, "", "imagemap", "--caches", c.Dir, snap, "-o", cif); code != exitOK {
		t.Fatalf("imagemap: exit %d: %s", code, errOut)
	}
	_, fromSnap, _ := runCLI(t, "", "decode", "--caches", c.Dir, snap)
	// Compact info records no end of text for app images; CIF cannot say
	// "unknown", so the encoder writes Swift's own default, base + 4096
	// (docs/cif.md): the last byte shown is base + 0xfff.
	fromSnap = strings.Replace(fromSnap, "        ???  App", "0x100a3cfff  App", 1)
	code, fromCIF, errOut := runCLI(t, "", "decode", cif)
	if code != exitOK || fromCIF != fromSnap {
		t.Fatalf("CIF decodes to\n%s\nwant\n%s\n%s", fromCIF, fromSnap, errOut)
	}
}

func TestEncodeDecodeJSONRoundTrip(t *testing.T) {
	dir := t.TempDir()
	ips := corpus.Path(t, "ips/01-ios16-swift-assert-sigtrap.ips")
	code, js, errOut := runCLI(t, "", "decode", "--format", "json", ips)
	if code != exitOK {
		t.Fatalf("decode: %d %s", code, errOut)
	}
	jsPath := filepath.Join(dir, "images.json")
	os.WriteFile(jsPath, []byte(js), 0o644)
	code, b64, errOut := runCLI(t, "", "encode", "--base64", jsPath)
	if code != exitOK {
		t.Fatalf("encode: %d %s", code, errOut)
	}
	code, back, errOut := runCLI(t, b64, "decode", "--format", "json", "-")
	if code != exitOK {
		t.Fatalf("decode of base64: %d %s", code, errOut)
	}
	// CIF stores path, build ID, base and end of text, not the arch or the
	// shared cache.
	read := func(s string) *process.Process {
		m, err := imagemap.ReadJSON(strings.NewReader(s))
		if err != nil {
			t.Fatal(err)
		}
		for i := range m.Images {
			m.Images[i].Arch = ""
		}
		m.SharedCache = nil // nor the shared-cache record
		return m
	}
	if a, b := read(back), read(js); !reflect.DeepEqual(a, b) || len(a.Images) < 10 {
		t.Errorf("round trip differs:\n%+v\nvs\n%+v", a, b)
	}
}

func TestAddrsAgainstSnapshot(t *testing.T) {
	c, snap := writeSnapshot(t)
	im := c.Images[3]
	fs, err := c.Functions(3)
	if err != nil {
		t.Fatal(err)
	}
	var fn dsctest.Function
	for _, f := range fs {
		if f.Name != "" && !f.Local {
			fn = f
			break
		}
	}
	addr := fn.RuntimeAddress(snapshotSlide) + 2
	code, out, errOut := runCLI(t, "", "addrs", "--images", snap, "--caches", c.Dir, "--no-demangle", "--format", "json",
		fmt.Sprintf("%#x", addr), "0x100a3c010")
	if code != exitUnresolved { // the app image has no binary
		t.Fatalf("exit %d, want %d: %s", code, exitUnresolved, errOut)
	}
	lines := strings.Split(strings.TrimSpace(out), "\n")
	if len(lines) != 2 {
		t.Fatalf("output:\n%s", out)
	}
	var first struct {
		Image, Symbol, UUID string
		Offset              uint64
	}
	json.Unmarshal([]byte(lines[0]), &first)
	if first.Symbol != strings.TrimPrefix(fn.Name, "_") || first.Offset != 2 || first.UUID != im.UUID.String() {
		t.Errorf("got %+v, want %s + 2 in %s", first, fn.Name, im.UUID)
	}
	if !strings.Contains(lines[1], `"error"`) {
		t.Errorf("app address: %s", lines[1])
	}
}

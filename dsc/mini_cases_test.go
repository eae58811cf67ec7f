package dsc_test

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"strconv"
	"testing"
	"testing/fstest"

	"github.com/symbolicate/symbolicate/diag"
	"github.com/symbolicate/symbolicate/dsc"
)

func openMini(t *testing.T, b []byte) (*dsc.Cache, error) {
	t.Helper()
	return dsc.OpenFS(fstest.MapFS{"cache": {Data: b}}, "cache")
}

// TestMiniCache checks the hand-built cache at every header generation, for
// a 64-bit arch and the two 32-bit ones (armv7 with Thumb bits in function
// starts and exports, i386).
func TestMiniCache(t *testing.T) {
	for _, arch := range []string{"x86_64", "armv7", "i386"} {
		for _, h := range []uint32{0x68, 0x98, 0xF8, 0x138, 0x140, 0x1C8, 0x200, 0x208, 0x228} {
			m := newMiniCacheArch(h, arch)
			checkMini(t, fmt.Sprintf("%s header %#x", arch, h), m)
		}
	}
}

func checkMini(t *testing.T, what string, m *miniCache) {
	t.Helper()
	c, err := openMini(t, m.data)
	if err != nil {
		t.Fatalf("%s: %v", what, err)
	}
	defer c.Close()
	base := m.base
	im := &c.Images()[0]
	if c.ImageCount() != 1 || im.Path != "/usr/lib/libmini.dylib" || im.Address != base+miniImage ||
		im.TextSize != miniLinkedit-miniImage || im.UUID[0] != 0xaa || c.SharedRegionStart() != base {
		t.Fatalf("%s: image %+v", what, im)
	}
	local := "<redacted>"
	if m.hdrSize < 0x190 && m.hdrSize >= 0x58 {
		local = "_local_real"
	}
	for _, tc := range []struct {
		off  uint64
		name string
		at   uint64
	}{
		{miniText, "_mini_exported", miniText},
		{miniText + 0xf, "_mini_exported", miniText},
		{miniText + 0x10, local, miniText + 0x10},
		{miniText + 0x45, "func_" + strconv.FormatUint(base+miniText+0x40, 16), miniText + 0x40},
		{miniText + 0x81, "_mini_trie", miniText + 0x80},
		{miniText + 0xff, "_mini_trie", miniText + 0x80},
	} {
		s, err := c.Lookup(base + tc.off)
		if err != nil || s.Name != tc.name || s.Start != base+tc.at {
			t.Errorf("%s: Lookup(+%#x) = %q @%#x, %v; want %q @%#x", what, tc.off, s.Name, s.Start, err, tc.name, base+tc.at)
		}
	}
	// Past __text (end marker) there is no symbol, but the image is known.
	if s, err := c.Lookup(base + miniText + 0x100); err != nil || s.Name != "" || s.Image == nil {
		t.Errorf("%s: past __text = %+v, %v", what, s, err)
	}
}

// mutate returns a mini cache of header size h with fn applied to its bytes.
func mutate(h uint32, fn func(b []byte)) []byte {
	b := newMiniCache(h).data
	fn(b)
	return b
}

func put32(b []byte, off int, v uint32) { binary.LittleEndian.PutUint32(b[off:], v) }
func put64(b []byte, off int, v uint64) { binary.LittleEndian.PutUint64(b[off:], v) }

// wantOpenError checks that Open fails with a FormatError on field.
func wantOpenError(t *testing.T, name string, b []byte, field string) {
	t.Helper()
	_, err := openMini(t, b)
	var fe *diag.FormatError
	if !errors.As(err, &fe) || fe.Field != field {
		t.Errorf("%s: err = %v, want a FormatError on %q", name, err, field)
	}
}

// lookupError returns the error of a lookup inside the mini image's __text.
func lookupError(t *testing.T, b []byte) error {
	t.Helper()
	c, err := openMini(t, b)
	if err != nil {
		t.Fatalf("open: %v", err)
	}
	defer c.Close()
	s, err := c.Lookup(miniBase + miniText + 4)
	if err != nil && (s.Image == nil || s.Image.Index != 0) {
		t.Errorf("failed lookup lost its image: %+v", s)
	}
	return err
}

func TestDecodeHostileHeaders(t *testing.T) {
	const h = 0x228
	mappings := h
	wantOpenError(t, "mapping past end of file (truncated cache)", newMiniCache(h).data[:miniSize-1], "mapping")
	wantOpenError(t, "mappingOffset past file", mutate(h, func(b []byte) { put32(b, 0x10, 0x10000) }), "mappingOffset")
	wantOpenError(t, "mappingOffset below the oldest header", mutate(h, func(b []byte) { put32(b, 0x10, 0x10) }), "mappingOffset")
	wantOpenError(t, "huge mappingCount", mutate(h, func(b []byte) { put32(b, 0x14, 0xffffffff) }), "mappingCount")
	wantOpenError(t, "mapping file offset overflows", mutate(h, func(b []byte) { put64(b, mappings+16, ^uint64(0)-4) }), "mapping")
	wantOpenError(t, "mapping address overflows", mutate(h, func(b []byte) { put64(b, mappings, ^uint64(0)-4) }), "mapping")
	wantOpenError(t, "overlapping mappings", mutate(h, func(b []byte) {
		put32(b, 0x14, 2)
		// Second mapping (written over the image_info table) overlaps the first.
		put64(b, mappings+32, miniBase+0x800)
		put64(b, mappings+40, 0x100)
		put64(b, mappings+48, 0)
	}), "mapping")
	wantOpenError(t, "imagesText past file", mutate(h, func(b []byte) { put64(b, 0x88, ^uint64(0)-8) }), "imagesText")
	wantOpenError(t, "imagesText inside the header", mutate(h, func(b []byte) { put64(b, 0x88, 0x20) }), "imagesText")
	wantOpenError(t, "huge imagesTextCount", mutate(h, func(b []byte) { put64(b, 0x90, 1<<40) }), "imagesText")
	wantOpenError(t, "image path past file", mutate(h, func(b []byte) { put32(b, mappings+32+32+28, 0xfffffff0) }), "imagesText pathOffset")
	wantOpenError(t, "image_info count past file (old header)", mutate(0x140, func(b []byte) { put32(b, 0x1C, 0x7fffffff) }), "images")
	wantOpenError(t, "subcache array past file", mutate(h, func(b []byte) {
		put32(b, 0x188, 0xfff0)
		put32(b, 0x18C, 3)
	}), "subCacheArray")
	wantOpenError(t, "subcache suffix is a path", mutate(h, func(b []byte) {
		put32(b, 0x188, 0x380)
		put32(b, 0x18C, 1)
		copy(b[0x380+24:], "/../../../etc/passwd")
	}), "fileSuffix")
	if _, err := openMini(t, []byte("dyld_v1   arm64\x00")); err == nil {
		t.Error("16-byte file opened")
	}
	if _, err := openMini(t, []byte("dyld_v1   sparc\x00\x00\x00\x00\x00")); !errors.Is(err, dsc.ErrNotDSC) {
		t.Errorf("unknown arch: %v", err)
	}
	if _, err := openMini(t, []byte("MZ\x90\x00")); !errors.Is(err, dsc.ErrNotDSC) {
		t.Errorf("not a cache: %v", err)
	}
}

func TestDecodeHostileSymbols(t *testing.T) {
	const h = 0x140                // in-cache locals
	symtab := func(b []byte) int { // offset of the LC_SYMTAB command
		i := bytes.Index(b[miniImage:], []byte{2, 0, 0, 0, 24, 0, 0, 0})
		return miniImage + i
	}
	cases := []struct {
		name  string
		fn    func(b []byte)
		check func(t *testing.T, err error)
	}{
		{"nlist count past LINKEDIT", func(b []byte) { put32(b, symtab(b)+12, 0x7fffffff) }, wantFormat("LC_SYMTAB symoff")},
		{"symoff outside LINKEDIT", func(b []byte) { put32(b, symtab(b)+8, 0x10) }, wantFormat("LC_SYMTAB symoff")},
		{"string pool past LINKEDIT", func(b []byte) { put32(b, symtab(b)+20, 0xfffffff0) }, wantFormat("LC_SYMTAB stroff")},
		{"dysymtab range past nsyms", func(b []byte) {
			d := symtab(b) + 24
			put32(b, d+20, 1000) // nextdefsym
		}, wantFormat("LC_DYSYMTAB")},
		{"function starts outside LINKEDIT", func(b []byte) {
			i := bytes.Index(b[miniImage:], []byte{0x26, 0, 0, 0, 16, 0, 0, 0})
			put32(b, miniImage+i+12, 0xffffff)
		}, wantFormat("LC_FUNCTION_STARTS")},
		{"cyclic export trie", func(b []byte) { b[miniTrie+9] = 0 }, wantFormat("child node offset")},
		{"export trie loops to a node", func(b []byte) { b[miniTrie+22] = 11 }, wantFormat("export trie node")},
		{"locals entry outside nlist", func(b []byte) { put32(b, miniLocals+0x20, 50) }, wantFormat("nlistStartIndex")},
		{"locals strings past blob", func(b []byte) { put32(b, miniLocals+12, 0x1000) }, wantFormat("stringsOffset")},
		{"locals blob past file", func(b []byte) { put64(b, 0x50, ^uint64(0)) }, wantFormat("localSymbols")},
		{"locals entries huge", func(b []byte) { put32(b, miniLocals+20, 0x7fffffff) }, wantFormat("entriesCount")},
		{"string offset past pool becomes unnamed", func(b []byte) { put32(b, miniSymoff+16, 0xfffff) }, nil},
	}
	for _, tc := range cases {
		b := mutate(h, tc.fn)
		err := lookupError(t, b)
		if tc.check != nil {
			tc.check(t, err)
			continue
		}
		if err != nil {
			t.Errorf("%s: %v", tc.name, err)
		}
		c, _ := openMini(t, b)
		if s, _ := c.Lookup(miniBase + miniText + 4); s.Name != "func_180000600" || !s.Unnamed {
			t.Errorf("%s: %+v", tc.name, s)
		}
	}
}

func wantFormat(field string) func(t *testing.T, err error) {
	return func(t *testing.T, err error) {
		t.Helper()
		var fe *diag.FormatError
		if !errors.As(err, &fe) || fe.Field != field {
			t.Errorf("err = %v, want FormatError on %q", err, field)
		}
	}
}

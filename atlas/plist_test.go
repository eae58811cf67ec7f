package atlas

import (
	"bytes"
	"encoding/binary"
	"errors"
	"reflect"
	"strings"
	"testing"

	"github.com/symbolicate/symbolicate/process"
	"howett.net/plist"
)

func bplist(t testing.TB, v any) []byte {
	t.Helper()
	b, err := plist.Marshal(v, plist.BinaryFormat)
	if err != nil {
		t.Fatalf("plist.Marshal: %v", err)
	}
	return b
}

func u16(u process.UUID) []byte { return append([]byte(nil), u[:]...) }

// sampleProcessPlist is a process.plist laid out as dyld's
// atlasAddImage/generateAtlas write it.
func sampleProcessPlist() map[string]any {
	return map[string]any{
		"proc": uint64(4242),
		"plat": uint64(2),
		"time": uint64(0x1234567890),
		"stat": uint64(0x50),
		"init": uint64(1),
		"flag": uint64(0),
		"imgs": []any{
			map[string]any{
				"file": "/private/var/containers/Bundle/Application/X/App.app/App",
				"addr": uint64(0x1_0000_0000),
				"name": "@rpath/App",
				"uuid": u16(repeatUUID(1)),
				"segs": []any{
					map[string]any{"name": "__TEXT", "padr": uint64(0x1_0000_0000), "size": uint64(0x8000), "foff": uint64(0), "fsze": uint64(0x8000), "perm": uint64(5)},
					map[string]any{"name": "__DATA", "padr": uint64(0x1_0000_8000), "size": uint64(0x4000), "foff": uint64(0x8000), "fsze": uint64(0x4000), "perm": uint64(3)},
				},
			},
			map[string]any{
				"file": "/usr/lib/dyld",
				"addr": uint64(0x1_0040_0000),
				"padr": uint64(0x1_8000_0000),
				"uuid": u16(repeatUUID(2)),
			},
		},
		"dsc1": map[string]any{
			"bitm": []byte{0x01, 0x02},
			"file": exampleCachePath,
			"addr": uint64(0x1_9C00_0000),
			"uuid": u16(exampleCacheUUID),
		},
		"envp": map[string]any{"root": "/"},
		"metr": map[string]any{"init": uint64(5)},
	}
}

func sampleProcessSnapshot() *Snapshot {
	return &Snapshot{
		Source:            SourceProcessPlist,
		Timestamp:         0x1234567890,
		Flags:             ProcessHasSharedCache | ProcessHas16KPages,
		Platform:          PlatformIOS,
		InitialImageCount: 1,
		DyldState:         StateProgramRunning,
		Cache: &SharedCacheRecord{
			MappedFile: MappedFile{Flags: FileHasPath | FileHasUUID, Address: 0x1_9C00_0000, UUID: exampleCacheUUID, Path: exampleCachePath},
			Bitmap:     Bitmap{Len: 16, Bytes: []byte{0x01, 0x02}},
		},
		Images: []MappedFile{
			{
				Flags: FileHasPath | FileHasUUID, Address: 0x1_0000_0000, UUID: repeatUUID(1),
				Path: "/private/var/containers/Bundle/Application/X/App.app/App",
				Plist: &PlistImageInfo{
					InstallName: "@rpath/App",
					Segments: []Segment{
						{Name: "__TEXT", PreferredAddress: 0x1_0000_0000, Size: 0x8000, FileSize: 0x8000, Perm: 5},
						{Name: "__DATA", PreferredAddress: 0x1_0000_8000, Size: 0x4000, FileOffset: 0x8000, FileSize: 0x4000, Perm: 3},
					},
				},
			},
			{
				Flags: FileHasPath | FileHasUUID, Address: 0x1_0040_0000, UUID: repeatUUID(2), Path: "/usr/lib/dyld",
				Plist: &PlistImageInfo{PreferredAddress: 0x1_8000_0000},
			},
		},
		PID:         4242,
		PointerSize: 8,
	}
}

func TestDecodeProcessPlist(t *testing.T) {
	s, err := DecodeProcessPlist(bplist(t, sampleProcessPlist()))
	if err != nil {
		t.Fatal(err)
	}
	if want := sampleProcessSnapshot(); !reflect.DeepEqual(s, want) {
		t.Fatalf("got  %s\nwant %s", dump(s), dump(want))
	}
}

func TestProcessPlistFlags(t *testing.T) {
	for _, tc := range []struct {
		set      map[string]any
		atlas    uint64
		flags    ProcessFlags
		ptr      int
		warnings int
	}{
		{map[string]any{"flags": uint64(3)}, 3, ProcessHasSharedCache, 4, 0},
		{map[string]any{"flag": uint64(4)}, 4, ProcessHasSharedCache | ProcessHas16KPages | ProcessHasPrivateCache, 8, 0},
		{map[string]any{"flag": uint64(0), "flags": uint64(1)}, 1, ProcessHasSharedCache, 8, 1},
		{map[string]any{"flag": uint64(1), "flags": uint64(1)}, 1, ProcessHasSharedCache, 8, 0},
	} {
		p := sampleProcessPlist()
		delete(p, "flag")
		for k, v := range tc.set {
			p[k] = v
		}
		s, err := DecodeProcessPlist(bplist(t, p))
		if err != nil {
			t.Fatal(err)
		}
		if s.AtlasFlags != tc.atlas || s.Flags != tc.flags || s.PointerSize != tc.ptr || len(s.Warnings) != tc.warnings {
			t.Errorf("%v: atlas %#x flags %v pointer %d warnings %q", tc.set, s.AtlasFlags, s.Flags, s.PointerSize, s.Warnings)
		}
	}
}

func TestProcessPlistSchemaErrors(t *testing.T) {
	cases := []struct {
		name, key, msg string
		mutate         func(p map[string]any)
	}{
		{"missing proc", "proc", "missing", func(p map[string]any) { delete(p, "proc") }},
		{"plat string", "plat", "want integer, got string", func(p map[string]any) { p["plat"] = "iOS" }},
		{"imgs dict", "imgs", "want array, got dictionary", func(p map[string]any) { p["imgs"] = map[string]any{} }},
		{"image not dict", "imgs[1]", "want dictionary, got integer", func(p map[string]any) { p["imgs"].([]any)[1] = uint64(3) }},
		{"short uuid", "imgs[0].uuid", "16 bytes", func(p map[string]any) { p["imgs"].([]any)[0].(map[string]any)["uuid"] = make([]byte, 12) }},
		{"no address", "imgs[1]", "neither", func(p map[string]any) {
			im := p["imgs"].([]any)[1].(map[string]any)
			delete(im, "addr")
			delete(im, "padr")
		}},
		{"segment name", "imgs[0].segs[1].name", "missing", func(p map[string]any) {
			delete(p["imgs"].([]any)[0].(map[string]any)["segs"].([]any)[1].(map[string]any), "name")
		}},
		{"bitm missing", "dsc1.bitm", "missing", func(p map[string]any) { delete(p["dsc1"].(map[string]any), "bitm") }},
		{"dsc1 array", "dsc1", "want dictionary, got array", func(p map[string]any) { p["dsc1"] = []any{} }},
		{"flags data", "flags", "want integer, got data", func(p map[string]any) { p["flags"] = []byte{1} }},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			p := sampleProcessPlist()
			tc.mutate(p)
			_, err := DecodeProcessPlist(bplist(t, p))
			var pe *PlistError
			if !errors.As(err, &pe) || pe.Key != tc.key || !strings.Contains(pe.Msg, tc.msg) || pe.Format != "process.plist" {
				t.Fatalf("error %v, want a PlistError on key %q containing %q", err, tc.key, tc.msg)
			}
		})
	}
	for name, b := range map[string][]byte{
		"array root": bplist(t, []any{uint64(1)}),
		"xml plist":  []byte(`<?xml version="1.0"?><plist><dict/></plist>`),
		"truncated":  bplist(t, sampleProcessPlist())[:100],
		"empty":      nil,
	} {
		var pe *PlistError
		if _, err := DecodeProcessPlist(b); !errors.As(err, &pe) {
			t.Errorf("%s: error %v, want *PlistError", name, err)
		}
	}
}

// rawBplist assembles a bplist00 document from encoded objects, with 1-byte
// offsets and references unless told otherwise.
func rawBplist(objects [][]byte, top uint64, refSize byte) []byte {
	b := []byte("bplist00")
	var offs []uint64
	for _, o := range objects {
		offs = append(offs, uint64(len(b)))
		b = append(b, o...)
	}
	table := uint64(len(b))
	offSize := byte(1)
	if table > 0xFF {
		offSize = 2
	}
	for _, o := range offs {
		if offSize == 1 {
			b = append(b, byte(o))
		} else {
			b = binary.BigEndian.AppendUint16(b, uint16(o))
		}
	}
	b = append(b, 0, 0, 0, 0, 0, 0, offSize, refSize)
	b = binary.BigEndian.AppendUint64(b, uint64(len(objects)))
	b = binary.BigEndian.AppendUint64(b, top)
	b = binary.BigEndian.AppendUint64(b, table)
	return b
}

func TestBinaryPlistHostileStructure(t *testing.T) {
	// A chain of arrays, each referring twice to the next: 2^25 values
	// when expanded, from a document of about 130 bytes.
	var laughs [][]byte
	for i := range 25 {
		laughs = append(laughs, []byte{0xA2, byte(i + 1), byte(i + 1)})
	}
	laughs = append(laughs, []byte{0x10, 1})
	// Nesting of 40 arrays.
	var deep [][]byte
	for i := range 40 {
		deep = append(deep, []byte{0xA1, byte(i + 1)})
	}
	deep = append(deep, []byte{0x10, 1})

	cases := map[string]struct {
		b   []byte
		msg string
	}{
		"cycle":            {rawBplist([][]byte{{0xA1, 0}}, 0, 1), "contains itself"},
		"exponential":      {rawBplist(laughs, 0, 1), "expands to more than"},
		"deep":             {rawBplist(deep, 0, 1), "nesting deeper"},
		"ref out of range": {rawBplist([][]byte{{0xA1, 5}}, 0, 1), "reference to object 5"},
		"huge data length": {rawBplist([][]byte{append([]byte{0x4F, 0x13}, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xF0)}, 0, 1), "runs into"},
		"huge utf16":       {rawBplist([][]byte{append([]byte{0x6F, 0x13}, 0x80, 0, 0, 0, 0, 0, 0, 5)}, 0, 1), "runs into"},
		"huge dict":        {rawBplist([][]byte{append([]byte{0xDF, 0x13}, 0x80, 0, 0, 0, 0, 0, 0, 1)}, 0, 1), "runs into"},
		"huge array":       {rawBplist([][]byte{append([]byte{0xAF, 0x13}, 0x20, 0, 0, 0, 0, 0, 0, 0)}, 0, 8), "reference size"},
		"bad length int":   {rawBplist([][]byte{{0x4F, 0x50, 0x01}}, 0, 1), "malformed length"},
		"int width":        {rawBplist([][]byte{{0x17, 1}}, 0, 1), "malformed integer"},
		"real width":       {rawBplist([][]byte{{0x21, 1, 2, 3, 4}}, 0, 1), "malformed real"},
		"unknown marker":   {rawBplist([][]byte{{0x70}}, 0, 1), "unknown marker"},
		"null":             {rawBplist([][]byte{{0x00}}, 0, 1), "unsupported marker"},
		"top out of range": {rawBplist([][]byte{{0x08}}, 3, 1), "top object"},
		"object offset":    {func() []byte { b := rawBplist([][]byte{{0x08}}, 0, 1); b[9] = 0xF0; return b }(), "outside the object area"},
		"short":            {[]byte("bplist00"), "too short"},
		"zero offset size": {func() []byte { b := rawBplist([][]byte{{0x08}}, 0, 1); b[len(b)-26] = 0; return b }(), "offset size"},
	}
	for name, tc := range cases {
		_, err := decodeBinaryPlist(tc.b, "test")
		var pe *PlistError
		if !errors.As(err, &pe) || !strings.Contains(pe.Msg, tc.msg) {
			t.Errorf("%s: error %v, want one containing %q", name, err, tc.msg)
		}
	}
	// A well-formed shared (DAG) document is fine.
	ok := rawBplist([][]byte{{0xA3, 1, 1, 1}, {0x51, 'x'}}, 0, 1)
	v, err := decodeBinaryPlist(ok, "test")
	if err != nil || !reflect.DeepEqual(v, []any{"x", "x", "x"}) {
		t.Errorf("shared array: %v, %v", v, err)
	}
}

// sampleCacheAtlas is a universal cache atlas: customer and development
// dictionaries sharing one image array, each reachable by UUID and by name.
func sampleCacheAtlas() map[string]any {
	imgs := []any{
		map[string]any{
			"name": "/usr/lib/libobjc.A.dylib", "padr": uint64(0x1_8000_0000), "uuid": u16(repeatUUID(0x31)),
			"segs": []any{
				map[string]any{"name": "__TEXT", "padr": uint64(0x1_8000_0000), "size": uint64(0x40000), "foff": uint64(0), "fsze": uint64(0x40000), "perm": uint64(5)},
			},
		},
		map[string]any{"name": "/usr/lib/system/libdyld.dylib", "padr": uint64(0x1_8004_0000), "uuid": u16(repeatUUID(0x32)), "segs": []any{}},
		map[string]any{"name": "/usr/lib/libSystem.B.dylib", "padr": uint64(0x1_8005_0000)},
	}
	cache := func(u process.UUID, name string) map[string]any {
		return map[string]any{
			"uuid": u16(u), "padr": uint64(0x1_8000_0000), "size": uint64(0x4000_0000),
			"snme": name + ".symbols", "suid": u16(repeatUUID(0x5A)), "psze": uint64(4),
			"dscs": []any{map[string]any{
				"name": name + ".01", "uuid": u16(repeatUUID(0x77)), "voff": uint64(0x1000_0000), "fsze": uint64(0x2000),
				"padr": uint64(0x1_9000_0000), "size": uint64(0x4000),
				"maps": []any{map[string]any{"size": uint64(0x4000), "padr": uint64(0x1_9000_0000), "foff": uint64(0), "prot": uint64(5)}},
			}},
			"imgs": imgs,
		}
	}
	cust := cache(exampleCacheUUID, "dyld_shared_cache_arm64e")
	dev := cache(repeatUUID(0xDE), "dyld_shared_cache_arm64e.development")
	return map[string]any{
		"uuids": map[string]any{exampleCacheUUID.String(): cust, repeatUUID(0xDE).String(): dev},
		"names": map[string]any{"dyld_shared_cache_arm64e": cust, "dyld_shared_cache_arm64e.development": dev},
	}
}

func TestDecodeCacheAtlasPlist(t *testing.T) {
	set, err := DecodeCacheAtlasPlist(bplist(t, sampleCacheAtlas()))
	if err != nil {
		t.Fatal(err)
	}
	c, ok := set.ByUUID[exampleCacheUUID]
	if !ok {
		t.Fatal("customer cache missing")
	}
	if set.ByName["dyld_shared_cache_arm64e"] != c || set.ByName["dyld_shared_cache_arm64e.development"] != set.ByUUID[repeatUUID(0xDE)] {
		t.Error("names do not share the uuids entries")
	}
	want := &CacheAtlas{
		CacheUUID: exampleCacheUUID, BaseAddress: 0x1_8000_0000, VMSize: 0x4000_0000, PointerSize: 4,
		SymbolsFileName: "dyld_shared_cache_arm64e.symbols", SymbolsUUID: repeatUUID(0x5A),
		SubCaches: []AtlasSubCache{{
			Name: "dyld_shared_cache_arm64e.01", UUID: repeatUUID(0x77), VMOffset: 0x1000_0000, FileSize: 0x2000,
			PreferredAddress: 0x1_9000_0000, VMSize: 0x4000,
			Mappings: []AtlasMapping{{PreferredAddress: 0x1_9000_0000, Size: 0x4000, MaxProt: 5}},
		}},
		Images: []AtlasImage{
			{InstallName: "/usr/lib/libobjc.A.dylib", PreferredAddress: 0x1_8000_0000, UUID: repeatUUID(0x31),
				Segments: []Segment{{Name: "__TEXT", PreferredAddress: 0x1_8000_0000, Size: 0x40000, FileSize: 0x40000, Perm: 5}}},
			{InstallName: "/usr/lib/system/libdyld.dylib", PreferredAddress: 0x1_8004_0000, UUID: repeatUUID(0x32), Segments: []Segment{}},
			{InstallName: "/usr/lib/libSystem.B.dylib", PreferredAddress: 0x1_8005_0000},
		},
	}
	if !reflect.DeepEqual(c, want) {
		t.Fatalf("got  %+v\nwant %+v", c, want)
	}
	// SharedCache view.
	var sc SharedCache = c
	if sc.UUID() != exampleCacheUUID || sc.SharedRegionStart() != 0x1_8000_0000 || sc.ImageCount() != 3 {
		t.Error("SharedCache accessors wrong")
	}
	im := sc.ImageAt(0)
	u := repeatUUID(0x31)
	if im.Path != "/usr/lib/libobjc.A.dylib" || im.Name != "libobjc.A.dylib" || im.Base != 0x1_8000_0000 ||
		im.End != 0x1_8004_0000 || im.ID != process.BuildID(u[:]) {
		t.Errorf("ImageAt(0) = %+v", im)
	}
	if im := sc.ImageAt(2); im.ID != "" || im.End != 0 {
		t.Errorf("ImageAt(2) invents a UUID or text end: %+v", im)
	}
}

func TestCacheAtlasSchemaErrors(t *testing.T) {
	cust := func(p map[string]any) map[string]any {
		return p["uuids"].(map[string]any)[exampleCacheUUID.String()].(map[string]any)
	}
	key := exampleCacheUUID.String()
	cases := []struct {
		name, key, msg string
		mutate         func(p map[string]any)
	}{
		{"no names", "names", "missing", func(p map[string]any) { delete(p, "names") }},
		{"bad uuid key", "uuids.nope", "not a UUID", func(p map[string]any) { p["uuids"].(map[string]any)["nope"] = map[string]any{} }},
		{"psze missing", "uuids." + key + ".psze", "missing", func(p map[string]any) { delete(cust(p), "psze") }},
		{"image padr", "uuids." + key + ".imgs[2].padr", "missing", func(p map[string]any) {
			delete(cust(p)["imgs"].([]any)[2].(map[string]any), "padr")
		}},
		{"mapping prot", "uuids." + key + ".dscs[0].maps[0].prot", "want integer", func(p map[string]any) {
			cust(p)["dscs"].([]any)[0].(map[string]any)["maps"].([]any)[0].(map[string]any)["prot"] = "r-x"
		}},
	}
	for _, tc := range cases {
		p := sampleCacheAtlas()
		tc.mutate(p)
		_, err := DecodeCacheAtlasPlist(bplist(t, p))
		var pe *PlistError
		if !errors.As(err, &pe) || pe.Key != tc.key || !strings.Contains(pe.Msg, tc.msg) {
			t.Errorf("%s: error %v, want a PlistError on %q containing %q", tc.name, err, tc.key, tc.msg)
		}
	}
}

// TestDecodeCacheAtlasFile wraps the cache atlas plist the way the cache
// builder does (regular file under caches/uuids, symlinks under
// caches/names) and then in pbzz compression.
func TestDecodeCacheAtlasFile(t *testing.T) {
	pl := bplist(t, sampleCacheAtlas())
	member := "caches/uuids/" + exampleCacheUUID.String() + ".plist"
	archive := concat(
		aarLink("caches/names/dyld_shared_cache_arm64e.plist", "../uuids/"+exampleCacheUUID.String()+".plist"),
		aarLink("caches/uuids/"+repeatUUID(0xDE).String()+".plist", exampleCacheUUID.String()+".plist"),
		aarFile(member, pl),
	)
	for name, file := range map[string][]byte{
		"archive":      archive,
		"pbzz archive": writePBZ("pbzz", archive, 1024, zlibBlock),
		"bare plist":   pl,
	} {
		set, err := DecodeCacheAtlasFile(file, 1<<24)
		if err != nil {
			t.Errorf("%s: %v", name, err)
			continue
		}
		if c, ok := set.ByUUID[repeatUUID(0xDE)]; !ok || c.ImageCount() != 3 {
			t.Errorf("%s: development cache missing", name)
		}
	}
	// The symlinked name resolves to the plist too.
	got, err := extractAAR(archive, "caches/names/dyld_shared_cache_arm64e.plist")
	if err != nil || !bytes.Equal(got, pl) {
		t.Errorf("symlinked member: %v", err)
	}
	if _, err := DecodeCacheAtlasFile(aarFile("other", nil), 1<<20); !errors.Is(err, ErrNoEntry) {
		t.Errorf("archive without cache plist: %v", err)
	}
	if _, err := DecodeCacheAtlasFile(writePBZ("pbzx", archive, 1024, storedBlock), 1<<20); !errors.Is(err, ErrUnsupportedCompression) {
		t.Errorf("pbzx: %v", err)
	}
}

package atlas

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/symbolicate/symbolicate/diag"
	"github.com/symbolicate/symbolicate/process"
)

// pv concatenates the PVLE encodings of vs.
func pv(vs ...uint64) []byte {
	var b []byte
	for _, v := range vs {
		b = AppendPVLE(b, v)
	}
	return b
}

// sealed builds a compact-info buffer from a body: a header with genCount 1
// and the CRC-32C of the result, without padding (the decoder does not
// require it).
func sealed(body ...[]byte) []byte {
	b := make([]byte, compactHeaderSize)
	binary.LittleEndian.PutUint32(b, compactMagic)
	binary.LittleEndian.PutUint32(b[20:], 1)
	for _, p := range body {
		b = append(b, p...)
	}
	binary.LittleEndian.PutUint32(b[crcOffset:], compactCRC(b))
	return b
}

func wantFormatError(t *testing.T, err error, field string, off int64) {
	t.Helper()
	var fe *diag.FormatError
	if !errors.As(err, &fe) {
		t.Fatalf("error %v (%T) is not a *diag.FormatError", err, err)
	}
	if fe.Format != "compact info" || fe.Field != field || fe.Off != off {
		t.Fatalf("error %q: got format %q field %q offset %#x, want %q %q %#x",
			err, fe.Format, fe.Field, fe.Off, "compact info", field, off)
	}
}

func TestDecodeFailures(t *testing.T) {
	u := repeatUUID(7)
	const body = compactHeaderSize
	cases := []struct {
		name  string
		buf   []byte
		field string
		off   int64
	}{
		{"short header", make([]byte, 35), "header", 0},
		{"empty", nil, "header", 0},
		{"bad magic", func() []byte { b := sealed(pv(0, 1, 1, 0, 0, 0, 0)); b[0] ^= 1; return b }(), "magic", 0},
		{"byte-swapped magic", func() []byte {
			b := sealed(pv(0, 1, 1, 0, 0, 0, 0))
			binary.BigEndian.PutUint32(b, compactMagic)
			return b
		}(), "magic", 0},
		{"version 1", func() []byte {
			b := make([]byte, 48)
			binary.LittleEndian.PutUint32(b, compactMagic)
			b[4] = 1
			binary.LittleEndian.PutUint32(b[32:], compactCRC(b))
			return b
		}(), "version", 4},
		{"crc mismatch", func() []byte { b := sealed(pv(0, 1, 1, 0, 0, 0, 0)); b[40] ^= 0x80; return b }(), "crc32c", 32},
		{"no body", sealed(), "processFlags", body},
		{"truncated platform PVLE", sealed([]byte{0x01, 0x02}), "platform", body + 1},
		{"truncated 9-byte PVLE", sealed(pv(0, 1, 1, 0), []byte{0, 1, 2, 3}), "volumeUUIDCount", body + 4},
		{"volume table short", sealed(pv(0, 1, 1, 0, 2), u[:], u[:8]), "volumeUUIDCount", body + 4},
		{"volume count overflows", sealed(pv(0, 1, 1, 0, math.MaxUint64/8)), "volumeUUIDCount", body + 4},
		{"string table short", sealed(pv(0, 1, 1, 0, 0, 10), []byte("abc\x00")), "stringTableSize", body + 5},
		{"cache record truncated", sealed(pv(1, 1, 1, 0, 0, 0), pv(4)), "sharedCache.address", body + 7},
		{"cache uuid short", sealed(pv(1, 1, 1, 0, 0, 0, 4, 1), u[:15]), "sharedCache.uuid", body + 8},
		{"cache volume index out of range", sealed(pv(1, 1, 1, 0, 0, 0, 1, 1, 0, 5)), "sharedCache.volumeIndex", body + 8},
		{"cache path offset out of range", sealed(pv(1, 1, 1, 0, 0, 4), []byte("abc\x00"), pv(2, 1, 4)), "sharedCache.path", body + 12},
		{"path without NUL", sealed(pv(1, 1, 1, 0, 0, 3), []byte("abc"), pv(2, 1, 0)), "sharedCache.path", body + 11},
		{"bitmap of zero bits", sealed(pv(1, 1, 1, 0, 0, 0, 0, 1, 0), pv(0)), "bitmap.count", body + 8},
		{"bitmap bytes missing", sealed(pv(1, 1, 1, 0, 0, 0, 0, 1, 17), []byte{1, 2}), "bitmap.count", body + 8},
		{"cache address overflows", sealed(pv(5, 1, 1, 0, 0, 0, 0, math.MaxUint64/1000, 1), []byte{1}, pv(0)), "sharedCache.address", body + 6},
		{"image count missing", sealed(pv(0, 1, 1, 0, 0, 0)), "imageCount", body + 6},
		{"image count too large", sealed(pv(0, 1, 1, 0, 0, 0, 100), pv(0, 0)), "imageCount", body + 6},
		{"image record truncated", sealed(pv(0, 1, 1, 0, 0, 0, 2), pv(4, 1), u[:], pv(0)), "images[1].address", body + 26},
		{"image volume index", sealed(pv(0, 1, 1, 0, 1), u[:], pv(0, 1), pv(1, 1, 1, 7)), "images[0].volumeIndex", body + 25},
		{"image uuid short", sealed(pv(0, 1, 1, 0, 0, 0, 1), pv(4, 1), u[:3]), "images[0].uuid", body + 9},
		{"image address overflows", sealed(pv(0, 1, 1, 0, 0, 0, 2, 0, 1<<51, 0, 1<<51)), "images[1].address", body + 16},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			s, err := DecodeCompactInfo(tc.buf)
			if err == nil {
				t.Fatalf("decoded without error: %+v", s)
			}
			if s != nil {
				t.Error("a snapshot was returned with the error")
			}
			wantFormatError(t, err, tc.field, tc.off)
		})
	}
}

// TestDecodeMinimal checks the smallest valid buffers.
func TestDecodeMinimal(t *testing.T) {
	s, err := DecodeCompactInfo(sealed(pv(0, 1, 1, 0x10, 0, 0, 0)))
	if err != nil {
		t.Fatal(err)
	}
	want := &Snapshot{Source: SourceCompactInfo, GenCount: 1, Platform: PlatformMacOS, InitialImageCount: 1, DyldState: StateDyldInitialized}
	want.CRC = s.CRC
	if !reflect.DeepEqual(s, want) {
		t.Fatalf("got %+v\nwant %+v", s, want)
	}
	// A buffer with a non-zero byte after the last image decodes with a warning.
	b := sealed(pv(0, 1, 1, 0x10, 0, 0, 0), []byte{0, 0, 9})
	s, err = DecodeCompactInfo(b)
	if err != nil {
		t.Fatal(err)
	}
	if len(s.Warnings) != 1 || !strings.Contains(s.Warnings[0], "not zero padding") {
		t.Errorf("warnings %q", s.Warnings)
	}
}

// TestDecodeKeepsNonCanonical checks that the decoder keeps what dyld's
// writer never produces: a record with both a file ID and a path, unknown
// flag bits, a record with neither, a path offset into the middle of a
// string, duplicate addresses, and garbage bits past the bitmap's end.
func TestDecodeKeepsNonCanonical(t *testing.T) {
	v := repeatUUID(9)
	b := sealed(
		pv(1|0x40, 1, 1, 0, 1), v[:], pv(9), []byte("/usr/lib\x00"),
		pv(2, 5, 3), pv(3), []byte{0xF0}, // cache: path "r/lib", 3 bits, garbage high bits
		pv(2, 3|0x100, 0, 0, 77, 0), // file ID + path + unknown flag
		pv(0, 0),                    // a bare record at the same address
	)
	s, err := DecodeCompactInfo(b)
	if err != nil {
		t.Fatal(err)
	}
	if s.Flags != 0x41 || s.Cache.Path != "r/lib" || s.Cache.Address != 5*4096 {
		t.Errorf("cache %+v flags %v", s.Cache, s.Flags)
	}
	if s.Cache.Bitmap.Len != 3 || !bytes.Equal(s.Cache.Bitmap.Bytes, []byte{0xF0}) || s.Cache.Bitmap.Count() != 0 {
		t.Errorf("bitmap %+v", s.Cache.Bitmap)
	}
	want := []MappedFile{
		{Flags: FileHasFileID | FileHasPath | 0x100, Volume: v, ObjectID: 77, Path: "/usr/lib"},
		{},
	}
	if !reflect.DeepEqual(s.Images, want) {
		t.Errorf("images %+v\nwant %+v", s.Images, want)
	}
}

func TestCompareCString(t *testing.T) {
	in := []string{"abd", "abc", "abc\xC3\xA9", "/a", "ab\x80", "\xFFx", "", "a"}
	want := []string{"\xFFx", "", "/a", "a", "ab\x80", "abc\xC3\xA9", "abc", "abd"}
	got := slices.Clone(in)
	slices.SortFunc(got, CompareCString)
	if !slices.Equal(got, want) {
		t.Errorf("sorted %q\nwant   %q", got, want)
	}
	if CompareCString("abc", "abc") != 0 || CompareCString("abc", "abd") != -1 || CompareCString("abd", "abc") != 1 {
		t.Error("basic comparisons wrong")
	}
}

func TestEncoderTableOrder(t *testing.T) {
	var hi, lo = process.UUID{0x80}, process.UUID{0x7F, 0xFF}
	s := &Snapshot{
		Flags: ProcessHas16KPages,
		Images: []MappedFile{
			{Flags: FileHasPath, Address: 0x4000, Path: "abc"},
			{Flags: FileHasPath, Address: 0x8000, Path: "abc\xC3\xA9"},
			{Flags: FileHasFileID, Address: 0x8000, Volume: hi, ObjectID: 1},
			{Flags: FileHasFileID, Address: 0xC000, Volume: lo, ObjectID: 2},
			{Flags: FileHasUUID, Address: 0x10000, UUID: repeatUUID(3)}, // neither: adds "???"
			{Flags: FileHasPath, Address: 0x14000, Path: "ab\x80"},
			{Flags: FileHasPath, Address: 0x18000, Path: "abc"},
			{Flags: FileHasFileID, Address: 0x1C000, Volume: hi, ObjectID: 3},
		},
	}
	b, err := EncodeCompactInfo(s)
	if err != nil {
		t.Fatal(err)
	}
	d, err := DecodeCompactInfo(b)
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(d.VolumeUUIDs, []process.UUID{lo, hi}) {
		t.Errorf("volume table %v", d.VolumeUUIDs)
	}
	if want := "???\x00ab\x80\x00abc\xC3\xA9\x00abc\x00"; string(d.StringTable) != want {
		t.Errorf("string table %q\nwant %q", d.StringTable, want)
	}
	for i := range s.Images {
		if d.Images[i].Path != s.Images[i].Path || d.Images[i].Volume != s.Images[i].Volume {
			t.Errorf("image %d: %+v, want %+v", i, d.Images[i], s.Images[i])
		}
	}
}

func TestEncodeRefuses(t *testing.T) {
	ok := func() *Snapshot { return exampleInput() }
	cases := map[string]func(*Snapshot){
		"version":              func(s *Snapshot) { s.Version = 1 },
		"cache without flag":   func(s *Snapshot) { s.Flags &^= ProcessHasSharedCache },
		"flag without cache":   func(s *Snapshot) { s.Cache = nil },
		"empty bitmap":         func(s *Snapshot) { s.Cache.Bitmap = Bitmap{} },
		"bitmap size mismatch": func(s *Snapshot) { s.Cache.Bitmap.Bytes = []byte{1} },
		"unaligned cache":      func(s *Snapshot) { s.Cache.Address += 4096 },
		"unaligned image":      func(s *Snapshot) { s.Images[1].Address += 1 },
		"images out of order":  func(s *Snapshot) { s.Images[0], s.Images[1] = s.Images[1], s.Images[0] },
		"NUL in path":          func(s *Snapshot) { s.Images[0].Path = "a\x00b" },
	}
	for name, mutate := range cases {
		s := ok()
		mutate(s)
		if _, err := EncodeCompactInfo(s); !errors.Is(err, ErrNotEncodable) {
			t.Errorf("%s: error %v, want ErrNotEncodable", name, err)
		}
	}
}

// randomSnapshot builds a varied, encodable snapshot.
func randomSnapshot(r *rand.Rand) *Snapshot {
	s := &Snapshot{
		Source:            SourceCompactInfo,
		SystemInfoAddress: r.Uint64N(3) * r.Uint64(),
		SystemInfoSize:    uint32(r.UintN(3)) * r.Uint32(),
		GenCount:          r.Uint32N(5),
		Timestamp:         r.Uint64() >> r.UintN(64),
		Platform:          Platform(r.UintN(14)),
		InitialImageCount: r.Uint64N(4),
		DyldState:         DyldState(r.UintN(7) * 0x10),
	}
	if r.IntN(2) == 0 {
		s.Flags |= ProcessHas16KPages
	}
	page := s.Flags.PageSize()
	vols := []process.UUID{repeatUUID(0xA0), {0x80, 1}, {0x7F, 2}, repeatUUID(0x01)}
	paths := []string{"/usr/lib/libSystem.B.dylib", "/bin/ls", "/Applications/Caf\xC3\xA9.app/Caf\xC3\xA9", "/a\x80b", "/a", "???", "/private/var/containers/Bundle/Application/X/Y.app/Y"}
	file := func(m *MappedFile) {
		if r.IntN(3) > 0 {
			m.Flags |= FileHasUUID
			m.UUID = process.UUID{byte(r.Uint32()), byte(r.Uint32()), 3, 4}
		}
		switch r.IntN(4) {
		case 0, 1:
			m.Flags |= FileHasFileID
			m.Volume = vols[r.IntN(len(vols))]
			m.ObjectID = r.Uint64() >> r.UintN(64)
		case 2:
			m.Flags |= FileHasPath
			m.Path = paths[r.IntN(len(paths))]
		}
	}
	if r.IntN(3) > 0 {
		s.Flags |= ProcessHasSharedCache
		n := 1 + r.IntN(3000)
		if r.IntN(3) == 0 {
			n = 1 + r.IntN(17)
		}
		c := &SharedCacheRecord{Bitmap: NewBitmap(n)}
		c.Address = (0x1_8000_0000 + r.Uint64N(0x1000_0000)) / page * page
		for range r.IntN(n + 1) {
			c.Bitmap.Set(r.IntN(n))
		}
		file(&c.MappedFile)
		s.Cache = c
	}
	if n := r.IntN(40); n > 0 {
		s.Images = make([]MappedFile, n)
		addr := r.Uint64N(1<<20) * page
		for i := range s.Images {
			addr += r.Uint64N(1<<12) * page * uint64(r.IntN(8)) // sometimes 0: duplicate address
			s.Images[i].Address = addr
			file(&s.Images[i])
		}
	}
	return s
}

// expectedTables computes the canonical tables of s independently of the
// encoder (sort.Slice with a comparison over []int8).
func expectedTables(s *Snapshot) ([]process.UUID, []byte) {
	volSet := map[process.UUID]bool{}
	strSet := map[string]bool{}
	add := func(m *MappedFile) {
		if m.Flags&FileHasFileID != 0 {
			volSet[m.Volume] = true
		}
		if m.Flags&FileHasPath != 0 {
			strSet[m.Path] = true
		}
		if m.Flags&(FileHasFileID|FileHasPath) == 0 {
			strSet["???"] = true
		}
	}
	if s.Cache != nil {
		add(&s.Cache.MappedFile)
	}
	for i := range s.Images {
		add(&s.Images[i])
	}
	var vols []process.UUID
	for v := range volSet {
		vols = append(vols, v)
	}
	slices.SortFunc(vols, func(a, b process.UUID) int { return bytes.Compare(a[:], b[:]) })
	var strs [][]int8
	for str := range strSet {
		c := make([]int8, len(str)+1)
		for i := 0; i < len(str); i++ {
			c[i] = int8(str[i])
		}
		strs = append(strs, c)
	}
	slices.SortFunc(strs, func(a, b []int8) int { return slices.Compare(a, b) })
	var table []byte
	for _, c := range strs {
		for _, x := range c {
			table = append(table, byte(x))
		}
	}
	return vols, table
}

func TestRoundTripRandom(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	for i := range 500 {
		s := randomSnapshot(r)
		b, err := EncodeCompactInfo(s)
		if err != nil {
			t.Fatalf("snapshot %d: %v", i, err)
		}
		if len(b)%16 != 0 {
			t.Fatalf("snapshot %d: %d bytes, not padded to 16", i, len(b))
		}
		d, err := DecodeCompactInfo(b)
		if err != nil {
			t.Fatalf("snapshot %d: decode(encode(s)): %v", i, err)
		}
		want := *s
		want.CRC = binary.LittleEndian.Uint32(b[crcOffset:])
		want.VolumeUUIDs, want.StringTable = expectedTables(s)
		if !reflect.DeepEqual(d, &want) {
			t.Fatalf("snapshot %d: decode(encode(s)) != s\n got %s\nwant %s", i, dump(d), dump(&want))
		}
		b2, err := EncodeCompactInfo(d)
		if err != nil {
			t.Fatalf("snapshot %d: re-encode: %v", i, err)
		}
		if !bytes.Equal(b, b2) {
			t.Fatalf("snapshot %d: encode(decode(b)) != b", i)
		}
	}
}

func dump(s *Snapshot) string {
	var b strings.Builder
	fmt.Fprintf(&b, "%+v", *s)
	if s.Cache != nil {
		fmt.Fprintf(&b, "\n cache %+v", *s.Cache)
	}
	return b.String()
}

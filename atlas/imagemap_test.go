package atlas

import (
	"errors"
	"reflect"
	"strings"
	"testing"

	"github.com/symbolicate/symbolicate/process"
)

// fakeCache is a SharedCache with n images at 0x1_8000_0000 + i*0x10000,
// each with 0x8000 bytes of text.
type fakeCache struct {
	uuid  process.UUID
	start uint64
	n     int
}

func (c fakeCache) UUID() process.UUID        { return c.uuid }
func (c fakeCache) SharedRegionStart() uint64 { return c.start }
func (c fakeCache) ImageCount() int           { return c.n }
func (c fakeCache) ImageAt(i int) process.Image {
	base := c.start + uint64(i)*0x10000
	path := "/usr/lib/cache" + string(rune('A'+i)) + ".dylib"
	return process.Image{Path: path, Name: process.NameOf(path), Base: base, End: base + 0x8000, ID: process.BuildID([]byte{byte(i), 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15})}
}

func exampleWithHighImage() *Snapshot {
	s := exampleDecoded()
	s.Images = append(s.Images, MappedFile{Address: 0x2_0000_0000}) // no path, no file ID
	return s
}

func TestImageMapWithCache(t *testing.T) {
	s := exampleWithHighImage()
	cache := fakeCache{uuid: exampleCacheUUID, start: 0x1_8000_0000, n: 10}
	m, err := s.Process(cache)
	if err != nil {
		t.Fatal(err)
	}
	const slide = 0x1_9C00_0000 - 0x1_8000_0000
	u1, u2 := repeatUUID(1), repeatUUID(2)
	c0, c9 := cache.ImageAt(0), cache.ImageAt(9)
	c0.Base, c0.End = c0.Base+slide, c0.End+slide
	c9.Base, c9.End = c9.Base+slide, c9.End+slide
	want := &process.Process{Platform: "iOS", WordSize: 64, Images: []process.Image{
		{Path: "/bin/ls", Name: "ls", ID: process.BuildID(u1[:]), Base: 0x1_0000_0000},
		{Name: "object 4660 on volume A0010203-0405-0607-0809-0A0B0C0D0E0F", ID: process.BuildID(u2[:]), Base: 0x1_00C8_C000},
		c0, c9,
		{Name: "<unknown>", Base: 0x2_0000_0000},
	}, SharedCache: &process.CacheRef{UUID: exampleCacheUUID, Base: 0x1_9C00_0000, Slide: slide, SlideKnown: true, Path: exampleCachePath}}
	if !reflect.DeepEqual(m, want) {
		t.Fatalf("got  %+v\nwant %+v", m, want)
	}
	if m.Images[2].Base != 0x1_9C00_0000 {
		t.Errorf("cache image 0 at %#x, want the cache base 0x19c000000", m.Images[2].Base)
	}
}

func TestImageMapWithoutCache(t *testing.T) {
	m, err := exampleWithHighImage().Process(nil)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, im := range m.Images {
		names = append(names, im.Name)
	}
	want := []string{"ls", "object 4660 on volume A0010203-0405-0607-0809-0A0B0C0D0E0F", "cache image #0", "cache image #9", "<unknown>"}
	if !reflect.DeepEqual(names, want) {
		t.Fatalf("names %q\nwant  %q", names, want)
	}
	for _, im := range m.Images[2:4] {
		if im.Base != 0 || im.Path != "" || im.ID != "" || im.End != 0 || im.Kind != process.Unplaced {
			t.Errorf("cache placeholder invents data: %+v", im)
		}
	}
	if c := m.SharedCache; c == nil || c.UUID != exampleCacheUUID || c.Base != 0x1_9C00_0000 || c.SlideKnown {
		t.Errorf("shared cache record %+v: want the recorded UUID and base, slide unknown", c)
	}
}

func TestImageMapCacheErrors(t *testing.T) {
	s := exampleDecoded()
	other := repeatUUID(0x99)
	_, err := s.Process(fakeCache{uuid: other, start: 0x1_8000_0000, n: 10})
	var me *CacheMismatchError
	if !errors.As(err, &me) || me.Snapshot != exampleCacheUUID || me.Cache != other || !errors.Is(err, ErrCacheMismatch) {
		t.Fatalf("mismatch: %v", err)
	}
	if msg := err.Error(); !strings.Contains(msg, exampleCacheUUID.String()) || !strings.Contains(msg, other.String()) {
		t.Errorf("message %q does not name both UUIDs", msg)
	}
	_, err = s.Process(fakeCache{uuid: exampleCacheUUID, start: 0x1_8000_0000, n: 9})
	if !errors.Is(err, ErrCacheImageRange) || !strings.Contains(err.Error(), "#9") {
		t.Fatalf("bit beyond the cache: %v", err)
	}
	// Without a UUID in the record, the cache is not checked.
	s.Cache.Flags &^= FileHasUUID
	if _, err := s.Process(fakeCache{uuid: other, start: 0x1_8000_0000, n: 10}); err != nil {
		t.Errorf("record without UUID: %v", err)
	}
}

func TestImageMapOrderAndDuplicates(t *testing.T) {
	s := &Snapshot{
		Platform: 99,
		Cache:    &SharedCacheRecord{MappedFile: MappedFile{Address: 0x5000}, Bitmap: Bitmap{Len: 3, Bytes: []byte{0b101}}},
		Images: []MappedFile{
			{Flags: FileHasPath, Address: 0x9000, Path: "/c"},
			{Flags: FileHasPath, Address: 0x1000, Path: "/a"},
			{Flags: FileHasPath, Address: 0x5000, Path: "/b"},
			{Flags: FileHasPath, Address: 0x1000, Path: "/a-duplicate"},
		},
	}
	m, err := s.Process(nil)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, im := range m.Images {
		names = append(names, im.Name)
	}
	// The cache block goes before the first image at or above 0x5000.
	want := []string{"a", "cache image #0", "cache image #2", "b", "c"}
	if !reflect.DeepEqual(names, want) || m.Platform != "platform 99" {
		t.Fatalf("names %q platform %q; want %q", names, m.Platform, want)
	}
}

func TestImageMapProcessPlist(t *testing.T) {
	p := sampleProcessPlist()
	p["flags"] = uint64(AtlasPointerSize4Bytes)
	// An image with only an unslid address (a cache image, per dyld's reader).
	p["imgs"] = append(p["imgs"].([]any), map[string]any{"padr": uint64(0x1_8002_0000), "name": "/usr/lib/libz.1.dylib"})
	s, err := DecodeProcessPlist(bplist(t, p))
	if err != nil {
		t.Fatal(err)
	}
	cache := fakeCache{uuid: exampleCacheUUID, start: 0x1_8000_0000, n: 16}
	m, err := s.Process(cache)
	if err != nil {
		t.Fatal(err)
	}
	if m.WordSize != 32 {
		t.Errorf("word size %d, want 32", m.WordSize)
	}
	const slide = 0x1C00_0000
	byName := map[string]process.Image{}
	for _, im := range m.Images {
		byName[im.Name] = im
	}
	app := byName["App"]
	if app.Base != 0x1_0000_0000 || app.End != 0x1_0000_8000 || app.Path == "" {
		t.Errorf("App = %+v", app)
	}
	if z := byName["libz.1.dylib"]; z.Base != 0x1_8002_0000+slide || z.Path != "" {
		t.Errorf("padr-only image = %+v", z)
	}
	// Bits 0 and 9 of the 16-bit plist bitmap.
	if len(m.Images) != 5 || m.Images[2].Path != "/usr/lib/cacheA.dylib" || m.Images[3].Path != "/usr/lib/cacheJ.dylib" {
		t.Errorf("images %+v", m.Images)
	}
	// Without the cache, the padr-only image gets no invented address.
	m, err = s.Process(nil)
	if err != nil {
		t.Fatal(err)
	}
	for _, im := range m.Images {
		if im.Name == "libz.1.dylib" && im.Base != 0 {
			t.Errorf("padr-only image slid without a cache: %+v", im)
		}
	}
}

func TestPlatformNames(t *testing.T) {
	want := map[Platform]string{
		0: "platform 0", 1: "macOS", 2: "iOS", 3: "tvOS", 4: "watchOS", 5: "bridgeOS", 6: "Mac Catalyst",
		7: "iOS Simulator", 8: "tvOS Simulator", 9: "watchOS Simulator", 10: "DriverKit", 11: "visionOS",
		12: "visionOS Simulator", 13: "platform 13", 1 << 40: "platform 1099511627776",
	}
	for p, name := range want {
		if p.String() != name {
			t.Errorf("Platform(%d) = %q, want %q", uint64(p), p.String(), name)
		}
	}
	if s := (ProcessHasSharedCache | ProcessHas16KPages | 0x10).String(); s != "shared-cache|16k-pages|0x10" {
		t.Errorf("ProcessFlags string %q", s)
	}
	if s := (FileHasUUID | FileHasPath).String(); s != "path|uuid" {
		t.Errorf("MappedFileFlags string %q", s)
	}
	if s := ProcessFlags(0).String(); s != "none" {
		t.Errorf("zero flags %q", s)
	}
	if StateProgramRunning.String() != "program running" || DyldState(0x55).String() != "state 0x55" {
		t.Error("DyldState names wrong")
	}
}

package atlas_test

import (
	"errors"
	"testing"

	"github.com/symbolicate/symbolicate/atlas"
	"github.com/symbolicate/symbolicate/dsc"
	"github.com/symbolicate/symbolicate/internal/corpus"
	"github.com/symbolicate/symbolicate/process"
)

// TestImageMapRealCache expands a snapshot against real Apple-built shared
// caches from the corpus, read by package dsc. There is no real snapshot
// for these caches, so the snapshot is made by this package's encoder: the
// cache record carries the real cache UUID at a slid address, and the bitmap
// marks every image. Expected addresses and UUIDs are the ipsw oracle values
// in corpus/macho/testbins/dyldcache/EXPECTED.md.
func TestImageMapRealCache(t *testing.T) {
	type want struct {
		base uint64
		uuid string
		path string
	}
	cases := []struct {
		file   string
		uuid   string
		images []want
	}{
		{"macho/testbins/dyldcache/dyld_shared_cache_arm64-macOS", "857BCE1A-017E-3464-9909-D58EE21CF8DC", []want{
			{0x180001000, "CCBF29D4-5569-3A15-9231-4E14D41A542A", "/usr/lib/liba-1.0.dylib"},
			{0x180005000, "60D2F3D6-44A2-3910-8750-3A56A3D8FF07", "/usr/lib/libb-1.0.dylib"},
		}},
		{"macho/testbins/dyldcache/dyld_shared_cache_arm64-macOS-1042.1", "C0A042E3-C0DB-394C-AA45-5CD7E767643F", []want{
			{0x180004000, "E0A310E1-C61E-3B28-9C5D-F43F04E71A44", "/usr/lib/libSystem.B.dylib"},
			{0x180008000, "F2C8E54B-D029-37E6-9928-EDD8B4BBEC63", "/usr/lib/libhello.dylib"},
			{0x18000c000, "439351AE-77CA-308E-BF1D-A32729A79709", "/usr/lib/system/libdyld.dylib"},
			{0x180010000, "4CE071B5-DD37-3397-ACA6-99D517BDB6E7", "/usr/lib/system/libsystem_kernel.dylib"},
		}},
	}
	const slide = 0x2_0000_4000 // a multiple of 16 KiB
	for _, tc := range cases {
		t.Run(tc.file, func(t *testing.T) {
			c, err := dsc.Open(corpus.Path(t, tc.file))
			if err != nil {
				t.Fatal(err)
			}
			defer c.Close()
			if got := c.UUID().String(); got != tc.uuid {
				t.Fatalf("cache UUID %s, EXPECTED.md says %s", got, tc.uuid)
			}
			if c.ImageCount() != len(tc.images) {
				t.Fatalf("cache has %d images, EXPECTED.md lists %d", c.ImageCount(), len(tc.images))
			}
			bm := atlas.NewBitmap(c.ImageCount())
			for i := range c.ImageCount() {
				bm.Set(i)
			}
			appUUID := process.UUID{0xAA, 1}
			s := &atlas.Snapshot{
				GenCount: 1, Platform: atlas.PlatformMacOS, DyldState: atlas.StateProgramRunning,
				Flags: atlas.ProcessHasSharedCache | atlas.ProcessHas16KPages,
				Cache: &atlas.SharedCacheRecord{
					MappedFile: atlas.MappedFile{Flags: atlas.FileHasUUID | atlas.FileHasPath,
						Address: c.SharedRegionStart() + slide, UUID: c.UUID(), Path: "/System/Library/dyld/dyld_shared_cache_arm64e"},
					Bitmap: bm,
				},
				Images: []atlas.MappedFile{{Flags: atlas.FileHasUUID | atlas.FileHasPath, Address: 0x1_0000_0000, UUID: appUUID, Path: "/Applications/Demo.app/Contents/MacOS/Demo"}},
			}
			b, err := atlas.EncodeCompactInfo(s)
			if err != nil {
				t.Fatal(err)
			}
			d, err := atlas.DecodeCompactInfo(b)
			if err != nil {
				t.Fatal(err)
			}
			m, err := d.Process(c)
			if err != nil {
				t.Fatal(err)
			}
			if len(m.Images) != 1+len(tc.images) || m.Images[0].Name != "Demo" {
				t.Fatalf("image map %+v", m.Images)
			}
			for i, w := range tc.images {
				im := m.Images[1+i]
				u, _ := im.UUID()
				if im.Base != w.base+slide || u.String() != w.uuid || im.Path != w.path {
					t.Errorf("cache image %d = %#x %v %s; want %#x %s %s", i, im.Base, u, im.Path, w.base+slide, w.uuid, w.path)
				}
				if im.End != 0 && im.End <= im.Base {
					t.Errorf("cache image %d: end of text %#x not above base %#x", i, im.End, im.Base)
				}
			}
			// The same snapshot against another real cache is refused.
			other, err := dsc.Open(corpus.Path(t, "macho/testbins/dyldcache/dyld_shared_cache_arm64-macOS-objc"))
			if err != nil {
				t.Fatal(err)
			}
			defer other.Close()
			if _, err := d.Process(other); !errors.Is(err, atlas.ErrCacheMismatch) {
				t.Errorf("a different cache: %v, want ErrCacheMismatch", err)
			}
		})
	}
}

package atlas

import (
	"math/rand/v2"
	"testing"

	"github.com/symbolicate/symbolicate/process"
)

// benchSnapshot is a realistic device snapshot: 16K pages, a cache record
// with a 2,000-bit bitmap (600 random draws: about 520 bits set), and 1,000
// images, 900 recorded by file ID on three volumes and 100 by path, all
// with UUIDs.
func benchSnapshot() *Snapshot {
	r := rand.New(rand.NewPCG(7, 7))
	s := &Snapshot{
		GenCount: 1, Timestamp: 0x2_4A6B_C0DE, Platform: PlatformIOS, InitialImageCount: 2, DyldState: StateProgramRunning,
		Flags: ProcessHasSharedCache | ProcessHas16KPages,
		Cache: &SharedCacheRecord{
			MappedFile: MappedFile{Flags: FileHasUUID | FileHasPath, Address: 0x1_9C00_0000, UUID: exampleCacheUUID, Path: exampleCachePath},
			Bitmap:     NewBitmap(2000),
		},
	}
	for range 600 {
		s.Cache.Bitmap.Set(r.IntN(2000))
	}
	vols := []process.UUID{repeatUUID(0xA1), repeatUUID(0xB2), repeatUUID(0xC3)}
	s.Images = make([]MappedFile, 1000)
	addr := uint64(0x1_0000_0000)
	for i := range s.Images {
		im := &s.Images[i]
		addr += (1 + r.Uint64N(64)) * pageSize16K
		im.Address = addr
		im.Flags = FileHasUUID
		im.UUID = process.UUID{byte(i), byte(i >> 8), 0x55, byte(r.Uint32())}
		if i%10 == 0 {
			im.Flags |= FileHasPath
			im.Path = "/private/var/containers/Bundle/Application/0F1E2D3C/App.app/Frameworks/F" + string(rune('A'+i%26)) + ".framework/F" + string(rune('0'+i/100))
		} else {
			im.Flags |= FileHasFileID
			im.Volume = vols[i%3]
			im.ObjectID = 0x10_0000 + r.Uint64N(1<<24)
		}
	}
	return s
}

func BenchmarkDecodeCompactInfo1000(b *testing.B) {
	buf, err := EncodeCompactInfo(benchSnapshot())
	if err != nil {
		b.Fatal(err)
	}
	b.SetBytes(int64(len(buf)))
	b.ReportAllocs()
	for b.Loop() {
		s, err := DecodeCompactInfo(buf)
		if err != nil || len(s.Images) != 1000 {
			b.Fatal(err)
		}
	}
}

func BenchmarkEncodeCompactInfo1000(b *testing.B) {
	s := benchSnapshot()
	b.ReportAllocs()
	for b.Loop() {
		if _, err := EncodeCompactInfo(s); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkImageMap1000(b *testing.B) {
	buf, err := EncodeCompactInfo(benchSnapshot())
	if err != nil {
		b.Fatal(err)
	}
	s, err := DecodeCompactInfo(buf)
	if err != nil {
		b.Fatal(err)
	}
	cache := fakeCache{uuid: exampleCacheUUID, start: 0x1_8000_0000, n: 2000}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := s.Process(cache); err != nil {
			b.Fatal(err)
		}
	}
}

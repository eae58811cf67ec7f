package atlas

import (
	"bytes"
	"encoding/binary"
	"reflect"
	"testing"

	"github.com/symbolicate/symbolicate/process"
)

func repeatUUID(b byte) process.UUID {
	var u process.UUID
	for i := range u {
		u[i] = b
	}
	return u
}

const (
	exampleCachePath = "/System/Library/dyld/dyld_shared_cache_arm64e"
	exampleCRC       = 0x8043535A
)

var (
	exampleCacheUUID = process.UUID{0x11, 0x22, 0x33, 0x44, 0x55, 0x66, 0x77, 0x88, 0x99, 0xAA, 0xBB, 0xCC, 0xDD, 0xEE, 0xFF, 0x00}
	exampleVolume    = process.UUID{0xa0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15}
)

// exampleInput is the input of the spec's worked example (§1.12), with only
// the fields an encoder takes.
func exampleInput() *Snapshot {
	return &Snapshot{
		Source:            SourceCompactInfo,
		GenCount:          1,
		Timestamp:         0x1234567890,
		Flags:             ProcessHasSharedCache | ProcessHas16KPages,
		Platform:          PlatformIOS,
		InitialImageCount: 2,
		DyldState:         StateProgramRunning,
		Cache: &SharedCacheRecord{
			MappedFile: MappedFile{
				Flags:   FileHasUUID | FileHasPath,
				Address: 0x1_9C00_0000,
				UUID:    exampleCacheUUID,
				Path:    exampleCachePath,
			},
			Bitmap: Bitmap{Len: 10, Bytes: []byte{0x01, 0x02}},
		},
		Images: []MappedFile{
			{Flags: FileHasUUID | FileHasPath, Address: 0x1_0000_0000, UUID: repeatUUID(1), Path: "/bin/ls"},
			{Flags: FileHasUUID | FileHasFileID, Address: 0x1_00C8_C000, UUID: repeatUUID(2), Volume: exampleVolume, ObjectID: 0x1234},
		},
	}
}

// exampleBytes assembles the 192 bytes of §1.12 by hand from the spec's dump
// and annotations, independently of the encoder.
func exampleBytes(t testing.TB) []byte {
	var b []byte
	b = append(b, unhex(t, "66511aa7 00000000 0000000000000000 00000000 01000000 9078563412000000 5a534380")...)
	b = append(b, unhex(t, "0b 05 05 a1 03")...)
	b = append(b, exampleVolume[:]...)
	b = append(b, 0x6d)
	b = append(b, exampleCachePath+"\x00/bin/ls\x00"...)
	if len(b) != 0x70 {
		t.Fatalf("hand-assembled example: string table ends at %#x, spec says 0x70", len(b))
	}
	b = append(b, unhex(t, "0d 048033")...)
	b = append(b, exampleCacheUUID[:]...)
	b = append(b, unhex(t, "01 15 0102 05")...)
	if len(b) != 0x89 {
		t.Fatalf("hand-assembled example: images start at %#x, spec says 0x89", len(b))
	}
	b = append(b, unhex(t, "0d 040020")...)
	u1, u2 := repeatUUID(1), repeatUUID(2)
	b = append(b, u1[:]...)
	b = append(b, 0x5d)
	if len(b) != 0x9e {
		t.Fatalf("hand-assembled example: image B starts at %#x, spec says 0x9e", len(b))
	}
	b = append(b, unhex(t, "0b 8e0c")...)
	b = append(b, u2[:]...)
	b = append(b, unhex(t, "01 d248")...)
	if len(b) != 0xb4 {
		t.Fatalf("hand-assembled example: padding starts at %#x, spec says 0xb4", len(b))
	}
	b = append(b, make([]byte, 12)...)
	return b
}

// exampleDecoded is exampleInput with everything decoding adds: the stored
// tables and checksum.
func exampleDecoded() *Snapshot {
	s := exampleInput()
	s.CRC = exampleCRC
	s.VolumeUUIDs = []process.UUID{exampleVolume}
	s.StringTable = []byte(exampleCachePath + "\x00/bin/ls\x00")
	return s
}

func TestWorkedExampleEncode(t *testing.T) {
	want := exampleBytes(t)
	if len(want) != 192 {
		t.Fatalf("example is %d bytes, want 192", len(want))
	}
	got, err := EncodeCompactInfo(exampleInput())
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, want) {
		t.Fatalf("encoder output differs from §1.12\n got % x\nwant % x", got, want)
	}
	if crc := binary.LittleEndian.Uint32(got[32:]); crc != exampleCRC {
		t.Errorf("CRC %#08x, want %#08x", crc, exampleCRC)
	}
}

func TestWorkedExampleDecode(t *testing.T) {
	s, err := DecodeCompactInfo(exampleBytes(t))
	if err != nil {
		t.Fatal(err)
	}
	if want := exampleDecoded(); !reflect.DeepEqual(s, want) {
		t.Fatalf("decoded example differs\n got %+v\nwant %+v", s, want)
	}
}

// TestWorkedExampleLegacyChecksums checks the legacy dyld-1042…1340 values
// the spec quotes for the example, and that a buffer carrying the legacy
// writer value decodes with a warning.
func TestWorkedExampleLegacyChecksums(t *testing.T) {
	b := exampleBytes(t)
	if got := legacyWriterCRC(b); got != 0x97990ECC {
		t.Errorf("legacy writer value %#08x, want 0x97990ECC", got)
	}
	z := append([]byte(nil), b...)
	clear(z[32:36])
	if got := legacyReaderCRC(z); got != 0x3CACC550 {
		t.Errorf("legacy reader value %#08x, want 0x3CACC550", got)
	}

	binary.LittleEndian.PutUint32(b[32:], 0x97990ECC)
	s, err := DecodeCompactInfo(b)
	if err != nil {
		t.Fatalf("legacy-checksummed example rejected: %v", err)
	}
	if len(s.Warnings) != 1 || !bytes.Contains([]byte(s.Warnings[0]), []byte("legacy")) {
		t.Errorf("warnings = %q, want one about the legacy checksum", s.Warnings)
	}
	want := exampleDecoded()
	want.CRC = 0x97990ECC
	want.Warnings = s.Warnings
	if !reflect.DeepEqual(s, want) {
		t.Errorf("legacy decode differs from the example")
	}

	// The legacy reader's value is not something any writer stores.
	binary.LittleEndian.PutUint32(b[32:], 0x3CACC550)
	if _, err := DecodeCompactInfo(b); err == nil {
		t.Error("legacy reader value accepted; no writer produces it")
	}
}

// legacyReaderCRC is the value dyld-1042…1340's deserializer computed to
// check a buffer on such CPUs: the span routine over bytes 0–31, four zero
// bytes fed as one ordinary 4-byte step, then the span routine over the rest.
// No writer stores this value; it is kept to check the spec's worked example.
func legacyReaderCRC(b []byte) uint32 {
	c := legacySpan(0xFFFFFFFF, b[:crcOffset])
	c = rawCRC32C(c, 0, 0, 0, 0)
	return ^legacySpan(c, b[crcOffset+4:])
}

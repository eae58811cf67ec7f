package atlas

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/symbolicate/symbolicate/process"
)

// unknownPath is the string dyld puts in the string table for every record
// that has neither a file ID nor a path (no record refers to it).
const unknownPath = "???"

// EncodeCompactInfo serializes s as dyld-1378 does (spec §1, checklist §1.11):
// header fields as given (magic and version 0 filled in), the flags, platform,
// initial image count and state from s, the volume-UUID and string tables
// rebuilt from the records in dyld's order, the cache record and bitmap,
// the images as address deltas, zero padding to 16 bytes and the CRC-32C.
// s.VolumeUUIDs, s.StringTable and s.CRC are ignored.
//
// Each record is written with its Flags as given. The encoder refuses what
// would not decode to s: a cache record without the shared-cache flag or the
// reverse, an empty or mis-sized bitmap, an address that is not a multiple
// of the page size, images out of address order, and paths containing NUL.
func EncodeCompactInfo(s *Snapshot) ([]byte, error) {
	if err := checkEncodable(s); err != nil {
		return nil, err
	}
	page := s.Flags.PageSize()
	t := buildTables(s)
	out := make([]byte, 0, compactHeaderSize+64+len(t.strings)+len(t.vols)*16+len(s.Images)*24)
	out = binary.LittleEndian.AppendUint32(out, compactMagic)
	out = binary.LittleEndian.AppendUint32(out, 0)
	out = binary.LittleEndian.AppendUint64(out, s.SystemInfoAddress)
	out = binary.LittleEndian.AppendUint32(out, s.SystemInfoSize)
	out = binary.LittleEndian.AppendUint32(out, s.GenCount)
	out = binary.LittleEndian.AppendUint64(out, s.Timestamp)
	out = binary.LittleEndian.AppendUint32(out, 0) // CRC, filled in last
	out = AppendPVLE(out, uint64(s.Flags))
	out = AppendPVLE(out, uint64(s.Platform))
	out = AppendPVLE(out, s.InitialImageCount)
	out = AppendPVLE(out, uint64(s.DyldState))
	out = AppendPVLE(out, uint64(len(t.vols)))
	for _, v := range t.vols {
		out = append(out, v[:]...)
	}
	out = AppendPVLE(out, uint64(len(t.strings)))
	out = append(out, t.strings...)
	if c := s.Cache; c != nil {
		out = t.appendRecord(out, &c.MappedFile, c.Address/page)
		out = AppendPVLE(out, uint64(c.Bitmap.Len))
		out = append(out, c.Bitmap.Bytes...)
	}
	out = AppendPVLE(out, uint64(len(s.Images)))
	var last uint64
	for i := range s.Images {
		im := &s.Images[i]
		out = t.appendRecord(out, im, (im.Address-last)/page)
		last = im.Address
	}
	for len(out)%16 != 0 {
		out = append(out, 0)
	}
	binary.LittleEndian.PutUint32(out[crcOffset:], CRC32C(out))
	return out, nil
}

// compactTables are the volume-UUID table and the string table of a snapshot
// (spec §1.6): cache first, then images; sorted and deduplicated.
type compactTables struct {
	vols    []process.UUID
	strings []byte
	offsets map[string]uint64 // string → offset in strings
}

func buildTables(s *Snapshot) *compactTables {
	var vols []process.UUID
	var strs []string
	collect := func(m *MappedFile) {
		if m.Flags&FileHasFileID != 0 {
			vols = append(vols, m.Volume)
		}
		if m.Flags&FileHasPath != 0 {
			strs = append(strs, m.Path)
		}
		if m.Flags&(FileHasFileID|FileHasPath) == 0 {
			strs = append(strs, unknownPath)
		}
	}
	if s.Cache != nil {
		collect(&s.Cache.MappedFile)
	}
	for i := range s.Images {
		collect(&s.Images[i])
	}
	slices.SortFunc(vols, compareUUID)
	slices.SortFunc(strs, CompareCString)
	t := &compactTables{vols: slices.Compact(vols), offsets: make(map[string]uint64, len(strs))}
	for _, str := range slices.Compact(strs) {
		t.offsets[str] = uint64(len(t.strings))
		t.strings = append(t.strings, str...)
		t.strings = append(t.strings, 0)
	}
	return t
}

func compareUUID(a, b process.UUID) int { return bytes.Compare(a[:], b[:]) }

// appendRecord appends one MappedFileInfo record with address field addr
// (in pages).
func (t *compactTables) appendRecord(out []byte, m *MappedFile, addr uint64) []byte {
	out = AppendPVLE(out, uint64(m.Flags))
	out = AppendPVLE(out, addr)
	if m.Flags&FileHasUUID != 0 {
		out = append(out, m.UUID[:]...)
	}
	if m.Flags&FileHasFileID != 0 {
		i, _ := slices.BinarySearchFunc(t.vols, m.Volume, compareUUID)
		out = AppendPVLE(out, uint64(i))
		out = AppendPVLE(out, m.ObjectID)
	}
	if m.Flags&FileHasPath != 0 {
		out = AppendPVLE(out, t.offsets[m.Path])
	}
	return out
}

// ErrNotEncodable is wrapped by every error of [EncodeCompactInfo].
var ErrNotEncodable = errors.New("snapshot cannot be encoded as compact info")

func checkEncodable(s *Snapshot) error {
	bad := func(format string, args ...any) error {
		return fmt.Errorf("%w: %s", ErrNotEncodable, fmt.Sprintf(format, args...))
	}
	if s.Version != 0 {
		return bad("version %d (only 0 exists)", s.Version)
	}
	page := s.Flags.PageSize()
	if (s.Flags&ProcessHasSharedCache != 0) != (s.Cache != nil) {
		return bad("the shared-cache flag (%v) disagrees with the cache record (present: %v)",
			s.Flags&ProcessHasSharedCache != 0, s.Cache != nil)
	}
	nulInPath := func(m *MappedFile) bool {
		return m.Flags&FileHasPath != 0 && strings.IndexByte(m.Path, 0) >= 0
	}
	if c := s.Cache; c != nil {
		if c.Address%page != 0 {
			return bad("cache address %#x is not a multiple of the page size %d", c.Address, page)
		}
		if c.Bitmap.Len <= 0 || len(c.Bitmap.Bytes) != (c.Bitmap.Len+7)/8 {
			return bad("cache bitmap of %d bits has %d bytes (need at least 1 bit and ⌈bits/8⌉ bytes)",
				c.Bitmap.Len, len(c.Bitmap.Bytes))
		}
		if nulInPath(&c.MappedFile) {
			return bad("cache: path %q contains NUL", c.Path)
		}
	}
	var last uint64
	for i := range s.Images {
		im := &s.Images[i]
		if im.Address%page != 0 {
			return bad("image %d: address %#x is not a multiple of the page size %d", i, im.Address, page)
		}
		if im.Address < last {
			return bad("image %d: address %#x is below the previous image's %#x", i, im.Address, last)
		}
		last = im.Address
		if nulInPath(im) {
			return bad("image %d: path %q contains NUL", i, im.Path)
		}
	}
	return nil
}

// CompareCString orders strings as dyld's string table does
// (lsl::ConstCharStarCompare, spec §1.6): byte by byte as signed chars,
// including the terminating NUL, so bytes ≥ 0x80 sort before ASCII and a
// string sorts after its extensions that continue with such a byte. It
// returns -1, 0 or +1.
func CompareCString(a, b string) int {
	for i := 0; ; i++ {
		var ca, cb int8
		if i < len(a) {
			ca = int8(a[i])
		}
		if i < len(b) {
			cb = int8(b[i])
		}
		switch {
		case ca < cb:
			return -1
		case ca > cb:
			return 1
		case ca == 0:
			return 0
		}
	}
}

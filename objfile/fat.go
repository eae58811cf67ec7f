package objfile

import (
	"encoding/binary"

	"github.com/symbolicate/symbolicate/diag"
	"github.com/symbolicate/symbolicate/internal/bin"
)

// Fat (universal) header magics, read big-endian (<mach-o/fat.h>).
const (
	fatMagic   uint32 = 0xcafebabe
	fatMagic64 uint32 = 0xcafebabf

	// maxFatArch bounds nfat_arch. Java class files share FAT_MAGIC and put
	// their version (45 and up) where nfat_arch would be; file(1) draws the
	// same line at 30.
	maxFatArch = 30
)

// sliceRange is one entry of a fat header's arch table.
type sliceRange struct {
	cpu, subcpu uint32
	off, size   uint64
	index       int
}

// fatHeaderLen returns the number of bytes the fat header and arch table
// occupy given its first 8 bytes, or ok=false when b does not start a fat
// header this package accepts.
func fatHeaderLen(b []byte) (n int, ok bool) {
	if len(b) < 8 {
		return 0, false
	}
	magic := binary.BigEndian.Uint32(b)
	count := binary.BigEndian.Uint32(b[4:])
	if (magic != fatMagic && magic != fatMagic64) || count == 0 || count > maxFatArch {
		return 0, false
	}
	entry := 20
	if magic == fatMagic64 {
		entry = 32
	}
	return 8 + int(count)*entry, true
}

// parseFat decodes the arch table in b (at least fatHeaderLen bytes) of a
// file of fileSize bytes. Every slice must lie inside the file, after the
// table.
func parseFat(b []byte, fileSize uint64) ([]sliceRange, error) {
	n, ok := fatHeaderLen(b)
	if !ok {
		return nil, diag.Errorf("fat", 0, "magic", "not a fat header")
	}
	r := bin.NewReader("fat", b, binary.BigEndian, 0)
	is64 := r.U32("magic") == fatMagic64
	count := int(r.U32("nfat_arch"))
	out := make([]sliceRange, 0, count)
	for i := 0; i < count; i++ {
		at := r.Offset()
		s := sliceRange{cpu: r.U32("cputype"), subcpu: r.U32("cpusubtype"), index: i}
		if is64 {
			s.off, s.size = r.U64("offset"), r.U64("size")
			r.Skip(8, "align/reserved")
		} else {
			s.off, s.size = uint64(r.U32("offset")), uint64(r.U32("size"))
			r.Skip(4, "align")
		}
		if err := r.Err(); err != nil {
			return nil, err
		}
		if _, ok := bin.Span(s.off, s.size, fileSize); !ok || s.off < uint64(n) || s.size < 28 {
			return nil, diag.Errorf("fat", at, "fat_arch",
				"slice %d (%s) at %#x size %#x does not fit in the %d-byte file after the %d-byte header",
				i, ArchName(s.cpu, s.subcpu), s.off, s.size, fileSize, n)
		}
		out = append(out, s)
	}
	return out, nil
}

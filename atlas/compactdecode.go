package atlas

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"math/bits"
	"strings"

	"github.com/symbolicate/symbolicate/diag"
	"github.com/symbolicate/symbolicate/internal/bin"
	"github.com/symbolicate/symbolicate/process"
)

// Compact-info constants (spec §1.2, §1.3).
const (
	compactMagic      = 0xA71A5166
	compactHeaderSize = 36
	crcOffset         = 32
	pageSize4K        = 4096
	pageSize16K       = 16384

	fmtCompact = "compact info"
)

// IsCompactInfo reports whether b starts with the compact-info magic
// (66 51 1A A7). It does not validate anything else.
func IsCompactInfo(b []byte) bool {
	return len(b) >= 4 && binary.LittleEndian.Uint32(b) == compactMagic
}

// DecodeCompactInfo decodes a dyld compact-info buffer (spec §1). It accepts
// exactly what dyld-1378's deserializer accepts, except that it also checks
// the bitmap length and the path strings against the data, and rejects
// addresses that overflow 64 bits. A buffer whose checksum is the legacy
// dyld-1042…1340 value instead of CRC-32C is accepted with a warning in
// [Snapshot.Warnings]. Every error is a *diag.FormatError with Format
// "compact info". The snapshot does not alias b.
func DecodeCompactInfo(b []byte) (*Snapshot, error) {
	if len(b) < compactHeaderSize {
		return nil, diag.Errorf(fmtCompact, 0, "header", "needs %d bytes, have %d", compactHeaderSize, len(b))
	}
	s := &Snapshot{Source: SourceCompactInfo}
	r := bin.NewReader(fmtCompact, b, binary.LittleEndian, 0)
	if m := r.U32("magic"); m != compactMagic {
		return nil, diag.Errorf(fmtCompact, 0, "magic", "%#08x is not %#08x", m, uint32(compactMagic))
	}
	if s.Version = r.U32("version"); s.Version != 0 {
		return nil, diag.Errorf(fmtCompact, 4, "version", "unsupported version %d", s.Version)
	}
	s.SystemInfoAddress = r.U64("systemInfoAddress")
	s.SystemInfoSize = r.U32("systemInfoSize")
	s.GenCount = r.U32("genCount")
	s.Timestamp = r.U64("timestamp")
	s.CRC = r.U32("crc32c")
	if err := checkCompactCRC(s, b); err != nil {
		return nil, err
	}

	d := compactDecoder{r: r, s: s, buf: b}
	if err := d.body(); err != nil {
		return nil, err
	}
	if rest := b[r.Pos():]; len(rest) >= 16 || !allZero(rest) {
		s.Warnings = append(s.Warnings, fmt.Sprintf(
			"compact info: %d bytes after the last image at offset %#x are not zero padding", len(rest), r.Pos()))
	}
	return s, nil
}

// checkCompactCRC compares the stored checksum with CRC-32C and, failing
// that, with the legacy writer value (spec §1.9, open question Q1).
func checkCompactCRC(s *Snapshot, b []byte) error {
	std := compactCRC(b)
	if s.CRC == std {
		return nil
	}
	legacy := legacyWriterCRC(b)
	if s.CRC == legacy {
		s.Warnings = append(s.Warnings, fmt.Sprintf(
			"compact info: checksum %#08x is the legacy dyld-1042…1340 value, not CRC-32C %#08x; accepted", s.CRC, std))
		return nil
	}
	return diag.Errorf(fmtCompact, crcOffset, "crc32c",
		"stored %#08x matches neither CRC-32C %#08x nor the legacy dyld-1042…1340 value %#08x",
		s.CRC, std, legacy)
}

func allZero(b []byte) bool {
	for _, c := range b {
		if c != 0 {
			return false
		}
	}
	return true
}

// compactDecoder holds the state of one body decode.
type compactDecoder struct {
	r     *bin.Reader
	buf   []byte // the bytes r reads, for the PVLE fast path
	s     *Snapshot
	page  uint64
	table string // string table as one string; paths are substrings of it
}

// pvle reads one PVLE integer, recording an error at its first byte.
func (d *compactDecoder) pvle(field string) uint64 {
	r := d.r
	if r.Failed() {
		return 0
	}
	start := r.Pos()
	v, n := ReadPVLE(d.buf[start:])
	if n == 0 {
		need := 1
		if r.Len() > 0 {
			need += bits.TrailingZeros8(d.buf[start]) // 8 for a zero byte
		}
		r.FailAt(start, field, "PVLE integer needs %d bytes, %d remain", need, r.Len())
		return 0
	}
	r.Skip(uint64(n), field)
	return v
}

func (d *compactDecoder) body() error {
	s := d.s
	s.Flags = ProcessFlags(d.pvle("processFlags"))
	s.Platform = Platform(d.pvle("platform"))
	s.InitialImageCount = d.pvle("initialImageCount")
	s.DyldState = DyldState(d.pvle("dyldState"))
	d.page = s.Flags.PageSize()
	for _, part := range []func() error{d.volumes, d.strings, d.cache, d.images} {
		if err := part(); err != nil {
			return err
		}
	}
	return nil
}

// volumes reads the volume-UUID table.
func (d *compactDecoder) volumes() error {
	r, s := d.r, d.s
	at := r.Pos()
	nvol := d.pvle("volumeUUIDCount")
	if r.Failed() {
		return r.Err()
	}
	if bin.SliceCap(nvol, 16, uint64(r.Len())) < 0 {
		r.FailAt(at, "volumeUUIDCount", "%d volume UUIDs need %d bytes per UUID, %d bytes remain", nvol, 16, r.Len())
		return r.Err()
	}
	if nvol > 0 {
		s.VolumeUUIDs = make([]process.UUID, nvol)
		for i := range s.VolumeUUIDs {
			copy(s.VolumeUUIDs[i][:], r.Bytes(16, "volumeUUIDs"))
		}
	}
	return r.Err()
}

// strings reads the string table.
func (d *compactDecoder) strings() error {
	r, s := d.r, d.s
	at := r.Pos()
	size := d.pvle("stringTableSize")
	if r.Failed() {
		return r.Err()
	}
	if size > uint64(r.Len()) {
		r.FailAt(at, "stringTableSize", "%d bytes, %d remain", size, r.Len())
		return r.Err()
	}
	if size > 0 {
		raw := r.Bytes(size, "stringTable")
		s.StringTable = bytes.Clone(raw)
		d.table = string(raw)
	}
	return r.Err()
}

// cache reads the shared-cache record and its bitmap, when the flags say
// there is one.
func (d *compactDecoder) cache() error {
	r, s := d.r, d.s
	if s.Flags&ProcessHasSharedCache == 0 {
		return nil
	}
	c := &SharedCacheRecord{}
	at := r.Pos()
	scaled := d.mappedFile(&c.MappedFile, cacheFields())
	if r.Failed() {
		return r.Err()
	}
	addr, ok := bin.Mul(scaled, d.page)
	if !ok {
		r.FailAt(at, "sharedCache.address", "%#x pages of %d bytes overflow 64 bits", scaled, d.page)
		return r.Err()
	}
	c.Address = addr
	at = r.Pos()
	nbits := d.pvle("bitmap.count")
	if r.Failed() {
		return r.Err()
	}
	if nbits == 0 {
		r.FailAt(at, "bitmap.count", "bitmap has 0 bits")
		return r.Err()
	}
	nbytes := nbits/8 + min(nbits%8, 1)
	if nbytes > uint64(r.Len()) {
		r.FailAt(at, "bitmap.count", "%d bits need %d bytes, %d remain", nbits, nbytes, r.Len())
		return r.Err()
	}
	c.Bitmap = Bitmap{Len: int(nbits), Bytes: bytes.Clone(r.Bytes(nbytes, "bitmap"))}
	s.Cache = c
	return r.Err()
}

// images reads the image records, whose addresses are page deltas.
func (d *compactDecoder) images() error {
	r, s := d.r, d.s
	at := r.Pos()
	count := d.pvle("imageCount")
	if r.Failed() {
		return r.Err()
	}
	// Every record takes at least two bytes (flags and address).
	if bin.SliceCap(count, 2, uint64(r.Len())) < 0 {
		r.FailAt(at, "imageCount", "%d images need at least %d bytes each, %d bytes remain", count, 2, r.Len())
		return r.Err()
	}
	if count > 0 {
		s.Images = make([]MappedFile, count)
	}
	var last uint64
	fields := imageFields()
	for i := range s.Images {
		im := &s.Images[i]
		at = r.Pos()
		delta := d.mappedFile(im, fields)
		off, ok := bin.Mul(delta, d.page)
		var carry uint64
		im.Address, carry = bits.Add64(last, off, 0)
		if !ok || carry != 0 {
			r.FailAt(at, fields.address, "delta of %#x pages from %#x overflows 64 bits", delta, last)
		}
		if r.Failed() {
			return imageError(r.Err(), i)
		}
		last = im.Address
	}
	return nil
}

// imageError names image i in the field of a record error: "image.path"
// becomes "images[i].path".
func imageError(err error, i int) error {
	if fe, ok := err.(*diag.FormatError); ok {
		fe.Field = fmt.Sprintf("images[%d]%s", i, strings.TrimPrefix(fe.Field, "image"))
	}
	return err
}

// recordFields are the field names used in errors for one kind of record,
// spelled out so that decoding does not build strings.
type recordFields struct {
	flags, address, uuid, volumeIndex, objectID, path string
}

func cacheFields() *recordFields {
	return &recordFields{"sharedCache.flags", "sharedCache.address", "sharedCache.uuid",
		"sharedCache.volumeIndex", "sharedCache.objectID", "sharedCache.path"}
}

func imageFields() *recordFields {
	return &recordFields{"image.flags", "image.address", "image.uuid",
		"image.volumeIndex", "image.objectID", "image.path"}
}

// mappedFile reads one MappedFileInfo record into m and returns its raw
// (page-scaled) address field. Errors are recorded in d.r.
func (d *compactDecoder) mappedFile(m *MappedFile, f *recordFields) uint64 {
	r, s := d.r, d.s
	m.Flags = MappedFileFlags(d.pvle(f.flags))
	addr := d.pvle(f.address)
	if m.Flags&FileHasUUID != 0 {
		copy(m.UUID[:], r.Bytes(16, f.uuid))
	}
	if m.Flags&FileHasFileID != 0 {
		at := r.Pos()
		vi := d.pvle(f.volumeIndex)
		m.ObjectID = d.pvle(f.objectID)
		if r.Failed() {
			return 0
		}
		if vi >= uint64(len(s.VolumeUUIDs)) {
			r.FailAt(at, f.volumeIndex, "index %d is outside the %d-entry volume-UUID table", vi, len(s.VolumeUUIDs))
			return 0
		}
		m.Volume = s.VolumeUUIDs[vi]
	}
	if m.Flags&FileHasPath != 0 {
		at := r.Pos()
		off := d.pvle(f.path)
		if r.Failed() {
			return 0
		}
		if off >= uint64(len(d.table)) {
			r.FailAt(at, f.path, "offset %d is outside the %d-byte string table", off, len(d.table))
			return 0
		}
		end := strings.IndexByte(d.table[off:], 0)
		if end < 0 {
			r.FailAt(at, f.path, "string at offset %d has no NUL inside the string table", off)
			return 0
		}
		m.Path = d.table[off : off+uint64(end)]
	}
	return addr
}

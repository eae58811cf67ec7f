package atlas

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"path"
	"strings"

	"github.com/symbolicate/symbolicate/diag"
	"github.com/symbolicate/symbolicate/internal/bin"
)

const fmtAAR = "apple archive"

// Apple Archive entry types (the TYP1 field).
const (
	AAREntryFile     byte = 'F'
	AAREntryLink     byte = 'L'
	AAREntryDir      byte = 'D'
	AAREntryMetadata byte = 'M'
)

// dyldCRCXattr is the extended attribute dyld's tests use to checksum a
// record (spec §4.3).
const dyldCRCXattr = "com.apple.dyld.crc32c"

// maxLinkHops bounds symbolic-link resolution in [AAR.File].
const maxLinkHops = 8

// ErrNoEntry is returned (wrapped) by [AAR.File] when the
// archive has no entry of the requested name.
var ErrNoEntry = errors.New("no such entry in the archive")

// ErrBadLink is returned (wrapped) by [AAR.File] for a symbolic link that
// is absolute, leaves the archive, or starts a chain longer than 8 links,
// and for an entry that is neither a regular file nor a link.
var ErrBadLink = errors.New("unusable archive entry")

// AAR is a parsed Apple Archive (AA01, or the older YAA1): its records in order.
type AAR struct {
	Entries []AAREntry
}

// AAREntry is one archive record. Only the fields needed to find and read
// members are decoded; the others are skipped by their declared sizes.
type AAREntry struct {
	Offset int64   // offset of the record's magic in the archive
	Size   int64   // bytes of the whole record: header and blob payloads
	Type   byte    // TYP1: AAREntryFile, AAREntryLink, …; 0 when the record has none
	Path   string  // PATP
	Link   string  // LNKP: target of a symbolic link
	Data   []byte  // DAT payload; aliases the archive bytes
	XAttrs []XAttr // entries of the XAT blob, in order
}

// XAttr is one extended attribute of an archive entry.
type XAttr struct {
	Name  string
	Value []byte // aliases the archive bytes
}

// IsAAR reports whether b starts with an Apple Archive record magic
// ("AA01" or "YAA1").
func IsAAR(b []byte) bool {
	return len(b) >= 4 && (string(b[:4]) == "AA01" || string(b[:4]) == "YAA1")
}

// ParseAAR parses every record of an Apple Archive (spec §4.3). Fields are
// checked against the header size, blob payloads against the bytes that
// remain, and a record carrying the com.apple.dyld.crc32c extended attribute
// must match its checksum. Zero bytes after the last record are allowed as
// padding. Errors are *diag.FormatError with Format "apple archive".
func ParseAAR(b []byte) (*AAR, error) {
	a := &AAR{}
	off := 0
	for off < len(b) {
		if allZero(b[off:]) {
			break
		}
		e, err := parseAARRecord(b, off)
		if err != nil {
			return nil, err
		}
		a.Entries = append(a.Entries, e)
		off += int(e.Size)
	}
	return a, nil
}

// aarValueSize returns the number of header bytes the value of a field of
// the given subtype takes, not counting a string's 2-byte length.
func aarValueSize(subtype byte) (size int, ok bool) {
	switch subtype {
	case '*':
		return 0, true
	case '1', '2', '4', '8':
		return int(subtype - '0'), true
	case 'P':
		return 2, true // length; the string follows
	case 'F':
		return 4, true
	case 'G':
		return 20, true
	case 'H':
		return 32, true
	case 'I':
		return 48, true
	case 'J':
		return 64, true
	case 'S':
		return 8, true
	case 'T':
		return 12, true
	case 'A':
		return 2, true
	case 'B':
		return 4, true
	case 'C':
		return 8, true
	}
	return 0, false
}

func leUint(b []byte) uint64 {
	var v uint64
	for i := len(b) - 1; i >= 0; i-- {
		v = v<<8 | uint64(b[i])
	}
	return v
}

type aarBlob struct {
	key  string
	size uint64
}

func parseAARRecord(b []byte, off int) (AAREntry, error) {
	rp := &aarRecord{e: AAREntry{Offset: int64(off)}, off: off}
	rest := b[off:]
	if len(rest) < 6 {
		return rp.fail(off, "header", "needs 6 bytes, %d remain", len(rest))
	}
	if !IsAAR(rest) {
		return rp.fail(off, "magic", "%q is neither AA01 nor YAA1", rest[:4])
	}
	hsize := int(binary.LittleEndian.Uint16(rest[4:]))
	if hsize < 6 || hsize > len(rest) {
		return rp.fail(off+4, "header size", "%d bytes (minimum 6, %d remain)", hsize, len(rest))
	}
	blobs, err := rp.fields(rest[:hsize])
	if err != nil {
		return AAREntry{}, err
	}
	return rp.payloads(rest, hsize, blobs)
}

// aarRecord is the state of decoding one archive record.
type aarRecord struct {
	e   AAREntry
	off int // the record's offset in the archive
}

// fail returns a format error at archive offset at, naming the record's path
// once it is known.
func (rp *aarRecord) fail(at int, field, msg string, args ...any) (AAREntry, error) {
	m := fmt.Sprintf(msg, args...)
	if rp.e.Path != "" {
		m = fmt.Sprintf("record %q: %s", rp.e.Path, m)
	}
	return AAREntry{}, diag.Errorf(fmtAAR, int64(at), field, "%s", m)
}

// fields decodes the header's fields into the entry and returns the blobs
// whose payloads follow the header.
func (rp *aarRecord) fields(hdr []byte) ([]aarBlob, error) {
	off, hsize := rp.off, len(hdr)
	var blobs []aarBlob
	seen := map[string]bool{}
	for p := 6; p < hsize; {
		if hsize-p < 4 {
			_, err := rp.fail(off+p, "field", "key needs 4 bytes, %d remain in the header", hsize-p)
			return nil, err
		}
		key, subtype, field := string(hdr[p:p+3]), hdr[p+3], string(hdr[p:p+4])
		n, ok := aarValueSize(subtype)
		if !ok {
			_, err := rp.fail(off+p, field, "unknown field subtype %q", subtype)
			return nil, err
		}
		v := p + 4
		if hsize-v < n {
			_, err := rp.fail(off+p, field, "value needs %d bytes, %d remain in the header", n, hsize-v)
			return nil, err
		}
		val := hdr[v : v+n]
		if subtype == 'P' {
			sl := int(binary.LittleEndian.Uint16(val))
			if hsize-v-2 < sl {
				_, err := rp.fail(off+p, field, "string of %d bytes runs past the header end", sl)
				return nil, err
			}
			val = hdr[v+2 : v+2+sl]
			n += sl
		}
		switch key {
		case "TYP", "PAT", "LNK", "DAT", "XAT":
			if seen[key] {
				_, err := rp.fail(off+p, field, "duplicate %s field", key)
				return nil, err
			}
			seen[key] = true
		}
		if err := rp.field(key, subtype, val, off+p, field, &blobs); err != nil {
			return nil, err
		}
		p = v + n
	}
	return blobs, nil
}

// field stores one header field's value.
func (rp *aarRecord) field(key string, subtype byte, val []byte, at int, field string, blobs *[]aarBlob) error {
	switch {
	case key == "TYP" && subtype >= '1' && subtype <= '8':
		t := leUint(val)
		if t > 0xFF {
			_, err := rp.fail(at, field, "entry type %#x does not fit in a byte", t)
			return err
		}
		rp.e.Type = byte(t)
	case key == "PAT" && subtype == 'P':
		rp.e.Path = string(val)
	case key == "LNK" && subtype == 'P':
		rp.e.Link = string(val)
	case subtype == 'A' || subtype == 'B' || subtype == 'C':
		*blobs = append(*blobs, aarBlob{key, leUint(val)})
	}
	return nil
}

// payloads locates the blob payloads, which follow the header in field
// order, and checks the extended attributes.
func (rp *aarRecord) payloads(rest []byte, hsize int, blobs []aarBlob) (AAREntry, error) {
	e := &rp.e
	pos := uint64(hsize)
	var xat []byte
	xatAt := 0
	for _, bl := range blobs {
		end, ok := bin.Span(pos, bl.size, uint64(len(rest)))
		if !ok {
			return rp.fail(rp.off+int(pos), bl.key, "payload of %d bytes runs past the end of the archive (%d bytes remain)",
				bl.size, uint64(len(rest))-pos)
		}
		payload := rest[pos:end:end]
		switch bl.key {
		case "DAT":
			e.Data = payload
		case "XAT":
			xat, xatAt = payload, int(pos)
		}
		pos = end
	}
	e.Size = int64(pos)
	if xat != nil {
		if err := e.parseXAttrs(rest[:pos], xat, xatAt, rp.off); err != nil {
			return AAREntry{}, err
		}
	}
	return *e, nil
}

// parseXAttrs decodes the XAT blob (at xatAt inside record) into e.XAttrs
// and verifies a com.apple.dyld.crc32c attribute if there is one.
func (e *AAREntry) parseXAttrs(record, xat []byte, xatAt, off int) error {
	fail := func(at int, field, msg string, args ...any) error {
		return diag.Errorf(fmtAAR, int64(off+at), field, "record %q: %s", e.Path, fmt.Sprintf(msg, args...))
	}
	for p := 0; p < len(xat); {
		if len(xat)-p < 4 {
			return fail(xatAt+p, "XAT", "attribute size needs 4 bytes, %d remain", len(xat)-p)
		}
		size := uint64(binary.LittleEndian.Uint32(xat[p:]))
		if size < 5 || size > uint64(len(xat)-p) {
			return fail(xatAt+p, "XAT", "attribute of %d bytes (minimum 5, %d remain)", size, len(xat)-p)
		}
		ent := xat[p : p+int(size)]
		nul := bytes.IndexByte(ent[4:], 0)
		if nul < 0 {
			return fail(xatAt+p, "XAT", "attribute name has no NUL")
		}
		x := XAttr{Name: string(ent[4 : 4+nul]), Value: ent[4+nul+1:]}
		e.XAttrs = append(e.XAttrs, x)
		if x.Name == dyldCRCXattr {
			valAt := xatAt + p + 4 + nul + 1 // offset of the value inside the record
			if err := checkRecordCRC(record, x.Value, valAt); err != nil {
				return fail(valAt, dyldCRCXattr, "%v", err)
			}
		}
		p += int(size)
	}
	return nil
}

// checkRecordCRC verifies dyld's per-record checksum attribute: its value is
// a little-endian uint32 record length (the bytes from the record start
// through the checksum field) and a little-endian CRC-32C of the record
// bytes before the checksum field (spec §4.3, after dyld's archive-crcer.py).
func checkRecordCRC(record, val []byte, valAt int) error {
	if len(val) != 8 {
		return fmt.Errorf("value is %d bytes, want 8 (length and CRC-32C)", len(val))
	}
	length := uint64(binary.LittleEndian.Uint32(val))
	stored := binary.LittleEndian.Uint32(val[4:])
	if want := uint64(valAt + 8); length != want {
		return fmt.Errorf("length field says %d bytes, but the checksum field ends %d bytes into the record", length, want)
	}
	if got := CRC32C(record[:length-4]); got != stored {
		return fmt.Errorf("CRC-32C mismatch: stored %#08x, computed %#08x", stored, got)
	}
	return nil
}

// Entry returns the first entry whose cleaned path equals the cleaned name,
// or nil.
func (a *AAR) Entry(name string) *AAREntry {
	name = path.Clean(name)
	for i := range a.Entries {
		if path.Clean(a.Entries[i].Path) == name {
			return &a.Entries[i]
		}
	}
	return nil
}

// File returns the data of the regular file name, following symbolic links
// (relative targets resolve against the link's directory; at most 8 hops).
// A missing entry gives an error wrapping [ErrNoEntry].
func (a *AAR) File(name string) ([]byte, error) {
	orig := name
	for range maxLinkHops + 1 {
		e := a.Entry(name)
		if e == nil {
			if name != orig {
				return nil, fmt.Errorf("apple archive: %q (via symbolic link to %q): %w", orig, name, ErrNoEntry)
			}
			return nil, fmt.Errorf("apple archive: %q: %w", name, ErrNoEntry)
		}
		switch e.Type {
		case AAREntryFile:
			return e.Data, nil
		case AAREntryLink:
			target := e.Link
			if path.IsAbs(target) {
				return nil, fmt.Errorf("apple archive: %q: symbolic link to absolute path %q: %w", e.Path, target, ErrBadLink)
			}
			target = path.Join(path.Dir(path.Clean(e.Path)), target)
			if target == ".." || strings.HasPrefix(target, "../") {
				return nil, fmt.Errorf("apple archive: %q: symbolic link %q leaves the archive: %w", e.Path, e.Link, ErrBadLink)
			}
			name = target
		default:
			return nil, fmt.Errorf("apple archive: %q is not a regular file (type %q): %w", e.Path, e.Type, ErrBadLink)
		}
	}
	return nil, fmt.Errorf("apple archive: %q: more than %d symbolic links: %w", orig, maxLinkHops, ErrBadLink)
}

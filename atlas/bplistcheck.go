package atlas

import (
	"encoding/binary"
	"errors"
	"fmt"

	"howett.net/plist"
)

// Limits for binary property lists. dyld's plists nest about six deep; a
// shared-cache atlas expands to about a million values at most (the cache
// dictionaries are referenced from both "uuids" and "names").
const (
	maxPlistDepth      = 32
	maxPlistValues     = 1 << 22
	plistValuesPerByte = 16
)

// errPlistPanic marks a panic recovered from the plist decoder, which the
// structural check should have made impossible; fuzz tests look for it.
var errPlistPanic = errors.New("plist decoder panicked")

// decodeBinaryPlist checks the structure of a bplist00 document and then
// decodes it with howett.net/plist into generic values (map[string]any,
// []any, string, uint64, int64, []byte, …). format names the document in
// errors.
func decodeBinaryPlist(b []byte, format string) (v any, err error) {
	if err := checkBinaryPlist(b); err != nil {
		return nil, &PlistError{Format: format, Msg: err.Error()}
	}
	defer func() {
		if r := recover(); r != nil {
			v, err = nil, &PlistError{Format: format, Msg: fmt.Sprint(r), Err: errPlistPanic}
		}
	}()
	if _, err := plist.Unmarshal(b, &v); err != nil {
		return nil, &PlistError{Format: format, Msg: "decoding", Err: err}
	}
	return v, nil
}

// IsBinaryPlist reports whether b starts with "bplist00".
func IsBinaryPlist(b []byte) bool { return len(b) >= 8 && string(b[:8]) == "bplist00" }

// bplistWalker validates the object graph of a binary plist.
type bplistWalker struct {
	b                 []byte
	offSize, refSize  uint64
	numObjects, table uint64 // object count, offset of the offset table
	state             []uint8
	size              []uint64
	limit             uint64
}

// checkBinaryPlist validates everything howett.net/plist relies on without
// checking (integer widths, object offsets and lengths, reference ranges,
// overflow in size arithmetic), rejects cycles and nesting deeper than
// maxPlistDepth, and bounds the number of values the document expands to
// when shared objects are counted at every reference.
func checkBinaryPlist(b []byte) error {
	if len(b) < 8+1+1+32 {
		return fmt.Errorf("%d bytes is too short for a binary plist", len(b))
	}
	if !IsBinaryPlist(b) {
		return fmt.Errorf("not a bplist00 document (starts % x)", b[:min(8, len(b))])
	}
	tr := b[len(b)-32:]
	w := &bplistWalker{
		b:          b,
		offSize:    uint64(tr[6]),
		refSize:    uint64(tr[7]),
		numObjects: binary.BigEndian.Uint64(tr[8:]),
		table:      binary.BigEndian.Uint64(tr[24:]),
		limit:      min(maxPlistValues, plistValuesPerByte*uint64(len(b))),
	}
	top := binary.BigEndian.Uint64(tr[16:])
	trailer := uint64(len(b) - 32)
	if !validIntSize(w.offSize) || !validIntSize(w.refSize) || w.refSize == 8 {
		return fmt.Errorf("trailer: offset size %d or reference size %d is not 1, 2 or 4 (8 for offsets)", w.offSize, w.refSize)
	}
	if w.numObjects == 0 || w.numObjects > trailer {
		return fmt.Errorf("trailer: %d objects in %d bytes", w.numObjects, len(b))
	}
	tableLen := w.numObjects * w.offSize // cannot overflow: numObjects < len(b)
	if w.table < 9 || w.table >= trailer || trailer-w.table != tableLen {
		return fmt.Errorf("trailer: offset table at %#x with %d entries of %d bytes does not end at the trailer (%#x)",
			w.table, w.numObjects, w.offSize, trailer)
	}
	if w.refSize < 8 && w.numObjects > 1<<(8*w.refSize) {
		return fmt.Errorf("trailer: %d objects do not fit %d-byte references", w.numObjects, w.refSize)
	}
	if w.offSize < 8 && w.table >= 1<<(8*w.offSize) {
		return fmt.Errorf("trailer: %d-byte offsets cannot reach the offset table at %#x", w.offSize, w.table)
	}
	if top >= w.numObjects {
		return fmt.Errorf("trailer: top object %d of %d", top, w.numObjects)
	}
	w.state = make([]uint8, w.numObjects)
	w.size = make([]uint64, w.numObjects)
	_, err := w.visit(top, 0)
	return err
}

func validIntSize(n uint64) bool { return n == 1 || n == 2 || n == 4 || n == 8 }

func (w *bplistWalker) uint(off, n uint64) uint64 {
	var v uint64
	for _, c := range w.b[off : off+n] {
		v = v<<8 | uint64(c)
	}
	return v
}

// fits reports whether n bytes starting at off end before the offset table.
func (w *bplistWalker) fits(off, n uint64) bool {
	end := off + n
	return end >= off && end <= w.table
}

// count decodes the length that follows a marker with low nibble 0xF (an
// integer object) or the nibble itself, returning the length and the offset
// of the content.
func (w *bplistWalker) count(off uint64) (n, start uint64, err error) {
	if low := uint64(w.b[off] & 0x0F); low != 0x0F {
		return low, off + 1, nil
	}
	if !w.fits(off+1, 1) || w.b[off+1]&0xF0 != 0x10 || w.b[off+1]&0x0F > 3 {
		return 0, 0, fmt.Errorf("object at %#x: malformed length", off)
	}
	size := uint64(1) << (w.b[off+1] & 0x0F)
	if !w.fits(off+2, size) {
		return 0, 0, fmt.Errorf("object at %#x: length runs into the offset table", off)
	}
	return w.uint(off+2, size), off + 2 + size, nil
}

// visit checks object idx and everything it references, returning the number
// of values it expands to.
func (w *bplistWalker) visit(idx uint64, depth int) (uint64, error) {
	if idx >= w.numObjects {
		return 0, fmt.Errorf("reference to object %d of %d", idx, w.numObjects)
	}
	switch w.state[idx] {
	case 1:
		return 0, fmt.Errorf("object %d contains itself", idx)
	case 2:
		return w.size[idx], nil
	}
	if depth > maxPlistDepth {
		return 0, fmt.Errorf("nesting deeper than %d", maxPlistDepth)
	}
	off := w.uint(w.table+idx*w.offSize, w.offSize)
	if off < 8 || off >= w.table {
		return 0, fmt.Errorf("object %d at offset %#x is outside the object area", idx, off)
	}
	m := w.b[off]
	total := uint64(1)
	var msg string
	switch m >> 4 {
	case 0xA, 0xD:
		var err error
		if total, msg, err = w.container(idx, off, m, depth); err != nil {
			return 0, err
		}
	default:
		var err error
		if msg, err = w.scalar(off, m); err != nil {
			return 0, err
		}
	}
	if msg != "" {
		return 0, fmt.Errorf("object %d at %#x (marker %#02x): %s", idx, off, m, msg)
	}
	w.state[idx], w.size[idx] = 2, total
	return total, nil
}

// scalar checks a non-container object with marker m at off; msg says what
// is wrong with it.
func (w *bplistWalker) scalar(off uint64, m byte) (msg string, err error) {
	switch m >> 4 {
	case 0x0:
		if m != 0x08 && m != 0x09 {
			return "unsupported marker", nil
		}
	case 0x1: // integer of 1, 2, 4, 8 or 16 bytes
		if n := uint64(1) << (m & 0x0F); n > 16 || !w.fits(off+1, n) {
			return "malformed integer", nil
		}
	case 0x2: // real of 4 or 8 bytes
		if n := uint64(1) << (m & 0x0F); n != 4 && n != 8 || !w.fits(off+1, n) {
			return "malformed real", nil
		}
	case 0x3:
		if !w.fits(off+1, 8) {
			return "runs into the offset table", nil
		}
	case 0x4, 0x5, 0x6:
		n, start, err := w.count(off)
		if err != nil {
			return "", err
		}
		if m>>4 == 0x6 {
			if n > w.table { // UTF-16 units; 2 bytes each
				return "runs into the offset table", nil
			}
			n *= 2
		}
		if !w.fits(start, n) {
			return "runs into the offset table", nil
		}
	case 0x8:
		if n := uint64(m&0x0F) + 1; n > 8 && n != 16 || !w.fits(off+1, n) {
			return "malformed UID", nil
		}
	default:
		return "unknown marker", nil
	}
	return "", nil
}

// container checks an array or dictionary object and everything it
// references, and returns the number of values it expands to.
func (w *bplistWalker) container(idx, off uint64, m byte, depth int) (total uint64, msg string, err error) {
	n, start, err := w.count(off)
	if err != nil {
		return 0, "", err
	}
	if m>>4 == 0xD {
		if n > w.table {
			return 0, "runs into the offset table", nil
		}
		n *= 2 // keys, then values
	}
	if n > w.table || !w.fits(start, n*w.refSize) {
		return 0, "runs into the offset table", nil
	}
	w.state[idx] = 1
	total = 1
	for i := range n {
		ref := w.uint(start+i*w.refSize, w.refSize)
		sub, err := w.visit(ref, depth+1)
		if err != nil {
			return 0, "", err
		}
		if total += sub; total > w.limit {
			return 0, "", fmt.Errorf("document expands to more than %d values", w.limit)
		}
	}
	return total, "", nil
}

// Package bin reads untrusted binary data without trusting it.
//
// A [Reader] is a cursor over a byte slice that keeps its first error: once a
// read runs past the end, every later read returns zero and the first
// [diag.FormatError] (format, offset, field) is kept for the caller to report. A
// record is decoded as straight-line code and checked once with [Reader.Err].
//
// Counts and sizes taken from a file go through [SliceCap] or [Reader.Bytes]
// before anything is allocated, so a lying header fails with an error instead of
// allocating what it claims.
package bin

import (
	"encoding/binary"
	"math/bits"

	"github.com/symbolicate/symbolicate/diag"
)

// Reader is a bounds-checked cursor over a byte slice. The zero value is not
// usable; create one with [NewReader]. A Reader is not safe for concurrent use.
type Reader struct {
	format string
	order  binary.ByteOrder
	buf    []byte
	pos    int
	base   int64 // absolute offset of buf[0], for error messages
	err    *diag.FormatError
}

// NewReader returns a Reader over buf for the named format, reading multi-byte
// integers in order. base is the absolute offset of buf[0] in the input, used
// only in error messages.
func NewReader(format string, buf []byte, order binary.ByteOrder, base int64) *Reader {
	return &Reader{format: format, order: order, buf: buf, base: base}
}

// Err returns the first error, or nil. The result is a *diag.FormatError when not nil.
func (r *Reader) Err() error {
	if r.err == nil {
		return nil
	}
	return r.err
}

// Failed reports whether an error has been recorded.
func (r *Reader) Failed() bool { return r.err != nil }

// Fail records an error at the current offset unless one is already recorded.
func (r *Reader) Fail(field, msg string, args ...any) {
	r.FailAt(r.pos, field, msg, args...)
}

// FailAt records an error at pos (relative to the start of the buffer) unless
// one is already recorded. Later reads return zero values.
func (r *Reader) FailAt(pos int, field, msg string, args ...any) {
	if r.err == nil {
		r.err = diag.Errorf(r.format, r.base+int64(pos), field, msg, args...)
		r.pos = len(r.buf)
	}
}

// Pos returns the current offset relative to the start of the buffer.
func (r *Reader) Pos() int { return r.pos }

// Offset returns the current absolute offset in the input.
func (r *Reader) Offset() int64 { return r.base + int64(r.pos) }

// Len returns the number of unread bytes.
func (r *Reader) Len() int { return len(r.buf) - r.pos }

// Seek moves the cursor to pos (relative to the start of the buffer); a
// position outside the buffer records an error naming field.
func (r *Reader) Seek(pos uint64, field string) {
	if r.err != nil {
		return
	}
	if pos > uint64(len(r.buf)) {
		r.Fail(field, "offset %#x is past the end of the data (%#x bytes)", pos, len(r.buf))
		return
	}
	r.pos = int(pos)
}

// need reports whether n bytes remain, recording an error naming field if not.
func (r *Reader) need(n uint64, field string) bool {
	if r.err != nil {
		return false
	}
	if n > uint64(len(r.buf)-r.pos) {
		r.Fail(field, "needs %d bytes, %d remain", n, len(r.buf)-r.pos)
		return false
	}
	return true
}

// Bytes returns the next n bytes without copying them. The slice aliases the
// underlying buffer. On error it returns nil.
func (r *Reader) Bytes(n uint64, field string) []byte {
	if !r.need(n, field) {
		return nil
	}
	b := r.buf[r.pos : r.pos+int(n) : r.pos+int(n)]
	r.pos += int(n)
	return b
}

// Skip advances n bytes.
func (r *Reader) Skip(n uint64, field string) { r.Bytes(n, field) }

// U8 reads one byte.
func (r *Reader) U8(field string) uint8 {
	if !r.need(1, field) {
		return 0
	}
	v := r.buf[r.pos]
	r.pos++
	return v
}

// U16 reads a 16-bit integer in the reader's byte order.
func (r *Reader) U16(field string) uint16 {
	if !r.need(2, field) {
		return 0
	}
	v := r.order.Uint16(r.buf[r.pos:])
	r.pos += 2
	return v
}

// U32 reads a 32-bit integer in the reader's byte order.
func (r *Reader) U32(field string) uint32 {
	if !r.need(4, field) {
		return 0
	}
	v := r.order.Uint32(r.buf[r.pos:])
	r.pos += 4
	return v
}

// U64 reads a 64-bit integer in the reader's byte order.
func (r *Reader) U64(field string) uint64 {
	if !r.need(8, field) {
		return 0
	}
	v := r.order.Uint64(r.buf[r.pos:])
	r.pos += 8
	return v
}

// ULEB128 reads an unsigned LEB128 value of at most 10 bytes that fits in 64 bits.
func (r *Reader) ULEB128(field string) uint64 {
	// Fast path: up to nine bytes, all in the buffer (the slow loop below
	// handles the tenth byte's overflow check and every error).
	if r.err == nil {
		var v uint64
		for i, shift := r.pos, uint(0); i < len(r.buf) && shift < 63; i, shift = i+1, shift+7 {
			b := r.buf[i]
			v |= uint64(b&0x7f) << shift
			if b&0x80 == 0 {
				r.pos = i + 1
				return v
			}
		}
	}
	start := r.pos
	var v uint64
	for shift := uint(0); ; shift += 7 {
		b := r.U8(field)
		if r.err != nil {
			return 0
		}
		if shift == 63 && b > 1 || shift > 63 {
			r.FailAt(start, field, "ULEB128 overflows 64 bits")
			return 0
		}
		v |= uint64(b&0x7f) << shift
		if b&0x80 == 0 {
			return v
		}
	}
}

// CString reads a NUL-terminated string of at most max bytes (not counting the
// NUL) and consumes the terminator.
func (r *Reader) CString(max int, field string) string {
	if r.err != nil {
		return ""
	}
	rest := r.buf[r.pos:]
	if len(rest) > max+1 {
		rest = rest[:max+1]
	}
	for i, c := range rest {
		if c == 0 {
			s := string(rest[:i])
			r.pos += i + 1
			return s
		}
	}
	if len(rest) == max+1 {
		r.Fail(field, "string longer than %d bytes", max)
	} else {
		r.Fail(field, "string not terminated")
	}
	return ""
}

// CStringAt returns the NUL-terminated string starting at off in b, reading at
// most max bytes. ok is false if off is out of range or no NUL is found.
func CStringAt(b []byte, off uint64, max int) (s string, ok bool) {
	if off >= uint64(len(b)) {
		return "", false
	}
	rest := b[off:]
	if len(rest) > max+1 {
		rest = rest[:max+1]
	}
	for i, c := range rest {
		if c == 0 {
			return string(rest[:i]), true
		}
	}
	return "", false
}

// SliceCap returns a safe initial capacity for a slice of count elements of
// elemSize bytes each, given that the encoded data has only remaining bytes
// left. It returns -1 when count*elemSize overflows or exceeds remaining, in
// which case the input is lying about its size.
func SliceCap(count, elemSize, remaining uint64) int {
	hi, total := bits.Mul64(count, elemSize)
	if hi != 0 || total > remaining || count > uint64(maxInt) {
		return -1
	}
	return int(count)
}

// Span checks that [off, off+size) lies within a buffer of length n and
// returns off+size. ok is false on overflow or when the range runs past n.
func Span(off, size, n uint64) (end uint64, ok bool) {
	end, carry := bits.Add64(off, size, 0)
	if carry != 0 || end > n {
		return 0, false
	}
	return end, true
}

// Mul returns a*b and whether it did not overflow.
func Mul(a, b uint64) (uint64, bool) {
	hi, lo := bits.Mul64(a, b)
	return lo, hi == 0
}

const maxInt = int(^uint(0) >> 1)

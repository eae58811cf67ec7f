package process

import (
	"encoding/hex"
	"fmt"
)

// UUID is a 16-byte Mach-O LC_UUID or dyld shared-cache UUID, in canonical
// (textual) byte order.
type UUID [16]byte

// String formats u as uppercase with dashes, e.g.
// "82D13D98-219E-3040-B62A-07A297007A7C".
func (u UUID) String() string {
	var b [36]byte
	return string(u.AppendText(b[:0]))
}

// AppendText appends u as String formats it.
func (u UUID) AppendText(b []byte) []byte {
	const digits = "0123456789ABCDEF"
	for i, c := range u {
		if i == 4 || i == 6 || i == 8 || i == 10 {
			b = append(b, '-')
		}
		b = append(b, digits[c>>4], digits[c&15])
	}
	return b
}

// IsZero reports whether u is all zero bytes (dyld's "no UUID").
func (u UUID) IsZero() bool { return u == UUID{} }

// ParseUUID parses 32 hex digits, with or without dashes, in either case,
// from a string or from bytes (a decoder's input, not copied).
func ParseUUID[S ~string | ~[]byte](s S) (UUID, error) {
	if u, ok := parseCanonical(s); ok {
		return u, nil
	}
	var u UUID
	n := 0 // hex digits read
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c == '-' {
			continue
		}
		v := hexValues[c]
		switch {
		case v > 0xf:
			return UUID{}, fmt.Errorf("uuid %q: %q at offset %d is not a hex digit", s, c, i)
		case n == 2*len(u):
			return UUID{}, fmt.Errorf("uuid %q: want 32 hex digits", s)
		}
		u[n/2] |= v << (4 * (1 - n%2))
		n++
	}
	if n != 2*len(u) {
		return UUID{}, fmt.Errorf("uuid %q: want 32 hex digits", s)
	}
	return u, nil
}

// parseCanonical parses the 8-4-4-4-12 form, the one reports use, without
// a branch per character; ok is false for any other form or a bad digit.
func parseCanonical[S ~string | ~[]byte](s S) (u UUID, ok bool) {
	if len(s) != 36 || s[8] != '-' || s[13] != '-' || s[18] != '-' || s[23] != '-' {
		return u, false
	}
	var bad byte
	j := 0
	for i := 0; i < 16; i++ {
		if j == 8 || j == 13 || j == 18 || j == 23 {
			j++
		}
		hi, lo := hexValues[s[j]], hexValues[s[j+1]]
		bad |= hi | lo
		u[i] = hi<<4 | lo
		j += 2
	}
	return u, bad <= 0xf
}

// hexValues maps a hex digit to its value and every other byte to 0xff; a
// table, because a digit-or-letter branch per character mispredicts on
// random UUIDs.
var hexValues = func() (t [256]byte) {
	for c := range t {
		switch {
		case '0' <= c && c <= '9':
			t[c] = byte(c - '0')
		case 'a' <= c && c <= 'f':
			t[c] = byte(c - 'a' + 10)
		case 'A' <= c && c <= 'F':
			t[c] = byte(c - 'A' + 10)
		default:
			t[c] = 0xff
		}
	}
	return t
}()

// BuildID identifies a build: the raw bytes of a 16-byte Mach-O UUID on Apple
// platforms, of a GNU build ID (usually 20 bytes) on Linux, of a PE signature
// on Windows. It is a string so that it is comparable and immutable; it holds
// bytes, not text. The empty BuildID means none.
type BuildID string

// UUIDBuildID returns the build ID of a Mach-O UUID; the zero UUID (dyld's
// "no UUID") gives the empty BuildID.
func UUIDBuildID(u UUID) BuildID {
	if u.IsZero() {
		return ""
	}
	return BuildID(u[:])
}

// UUID returns the build ID as a UUID when it is exactly 16 bytes long.
func (id BuildID) UUID() (UUID, bool) {
	var u UUID
	if len(id) != len(u) {
		return u, false
	}
	copy(u[:], id)
	return u, true
}

// IsUUID reports whether the build ID is a Mach-O UUID (16 bytes).
func (id BuildID) IsUUID() bool {
	_, ok := id.UUID()
	return ok
}

// String formats the build ID: a UUID as UUID.String does, other lengths in
// lowercase hex, the empty BuildID as "".
func (id BuildID) String() string {
	if u, ok := id.UUID(); ok {
		return u.String()
	}
	return hex.EncodeToString([]byte(id))
}

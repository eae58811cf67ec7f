package imagemap

import (
	"encoding/hex"
	"fmt"
	"strings"
)

// UUID is a 16-byte Mach-O LC_UUID or dyld shared-cache UUID, in canonical
// (textual) byte order.
type UUID [16]byte

// String formats u as uppercase with dashes, e.g.
// "82D13D98-219E-3040-B62A-07A297007A7C".
func (u UUID) String() string {
	var b [36]byte
	return string(u.appendText(b[:0]))
}

// appendText appends u as String formats it.
func (u UUID) appendText(b []byte) []byte {
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

// ParseUUID parses 32 hex digits, with or without dashes, in either case.
func ParseUUID(s string) (UUID, error) {
	var u UUID
	h := strings.ReplaceAll(s, "-", "")
	if len(h) != 32 {
		return u, fmt.Errorf("uuid %q: want 32 hex digits", s)
	}
	if _, err := hex.Decode(u[:], []byte(h)); err != nil {
		return u, fmt.Errorf("uuid %q: %w", s, err)
	}
	return u, nil
}

// Image is one loaded image. Fields that an input does not carry are left at
// their zero value.
type Image struct {
	// Path is the on-disk path; "" when unknown.
	Path string
	// Name is the image name, normally the last path component; see [NameOf].
	Name string
	// BuildID identifies the build: a 16-byte Mach-O UUID on Apple platforms,
	// a GNU build ID (usually 20 bytes) on Linux. nil when absent.
	BuildID []byte
	// Base is the runtime (slid) load address of the image's first byte.
	Base uint64
	// EndOfText is the runtime address just past the image's text; 0 when unknown.
	EndOfText uint64
	// Arch is the architecture name ("arm64e", "x86_64", …); "" when unknown.
	Arch string
}

// UUID returns the build ID as a UUID when it is exactly 16 bytes long.
func (im *Image) UUID() (UUID, bool) {
	var u UUID
	if len(im.BuildID) != len(u) {
		return u, false
	}
	copy(u[:], im.BuildID)
	return u, true
}

// Map is an ordered image list with the platform it was captured on.
type Map struct {
	// Platform is free text such as "macOS 15.3 (24D60)" or "Linux (Ubuntu 22.04.5 LTS)".
	Platform string
	// WordSize is the pointer size in bits: 16, 32 or 64.
	WordSize int
	// Images are normally in increasing order of Base.
	Images []Image
}

// NameOf returns the text after the last '/' or '\' of path, or path itself
// when it has no separator, as Swift derives image names.
func NameOf(path string) string {
	for i := len(path) - 1; i >= 0; i-- {
		if path[i] == '/' || path[i] == '\\' {
			return path[i+1:]
		}
	}
	return path
}

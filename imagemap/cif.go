package imagemap

import "math/bits"

// Limits shared by the CIF decoder and encoder (cif.md §5.3, §10). The encoder
// refuses maps that exceed them, so everything Encode writes, Decode reads.
const (
	// MaxImages is the largest image count CIF may carry (2^20, as in Swift's
	// hardened decoder).
	MaxImages = 1 << 20
	// MaxBuildIDLen is the longest build ID in bytes (Swift's maxBuildIdLength).
	MaxBuildIDLen = 1024
	// MaxPlatformLen is the longest platform string in bytes (one length byte).
	MaxPlatformLen = 255
	// MaxPathLen is the longest decoded path in bytes. Swift has no limit;
	// 64 KiB is more than any file system allows (Windows' 32767 UTF-16 units
	// are at most 98 KiB of UTF-8 only in theory).
	MaxPathLen = 64 << 10
)

// cifFormat is the Format of every *diag.FormatError this package returns.
const cifFormat = "cif"

// Path opcodes (cif.md §8.1).
const (
	opEnd     = 0x00 // end of path; as the first byte, no path at all
	opStrMax  = 0x3f // 0x01..0x3f: str with that many raw bytes
	opFramewk = 0x40 // 0x40|(n-1), version byte, n name bytes; ends the path
	opExpand  = 0x80 // 0x80|code for codes 0..63
	opExpand1 = 0xc0 // 0xc0|(k-1), then k big-endian bytes of code-64
)

// Prefix-table codes (cif.md §8.2).
const (
	numFixedCodes    = 12 // codes 0..11 are fixed
	firstDynamicCode = 32 // codes 12..31 are reserved and undefined
	maxDirectCode    = 63 // largest code an e=0 expand can carry
	maxExpandBytes   = 8  // we reject e=1 codes longer than this (Swift allows 64)
)

// fixedPrefixes are the table entries every CIF stream starts with. Code 11
// has no trailing backslash (cif.md §8.2).
var fixedPrefixes = [numFixedCodes]string{
	"/lib",
	"/usr/lib",
	"/usr/local/lib",
	"/opt/lib",
	"/System/Library/Frameworks",
	"/System/Library/PrivateFrameworks",
	"/System/iOSSupport",
	"/Library/Frameworks",
	"/System/Applications",
	"/Applications",
	`C:\Windows\System32`,
	`C:\Program Files`,
}

// iosFrameworkVersion is the framewk version byte that selects the shallow
// (iOS) bundle form "/<n>.framework/<n>" (cif.md §8.5, Swift PR #92334).
const iosFrameworkVersion = 0x01

// Framework path pieces written by the framewk opcode.
const (
	frameworkDir      = ".framework/"
	frameworkVersions = ".framework/Versions/"
)

// isSep reports whether c separates path components in CIF: both '/' and '\'
// count on every platform (cif.md §8.3).
func isSep(c byte) bool { return c == '/' || c == '\\' }

// wordMask returns the mask of the low wordSize bits.
func wordMask(wordSize int) uint64 {
	if wordSize >= 64 {
		return ^uint64(0)
	}
	return 1<<uint(wordSize) - 1
}

// signExtend widens a wordSize-bit value to 64 bits the way Swift's encoder
// does before any arithmetic (cif.md §3 point 2).
func signExtend(v uint64, wordSize int) uint64 {
	if wordSize >= 64 {
		return v
	}
	top := uint64(1) << uint(wordSize-1)
	if v&top != 0 {
		return v | ^wordMask(wordSize)
	}
	return v
}

// signedLen is len() of cif.md §6.3: the fewest bytes (1..8) that hold x, read
// as a signed 64-bit value, in two's complement.
func signedLen(x uint64) int {
	if x&(1<<63) != 0 {
		x = ^x
	}
	return 8 - (bits.LeadingZeros64(x)-1)>>3
}

// appendCount appends n in the 7-bit "count" varint exactly as Swift's encoder
// writes it, including its quirk (cif.md §5.2, Q1): the first shift is
// 7*(bits/7), so counts whose bit length is a non-zero multiple of 7 (64..127,
// 8192..16383, …) get a redundant leading 0x80 byte. Every decoder accepts it.
func appendCount(b []byte, n uint64) []byte {
	shift := 7 * (bits.Len64(n) / 7)
	for ; shift > 0; shift -= 7 {
		b = append(b, 0x80|byte(n>>uint(shift)&0x7f))
	}
	return append(b, byte(n&0x7f))
}

// appendExpand appends an expand opcode for code. Codes above 63 use the e=1
// form with the correct byte count, ceil(bitlen(code-64)/8) and at least 1;
// Swift's encoder rounds down and corrupts codes 320..32831 and others
// (cif.md §9, Q2).
func appendExpand(b []byte, code int) []byte {
	if code <= maxDirectCode {
		return append(b, opExpand|byte(code))
	}
	t := uint64(code - 64)
	k := max((bits.Len64(t)+7)/8, 1)
	b = append(b, opExpand1|byte(k-1))
	for i := k - 1; i >= 0; i-- {
		b = append(b, byte(t>>(8*uint(i))))
	}
	return b
}

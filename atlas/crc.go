package atlas

import "hash/crc32"

// castagnoli is the CRC-32C table (reflected polynomial 0x82F63B78). It is
// built once and only read.
var castagnoli = crc32.MakeTable(crc32.Castagnoli)

// CRC32C returns the standard CRC-32C (Castagnoli) of b: initial value and
// final XOR 0xFFFFFFFF, as dyld-1376 and later compute it (spec §1.9).
func CRC32C(b []byte) uint32 { return crc32.Checksum(b, castagnoli) }

// crc32cResidue is the CRC-32C of any data followed by its own CRC-32C stored
// little-endian (dyld's crc32cMagicResidue).
const crc32cResidue = 0x48674BC7

// compactCRC returns the CRC-32C of a compact-info buffer with the checksum
// field (bytes 32–35) taken as zero, without copying the buffer.
func compactCRC(b []byte) uint32 {
	var zero [4]byte
	c := crc32.Update(0, castagnoli, b[:crcOffset])
	c = crc32.Update(c, castagnoli, zero[:])
	return crc32.Update(c, castagnoli, b[crcOffset+4:])
}

// rawCRC32C runs the un-inverted CRC-32C register over b, one byte at a time.
func rawCRC32C(crc uint32, b ...byte) uint32 {
	for _, x := range b {
		crc = crc>>8 ^ castagnoli[byte(crc)^x]
	}
	return crc
}

// feedWide runs the raw register over the byte x followed by width-1 zero
// bytes: what a width-byte hardware CRC32C step does when given the byte value
// x zero-extended to that width.
func feedWide(crc uint32, x byte, width int) uint32 {
	crc = rawCRC32C(crc, x)
	for range width - 1 {
		crc = rawCRC32C(crc, 0)
	}
	return crc
}

// legacySpan applies the span routine of dyld-1042…1340's "hardware" CRC32c
// (spec §1.9) to d, starting from register state crc. That routine tests the
// byte *values* (not their addresses) for alignment and feeds each chosen byte
// value, zero-extended, to a 1-, 2- or 8-byte CRC step; bytes it skips over
// do not count. Where the original would read past the end of a short span
// (undefined behaviour in C++), this stops instead.
func legacySpan(crc uint32, d []byte) uint32 {
	n := len(d)
	i := 0
	step := func(cond func(int) bool, width, advance int) {
		if i < n && cond(i) {
			crc = feedWide(crc, d[i], width)
			i += advance
		}
	}
	step(func(i int) bool { return d[i]&1 != 0 }, 1, 1)
	step(func(i int) bool { return d[i]&2 != 0 }, 2, 2)
	step(func(i int) bool { return d[i]&4 != 0 }, 2, 2) // sic: a 2-byte step for the 4-byte case
	if i >= n {
		return crc
	}
	for rounds := (n - i) / 8; rounds > 0; rounds-- {
		crc = feedWide(crc, d[i], 8)
		i += 8
	}
	step(func(i int) bool { return (n-i)&4 != 0 }, 2, 2)
	step(func(i int) bool { return (n-i)&2 != 0 }, 2, 2)
	step(func(i int) bool { return (n-i)&1 != 0 }, 1, 1)
	return crc
}

// legacyWriterCRC is the checksum dyld-1042…1340's serializer stored on CPUs
// with CRC instructions: the legacy span routine over the whole buffer with
// the checksum field zero.
func legacyWriterCRC(b []byte) uint32 {
	d := make([]byte, len(b))
	copy(d, b)
	clear(d[crcOffset : crcOffset+4])
	return ^legacySpan(0xFFFFFFFF, d)
}

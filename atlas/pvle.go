package atlas

import (
	"encoding/binary"
	"math/bits"
)

// AppendPVLE appends the minimal PVLE encoding of v to dst (spec §2).
//
// A value of b significant bits (at least 1) takes n = ⌈b/7⌉ bytes when
// b ≤ 56: the little-endian low n bytes of v<<n | 1<<(n-1), so the number of
// trailing zero bits of the first byte is the number of bytes that follow.
// Larger values take 9 bytes: 0x00 and then v as a little-endian uint64.
func AppendPVLE(dst []byte, v uint64) []byte {
	b := max(bits.Len64(v), 1)
	if b > 56 {
		dst = append(dst, 0)
		return binary.LittleEndian.AppendUint64(dst, v)
	}
	n := (b + 6) / 7
	e := v<<n | 1<<(n-1)
	for i := 0; i < n; i++ {
		dst = append(dst, byte(e>>(8*i)))
	}
	return dst
}

// PVLELen returns the number of bytes [AppendPVLE] uses for v.
func PVLELen(v uint64) int {
	b := max(bits.Len64(v), 1)
	if b > 56 {
		return 9
	}
	return (b + 6) / 7
}

// ReadPVLE decodes one PVLE integer from the start of b and returns it with
// the number of bytes it took. n is 0 when b is empty or shorter than the
// first byte announces. Non-minimal encodings are accepted, as dyld's reader
// accepts them.
func ReadPVLE(b []byte) (v uint64, n int) {
	if len(b) == 0 {
		return 0, 0
	}
	k := bits.TrailingZeros8(b[0]) // 8 for a zero byte
	if len(b) < k+1 {
		return 0, 0
	}
	if k == 8 {
		return binary.LittleEndian.Uint64(b[1:9]), 9
	}
	for i := k; i >= 1; i-- {
		v = v<<8 | uint64(b[i])
	}
	return v<<(7-k) | uint64(b[0])>>(k+1), k + 1
}

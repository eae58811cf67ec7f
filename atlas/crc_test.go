package atlas

import (
	"encoding/binary"
	"testing"
)

func TestCRC32CVectors(t *testing.T) {
	if got := CRC32C([]byte("123456789")); got != 0xE3069283 {
		t.Errorf(`CRC32C("123456789") = %#08x, want 0xE3069283`, got)
	}
	if got := CRC32C(make([]byte, 32)); got != 0x8A9136AA {
		t.Errorf("CRC32C(32 zero bytes) = %#08x, want 0x8A9136AA", got)
	}
	for _, data := range [][]byte{[]byte("123456789"), make([]byte, 32), []byte("dyld"), nil} {
		withCRC := binary.LittleEndian.AppendUint32(append([]byte(nil), data...), CRC32C(data))
		if got := CRC32C(withCRC); got != crc32cResidue {
			t.Errorf("residue of %q = %#08x, want %#08x", data, got, uint32(crc32cResidue))
		}
	}
}

// TestCompactCRCMatchesZeroedCopy checks that the copy-free checksum equals
// CRC-32C of the buffer with bytes 32–35 zeroed.
func TestCompactCRCMatchesZeroedCopy(t *testing.T) {
	b := make([]byte, 80)
	for i := range b {
		b[i] = byte(i*7 + 3)
	}
	z := append([]byte(nil), b...)
	clear(z[32:36])
	if compactCRC(b) != CRC32C(z) {
		t.Fatal("compactCRC differs from CRC32C of the zeroed copy")
	}
}

// TestLegacySpanFeeds checks the legacy span routine on small hand-worked
// cases: which byte values it feeds and at which widths.
func TestLegacySpanFeeds(t *testing.T) {
	const init = 0xFFFFFFFF
	cases := []struct {
		name string
		d    []byte
		want uint32
	}{
		// d[0]=1: 1-wide 01; d[1]=0 → no 2-step; d[1]&4 = 0; remaining 2 bytes:
		// 0 rounds; (2)&4 no; (2)&2 → 2-wide d[1]; then 0 left.
		{"odd first", []byte{1, 0, 9}, feedWide(feedWide(init, 1, 1), 0, 2)},
		// d[0]=2: 2-wide 02, i=2; d[2]=4: 2-wide 04, i=4; 0 left.
		{"two then four", []byte{2, 0xEE, 4, 0xEE}, feedWide(feedWide(init, 2, 2), 4, 2)},
		// 16 even bytes with bits 1 and 2 clear: two 8-wide rounds of d[0], d[8].
		{"aligned rounds", []byte{8, 1, 1, 1, 1, 1, 1, 1, 16, 1, 1, 1, 1, 1, 1, 1}, feedWide(feedWide(init, 8, 8), 16, 8)},
		// 7 bytes, first 0: no prefix; 0 rounds; 7&4 → 2-wide d[0] (i=2, 5 left);
		// 5&2 = 0; 5&1 → 1-wide d[2].
		{"tail", []byte{0, 0xAA, 0x30, 0xBB, 0xCC, 0xDD, 0xEE}, feedWide(feedWide(init, 0, 2), 0x30, 1)},
	}
	for _, tc := range cases {
		if got := legacySpan(init, tc.d); got != tc.want {
			t.Errorf("%s: legacySpan = %#08x, want %#08x", tc.name, got, tc.want)
		}
	}
	// A one-byte step with a zero byte equals one table step; an 8-wide step
	// equals the byte and seven zeros run through the ordinary CRC.
	if feedWide(init, 0x5A, 8) != rawCRC32C(init, 0x5A, 0, 0, 0, 0, 0, 0, 0) {
		t.Error("feedWide(8) is not the byte followed by 7 zeros")
	}
	// Short spans must not read past the end.
	for n := 0; n < 6; n++ {
		legacySpan(init, make([]byte, n))
		legacySpan(init, []byte{7, 7, 7, 7, 7}[:n])
	}
}

package atlas

import (
	"bytes"
	"encoding/hex"
	"math"
	"strings"
	"testing"
)

// pvleTable is the §2 worked-examples table of the spec.
var pvleTable = []struct {
	v   uint64
	hex string
}{
	{0, "01"},
	{1, "03"},
	{127, "ff"},
	{128, "0202"},
	{300, "b204"},
	{1<<14 - 1, "feff"},
	{1 << 14, "040002"},
	{1 << 32, "1000000020"},
	{1<<56 - 1, "80ffffffffffffff"},
	{1 << 56, "000000000000000001"},
	{math.MaxUint64, "00ffffffffffffffff"},
}

func unhex(t testing.TB, s string) []byte {
	t.Helper()
	b, err := hex.DecodeString(strings.Join(strings.Fields(s), ""))
	if err != nil {
		t.Fatalf("bad hex %q: %v", s, err)
	}
	return b
}

func TestPVLESpecTable(t *testing.T) {
	for _, tc := range pvleTable {
		want := unhex(t, tc.hex)
		got := AppendPVLE(nil, tc.v)
		if !bytes.Equal(got, want) {
			t.Errorf("AppendPVLE(%#x) = % x, want % x", tc.v, got, want)
		}
		if n := PVLELen(tc.v); n != len(want) {
			t.Errorf("PVLELen(%#x) = %d, want %d", tc.v, n, len(want))
		}
		v, n := ReadPVLE(append(want, 0xAA, 0xBB)) // trailing bytes must not be consumed
		if v != tc.v || n != len(want) {
			t.Errorf("ReadPVLE(% x) = %#x, %d; want %#x, %d", want, v, n, tc.v, len(want))
		}
	}
}

func TestPVLENonMinimalAccepted(t *testing.T) {
	for _, tc := range []struct {
		hex string
		v   uint64
	}{
		{"0200", 0},
		{"040000", 0},
		{"000000000000000000", 0},
		{"000100000000000000", 1},
		{"0600", 1}, // 1 in two bytes
	} {
		b := unhex(t, tc.hex)
		v, n := ReadPVLE(b)
		if v != tc.v || n != len(b) {
			t.Errorf("ReadPVLE(%s) = %d, %d; want %d, %d", tc.hex, v, n, tc.v, len(b))
		}
	}
}

func TestPVLETruncated(t *testing.T) {
	for _, tc := range []string{"", "02", "00010203", "04ff", "80ffffffffffff", "00ffffffffffffff"} {
		b := unhex(t, tc)
		if v, n := ReadPVLE(b); n != 0 || v != 0 {
			t.Errorf("ReadPVLE(%q) = %d, %d; want failure (0, 0)", tc, v, n)
		}
	}
}

// TestPVLEBoundaries round-trips every power of two, its neighbours and each
// byte-length boundary, and checks that the encoding is minimal.
func TestPVLEBoundaries(t *testing.T) {
	var vals []uint64
	for i := 0; i < 64; i++ {
		p := uint64(1) << i
		vals = append(vals, p-1, p, p+1)
	}
	for n := 1; n <= 8; n++ {
		lim := uint64(1)<<(7*n) - 1
		vals = append(vals, lim, lim+1)
	}
	for _, v := range vals {
		b := AppendPVLE(nil, v)
		got, n := ReadPVLE(b)
		if got != v || n != len(b) {
			t.Fatalf("round trip %#x: % x decodes to %#x (%d bytes)", v, b, got, n)
		}
		want := 9
		if bits := bitLen(v); bits <= 56 {
			want = (max(bits, 1) + 6) / 7
		}
		if len(b) != want {
			t.Errorf("%#x encodes in %d bytes, want %d", v, len(b), want)
		}
	}
}

func bitLen(v uint64) int {
	n := 0
	for v != 0 {
		v >>= 1
		n++
	}
	return n
}

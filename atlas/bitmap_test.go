package atlas

import (
	"slices"
	"testing"
)

func TestBitmapLayout(t *testing.T) {
	m := NewBitmap(10)
	if len(m.Bytes) != 2 {
		t.Fatalf("10 bits take %d bytes, want 2", len(m.Bytes))
	}
	for _, i := range []int{0, 9} {
		if !m.Set(i) {
			t.Fatalf("Set(%d) refused", i)
		}
	}
	if m.Bytes[0] != 0x01 || m.Bytes[1] != 0x02 {
		t.Errorf("bits 0 and 9 stored as % x, want 01 02", m.Bytes)
	}
	if m.Set(10) || m.Set(-1) {
		t.Error("Set outside [0, Len) must refuse")
	}
	if got := m.SetBits(); !slices.Equal(got, []int{0, 9}) {
		t.Errorf("SetBits = %v", got)
	}
	if m.Count() != 2 {
		t.Errorf("Count = %d", m.Count())
	}
	// Unused high bits of the last byte do not count.
	m.Bytes[1] |= 0x80
	if m.Bit(15) || m.Count() != 2 {
		t.Error("bits past Len must read as clear")
	}
	for i, want := range []bool{true, false, false, false, false, false, false, false, false, true} {
		if m.Bit(i) != want {
			t.Errorf("Bit(%d) = %v", i, !want)
		}
	}
}

func TestBitmapSizes(t *testing.T) {
	for n := 0; n <= 65; n++ {
		m := NewBitmap(n)
		if len(m.Bytes) != (n+7)/8 {
			t.Fatalf("NewBitmap(%d) has %d bytes", n, len(m.Bytes))
		}
		for i := 0; i < n; i += 3 {
			m.Set(i)
		}
		for i := 0; i < n; i++ {
			if m.Bit(i) != (i%3 == 0) {
				t.Fatalf("n=%d bit %d wrong", n, i)
			}
			if (m.Bytes[i/8]>>(i%8))&1 != boolBit(i%3 == 0) {
				t.Fatalf("n=%d bit %d not at byte %d mask %#x", n, i, i/8, 1<<(i%8))
			}
		}
	}
}

func boolBit(b bool) byte {
	if b {
		return 1
	}
	return 0
}

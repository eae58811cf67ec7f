package bin

import (
	"encoding/binary"
	"errors"
	"math"
	"testing"

	"github.com/symbolicate/symbolicate/diag"
)

func TestReaderKeepsFirstError(t *testing.T) {
	r := NewReader("test", []byte{1, 2, 3}, binary.LittleEndian, 0x100)
	if got := r.U16("a"); got != 0x0201 {
		t.Fatalf("U16 = %#x, want 0x201", got)
	}
	if got := r.U32("b"); got != 0 {
		t.Fatalf("U32 past end = %#x, want 0", got)
	}
	_ = r.U8("c") // would succeed on a fresh reader; must not clear the error
	var fe *diag.FormatError
	if !errors.As(r.Err(), &fe) {
		t.Fatalf("Err() = %v, want *FormatError", r.Err())
	}
	if fe.Off != 0x102 || fe.Field != "b" || fe.Format != "test" {
		t.Fatalf("error = %+v, want offset 0x102 field b", fe)
	}
	if want := "not a valid test: byte 0x102, in b: needs 4 bytes, 1 remain"; fe.Error() != want {
		t.Fatalf("Error() = %q, want %q", fe.Error(), want)
	}
}

func TestULEB128(t *testing.T) {
	tests := []struct {
		in   []byte
		want uint64
		ok   bool
	}{
		{[]byte{0}, 0, true},
		{[]byte{0x7f}, 127, true},
		{[]byte{0x80, 0x01}, 128, true},
		{[]byte{0xe5, 0x8e, 0x26}, 624485, true},
		{[]byte{0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01}, math.MaxUint64, true},
		{[]byte{0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x02}, 0, false}, // 65 bits
		{[]byte{0x80, 0x80}, 0, false}, // truncated
	}
	for _, tt := range tests {
		r := NewReader("t", tt.in, binary.LittleEndian, 0)
		got := r.ULEB128("v")
		if (r.Err() == nil) != tt.ok || got != tt.want {
			t.Errorf("ULEB128(% x) = %d, %v; want %d, ok=%v", tt.in, got, r.Err(), tt.want, tt.ok)
		}
	}
}

// TestULEB128Sequence reads values back to back (the fast path must leave
// the position after each), ending with one cut short at the end.
func TestULEB128Sequence(t *testing.T) {
	r := NewReader("t", []byte{0x80, 0x01, 0x05, 0xe5, 0x8e, 0x26, 0x80}, binary.LittleEndian, 0)
	for _, want := range []uint64{128, 5, 624485} {
		if got := r.ULEB128("v"); got != want || r.Err() != nil {
			t.Fatalf("ULEB128 = %d, %v; want %d", got, r.Err(), want)
		}
	}
	if r.Pos() != 6 {
		t.Fatalf("position %d after three values, want 6", r.Pos())
	}
	if got := r.ULEB128("v"); got != 0 || r.Err() == nil {
		t.Fatalf("truncated last value: %d, %v", got, r.Err())
	}
}

func TestCString(t *testing.T) {
	r := NewReader("t", []byte("ab\x00cdef"), binary.LittleEndian, 0)
	if s := r.CString(10, "s"); s != "ab" || r.Pos() != 3 {
		t.Fatalf("CString = %q at %d", s, r.Pos())
	}
	if s := r.CString(10, "s"); s != "" || r.Err() == nil {
		t.Fatalf("unterminated CString = %q, %v; want error", s, r.Err())
	}
	r = NewReader("t", []byte("abcdef\x00"), binary.LittleEndian, 0)
	if r.CString(3, "s"); r.Err() == nil {
		t.Fatal("over-long CString accepted")
	}
	if s, ok := CStringAt([]byte("x\x00yz\x00"), 2, 8); !ok || s != "yz" {
		t.Fatalf("CStringAt = %q, %v", s, ok)
	}
	if _, ok := CStringAt([]byte("x"), 5, 8); ok {
		t.Fatal("CStringAt out of range succeeded")
	}
}

func TestBoundsHelpers(t *testing.T) {
	if c := SliceCap(10, 16, 160); c != 10 {
		t.Errorf("SliceCap(10,16,160) = %d", c)
	}
	if c := SliceCap(11, 16, 160); c != -1 {
		t.Errorf("SliceCap(11,16,160) = %d, want -1", c)
	}
	if c := SliceCap(1<<62, 8, math.MaxUint64); c != -1 {
		t.Errorf("SliceCap overflow = %d, want -1", c)
	}
	if _, ok := Span(math.MaxUint64, 2, math.MaxUint64); ok {
		t.Error("Span overflow accepted")
	}
	if end, ok := Span(4, 4, 8); !ok || end != 8 {
		t.Errorf("Span(4,4,8) = %d, %v", end, ok)
	}
	if _, ok := Mul(1<<40, 1<<40); ok {
		t.Error("Mul overflow accepted")
	}
	r := NewReader("t", make([]byte, 4), binary.BigEndian, 0)
	r.Seek(5, "x")
	if r.Err() == nil {
		t.Error("Seek past end accepted")
	}
}

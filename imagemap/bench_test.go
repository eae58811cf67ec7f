package imagemap

import (
	"bytes"
	"io"
	"testing"
)

// benchMap is a realistic 1,000-image macOS map (see macOSMap).
var benchMap = macOSMap(1000, 42)

func BenchmarkDecode1000(b *testing.B) {
	data, err := Encode(benchMap)
	if err != nil {
		b.Fatal(err)
	}
	b.SetBytes(int64(len(data)))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := Decode(data); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkEncode1000(b *testing.B) {
	b.ReportAllocs()
	var n int
	for b.Loop() {
		data, err := Encode(benchMap)
		if err != nil {
			b.Fatal(err)
		}
		n = len(data)
	}
	b.SetBytes(int64(n))
}

func BenchmarkWriteJSON1000(b *testing.B) {
	b.ReportAllocs()
	for b.Loop() {
		if err := WriteJSON(io.Discard, "cif", benchMap); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkWriteText1000(b *testing.B) {
	b.ReportAllocs()
	var buf bytes.Buffer
	for b.Loop() {
		buf.Reset()
		if err := WriteText(&buf, benchMap); err != nil {
			b.Fatal(err)
		}
	}
}

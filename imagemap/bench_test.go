package imagemap

import (
	"bytes"
	"io"
	"testing"
)

// benchMap is a realistic 1,000-image macOS map (see macOSMap): app,
// embedded, system, private and umbrella sub-frameworks, /usr/lib and Swift
// dylibs, each with a 16-byte UUID. It encodes to about 52 kB.
var benchMap = macOSMap(1000, 42)

// bench runs f b.N times and reports CPU time per operation next to the
// wall-clock figure.
func bench(b *testing.B, f func()) {
	b.ReportAllocs()
	start := cpuTime()
	for b.Loop() {
		f()
	}
	b.ReportMetric(float64(cpuTime()-start)/float64(b.N), "cpu-ns/op")
}

func BenchmarkDecode1000(b *testing.B) {
	data, err := Encode(benchMap)
	if err != nil {
		b.Fatal(err)
	}
	b.SetBytes(int64(len(data)))
	bench(b, func() {
		if _, err := Decode(data); err != nil {
			b.Fatal(err)
		}
	})
}

func BenchmarkEncode1000(b *testing.B) {
	data, err := Encode(benchMap)
	if err != nil {
		b.Fatal(err)
	}
	b.SetBytes(int64(len(data)))
	bench(b, func() {
		if _, err := Encode(benchMap); err != nil {
			b.Fatal(err)
		}
	})
}

func BenchmarkWriteJSON1000(b *testing.B) {
	bench(b, func() {
		if err := WriteJSON(io.Discard, "cif", benchMap); err != nil {
			b.Fatal(err)
		}
	})
}

func BenchmarkWriteText1000(b *testing.B) {
	var buf bytes.Buffer
	bench(b, func() {
		buf.Reset()
		if err := WriteText(&buf, benchMap); err != nil {
			b.Fatal(err)
		}
	})
}

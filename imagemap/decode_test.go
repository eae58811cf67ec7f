package imagemap

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/symbolicate/symbolicate/diag"
	"github.com/symbolicate/symbolicate/internal/bin"
	"github.com/symbolicate/symbolicate/process"
)

// diffMaps describes how got differs from want ("" when equal). nil and
// empty build IDs and image lists compare equal.
func diffMaps(got, want *process.Process) string {
	if got == nil || want == nil {
		if got != want {
			return fmt.Sprintf("got %v, want %v", got, want)
		}
		return ""
	}
	if got.Platform != want.Platform || got.WordSize != want.WordSize {
		return fmt.Sprintf("header: got %q/%d, want %q/%d", got.Platform, got.WordSize, want.Platform, want.WordSize)
	}
	if len(got.Images) != len(want.Images) {
		return fmt.Sprintf("got %d images, want %d", len(got.Images), len(want.Images))
	}
	for i := range got.Images {
		g, w := got.Images[i], want.Images[i]
		if g.Path != w.Path || g.Name != w.Name || g.ID != w.ID ||
			g.Base != w.Base || g.End != w.End || g.Arch != w.Arch {
			return fmt.Sprintf("image %d:\n got  %+v\n want %+v", i, g, w)
		}
	}
	return ""
}

// formatError asserts err is a *diag.FormatError for "cif" and returns it.
func formatError(t *testing.T, err error) *diag.FormatError {
	t.Helper()
	var fe *diag.FormatError
	if !errors.As(err, &fe) {
		t.Fatalf("error %v (%T) is not a *diag.FormatError", err, err)
	}
	if fe.Format != "cif" {
		t.Fatalf("error format %q, want cif", fe.Format)
	}
	return fe
}

func TestDecodeVectors(t *testing.T) {
	for _, v := range vectors() {
		t.Run(v.file, func(t *testing.T) {
			m, err := Decode(v.data)
			if v.want == nil {
				if err == nil {
					t.Fatalf("decoded %+v, want an error (%s)", m, v.src)
				}
				fe := formatError(t, err)
				if fe.Field != v.field || fe.Off != v.off {
					t.Errorf("error %q: field %q at %#x, want %q at %#x", err, fe.Field, fe.Off, v.field, v.off)
				}
				return
			}
			if err != nil {
				t.Fatalf("Decode: %v", err)
			}
			if d := diffMaps(m, v.want); d != "" {
				t.Error(d)
			}
		})
	}
}

// TestDecodeLenient covers DecodeOptions.AllowEmptyText: a zero offset is
// accepted as an unknown end of text, and nothing else changes.
func TestDecodeLenient(t *testing.T) {
	lenient := DecodeOptions{AllowEmptyText: true}
	m, err := lenient.Decode(t1("01 08 10 00 00 00 00"))
	if err != nil {
		t.Fatal(err)
	}
	if d := diffMaps(m, t1Map(img("", 0x1000, 0, ""))); d != "" {
		t.Error(d)
	}
	for _, tc := range []struct {
		name  string
		data  []byte
		field string
		off   int64
	}{
		{"negative offset", t1("01 08 10 00 ff 00 00"), "image 0 end of text", 10},
		{"build ID 1025", t1("01 00 00 00 88 01"), "image 0 build ID length", 10},
		{"build ID overflow", t1("01 00 00 00 ff ff ff ff ff ff ff ff ff 7f"), "image 0 build ID length", 10},
		// The DOC's published bytes fail even leniently: the stray 00 after
		// framewk sends the decoder into the middle of later records.
		{"doc published", docStream(docPublishedPaths), "image 2 build ID", 0x31},
	} {
		_, err := lenient.Decode(tc.data)
		if err == nil {
			t.Errorf("%s: decoded, want error", tc.name)
			continue
		}
		fe := formatError(t, err)
		if fe.Field != tc.field || fe.Off != tc.off {
			t.Errorf("%s: %q: field %q at %#x, want %q at %#x", tc.name, err, fe.Field, fe.Off, tc.field, tc.off)
		}
	}
	// A Linux map from an older Swift encoder: an image with no executable
	// segment (offset 00) between two normal ones.
	data := hx(`02 05 "Linux" 03  09 10 00 01 00 00 02 "/a" 00  08 20 00 00 00 02 "/b" 00  09 30 00 01 00 00 02 "/c" 00`)
	if _, err := Decode(data); err == nil {
		t.Fatal("strict Decode accepted a zero offset")
	}
	m, err = lenient.Decode(data)
	if err != nil {
		t.Fatal(err)
	}
	want := &process.Process{Platform: "Linux", WordSize: 64, Images: []process.Image{
		img("/a", 0x1000, 0x1100, ""), img("/b", 0x2000, 0, ""), img("/c", 0x3000, 0x3100, "")}}
	if d := diffMaps(m, want); d != "" {
		t.Error(d)
	}
}

// TestCountVarint checks the §5.2 table both ways: Encode's writer gives the
// Swift column, and the decoder reads both columns.
func TestCountVarint(t *testing.T) {
	for _, tc := range []struct {
		n              uint64
		minimal, swift string
	}{
		{0, "00", "00"}, {1, "01", "01"}, {63, "3f", "3f"}, {64, "40", "80 40"}, {100, "64", "80 64"},
		{127, "7f", "80 7f"}, {128, "81 00", "81 00"}, {129, "81 01", "81 01"}, {700, "85 3c", "85 3c"},
		{1234, "89 52", "89 52"}, {8191, "bf 7f", "bf 7f"}, {8192, "c0 00", "80 c0 00"},
		{16383, "ff 7f", "80 ff 7f"}, {16384, "81 80 00", "81 80 00"}, {65535, "83 ff 7f", "83 ff 7f"},
		{2097151, "ff ff 7f", "80 ff ff 7f"}, {2097152, "81 80 80 00", "81 80 80 00"},
	} {
		if got := appendCount(nil, tc.n); !bytes.Equal(got, hx(tc.swift)) {
			t.Errorf("appendCount(%d) = % x, want %s", tc.n, got, tc.swift)
		}
		for _, form := range []string{tc.minimal, tc.swift, "80 80 " + tc.swift} {
			in := hx(form)
			d := decoder{in: in, r: bin.NewReader("cif", in, binary.BigEndian, 0)}
			if got, pos, ok := d.count(0, "n"); got != tc.n || !ok || pos != len(in) {
				t.Errorf("count(%s) = %d, %v, ends at %d; want %d", form, got, d.r.Err(), pos, tc.n)
			}
		}
	}
	for _, bad := range []string{
		"80",                               // truncated
		"ff ff ff ff ff ff ff ff ff 7f",    // 70 bits
		"80 80 80 80 80 80 80 80 80 80 01", // 11 bytes, even though the value is 1
		"81 80 80 80 80 80 80 80 80 00",    // 2^63 needs 64 bits
	} {
		in := hx(bad)
		d := decoder{in: in, r: bin.NewReader("cif", in, binary.BigEndian, 0)}
		if _, _, ok := d.count(0, "n"); ok || d.r.Err() == nil {
			t.Errorf("count(%s) accepted", bad)
		}
	}
	in := hx("ff ff ff ff ff ff ff ff 7f")
	d := decoder{in: in, r: bin.NewReader("cif", in, binary.BigEndian, 0)}
	if got, _, ok := d.count(0, "n"); got != 1<<63-1 || !ok {
		t.Errorf("count(2^63-1) = %#x, %v", got, d.r.Err())
	}
}

// TestSignedLen checks the len() table of cif.md §6.3.
func TestSignedLen(t *testing.T) {
	for _, tc := range []struct {
		v     uint64
		bytes string
	}{
		{0, "00"}, {0x7f, "7f"}, {0x80, "00 80"}, {0x1000, "10 00"}, {0x8000, "00 80 00"},
		{0x1_0000_0000, "01 00 00 00 00"}, {0x1_8000_0000, "01 80 00 00 00"},
		{0x5555_5555_4000, "55 55 55 55 40 00"}, {0x7fff_f7a0_0000, "7f ff f7 a0 00 00"},
		{^uint64(0), "ff"}, {neg(128), "80"}, {neg(129), "ff 7f"}, {neg(0x100000), "f0 00 00"},
		{0xffff_8000_0000_0000, "80 00 00 00 00 00"},
		{1 << 63, "80 00 00 00 00 00 00 00"}, {1<<63 - 1, "7f ff ff ff ff ff ff ff"},
	} {
		n := signedLen(tc.v)
		if got := appendBE(nil, tc.v, n); !bytes.Equal(got, hx(tc.bytes)) {
			t.Errorf("len(%#x) = %d: % x, want %s", tc.v, n, got, tc.bytes)
		}
		// And the decoder's sign extension reads the bytes back.
		d := decoder{signMask: 0xffffffffffffff00}
		if got := d.field(hx(tc.bytes)); got != tc.v {
			t.Errorf("field(%s) = %#x, want %#x", tc.bytes, got, tc.v)
		}
	}
}

// TestWordSizes covers sign extension and masking in 16- and 32-bit maps,
// relative bases with negative deltas, and wrap-around.
func TestWordSizes(t *testing.T) {
	for _, tc := range []struct {
		name string
		data []byte
		want *process.Process
	}{
		{"16-bit sign extension", hx(`00 00 02 09 ff 00 00 80 00 00 89 fe 00 01 00 00 00`), &process.Process{WordSize: 16, Images: []process.Image{
			// ff 00 is 0xffff00 inside Swift before masking; the relative
			// delta fe 00 (-0x200) still lands at 0xfd00.
			img("", 0xff00, 0xff80, ""), img("", 0xfd00, 0xfe00, "")}}},
		{"32-bit §11.3 internals", hx(`01 00 01 1a b6 e0 00 00 13 c0 00 00 00`), &process.Process{WordSize: 32, Images: []process.Image{
			img("", 0xb6e0_0000, 0xb6f3_c000, "")}}},
		// A 32-bit image whose text crosses 0x80000000: Swift's encoder
		// sign-extends the end and writes the offset as a negative 5-byte value.
		{"32-bit text across the sign bit", hx(`01 00 01 1c 7f ff 00 00 ff 00 01 10 00 00 00`), &process.Process{WordSize: 32, Images: []process.Image{
			img("", 0x7fff_0000, 0x8000_1000, "")}}},
		{"64-bit negative delta", hx(`02 00 02 29 7f ff 00 00 00 00 10 00 00 00 89 f0 00 10 00 00 00`), &process.Process{WordSize: 64, Images: []process.Image{
			img("", 0x7fff_0000_0000, 0x7fff_0000_1000, ""), img("", 0x7fff_0000_0000-0x1000, 0x7fff_0000_0000, "")}}},
		// A relative base that wraps past 2^64 (Swift's encoder would write
		// this one absolute, but decoders must follow the arithmetic).
		{"64-bit relative wrap-around", hx(`02 00 02 08 f0 00 10 00 00 88 20 00 10 00 00`), &process.Process{WordSize: 64, Images: []process.Image{
			img("", 0xffff_ffff_ffff_f000, 0xffff_ffff_ffff_f010, ""), img("", 0x1000, 0x1010, "")}}},
		// Header bit 6 is ignored, as Swift does; trailing bytes too.
		{"header bit 6 and trailing bytes", hx(`02 00 01 49 10 00 10 00 00 00 de ad`), &process.Process{WordSize: 64, Images: []process.Image{
			img("", 0x1000, 0x2000, "")}}},
	} {
		m, err := Decode(tc.data)
		if err != nil {
			t.Errorf("%s: %v", tc.name, err)
			continue
		}
		if d := diffMaps(m, tc.want); d != "" {
			t.Errorf("%s: %s", tc.name, d)
		}
	}
}

// TestPrefixDefinition pins the §8.3 rule: prefixes are measured from the
// first raw byte of the path, span str chunks, count both separators, skip a
// separator that is the first raw byte, and include text an expand added
// after the first str (which Swift's encoder never writes, but decoders
// must follow).
func TestPrefixDefinition(t *testing.T) {
	// Image 0 is /usr/lib + "/a\b/c" + "d/ef": raw separators at 2 ('\'),
	// 4 and 7 (in the second chunk) define 32="/a", 33="/a\b",
	// 34="/a\b/cd"; the '/' at raw position 0 defines nothing.
	// Image 2: "x/y" defines 35="x"; /lib is then expanded after the str,
	// and the '/' of "/z" defines 36="x/y/lib".
	data := hx(`02 00 05
		09 10 00 01 00 00  81 06 "/a\b/c" 04 "d/ef" 00
		09 20 00 01 00 00  a0 a1 a2 00
		09 30 00 01 00 00  03 "x/y" 80 02 "/z" 00
		09 40 00 01 00 00  a3 00
		09 50 00 01 00 00  a4 00`)
	m, err := Decode(data)
	if err != nil {
		t.Fatal(err)
	}
	want := []string{`/usr/lib/a\b/cd/ef`, `/a/a\b/a\b/cd`, "x/y/lib/z", "x", "x/y/lib"}
	for i, w := range want {
		if m.Images[i].Path != w {
			t.Errorf("image %d path %q, want %q", i, m.Images[i].Path, w)
		}
	}
	// Exactly five prefixes were defined: code 37 is not.
	bad := append(data[:2:2], 0x06)
	bad = append(bad, data[3:]...)
	bad = append(bad, hx("09 60 00 01 00 00 a5 00")...)
	_, err = Decode(bad)
	if fe := formatError(t, err); fe.Field != "image 5 path" || !strings.Contains(fe.Msg, "undefined code 37") {
		t.Errorf("expand 37: %v", err)
	}
}

// TestDecodeRejects covers the limits and malformed paths beyond the T1 set.
func TestDecodeRejects(t *testing.T) {
	long := strings.Repeat("/abcdefghijklmnopqrstuvwxyz01234", 2) // 64 bytes
	var pathOps strings.Builder
	for range MaxPathLen/63 + 1 {
		pathOps.WriteString(`3f "` + strings.Repeat("x", 63) + `" `)
	}
	for _, tc := range []struct {
		name  string
		data  []byte
		field string
		off   int64
	}{
		{"e=1 code of 9 bytes", t1Image("c8 00 00 00 00 00 00 00 00 00 00"), "image 0 path", 13},
		{"e=1 code overflow", t1Image("c7 ff ff ff ff ff ff ff ff 00"), "image 0 path", 13},
		{"e=1 code undefined", t1Image("c0 00 00"), "image 0 path", 13},
		{"code 12", t1Image("8c 00"), "image 0 path", 13},
		{"code 31", t1Image("9f 00"), "image 0 path", 13},
		{"code 32 before any str", t1Image("a0 00"), "image 0 path", 13},
		{"path without end", t1Image(`02 "/a"`), "image 0 path", 16},
		{"framewk version missing", t1Image(`40`), "image 0 path", 14},
		{"path too long", t1Image(pathOps.String() + "00"), "image 0 path", 13 + 64*1040},
		{"platform missing bytes", hx("02 03 41"), "platform", 2},
		{"count missing", hx("02 00"), "image count", 2},
		{"count beyond the bytes left", hx("02 00 01 00 00 00 00"), "image count", 2},
		{"base truncated", hx("02 00 02 09 10 00 01 00 00 00 38 00 00"), "image 1 base", 11},
		{"offset truncated", hx("02 00 02 09 10 00 01 00 00 00 01 10 00"), "image 1 end of text", 12},
		{"build ID truncated", hx("02 00 01 08 10 00 10 03 aa bb"), "image 0 build ID", 8},
		{"second image bad", t1(`02 09 10 00 01 00 00 00 09 20 00 01 00 00 81`), "image 1 path", 21},
		{"dynamic prefix of a later str", t1(`01 09 10 00 01 00 00 04 "` + long[:4] + `" a0 00`), "image 0 path", 18},
	} {
		_, err := Decode(tc.data)
		if err == nil {
			t.Errorf("%s: accepted", tc.name)
			continue
		}
		fe := formatError(t, err)
		if fe.Field != tc.field || fe.Off != tc.off {
			t.Errorf("%s: %q: field %q at %d, want %q at %d", tc.name, err, fe.Field, fe.Off, tc.field, tc.off)
		}
	}
}

// neg returns -v in two's complement.
func neg(v uint64) uint64 { return ^v + 1 }

// TestPathBudget checks the bound on the total of decoded paths (64 KiB +
// 64 × input length): many images expanding one 1001-byte prefix exceed
// it, and Encode refuses such a map rather than write bytes Decode rejects.
func TestPathBudget(t *testing.T) {
	long := "/" + strings.Repeat("a", 1000)
	stream := func(n int) []byte {
		b := hx("02 00")
		b = appendCount(b, uint64(n+1))
		b = append(b, hx("09 10 00 01 00 00")...)
		raw := long + "/x"
		for len(raw) > 0 {
			k := min(len(raw), 63)
			b = append(append(b, byte(k)), raw[:k]...)
			raw = raw[k:]
		}
		b = append(b, 0)
		for range n {
			b = append(b, hx("09 10 00 01 00 00 a0 00")...)
		}
		return b
	}
	if m, err := Decode(stream(50)); err != nil || m.Images[50].Path != long {
		t.Fatalf("50 expansions: %v", err)
	}
	_, err := Decode(stream(2000))
	if fe := formatError(t, err); !strings.HasSuffix(fe.Field, " path") || !strings.Contains(fe.Msg, "decoded paths exceed") {
		t.Fatalf("2000 expansions: %v", err)
	}
	m := &process.Process{WordSize: 64, Images: []process.Image{img(long+"/x", 0x1000, 0x1100, "")}}
	for range 2000 {
		m.Images = append(m.Images, img(long, 0x1000, 0x1100, ""))
	}
	if _, err := Encode(m); !errors.Is(err, errPathBudget) {
		t.Fatalf("Encode: %v, want errPathBudget", err)
	}
	m.Images = m.Images[:51]
	roundTrip(t, "51 images", m)
}

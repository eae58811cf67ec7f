package imagemap

import (
	"bytes"
	"fmt"
	"strings"
	"testing"

	"github.com/symbolicate/symbolicate/process"
)

// TestEncodeVectors checks that Encode reproduces Swift's bytes for every
// Swift-produced vector, and what Swift writes when re-encoding the
// hand-built T1 streams; and that Encode(Decode(b)) == b for the former.
func TestEncodeVectors(t *testing.T) {
	for _, v := range vectors() {
		if v.want == nil {
			continue
		}
		t.Run(v.file, func(t *testing.T) {
			want := v.reencoded
			if v.swift {
				want = v.data
			}
			got, err := Encode(v.want)
			if err != nil {
				t.Fatalf("Encode: %v", err)
			}
			if want != nil && !bytes.Equal(got, want) {
				t.Fatalf("Encode:\n got  % x\n want % x", got, want)
			}
			// Decode(Encode(m)) == m for every vector's map.
			back, err := Decode(got)
			if err != nil {
				t.Fatalf("Decode(Encode): %v", err)
			}
			if d := diffMaps(back, v.want); d != "" {
				t.Error(d)
			}
			if v.swift {
				m, err := Decode(v.data)
				if err != nil {
					t.Fatal(err)
				}
				again, err := Encode(m)
				if err != nil || !bytes.Equal(again, v.data) {
					t.Errorf("Encode(Decode(b)) != b: % x, %v", again, err)
				}
			}
		})
	}
}

// TestEncodeHundredImages checks the varint quirk in place: Swift writes a
// count of 100 as 80 64 (cif.md §5.2, §11.5).
func TestEncodeHundredImages(t *testing.T) {
	m := &process.Process{WordSize: 64}
	for i := range 100 {
		m.Images = append(m.Images, img(fmt.Sprintf("/usr/lib/lib%d.dylib", i), 0x1000*uint64(i+1), 0x1000*uint64(i+1)+0x800, ""))
	}
	b, err := Encode(m)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.HasPrefix(b, hx("02 00 80 64")) {
		t.Fatalf("stream starts % x, want 02 00 80 64", b[:4])
	}
	back, err := Decode(b)
	if err != nil {
		t.Fatal(err)
	}
	if d := diffMaps(back, m); d != "" {
		t.Error(d)
	}
}

// TestAppendExpand checks the §9 e=1 table (our column, the correct one).
func TestAppendExpand(t *testing.T) {
	for _, tc := range []struct {
		code int
		want string
	}{
		{0, "80"}, {11, "8b"}, {32, "a0"}, {63, "bf"},
		{64, "c0 00"}, {100, "c0 24"}, {319, "c0 ff"}, {320, "c1 01 00"}, {576, "c1 02 00"},
		{32831, "c1 7f ff"}, {32832, "c1 80 00"}, {65599, "c1 ff ff"}, {65600, "c2 01 00 00"},
	} {
		if got := appendExpand(nil, tc.code); !bytes.Equal(got, hx(tc.want)) {
			t.Errorf("appendExpand(%d) = % x, want %s", tc.code, got, tc.want)
		}
	}
}

// deepPath returns "/d000/d001/…/dNNN" with n components; each component
// after the first defines one prefix when written raw.
func deepPath(n int) string {
	var b strings.Builder
	for i := range n {
		fmt.Fprintf(&b, "/d%03d", i)
	}
	return b.String()
}

// TestEncodeCode320 shows where we deliberately differ from Swift (Q2): the
// 289th dynamic prefix, code 320, is written c1 01 00 and decodes to the
// right path; Swift's c0 00 would decode as code 64.
func TestEncodeCode320(t *testing.T) {
	p := deepPath(400) // defines codes 32..430
	// Code 32+k is the prefix ending before component k+1.
	prefix := func(code int) string { return p[:5*(code-32+1)] }
	m := &process.Process{WordSize: 64, Images: []process.Image{
		img(p, 0x1000, 0x2000, ""),
		img(prefix(320)+"/tail", 0x3000, 0x4000, ""),
	}}
	b, err := Encode(m)
	if err != nil {
		t.Fatal(err)
	}
	ours := hx(`c1 01 00 05 "/tail" 00`)
	if !bytes.HasSuffix(b, ours) {
		t.Fatalf("image 1 path bytes: stream ends % x, want % x", b[len(b)-len(ours):], ours)
	}
	back, err := Decode(b)
	if err != nil {
		t.Fatal(err)
	}
	if back.Images[1].Path != prefix(320)+"/tail" {
		t.Errorf("decoded %q", back.Images[1].Path)
	}
	// What Swift's encoder writes instead decodes to a different path.
	swift := append(bytes.TrimSuffix(b, ours), hx(`c0 00 05 "/tail" 00`)...)
	wrong, err := Decode(swift)
	if err != nil {
		t.Fatal(err)
	}
	if got, want := wrong.Images[1].Path, prefix(64)+"/tail"; got != want {
		t.Errorf("Swift's bytes decode to %q, want %q", got, want)
	}
}

// TestEncodeDifferences covers Q3–Q6 and the other cases where Encode writes
// something other than Swift, or returns an error where Swift traps.
func TestEncodeDifferences(t *testing.T) {
	one := func(im process.Image) *process.Process {
		return &process.Process{WordSize: 64, Images: []process.Image{im}}
	}
	// Q3: an empty, non-nil build ID is "none" (Swift crashes).
	b, err := Encode(one(process.Image{Path: "/a", ID: "", Base: 0x1000, End: 0x2000}))
	if err != nil || !bytes.Equal(b, hx(`02 00 01 09 10 00 10 00 00 02 "/a" 00`)) {
		t.Errorf("empty build ID: % x, %v", b, err)
	}

	// Q4: framewk only for 1..64-byte names; a 65-byte one falls back to str.
	for _, n := range []int{1, 64, 65} {
		name := strings.Repeat("N", n)
		p := "/System/Library/Frameworks/" + name + ".framework/Versions/A/" + name
		b, err := Encode(one(img(p, 0x1000, 0x2000, "")))
		if err != nil {
			t.Fatal(err)
		}
		path := b[9:]
		if framewk := path[1] >= 0x40 && path[1] < 0x80; framewk != (n <= 64) {
			t.Errorf("name of %d bytes: path bytes % x", n, path[:3])
		}
		if back, err := Decode(b); err != nil || back.Images[0].Path != p {
			t.Errorf("name of %d bytes: decoded %v, %v", n, back, err)
		}
	}

	// The iOS (shallow) bundle form is written as str, which every Swift
	// decoder reads correctly, and a macOS path with version byte 0x01 too,
	// since decoders after PR #92334 would read framewk 0x01 as iOS form.
	for _, p := range []string{
		"/System/Library/Frameworks/UIKit.framework/UIKit",
		"/System/Library/Frameworks/Odd.framework/Versions/\x01/Odd",
	} {
		b, err := Encode(one(img(p, 0x1000, 0x2000, "")))
		if err != nil {
			t.Fatal(err)
		}
		if b[10] >= 0x40 {
			t.Errorf("%q: wrote opcode %#x, want str", p, b[10])
		}
		if back, err := Decode(b); err != nil || back.Images[0].Path != p {
			t.Errorf("%q: decoded %v, %v", p, back, err)
		}
	}

	// Prefixes win over framewk (cif.md §9): image 0 defines
	// 34="/Foo.framework/Versions/A", so image 1 expands it and writes
	// "/Foo" raw rather than using the framework form.
	m := &process.Process{WordSize: 64, Images: []process.Image{
		img("/System/Library/Frameworks/Foo.framework/Versions/A/Helpers/x", 0x1000, 0x2000, ""),
		img("/System/Library/Frameworks/Foo.framework/Versions/A/Foo", 0x3000, 0x4000, ""),
	}}
	b, err = Encode(m)
	if err != nil {
		t.Fatal(err)
	}
	if want := hx(`84 a2 04 "/Foo" 00`); !bytes.HasSuffix(b, want) {
		t.Errorf("prefix over framewk: stream ends % x, want % x", b[len(b)-len(want):], want)
	}

	// Errors instead of traps (Q5, Q6) and the other limits.
	for _, tc := range []struct {
		name string
		m    *process.Process
		want string
	}{
		{"platform 256 bytes", &process.Process{WordSize: 64, Platform: strings.Repeat("p", 256)}, "platform is 256 bytes"},
		{"platform not UTF-8", &process.Process{WordSize: 64, Platform: "\xff"}, "not valid UTF-8"},
		{"word size 8", &process.Process{WordSize: 8}, "word size 8"},
		{"word size 0", &process.Process{}, "word size 0"},
		{"nil map", nil, "nil map"},
		{"too many images", &process.Process{WordSize: 64, Images: make([]process.Image, MaxImages+1)}, "1048577 images"},
		{"end below base", one(process.Image{Base: 0x2000, End: 0x1000}), "below base"},
		{"end equals base", one(process.Image{Base: 0x2000, End: 0x2000}), "equals base"},
		{"build ID 1025", one(process.Image{Base: 0x1000, End: 0x2000, ID: process.BuildID(make([]byte, 1025))}), "build ID is 1025 bytes"},
		{"path too long", one(process.Image{Base: 0x1000, End: 0x2000, Path: "/" + strings.Repeat("x", MaxPathLen)}), "path is 65537 bytes"},
		{"path not UTF-8", one(process.Image{Base: 0x1000, End: 0x2000, Path: "/a\xff"}), "not valid UTF-8"},
		{"32-bit base too big", &process.Process{WordSize: 32, Images: []process.Image{{Base: 1 << 32, End: 1<<32 + 1}}}, "does not fit in 32 bits"},
		{"16-bit end too big", &process.Process{WordSize: 16, Images: []process.Image{{Base: 0x1000, End: 0x10000}}}, "does not fit in 16 bits"},
		{"unknown end at the top", &process.Process{WordSize: 16, Images: []process.Image{{Base: 0xffff}}}, "last address"},
	} {
		_, err := Encode(tc.m)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: error %v, want one containing %q", tc.name, err, tc.want)
		}
	}
	// Exactly MaxImages images is allowed.
	if _, err := Encode(&process.Process{WordSize: 64, Images: make([]process.Image, MaxImages)}); err != nil {
		t.Errorf("MaxImages images: %v", err)
	}
}

// TestEncodeUnknownEnd checks the rule for EndOfText 0: Base+4096, clamped
// to the top of the word, so current Swift (and our strict Decode) accept it.
func TestEncodeUnknownEnd(t *testing.T) {
	for _, tc := range []struct {
		ws        int
		base, end uint64
	}{
		{64, 0, 0x1000},
		{64, 0x1_8000_0000, 0x1_8000_1000},
		{64, ^uint64(0) - 0x800, ^uint64(0)},
		{32, 0xffff_f800, 0xffff_ffff},
		{16, 0xf800, 0xffff},
		{16, 0x1000, 0x2000},
	} {
		b, err := Encode(&process.Process{WordSize: tc.ws, Images: []process.Image{{Base: tc.base}}})
		if err != nil {
			t.Errorf("%d-bit base %#x: %v", tc.ws, tc.base, err)
			continue
		}
		m, err := Decode(b)
		if err != nil {
			t.Errorf("%d-bit base %#x: %v", tc.ws, tc.base, err)
			continue
		}
		if im := m.Images[0]; im.Base != tc.base || im.End != tc.end {
			t.Errorf("%d-bit base %#x: decoded %#x-%#x, want end %#x", tc.ws, tc.base, im.Base, im.End, tc.end)
		}
	}
}

package imagemap

import (
	"bytes"
	"encoding/hex"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/symbolicate/symbolicate/process"
)

// update rewrites the spec vectors in testdata/ from the hex below:
//
//	go test ./imagemap -run TestVectorFiles -update
var update = flag.Bool("update", false, "rewrite testdata/*.cif from the vectors in vectors_test.go")

// hx turns spec-style hex ("02 12 "macOS" 07 …") into bytes: pairs of hex
// digits, and raw text between double quotes (no escapes, so Windows paths
// can be written as they are).
func hx(s string) []byte {
	var b []byte
	for i := 0; i < len(s); {
		switch c := s[i]; {
		case c == ' ' || c == '\n' || c == '\t':
			i++
		case c == '"':
			j := strings.IndexByte(s[i+1:], '"')
			b = append(b, s[i+1:i+1+j]...)
			i += j + 2
		default:
			v, err := hex.DecodeString(s[i : i+2])
			if err != nil {
				panic("bad hex literal near " + s[i:])
			}
			b = append(b, v...)
			i += 2
		}
	}
	return b
}

// img builds an expected image with the name Decode derives.
func img(path string, base, end uint64, buildID string) process.Image {
	var bid []byte
	if buildID != "" {
		bid = hx(buildID)
	}
	return process.Image{Path: path, Name: process.NameOf(path), ID: process.BuildID(bid), Base: base, End: end}
}

// t1Long is the 80-byte path of Swift's T1 test 6: "/A/B/…/Z/a/…/n".
const t1Long = "/A/B/C/D/E/F/G/H/I/J/K/L/M/N/O/P/Q/R/S/T/U/V/W/X/Y/Z/a/b/c/d/e/f/g/h/i/j/k/l/m/n"

// vector is one CIF stream from cif.md, stored as testdata/<file>.
type vector struct {
	file string
	src  string // where in cif.md (or Swift's T1) it comes from
	data []byte
	// want is the decoded map, or nil when Decode must fail.
	want *process.Process
	// swift marks streams that are Swift's encoder output, which Encode must
	// reproduce byte for byte.
	swift bool
	// reencoded, when set, is what Encode writes for want (Swift's bytes for
	// non-canonical inputs, cif.md §11.6).
	reencoded []byte
	// field and off are the expected error's field and offset when want is nil.
	field string
	off   int64
}

// docPaths are the seven paths of the CIF document's example (cif.md §11.1).
var docPaths = []string{
	"/System/Library/Frameworks/AppKit.framework/Versions/C/AppKit",
	"/System/Library/Frameworks/Photos.framework/Versions/A/Photos",
	"/usr/lib/libobjc.A.dylib",
	"/usr/lib/libz.1.dylib",
	"/usr/lib/swift/libswiftCore.dylib",
	"/usr/lib/libSystem.B.dylib",
	"/usr/lib/libc++.1.dylib",
}

func docMap() *process.Process {
	m := &process.Process{Platform: "macOS 15.3 (24D60)", WordSize: 64}
	for k, p := range docPaths {
		base := 0x1_8000_0000 + uint64(k)*0x10_0000
		m.Images = append(m.Images, img(p, base, base+0x4000, ""))
	}
	return m
}

// docHeaders are the image headers, bases, offsets and (empty) build IDs of
// the §11.1 stream, image by image.
var docHeaders = []string{
	"21 01 80 00 00 00 40 00 00",
	"91 10 00 00 40 00 00", "91 10 00 00 40 00 00", "91 10 00 00 40 00 00",
	"91 10 00 00 40 00 00", "91 10 00 00 40 00 00", "91 10 00 00 40 00 00",
}

// docStream joins the §11.1 header with the given per-image path bytes.
func docStream(paths []string) []byte {
	s := `02 12 "macOS 15.3 (24D60)" 07`
	for i, p := range paths {
		s += " " + docHeaders[i] + " " + p
	}
	return hx(s)
}

// Path bytes Swift's encoder writes for docPaths (cif.md §11.1, 108 bytes).
var docSwiftPaths = []string{
	`84 45 43 "AppKit"`,
	`84 45 41 "Photos"`,
	`81 80 0c "objc.A.dylib" 00`,
	`81 80 09 "z.1.dylib" 00`,
	`81 19 "/swift/libswiftCore.dylib" 00`,
	`81 80 0e "System.B.dylib" 00`,
	`81 80 0b "c++.1.dylib" 00`,
}

// Path bytes as the CIF document publishes them (122 bytes), including the
// `00` after each framewk that no decoder expects.
var docPublishedPaths = []string{
	`84 45 43 "AppKit" 00`,
	`84 45 41 "Photos" 00`,
	`81 10 "/libobjc.A.dylib" 00`,
	`81 0d "/libz.1.dylib" 00`,
	`81 19 "/swift/libswiftCore.dylib" 00`,
	`81 12 "/libSystem.B.dylib" 00`,
	`81 0f "/libc++.1.dylib" 00`,
}

// t1 prefixes Swift T1's default header: 64-bit, platform "test".
func t1(rest string) []byte { return hx(`02 04 "test" ` + rest) }

// t1Image is T1's usual image: base 0x1000 and offset 0x100 in two bytes
// each, no build ID, then the path bytes given.
func t1Image(path string) []byte { return t1("01 09 10 00 01 00 00 " + path) }

var t1Map = func(images ...process.Image) *process.Process {
	return &process.Process{Platform: "test", WordSize: 64, Images: images}
}

func vectors() []vector {
	docPub := docPublishedPaths
	docFixed := append([]string{`84 45 43 "AppKit"`, `84 45 41 "Photos"`}, docPub[2:]...)
	return []vector{
		// cif.md §11.1: the document's example as Swift's encoder writes it.
		{file: "doc-example-swift.cif", src: "cif.md §11.1 (180-byte Swift stream)",
			data: docStream(docSwiftPaths), want: docMap(), swift: true},
		// The document's published path bytes: the `00` after framewk is read
		// as the next image's header, and image 2 ends up with a zero
		// end-of-text offset, so the stream is not decodable as written.
		{file: "doc-example-published.cif", src: "cif.md §11.1 (DOC's own path bytes, 122 bytes)",
			data: docStream(docPub), field: "image 2 end of text", off: 0x2e},
		// The same without the two stray `00`s: decodable, the same paths, but
		// not what Swift's encoder writes (it matches /lib byte-wise).
		{file: "doc-example-published-fixed.cif", src: "cif.md §11.1 (DOC bytes, framewk `00`s removed)",
			data: docStream(docFixed), want: docMap(), reencoded: docStream(docSwiftPaths)},

		{file: "linux-x86_64.cif", src: "cif.md §11.2", swift: true, data: hx(linuxHex), want: &process.Process{
			Platform: "Linux (Ubuntu 22.04.5 LTS)", WordSize: 64, Images: []process.Image{
				img("/home/user/hello", 0x5555_5555_4000, 0x5555_5555_6d45, "5f0e8a4c2b1d9e3f7a6b5c4d3e2f1a0b9c8d7e6f"),
				img("/usr/lib/swift/linux/libswiftCore.so", 0x7fff_f7a0_0000, 0x7fff_f7df_1000, ""),
				img("/usr/lib/swift/linux/libFoundation.so", 0x7fff_f7e0_0000, 0x7fff_f7e8_0000, ""),
				img("/lib/x86_64-linux-gnu/libc.so.6", 0x7fff_f7f0_0000, 0x7fff_f809_5000, ""),
			}}},

		{file: "linux-arm32.cif", src: "cif.md §11.3", swift: true, data: hx(`01 28 "Linux (Raspbian GNU/Linux 11 (bullseye))" 03
			11 01 00 00 0a b4 00 0c "/usr/bin/app" 00
			1a b6 e0 00 00 13 c0 00 00 80 1e "/arm-linux-gnueabihf/libc.so.6" 00
			92 18 00 00 01 d0 00 00 80 14 "/ld-linux-armhf.so.3" 00`),
			want: &process.Process{Platform: "Linux (Raspbian GNU/Linux 11 (bullseye))", WordSize: 32, Images: []process.Image{
				img("/usr/bin/app", 0x10000, 0x10ab4, ""),
				img("/lib/arm-linux-gnueabihf/libc.so.6", 0xb6e0_0000, 0xb6f3_c000, ""),
				img("/lib/ld-linux-armhf.so.3", 0xb6f8_0000, 0xb6f9_d000, ""),
			}}},

		// cif.md §11.4 gives the path encodings; the headers are ours,
		// worked out by hand from §6.3 (see testdata/README.md).
		{file: "windows.cif", src: "cif.md §11.4 paths, hand-computed headers", swift: true, data: hx(`02 18 "Windows 11.0 build 26100" 04
			2a 7f f6 10 00 00 00 01 20 00 14 00 11 22 33 44 55 66 77 88 99 aa bb cc dd ee ff 01 00 00 00
			   15 "C:\Users\me\hello.exe" 00
			a2 06 10 00 00 00 40 00 00 00 8b 2b "\Swift\Runtimes\6.1.0\usr\bin\swiftCore.dll" 00
			9a 20 00 00 00 08 00 00 00 8a 0d "\KERNEL32.DLL" 00
			9a 10 00 00 00 18 00 00 00 a0 1b "\WINDOWS\SYSTEM32\ntdll.dll" 00`),
			want: &process.Process{Platform: "Windows 11.0 build 26100", WordSize: 64, Images: []process.Image{
				img(`C:\Users\me\hello.exe`, 0x7ff6_1000_0000, 0x7ff6_1001_2000, "00112233445566778899aabbccddeeff01000000"),
				img(`C:\Program Files\Swift\Runtimes\6.1.0\usr\bin\swiftCore.dll`, 0x7ffc_2000_0000, 0x7ffc_2040_0000, ""),
				img(`C:\Windows\System32\KERNEL32.DLL`, 0x7ffc_4000_0000, 0x7ffc_4008_0000, ""),
				img(`C:\WINDOWS\SYSTEM32\ntdll.dll`, 0x7ffc_5000_0000, 0x7ffc_5018_0000, ""),
			}}},

		// cif.md §11.5.
		{file: "empty.cif", src: "cif.md §11.5", swift: true, data: hx("02 00 00"), want: &process.Process{WordSize: 64, Images: []process.Image{}}},
		{file: "usr-lib-exactly.cif", src: "cif.md §11.5", swift: true, data: hx("02 00 01 09 10 00 10 00 00 81 00"),
			want: &process.Process{WordSize: 64, Images: []process.Image{img("/usr/lib", 0x1000, 0x2000, "")}}},
		{file: "library-framework.cif", src: "cif.md §11.5", swift: true, data: hx("02 00 01 09 10 00 10 00 00 87 42 41 46 6f 6f"),
			want: &process.Process{WordSize: 64, Images: []process.Image{img("/Library/Frameworks/Foo.framework/Versions/A/Foo", 0x1000, 0x2000, "")}}},
		{file: "usr-libexec.cif", src: "cif.md §11.5", swift: true, data: hx(`02 00 01 09 10 00 10 00 00 81 08 "exec/foo" 00`),
			want: &process.Process{WordSize: 64, Images: []process.Image{img("/usr/libexec/foo", 0x1000, 0x2000, "")}}},

		// Swift's T1 vectors (cif.md §11.6): valid.
		{file: "t1-1-basic.cif", src: "T1 case 1",
			data:      hx(`02 06 "macosx" 01 39 00 00 55 55 00 00 10 00 20 00 04 de ad be ef 15 "/usr/lib/libfoo.dylib" 00`),
			reencoded: hx(`02 06 "macosx" 01 29 55 55 00 00 10 00 20 00 04 de ad be ef 81 80 09 "foo.dylib" 00`),
			want: &process.Process{Platform: "macosx", WordSize: 64, Images: []process.Image{
				img("/usr/lib/libfoo.dylib", 0x5555_0000_1000, 0x5555_0000_3000, "deadbeef")}}},
		{file: "t1-2-no-path.cif", src: "T1 case 2", swift: true, data: t1Image("00"),
			want: t1Map(img("", 0x1000, 0x1100, ""))},
		// Swift matches /lib byte-wise a second time when re-encoding.
		{file: "t1-3-fixed-prefix.cif", src: "T1 case 3", data: t1Image(`80 0a "/libbar.so" 00`),
			reencoded: t1Image(`80 80 06 "bar.so" 00`),
			want:      t1Map(img("/lib/libbar.so", 0x1000, 0x1100, ""))},
		{file: "t1-4-dynamic-prefix.cif", src: "T1 case 4",
			data:      t1(`02 09 10 00 01 00 00 1d "/swift/linux/x86_64/libfoo.so" 00 89 01 00 01 00 00 a1 0a "/libbar.so" 00`),
			reencoded: t1(`02 09 10 00 01 00 00 1d "/swift/linux/x86_64/libfoo.so" 00 09 11 00 01 00 00 a1 80 06 "bar.so" 00`),
			want: t1Map(img("/swift/linux/x86_64/libfoo.so", 0x1000, 0x1100, ""),
				img("/swift/linux/libbar.so", 0x1100, 0x1200, ""))},
		{file: "t1-5-framework.cif", src: "T1 case 5", swift: true, data: t1Image(`84 45 43 "AppKit"`),
			want: t1Map(img("/System/Library/Frameworks/AppKit.framework/Versions/C/AppKit", 0x1000, 0x1100, ""))},
		// We never write the iOS form, so this re-encodes as expand 4 + str.
		{file: "t1-5.1-ios-framework.cif", src: "T1 case 5.1 (@322329792)", data: t1Image(`84 48 01 "IOSurface"`),
			reencoded: t1Image(`84 1e "/IOSurface.framework/IOSurface" 00`),
			want:      t1Map(img("/System/Library/Frameworks/IOSurface.framework/IOSurface", 0x1000, 0x1100, ""))},
		// Swift re-encodes image 1 with an absolute base (a tie, §6.3).
		{file: "t1-6-e1-expand.cif", src: "T1 case 6",
			data: t1(`02 09 10 00 01 00 00 3f "` + t1Long[:63] + `" 11 "` + t1Long[63:] + `" 00
				89 01 00 01 00 00 c0 00 09 "/extra.so" 00`),
			reencoded: t1(`02 09 10 00 01 00 00 3f "` + t1Long[:63] + `" 11 "` + t1Long[63:] + `" 00
				09 11 00 01 00 00 c0 00 09 "/extra.so" 00`),
			want: t1Map(img(t1Long, 0x1000, 0x1100, ""),
				img("/A/B/C/D/E/F/G/H/I/J/K/L/M/N/O/P/Q/R/S/T/U/V/W/X/Y/Z/a/b/c/d/e/f/g/extra.so", 0x1100, 0x1200, ""))},

		// T1: rejected by Swift and by us.
		{file: "bad-empty.cif", src: "T1 empty data", data: []byte{}, field: "info byte", off: 0},
		{file: "bad-version.cif", src: "T1 nonzero version", data: hx("06"), field: "info byte", off: 0},
		{file: "bad-size3.cif", src: "T1 reserved size", data: hx("03"), field: "info byte", off: 0},
		{file: "bad-truncated-info.cif", src: "T1 truncated after info byte", data: hx("02"), field: "platform length", off: 1},
		{file: "bad-platform-truncated.cif", src: "T1 platform truncated", data: hx("02 05 41 42"), field: "platform", off: 2},
		{file: "bad-platform-utf8.cif", src: "T1 platform invalid UTF-8", data: hx("02 01 ff 00"), field: "platform", off: 2},
		{file: "bad-count-max.cif", src: "T1 image count 1_048_577", data: t1("c0 80 01"), field: "image count", off: 6},
		{file: "bad-count-overflow.cif", src: "T1 image count overflow", data: t1("ff ff ff ff ff ff ff ff ff 7f"), field: "image count", off: 6},
		{file: "bad-buildid-1025.cif", src: "T1 build ID length 1025 (offset 00 too)", data: t1("01 00 00 00 88 01"), field: "image 0 end of text", off: 9},
		{file: "bad-buildid-overflow.cif", src: "T1 build ID length overflow (offset 00 too)", data: t1("01 00 00 00 ff ff ff ff ff ff ff ff ff 7f"), field: "image 0 end of text", off: 9},
		{file: "bad-eot-zero.cif", src: "T1 zero end-of-text offset", data: t1("01 08 10 00 00 00 00"), field: "image 0 end of text", off: 10},
		{file: "bad-eot-negative.cif", src: "T1 negative end-of-text offset", data: t1("01 08 10 00 ff 00 00"), field: "image 0 end of text", off: 10},
		{file: "bad-count-no-images.cif", src: "T1 count 5, no images", data: t1("05"), field: "image count", off: 6},
		{file: "bad-str-overrun.cif", src: "T1 over-length str", data: t1(`02 09 10 00 01 00 00 14 41 42 43 09 99 99 00 10 00 02 "/Z" 00`),
			field: "image 0 path", off: 14},

		// T1 path-only failures: Swift keeps the map and gives the image a nil
		// path; we reject the whole map (stricter than Swift, docs/cif.md),
		// since a silently missing path hides corruption.
		{file: "pathfail-str-truncated.cif", src: "T1 path str truncated", data: t1Image("0a 41 42"), field: "image 0 path", off: 14},
		{file: "pathfail-framewk-truncated.cif", src: "T1 path framewk truncated", data: t1Image("53 41 78"), field: "image 0 path", off: 14},
		{file: "pathfail-utf8.cif", src: "T1 path invalid UTF-8", data: t1Image("01 ff 00"), field: "image 0 path", off: 13},
		{file: "pathfail-code20.cif", src: "T1 expand reserved code 20", data: t1Image("94 00"), field: "image 0 path", off: 13},
		{file: "pathfail-code40.cif", src: "T1 expand undefined code 40", data: t1Image("a8 00"), field: "image 0 path", off: 13},
		{file: "pathfail-e1-overflow.cif", src: "T1 expand code overflow", data: t1Image("c7 7f ff ff ff ff ff ff c0"), field: "image 0 path", off: 13},
		{file: "pathfail-e1-truncated.cif", src: "T1 expand e=1 truncated", data: t1Image("c3 00 00"), field: "image 0 path", off: 14},
	}
}

// linuxHex is the full §11.2 stream as cif.md prints it.
const linuxHex = `02 1a 4c 69 6e 75 78 20 28 55 62 75 6e 74 75 20 32 32 2e 30 34 2e 35 20 4c 54 53 29 04 29 55 55 55 55 40 00 2d 45 14 5f 0e 8a 4c 2b 1d 9e 3f 7a 6b 5c 4d 3e 2f 1a 0b 9c 8d 7e 6f 10 2f 68 6f 6d 65 2f 75 73 65 72 2f 68 65 6c 6c 6f 00 2a 7f ff f7 a0 00 00 3f 10 00 00 81 1c 2f 73 77 69 66 74 2f 6c 69 6e 75 78 2f 6c 69 62 73 77 69 66 74 43 6f 72 65 2e 73 6f 00 92 40 00 00 08 00 00 00 81 a3 80 0d 46 6f 75 6e 64 61 74 69 6f 6e 2e 73 6f 00 92 10 00 00 19 50 00 00 80 1b 2f 78 38 36 5f 36 34 2d 6c 69 6e 75 78 2d 67 6e 75 2f 6c 69 62 63 2e 73 6f 2e 36 00`

// linuxBase64 is the same stream in Swift's unpadded base64 (cif.md §11.2).
const linuxBase64 = `AhpMaW51eCAoVWJ1bnR1IDIyLjA0LjUgTFRTKQQpVVVVVUAALUUUXw6KTCsdnj96a1xNPi8aC5yNfm8QL2hvbWUvdXNlci9oZWxsbwAqf//3oAAAPxAAAIEcL3N3aWZ0L2xpbnV4L2xpYnN3aWZ0Q29yZS5zbwCSQAAACAAAAIGjgA1Gb3VuZGF0aW9uLnNvAJIQAAAZUAAAgBsveDg2XzY0LWxpbnV4LWdudS9saWJjLnNvLjYA`

// TestVectorFiles checks that testdata/ holds exactly the vectors above (or
// rewrites them with -update), so the binary files cannot drift from the
// hex transcribed from cif.md.
func TestVectorFiles(t *testing.T) {
	for _, v := range vectors() {
		p := filepath.Join("testdata", v.file)
		if *update {
			if err := os.WriteFile(p, v.data, 0o644); err != nil {
				t.Fatal(err)
			}
			continue
		}
		got, err := os.ReadFile(p)
		if err != nil {
			t.Fatalf("%s: %v (run with -update to write it)", v.file, err)
		}
		if !bytes.Equal(got, v.data) {
			t.Errorf("%s differs from the vector in vectors_test.go (run with -update)", v.file)
		}
	}
}

func TestVectorLengths(t *testing.T) {
	// Lengths cif.md states for its streams.
	for file, n := range map[string]int{"doc-example-swift.cif": 180, "linux-x86_64.cif": 183, "linux-arm32.cif": 137} {
		for _, v := range vectors() {
			if v.file == file && len(v.data) != n {
				t.Errorf("%s is %d bytes, cif.md says %d", file, len(v.data), n)
			}
		}
	}
	pathBytes := func(ps []string) (n int) {
		for _, p := range ps {
			n += len(hx(p))
		}
		return n
	}
	if n := pathBytes(docSwiftPaths); n != 108 {
		t.Errorf("Swift path bytes of §11.1 = %d, cif.md says 108", n)
	}
	if n := pathBytes(docPublishedPaths); n != 122 {
		t.Errorf("DOC path bytes of §11.1 = %d, cif.md says 122", n)
	}
}

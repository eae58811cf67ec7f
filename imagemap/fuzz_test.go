package imagemap

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/symbolicate/symbolicate/diag"
	"github.com/symbolicate/symbolicate/process"
)

// badInputs are inputs that once broke something, or came close; they seed
// FuzzDecode next to every file in testdata/.
var badInputs = []string{
	// e=1 expand code of 2^64-1: code+64 overflows.
	"02 00 01 09 10 00 01 00 00 c7 ff ff ff ff ff ff ff ff 00",
	// A path of 1100 expands of a 62-byte prefix: over MaxPathLen.
	`02 00 01 09 10 00 01 00 00 3f "/` + strings.Repeat("a", 61) + `/" ` + strings.Repeat("a0 ", 1100) + "00",
	// 16-bit end that wraps past 0xffff.
	"00 00 01 09 ff 00 01 00 00 00",
	// framewk with the iOS version byte and a name holding separators.
	`02 00 01 09 10 00 01 00 00 43 01 "a/b\"`,
}

func FuzzDecode(f *testing.F) {
	files, err := filepath.Glob(filepath.Join("testdata", "*"))
	if err != nil {
		f.Fatal(err)
	}
	for _, p := range files {
		b, err := os.ReadFile(p)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
	for _, s := range badInputs {
		f.Add(hx(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		checkErr := func(err error) {
			var fe *diag.FormatError
			if !errors.As(err, &fe) || fe.Format != "cif" || fe.Off < 0 || fe.Off > int64(len(data)) || fe.Field == "" {
				t.Fatalf("error %v (%T) is not a cif *diag.FormatError inside the input", err, err)
			}
		}
		if _, err := (DecodeOptions{AllowEmptyText: true}).Decode(data); err != nil {
			checkErr(err)
		}
		m, err := Decode(data)
		if err != nil {
			checkErr(err)
			return
		}
		for _, im := range m.Images {
			if im.End <= im.Base || !utf8.ValidString(im.Path) || len(im.Path) > MaxPathLen ||
				im.Name != process.NameOf(im.Path) || len(im.ID) > MaxBuildIDLen {
				t.Fatalf("Decode returned an invalid image %+v", im)
			}
		}
		// Everything strict Decode accepts re-encodes and decodes to the same
		// map, unless its paths are too repetitive for the decoder's memory
		// bound at the re-encoded size.
		b, err := Encode(m)
		if errors.Is(err, errPathBudget) {
			return
		}
		if err != nil {
			t.Fatalf("Encode(Decode(x)): %v", err)
		}
		m2, err := Decode(b)
		if err != nil {
			t.Fatalf("Decode(Encode(Decode(x))): %v\n% x", err, b)
		}
		if d := diffMaps(m2, m); d != "" {
			t.Fatal(d)
		}
		if b2, err := Encode(m2); err != nil || !bytes.Equal(b, b2) {
			t.Fatalf("Encode is not stable: %v", err)
		}
	})
}

// byteSource hands out fuzz bytes as choices, then zeros once exhausted.
type byteSource []byte

func (s *byteSource) next() byte {
	if len(*s) == 0 {
		return 0
	}
	c := (*s)[0]
	*s = (*s)[1:]
	return c
}

func (s *byteSource) uint64(n int) uint64 {
	var v uint64
	for range n {
		v = v<<8 | uint64(s.next())
	}
	return v
}

// pathPieces are the fragments FuzzRoundTrip builds paths from: fixed
// prefixes and near misses, separators of both kinds and framework parts.
var pathPieces = []string{
	"/", `\`, "/lib", "/usr/lib", "/usr/libexec", "/System/Library/Frameworks", "/System/Library/PrivateFrameworks",
	"/Applications", "/Library/Frameworks", `C:\Windows\System32`, `C:\Program Files`, "C:", "/a", "/b", "/ab",
	"x", "y.dylib", ".framework", ".framework/Versions/", "Versions", "/A/", "\x01", "é", "日", "/swift",
}

// mapFromBytes builds a valid Map from fuzz bytes and returns it with the map
// Decode must return for its encoding.
func mapFromBytes(data []byte) (m, want *process.Process) {
	s := byteSource(data)
	ws := []int{16, 32, 64}[int(s.next())%3]
	mask := wordMask(ws)
	var plat []byte
	for range int(s.next() % 8) {
		plat = append(plat, s.next())
	}
	m = &process.Process{WordSize: ws, Platform: strings.ToValidUTF8(string(plat), "?")}
	want = &process.Process{WordSize: ws, Platform: m.Platform}
	n := int(s.next() % 24)
	for range n {
		var path strings.Builder
		for range int(s.next() % 8) {
			c := s.next()
			if c >= 0xe0 {
				path.WriteByte(c & 0x7f) // a raw ASCII byte
			} else {
				path.WriteString(pathPieces[int(c)%len(pathPieces)])
			}
		}
		p := path.String()
		if p != "" { // maybe turn it into a macOS or iOS framework path
			switch name := process.NameOf(p); s.next() % 3 {
			case 1:
				p += ".framework/Versions/" + string(rune('A'+s.next()%26)) + "/" + name
			case 2:
				p += ".framework/" + name
			}
		}
		p = strings.ToValidUTF8(p, "?")
		base := s.uint64(int(s.next()%9)) & mask
		var end uint64
		if size := s.uint64(int(s.next() % 4)); size != 0 && size <= mask-base {
			end = base + size
		}
		bid := make([]byte, []int{0, 16, 20, 1, 0}[int(s.next())%5])
		for i := range bid {
			bid[i] = s.next()
		}
		im := process.Image{Path: p, Name: "ignored", Arch: "arm64", Base: base, End: end, ID: process.BuildID(bid)}
		m.Images = append(m.Images, im)
		im.Name, im.Arch = process.NameOf(p), ""
		if len(bid) == 0 {
			im.ID = ""
		}
		if end == 0 { // Encode writes Base+UnknownTextSize, clamped to the word
			im.End = mask
			if mask-base >= UnknownTextSize {
				im.End = base + UnknownTextSize
			}
		}
		want.Images = append(want.Images, im)
	}
	return m, want
}

func FuzzRoundTrip(f *testing.F) {
	f.Add([]byte{})
	f.Add([]byte("\x02\x01P\x05\x03\x05\x06\x07\x18\x01\x02\x00\x10\x00\x01\x10"))
	f.Add(bytes.Repeat([]byte{0x13, 0x00, 0x07, 0x02, 0x19, 0xe1, 0x41, 0x01, 0x05, 0x03}, 30))
	f.Add(bytes.Repeat([]byte{0x91, 0x03, 0x04, 0x05, 0x11, 0x01, 0x02, 0x08, 0xff, 0x02, 0x00, 0x10}, 40))
	f.Fuzz(func(t *testing.T, data []byte) {
		m, want := mapFromBytes(data)
		b, err := Encode(m)
		if err != nil {
			for _, im := range m.Images {
				if im.Base == wordMask(m.WordSize) && im.End == 0 {
					return // an unknown end at the very top cannot be written
				}
			}
			t.Fatalf("Encode of a valid map: %v\n%+v", err, m)
		}
		got, err := Decode(b)
		if err != nil {
			t.Fatalf("Decode(Encode(m)): %v\n% x", err, b)
		}
		if d := diffMaps(got, want); d != "" {
			t.Fatal(d)
		}
	})
}

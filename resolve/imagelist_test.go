package resolve

import (
	"bytes"
	"strings"
	"testing"

	"github.com/symbolicate/symbolicate/imagemap"
	"github.com/symbolicate/symbolicate/internal/corpus"
)

func TestLoadImageListFormats(t *testing.T) {
	m := &imagemap.Map{Platform: "macOS 15.3 (24D60)", WordSize: 64, Images: []imagemap.Image{
		{Path: "/usr/lib/libobjc.A.dylib", Name: "libobjc.A.dylib", BuildID: make([]byte, 16), Base: 0x180000000, EndOfText: 0x180040000},
		{Path: "/Applications/App.app/Contents/MacOS/App", Name: "App", Base: 0x100000000, EndOfText: 0x100008000},
	}}
	m.Images[0].BuildID[0] = 0x42
	blob, err := imagemap.Encode(m)
	if err != nil {
		t.Fatal(err)
	}
	var js bytes.Buffer
	if err := imagemap.WriteJSON(&js, "cif", m); err != nil {
		t.Fatal(err)
	}
	noWordSize := strings.Replace(js.String(), `"wordSize": 64,`, "", 1)
	for _, tt := range []struct {
		name, format string
		in           []byte
	}{
		{"binary", "cif", blob},
		{"base64", "cif+base64", []byte(imagemap.EncodeBase64(blob) + "\n")},
		{"swift codable", "cif+base64", []byte(`{"architecture":"arm64","backtrace":"","imageMap":"` + imagemap.EncodeBase64(blob) + `"}`)},
		{"image-list json", "image-list", js.Bytes()},
		{"image-list json without wordSize", "image-list", []byte(noWordSize)},
	} {
		l, err := LoadImageList(tt.in, nil)
		if err != nil {
			t.Errorf("%s: %v", tt.name, err)
			continue
		}
		if l.Format != tt.format || len(l.Map.Images) != 2 || l.Map.WordSize != 64 || l.Map.Images[1].Path != m.Images[1].Path {
			t.Errorf("%s: got format %q, %+v", tt.name, l.Format, l.Map)
		}
		if _, err := imagemap.Encode(l.Map); err != nil {
			t.Errorf("%s: decoded list does not re-encode: %v", tt.name, err)
		}
	}
	if _, err := LoadImageList([]byte("hello, world"), nil); err == nil {
		t.Error("plain text accepted")
	}
}

func TestLoadImageListRealReports(t *testing.T) {
	for _, rel := range []string{"ips/01-ios16-swift-assert-sigtrap.ips", "ips/22-ios13-symbolicated-legacy.crash", "ips/27-swift-runtime-backtrace-json-macos26-unsymbolicated.json"} {
		l, err := LoadImageList(corpus.Read(t, rel), nil)
		if err != nil {
			t.Errorf("%s: %v", rel, err)
			continue
		}
		if len(l.Map.Images) == 0 {
			t.Errorf("%s: no images", rel)
		}
		if _, err := imagemap.Encode(l.Map); err != nil {
			t.Errorf("%s: image list does not encode as CIF: %v", rel, err)
		}
	}
}

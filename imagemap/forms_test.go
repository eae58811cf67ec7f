package imagemap

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/symbolicate/symbolicate/process"
)

func TestBase64(t *testing.T) {
	linux := hx(linuxHex)
	if got := EncodeBase64(linux); got != linuxBase64 {
		t.Errorf("EncodeBase64(§11.2) = %s\nwant %s", got, linuxBase64)
	}
	b, err := DecodeBase64(linuxBase64)
	if err != nil || !bytes.Equal(b, linux) {
		t.Fatalf("DecodeBase64(§11.2) = % x, %v", b, err)
	}

	// 43 bytes (43 % 3 == 1, so standard base64 would add "=="), starting
	// with bytes that need '+' and '/'.
	arm := hx(`fb ff bf "Linux (Raspbian GNU/Linux 11 (bullseye))"`)
	enc := EncodeBase64(arm)
	if strings.Contains(enc, "=") || len(enc) != 58 {
		t.Fatalf("EncodeBase64 wrote %q; want 58 characters, no padding", enc)
	}
	wrapped := func(s string) string { // 20-column lines, as a JSON pretty-printer or a mail client might
		var b strings.Builder
		for len(s) > 20 {
			b.WriteString(s[:20] + "\r\n\t ")
			s = s[20:]
		}
		return b.String() + s
	}
	urlSafe := strings.NewReplacer("+", "-", "/", "_").Replace
	for _, in := range []string{enc, enc + "==", wrapped(enc + "=="), urlSafe(enc), " " + urlSafe(enc) + "==\n"} {
		got, err := DecodeBase64(in)
		if err != nil || !bytes.Equal(got, arm) {
			t.Errorf("DecodeBase64(%q) = % x, %v", in, got, err)
		}
	}
	if !strings.ContainsAny(enc, "+/") {
		t.Fatal("test data does not exercise the URL-safe alphabet")
	}
	for _, bad := range []string{"AB*D", "QUJD=QUJD", "QQ===", "QUJ==", "Q"} {
		if got, err := DecodeBase64(bad); err == nil {
			t.Errorf("DecodeBase64(%q) = % x, want error", bad, got)
		}
	}
}

// formsMap exercises every JSON and text case: 16-, 20- and 0-byte build
// IDs, an unknown end, no path, an architecture, and text JSON must escape.
func formsMap() *process.Process {
	return &process.Process{Platform: "macOS 15.3 (24D60)", WordSize: 64, Images: []process.Image{
		{Path: "/Applications/A & B <dev>.app/Contents/MacOS/A & B", Name: "A & B", Arch: "arm64",
			ID: process.BuildID(hx("82d13d98219e3040b62a07a297007a7c")), Base: 0x1_0000_0000, End: 0x1_0000_4000},
		{Path: `C:\Program Files\Swift\swiftCore.dll`, Name: "swiftCore.dll",
			ID: process.BuildID(hx("00112233445566778899aabbccddeeff01000000")), Base: 0x7ffc_2000_0000, End: 0x7ffc_2040_0000},
		{Path: "/usr/lib/dyld", Name: "dyld", Base: 0x1_9d1b_1000},
		{Base: 0, End: 0x1000, Arch: "x86_64"},
		{Path: "/tmp/ünï \"q\"", Name: "ünï \"q\"", ID: process.BuildID(hx("dead")), Base: 0xffff_ffff_ffff_f000, End: 0xffff_ffff_ffff_ffff},
	}}
}

// golden compares got with testdata/name, or rewrites it with -update.
func golden(t *testing.T, name string, got []byte) {
	t.Helper()
	p := filepath.Join("testdata", name)
	if *update {
		if err := os.WriteFile(p, got, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(p)
	if err != nil {
		t.Fatalf("%v (run with -update to write it)", err)
	}
	if !bytes.Equal(got, want) {
		f, _ := os.CreateTemp("", "imagemap-"+name)
		if f != nil {
			f.Write(got)
			f.Close()
			t.Errorf("%s differs from the golden file; output left in %s (run with -update to accept)", name, f.Name())
			return
		}
		t.Errorf("%s differs from the golden file:\n%s", name, got)
	}
}

func TestWriteJSON(t *testing.T) {
	var buf bytes.Buffer
	if err := WriteJSON(&buf, "cif", formsMap()); err != nil {
		t.Fatal(err)
	}
	golden(t, "forms.json.golden", buf.Bytes())
	// Deterministic.
	var again bytes.Buffer
	if err := WriteJSON(&again, "cif", formsMap()); err != nil || !bytes.Equal(buf.Bytes(), again.Bytes()) {
		t.Error("WriteJSON is not deterministic")
	}
	// The fields that matter, independent of the golden file.
	for _, want := range []string{`"format": "cif"`, `"wordSize": 64`, `"uuid": "82D13D98-219E-3040-B62A-07A297007A7C"`,
		`"buildID": "00112233445566778899aabbccddeeff01000000"`, `"base": "0x19d1b1000"`, `"endOfText": "0x100004000"`,
		`"path": "/Applications/A & B <dev>.app/Contents/MacOS/A & B"`, `"base": "0x0"`} {
		if !strings.Contains(buf.String(), want) {
			t.Errorf("JSON lacks %s", want)
		}
	}
	// Unknown ends and missing paths are omitted, not written empty.
	if n := strings.Count(buf.String(), `"endOfText"`); n != 4 {
		t.Errorf("%d endOfText keys, want 4", n)
	}
	if n := strings.Count(buf.String(), `"path"`); n != 4 {
		t.Errorf("%d path keys, want 4", n)
	}
	// Empty map: images is [] not null.
	buf.Reset()
	if err := WriteJSON(&buf, "cif", &process.Process{WordSize: 64}); err != nil || !strings.Contains(buf.String(), `"images": []`) {
		t.Errorf("empty map: %s, %v", buf.String(), err)
	}
}

func TestJSONRoundTrip(t *testing.T) {
	for _, m := range []*process.Process{formsMap(), macOSMap(200, 7), {WordSize: 32, Images: []process.Image{}}} {
		var buf bytes.Buffer
		if err := WriteJSON(&buf, "test", m); err != nil {
			t.Fatal(err)
		}
		back, err := ReadJSON(&buf)
		if err != nil {
			t.Fatal(err)
		}
		if d := diffMaps(back, m); d != "" {
			t.Error(d)
		}
	}
}

func TestReadJSONTolerant(t *testing.T) {
	in := `{"format":"whatever","extra":{"nested":[1,2]},"platform":"p","wordSize":32,
		"images":[
		 {"base":4096,"endOfText":"0X2FFF","uuid":"82d13d98219e3040b62a07a297007a7c","future":true},
		 {"base":"0xABC0","uuid":"82D13D98-219E-3040-b62a-07a297007a7c","path":"/x/y"},
		 {"base":"0x0","endOfText":null,"buildID":"DEADbeef","name":"n"}]}`
	m, err := ReadJSON(strings.NewReader(in))
	if err != nil {
		t.Fatal(err)
	}
	uuid := hx("82d13d98219e3040b62a07a297007a7c")
	want := &process.Process{Platform: "p", WordSize: 32, Images: []process.Image{
		{Base: 0x1000, End: 0x2fff, ID: process.BuildID(uuid)},
		{Base: 0xabc0, ID: process.BuildID(uuid), Path: "/x/y"},
		{ID: process.BuildID(hx("deadbeef")), Name: "n"},
	}}
	if d := diffMaps(m, want); d != "" {
		t.Error(d)
	}
	for _, bad := range []string{
		`{"images":[{"base":"4096"}]}`,
		`{"images":[{"base":"0xzz"}]}`,
		`{"images":[{"base":-1}]}`,
		`{"images":[{"base":1.5}]}`,
		`{"images":[{"base":"0x10000000000000000"}]}`,
		`{"images":[{}]}`,
		`{"images":[{"base":0,"uuid":"1234"}]}`,
		`{"images":[{"base":0,"buildID":"xyz"}]}`,
		`{"images":[{"base":0,"buildID":"00","uuid":"82d13d98219e3040b62a07a297007a7c"}]}`,
		`{"wordSize":8,"images":[]}`,
		`{"images":[`,
		`[]`,
	} {
		if m, err := ReadJSON(strings.NewReader(bad)); err == nil {
			t.Errorf("ReadJSON(%s) = %+v, want error", bad, m)
		}
	}
}

func TestWriteText(t *testing.T) {
	var buf bytes.Buffer
	if err := WriteText(&buf, formsMap()); err != nil {
		t.Fatal(err)
	}
	want := "" +
		"       0x100000000 -        0x100003fff  A & B  <82D13D98-219E-3040-B62A-07A297007A7C>  /Applications/A & B <dev>.app/Contents/MacOS/A & B\n" +
		`    0x7ffc20000000 -     0x7ffc203fffff  swiftCore.dll  <00112233445566778899aabbccddeeff01000000>  C:\Program Files\Swift\swiftCore.dll` + "\n" +
		"       0x19d1b1000 -                ???  dyld  /usr/lib/dyld\n" +
		"               0x0 -              0xfff  ???\n" +
		"0xfffffffffffff000 - 0xfffffffffffffffe  ünï \"q\"  <dead>  /tmp/ünï \"q\"\n"
	if buf.String() != want {
		t.Errorf("WriteText:\n%s\nwant:\n%s", buf.String(), want)
	}
	// The name falls back to the path's last component.
	buf.Reset()
	if err := WriteText(&buf, &process.Process{Images: []process.Image{{Path: `C:\x\y.dll`, Base: 1, End: 2}}}); err != nil {
		t.Fatal(err)
	}
	if want := "               0x1 -                0x1  y.dll  C:\\x\\y.dll\n"; buf.String() != want {
		t.Errorf("WriteText = %q, want %q", buf.String(), want)
	}
	// Write errors are returned.
	if err := WriteText(failWriter{}, formsMap()); !errors.Is(err, errFail) {
		t.Errorf("WriteText to a failing writer: %v", err)
	}
	if err := WriteJSON(failWriter{}, "cif", formsMap()); !errors.Is(err, errFail) {
		t.Errorf("WriteJSON to a failing writer: %v", err)
	}
}

var errFail = errors.New("write failed")

type failWriter struct{}

func (failWriter) Write([]byte) (int, error) { return 0, errFail }

func TestUUIDString(t *testing.T) {
	var u process.UUID
	copy(u[:], hx("82d13d98219e3040b62a07a297007a7c"))
	if got := u.String(); got != "82D13D98-219E-3040-B62A-07A297007A7C" {
		t.Errorf("String() = %s", got)
	}
	if back, err := process.ParseUUID(strings.ToLower(u.String())); err != nil || back != u {
		t.Errorf("process.ParseUUID(String()) = %v, %v", back, err)
	}
	if got := (process.UUID{}).String(); got != "00000000-0000-0000-0000-000000000000" {
		t.Errorf("zero String() = %s", got)
	}
}

package formats

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/symbolicate/symbolicate/format"
	"github.com/symbolicate/symbolicate/imagemap"
	"github.com/symbolicate/symbolicate/internal/corpus"
)

// TestCorpusFormats checks which format claims each kind of real input, and
// that every corpus file is either read or refused with an error (never a
// panic, never a document without a process).
func TestCorpusFormats(t *testing.T) {
	root := corpus.Path(t, "ips")
	want := map[string]string{
		"ips/01-ios16-swift-assert-sigtrap.ips":                                   "ips",
		"ips/03-ios14-bug109-itunescloudd-abort-legacy-text.ips":                  "crash",
		"ips/11-macos10.11-simulator-webdriveragent-legacy.crash":                 "crash",
		"ips/15-bridgeos-bug210-panic.ips":                                        "ips",
		"ips/27-swift-runtime-backtrace-json-macos26-unsymbolicated.json":         "swift-backtrace",
		"swift-backtrace/01-macos26.0.1-arm64-json-symbolicated-reformatted.json": "swift-backtrace",
		"macho/macsymbolicator/crashes/ios-crash.ips":                             "ips",
	}
	l := All()
	for rel, name := range want {
		b, err := os.ReadFile(filepath.Join(filepath.Dir(root), rel))
		if err != nil {
			t.Fatal(err)
		}
		p, err := l.Parse(b, format.Options{})
		if err != nil || p.Format != name {
			t.Errorf("%s: %v, %v; want format %s", rel, p, err, name)
		}
	}
	filepath.WalkDir(filepath.Dir(root), func(path string, d os.DirEntry, err error) error {
		if err != nil || d.IsDir() || strings.Contains(path, "/macho/") && !strings.Contains(path, "crashes") {
			return nil
		}
		b, err := os.ReadFile(path)
		if err != nil || len(b) > 4<<20 {
			return nil
		}
		p, err := l.Parse(b, format.Options{})
		if err == nil && p.Process() == nil {
			t.Errorf("%s: %s document without a process", path, p.Format)
		}
		return nil
	})
}

// TestBase64Wrapper: base64 text of a CIF blob is read as CIF and named so.
func TestBase64Wrapper(t *testing.T) {
	blob := []byte{2, 0, 0} // an empty 64-bit map
	p, err := All().Parse([]byte(imagemap.EncodeBase64(blob)+"\n"), format.Options{})
	if err != nil || p.Format != "cif+base64" {
		t.Fatalf("%+v, %v", p, err)
	}
	if _, err := All().Parse([]byte("not base64 at all!"), format.Options{}); !errors.Is(err, format.ErrUnknown) {
		t.Errorf("prose: %v", err)
	}
}

// FuzzParse feeds the format list every kind of input it accepts: it must
// never panic, what it accepts must have a process whose image list encodes
// as CIF or fails with an error (never a broken blob), and both writers must
// run.
func FuzzParse(f *testing.F) {
	for _, dir := range []string{"../imagemap/testdata", "../atlas/testdata/*", "../crashlog/testdata"} {
		files, _ := filepath.Glob(filepath.Join(dir, "*"))
		for _, p := range files {
			if b, err := os.ReadFile(p); err == nil && len(b) < 64<<10 {
				f.Add(b)
			}
		}
	}
	f.Add([]byte(`{"kind":"crashReport","images":[{"name":"a","buildId":"00ff","path":"/a","baseAddress":"0x1000","endOfText":"0x2000"}]}`))
	f.Add([]byte(`{"imageMap":"AgAA"}`))
	f.Add([]byte(`{"images":[{"base":"0x1000","uuid":"82d13d98219e3040b62a07a297007a7c"}]}`))
	f.Add([]byte("AgAA\n"))
	l := All()
	f.Fuzz(func(t *testing.T, b []byte) {
		p, err := l.Parse(b, format.Options{})
		if err != nil {
			return
		}
		if p.Process() == nil {
			t.Fatal("nil process without an error")
		}
		if blob, err := imagemap.Encode(p.Process().Listed()); err == nil {
			if _, err := imagemap.Decode(blob); err != nil {
				t.Fatalf("encoded list does not decode: %v", err)
			}
		}
		for range p.Frames() {
		}
		var out bytes.Buffer
		_ = p.WriteText(&out, format.WriteOptions{})
		_ = p.WriteJSON(&out, format.WriteOptions{})
	})
}

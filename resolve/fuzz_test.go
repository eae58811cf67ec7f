package resolve

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/symbolicate/symbolicate/imagemap"
)

// FuzzLoadImageList feeds format detection every kind of input it accepts:
// it must never panic, and what it accepts must encode as CIF or fail with an
// error (never a broken blob).
func FuzzLoadImageList(f *testing.F) {
	for _, dir := range []string{"../imagemap/testdata", "../atlas/testdata", "../crashlog/testdata"} {
		files, _ := filepath.Glob(filepath.Join(dir, "*"))
		for _, p := range files {
			if b, err := os.ReadFile(p); err == nil && len(b) < 64<<10 {
				f.Add(b)
			}
		}
	}
	f.Add([]byte(`{"kind":"crashReport","images":[{"name":"a","buildId":"00ff","path":"/a","baseAddress":"0x1000","endOfText":"0x2000"}]}`))
	f.Add([]byte(`{"imageMap":"AgAA"}`))
	f.Add([]byte("AgAA\n"))
	f.Fuzz(func(t *testing.T, b []byte) {
		l, err := LoadImageList(b, nil)
		if err != nil {
			return
		}
		if l.Map == nil {
			t.Fatal("nil map without an error")
		}
		if blob, err := imagemap.Encode(l.Map); err == nil {
			if _, err := imagemap.Decode(blob); err != nil {
				t.Fatalf("encoded list does not decode: %v", err)
			}
		}
	})
}

package sample

import (
	"bytes"
	"os"
	"path/filepath"
	"testing"

	"github.com/symbolicate/symbolicate/format"
	"github.com/symbolicate/symbolicate/internal/corpus"
)

// FuzzReport parses arbitrary bytes as a profiler report; whatever parses
// must be written back unchanged with nothing resolved.
func FuzzReport(f *testing.F) {
	for _, rel := range []string{"sample/sample-2021-singlethread-sample.txt", "ips/16-ios14-bug202-cpu-resource-microstackshot.ips"} {
		if b, err := os.ReadFile(filepath.Join(corpus.Root(), rel)); err == nil {
			f.Add(b)
		}
	}
	f.Add([]byte("Process: x [1]\nNum samples: 1\n\n  Thread 0x1\n  1  ??? (a + 4) [0x1004]\n    1  f + 4 (a + 8) [0x1008]\n\n  Binary Images:\n   0x1000 - 0x1fff  a (1) <00112233-4455-6677-8899-AABBCCDDEEFF>  /a\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		d, err := Parse(data)
		if err != nil {
			return
		}
		for range d.Frames() {
		}
		var out bytes.Buffer
		if err := d.WriteText(&out, format.WriteOptions{}); err != nil || !bytes.Equal(out.Bytes(), data) {
			t.Fatalf("not written back unchanged: %v", err)
		}
	})
}

package swiftbt

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"testing"

	"github.com/symbolicate/symbolicate/format"
	"github.com/symbolicate/symbolicate/internal/corpus"
)

// addCorpusSeeds adds the real backtraces (read at test time, not copied).
func addCorpusSeeds(f *testing.F) {
	for _, name := range corpusFiles {
		if b, err := os.ReadFile(filepath.Join(corpus.Root(), "swift-backtrace", name)); err == nil {
			f.Add(b)
		}
	}
	f.Add([]byte(`{"kind":"crashReport","threads":[{"crashed":true,"frames":[{"kind":"programCounter","address":"0x1004"},{"kind":"omittedFrames","count":3},{"kind":"truncated"}]}],"images":[{"name":"a","buildId":"00112233445566778899aabbccddeeff","path":"/a","baseAddress":"0x1000","endOfText":"0x2000"}]}`))
	f.Add([]byte("*** Program crashed: x ***\nPlatform: arm64 macOS\n\nThread 0 crashed:\n\n0 [ra] [system] 0x0000000000001004 f + 4 in a\n...\n\nImages:\n\n0x1000–0x2000 00112233445566778899aabbccddeeff a /a\n"))
}

// FuzzBacktrace parses arbitrary bytes as both forms; whatever parses must
// write without error, and with nothing resolved, back unchanged.
func FuzzBacktrace(f *testing.F) {
	addCorpusSeeds(f)
	f.Fuzz(func(t *testing.T, data []byte) {
		for _, parse := range []func([]byte) (*Document, error){parseJSON, parseText} {
			d, err := parse(data)
			if err != nil {
				continue
			}
			for range d.Frames() {
			}
			var out bytes.Buffer
			write := d.WriteJSON
			if d.text {
				write = d.WriteText
			}
			if err := write(&out, format.WriteOptions{}); err != nil {
				t.Fatalf("write: %v", err)
			}
			if !bytes.Equal(out.Bytes(), data) {
				t.Fatal("not written back unchanged")
			}
			out.Reset()
			if err := d.WriteText(&out, format.WriteOptions{}); err != nil {
				t.Fatalf("text: %v", err)
			}
			if err := d.WriteJSON(&out, format.WriteOptions{}); err != nil && !errors.Is(err, format.ErrNoJSON) {
				t.Fatalf("json: %v", err)
			}
		}
	})
}

package metrickit

import (
	"bytes"
	"os"
	"path/filepath"
	"testing"

	"github.com/symbolicate/symbolicate/format"
	"github.com/symbolicate/symbolicate/internal/corpus"
)

// FuzzPayload parses arbitrary bytes as a payload; whatever parses must be
// written back unchanged with nothing resolved, and as text without error.
func FuzzPayload(f *testing.F) {
	dir := filepath.Join(corpus.Root(), "metrickit")
	if ents, err := os.ReadDir(dir); err == nil {
		for _, e := range ents {
			if b, err := os.ReadFile(filepath.Join(dir, e.Name())); err == nil && filepath.Ext(e.Name()) == ".json" && len(b) < 64<<10 {
				f.Add(b)
			}
		}
	}
	f.Add([]byte(`{"callStackTree":{"callStackPerThread":false,"callStacks":[{"callStackRootFrames":[{"binaryUUID":"9156BE86-D4B6-3A81-8460-8728FA38C978","offsetIntoBinaryTextSegment":4096,"address":8192,"sampleCount":2,"subFrames":[{"binaryUUID":"9156BE86-D4B6-3A81-8460-8728FA38C978","offsetIntoBinaryTextSegment":4096,"address":8200}]}]}]}}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		d, err := Parse(data)
		if err != nil {
			return
		}
		for range d.Frames() {
		}
		var out bytes.Buffer
		if err := d.WriteJSON(&out, format.WriteOptions{}); err != nil || !bytes.Equal(out.Bytes(), data) {
			t.Fatalf("not written back unchanged: %v", err)
		}
		if err := d.WriteText(&out, format.WriteOptions{}); err != nil {
			t.Fatalf("text: %v", err)
		}
	})
}

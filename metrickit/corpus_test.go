package metrickit

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/symbolicate/symbolicate/format"
	"github.com/symbolicate/symbolicate/internal/corpus"
)

// TestCorpusPayloads: every real payload parses in its nesting, is written
// back byte for byte when nothing resolved, and its offset convention is
// the one SOURCES.md documents.
func TestCorpusPayloads(t *testing.T) {
	dir := corpus.Path(t, "metrickit")
	for _, tc := range []struct {
		file          string
		frames, diags int
		loadAddress   bool
		perThread     bool
	}{
		{"meter-real_report.json", -1, 2, true, true},
		{"meter-ios_uncaugh_exception_payload.json", -1, 1, true, true},
		{"meter-xcode_simulated.json", -1, 4, false, true},
		{"meter-xcode_simulated_macOS_12.json", -1, 4, false, true},
		{"meter-xcode_simulated_macOS_13.json", -1, 5, false, true},
		{"sentry-tree-real.json", 92, 1, false, true},
		{"sentry-tree-real-cpu-REMOVED-IN-a3dbe14.json", 114, 1, false, false},
	} {
		b, err := os.ReadFile(filepath.Join(dir, tc.file))
		if err != nil {
			t.Fatal(err)
		}
		if !Format.Sniff(b) {
			t.Errorf("%s: not sniffed", tc.file)
			continue
		}
		d, err := Parse(b)
		if err != nil {
			t.Errorf("%s: %v", tc.file, err)
			continue
		}
		if len(d.diags) != tc.diags || tc.frames >= 0 && len(d.nodes) != tc.frames {
			t.Errorf("%s: %d diagnostics, %d frames", tc.file, len(d.diags), len(d.nodes))
		}
		if got := len(d.warnings) > 0 && strings.Contains(d.warnings[0].String(), "load address"); got != tc.loadAddress {
			t.Errorf("%s: load-address convention %v, want %v (%v)", tc.file, got, tc.loadAddress, d.warnings)
		}
		if d.diags[0].perThread != tc.perThread {
			t.Errorf("%s: callStackPerThread %v", tc.file, d.diags[0].perThread)
		}
		for i := range d.nodes {
			n := &d.nodes[i]
			if !tc.perThread && n.Return {
				t.Errorf("%s: a sampled frame is looked up at address - 1", tc.file)
				break
			}
			if tc.loadAddress && n.hasAddr && (n.Image < 0 || n.Offset >= 1<<32) {
				t.Errorf("%s: frame %d placed at %d (offset %#x)", tc.file, i, n.Image, n.Offset)
				break
			}
		}
		var out bytes.Buffer
		if err := d.WriteJSON(&out, format.WriteOptions{}); err != nil || !bytes.Equal(out.Bytes(), b) {
			t.Errorf("%s: not written back unchanged (%v)", tc.file, err)
		}
		out.Reset()
		if err := d.WriteText(&out, format.WriteOptions{}); err != nil || out.Len() == 0 {
			t.Errorf("%s: text: %v", tc.file, err)
		}
	}
}

func TestBadPayloads(t *testing.T) {
	for _, in := range []string{
		`{"callStackTree": {"callStacks": [{"callStackRootFrames": [{"binaryUUID": "nope"}]}]}}`,
		`{"callStackTree": {"callStacks": [{"callStackRootFrames": [{"binaryUUID": "9156BE86-D4B6-3A81-8460-8728FA38C978", "offsetIntoBinaryTextSegment": -4}]}]}}`,
		`{"callStackTree": {"callStacks": 7}}`,
		`{"nothing": 1}`,
		`{"callStackTree": `,
	} {
		if _, err := Parse([]byte(in)); err == nil {
			t.Errorf("%s: accepted", in)
		}
	}
}

package crashlog

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"testing"

	json "github.com/goccy/go-json"

	"github.com/symbolicate/symbolicate/diag"
	"github.com/symbolicate/symbolicate/format"
	"github.com/symbolicate/symbolicate/internal/corpus"
	"github.com/symbolicate/symbolicate/internal/jsontape"
	"github.com/symbolicate/symbolicate/process"
)

// badInputs are inputs that failed earlier, kept as permanent seeds.
var badInputs = []string{
	"{\"bug_type\":\"309\"}\n{\"threads\":[{\"frames\":[{\"imageIndex\":-1}]}],\"usedImages\":[]}",
	"{\"a\":1}\n{\"processByPid\":{\"1\":{\"threadById\":{\"2\":{\"userFrames\":[[9,1]]}}}}}",
	"Thread 0 Crashed:\n0   x \t0xffffffffffffffffff y\n",
	"Binary Images:\n0x0 - 0xffffffffffffffff ??? (*) <00000000-0000-0000-0000-000000000000> ???\n",
}

// addSeeds adds every synthetic testdata file and, when the shared corpus is
// present, its crash reports (read at run time, never copied).
func addSeeds(f *testing.F) {
	files, _ := filepath.Glob("testdata/*")
	for _, dir := range []string{"ips", "macho/macsymbolicator/crashes", "macho/macsymbolicator/crashes-ios16"} {
		more, _ := filepath.Glob(filepath.Join(corpus.Root(), dir, "*"))
		files = append(files, more...)
	}
	for _, p := range files {
		if b, err := os.ReadFile(p); err == nil {
			f.Add(b)
		}
	}
	for _, s := range badInputs {
		f.Add([]byte(s))
	}
}

// FuzzParse: Parse never panics, fails only with a *diag.FormatError, and
// whatever it accepts can be written as text and (unless legacy) as JSON
// identical to the input.
func FuzzParse(f *testing.F) {
	addSeeds(f)
	f.Fuzz(func(t *testing.T, data []byte) {
		r, err := Parse(data)
		if err != nil {
			var fe *diag.FormatError
			if !errors.As(err, &fe) {
				t.Fatalf("error is not a *diag.FormatError: %v", err)
			}
			return
		}
		for _, l := range []Layout{LayoutAuto, LayoutIOS, LayoutMacOS} {
			if err := r.WriteTextWith(&bytes.Buffer{}, TextOptions{Layout: l}); err != nil {
				t.Fatalf("WriteText: %v", err)
			}
		}
		r.Process().Listed()
		for i := range r.Threads {
			for j := range r.Threads[i].Frames {
				r.Address(&r.Threads[i].Frames[j])
			}
		}
		var out bytes.Buffer
		err = r.WriteJSON(&out, format.WriteOptions{FullPaths: true})
		if r.Kind == KindLegacyText {
			if !errors.Is(err, ErrNotJSON) {
				t.Fatalf("WriteJSON on legacy text: %v", err)
			}
			return
		}
		if err != nil {
			t.Fatalf("WriteJSON: %v", err)
		}
		if !bytes.Equal(out.Bytes(), data[r.ips.Start:r.ips.End]) {
			t.Fatal("unresolved WriteJSON changed the report")
		}
	})
}

// FuzzWriteJSON: parse, resolve frames with fuzzer-chosen text, write JSON:
// the output must be valid JSON that Parse reads back with the same shape.
func FuzzWriteJSON(f *testing.F) {
	for _, name := range []string{"ios-arm64.ips", "macos-x86_64-rosetta.ips", "panic-210.ips", "console-wrapped.crash"} {
		b, err := os.ReadFile(filepath.Join("testdata", name))
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b, "sym/\"x\"\n", uint8(2), uint8(1))
	}
	for _, p := range []string{"ips/06-macos15-ios-simulator-app-sigtrap-thread13.ips", "ips/02-ios16-bug151-forcereset-panic.ips", "ips/12-macos26-arm64-sigsegv-inline-frames-mlx.ips"} {
		if b, err := os.ReadFile(filepath.Join(corpus.Root(), p)); err == nil {
			f.Add(b, "ns::f()", uint8(3), uint8(2))
		}
	}
	f.Fuzz(func(t *testing.T, data []byte, sym string, stride, inlines uint8) {
		r, err := Parse(data)
		if err != nil || (r.Kind != KindCrash && r.Kind != KindKernel) {
			return
		}
		step := int(stride%7) + 1
		n := 0
		resolve := func(frames []Frame) {
			for j := range frames {
				if (n+j)%step != 0 {
					continue
				}
				res := &process.Resolution{Symbol: sym, RawSymbol: sym + "_raw", SymbolLocation: uint64(j), SourceFile: sym, SourceLine: j}
				for k := 0; k < int(inlines%4); k++ {
					res.Inlined = append(res.Inlined, process.InlineFrame{Symbol: sym, SourceFile: "f", SourceLine: k})
				}
				frames[j].Resolved = res
			}
			n++
		}
		for i := range r.Threads {
			resolve(r.Threads[i].Frames)
			resolve(r.Threads[i].KernelFrames)
		}
		resolve(r.LastExceptionBacktrace)
		var out bytes.Buffer
		if err := r.WriteJSON(&out, format.WriteOptions{FullPaths: true}); err != nil {
			t.Fatalf("WriteJSON: %v", err)
		}
		if err := r.WriteTextWith(&bytes.Buffer{}, TextOptions{}); err != nil {
			t.Fatalf("WriteText: %v", err)
		}
		payload := out.Bytes()[r.payload.Start-r.ips.Start:]
		_, end, se := jsontape.ScanValue(payload, 0)
		if se != nil || !json.Valid(payload[:end]) {
			t.Fatalf("payload is not valid JSON: %v", se)
		}
		r2, err := Parse(out.Bytes())
		if err != nil {
			t.Fatalf("re-parse: %v", err)
		}
		if r2.Kind != r.Kind || len(r2.Threads) != len(r.Threads) || len(r2.Images) != len(r.Images) {
			t.Fatalf("re-parse: kind %v threads %d images %d", r2.Kind, len(r2.Threads), len(r2.Images))
		}
	})
}

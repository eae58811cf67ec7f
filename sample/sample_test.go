package sample_test

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/symbolicate/symbolicate/dsc"
	"github.com/symbolicate/symbolicate/dsc/dsctest"
	"github.com/symbolicate/symbolicate/format"
	"github.com/symbolicate/symbolicate/internal/corpus"
	"github.com/symbolicate/symbolicate/internal/crashgen"
	"github.com/symbolicate/symbolicate/objfile"
	"github.com/symbolicate/symbolicate/process"
	"github.com/symbolicate/symbolicate/resolve"
	"github.com/symbolicate/symbolicate/sample"
	"github.com/symbolicate/symbolicate/symbol"
)

// TestGeneratedReports symbolicates generated sample and spindump reports
// against a generated cache and checks every frame, then the rewritten
// lines.
func TestGeneratedReports(t *testing.T) {
	g, err := dsctest.Cached(dsctest.Demo(11))
	if err != nil {
		t.Fatal(err)
	}
	set, err := dsc.Scan(context.Background(), []string{g.Dir})
	if err != nil {
		t.Fatal(err)
	}
	defer set.Close()
	r := resolve.New([]symbol.Source{set}, resolve.Options{NoDemangle: true, DeferAbove: -1})
	for _, spin := range []bool{false, true} {
		cfg := crashgen.Config{Seed: 3, Slide: 9 << 14, Threads: 3, Frames: 9, Boundary: 0.25, AppUUID: process.UUID{0xA3}}
		rep, err := crashgen.Sample(g, cfg, crashgen.SampleOptions{Spindump: spin})
		if err != nil {
			t.Fatal(err)
		}
		if !sample.Sniff(rep.Data) {
			t.Fatalf("spindump=%v: not sniffed", spin)
		}
		doc, err := sample.Parse(rep.Data)
		if err != nil {
			t.Fatal(err)
		}
		o := r.Resolve(context.Background(), doc)
		var frames []*process.Frame
		for f := range doc.Frames() {
			frames = append(frames, f)
		}
		if len(frames) != len(rep.Frames) {
			t.Fatalf("spindump=%v: %d frames, want %d", spin, len(frames), len(rep.Frames))
		}
		for i, f := range frames {
			want := rep.Frames[i]
			switch {
			case want.Symbol == "" && f.Resolved != nil:
				t.Errorf("frame %d: resolved to %q, want nothing", i, f.Resolved.Symbol)
			case want.Symbol == "":
			case f.Resolved == nil:
				t.Errorf("frame %d: unresolved, want %s + %d", i, want.Symbol, want.Location)
			case f.Resolved.Symbol != strings.TrimPrefix(want.Symbol, "_") || f.Resolved.SymbolLocation != want.Location:
				t.Errorf("frame %d: %s + %d, want %s + %d (boundary %v)", i, f.Resolved.Symbol, f.Resolved.SymbolLocation, want.Symbol, want.Location, want.Boundary)
			}
		}
		if spin && o.Unresolvable == 0 {
			t.Errorf("the kernel frame is not counted: %+v", *o)
		}
		var out bytes.Buffer
		if err := doc.WriteText(&out, format.WriteOptions{}); err != nil {
			t.Fatal(err)
		}
		for _, want := range rep.Frames {
			if want.Symbol == "" {
				continue
			}
			name := strings.TrimPrefix(want.Symbol, "_")
			line := name + "  (in " + want.Image + ") + "
			if spin {
				line = name + " + "
			}
			if !strings.Contains(out.String(), line) {
				t.Errorf("spindump=%v: output lacks %q", spin, line)
			}
		}
		if bytes.Count(out.Bytes(), []byte("\n")) != bytes.Count(rep.Data, []byte("\n")) {
			t.Error("lines were added or lost")
		}
	}
}

// TestCorpusRoundTrips: every real report parses and is written back byte
// for byte when nothing resolves.
func TestCorpusRoundTrips(t *testing.T) {
	root := corpus.Root()
	files := []string{
		"sample/sample-2021-singlethread-sample.txt", "sample/sample-2021-multithread-sample.txt",
		"sample/sample-2021-singlethread-sample_symbolicated.txt",
		"sample/spindump-per-process-macos12-x86_64-raw-processes.txt",
		"ips/16-ios14-bug202-cpu-resource-microstackshot.ips", "ips/17-ios14-bug145-diskwrites-resource.ips",
	}
	for _, rel := range files {
		b := corpus.Read(t, rel)
		if !sample.Sniff(b) {
			t.Errorf("%s: not sniffed", rel)
			continue
		}
		d, err := sample.Parse(b)
		if err != nil {
			t.Errorf("%s: %v", rel, err)
			continue
		}
		placed := 0
		for f := range d.Frames() {
			if f.Image >= 0 {
				placed++
			}
		}
		if placed == 0 || len(d.Process().Images) == 0 {
			t.Errorf("%s: %d of its frames placed in %d images", rel, placed, len(d.Process().Images))
		}
		var out bytes.Buffer
		if err := d.WriteText(&out, format.WriteOptions{}); err != nil || !bytes.Equal(out.Bytes(), b) {
			t.Errorf("%s: not written back unchanged (%v)", rel, err)
		}
	}
	_ = root
}

// expectedLine reads "N name (in Image) (file:line) [0x…]", the form of
// MacSymbolicator's symbolicated samples.
var expectedLine = regexp.MustCompile(`\d+ (.+?) \(in [^)]+\) \(([^)]+)\) \[0x`)

// TestCorpusAnswers symbolicates the corpus samples with their dSYMs and
// compares every frame MacSymbolicator symbolicated: the function names
// must match. MacSymbolicator looks a caller up at its return address
// itself, where the next line may begin, while we look up the call
// instruction (address − 1, as Apple's crash reports do): so for callers
// its line must be what the dSYM says at the return address itself, and
// ours what it says at the call.
func TestCorpusAnswers(t *testing.T) {
	dsyms := corpus.Path(t, "sample/dSYMs")
	ix, err := objfile.Scan(context.Background(), []string{dsyms})
	if err != nil {
		t.Fatal(err)
	}
	batch := objfile.NewBatch(ix)
	defer batch.Close()
	r := resolve.New([]symbol.Source{batch}, resolve.Options{})
	for _, name := range []string{"sample-2021-singlethread-sample", "sample-2021-multithread-sample"} {
		raw, err := os.ReadFile(filepath.Join(filepath.Dir(dsyms), name+".txt"))
		if err != nil {
			t.Fatal(err)
		}
		want, err := os.ReadFile(filepath.Join(filepath.Dir(dsyms), name+"_symbolicated.txt"))
		if err != nil {
			t.Fatal(err)
		}
		d, err := sample.Parse(raw)
		if err != nil {
			t.Fatal(err)
		}
		r.Resolve(context.Background(), d)
		var out bytes.Buffer
		d.WriteText(&out, format.WriteOptions{})
		got, exp, in := strings.Split(out.String(), "\n"), strings.Split(string(want), "\n"), strings.Split(string(raw), "\n")
		if len(got) != len(exp) {
			t.Fatalf("%s: %d lines, expected %d", name, len(got), len(exp))
		}
		// The frames, in the order of their lines.
		var frames []*process.Frame
		for f := range d.Frames() {
			frames = append(frames, f)
		}
		fi := 0
		checked := 0
		for i := range exp {
			if !strings.Contains(in[i], "(in ") || !strings.Contains(in[i], "[0x") {
				continue
			}
			f := frames[fi]
			fi++
			if exp[i] == in[i] {
				continue
			}
			m := expectedLine.FindStringSubmatch(exp[i])
			if m == nil {
				t.Fatalf("%s line %d: cannot read the expected answer %q", name, i+1, exp[i])
			}
			checked++
			if !strings.Contains(got[i], " "+m[1]+"  (in ") {
				t.Errorf("%s line %d: %q, expected function %q", name, i+1, got[i], m[1])
			}
			if strings.HasSuffix(got[i], "  "+m[2]) {
				continue
			}
			// A caller: what the dSYM says at the return address itself must
			// be MacSymbolicator's answer.
			if !f.Return {
				t.Errorf("%s line %d: %q, expected %s", name, i+1, got[i], m[2])
				continue
			}
			sym, err := batch.Image(d.Process().Images[f.Image].ID, "", "")
			if err != nil {
				t.Fatal(err)
			}
			fs, _ := sym.Symbolize(f.Offset)
			if len(fs) == 0 || filepath.Base(fs[len(fs)-1].File)+":"+strconv.Itoa(fs[len(fs)-1].Line) != m[2] {
				t.Errorf("%s line %d: %q; at the return address itself the dSYM says %+v, MacSymbolicator %s", name, i+1, got[i], fs, m[2])
			}
		}
		if checked == 0 {
			t.Errorf("%s: no expected frame compared", name)
		}
	}
}

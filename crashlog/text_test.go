package crashlog

import (
	"bytes"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/symbolicate/symbolicate/format"
	"github.com/symbolicate/symbolicate/internal/corpus"
	"github.com/symbolicate/symbolicate/process"
)

var update = flag.Bool("update", false, "rewrite testdata/*.golden files")

// appleRendering is a JSON report of the corpus and Apple's own text
// rendering of it.
type appleRendering struct {
	ips, text string
	layout    string                              // expected automatic layout, for the record
	cut       func(t *testing.T, b []byte) []byte // extracts the rendered part
	normalise func(string) string                 // applied to both sides, nil when none
}

var appleRenderings = []appleRendering{
	// Xcode, iOS 16 device. 01b is 01c with the .ips header line on top.
	{"ips/01-ios16-swift-assert-sigtrap.ips", "ips/01c-ios16-swift-assert-sigtrap-xcode-rendered.crash", "iOS", nil, nil},
	{"ips/01-ios16-swift-assert-sigtrap.ips", "ips/01b-ios16-swift-assert-sigtrap-xcode-rendered-with-json-header.crash", "iOS", dropFirstLine, nil},
	// Xcode, iOS 15 device (committed by zqqf16/SYM). The committer renamed
	// the app to "Demo" and re-padded its frame lines (27 columns + TAB + 11
	// spaces instead of Apple's 30 + TAB + 7); that padding is not derivable,
	// so runs of blanks are collapsed in the "Demo" frame lines only.
	{"ips/07-ios15-tcc-privacy-abort.ips", "ips/07b-ios15-tcc-privacy-abort-apple-rendered.crash", "iOS", nil, collapseDemoFrames},
	// Console (via MacSymbolicator), iOS 15.5 device.
	{"macho/macsymbolicator/crashes/ios-crash.ips", "macho/macsymbolicator/crashes/ios-crash.crash", "iOS", nil, nil},
	// Console on macOS 15, iOS simulator app: 104 header, macOS threads and images.
	{"ips/06-macos15-ios-simulator-app-sigtrap-thread13.ips", "ips/06b-macos15-ios-simulator-app-console-translated-report.crash", "macOS/104", translatedPart, nil},
	// Console on macOS 12, Rosetta process: "Report Version: 12" layout.
	{"ips/25-macos12-x86_64-rosetta-translated-sigill.ips", "ips/25b-macos12-x86_64-rosetta-translated-sigill-console-translated.crash", "macOS/12", translatedPart, nil},
	{"macho/macsymbolicator/crashes/single-target-crash.ips", "macho/macsymbolicator/crashes/single-target-crash.crash", "macOS/12", nil, nil},
	{"macho/macsymbolicator/crashes/multi-target-crash.ips", "macho/macsymbolicator/crashes/multi-target-crash.crash", "macOS/12", nil, nil},
}

func dropFirstLine(t *testing.T, b []byte) []byte {
	i := bytes.IndexByte(b, '\n')
	if i < 0 {
		t.Fatal("no header line")
	}
	return b[i+1:]
}

// translatedPart returns Console's text between the "Translated Report"
// banner and the "Full Report" banner.
func translatedPart(t *testing.T, b []byte) []byte {
	const top = "Translated Report (Full Report Below)\n-------------------------------------\n"
	i := bytes.Index(b, []byte(top))
	if i < 0 {
		t.Fatal("no Translated Report banner")
	}
	b = b[i+len(top):]
	if j := bytes.Index(b, []byte("-----------\nFull Report\n-----------")); j >= 0 {
		b = b[:j]
	}
	return b
}

var demoFrame = regexp.MustCompile(`^(\d+ +Demo)[ \t]+(0x[0-9a-f]+ )`)

func collapseDemoFrames(s string) string {
	lines := strings.Split(s, "\n")
	for i, l := range lines {
		lines[i] = demoFrame.ReplaceAllString(l, "$1 $2")
	}
	return strings.Join(lines, "\n")
}

// trimBlankEdges drops leading and trailing blank lines: copies of Apple's
// renderings differ there (Xcode's file starts with an empty line, Console
// appends blank lines after the VM summary), and nothing in the JSON says how
// many there were.
func trimBlankEdges(s string) string {
	return strings.Trim(s, "\n") + "\n"
}

// TestRenderMatchesApple renders real reports and compares every line with
// Apple's rendering of the same report. Apart from the normalisations named
// in appleRenderings and trimBlankEdges, the text must be identical.
func TestRenderMatchesApple(t *testing.T) {
	for _, c := range appleRenderings {
		t.Run(filepath.Base(c.text), func(t *testing.T) {
			r, err := Parse(corpus.Read(t, c.ips))
			if err != nil {
				t.Fatal(err)
			}
			want := corpus.Read(t, c.text)
			if c.cut != nil {
				want = c.cut(t, want)
			}
			var out bytes.Buffer
			if err := r.WriteTextWith(&out, TextOptions{}); err != nil {
				t.Fatal(err)
			}
			got, exp := trimBlankEdges(out.String()), trimBlankEdges(string(want))
			if c.normalise != nil {
				got, exp = c.normalise(got), c.normalise(exp)
			}
			compareLines(t, got, exp)
		})
	}
}

func compareLines(t *testing.T, got, want string) {
	t.Helper()
	gl, wl := strings.Split(got, "\n"), strings.Split(want, "\n")
	bad := 0
	for i := 0; i < len(gl) || i < len(wl); i++ {
		var g, w string
		if i < len(gl) {
			g = gl[i]
		}
		if i < len(wl) {
			w = wl[i]
		}
		if g != w {
			t.Errorf("line %d:\n got  %q\n want %q", i+1, g, w)
			if bad++; bad > 10 {
				t.Fatal("too many differences")
			}
		}
	}
}

// TestLayoutChoice: the automatic layout is Apple's (device reports iOS style,
// everything else Console's macOS style; 104 header for iOS-family processes).
func TestLayoutChoice(t *testing.T) {
	for _, c := range []struct {
		path             string
		device, macHeadr bool
	}{
		{"ios-arm64.ips", true, false},
		{"macos-x86_64-rosetta.ips", false, true},
		{"console-wrapped.crash", false, true},
	} {
		r, err := Parse(readTestdata(t, c.path))
		if err != nil {
			t.Fatal(err)
		}
		tw := &textWriter{r: r, p: r.p}
		tw.chooseLayout()
		if tw.device != c.device || tw.macHeader != c.macHeadr {
			t.Errorf("%s: device %v macHeader %v, want %v %v", c.path, tw.device, tw.macHeader, c.device, c.macHeadr)
		}
	}
}

// golden compares got with testdata/name, rewriting it under -update.
func golden(t *testing.T, name string, got []byte) {
	t.Helper()
	path := filepath.Join("testdata", name)
	if *update {
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test -update to create it)", err)
	}
	if !bytes.Equal(got, want) {
		tmp := filepath.Join(t.TempDir(), name)
		_ = os.WriteFile(tmp, got, 0o644)
		compareLines(t, string(got), string(want))
		t.Fatalf("output differs from %s; actual output left in %s", path, tmp)
	}
}

// resolveTestdata gives the synthetic reports a fixed set of resolutions:
// every concrete frame but each fourth is resolved, the first resolved frame
// of each backtrace with two inlined calls (replacing any inline frames the
// input has), and full source paths so that FullPaths shows a difference.
func resolveTestdata(r *Report) {
	visit := func(name string, frames []Frame) {
		first := true
		for j := range frames {
			f := &frames[j]
			if f.Inline || j%4 == 3 {
				continue
			}
			res := &process.Resolution{
				Symbol:         fmt.Sprintf("%s_frame%d()", name, j),
				SymbolLocation: uint64(4 * j),
				SourceFile:     "/src/Dir/File.swift",
				SourceLine:     10 + j,
			}
			if j%3 == 0 {
				res.RawSymbol = fmt.Sprintf("$s4main%s_frame%dyyF", name, j)
			}
			if first {
				res.Inlined = []process.InlineFrame{
					{Symbol: "innermost()", SymbolLocation: 8, SourceFile: "/src/Dir/Inner.swift", SourceLine: 3},
					{Symbol: "outer()", SourceFile: "/src/Outer.swift", SourceLine: 7},
				}
				first = false
			}
			f.Resolved = res
		}
	}
	for i := range r.Threads {
		visit(fmt.Sprintf("t%d", i), r.Threads[i].Frames)
		visit(fmt.Sprintf("t%dk", i), r.Threads[i].KernelFrames)
	}
	visit("leb", r.LastExceptionBacktrace)
}

// TestGolden renders the synthetic testdata reports (resolved and not) and
// compares them with golden files. Goldens are kept for our own inputs only:
// renderings of corpus reports would be copies of corpus text, so those are
// compared with Apple's files directly in TestRenderMatchesApple.
func TestGolden(t *testing.T) {
	for _, c := range []struct {
		in, out string
		opts    TextOptions
		resolve bool
		json    bool
	}{
		{"ios-arm64.ips", "ios-arm64.txt.golden", TextOptions{}, false, false},
		{"ios-arm64.ips", "ios-arm64.macos-layout.txt.golden", TextOptions{Layout: LayoutMacOS}, false, false},
		{"ios-arm64.ips", "ios-arm64.resolved.txt.golden", TextOptions{}, true, false},
		{"ios-arm64.ips", "ios-arm64.resolved.fullpaths.txt.golden", TextOptions{FullPaths: true}, true, false},
		{"ios-arm64.ips", "ios-arm64.resolved.ips.golden", TextOptions{}, true, true},
		{"macos-x86_64-rosetta.ips", "macos-x86_64-rosetta.txt.golden", TextOptions{}, false, false},
		{"macos-x86_64-rosetta.ips", "macos-x86_64-rosetta.ios-layout.txt.golden", TextOptions{Layout: LayoutIOS}, false, false},
		{"panic-210.ips", "panic-210.txt.golden", TextOptions{}, false, false},
		{"panic-210.ips", "panic-210.resolved.txt.golden", TextOptions{}, true, false},
		{"panic-210.ips", "panic-210.resolved.ips.golden", TextOptions{}, true, true},
		{"legacy-ios.crash", "legacy-ios.resolved.crash.golden", TextOptions{}, true, false},
		{"legacy-macos.crash", "legacy-macos.resolved.crash.golden", TextOptions{}, true, false},
		{"bug109.ips", "bug109.resolved.crash.golden", TextOptions{}, true, false},
	} {
		t.Run(c.out, func(t *testing.T) {
			r, err := Parse(readTestdata(t, c.in))
			if err != nil {
				t.Fatal(err)
			}
			if c.resolve {
				resolveTestdata(r)
			}
			var out bytes.Buffer
			if c.json {
				err = r.WriteJSON(&out, format.WriteOptions{FullPaths: true})
			} else {
				err = r.WriteTextWith(&out, c.opts)
			}
			if err != nil {
				t.Fatal(err)
			}
			golden(t, c.out, out.Bytes())
			// Deterministic: a second rendering is identical.
			var again bytes.Buffer
			if c.json {
				_ = r.WriteJSON(&again, format.WriteOptions{FullPaths: true})
			} else {
				_ = r.WriteTextWith(&again, c.opts)
			}
			if !bytes.Equal(out.Bytes(), again.Bytes()) {
				t.Fatal("second rendering differs")
			}
		})
	}
}

// TestLegacyTextUnchanged: with no resolutions, every legacy text report of
// the corpus is reproduced byte for byte, and other reports are written as read.
func TestLegacyTextUnchanged(t *testing.T) {
	for _, c := range corpusCases {
		if c.kind != KindLegacyText && c.kind != KindOther {
			continue
		}
		t.Run(c.path, func(t *testing.T) {
			data := corpus.Read(t, c.path)
			r, err := Parse(data)
			if err != nil {
				t.Fatal(err)
			}
			var out bytes.Buffer
			if err := r.WriteTextWith(&out, TextOptions{}); err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(out.Bytes(), data) {
				t.Fatal("text differs from the input")
			}
		})
	}
}

// TestLegacyRewriteMacSymbolicator resolves the app frames of a real legacy
// report with the answers atos gave (MacSymbolicator's _symbolicated copy)
// and checks that exactly those lines change, into "symbol + offset
// (file:line)", with inlined calls inserted before them.
func TestLegacyRewriteMacSymbolicator(t *testing.T) {
	data := corpus.Read(t, "macho/macsymbolicator/crashes/ios-crash.crash")
	sym, err := Parse(corpus.Read(t, "macho/macsymbolicator/crashes/ios-crash_symbolicated.crash"))
	if err != nil {
		t.Fatal(err)
	}
	r, err := Parse(data)
	if err != nil {
		t.Fatal(err)
	}
	changed := map[int]bool{}
	for _, fi := range []int{2, 3, 46} {
		s := sym.Threads[0].Frames[fi]
		if !s.HasSymbol || s.SourceFile == "" {
			t.Fatalf("atos frame %d not parsed as symbolicated: %+v", fi, s)
		}
		r.Threads[0].Frames[fi].Resolved = &process.Resolution{Symbol: s.Symbol, SymbolLocation: 0, SourceFile: s.SourceFile, SourceLine: int(s.SourceLine)}
		changed[fi] = true
	}
	r.Threads[0].Frames[46].Resolved.Inlined = []process.InlineFrame{{Symbol: "inlined()", SourceFile: "AppDelegate.swift", SourceLine: 5}}
	var out bytes.Buffer
	if err := r.WriteTextWith(&out, TextOptions{}); err != nil {
		t.Fatal(err)
	}
	want := string(data)
	for fi, line := range map[int]string{
		2: "2   iOSCrashingTest               \t       0x1007da4bc specialized static CrashClass.pleaseCrash() + 0 (<compiler-generated>:0)",
		3: "3   iOSCrashingTest               \t       0x1007da1cc @objc ViewController.viewDidLoad() + 0 (<compiler-generated>:0)",
		46: "46  iOSCrashingTest               \t       0x1007da384 inlined() + 0 (AppDelegate.swift:5) [inlined]\n" +
			"46  iOSCrashingTest               \t       0x1007da384 main + 0 (AppDelegate.swift:9)",
	} {
		f := r.Threads[0].Frames[fi]
		old := string(data[f.line.Start():f.line.End()])
		if !strings.Contains(want, old+"\n") {
			t.Fatalf("frame %d line not found", fi)
		}
		want = strings.Replace(want, old+"\n", line+"\n", 1)
	}
	compareLines(t, out.String(), want)
}

// TestLegacyMatchesJSON checks the legacy text parser against the JSON parser
// on Apple's renderings of the same incident: same threads, and for every
// frame the same address, image name, symbol and offset.
func TestLegacyMatchesJSON(t *testing.T) {
	for _, c := range appleRenderings {
		if c.cut != nil && strings.Contains(c.text, "06b") {
			continue // 06b parses as its embedded .ips
		}
		t.Run(filepath.Base(c.text), func(t *testing.T) {
			rj, err := Parse(corpus.Read(t, c.ips))
			if err != nil {
				t.Fatal(err)
			}
			text := corpus.Read(t, c.text)
			if c.cut != nil {
				text = c.cut(t, text)
			}
			rt, err := Parse(text)
			if err != nil {
				t.Fatal(err)
			}
			if rt.Kind != KindLegacyText || len(rt.Threads) != len(rj.Threads) || rt.FaultingThread != rj.FaultingThread {
				t.Fatalf("kind %v threads %d faulting %d, want %d %d", rt.Kind, len(rt.Threads), rt.FaultingThread, len(rj.Threads), rj.FaultingThread)
			}
			if len(rt.Images) != len(rj.Images) {
				t.Fatalf("images %d, want %d", len(rt.Images), len(rj.Images))
			}
			for i := range rj.Images {
				a, b := &rt.Images[i], &rj.Images[i]
				if a.Base != b.Base || a.UUID != b.UUID || a.Path != b.Path && b.Path != "" {
					t.Errorf("image %d: %+v, want %+v", i, a, b)
				}
			}
			for ti := range rj.Threads {
				tj, tt := &rj.Threads[ti], &rt.Threads[ti]
				if tj.Name != tt.Name || tj.Queue != tt.Queue || tj.Triggered != tt.Triggered || len(tj.Frames) != len(tt.Frames) {
					t.Fatalf("thread %d: %q %q %v %d frames, want %q %q %v %d", ti, tt.Name, tt.Queue, tt.Triggered, len(tt.Frames), tj.Name, tj.Queue, tj.Triggered, len(tj.Frames))
				}
				for fi := range tj.Frames {
					fj, ft := &tj.Frames[fi], &tt.Frames[fi]
					aj, _ := rj.Address(fj)
					at, _ := rt.Address(ft)
					if aj != at || rj.Image(fj).Name != rt.Image(ft).Name || ft.Offset != fj.Offset {
						t.Fatalf("thread %d frame %d: %#x %s+%#x, want %#x %s+%#x", ti, fi, at, rt.Image(ft).Name, ft.Offset, aj, rj.Image(fj).Name, fj.Offset)
					}
					if fj.HasSymbol != ft.HasSymbol || fj.Symbol != ft.Symbol && !strings.Contains(fj.Symbol, "\n") || fj.SymbolLocation != ft.SymbolLocation {
						t.Fatalf("thread %d frame %d: symbol %q+%d, want %q+%d", ti, fi, ft.Symbol, ft.SymbolLocation, fj.Symbol, fj.SymbolLocation)
					}
				}
			}
		})
	}
}

// TestTextNoLineZero: a resolution whose line table row has no line prints
// "(File.swift)", not "(File.swift:0)"; "<compiler-generated>:0" stays as
// Apple's tools print it.
func TestTextNoLineZero(t *testing.T) {
	r := mustParse(t, readTestdata(t, "ios-arm64.ips"))
	fr := r.Threads[0].Frames
	fr[1].Resolved = &process.Resolution{Symbol: "noLine()", SourceFile: "/src/CRLCrashSwift.swift"}
	fr[2].Resolved = &process.Resolution{Symbol: "thunk()", SourceFile: "/<compiler-generated>"}
	var out bytes.Buffer
	if err := r.WriteText(&out, format.WriteOptions{}); err != nil {
		t.Fatal(err)
	}
	if s := out.String(); !strings.Contains(s, "noLine() + 0 (CRLCrashSwift.swift)\n") || strings.Contains(s, "CRLCrashSwift.swift:0") ||
		!strings.Contains(s, "thunk() + 0 (<compiler-generated>:0)") {
		t.Errorf("output:\n%s", s)
	}
}

package crashlog

import (
	"bytes"
	"errors"
	"reflect"
	"testing"

	json "github.com/goccy/go-json"

	"github.com/symbolicate/symbolicate/format"
	"github.com/symbolicate/symbolicate/internal/corpus"
)

// corpusCase is one real report of ../shared/corpus with the shape the parser
// must find. Counts were taken independently (a Python json/regex script over
// the same files), not from this package.
type corpusCase struct {
	path                    string
	bugType                 string
	kind                    Kind
	images, threads, frames int // frames: all thread frames (user + kernel)
	leb                     int // LastExceptionBacktrace frames
}

var corpusCases = []corpusCase{
	{"ips/01-ios16-swift-assert-sigtrap.ips", "309", KindCrash, 17, 8, 129, 0},
	{"ips/01b-ios16-swift-assert-sigtrap-xcode-rendered-with-json-header.crash", "309", KindLegacyText, 17, 8, 129, 0},
	{"ips/01c-ios16-swift-assert-sigtrap-xcode-rendered.crash", "", KindLegacyText, 17, 8, 129, 0},
	{"ips/02-ios16-bug151-forcereset-panic.ips", "151", KindKernel, 41, 275, 292, 0},
	{"ips/03-ios14-bug109-itunescloudd-abort-legacy-text.ips", "109", KindLegacyText, 371, 9, 39, 0},
	{"ips/04-ios14-bug109-symbolicated-legacy-text.ips", "109", KindLegacyText, 250, 1, 6, 0},
	{"ips/05-macos12-x86_64-sleep-sigint.ips", "309", KindCrash, 4, 1, 4, 0},
	{"ips/06-macos15-ios-simulator-app-sigtrap-thread13.ips", "309", KindCrash, 36, 27, 332, 0},
	{"ips/06b-macos15-ios-simulator-app-console-translated-report.crash", "309", KindCrash, 36, 27, 332, 0},
	{"ips/07-ios15-tcc-privacy-abort.ips", "309", KindCrash, 13, 8, 75, 0},
	{"ips/07b-ios15-tcc-privacy-abort-apple-rendered.crash", "", KindLegacyText, 13, 8, 75, 0},
	{"ips/08-ios10-bug109-legacy-text-sigtrap.ips", "109", KindLegacyText, 344, 26, 209, 0},
	{"ips/09-macos12-xctest-simulator-EDITED-header.ips", "309", KindCrash, 8, 3, 57, 0},
	{"ips/10-macos10.11-simulator-assetsd-legacy.crash", "", KindLegacyText, 195, 9, 113, 16},
	{"ips/11-macos10.11-simulator-webdriveragent-legacy.crash", "", KindLegacyText, 157, 6, 33, 18},
	{"ips/12-macos26-arm64-sigsegv-inline-frames-mlx.ips", "309", KindCrash, 44, 12, 112, 0},
	{"ips/13-ios14-bug298-jetsam-highwater.ips", "298", KindOther, 0, 0, 0, 0},
	{"ips/14-ios12-bug298-jetsam-vm-pageshortage.ips", "298", KindOther, 0, 0, 0, 0},
	{"ips/15-bridgeos-bug210-panic.ips", "210", KindKernel, 3, 290, 700, 0},
	{"ips/16-ios14-bug202-cpu-resource-microstackshot.ips", "202", KindOther, 0, 0, 0, 0},
	{"ips/17-ios14-bug145-diskwrites-resource.ips", "145", KindOther, 0, 0, 0, 0},
	{"ips/18-ios7-bug188-legacy-stackshot.ips", "188", KindOther, 0, 0, 0, 0},
	{"ips/19-ios11-bug206-cpu-usage-fatal.ips", "206", KindOther, 0, 0, 0, 0},
	{"ips/20-macos11-x86_64-translated-rosetta-legacy.crash", "", KindLegacyText, 387, 2, 15, 0},
	{"ips/20b-macos11-arm64-native-same-app-legacy.crash", "", KindLegacyText, 385, 4, 37, 0},
	{"ips/21-macos11-ios-app-on-mac-legacy.crash", "", KindLegacyText, 581, 10, 82, 0},
	{"ips/22-ios13-symbolicated-legacy.crash", "", KindLegacyText, 274, 8, 66, 0},
	{"ips/23-macos10.15-kernel-panic-text.crash", "", KindOther, 0, 0, 0, 0},
	{"ips/24-macos13-nsexception-asi-asiBacktraces.ips", "309", KindCrash, 8, 1, 15, 0},
	{"ips/25-macos12-x86_64-rosetta-translated-sigill.ips", "309", KindCrash, 3, 4, 19, 0},
	{"ips/25b-macos12-x86_64-rosetta-translated-sigill-console-translated.crash", "", KindLegacyText, 3, 4, 19, 0},
	{"ips/26-tvos18-internal-daemon-swift-abort-filteredLog.ips", "309", KindCrash, 12, 5, 37, 0},
	{"ips/28-ios15-swift-assert-device.ips", "309", KindCrash, 16, 9, 130, 0},
	{"ips/29-macos12-x86_64-cli-multi-target.ips", "309", KindCrash, 4, 1, 4, 0},
	{"ips/30-ios14-legacy-last-exception-backtrace-symbolicated.crash", "", KindLegacyText, 592, 8, 76, 44},
	{"macho/macsymbolicator/crashes/ios-crash.crash", "", KindLegacyText, 16, 9, 130, 0},
	{"macho/macsymbolicator/crashes/ios-crash.ips", "309", KindCrash, 16, 9, 130, 0},
	{"macho/macsymbolicator/crashes/ios-crash_symbolicated.crash", "", KindLegacyText, 16, 9, 130, 0},
	{"macho/macsymbolicator/crashes/ios-crash_symbolicated.ips", "", KindLegacyText, 16, 9, 130, 0},
	{"macho/macsymbolicator/crashes/multi-target-crash.crash", "", KindLegacyText, 4, 1, 4, 0},
	{"macho/macsymbolicator/crashes/multi-target-crash.ips", "309", KindCrash, 4, 1, 4, 0},
	{"macho/macsymbolicator/crashes/multi-target-crash_symbolicated.crash", "", KindLegacyText, 4, 1, 4, 0},
	{"macho/macsymbolicator/crashes/multi-target-crash_symbolicated.ips", "", KindLegacyText, 4, 1, 4, 0},
	{"macho/macsymbolicator/crashes/single-target-crash.crash", "", KindLegacyText, 3, 1, 3, 0},
	{"macho/macsymbolicator/crashes/single-target-crash.ips", "309", KindCrash, 3, 1, 3, 0},
	{"macho/macsymbolicator/crashes/single-target-crash_symbolicated.crash", "", KindLegacyText, 3, 1, 3, 0},
	{"macho/macsymbolicator/crashes/single-target-crash_symbolicated.ips", "", KindLegacyText, 3, 1, 3, 0},
	{"macho/macsymbolicator/crashes-ios16/ios-crash-in-ips-format.ips", "309", KindCrash, 17, 8, 129, 0},
	{"macho/macsymbolicator/crashes-ios16/ios-crash-with-json-header.crash", "309", KindLegacyText, 17, 8, 129, 0},
	{"macho/macsymbolicator/crashes-ios16/ios-crash-without-json-header.crash", "", KindLegacyText, 17, 8, 129, 0},
}

func countFrames(r *Report) int {
	n := 0
	for i := range r.Threads {
		n += len(r.Threads[i].Frames) + len(r.Threads[i].KernelFrames)
	}
	return n
}

func TestParseCorpus(t *testing.T) {
	for _, c := range corpusCases {
		t.Run(c.path, func(t *testing.T) {
			data := corpus.Read(t, c.path)
			r, err := Parse(data)
			if err != nil {
				t.Fatalf("Parse: %v", err)
			}
			if r.BugType != c.bugType || r.Kind != c.kind {
				t.Errorf("bug_type %q kind %v, want %q %v", r.BugType, r.Kind, c.bugType, c.kind)
			}
			if r.BugType != "" && r.BugTypeName == "" {
				t.Errorf("bug_type %q has no name", r.BugType)
			}
			if len(r.Images) != c.images || len(r.Threads) != c.threads || countFrames(r) != c.frames || len(r.LastExceptionBacktrace) != c.leb {
				t.Errorf("images %d threads %d frames %d leb %d, want %d %d %d %d",
					len(r.Images), len(r.Threads), countFrames(r), len(r.LastExceptionBacktrace), c.images, c.threads, c.frames, c.leb)
			}
			if c.kind == KindCrash || c.kind == KindLegacyText {
				if r.FaultingThread < 0 || r.FaultingThread >= len(r.Threads) {
					t.Errorf("FaultingThread = %d", r.FaultingThread)
				}
			}
			if len(r.Warnings) != 0 {
				t.Errorf("warnings: %q", r.Warnings)
			}
			// Every frame with an image has an address inside that image (when the size is known).
			for ti := range r.Threads {
				for fi := range r.Threads[ti].Frames {
					f := &r.Threads[ti].Frames[fi]
					im := r.Image(f)
					if im == nil || im.Source == "A" || im.Size == 0 {
						continue
					}
					if f.Offset >= im.Size {
						t.Errorf("thread %d frame %d: offset %#x outside %s (size %#x)", ti, fi, f.Offset, im.Name, im.Size)
					}
				}
			}
		})
	}
}

func TestParseUnsupportedCorpus(t *testing.T) {
	for _, p := range []string{"ips/27-swift-runtime-backtrace-json-macos26-unsymbolicated.json", "ips/SOURCES.md"} {
		_, err := Parse(corpus.Read(t, p))
		if !errors.Is(err, ErrUnsupported) {
			t.Errorf("%s: err = %v, want ErrUnsupported", p, err)
		}
	}
}

// TestRoundTripCorpusUnchanged: with no resolutions, WriteJSON reproduces
// every JSON report byte for byte (the .ips part of a Console wrapper), so
// its JSON values, integers included, are unchanged too.
func TestRoundTripCorpusUnchanged(t *testing.T) {
	for _, c := range corpusCases {
		if c.kind == KindLegacyText {
			continue
		}
		t.Run(c.path, func(t *testing.T) {
			data := corpus.Read(t, c.path)
			r, err := Parse(data)
			if err != nil {
				t.Fatal(err)
			}
			var out bytes.Buffer
			if err := r.WriteJSON(&out, format.WriteOptions{FullPaths: true}); err != nil {
				t.Fatal(err)
			}
			want := data
			if bytes.Contains(data, []byte("Translated Report (Full Report Below)")) {
				i := bytes.Index(data, []byte("-----------\nFull Report\n-----------\n\n"))
				want = data[i+len("-----------\nFull Report\n-----------\n\n"):]
			}
			if !bytes.Equal(out.Bytes(), want) {
				t.Fatalf("output differs from input (%d vs %d bytes)", out.Len(), len(want))
			}
			if nl := bytes.IndexByte(want, '\n'); nl < 0 || !bytes.HasPrefix(bytes.TrimSpace(want[nl:]), []byte("{")) {
				return // text body after the header line
			}
			hIn, pIn := decodeIPS(t, want)
			hOut, pOut := decodeIPS(t, out.Bytes())
			if !reflect.DeepEqual(hIn, hOut) || !reflect.DeepEqual(pIn, pOut) {
				t.Fatal("JSON values differ")
			}
		})
	}
}

// TestConsoleWrapperIsTheIPS: the Full Report inside Console's wrapper (06b)
// is the same .ips as corpus 06, and WriteJSON of the wrapper yields it.
func TestConsoleWrapperIsTheIPS(t *testing.T) {
	wrapped := corpus.Read(t, "ips/06b-macos15-ios-simulator-app-console-translated-report.crash")
	plain := corpus.Read(t, "ips/06-macos15-ios-simulator-app-sigtrap-thread13.ips")
	r, err := Parse(wrapped)
	if err != nil {
		t.Fatal(err)
	}
	var out bytes.Buffer
	if err := r.WriteJSON(&out, format.WriteOptions{FullPaths: true}); err != nil {
		t.Fatal(err)
	}
	// Console appends one newline after the report.
	if !bytes.Equal(out.Bytes(), append(append([]byte(nil), plain...), '\n')) {
		t.Fatal("WriteJSON of the Console wrapper is not corpus 06")
	}
}

// decodeIPS decodes an .ips header and payload as generic values with exact
// numbers (json.Number keeps the literal, so no integer goes through float64).
func decodeIPS(t testing.TB, data []byte) (header, payload any) {
	t.Helper()
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	if err := dec.Decode(&header); err != nil {
		t.Fatalf("header: %v", err)
	}
	if err := dec.Decode(&payload); err != nil {
		t.Fatalf("payload: %v", err)
	}
	return header, payload
}

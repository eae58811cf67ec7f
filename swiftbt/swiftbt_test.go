package swiftbt

import (
	"bytes"
	"strings"
	"testing"

	"github.com/symbolicate/symbolicate/format"
	"github.com/symbolicate/symbolicate/internal/corpus"
	"github.com/symbolicate/symbolicate/process"
)

var corpusFiles = []string{
	"01-macos26.0.1-arm64-json-symbolicated-reformatted.json",
	"03-macos26.1-arm64-json-unsymbolicated-oneline-b.json",
	"05-macos26.1-arm64-text-symbolicated.txt",
	"07-macos26.1-arm64-text-unsymbolicated.txt",
	"08-macos26.4-arm64-text-symbolicated-10threads-allregs.txt",
	"09-windows11-x86_64-text-symbolicated.txt",
}

// parseCorpus sniffs and parses one corpus backtrace with the format its
// name says.
func parseCorpus(t *testing.T, name string) (*Document, []byte) {
	t.Helper()
	b := corpus.Read(t, "swift-backtrace/"+name)
	f := Format
	if strings.HasSuffix(name, ".txt") {
		f = TextFormat
	}
	if !f.Sniff(b) {
		t.Fatalf("%s: not sniffed as %s", name, f.Name)
	}
	d, err := f.Parse(b, format.Options{})
	if err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	return d.(*Document), b
}

// TestCorpusRoundTrips: every real backtrace parses, and with nothing
// resolved is written back byte for byte in its own form.
func TestCorpusRoundTrips(t *testing.T) {
	for _, name := range corpusFiles {
		d, b := parseCorpus(t, name)
		if len(d.threads) == 0 || len(d.p.Images) == 0 {
			t.Errorf("%s: %d threads, %d images", name, len(d.threads), len(d.p.Images))
		}
		var out bytes.Buffer
		write := d.WriteJSON
		if d.text {
			write = d.WriteText
		}
		if err := write(&out, format.WriteOptions{}); err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if !bytes.Equal(out.Bytes(), b) {
			t.Errorf("%s: not written back unchanged", name)
		}
	}
}

// TestCorpusFrames checks what the real samples say frame by frame.
func TestCorpusFrames(t *testing.T) {
	d, _ := parseCorpus(t, corpusFiles[0])
	fs := d.threads[0].frames
	if len(fs) != 3 || fs[0].kind != kindPC || fs[1].kind != kindRA || fs[2].kind != kindTrunc || fs[2].hasAddr {
		t.Fatalf("01 frames: %+v", fs)
	}
	if !fs[0].HasSymbol || fs[0].Symbol != "_main" || fs[0].Return || !fs[1].Return || !fs[1].system {
		t.Errorf("01 frames 0 and 1: %+v / %+v", fs[0].Frame, fs[1].Frame)
	}
	crashMe := d.p.Images[fs[0].Image]
	if crashMe.Name != "crashMe" || fs[0].Offset != 0xa1c || !strings.HasPrefix(crashMe.ID.String(), "6FDBB104") {
		t.Errorf("01 frame 0 in %+v at %#x", crashMe, fs[0].Offset)
	}
	var text bytes.Buffer
	d.WriteText(&text, format.WriteOptions{})
	for _, want := range []string{
		"*** Program crashed: Bad pointer dereference at 0x000000000deadbee ***",
		"Platform: arm64 macOS 26.0.1 (25A362)",
		"  0               0x0000000102578a1c main + 372 in crashMe at /Users/carlpeto/Desktop/crashMe/crashMe/main.swift:13:13",
		"  1 [ra] [system] 0x0000000185e65d54 start + 7184 in dyld",
		"Images (353 omitted):",
		"Backtrace took 0.35s",
	} {
		if !strings.Contains(text.String(), want) {
			t.Errorf("01 as text lacks %q:\n%s", want, text.String())
		}
	}

	// The backtracer symbolicated another run of the same binaries as text
	// (05): our text of 01 must give its frames the same symbolication.
	_, b05 := parseCorpus(t, corpusFiles[2])
	ours, theirs := frameTails(text.String()), frameTails(string(b05))
	if len(ours) == 0 || strings.Join(ours, "\n") != strings.Join(theirs, "\n") {
		t.Errorf("frames of 01 as text:\n%s\nthe backtracer's (05):\n%s", strings.Join(ours, "\n"), strings.Join(theirs, "\n"))
	}

	d, _ = parseCorpus(t, corpusFiles[4])
	if len(d.threads) != 10 || !d.threads[6].crashed || d.threads[1].frames[3].thunk != true || d.threads[0].frames[3].system != true {
		t.Errorf("08: %d threads, crashed %v", len(d.threads), d.threads[6].crashed)
	}
	if f := d.threads[6].frames[0]; !f.HasSymbol || f.Symbol != "static MultithreadedCrash.reallyCrashMe()" || d.p.Images[f.Image].Name != "crashMeMultithreaded" {
		t.Errorf("08 thread 6 frame 0: %+v", f)
	}

	d, _ = parseCorpus(t, corpusFiles[5])
	if len(d.warnings) == 0 || !strings.Contains(d.warnings[0].String(), "not a Mach-O UUID") {
		t.Errorf("09 (Windows): warnings %v", d.warnings)
	}
	for _, im := range d.p.Images {
		if _, ok := im.ID.UUID(); ok {
			t.Errorf("09: image %s has a UUID", im.Name)
		}
	}
	_ = process.UUID{}
}

func TestBadInput(t *testing.T) {
	for _, in := range []string{
		`{"kind":"crashReport","images":[{"baseAddress":"0xzz","endOfText":"0x2"}]}`,
		`{"kind":"crashReport","images":[{"baseAddress":"0x1","endOfText":"0x2","buildId":"abc"}]}`,
		`{"kind":"crashReport","threads":[{"frames":[{"kind":"returnAddress","address":"12"}]}]}`,
		`{"kind":"other"}`,
		`{"kind":`,
		`[]`,
	} {
		if _, err := Format.Parse([]byte(in), format.Options{}); err == nil {
			t.Errorf("%s: accepted", in)
		}
	}
	if _, err := TextFormat.Parse([]byte("*** Program crashed: x ***\nPlatform: arm64 macOS\n"), format.Options{}); err == nil {
		t.Error("text without threads: accepted")
	}
}

// frameTails returns each frame line's index, tags and symbolication,
// without the address (runs differ in their slides).
func frameTails(text string) []string {
	var out []string
	for _, l := range strings.Split(text, "\n") {
		f, ok := parseFrameLine(l, 0)
		if !ok || !f.hasAddr {
			continue
		}
		out = append(out, l[:strings.Index(l, "0x")]+l[f.addrEnd:])
	}
	return out
}

package swiftbt

import (
	"strings"
	"testing"

	"github.com/symbolicate/symbolicate/format"
	"github.com/symbolicate/symbolicate/internal/corpus"
	"github.com/symbolicate/symbolicate/process"
)

func TestCorpusImages(t *testing.T) {
	b := corpus.Read(t, "swift-backtrace/01-macos26.0.1-arm64-json-symbolicated-reformatted.json")
	if !Format.Sniff(b) {
		t.Fatal("not sniffed")
	}
	d, err := Format.Parse(b, format.Options{})
	if err != nil {
		t.Fatal(err)
	}
	p := d.Process()
	if p.Platform != "macOS 26.0.1 (25A362)" || len(p.Images) == 0 {
		t.Fatalf("process %+v", p)
	}
	var crashMe *process.Image
	for i := range p.Images {
		if p.Images[i].Name == "crashMe" {
			crashMe = &p.Images[i]
		}
	}
	if crashMe == nil || !strings.HasPrefix(crashMe.ID.String(), "6FDBB104") || crashMe.End <= crashMe.Base {
		t.Errorf("crashMe image %+v", crashMe)
	}
	if why := d.(format.Inert).NothingToSymbolicate(); why == "" {
		t.Error("no reason given")
	}
}

func TestBadInput(t *testing.T) {
	for _, in := range []string{
		`{"kind":"crashReport","images":[{"baseAddress":"0xzz","endOfText":"0x2"}]}`,
		`{"kind":"crashReport","images":[{"baseAddress":"0x1","endOfText":"0x2","buildId":"abc"}]}`,
		`{"kind":"other"}`,
		`{"kind":`,
	} {
		if _, err := Format.Parse([]byte(in), format.Options{}); err == nil {
			t.Errorf("%s: accepted", in)
		}
	}
}

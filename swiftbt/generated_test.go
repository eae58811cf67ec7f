package swiftbt_test

import (
	"bytes"
	"context"
	"strconv"
	"strings"
	"testing"

	"github.com/goccy/go-json"

	"github.com/symbolicate/symbolicate/dsc"
	"github.com/symbolicate/symbolicate/dsc/dsctest"
	"github.com/symbolicate/symbolicate/format"
	"github.com/symbolicate/symbolicate/internal/crashgen"
	"github.com/symbolicate/symbolicate/process"
	"github.com/symbolicate/symbolicate/resolve"
	"github.com/symbolicate/symbolicate/swiftbt"
	"github.com/symbolicate/symbolicate/symbol"
)

// engine opens the demo cache and a resolver over it.
func engine(t *testing.T) (*dsctest.Cache, *resolve.Resolver) {
	t.Helper()
	g, err := dsctest.Cached(dsctest.Demo(11))
	if err != nil {
		t.Fatal(err)
	}
	set, err := dsc.Scan(context.Background(), []string{g.Dir})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { set.Close() })
	return g, resolve.New([]symbol.Source{set}, resolve.Options{NoDemangle: true, DeferAbove: -1})
}

// checkFrames compares every frame's resolution with the generator's
// answer, in document order.
func checkFrames(t *testing.T, doc format.Document, truth []crashgen.Frame) {
	t.Helper()
	var frames []*process.Frame
	for f := range doc.Frames() {
		frames = append(frames, f)
	}
	if len(frames) != len(truth) {
		t.Fatalf("%d frames, generator wrote %d", len(frames), len(truth))
	}
	for i, f := range frames {
		want := truth[i]
		switch {
		case want.Symbol == "" && f.Resolved != nil:
			t.Errorf("frame %d (%s): resolved to %q, want nothing", i, want.Image, f.Resolved.Symbol)
		case want.Symbol == "":
		case f.Resolved == nil:
			t.Errorf("frame %d (%s): unresolved, want %s + %d", i, want.Image, want.Symbol, want.Location)
		case swiftbt.MachOName(f.Resolved.Symbol) != want.Symbol || f.Resolved.SymbolLocation != want.Location:
			t.Errorf("frame %d: %s + %d, want %s + %d (boundary %v)", i, f.Resolved.Symbol, f.Resolved.SymbolLocation, want.Symbol, want.Location, want.Boundary)
		}
	}
}

// TestGeneratedBacktraces symbolicates generated backtraces, JSON and text,
// with async resume points, an image with an ELF build ID and an app image
// no source has, and checks every frame and both writers.
func TestGeneratedBacktraces(t *testing.T) {
	c, r := engine(t)
	for _, text := range []bool{false, true} {
		for seed := range uint64(3) {
			cfg := crashgen.Config{Seed: seed, Slide: (seed + 2) << 14, Threads: 3, Frames: 12, Boundary: 0.25, AppUUID: process.UUID{0xA5, byte(seed)}}
			rep, err := crashgen.SwiftBacktrace(c, cfg, crashgen.SwiftOptions{Text: text, Async: 0.3, Foreign: true})
			if err != nil {
				t.Fatal(err)
			}
			f := swiftbt.Format
			if text {
				f = swiftbt.TextFormat
			}
			if !f.Sniff(rep.Data) {
				t.Fatalf("text=%v: not sniffed", text)
			}
			doc, err := f.Parse(rep.Data, format.Options{})
			if err != nil {
				t.Fatal(err)
			}
			o := r.Resolve(context.Background(), doc)
			checkFrames(t, doc, rep.Frames)
			if o.Unresolvable == 0 || len(o.Missing) == 0 {
				t.Errorf("outcome %+v: the foreign and app frames are not counted", *o)
			}
			if d := doc.(format.Warner).Diagnostics(); len(d) == 0 {
				t.Error("no note about the foreign build ID")
			}
			var out bytes.Buffer
			if err := doc.WriteText(&out, format.WriteOptions{}); err != nil {
				t.Fatal(err)
			}
			for _, fr := range rep.Frames {
				if fr.Symbol != "" && !strings.Contains(out.String(), display(fr.Symbol)+" + "+strconv.FormatUint(fr.Location, 10)+" in "+fr.Image) {
					t.Errorf("text=%v: text output lacks %s + %d in %s", text, fr.Symbol, fr.Location, fr.Image)
				}
			}
			if text {
				continue
			}
			out.Reset()
			if err := doc.WriteJSON(&out, format.WriteOptions{}); err != nil {
				t.Fatal(err)
			}
			checkJSON(t, out.Bytes(), rep.Frames)
		}
	}
}

// checkJSON reads the written JSON back and checks each frame's members.
func checkJSON(t *testing.T, b []byte, truth []crashgen.Frame) {
	t.Helper()
	var got struct {
		Threads []struct {
			Frames []struct {
				Kind, Address, Symbol, Description, Image string
				Offset                                    *uint64
				System                                    bool
			}
		}
	}
	if err := json.Unmarshal(b, &got); err != nil {
		t.Fatalf("output is not JSON: %v", err)
	}
	i := 0
	for _, th := range got.Threads {
		for _, f := range th.Frames {
			if f.Address == "" {
				continue
			}
			want := truth[i]
			i++
			if want.Symbol == "" {
				if f.Symbol != "" {
					t.Errorf("JSON frame %d: symbol %q, want none", i-1, f.Symbol)
				}
				continue
			}
			if f.Symbol != want.Symbol || f.Offset == nil || *f.Offset != want.Location || f.Image != want.Image || !f.System ||
				f.Description != display(want.Symbol)+" + "+strconv.FormatUint(want.Location, 10) {
				t.Errorf("JSON frame %d: %+v, want %s + %d in %s", i-1, f, want.Symbol, want.Location, want.Image)
			}
		}
	}
}

// display is a linkage name as sources give it (no Mach-O underscore).
func display(name string) string { return strings.TrimPrefix(name, "_") }

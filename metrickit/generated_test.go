package metrickit_test

import (
	"bytes"
	"context"
	"strings"
	"testing"

	"github.com/goccy/go-json"

	"github.com/symbolicate/symbolicate/dsc"
	"github.com/symbolicate/symbolicate/dsc/dsctest"
	"github.com/symbolicate/symbolicate/format"
	"github.com/symbolicate/symbolicate/internal/crashgen"
	"github.com/symbolicate/symbolicate/metrickit"
	"github.com/symbolicate/symbolicate/process"
	"github.com/symbolicate/symbolicate/resolve"
	"github.com/symbolicate/symbolicate/symbol"
)

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

// TestGeneratedPayloads symbolicates generated payloads in every shape
// (crash chains and a sampled tree, both offset conventions, bare trees)
// and checks every frame against the generator's answer, then the JSON
// writer's added members.
func TestGeneratedPayloads(t *testing.T) {
	c, r := engine(t)
	for _, opts := range []crashgen.MetricKitOptions{
		{}, {LoadAddress: true}, {Sampled: true}, {Sampled: true, LoadAddress: true}, {Bare: true}, {Bare: true, Sampled: true},
	} {
		cfg := crashgen.Config{Seed: 7, Slide: 5 << 14, Threads: 3, Frames: 10, Boundary: 0.25, AppUUID: process.UUID{0xA7}}
		rep, err := crashgen.MetricKit(c, cfg, opts)
		if err != nil {
			t.Fatal(err)
		}
		if !metrickit.Format.Sniff(rep.Data) {
			t.Fatalf("%+v: not sniffed", opts)
		}
		doc, err := metrickit.Parse(rep.Data)
		if err != nil {
			t.Fatalf("%+v: %v", opts, err)
		}
		r.Resolve(context.Background(), doc)
		var frames []*process.Frame
		for f := range doc.Frames() {
			frames = append(frames, f)
		}
		if len(frames) != len(rep.Frames) {
			t.Fatalf("%+v: %d frames, want %d", opts, len(frames), len(rep.Frames))
		}
		for i, f := range frames {
			want := rep.Frames[i]
			switch {
			case want.Symbol == "" && f.Resolved != nil:
				t.Errorf("%+v frame %d: resolved to %q, want nothing", opts, i, f.Resolved.Symbol)
			case want.Symbol == "":
			case f.Resolved == nil:
				t.Errorf("%+v frame %d: unresolved, want %s + %d", opts, i, want.Symbol, want.Location)
			case f.Resolved.Symbol != strings.TrimPrefix(want.Symbol, "_") || f.Resolved.SymbolLocation != want.Location:
				t.Errorf("%+v frame %d: %s + %d, want %s + %d", opts, i, f.Resolved.Symbol, f.Resolved.SymbolLocation, want.Symbol, want.Location)
			}
		}
		noted := len(doc.Diagnostics()) > 0
		if noted != opts.LoadAddress {
			t.Errorf("%+v: load-address convention noted %v", opts, noted)
		}
		var out bytes.Buffer
		if err := doc.WriteJSON(&out, format.WriteOptions{}); err != nil {
			t.Fatal(err)
		}
		var v any
		if err := json.Unmarshal(out.Bytes(), &v); err != nil {
			t.Fatalf("%+v: output is not JSON: %v", opts, err)
		}
		for _, want := range rep.Frames {
			if want.Symbol != "" && !bytes.Contains(out.Bytes(), []byte(`"symbol" : "`+strings.TrimPrefix(want.Symbol, "_")+`"`)) {
				t.Errorf("%+v: JSON lacks symbol %s", opts, want.Symbol)
			}
		}
		// Written again, the output reads back with the same answers in place.
		again, err := metrickit.Parse(out.Bytes())
		if err != nil {
			t.Fatal(err)
		}
		var out2 bytes.Buffer
		r.Resolve(context.Background(), again)
		again.WriteJSON(&out2, format.WriteOptions{})
		if !bytes.Equal(out.Bytes(), out2.Bytes()) {
			t.Errorf("%+v: symbolicating the output again changed it", opts)
		}
	}
}

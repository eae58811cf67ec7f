package symbolicate_test

import (
	"bytes"
	"context"
	"errors"
	"os"
	"path/filepath"
	"testing"

	"github.com/symbolicate/symbolicate"
	"github.com/symbolicate/symbolicate/dsc/dsctest"
	"github.com/symbolicate/symbolicate/format"
	"github.com/symbolicate/symbolicate/internal/corpus"
	"github.com/symbolicate/symbolicate/internal/crashgen"
	"github.com/symbolicate/symbolicate/process"
	"github.com/symbolicate/symbolicate/resolve"
)

// render parses, resolves and writes data with an engine over cfg, in
// text and in JSON.
func render(t *testing.T, cfg symbolicate.Config, data []byte) (text, js []byte, o *resolve.Outcome) {
	t.Helper()
	eng, err := symbolicate.Open(context.Background(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	defer eng.Close()
	var tb, jb bytes.Buffer
	for i, buf := range []*bytes.Buffer{&tb, &jb} {
		doc, err := eng.Parse(data)
		if err != nil {
			t.Fatal(err)
		}
		o = eng.Resolver().Resolve(context.Background(), doc)
		deferred := 0
		for f := range doc.Frames() {
			if f.Deferred {
				deferred++
			}
		}
		if want := cfg.Resolve.DeferAbove > 0 && o.Resolved > 0; want != (deferred > 0) {
			t.Fatalf("DeferAbove %d: %d frames deferred", cfg.Resolve.DeferAbove, deferred)
		}
		if i == 0 {
			err = doc.WriteText(buf, format.WriteOptions{})
		} else {
			err = doc.WriteJSON(buf, format.WriteOptions{})
		}
		if err != nil && !errors.Is(err, format.ErrNoJSON) {
			t.Fatal(err)
		}
	}
	return tb.Bytes(), jb.Bytes(), o
}

// TestDeferredResolutionWritesTheSame resolves reports with every frame
// deferred (resolved again as it is written, the way very large documents
// are) and with none, and requires byte-identical text and JSON and the same
// counts: generated crashes against the demo cache, and real reports with
// their binaries and dSYMs (inline frames, file:line).
func TestDeferredResolutionWritesTheSame(t *testing.T) {
	c, err := dsctest.Cached(dsctest.Demo(11))
	if err != nil {
		t.Fatal(err)
	}
	type input struct {
		name string
		cfg  symbolicate.Config
		data []byte
	}
	var inputs []input
	for seed := range uint64(4) {
		rep, err := crashgen.Generate(c, crashgen.Config{Seed: seed, Slide: (seed + 1) << 14, Threads: 5, Frames: 30,
			OSSymbolicated: 0.2, Redacted: 0.05, Boundary: 0.2, AppUUID: process.UUID{0xAB, byte(seed)}})
		if err != nil {
			t.Fatal(err)
		}
		inputs = append(inputs, input{"generated", symbolicate.Config{Caches: []string{c.Dir}}, rep.Data})
	}
	root := filepath.Join(corpus.Root(), "macho", "macsymbolicator")
	if _, err := os.Stat(root); err == nil {
		for _, name := range []string{"single-target-crash.ips", "multi-target-crash.ips", "ios-crash.ips", "single-target-crash.crash"} {
			data, err := os.ReadFile(filepath.Join(root, "crashes", name))
			if err != nil {
				t.Fatal(err)
			}
			inputs = append(inputs, input{name, symbolicate.Config{Symbols: []string{filepath.Join(root, "dsym")}}, data})
		}
	} else {
		t.Logf("real reports left out: %s is absent", root)
	}
	for _, in := range inputs {
		eager, deferred := in.cfg, in.cfg
		eager.Resolve.DeferAbove = -1
		deferred.Resolve.DeferAbove = 1
		et, ej, eo := render(t, eager, in.data)
		dt, dj, do := render(t, deferred, in.data)
		if eo.Resolved == 0 {
			t.Errorf("%s: nothing resolved: the comparison proves nothing", in.name)
		}
		if !bytes.Equal(et, dt) || !bytes.Equal(ej, dj) {
			t.Errorf("%s: deferred output differs (text equal %v, JSON equal %v)", in.name, bytes.Equal(et, dt), bytes.Equal(ej, dj))
		}
		if eo.Resolved != do.Resolved || eo.Unresolved != do.Unresolved || eo.Frames != do.Frames {
			t.Errorf("%s: counts differ: eager %+v, deferred %+v", in.name, *eo, *do)
		}
	}
}

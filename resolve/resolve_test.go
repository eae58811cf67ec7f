package resolve

import (
	"context"
	"os"
	"reflect"
	"strings"
	"sync"
	"testing"

	"github.com/symbolicate/symbolicate/crashlog"
	"github.com/symbolicate/symbolicate/demangle"
	"github.com/symbolicate/symbolicate/dsc"
	"github.com/symbolicate/symbolicate/dsc/dsctest"
	"github.com/symbolicate/symbolicate/internal/crashgen"
	"github.com/symbolicate/symbolicate/process"
	"github.com/symbolicate/symbolicate/symbol"
)

var appUUID = process.UUID{0xAA, 0xBB, 0xCC, 0xDD, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12}

// demoCache generates (once per test binary) a small split cache with local
// symbols in a .symbols file, and scans it.
var demoCache = sync.OnceValues(func() (*dsctest.Cache, error) {
	return dsctest.Cached(dsctest.Demo(7))
})

func setup(t *testing.T) (*dsctest.Cache, *dsc.Set) {
	t.Helper()
	c, err := demoCache()
	if err != nil {
		t.Fatalf("generating cache: %v", err)
	}
	caches, err := dsc.Scan(context.Background(), []string{c.Dir})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { caches.Close() })
	if len(caches.Caches()) != 1 {
		t.Fatalf("scan found %d caches, want 1 (subcaches and .symbols must be skipped); diagnostics %v", len(caches.Caches()), caches.Diagnostics)
	}
	return c, caches
}

// over returns a resolver over the caches (none when nil) that keeps
// linkage names, so tests compare them with the generator's names.
func over(caches *dsc.Set, opts Options) *Resolver {
	opts.NoDemangle = true
	return overDemangling(caches, opts)
}

// overDemangling is over with opts as given.
func overDemangling(caches *dsc.Set, opts Options) *Resolver {
	if caches == nil {
		return New(nil, opts)
	}
	return New([]symbol.Source{caches}, opts)
}

func parse(t *testing.T, data []byte) *crashlog.Report {
	t.Helper()
	rep, err := crashlog.Parse(data)
	if err != nil {
		t.Fatalf("parsing generated report: %v", err)
	}
	return rep
}

// display is a symbol-table name as the resolver reports it: without the
// Mach-O leading underscore.
func display(name string) string { return strings.TrimPrefix(name, "_") }

// check compares every frame's resolution with the generator's answer.
func check(t *testing.T, rep *crashlog.Report, want []crashgen.Frame, resym bool) {
	t.Helper()
	for _, w := range want {
		f := &rep.Threads[w.Thread].Frames[w.Index]
		switch {
		case w.Symbol == "":
			if f.Resolved != nil {
				t.Errorf("thread %d frame %d (%s): resolved to %q, want unresolved", w.Thread, w.Index, w.Image, f.Resolved.Symbol)
			}
		case w.OSWritten && !resym:
			if f.Resolved != nil {
				t.Errorf("thread %d frame %d: OS symbol %q was replaced without --resymbolicate", w.Thread, w.Index, f.Symbol)
			}
		case f.Resolved == nil:
			t.Errorf("thread %d frame %d (%s): unresolved, want %s + %d", w.Thread, w.Index, w.Image, w.Symbol, w.Location)
		case f.Resolved.Symbol != display(w.Symbol) || f.Resolved.SymbolLocation != w.Location:
			t.Errorf("thread %d frame %d (%s): got %s + %d, want %s + %d", w.Thread, w.Index, w.Image,
				f.Resolved.Symbol, f.Resolved.SymbolLocation, display(w.Symbol), w.Location)
		}
	}
}

func TestReportSlidCacheWithLocalsAndBoundaries(t *testing.T) {
	c, caches := setup(t)
	gen, err := crashgen.Generate(c, crashgen.Config{Seed: 1, Slide: 0x1234000, Threads: 6, Frames: 30,
		OSSymbolicated: 0.2, Redacted: 0.1, Boundary: 0.3, AppUUID: appUUID})
	if err != nil {
		t.Fatal(err)
	}
	rep := parse(t, gen.Data)
	r := over(caches, Options{})
	o := r.Resolve(context.Background(), rep)
	check(t, rep, gen.Frames, false)

	var app, os, boundary int
	for _, w := range gen.Frames {
		switch {
		case w.Symbol == "":
			app++
		case w.OSWritten:
			os++
		case w.Boundary:
			boundary++
		}
	}
	if app == 0 || os == 0 || boundary == 0 {
		t.Fatalf("generated report lacks variety: app %d, os %d, boundary %d", app, os, boundary)
	}
	if o.Frames != len(gen.Frames) || o.Already != os || o.Resolved != len(gen.Frames)-os-app || o.Unresolved != app {
		t.Errorf("outcome %+v; want frames %d, already %d, resolved %d, unresolved %d", o, len(gen.Frames), os, len(gen.Frames)-os-app, app)
	}
	if m := o.Missing[process.UUIDBuildID(appUUID)]; m == nil || m.Frames != app || m.Name != "SampleApp" {
		t.Errorf("missing = %+v, want the app image with %d frames", o.Missing, app)
	}
	if len(o.Notes) != 0 {
		t.Errorf("unexpected notes: %v", o.Notes)
	}
}

func TestResymbolicateReplacesOSSymbols(t *testing.T) {
	c, caches := setup(t)
	gen, err := crashgen.Generate(c, crashgen.Config{Seed: 2, Slide: 0x4000, OSSymbolicated: 0.5})
	if err != nil {
		t.Fatal(err)
	}
	rep := parse(t, gen.Data)
	r := over(caches, Options{Resymbolicate: true})
	o := r.Resolve(context.Background(), rep)
	check(t, rep, gen.Frames, true)
	if o.Already != 0 || o.Resolved != len(gen.Frames) {
		t.Errorf("outcome %+v", o)
	}
}

func TestImagesMatchedByOwnUUIDWithoutSharedCacheRecord(t *testing.T) {
	c, caches := setup(t)
	gen, err := crashgen.Generate(c, crashgen.Config{Seed: 3, Slide: 0x88000, NoSharedCache: true})
	if err != nil {
		t.Fatal(err)
	}
	rep := parse(t, gen.Data)
	if rep.SharedCache != nil {
		t.Fatal("generator wrote a sharedCache record")
	}
	o := over(caches, Options{}).Resolve(context.Background(), rep)
	check(t, rep, gen.Frames, false)
	if o.Resolved != len(gen.Frames) {
		t.Errorf("outcome %+v", o)
	}
}

// TestMissingCacheIsNamed: with the report's cache absent, its frames are
// counted under the cache (with the OS and arch to fetch it by), and its
// images are not listed one by one; the app image still is.
func TestMissingCacheIsNamed(t *testing.T) {
	c, _ := setup(t)
	gen, err := crashgen.Generate(c, crashgen.Config{Seed: 4, Slide: 0x4000, AppUUID: appUUID})
	if err != nil {
		t.Fatal(err)
	}
	rep := parse(t, gen.Data)
	o := over(nil, Options{}).Resolve(context.Background(), rep) // no caches at all
	m := o.MissingCaches[c.UUID]
	if len(o.MissingCaches) != 1 || m == nil || m.Frames == 0 || m.OS != rep.OSVersion || m.Arch != "arm64e" {
		t.Errorf("missing caches = %+v, want %s with its OS and arch", o.MissingCaches, c.UUID)
	}
	app := o.Missing[process.UUIDBuildID(appUUID)]
	if len(o.Missing) != 1 || app == nil || m.Frames+app.Frames != o.Unresolved {
		t.Errorf("missing images %+v: want only the app image, the others counted under the cache", o.Missing)
	}
	if o.Resolved != 0 || o.Unresolved != o.Frames {
		t.Errorf("outcome %+v", o)
	}
}

func TestSlideDisagreementIsReported(t *testing.T) {
	c, caches := setup(t)
	gen, err := crashgen.Generate(c, crashgen.Config{Seed: 5, Slide: 0x10000, Threads: 2, Frames: 20})
	if err != nil {
		t.Fatal(err)
	}
	rep := parse(t, gen.Data)
	rep.SharedCache.Base += 0x4000 // the report's cache base now disagrees with its images
	o := over(caches, Options{}).Resolve(context.Background(), rep)
	if len(o.Notes) == 0 || !strings.Contains(o.Notes[0].String(), "disagrees") {
		t.Fatalf("notes = %v, want a slide disagreement", o.Notes)
	}
	// Frames are image-relative, so they still resolve correctly.
	check(t, rep, gen.Frames, false)
}

func TestDemangleHookAndRawName(t *testing.T) {
	c, caches := setup(t)
	gen, err := crashgen.Generate(c, crashgen.Config{Seed: 6, Slide: 0x4000, Threads: 4, Frames: 30})
	if err != nil {
		t.Fatal(err)
	}
	for _, noDemangle := range []bool{false, true} {
		rep := parse(t, gen.Data)
		overDemangling(caches, Options{NoDemangle: noDemangle}).Resolve(context.Background(), rep)
		mangled := 0
		for _, w := range gen.Frames {
			f := rep.Threads[w.Thread].Frames[w.Index]
			raw := display(w.Symbol)
			want, wantRaw := raw, ""
			if d, _ := demangle.Name(raw, demangle.Options{Form: demangle.Display}); d != raw && !noDemangle {
				want, wantRaw = d, raw
				mangled++
			}
			if f.Resolved == nil || f.Resolved.Symbol != want || f.Resolved.RawSymbol != wantRaw {
				t.Fatalf("NoDemangle %v, frame %d: %+v, want %q with raw name %q", noDemangle, w.Index, f.Resolved, want, wantRaw)
			}
		}
		if !noDemangle && mangled == 0 {
			t.Fatal("generated report has no mangled names")
		}
	}
}

// TestEveryCacheLayout symbolicates generated crashes against each on-disk
// layout: split caches with v2 and v1 subcache entries and a .symbols file,
// and an old single-file cache with in-cache local symbols.
func TestEveryCacheLayout(t *testing.T) {
	for _, tt := range []struct {
		name string
		cfg  dsctest.Config
	}{
		{"split-v2", dsctest.Config{Seed: 21, Layout: dsctest.LayoutSplit, Images: 12, SymbolsPerImage: 40, LocalFraction: 0.4}},
		{"split-v1", dsctest.Config{Seed: 22, Layout: dsctest.LayoutSplitV1, Images: 12, SymbolsPerImage: 40, LocalFraction: 0.4}},
		{"single-file", dsctest.Config{Seed: 23, Layout: dsctest.LayoutSingle, Images: 12, SymbolsPerImage: 40, LocalFraction: 0.4}},
		{"single-file-dyld-353", dsctest.Config{Seed: 24, Layout: dsctest.LayoutSingle, HeaderSize: 0x68, Images: 6, SymbolsPerImage: 30, LocalFraction: 0.3}},
		{"x86_64", dsctest.Config{Seed: 25, Arch: "x86_64", Images: 8, SymbolsPerImage: 30, LocalFraction: 0.3}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			c, err := dsctest.Generate(t.TempDir(), tt.cfg)
			if err != nil {
				t.Fatal(err)
			}
			caches, err := dsc.Scan(context.Background(), []string{c.Dir})
			if err != nil || len(caches.Caches()) != 1 {
				t.Fatalf("scan: %v, %d caches, diagnostics %v", err, len(caches.Caches()), caches.Diagnostics)
			}
			defer caches.Close()
			gen, err := crashgen.Generate(c, crashgen.Config{Seed: 3, Slide: 0x3c000, Threads: 4, Frames: 20, Boundary: 0.2})
			if err != nil {
				t.Fatal(err)
			}
			rep := parse(t, gen.Data)
			o := over(caches, Options{}).Resolve(context.Background(), rep)
			check(t, rep, gen.Frames, false)
			if o.Resolved != len(gen.Frames) {
				t.Errorf("outcome %+v", o)
			}
		})
	}
}

// TestMissingSymbolsFileLeavesLocalsUnresolved: without the .symbols file
// local functions are only "<redacted>" in the cache, which is not a name.
func TestMissingSymbolsFileLeavesLocalsUnresolved(t *testing.T) {
	c, err := dsctest.Generate(t.TempDir(), dsctest.Config{Seed: 31, Images: 6, SymbolsPerImage: 40, LocalFraction: 0.5})
	if err != nil {
		t.Fatal(err)
	}
	// The report is made while the names are known; then the .symbols file
	// goes missing, as when only the main cache and subcaches were copied.
	gen, err := crashgen.Generate(c, crashgen.Config{Seed: 5, Slide: 0x4000, Threads: 4, Frames: 20})
	if err != nil {
		t.Fatal(err)
	}
	if err := os.Remove(c.SymbolsPath); err != nil {
		t.Fatal(err)
	}
	caches, err := dsc.Scan(context.Background(), []string{c.Dir})
	if err != nil {
		t.Fatal(err)
	}
	defer caches.Close()
	if len(caches.Caches()) != 1 || len(caches.Caches()[0].Warnings()) == 0 {
		t.Fatalf("cache without .symbols should open with a warning")
	}
	rep := parse(t, gen.Data)
	o := over(caches, Options{}).Resolve(context.Background(), rep)
	fs := map[string]bool{}
	for i := range c.Images {
		for _, f := range c.Images[i].Functions {
			fs[f.Name] = f.Local
		}
	}
	locals := 0
	for _, w := range gen.Frames {
		f := rep.Threads[w.Thread].Frames[w.Index]
		switch {
		case fs[w.Symbol]:
			locals++
			if f.Resolved != nil {
				t.Errorf("local frame resolved to %q without the .symbols file", f.Resolved.Symbol)
			}
		case f.Resolved == nil || f.Resolved.Symbol != display(w.Symbol):
			t.Errorf("exported frame %s: got %+v", w.Symbol, f.Resolved)
		}
	}
	if locals == 0 || o.Unresolved != locals || len(o.Missing) != 0 {
		t.Errorf("%d local frames; outcome %+v: want exactly those unresolved and no missing images", locals, o)
	}
	// They are degraded, not merely unresolved: the summary names the file.
	m := o.MissingSymbols[c.SymbolsPath]
	if o.Degraded != locals || m == nil || m.Frames != locals || m.UUID != c.SymbolFileUUID || m.Cache != c.UUID || !o.HasMissing() {
		t.Errorf("degraded %d, missing symbols %+v; want %d frames under %s <%s>", o.Degraded, o.MissingSymbols, locals, c.SymbolsPath, c.SymbolFileUUID)
	}
}

// TestMissingReportCacheNotBlamedWhenImagesResolve: the report names a cache
// that is not on disk, but another cache holds the same dylibs (as the two
// halves of a universal cache do): every frame resolves by image UUID, so
// nothing is missing.
func TestMissingReportCacheNotBlamedWhenImagesResolve(t *testing.T) {
	c, caches := setup(t)
	gen, err := crashgen.Generate(c, crashgen.Config{Seed: 8, Slide: 0x8000, Threads: 2, Frames: 10})
	if err != nil {
		t.Fatal(err)
	}
	rep := parse(t, gen.Data)
	rep.SharedCache.UUID[0] ^= 0xff // a cache UUID nothing on disk has
	o := over(caches, Options{}).Resolve(context.Background(), rep)
	check(t, rep, gen.Frames, false)
	if o.HasMissing() || o.Resolved != len(gen.Frames) {
		t.Errorf("outcome %+v: want everything resolved and nothing missing", o)
	}
}

// TestAddressesInParallel: a long list resolved on several goroutines gives
// the answers of one, in order.
func TestAddressesInParallel(t *testing.T) {
	c, caches := setup(t)
	r := over(caches, Options{})
	p := &process.Process{SharedCache: &process.CacheRef{UUID: c.UUID, Base: c.Base + 0x4000, Slide: 0x4000, SlideKnown: true}}
	var addrs []uint64
	for i := range 20000 {
		im := &c.Images[i%len(c.Images)]
		addrs = append(addrs, im.Address+0x4000+uint64(i*13)%im.TextSize)
	}
	one, many := r.Addresses(p, addrs, 1), r.Addresses(p, addrs, 4)
	resolved := 0
	for i := range one {
		a, b := one[i], many[i]
		if a.Address != b.Address || (a.Resolution == nil) != (b.Resolution == nil) || a.Resolution != nil && !reflect.DeepEqual(a.Resolution, b.Resolution) {
			t.Fatalf("address %d: %+v vs %+v", i, a, b)
		}
		if a.Resolution != nil {
			resolved++
		}
	}
	if resolved == 0 {
		t.Fatal("nothing resolved")
	}
}

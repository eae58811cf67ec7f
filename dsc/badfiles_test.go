package dsc_test

import (
	"bytes"
	"errors"
	"io/fs"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/symbolicate/symbolicate/diag"
	"github.com/symbolicate/symbolicate/dsc"
	"github.com/symbolicate/symbolicate/dsc/dsctest"
	"github.com/symbolicate/symbolicate/internal/machofmt"
)

// TestMissingSubcache removes each subcache in turn: Open must fail with a
// *dsc.FileError naming the file and both UUIDs.
func TestMissingSubcache(t *testing.T) {
	for _, layout := range []dsctest.Layout{dsctest.LayoutSplit, dsctest.LayoutSplitV1} {
		g := generate(t, dsctest.Config{Seed: 11, Layout: layout})
		for i, sc := range g.SubCaches {
			moved := sc.Path + ".away"
			if err := os.Rename(sc.Path, moved); err != nil {
				t.Fatal(err)
			}
			_, err := dsc.Open(g.MainPath)
			var fe *dsc.FileError
			if !errors.As(err, &fe) || !errors.Is(err, fs.ErrNotExist) || fe.Path != sc.Path {
				t.Fatalf("%v subcache %d missing: err = %v", layout, i+1, err)
			}
			for _, want := range []string{sc.Path, sc.UUID.String(), g.UUID.String()} {
				if !strings.Contains(err.Error(), want) {
					t.Errorf("error %q lacks %q", err, want)
				}
			}
			if err := os.Rename(moved, sc.Path); err != nil {
				t.Fatal(err)
			}
		}
	}
}

// TestMismatchedSubcache replaces a subcache (and then the .symbols file) by
// the same file of another generated cache: Open must fail with
// ErrUUIDMismatch, naming the file, the UUID found and the UUID expected.
func TestMismatchedSubcache(t *testing.T) {
	for _, layout := range []dsctest.Layout{dsctest.LayoutSplit, dsctest.LayoutSplitV1} {
		g := generate(t, dsctest.Config{Seed: 12, Layout: layout})
		other := generate(t, dsctest.Config{Seed: 13, Layout: layout})
		targets := []struct{ mine, theirs, want string }{
			{g.SubCaches[1].Path, other.SubCaches[1].Path, g.SubCaches[1].UUID.String()},
			{g.SymbolsPath, other.SymbolsPath, g.SymbolFileUUID.String()},
		}
		for _, tg := range targets {
			orig, err := os.ReadFile(tg.mine)
			if err != nil {
				t.Fatal(err)
			}
			foreign, err := os.ReadFile(tg.theirs)
			if err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(tg.mine, foreign, 0o644); err != nil {
				t.Fatal(err)
			}
			_, err = dsc.Open(g.MainPath)
			var fe *dsc.FileError
			if !errors.Is(err, dsc.ErrUUIDMismatch) || !errors.As(err, &fe) || fe.Path != tg.mine {
				t.Fatalf("%v %s swapped: err = %v", layout, filepath.Base(tg.mine), err)
			}
			got, _ := dsc.ParseHeader(foreign)
			for _, want := range []string{tg.mine, tg.want, got.UUID.String(), g.UUID.String()} {
				if !strings.Contains(err.Error(), want) {
					t.Errorf("error %q lacks %q", err, want)
				}
			}
			if err := os.WriteFile(tg.mine, orig, 0o644); err != nil {
				t.Fatal(err)
			}
		}
		if _, err := dsc.Open(g.MainPath); err != nil {
			t.Fatalf("restored cache: %v", err)
		}
	}
}

// mapFS loads every file of g into memory.
func mapFS(t testing.TB, g *dsctest.Cache) (fstest.MapFS, string) {
	t.Helper()
	m := fstest.MapFS{}
	for _, p := range g.Files {
		b, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		m[filepath.Base(p)] = &fstest.MapFile{Data: b}
	}
	return m, filepath.Base(g.MainPath)
}

func TestOpenFS(t *testing.T) {
	g := generate(t, dsctest.Config{Seed: 21})
	m, name := mapFS(t, g)
	c, err := dsc.OpenFS(m, name)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if c.UUID() != g.UUID || c.ImageCount() != len(g.Images) {
		t.Fatalf("OpenFS: %s %d images", c.UUID(), c.ImageCount())
	}
	f := g.Images[3].Functions[2]
	if s, err := c.Lookup(f.Address + 1); err != nil || s.Name != wantName(g, f) {
		t.Fatalf("Lookup = %+v, %v", s, err)
	}
	if _, err := dsc.OpenFS(m, "nope"); !errors.Is(err, fs.ErrNotExist) {
		t.Fatalf("missing main file: %v", err)
	}
	if err := c.Close(); err != nil {
		t.Fatal(err)
	}
	if _, err := c.Lookup(f.Address); !errors.Is(err, dsc.ErrClosed) {
		t.Fatalf("Lookup after Close: %v", err)
	}
}

// checkTypedError fails unless err is one of the package's documented error
// kinds: a decoding error, a file error, a missing file or a non-cache.
func checkTypedError(t *testing.T, err error, what string) {
	t.Helper()
	var fe *diag.FormatError
	var file *dsc.FileError
	var ae *dsc.AddressError
	if errors.As(err, &fe) || errors.As(err, &file) || errors.As(err, &ae) ||
		errors.Is(err, dsc.ErrNotDSC) || errors.Is(err, machofmt.ErrNotMachO) || errors.Is(err, fs.ErrNotExist) {
		return
	}
	t.Fatalf("%s: untyped error %T: %v", what, err, err)
}

// exercise opens fsys and, if that works, looks up every function and
// segment of the truth; errors must be typed, nothing may panic.
func exercise(t *testing.T, fsys fs.FS, name string, g *dsctest.Cache, what string) {
	c, err := dsc.OpenFS(fsys, name)
	if err != nil {
		checkTypedError(t, err, what)
		return
	}
	defer c.Close()
	for i := range g.Images {
		for _, seg := range g.Images[i].Segments {
			if _, err := c.Lookup(seg.Addr); err != nil {
				checkTypedError(t, err, what)
			}
		}
		for _, f := range g.Images[i].Functions {
			if _, err := c.Lookup(f.Address + f.Size - 1); err != nil {
				checkTypedError(t, err, what)
			}
		}
	}
	for i := 0; i < c.ImageCount(); i++ {
		c.ImageAt(i)
	}
}

// TestHostileTruncation truncates every file of small generated caches at
// many offsets.
func TestHostileTruncation(t *testing.T) {
	for _, cfg := range []dsctest.Config{
		{Seed: 31, Layout: dsctest.LayoutSplit, Images: 4, SymbolsPerImage: 12},
		{Seed: 32, Layout: dsctest.LayoutSplitV1, Images: 4, SymbolsPerImage: 12, Arch: "arm64_32"},
		{Seed: 33, Layout: dsctest.LayoutSingle, Images: 4, SymbolsPerImage: 12, HeaderSize: 0x98},
	} {
		g := generate(t, cfg)
		m, name := mapFS(t, g)
		for file, mf := range m {
			orig := mf.Data
			step := max(len(orig)/300, 1)
			for n := 0; n < len(orig); n += step {
				mf.Data = orig[:n]
				exercise(t, m, name, g, file+" truncated")
			}
			mf.Data = orig
		}
	}
}

// TestHostileCorruption overwrites bytes of every file at many offsets with
// extreme values (0xff runs, zeros, random bytes).
func TestHostileCorruption(t *testing.T) {
	rng := rand.New(rand.NewPCG(9, 9))
	for _, cfg := range []dsctest.Config{
		{Seed: 41, Layout: dsctest.LayoutSplit, Images: 4, SymbolsPerImage: 12},
		{Seed: 42, Layout: dsctest.LayoutSingle, Images: 4, SymbolsPerImage: 12, HeaderSize: 0x68},
		{Seed: 43, Layout: dsctest.LayoutSplitV1, Images: 3, SymbolsPerImage: 10, Arch: "x86_64"},
	} {
		g := generate(t, cfg)
		m, name := mapFS(t, g)
		for file, mf := range m {
			orig := mf.Data
			for trial := 0; trial < 400; trial++ {
				b := bytes.Clone(orig)
				// Concentrate on the first pages (headers, load commands,
				// tables), but reach everywhere.
				off := rng.IntN(len(b))
				if trial%2 == 0 {
					off = rng.IntN(min(len(b), 0x3000))
				}
				n := 1 + rng.IntN(8)
				for k := 0; k < n && off+k < len(b); k++ {
					switch trial % 3 {
					case 0:
						b[off+k] = 0xff
					case 1:
						b[off+k] = 0
					default:
						b[off+k] = byte(rng.UintN(256))
					}
				}
				mf.Data = b
				exercise(t, m, name, g, file+" corrupted")
			}
			mf.Data = orig
		}
	}
}

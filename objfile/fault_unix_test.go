//go:build linux || darwin

package objfile

import (
	"errors"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/symbolicate/symbolicate/symbol"
)

// writeTestDSYM writes the generated DWARF image to a file an hour old.
func writeTestDSYM(t *testing.T) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), "App")
	if err := os.WriteFile(p, genTestImage(5, 0, TypeDSYM, true), 0o644); err != nil {
		t.Fatal(err)
	}
	old := time.Now().Add(-time.Hour)
	if err := os.Chtimes(p, old, old); err != nil {
		t.Fatal(err)
	}
	return p
}

// TestDSYMTruncatedWhileMapped truncates a dSYM after its image answered
// once: the next lookup touches DWARF pages that are gone, and must answer
// a *symbol.ChangedError naming the file instead of ending the process.
func TestDSYMTruncatedWhileMapped(t *testing.T) {
	p := writeTestDSYM(t)
	f, err := Open(p)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	im, err := NewImage(nil, f.Slices[0])
	if err != nil {
		t.Fatal(err)
	}
	if res := im.syms; res != nil {
		t.Fatal("symbol table built before use")
	}
	if err := os.Truncate(p, 0); err != nil {
		t.Fatal(err)
	}
	res := im.Lookup(0x1004)
	ce, ok := errors.AsType[*symbol.ChangedError](res.Warning)
	if !ok || len(res.Frames) != 0 || ce.File != p {
		t.Fatalf("lookup after truncation: %+v, want no frames and a ChangedError naming %s", res, p)
	}
	if _, err := im.Symbolize(0x1010); !errors.Is(err, symbol.ErrChanged) {
		t.Errorf("Symbolize after the fault: %v, want ErrChanged", err)
	}
	if got := f.Changed(); got != ce {
		t.Errorf("File.Changed() = %v, want %v", got, ce)
	}
}

// TestDSYMOverwrittenWhileMapped rewrites a dSYM in place with other bytes
// of the same size: no fault, so Changed must see the new identity, and the
// image must refuse to answer from then on.
func TestDSYMOverwrittenWhileMapped(t *testing.T) {
	p := writeTestDSYM(t)
	f, err := Open(p)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	im, _ := NewImage(nil, f.Slices[0])
	if res := im.Lookup(0x1004); len(res.Frames) != 1 || res.Warning != nil {
		t.Fatalf("before: %+v", res)
	}
	if got := f.Changed(); got != nil {
		t.Fatalf("Changed() on an untouched file: %v", got)
	}
	w, err := os.OpenFile(p, os.O_WRONLY, 0)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := w.WriteAt(make([]byte, 4096), 0); err != nil {
		t.Fatal(err)
	}
	w.Close()
	if got := f.Changed(); got == nil || got.File != p {
		t.Fatalf("Changed() after the overwrite: %v", got)
	}
	if res := im.Lookup(0x1004); !errors.Is(res.Warning, symbol.ErrChanged) || len(res.Frames) != 0 {
		t.Errorf("lookup after the change was noticed: %+v", res)
	}
}

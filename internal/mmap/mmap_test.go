package mmap

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"testing"
	"time"
)

func TestOpenMapsContents(t *testing.T) {
	dir := t.TempDir()
	want := bytes.Repeat([]byte("dyld_v1 "), 5000)
	p := filepath.Join(dir, "f")
	if err := os.WriteFile(p, want, 0o644); err != nil {
		t.Fatal(err)
	}
	f, err := Open(p)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(f.Data(), want) || f.Len() != len(want) {
		t.Fatalf("mapped %d bytes, want %d equal bytes", f.Len(), len(want))
	}
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}
	if err := f.Close(); err != nil {
		t.Fatalf("second Close: %v", err)
	}
	if f.Data() != nil {
		t.Fatal("Data not cleared after Close")
	}
}

func TestOpenEmptyAndErrors(t *testing.T) {
	dir := t.TempDir()
	p := filepath.Join(dir, "empty")
	if err := os.WriteFile(p, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	f, err := Open(p)
	if err != nil || f.Len() != 0 {
		t.Fatalf("empty file: %v, len %d", err, f.Len())
	}
	f.Close()
	if _, err := Open(filepath.Join(dir, "missing")); !os.IsNotExist(err) {
		t.Fatalf("missing file: %v, want not-exist", err)
	}
	if _, err := Open(dir); err == nil {
		t.Fatal("directory opened")
	}
}

// TestGuardTurnsTruncationIntoAnError truncates a mapped file and reads past
// the new end: without Guard that is SIGBUS and the end of the process.
func TestGuardTurnsTruncationIntoAnError(t *testing.T) {
	p := filepath.Join(t.TempDir(), "f")
	if err := os.WriteFile(p, make([]byte, 1<<20), 0o644); err != nil {
		t.Fatal(err)
	}
	f, err := Open(p)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if err := os.Truncate(p, 0); err != nil {
		t.Fatal(err)
	}
	var sum byte
	err = Guard(func() error {
		for _, b := range f.Data()[1<<19:] {
			sum += b
		}
		return nil
	})
	var fault *Fault
	if !errors.As(err, &fault) || !errors.Is(err, ErrChanged) || !f.Contains(fault.Addr) {
		t.Fatalf("err = %v, want a fault inside the mapping", err)
	}
	if err := f.Changed(); !errors.Is(err, ErrChanged) {
		t.Errorf("Changed after truncation: %v", err)
	}
	// Other panics are not swallowed.
	defer func() {
		if recover() == nil {
			t.Error("a plain panic was recovered")
		}
	}()
	Guard(func() error { panic("not a fault") })
}

// TestChangedSeesOverwrites: a rewrite of the same size (another mtime) and a
// replacement (another inode) are both noticed.
func TestChangedSeesOverwrites(t *testing.T) {
	dir := t.TempDir()
	p := filepath.Join(dir, "f")
	os.WriteFile(p, []byte("aaaa"), 0o644)
	f, err := Open(p)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if err := f.Changed(); err != nil {
		t.Fatalf("unchanged file: %v", err)
	}
	later := time.Now().Add(time.Hour)
	os.WriteFile(p, []byte("bbbb"), 0o644)
	os.Chtimes(p, later, later)
	if err := f.Changed(); !errors.Is(err, ErrChanged) {
		t.Errorf("rewrite: %v", err)
	}
	f2, _ := Open(p)
	defer f2.Close()
	os.WriteFile(filepath.Join(dir, "g"), []byte("cccc"), 0o644)
	os.Rename(filepath.Join(dir, "g"), p)
	os.Chtimes(p, later, later)
	if err := f2.Changed(); !errors.Is(err, ErrChanged) {
		t.Errorf("replacement: %v", err)
	}
}

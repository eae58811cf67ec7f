package mmap

import (
	"bytes"
	"os"
	"path/filepath"
	"testing"
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

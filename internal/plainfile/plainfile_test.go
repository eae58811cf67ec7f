package plainfile

import (
	"errors"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"testing"
)

// TestOpenFile: a file created, written, read back and closed through
// OpenFile behaves as through os.OpenFile, modes and errors included.
func TestOpenFile(t *testing.T) {
	p := filepath.Join(t.TempDir(), "f")
	f, err := OpenFile(p, os.O_RDWR|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.WriteString("hello"); err != nil {
		t.Fatal(err)
	}
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}
	if fi, err := os.Stat(p); err != nil || fi.Mode().Perm() != 0o600 || fi.Size() != 5 {
		t.Fatalf("stat: %v %v", fi, err)
	}
	if _, err := OpenFile(p, os.O_RDWR|os.O_CREATE|os.O_EXCL, 0o600); !errors.Is(err, fs.ErrExist) {
		t.Fatalf("second O_EXCL create: %v, want fs.ErrExist", err)
	}
	r, err := Open(p)
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	if b, err := io.ReadAll(r); err != nil || string(b) != "hello" {
		t.Fatalf("read back %q, %v", b, err)
	}
	var pe *fs.PathError
	if _, err := Open(filepath.Join(t.TempDir(), "missing")); !errors.As(err, &pe) || !errors.Is(err, fs.ErrNotExist) {
		t.Fatalf("missing file: %v, want a *fs.PathError for fs.ErrNotExist", err)
	}
}

// TestRename: a file renamed over another replaces it; over a directory,
// or from a name that does not exist, it fails with a *os.LinkError and
// leaves both alone.
func TestRename(t *testing.T) {
	dir := t.TempDir()
	a, b, d := filepath.Join(dir, "a"), filepath.Join(dir, "b"), filepath.Join(dir, "d")
	for p, s := range map[string]string{a: "new", b: "old"} {
		if err := os.WriteFile(p, []byte(s), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.Mkdir(d, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := Rename(a, b); err != nil {
		t.Fatal(err)
	}
	if got, _ := os.ReadFile(b); string(got) != "new" {
		t.Fatalf("b holds %q after the rename", got)
	}
	if _, err := os.Stat(a); !errors.Is(err, fs.ErrNotExist) {
		t.Fatalf("a after the rename: %v", err)
	}
	var le *os.LinkError
	if err := Rename(b, d); !errors.As(err, &le) {
		t.Fatalf("rename over a directory: %v, want a *os.LinkError", err)
	}
	if fi, err := os.Stat(d); err != nil || !fi.IsDir() {
		t.Fatalf("the directory after a refused rename: %v %v", fi, err)
	}
	if err := Rename(a, b); !errors.Is(err, fs.ErrNotExist) {
		t.Fatalf("rename of a missing file: %v, want fs.ErrNotExist", err)
	}
}

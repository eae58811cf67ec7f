package objfile

import (
	"context"
	"errors"
	"io/fs"
	"os"
	"path/filepath"

	"github.com/symbolicate/symbolicate/diag"
)

// maxScanDepth bounds directory nesting, as a backstop to the symlink-loop
// check.
const maxScanDepth = 64

// headBytes is how much of each file Scan reads in one go; a slice's
// headers are almost always inside it.
const headBytes = 4096

// Scan walks paths (files or directories, recursively) and indexes every
// Mach-O slice it finds by LC_UUID and by name: binaries, dylibs, bundles,
// frameworks, and the DWARF files of .dSYM bundles. Files are recognised by
// their magic number, not their name; dyld shared caches are skipped after
// reading 7 bytes; only headers and load commands are read. Symbolic links
// are followed, and each directory and file is visited once however many
// links lead to it. Anything unreadable or damaged becomes an entry in
// Index.Warnings. Scan fails only when ctx is cancelled.
func Scan(ctx context.Context, paths []string) (*Index, error) {
	w := &walker{ctx: ctx, ix: &Index{}, seen: map[fileKey]bool{}}
	for _, p := range paths {
		if err := w.visit(p, 0, true); err != nil {
			return nil, err
		}
	}
	return w.ix, nil
}

type walker struct {
	ctx  context.Context
	ix   *Index
	seen map[fileKey]bool
}

func (w *walker) warn(path string, err error) {
	w.ix.Warnings = append(w.ix.Warnings, Warning{Path: path, Err: err})
}

// visit indexes path. Only a cancelled context is returned as an error.
func (w *walker) visit(path string, depth int, root bool) error {
	if err := w.ctx.Err(); err != nil {
		return err
	}
	fi, err := os.Stat(path) // follows symbolic links
	if err != nil {
		if !root && errors.Is(err, fs.ErrNotExist) {
			return nil // dangling link inside a tree: not worth a warning
		}
		w.warn(path, err)
		return nil
	}
	if k, ok := keyOf(fi, path); ok {
		if w.seen[k] {
			return nil
		}
		w.seen[k] = true
	}
	switch {
	case fi.IsDir():
		if depth >= maxScanDepth {
			w.warn(path, errors.New("directory nesting too deep; not scanned"))
			return nil
		}
		ents, err := os.ReadDir(path)
		if err != nil {
			w.warn(path, err)
			// ReadDir returns what it read before the error.
		}
		for _, e := range ents {
			if err := w.visit(filepath.Join(path, e.Name()), depth+1, false); err != nil {
				return err
			}
		}
	case fi.Mode().IsRegular():
		w.file(path, fi.Size())
	}
	return nil
}

// file indexes the slices of one regular file.
func (w *walker) file(path string, size int64) {
	if size < 4 {
		return
	}
	f, err := os.Open(path)
	if err != nil {
		w.warn(path, err)
		return
	}
	defer f.Close()
	src := &headSource{readerSource: readerSource{r: f, n: uint64(size)}}
	infos, _, warns, err := readSlices(src)
	switch {
	case errors.Is(err, ErrNotMachO):
		return
	case errors.Is(err, ErrSharedCache):
		w.ix.SharedCaches = append(w.ix.SharedCaches, path)
		return
	}
	for _, e := range warns {
		w.warn(path, e)
	}
	if err != nil {
		w.warn(path, err)
		return
	}
	for _, in := range infos {
		w.ix.add(Entry{Path: path, SliceInfo: in})
	}
}

// headSource serves reads from the first headBytes of a file, read once.
type headSource struct {
	readerSource
	head []byte
}

func (s *headSource) read(off, n uint64) ([]byte, error) {
	if s.head == nil {
		h, err := s.readerSource.read(0, min(s.n, headBytes))
		if err != nil {
			return nil, err
		}
		s.head = h
	}
	if off+n <= uint64(len(s.head)) && off+n >= off {
		return s.head[off : off+n], nil
	}
	return s.readerSource.read(off, n)
}

// Diagnostics returns the scan's warnings as diagnostics (diag.SkippedFile).
func (ix *Index) Diagnostics() []diag.Diagnostic {
	out := make([]diag.Diagnostic, len(ix.Warnings))
	for i, w := range ix.Warnings {
		out[i] = diag.Diagnostic{Code: diag.SkippedFile, Path: w.Path, Err: w.Err}
	}
	return out
}

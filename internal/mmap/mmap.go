// Package mmap maps whole files read-only into memory.
//
// On Linux and macOS the file is mapped with mmap(2) (PROT_READ, MAP_SHARED),
// so opening a multi-gigabyte dyld shared cache costs nothing until pages are
// touched. Elsewhere the file is read into memory. No cgo is used.
//
// A mapped file must not be truncated by another process while it is mapped:
// touching a page past the new end raises SIGBUS. The data is read-only;
// writing to it faults.
package mmap

import (
	"fmt"
	"os"
)

// File is a read-only view of a whole file. It is safe for concurrent reads;
// Close must not race with readers.
type File struct {
	data   []byte
	unmap  func([]byte) error
	closed bool
}

// Open maps the file at path read-only.
func Open(path string) (*File, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		return nil, err
	}
	if !fi.Mode().IsRegular() {
		return nil, fmt.Errorf("mmap: %s: not a regular file", path)
	}
	size := fi.Size()
	if size == 0 {
		return &File{data: []byte{}}, nil
	}
	if int64(int(size)) != size || size < 0 {
		return nil, fmt.Errorf("mmap: %s: file too large (%d bytes) for this platform", path, size)
	}
	data, unmap, err := mapFile(f, int(size))
	if err != nil {
		return nil, fmt.Errorf("mmap: %s: %w", path, err)
	}
	return &File{data: data, unmap: unmap}, nil
}

// Data returns the file contents. The slice is valid until Close and must not
// be written to.
func (f *File) Data() []byte { return f.data }

// Len returns the file size in bytes.
func (f *File) Len() int { return len(f.data) }

// Close releases the mapping. Data must not be used afterwards. Closing twice
// is a no-op.
func (f *File) Close() error {
	if f.closed {
		return nil
	}
	f.closed = true
	data := f.data
	f.data = nil
	if f.unmap != nil && len(data) > 0 {
		return f.unmap(data)
	}
	return nil
}

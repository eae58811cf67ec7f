// Package mmap maps whole files read-only into memory, and guards the
// readers of a mapping against the file changing under them.
//
// On Linux and macOS the file is mapped with mmap(2) (PROT_READ, MAP_SHARED),
// so opening a multi-gigabyte dyld shared cache costs nothing until pages are
// touched. Elsewhere the file is read into memory. No cgo is used.
//
// A mapped file can be truncated or overwritten by another process while it
// is mapped. Touching a page past the new end raises SIGBUS; code that reads
// a mapping runs under Guard, which turns that fault into an error. An
// overwrite of the same size gives no fault, only different bytes: the File
// records the file's identity (device, inode, size, modification time) when
// it is opened, and Changed compares it with the file on disk now.
package mmap

import (
	"errors"
	"fmt"
	"os"
	"runtime/debug"
	"time"
)

// File is a read-only view of a whole file. It is safe for concurrent reads;
// Close must not race with readers.
type File struct {
	path   string
	data   []byte
	unmap  func([]byte) error
	closed bool
	id     identity
}

// identity is what tells a file from its replacement.
type identity struct {
	dev, ino uint64
	size     int64
	mtime    time.Time
}

func identityOf(fi os.FileInfo) identity {
	dev, ino := fileID(fi)
	return identity{dev: dev, ino: ino, size: fi.Size(), mtime: fi.ModTime()}
}

// ErrChanged is wrapped by the errors of Changed and Guard: the file changed
// on disk while it was in use.
var ErrChanged = errors.New("changed on disk while in use")

// Open maps the file at path read-only. A path that is not a regular file (a
// FIFO, a device) is refused without blocking on it.
func Open(path string) (*File, error) {
	f, err := openNoBlock(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		return nil, err
	}
	if !fi.Mode().IsRegular() {
		return nil, fmt.Errorf("%s: not a regular file", path)
	}
	size := fi.Size()
	mf := &File{path: path, id: identityOf(fi), data: []byte{}}
	if size == 0 {
		return mf, nil
	}
	if int64(int(size)) != size || size < 0 {
		return nil, fmt.Errorf("%s: file too large (%d bytes) for this platform", path, size)
	}
	mf.data, mf.unmap, err = mapFile(f, int(size))
	if err != nil {
		return nil, fmt.Errorf("mapping %s: %w", path, err)
	}
	return mf, nil
}

// Data returns the file contents. The slice is valid until Close and must not
// be written to; read it under Guard.
func (f *File) Data() []byte { return f.data }

// Len returns the file size in bytes.
func (f *File) Len() int { return len(f.data) }

// ModTime returns the file's modification time when it was opened.
func (f *File) ModTime() time.Time { return f.id.mtime }

// Release drops the mapping's pages from the process's resident memory
// (they are read again, unchanged, when next touched), for a long pass over
// a large file. It does nothing for a file read into memory.
func (f *File) Release() error {
	if f.unmap == nil {
		return nil
	}
	return release(f.data)
}

// Path returns the path the file was opened with.
func (f *File) Path() string { return f.path }

// Contains reports whether the address addr lies inside the mapping.
func (f *File) Contains(addr uintptr) bool {
	if len(f.data) == 0 {
		return false
	}
	start := uintptr(ptr(f.data))
	return addr >= start && addr-start < uintptr(len(f.data))
}

// Changed reports, as an error wrapping ErrChanged, whether the file on disk
// is no longer the one mapped: removed, replaced (another inode) or
// rewritten (another size or modification time). The message says how, for
// a sentence about the file ("… changed on disk while in use: it was …").
func (f *File) Changed() error {
	fi, err := os.Stat(f.path)
	switch {
	case err != nil:
		return &changedError{msg: "it is gone or cannot be read (" + err.Error() + ")", err: err}
	case identityOf(fi) != f.id:
		return &changedError{msg: "it was replaced or rewritten (its inode, size or modification time differ)"}
	}
	return nil
}

// changedError is an error of Changed.
type changedError struct {
	msg string
	err error
}

func (e *changedError) Error() string { return e.msg }

// Unwrap returns ErrChanged and the error that showed the change.
func (e *changedError) Unwrap() []error {
	if e.err == nil {
		return []error{ErrChanged}
	}
	return []error{ErrChanged, e.err}
}

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

// Fault is the error Guard returns for a memory fault: the address that was
// touched.
type Fault struct {
	Addr uintptr
	Err  error // the runtime's error
}

func (e *Fault) Error() string {
	return fmt.Sprintf("it was truncated (a read of its mapping at %#x faulted)", e.Addr)
}

// Unwrap returns ErrChanged.
func (e *Fault) Unwrap() error { return ErrChanged }

// Enter makes a memory fault on this goroutine a recoverable panic, for a
// hot path that cannot afford a closure; it returns the mode to give Leave.
// Use it as
//
//	old := mmap.Enter()
//	defer func() {
//		if f := mmap.Leave(old, recover()); f != nil { … }
//	}()
func Enter() bool { return debug.SetPanicOnFault(true) }

// Leave restores the fault mode Enter returned and turns r, the value of a
// recover, into a *Fault when it is a memory fault (nil when r is nil).
// Other panics continue.
func Leave(old bool, r any) *Fault {
	debug.SetPanicOnFault(old)
	if r == nil {
		return nil
	}
	f, ok := r.(interface {
		error
		Addr() uintptr
	})
	if !ok {
		panic(r)
	}
	return &Fault{Addr: f.Addr(), Err: f}
}

// Guard runs fn, turning a memory fault inside it (a mapped file truncated
// under it) into a *Fault error instead of the end of the process. Other
// panics are not recovered.
func Guard(fn func() error) (err error) {
	old := Enter()
	defer func() {
		if f := Leave(old, recover()); f != nil {
			err = f
		}
	}()
	return fn()
}

package objfile

import (
	"errors"

	"github.com/symbolicate/symbolicate/internal/mmap"
	"github.com/symbolicate/symbolicate/symbol"
)

// Binaries and dSYMs are mapped, and another process can truncate or
// overwrite them while they are in use. Every reader of mapped bytes after
// Open runs under guard: a memory fault marks the file broken, and the
// images using it answer a *symbol.ChangedError from then on.

// slices returns the image's slices, dSYM first.
func (im *Image) slices() []*Slice {
	out := make([]*Slice, 0, 2)
	for _, sl := range []*Slice{im.DSYM, im.Binary} {
		if sl != nil {
			out = append(out, sl)
		}
	}
	return out
}

// changed returns the error of the first file of the image known to have
// changed, or nil.
func (im *Image) changed() *symbol.ChangedError {
	for _, sl := range im.slices() {
		if b := sl.file.broken.Load(); b != nil {
			return b
		}
	}
	return nil
}

// guard runs fn, turning a fault on a mapped file (raised in fn, or kept as
// an error by a lazily built table) into the file's ChangedError. An image
// with a file already known to have changed does not run fn.
func (im *Image) guard(fn func() error) error {
	if ce := im.changed(); ce != nil {
		return ce
	}
	err := mmap.Guard(fn)
	if f, ok := errors.AsType[*mmap.Fault](err); ok {
		return im.markFault(f)
	}
	return err
}

// markFault marks the file whose mapping holds the faulting address as
// changed (the first file of the image when none does).
func (im *Image) markFault(f *mmap.Fault) *symbol.ChangedError {
	sls := im.slices()
	for _, sl := range sls {
		if sl.file.contains(f.Addr) {
			return sl.file.markChanged(f)
		}
	}
	return sls[0].file.markChanged(f)
}

// Changed checks every file the batch has opened (symbol.Checker).
func (b *Batch) Changed() []*symbol.ChangedError {
	b.mu.Lock()
	files := make([]*File, 0, len(b.files))
	for _, fs := range b.files {
		if fs.f != nil {
			files = append(files, fs.f)
		}
	}
	b.mu.Unlock()
	var out []*symbol.ChangedError
	for _, f := range files {
		if ce := f.Changed(); ce != nil {
			out = append(out, ce)
		}
	}
	return out
}

package objfile

import (
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"

	"github.com/symbolicate/symbolicate/diag"
	"github.com/symbolicate/symbolicate/process"
	"github.com/symbolicate/symbolicate/symbol"
)

// Batch serves Images for one run (one or more crash reports) from an
// Index: each file is opened at most once, and each image's symbol table
// and DWARF are built at most once, however many reports and threads ask.
// It is safe for concurrent use; Close releases everything.
type Batch struct {
	ix *Index

	zlib *zlibBudget // compressed DWARF inflated by all images together

	mu     sync.Mutex
	files  map[string]*fileSlot
	images map[imageKey]*imageSlot
	closed bool

	indexDir   string                // DWARF indexes used when set
	indexDiags []diag.Diagnostic     // indexes that could not be used
	onRefused  func(diag.Diagnostic) // told of each, when set
}

type fileSlot struct {
	once sync.Once
	f    *File
	err  error
}

type imageKey struct {
	uuid process.UUID
	arch string
}

type imageSlot struct {
	once sync.Once
	im   *Image
	err  error
}

// ErrClosed is returned by a Batch used after Close.
var ErrClosed = errors.New("batch closed")

// NewBatch returns a Batch over ix.
func NewBatch(ix *Index) *Batch {
	return &Batch{ix: ix, zlib: newZlibBudget(DefaultZlibBudget), files: map[string]*fileSlot{}, images: map[imageKey]*imageSlot{}}
}

// Index returns the index the batch serves images from.
func (b *Batch) Index() *Index { return b.ix }

// Load returns the Image for UUID u (and arch, "" for any; name, "" when
// unknown, only explains a miss), opening its binary and dSYM on first use.
// Errors are those of [Index.Find] ([*NotFoundError], [*MismatchError]) or
// of opening the files.
func (b *Batch) Load(u process.UUID, arch, name string) (*Image, error) {
	key := imageKey{uuid: u, arch: strings.ToLower(arch)}
	b.mu.Lock()
	if b.closed {
		b.mu.Unlock()
		return nil, ErrClosed
	}
	slot := b.images[key]
	if slot == nil {
		slot = &imageSlot{}
		b.images[key] = slot
	}
	b.mu.Unlock()
	slot.once.Do(func() { slot.im, slot.err = b.open(u, arch, name) })
	return slot.im, slot.err
}

// Image implements symbol.Source: the Image of build ID id, as Load finds
// it. A build ID that is not a UUID is not found.
func (b *Batch) Image(id process.BuildID, arch, name string) (symbol.Symbolizer, error) {
	u, ok := id.UUID()
	if !ok {
		return nil, symbol.ErrNotFound
	}
	im, err := b.Load(u, arch, name)
	switch {
	case err == nil:
		return im, nil
	case errors.Is(err, ErrMismatch):
		return nil, fmt.Errorf("%w: %w", symbol.ErrMismatch, err)
	case errors.Is(err, ErrNotFound):
		return nil, fmt.Errorf("%w: %w", symbol.ErrNotFound, err)
	}
	return nil, err
}

func (b *Batch) open(u process.UUID, arch, name string) (*Image, error) {
	m, err := b.ix.Find(u, arch, name)
	if err != nil {
		return nil, err
	}
	var binary, dsym *Slice
	var errs []error
	if m.Binary != nil {
		if binary, err = b.slice(m.Binary); err != nil {
			errs = append(errs, err)
		}
	}
	if m.DSYM != nil {
		if dsym, err = b.slice(m.DSYM); err != nil {
			errs = append(errs, err)
		}
	}
	if binary == nil && dsym == nil {
		return nil, errors.Join(errs...)
	}
	im, err := NewImage(binary, dsym)
	if im != nil {
		im.zlib = b.zlib
		if b.indexDir != "" {
			if err := im.UseDWARFIndex(b.indexDir); err != nil {
				d := diag.Diagnostic{Code: diag.UnusableIndex, Path: im.dwarfSlice().file.Path, UUID: u, Err: err}
				b.mu.Lock()
				b.indexDiags = append(b.indexDiags, d)
				b.mu.Unlock()
				if b.onRefused != nil {
					b.onRefused(d)
				}
			}
		}
	}
	return im, err
}

// slice opens (once) the file of e and returns its slice.
func (b *Batch) slice(e *Entry) (*Slice, error) {
	b.mu.Lock()
	if b.closed {
		b.mu.Unlock()
		return nil, ErrClosed
	}
	fs := b.files[e.Path]
	if fs == nil {
		fs = &fileSlot{}
		b.files[e.Path] = fs
	}
	b.mu.Unlock()
	fs.once.Do(func() { fs.f, fs.err = Open(e.Path) })
	if fs.err != nil {
		return nil, fs.err
	}
	for _, s := range fs.f.Slices {
		if s.Index == e.Index && s.HasUUID == e.HasUUID && s.UUID == e.UUID {
			return s, nil
		}
	}
	return nil, fmt.Errorf("%s changed since it was scanned: slice %d (%s) is gone", e.Path, e.Index, e.UUID)
}

// Close releases every file the batch opened. Images it returned must not
// be used afterwards, and Close must not run concurrently with Image.
func (b *Batch) Close() error {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.closed {
		return nil
	}
	b.closed = true
	var errs []error
	for _, fs := range b.files {
		if fs.f != nil {
			errs = append(errs, fs.f.Close())
		}
	}
	return errors.Join(errs...)
}

// UseDWARFIndexes makes the images the batch opens from now on answer from
// their DWARF index in dir when there is a valid one (see
// Image.UseDWARFIndex). Call it before the batch is used.
func (b *Batch) UseDWARFIndexes(dir string) { b.indexDir = dir }

// OnRefusedIndex makes fn hear of each DWARF index that cannot be used, as
// its image is opened (WriteDWARFIndexes reports them again): commands that
// only read indexes warn, a long-running service logs them. fn may be
// called from several goroutines at once. Call it before the batch is used.
func (b *Batch) OnRefusedIndex(fn func(diag.Diagnostic)) { b.onRefused = fn }

// WriteDWARFIndexes writes into dir the DWARF index of each image that has
// DWARF and no usable index there: of the images the batch opened whose
// DWARF was read (used), or, with used false, of every image in the index
// (a dSYM slice, else a binary's). Indexes that could not be used when an
// image was opened are reported with the failures to write.
func (b *Batch) WriteDWARFIndexes(dir string, used bool) []diag.Diagnostic {
	if !used {
		for _, e := range b.ix.Entries() {
			if e.HasUUID {
				b.Load(e.UUID, e.Arch, "") // errors are the lookups' to report
			}
		}
	}
	b.mu.Lock()
	out := append([]diag.Diagnostic(nil), b.indexDiags...)
	var ims []*Image
	for _, s := range b.images {
		if s.im != nil {
			ims = append(ims, s.im)
		}
	}
	b.mu.Unlock()
	slices.SortFunc(ims, func(x, y *Image) int { return strings.Compare(x.UUID.String()+x.Arch, y.UUID.String()+y.Arch) })
	for _, im := range ims {
		if im.HasDWARFIndex() || used && im.dw == nil {
			continue
		}
		if err := im.WriteDWARFIndex(dir); err != nil && !errors.Is(err, ErrNoDWARF) {
			out = append(out, diag.Diagnostic{Code: diag.UnusableIndex, Path: im.dwarfSlice().file.Path, UUID: im.UUID, Err: err})
		}
	}
	return out
}

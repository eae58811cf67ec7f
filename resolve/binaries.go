package resolve

import (
	"context"
	"errors"
	"fmt"

	"github.com/symbolicate/symbolicate/imagemap"
	"github.com/symbolicate/symbolicate/objfile"
)

// BinaryIndex is the app binaries and dSYMs found under the --symbols paths,
// served to the pipeline by UUID. Each file is opened once per batch and each
// image's symbols and DWARF are built once, on first use. It is safe for
// concurrent use.
type BinaryIndex struct {
	batch *objfile.Batch
	// Warnings are files that could not be read while scanning.
	Warnings []string
}

// ScanBinaries indexes the Mach-O files (thin and fat) and dSYM bundles under
// paths by the LC_UUID of every slice. Shared caches found in the same trees
// are skipped, so --caches and --symbols may name the same directory.
func ScanBinaries(ctx context.Context, paths []string) (*BinaryIndex, error) {
	ix, err := objfile.Scan(ctx, paths)
	if err != nil {
		return nil, err
	}
	b := &BinaryIndex{batch: objfile.NewBatch(ix)}
	for _, w := range ix.Warnings {
		b.Warnings = append(b.Warnings, fmt.Sprintf("skipping %s: %v", w.Path, w.Err))
	}
	return b, nil
}

// Find implements Binaries.
func (b *BinaryIndex) Find(u imagemap.UUID, arch, name string) (Binary, error) {
	img, err := b.batch.Image(u, arch, name)
	switch {
	case err == nil:
		return &binaryImage{img: img}, nil
	case errors.Is(err, objfile.ErrMismatch):
		return nil, fmt.Errorf("%w: %w", ErrMismatch, err)
	case errors.Is(err, objfile.ErrNotFound):
		return nil, ErrNoBinary
	}
	return nil, err
}

// Close releases every opened file.
func (b *BinaryIndex) Close() error {
	if b == nil {
		return nil
	}
	return b.batch.Close()
}

type binaryImage struct{ img *objfile.Image }

// Path names the dSYM when there is one, else the binary.
func (b *binaryImage) Path() string {
	for _, s := range []*objfile.Slice{b.img.DSYM, b.img.Binary} {
		if s != nil {
			return s.File().Path
		}
	}
	return ""
}

// Symbolize implements Binary: objfile's frames are innermost first with the
// concrete function last, names in display form, files as recorded.
func (b *binaryImage) Symbolize(off uint64) ([]SourceFrame, error) {
	res := b.img.Lookup(off)
	if len(res.Frames) == 0 {
		if res.Warning != nil {
			return nil, res.Warning
		}
		return nil, nil
	}
	out := make([]SourceFrame, len(res.Frames))
	for i, f := range res.Frames {
		out[i] = SourceFrame{Function: f.Function, Start: f.Start, File: f.File, Line: f.Line}
	}
	return out, nil
}

package objfile

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"

	"github.com/symbolicate/symbolicate/internal/mmap"
	"github.com/symbolicate/symbolicate/internal/symtab"
	"github.com/symbolicate/symbolicate/process"
	"github.com/symbolicate/symbolicate/symbol"
)

// Symbolize implements symbol.Symbolizer: the frames of Lookup, and its
// warning when it found nothing.
func (im *Image) Symbolize(off uint64) ([]symbol.Frame, error) {
	res := im.Lookup(off)
	if len(res.Frames) == 0 {
		return nil, res.Warning
	}
	return res.Frames, nil
}

// Path names the file the symbols come from: the dSYM's DWARF file when
// there is one, else the binary.
func (im *Image) Path() string {
	for _, s := range []*Slice{im.DSYM, im.Binary} {
		if s != nil {
			return s.File().Path
		}
	}
	return ""
}

// Result is the answer for one address.
type Result struct {
	// Frames lists the inlined calls at the address, innermost first, and
	// ends with the concrete function (the only frame without Inlined).
	// Each frame's File and Line are where execution is in that function:
	// the line table's for the first frame, and for every later frame the
	// call site of the frame before it. Empty when nothing is known.
	Frames []symbol.Frame
	// Warning reports damaged debug information met while answering; the
	// frames are then what the rest of the image could tell. A problem with
	// the whole image (a symbol table or DWARF that cannot be loaded) is
	// reported with every answer.
	Warning error
}

// Image symbolicates addresses of one image (one UUID and arch) from its
// binary, its dSYM, or both. Symbol tables and DWARF are read on first use
// and kept; an Image is safe for concurrent use.
type Image struct {
	// UUID and Arch identify the image.
	UUID process.UUID
	Arch string
	// TextAddr is the __TEXT segment's vmaddr: an address's offset from the
	// load address plus TextAddr is its address in the files.
	TextAddr uint64
	// Binary and DSYM are the slices used; either may be nil.
	Binary, DSYM *Slice

	symOnce sync.Once
	syms    *symtab.Table
	symErr  error

	dwOnce sync.Once
	dw     *dwarfInfo
	dwErr  error
	dwx    *dwarfTables // from a DWARF index: used instead of dw
	zlib   *zlibBudget  // shared by the images of a Batch; nil: a budget of its own

	owned []*File
}

// NewImage returns an Image for a binary slice and/or a dSYM slice of the
// same image. Both must carry the same UUID and arch.
func NewImage(binary, dsym *Slice) (*Image, error) {
	ref := binary
	if ref == nil {
		ref = dsym
	}
	if ref == nil {
		return nil, errors.New("NewImage needs a binary or a dSYM slice")
	}
	if binary != nil && dsym != nil && (binary.UUID != dsym.UUID || binary.HasUUID != dsym.HasUUID || binary.Arch != dsym.Arch) {
		return nil, fmt.Errorf("%w: binary %s (%s %s) and dSYM %s (%s %s) differ", ErrMismatch,
			binary.file.Path, binary.Arch, binary.UUID, dsym.file.Path, dsym.Arch, dsym.UUID)
	}
	im := &Image{UUID: ref.UUID, Arch: ref.Arch, Binary: binary, DSYM: dsym}
	if seg := ref.macho.Segment("__TEXT"); seg != nil {
		im.TextAddr = seg.Addr
	}
	return im, nil
}

// OpenImage opens the image with UUID u from the given paths: Mach-O files
// or .dSYM bundle directories. The first binary and the first dSYM slice
// with that UUID are used. Close releases the files.
func OpenImage(u process.UUID, paths ...string) (*Image, error) {
	var binary, dsym *Slice
	var owned []*File
	fail := func(err error) (*Image, error) {
		for _, f := range owned {
			f.Close()
		}
		return nil, err
	}
	for _, p := range paths {
		files, err := expandBundle(p)
		if err != nil {
			return fail(err)
		}
		for _, fp := range files {
			f, err := Open(fp)
			if err != nil {
				return fail(err)
			}
			sl := f.Slice(u)
			switch {
			case sl != nil && sl.Kind == KindDSYM && dsym == nil:
				dsym = sl
			case sl != nil && sl.Kind == KindBinary && binary == nil:
				binary = sl
			default:
				f.Close()
				continue
			}
			owned = append(owned, f)
		}
	}
	if binary == nil && dsym == nil {
		return fail(&NotFoundError{UUID: u})
	}
	im, err := NewImage(binary, dsym)
	if err != nil {
		return fail(err)
	}
	im.owned = owned
	return im, nil
}

// expandBundle returns the DWARF files of a .dSYM bundle directory, or p
// itself when p is not a directory.
func expandBundle(p string) ([]string, error) {
	fi, err := os.Stat(p)
	if err != nil {
		return nil, fmt.Errorf("%w", err)
	}
	if !fi.IsDir() {
		return []string{p}, nil
	}
	dir := filepath.Join(p, "Contents", "Resources", "DWARF")
	ents, err := os.ReadDir(dir)
	if err != nil {
		return nil, fmt.Errorf("%s is a directory but not a dSYM bundle: %w", p, err)
	}
	var out []string
	for _, e := range ents {
		if !e.IsDir() {
			out = append(out, filepath.Join(dir, e.Name()))
		}
	}
	return out, nil
}

// Close releases the files OpenImage opened; Images from a [Batch] or
// [NewImage] own nothing and Close does nothing.
func (im *Image) Close() error {
	var errs []error
	for _, f := range im.owned {
		errs = append(errs, f.Close())
	}
	im.owned = nil
	return errors.Join(errs...)
}

// HasDWARF reports whether the image has usable debug information, loading
// it if needed.
func (im *Image) HasDWARF() bool {
	dw, _ := im.dwarf()
	return dw != nil
}

// DWARFErr returns why the image's DWARF could not be loaded: nil when it
// loaded or when there is simply none.
func (im *Image) DWARFErr() error {
	_, err := im.dwarf()
	if errors.Is(err, ErrNoDWARF) {
		return nil
	}
	return err
}

// dwarfSlice is the slice whose DWARF the image uses: the dSYM's, else
// the binary's.
func (im *Image) dwarfSlice() *Slice {
	if im.DSYM != nil {
		return im.DSYM
	}
	return im.Binary
}

func (im *Image) dwarf() (*dwarfInfo, error) {
	im.dwOnce.Do(func() {
		src := im.dwarfSlice()
		budget := im.zlib
		if budget == nil {
			budget = newZlibBudget(DefaultZlibBudget)
		}
		im.dwErr = im.guard(func() (err error) {
			im.dw, err = loadDWARF(src, budget)
			if err != nil && im.DSYM != nil && im.Binary != nil && errors.Is(err, ErrNoDWARF) {
				im.dw, err = loadDWARF(im.Binary, budget)
			}
			return err
		})
		if im.dwErr != nil {
			im.dw = nil
		}
	})
	return im.dw, im.dwErr
}

// symbols returns the image's symbol table, built on first use from both
// slices.
func (im *Image) symbols() (*symtab.Table, error) {
	im.symOnce.Do(func() {
		im.symErr = im.guard(func() (err error) {
			im.syms, err = buildSymbols(im.DSYM, im.Binary)
			if err == nil {
				return nil
			}
			err = fmt.Errorf("symbol table: %w", err)
			// Fall back to whichever slice still decodes.
			for _, sl := range im.slices() {
				if t, err := buildSymbols(sl); err == nil {
					im.syms = t
					break
				}
			}
			return err
		})
		if _, changed := errors.AsType[*symbol.ChangedError](im.symErr); changed {
			im.syms = nil
		}
	})
	return im.syms, im.symErr
}

// Lookup answers offset, an address's distance from the image's load
// address (a crash report's imageOffset; no return-address adjustment is
// applied). Function names and file:line come from DWARF where it covers
// the address; the outermost frame takes its name from the symbol table
// when a symbol there starts inside the DWARF function's range (this gives
// real names for bitcode "__hidden#" DWARF and matches llvm-symbolizer).
// Without DWARF coverage the answer is the symbol table's.
func (im *Image) Lookup(offset uint64) (res Result) {
	if ce := im.changed(); ce != nil {
		return Result{Warning: ce}
	}
	old := mmap.Enter()
	defer func() {
		if f := mmap.Leave(old, recover()); f != nil {
			res = Result{Warning: im.markFault(f)}
		}
	}()
	res = im.lookup(offset)
	if f, ok := errors.AsType[*mmap.Fault](res.Warning); ok { // kept by a table built under Guard
		res = Result{Warning: im.markFault(f)}
	}
	return res
}

func (im *Image) lookup(offset uint64) Result {
	var res Result
	addr := im.TextAddr + offset
	if addr < offset {
		return res
	}
	var warns []error
	var fnLo uint64
	haveFn := false
	var dw interface {
		lookup(uint64) ([]symbol.Frame, uint64, bool, error)
	}
	if im.dwx != nil {
		dw = im.dwx
	} else if d, err := im.dwarf(); d != nil {
		dw = d
	} else if err != nil && !errors.Is(err, ErrNoDWARF) {
		warns = append(warns, err)
	}
	if dw != nil {
		var warn error
		res.Frames, fnLo, haveFn, warn = dw.lookup(addr)
		if warn != nil {
			warns = append(warns, warn)
		}
		if haveFn {
			for i := range res.Frames {
				res.Frames[i].Start = im.offsetOf(res.Frames[i].Start)
			}
		}
	}
	syms, err := im.symbols()
	if err != nil {
		warns = append(warns, err)
	}
	if syms != nil {
		if sym, ok := syms.Find(addr); ok && sym.Name != "" {
			switch {
			case len(res.Frames) == 0:
				res.Frames = []symbol.Frame{im.symbolFrame(sym)}
			case !haveFn || res.Frames[len(res.Frames)-1].Function == "" || (!sym.Unnamed && sym.Start >= fnLo):
				outer := &res.Frames[len(res.Frames)-1]
				f := im.symbolFrame(sym)
				outer.Function, outer.Start, outer.Synthetic = f.Function, f.Start, f.Synthetic
			}
		}
	}
	res.Warning = errors.Join(warns...)
	return res
}

// symbolFrame is the frame a symbol-table entry gives.
func (im *Image) symbolFrame(sym symtab.Symbol) symbol.Frame {
	return symbol.Frame{Function: trimUnderscore(sym.Name), Start: im.offsetOf(sym.Start), Synthetic: sym.Unnamed}
}

// offsetOf converts a file address to an offset from the load address.
func (im *Image) offsetOf(addr uint64) uint64 {
	if addr < im.TextAddr {
		return 0
	}
	return addr - im.TextAddr
}

// trimUnderscore drops the "_" Mach-O puts before C-level symbol names.
func trimUnderscore(s string) string {
	return strings.TrimPrefix(s, "_")
}

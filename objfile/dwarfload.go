package objfile

import (
	"bytes"
	"compress/zlib"
	"debug/dwarf"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"strings"
	"sync/atomic"

	"github.com/symbolicate/symbolicate/diag"
	"github.com/symbolicate/symbolicate/internal/bin"
	"github.com/symbolicate/symbolicate/internal/machofmt"
)

// ErrNoDWARF reports a slice without debug information (no or an empty
// __debug_info section).
var ErrNoDWARF = errors.New("no DWARF debug information")

// Decompression limits for ZLIB-compressed sections ("ZLIB", a big-endian
// 64-bit size, then a zlib stream). The declared size is checked before
// anything is allocated: zlib cannot expand data more than about 1032
// times, and the sections of all the files one Batch opens may not exceed
// its budget together (DefaultZlibBudget unless set).
const (
	maxDecompressed = 1 << 30
	maxZlibRatio    = 1032
)

// DefaultZlibBudget is how many bytes of ZLIB-compressed DWARF a Batch
// inflates in all, over every file it opens.
const DefaultZlibBudget = maxDecompressed

// zlibBudget is the decompressed bytes still allowed; shared by the
// images of one Batch, so that many compressed dSYMs (or decompression
// bombs) in one run cannot add up past it.
type zlibBudget struct{ left atomic.Int64 }

func newZlibBudget(n int64) *zlibBudget {
	b := &zlibBudget{}
	b.left.Store(n)
	return b
}

// take reserves n bytes, reporting false (and reserving nothing) when fewer
// are left.
func (b *zlibBudget) take(n uint64) bool {
	for {
		left := b.left.Load()
		if n > uint64(max(left, 0)) {
			return false
		}
		if b.left.CompareAndSwap(left, left-int64(n)) {
			return true
		}
	}
}

// give returns n reserved bytes that were not used.
func (b *zlibBudget) give(n uint64) { b.left.Add(int64(n)) }

// dwarfSections are the raw DWARF sections of one slice, by their ELF-style
// name without the dot ("debug_info", "debug_str_offsets", …).
type dwarfSections map[string][]byte

// machoDWARFNames maps Mach-O section names (16 bytes at most, so some are
// truncated) to DWARF section names.
var machoDWARFNames = map[string]string{
	"__debug_abbrev":   "debug_abbrev",
	"__debug_aranges":  "debug_aranges",
	"__debug_info":     "debug_info",
	"__debug_line":     "debug_line",
	"__debug_ranges":   "debug_ranges",
	"__debug_str":      "debug_str",
	"__debug_addr":     "debug_addr",
	"__debug_line_str": "debug_line_str",
	"__debug_str_offs": "debug_str_offsets",
	"__debug_rnglists": "debug_rnglists",
}

// readDWARFSections collects the __DWARF sections of a slice that this
// package uses, decompressing ZLIB ones within the limits above.
func readDWARFSections(sl *Slice, budget *zlibBudget) (dwarfSections, error) {
	secs := dwarfSections{}
	var taken uint64 // what this slice inflated; given back if it fails
	for _, seg := range sl.macho.Segments {
		for _, sec := range seg.Sections {
			if sec.Seg != "__DWARF" {
				continue
			}
			name := sec.Name
			compressed := strings.HasPrefix(name, "__zdebug_")
			if compressed {
				name = "__debug_" + name[len("__zdebug_"):]
			}
			key, ok := machoDWARFNames[name]
			if !ok {
				// A "__zdebug_" name loses its last character to the 16-byte
				// limit: "__zdebug_str_off" is __debug_str_offs.
				for mn, k := range machoDWARFNames {
					if compressed && len(name) == 15 && strings.HasPrefix(mn, name) {
						key, ok = k, true
					}
				}
			}
			if !ok || secs[key] != nil {
				continue
			}
			data, err := sectionData(sl, &sec, compressed, budget, &taken)
			if err != nil {
				budget.give(taken)
				return nil, err
			}
			secs[key] = data
		}
	}
	return secs, nil
}

// sectionData returns a section's bytes from the slice, decompressed when
// they start with a ZLIB header (required for "__zdebug_" sections).
func sectionData(sl *Slice, sec *machofmt.Section, compressed bool, budget *zlibBudget, taken *uint64) ([]byte, error) {
	switch sec.Flags & machofmt.SectionTypeMask {
	case machofmt.SectionTypeZeroFill, 0xc, 0x12: // S_ZEROFILL, S_GB_ZEROFILL, S_THREAD_LOCAL_ZEROFILL
		return []byte{}, nil
	}
	if sec.Size == 0 {
		return []byte{}, nil
	}
	where := int64(sl.Offset) + int64(sec.Offset)
	end, ok := bin.Span(uint64(sec.Offset), sec.Size, uint64(len(sl.data)))
	if !ok {
		return nil, diag.Errorf("mach-o", where, sec.Name,
			"section data (%#x bytes at %#x) runs past the end of the %#x-byte slice", sec.Size, sec.Offset, len(sl.data))
	}
	b := sl.data[sec.Offset:end]
	if len(b) >= 4 && string(b[:4]) == "ZLIB" {
		return decompressBudgeted(b, where, sec.Name, budget, taken)
	}
	if compressed {
		return nil, diag.Errorf("mach-o", where, sec.Name, "compressed section does not start with a ZLIB header")
	}
	return b, nil
}

// decompressBudgeted inflates a ZLIB section, taking its declared size from
// budget first and adding it to *taken.
func decompressBudgeted(b []byte, where int64, name string, budget *zlibBudget, taken *uint64) ([]byte, error) {
	if len(b) < 12 {
		return nil, diag.Errorf("mach-o", where, name, "ZLIB header truncated (%d bytes)", len(b))
	}
	n := binary.BigEndian.Uint64(b[4:12])
	if !budget.take(n) {
		return nil, diag.Errorf("mach-o", where+4, name,
			"declared decompressed size %d is past what is left of this run's budget for compressed DWARF (%d bytes)", n, max(budget.left.Load(), 0))
	}
	out, err := decompressSection(b, where, name, n)
	if err != nil {
		budget.give(n)
		return nil, err
	}
	*taken += n
	return out, nil
}

// decompressSection inflates a "ZLIB"+size+zlib-stream section, refusing a
// declared size above budget (at most maxDecompressed) or maxZlibRatio
// times the input before allocating, and checking that the stream yields
// exactly that size.
func decompressSection(b []byte, where int64, name string, budget uint64) ([]byte, error) {
	if len(b) < 12 {
		return nil, diag.Errorf("mach-o", where, name, "ZLIB header truncated (%d bytes)", len(b))
	}
	n := binary.BigEndian.Uint64(b[4:12])
	in := uint64(len(b) - 12)
	budget = min(budget, maxDecompressed)
	if n > budget || n > in*maxZlibRatio+64 {
		return nil, diag.Errorf("mach-o", where+4, name,
			"declared decompressed size %d is impossible for %d compressed bytes (limit %d)", n, in, budget)
	}
	zr, err := zlib.NewReader(bytes.NewReader(b[12:]))
	if err != nil {
		return nil, fmt.Errorf("%s at %#x: %w", name, where, err)
	}
	out := make([]byte, n)
	if _, err := io.ReadFull(zr, out); err != nil {
		return nil, fmt.Errorf("%s at %#x: decompressing %d bytes: %w", name, where, n, err)
	}
	if k, _ := zr.Read(make([]byte, 1)); k != 0 {
		return nil, diag.Errorf("mach-o", where+4, name, "section decompresses to more than the declared %d bytes", n)
	}
	return out, nil
}

// newDWARF builds a *dwarf.Data from sections (never through
// (*macho.File).DWARF, see the package doc). It returns ErrNoDWARF when
// there is no __debug_info.
func newDWARF(secs dwarfSections) (d *dwarf.Data, err error) {
	if len(secs["debug_info"]) == 0 {
		return nil, ErrNoDWARF
	}
	defer recoverDWARF(&err, "loading DWARF")
	d, err = dwarf.New(secs["debug_abbrev"], secs["debug_aranges"], nil, secs["debug_info"],
		secs["debug_line"], nil, secs["debug_ranges"], secs["debug_str"])
	if err != nil {
		return nil, fmt.Errorf("%w", err)
	}
	for _, name := range []string{"debug_addr", "debug_line_str", "debug_str_offsets", "debug_rnglists"} {
		if b := secs[name]; len(b) > 0 {
			if err := d.AddSection("."+name, b); err != nil {
				return nil, fmt.Errorf("adding .%s: %w", name, err)
			}
		}
	}
	return d, nil
}

// errDWARFPanic wraps a panic raised inside debug/dwarf.
var errDWARFPanic = errors.New("debug/dwarf panicked on malformed input")

// recoverDWARF turns a panic inside debug/dwarf, which documents that it
// is not hardened against hostile input, into an error. It is a backstop:
// this package's own code does not panic on input.
func recoverDWARF(err *error, what string) {
	if r := recover(); r != nil {
		if _, fault := r.(interface{ Addr() uintptr }); fault {
			panic(r) // a mapped file changed: mmap.Guard above takes it
		}
		*err = fmt.Errorf("%s: %w: %v", what, errDWARFPanic, r)
	}
}

package objfile

import (
	"debug/dwarf"
	"encoding/binary"
	"errors"
	"fmt"
	"sync"

	"github.com/symbolicate/symbolicate/internal/mmap"

	"github.com/symbolicate/symbolicate/symbol"
)

// dwarfInfo answers address lookups from one slice's DWARF. The unit index
// is built on first use and each compile unit is parsed the first time an
// address falls in it. It is safe for concurrent use.
type dwarfInfo struct {
	d     *dwarf.Data
	secs  dwarfSections
	order binary.ByteOrder

	// mu serializes every call into debug/dwarf: its readers initialise
	// per-unit state lazily (DWARF 5 base offsets) without locking.
	mu sync.Mutex

	indexOnce sync.Once
	units     []unitHeader
	index     rangeIndex // address → unit
	indexErr  error
	cus       []cuSlot

	namesMu sync.RWMutex
	names   map[dwarf.Offset]dieName
}

type cuSlot struct {
	once sync.Once
	cu   *cuInfo
	err  error
}

// loadDWARF reads and checks the DWARF sections of sl. It returns
// ErrNoDWARF when the slice has none.
func loadDWARF(sl *Slice, budget *zlibBudget) (*dwarfInfo, error) {
	secs, err := readDWARFSections(sl, budget)
	if err != nil {
		return nil, fmt.Errorf("%w", err)
	}
	return newDWARFInfo(secs, sl.macho.ByteOrder)
}

// newDWARFInfo returns a dwarfInfo over sections in the given byte order.
func newDWARFInfo(secs dwarfSections, order binary.ByteOrder) (*dwarfInfo, error) {
	d, err := newDWARF(secs)
	if err != nil {
		return nil, err
	}
	return &dwarfInfo{d: d, secs: secs, order: order, names: map[dwarf.Offset]dieName{}}, nil
}

// buildIndex maps addresses to units from .debug_aranges and, for units the
// aranges do not describe, from the unit DIE's DW_AT_low_pc/high_pc or
// DW_AT_ranges (as llvm-symbolizer does).
func (dw *dwarfInfo) buildIndex() {
	order := dw.order
	units, err := parseUnitHeaders(dw.secs["debug_info"], order)
	if err != nil {
		dw.indexErr = fmt.Errorf(".debug_info: %w", err)
		return
	}
	covered := make([]bool, len(units))
	var ranges []addrRange
	if ar := dw.secs["debug_aranges"]; len(ar) > 0 {
		// A damaged aranges section is not fatal: the unit DIEs below
		// describe every unit it failed to.
		ranges, _ = parseAranges(ar, order, units, covered)
	}
	dw.mu.Lock()
	defer dw.mu.Unlock()
	r := dw.d.Reader()
	for i, u := range units {
		if covered[i] || !u.header {
			continue
		}
		rs, err := unitRanges(dw.d, r, u.die)
		if err != nil {
			continue // such a unit cannot be looked up; the others still can
		}
		for _, rg := range rs {
			ranges = append(ranges, addrRange{lo: rg[0], hi: rg[1], idx: int32(i)})
		}
	}
	dw.units = units
	dw.index = newRangeIndex(ranges)
	dw.cus = make([]cuSlot, len(units))
}

// unitRanges returns the address ranges of the unit DIE at die.
func unitRanges(d *dwarf.Data, r *dwarf.Reader, die dwarf.Offset) (rs [][2]uint64, err error) {
	defer recoverDWARF(&err, fmt.Sprintf("unit DIE at %#x", die))
	r.Seek(die)
	e, err := r.Next()
	if err != nil || e == nil {
		return nil, err
	}
	rs, _, err = entryRanges(d.Ranges, e)
	return rs, err
}

// ensureIndex builds the unit index once.
func (dw *dwarfInfo) ensureIndex() {
	dw.indexOnce.Do(func() {
		if err := mmap.Guard(func() error { dw.buildIndex(); return nil }); err != nil {
			dw.indexErr = err
		}
	})
}

// unitFor returns the parsed unit containing addr, nil when no unit does.
func (dw *dwarfInfo) unitFor(addr uint64) (*cuInfo, error) {
	dw.ensureIndex()
	if dw.indexErr != nil {
		return nil, dw.indexErr
	}
	i := dw.index.find(addr)
	if i < 0 {
		return nil, nil
	}
	return dw.unit(dw.index.r[i].idx)
}

// unit returns unit ui, parsed on first use.
func (dw *dwarfInfo) unit(ui int32) (*cuInfo, error) {
	slot := &dw.cus[ui]
	slot.once.Do(func() {
		dw.mu.Lock()
		defer dw.mu.Unlock()
		slot.err = mmap.Guard(func() (err error) {
			slot.cu, err = parseCU(dw.d, &dw.units[ui], dw.secs, dw.order)
			return err
		})
		if slot.err != nil {
			slot.err = fmt.Errorf("compile unit at %#x: %w", dw.units[ui].off, slot.err)
		}
	})
	return slot.cu, slot.err
}

// maxOriginHops bounds the DW_AT_abstract_origin / DW_AT_specification
// chain followed for a name.
const maxOriginHops = 16

// dieName is a resolved function name, or why it could not be read.
type dieName struct {
	name string
	err  error
}

// name returns the linkage name of the function DIE at off (DW_AT_linkage_name
// or DW_AT_MIPS_linkage_name), else its DW_AT_name, looking through
// DW_AT_abstract_origin and DW_AT_specification; "" when it has none. The
// error reports a DIE that debug/dwarf could not decode.
func (dw *dwarfInfo) name(off dwarf.Offset) (string, error) {
	dw.namesMu.RLock()
	n, ok := dw.names[off]
	dw.namesMu.RUnlock()
	if ok {
		return n.name, n.err
	}
	dw.mu.Lock()
	n.name, n.err = dw.resolveName(off)
	dw.mu.Unlock()
	dw.namesMu.Lock()
	dw.names[off] = n
	dw.namesMu.Unlock()
	return n.name, n.err
}

func (dw *dwarfInfo) resolveName(off dwarf.Offset) (name string, err error) {
	defer recoverDWARF(&err, fmt.Sprintf("name of the function DIE at %#x", off))
	r := dw.d.Reader()
	var entries []*dwarf.Entry
	seen := map[dwarf.Offset]bool{}
	queue := []dwarf.Offset{off}
	for len(queue) > 0 && len(entries) < maxOriginHops {
		o := queue[0]
		queue = queue[1:]
		if seen[o] {
			continue
		}
		seen[o] = true
		r.Seek(o)
		e, err := r.Next()
		if err != nil || e == nil {
			continue
		}
		entries = append(entries, e)
		for _, a := range []dwarf.Attr{dwarf.AttrAbstractOrigin, dwarf.AttrSpecification} {
			if ref, ok := e.Val(a).(dwarf.Offset); ok {
				queue = append(queue, ref)
			}
		}
	}
	// Like llvm's DWARFDie::getSubroutineName: any linkage name along the
	// chain beats every plain name.
	for _, e := range entries {
		for _, a := range []dwarf.Attr{attrMIPSLinkageName, dwarf.AttrLinkageName} {
			if s, ok := e.Val(a).(string); ok && s != "" {
				return s, nil
			}
		}
	}
	for _, e := range entries {
		if s, ok := e.Val(dwarf.AttrName).(string); ok && s != "" {
			return s, nil
		}
	}
	return "", nil
}

// lookup returns the frames DWARF gives for addr, innermost first, with
// Start as a file address. haveFn is false when no function DIE covers addr
// (a single frame then carries only the line, if any); lo is the start of
// the concrete function's range that holds addr. warn reports damaged
// debug information met on the way.
func (dw *dwarfInfo) lookup(addr uint64) (frames []symbol.Frame, lo uint64, haveFn bool, warn error) {
	cu, err := dw.unitFor(addr)
	if cu == nil {
		return nil, 0, false, err
	}
	return lookupIn(cu, err, addr, func(fn int32) (string, error) { return dw.name(cu.fns[fn].off) })
}

// lookupIn answers addr from unit cu; name gives the linkage name of a
// function by its index in cu.fns.
func lookupIn(cu *cuInfo, err error, addr uint64, name func(fn int32) (string, error)) (frames []symbol.Frame, lo uint64, haveFn bool, warn error) {
	warn = errors.Join(err, cu.fileErr)
	var buf [16]int32
	chain, lo := cu.chain(addr, buf[:0])
	row, hasRow := cu.line(addr)
	if len(chain) == 0 {
		if !hasRow {
			return nil, 0, false, warn
		}
		return []symbol.Frame{{File: cu.fileName(row.file), Line: int(row.line), Column: int(row.col)}}, 0, false, warn
	}
	frames = make([]symbol.Frame, len(chain))
	for k := range chain {
		fn := &cu.fns[chain[len(chain)-1-k]]
		f := &frames[k]
		name, err := name(chain[len(chain)-1-k])
		f.Function, warn = name, errors.Join(warn, err)
		f.Start = fn.start
		f.Inlined = k < len(chain)-1
		if k == 0 {
			if hasRow {
				f.File, f.Line, f.Column = cu.fileName(row.file), int(row.line), int(row.col)
			}
			continue
		}
		// The call site of the frame inlined into this one.
		in := &cu.fns[chain[len(chain)-k]]
		f.File, f.Line, f.Column = cu.fileName(in.callFile), int(in.callLine), int(in.callCol)
	}
	return frames, lo, true, warn
}

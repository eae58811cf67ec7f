package objfile

import (
	"debug/dwarf"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"path"
	"slices"
	"strings"
)

// attrMIPSLinkageName is DW_AT_MIPS_linkage_name, which older compilers
// emit instead of DW_AT_linkage_name.
const attrMIPSLinkageName dwarf.Attr = 0x2007

// fnInfo is one concrete function (DW_TAG_subprogram with code) or inlined
// call (DW_TAG_inlined_subroutine) of a compile unit.
type fnInfo struct {
	off      dwarf.Offset // the DIE, for its name
	start    uint64       // DW_AT_low_pc, else the lowest range start
	parent   int32        // enclosing function or inlined call, -1 for none
	kidLo    int32        // kids[kidLo:kidHi] are the ranges of the
	kidHi    int32        // functions inlined directly into this one
	callFile uint32       // DW_AT_call_file, DW_AT_call_line and
	callLine uint32       // DW_AT_call_column of an inlined call
	callCol  uint32
	inlined  bool
}

// lineRow is one row of a line table.
type lineRow struct {
	addr uint64
	file uint32 // index into cuInfo.files
	line uint32
	col  uint32
}

// cuInfo is what one compile unit contributes to lookups, built on first use.
type cuInfo struct {
	fns     []fnInfo
	tops    rangeIndex  // ranges of top-level functions (idx into fns)
	kids    []addrRange // ranges of inlined calls, grouped by parent
	kidsMax []uint64    // running maximum of hi within each group
	rows    []lineRow   // line table rows, sequence by sequence
	seqs    rangeIndex  // sequences: [first address, end address) → idx into seqRows
	seqRows [][2]int32  // rows[a:b] of a sequence (end row excluded)
	files   []string    // cleaned file paths by DWARF file index
	fileErr error       // a line-table problem met after some rows decoded
}

// parseCU builds the cuInfo of unit u. The caller holds the lock that
// serializes use of d.
func parseCU(d *dwarf.Data, u *unitHeader, secs dwarfSections, order binary.ByteOrder) (cu *cuInfo, err error) {
	die := u.die
	defer recoverDWARF(&err, fmt.Sprintf("compile unit at %#x", die))
	r := d.Reader()
	r.Seek(die)
	root, err := r.Next()
	if err != nil {
		return nil, err
	}
	if root == nil {
		return nil, fmt.Errorf("no DIE at %#x", die)
	}
	cu = &cuInfo{}
	if err := cu.readLines(d, root, u.vers, secs["debug_line"], order); err != nil {
		// Keep going without line information: function names still help.
		cu.fileErr = err
	}
	if root.Children {
		rr := &rangeReader{d: d, vers: u.vers, asize: int(u.asize), order: order, sec: secs["debug_ranges"]}
		// The base address of DWARF 2-4 range lists, as llvm takes it.
		if v, ok := root.Val(dwarf.AttrLowpc).(uint64); ok {
			rr.base = v
		} else if v, ok := root.Val(dwarf.AttrEntrypc).(uint64); ok {
			rr.base = v
		}
		if err := cu.readFunctions(rr, r); err != nil {
			return nil, err
		}
	}
	return cu, nil
}

// rangeReader decodes DW_AT_ranges of one unit: DWARF 2-4 .debug_ranges
// here (debug/dwarf would decode the unit DIE again for every list),
// DWARF 5 range lists through debug/dwarf.
type rangeReader struct {
	d     *dwarf.Data
	vers  uint16
	asize int
	order binary.ByteOrder
	sec   []byte
	base  uint64
}

// maxRanges bounds one DIE's range list (each entry takes at least two
// bytes of the section anyway).
const maxRanges = 1 << 20

func (rr *rangeReader) ranges(e *dwarf.Entry) ([][2]uint64, error) {
	if rr.vers >= 5 || (rr.asize != 4 && rr.asize != 8) {
		return rr.d.Ranges(e)
	}
	off, ok := e.Val(dwarf.AttrRanges).(int64)
	if !ok {
		return nil, nil
	}
	if off < 0 || uint64(off) >= uint64(len(rr.sec)) {
		return nil, fmt.Errorf("range list offset %#x outside .debug_ranges (%#x bytes)", off, len(rr.sec))
	}
	base, maxAddr := rr.base, ^uint64(0)
	if rr.asize == 4 {
		maxAddr = 0xffffffff
	}
	var out [][2]uint64
	b := rr.sec[off:]
	for len(b) >= 2*rr.asize && len(out) < maxRanges {
		var lo, hi uint64
		if rr.asize == 8 {
			lo, hi = rr.order.Uint64(b), rr.order.Uint64(b[8:])
		} else {
			lo, hi = uint64(rr.order.Uint32(b)), uint64(rr.order.Uint32(b[4:]))
		}
		b = b[2*rr.asize:]
		switch {
		case lo == 0 && hi == 0:
			return out, nil
		case lo == maxAddr:
			base = hi
		default:
			out = append(out, [2]uint64{base + lo, base + hi})
		}
	}
	return out, nil
}

// maxDIEDepth bounds DIE nesting; real code rarely passes 30 levels.
const maxDIEDepth = 1024

// readFunctions walks the unit's DIEs once, recording every subprogram and
// inlined subroutine that has code, with its nearest enclosing one.
func (cu *cuInfo) readFunctions(rr *rangeReader, r *dwarf.Reader) error {
	stack := []int32{-1} // enclosing function per open DIE level
	var tops, kids []addrRange
	for len(stack) > 0 {
		e, err := r.Next()
		if err != nil {
			return err
		}
		if e == nil {
			break // end of .debug_info
		}
		if e.Tag == 0 {
			stack = stack[:len(stack)-1]
			continue
		}
		cur := stack[len(stack)-1]
		if e.Tag == dwarf.TagSubprogram || e.Tag == dwarf.TagInlinedSubroutine {
			rs, low, err := entryRanges(rr.ranges, e)
			if err != nil {
				return fmt.Errorf("DIE at %#x: %w", e.Offset, err)
			}
			if len(rs) > 0 {
				f := fnInfo{off: e.Offset, start: low, parent: -1}
				if e.Tag == dwarf.TagInlinedSubroutine && cur >= 0 {
					// An inlined call outside any function with code (or a
					// nested subprogram) starts a chain of its own.
					f.parent = cur
					f.inlined = true
					f.callFile = attrUint32(e, dwarf.AttrCallFile)
					f.callLine = attrUint32(e, dwarf.AttrCallLine)
					f.callCol = attrUint32(e, dwarf.AttrCallColumn)
				}
				idx := int32(len(cu.fns))
				cu.fns = append(cu.fns, f)
				for _, rg := range rs {
					a := addrRange{lo: rg[0], hi: rg[1], idx: idx}
					if f.parent >= 0 {
						kids = append(kids, a)
					} else {
						tops = append(tops, a)
					}
				}
				cur = idx
			} else if e.Tag == dwarf.TagSubprogram && e.Children {
				// A declaration or abstract instance: nothing inside runs.
				r.SkipChildren()
				continue
			}
		}
		if e.Children {
			if len(stack) >= maxDIEDepth {
				return fmt.Errorf("DIE at %#x: nesting deeper than %d", e.Offset, maxDIEDepth)
			}
			stack = append(stack, cur)
		}
	}
	cu.tops = newRangeIndex(tops)
	cu.indexInlined(kids)
	return nil
}

// indexInlined groups the inlined calls' ranges by parent, sorted by start,
// with the running maximum of their ends for the lookup.
func (cu *cuInfo) indexInlined(kids []addrRange) {
	slices.SortFunc(kids, func(a, b addrRange) int {
		pa, pb := cu.fns[a.idx].parent, cu.fns[b.idx].parent
		switch {
		case pa != pb:
			return int(pa) - int(pb)
		case a.lo < b.lo:
			return -1
		case a.lo > b.lo:
			return 1
		}
		return 0
	})
	kids = slices.DeleteFunc(kids, func(a addrRange) bool { return a.hi <= a.lo })
	cu.kids = kids
	cu.kidsMax = make([]uint64, len(kids))
	for i := 0; i < len(kids); {
		p := cu.fns[kids[i].idx].parent
		j := i
		var m uint64
		for ; j < len(kids) && cu.fns[kids[j].idx].parent == p; j++ {
			m = max(m, kids[j].hi)
			cu.kidsMax[j] = m
		}
		cu.fns[p].kidLo, cu.fns[p].kidHi = int32(i), int32(j)
		i = j
	}
}

// attrUint32 returns a small unsigned constant attribute, 0 when absent or
// out of range.
func attrUint32(e *dwarf.Entry, a dwarf.Attr) uint32 {
	switch v := e.Val(a).(type) {
	case int64:
		if v >= 0 && v <= 1<<32-1 {
			return uint32(v)
		}
	case uint64:
		if v <= 1<<32-1 {
			return uint32(v)
		}
	}
	return 0
}

// entryRanges returns the address ranges of a DIE and its start address
// (DW_AT_low_pc, else the lowest range start); ranges decodes DW_AT_ranges.
func entryRanges(ranges func(*dwarf.Entry) ([][2]uint64, error), e *dwarf.Entry) ([][2]uint64, uint64, error) {
	low, lowOK := e.Val(dwarf.AttrLowpc).(uint64)
	if f := e.AttrField(dwarf.AttrHighpc); f != nil && lowOK {
		switch v := f.Val.(type) {
		case uint64:
			if v > low {
				return [][2]uint64{{low, v}}, low, nil
			}
			return nil, low, nil
		case int64:
			if v > 0 && low+uint64(v) > low {
				return [][2]uint64{{low, low + uint64(v)}}, low, nil
			}
			return nil, low, nil
		}
	}
	if e.AttrField(dwarf.AttrRanges) == nil {
		return nil, low, nil
	}
	rs, err := ranges(e)
	if err != nil {
		return nil, 0, err
	}
	rs = slices.DeleteFunc(rs, func(r [2]uint64) bool { return r[1] <= r[0] })
	if !lowOK && len(rs) > 0 {
		low = rs[0][0]
		for _, r := range rs[1:] {
			low = min(low, r[0])
		}
	}
	return rs, low, nil
}

// chain returns the functions containing addr, outermost first: a concrete
// function and the calls inlined into it, or nil; lo is the start of the
// concrete function's range that holds addr.
func (cu *cuInfo) chain(addr uint64, buf []int32) (fns []int32, lo uint64) {
	i := cu.tops.find(addr)
	if i < 0 {
		return buf[:0], 0
	}
	lo = cu.tops.r[i].lo
	fn := cu.tops.r[i].idx
	out := append(buf[:0], fn)
	for depth := 0; depth < maxDIEDepth; depth++ {
		f := &cu.fns[fn]
		if f.kidLo == f.kidHi {
			break
		}
		g := rangeIndex{r: cu.kids[f.kidLo:f.kidHi], maxHi: cu.kidsMax[f.kidLo:f.kidHi]}
		k := g.find(addr)
		if k < 0 {
			break
		}
		fn = g.r[k].idx
		out = append(out, fn)
	}
	return out, lo
}

// readLines decodes the unit's line table into rows and sequences.
func (cu *cuInfo) readLines(d *dwarf.Data, root *dwarf.Entry, vers uint16, line []byte, order binary.ByteOrder) error {
	off, ok := root.Val(dwarf.AttrStmtList).(int64)
	if !ok {
		return nil
	}
	if err := checkLineHeader(line, uint64(off), order); err != nil {
		return err
	}
	lr, err := d.LineReader(root)
	if err != nil || lr == nil {
		return err
	}
	// debug/dwarf leaves a DWARF 5 file relative when its directory is;
	// llvm-symbolizer (like DWARF 4 readers) puts the compilation
	// directory in front of such a directory.
	compDir, _ := root.Val(dwarf.AttrCompDir).(string)
	fixDir := vers >= 5 && strings.HasPrefix(compDir, "/")
	fileIdx := map[*dwarf.LineFile]uint32{}
	refresh := func() {
		files := lr.Files()
		for len(cu.files) < len(files) {
			i := len(cu.files)
			name := ""
			if f := files[i]; f != nil {
				name = f.Name
				if fixDir && name != "" && !strings.HasPrefix(name, "/") {
					name = compDir + "/" + name
				}
				name = cleanPath(name)
				fileIdx[f] = uint32(i)
			}
			cu.files = append(cu.files, name)
		}
	}
	refresh()
	var seqs []addrRange
	var le dwarf.LineEntry
	start := 0
	for {
		if err := lr.Next(&le); err != nil {
			if errors.Is(err, io.EOF) {
				break
			}
			err = fmt.Errorf("line table: %w", err)
			cu.finishLines(seqs)
			return err
		}
		var file uint32
		if le.File != nil {
			i, ok := fileIdx[le.File]
			if !ok {
				refresh()
				i = fileIdx[le.File]
			}
			file = i
		}
		cu.rows = append(cu.rows, lineRow{addr: le.Address, file: file, line: clampU32(le.Line), col: clampU32(le.Column)})
		if le.EndSequence {
			end := len(cu.rows) - 1
			if end > start && le.Address > cu.rows[start].addr {
				seqs = append(seqs, addrRange{lo: cu.rows[start].addr, hi: le.Address, idx: int32(len(cu.seqRows))})
				cu.seqRows = append(cu.seqRows, [2]int32{int32(start), int32(end)})
			}
			start = len(cu.rows)
		}
	}
	refresh()
	cu.finishLines(seqs)
	return nil
}

func (cu *cuInfo) finishLines(seqs []addrRange) {
	cu.seqs = newRangeIndex(seqs)
	cu.rows = slices.Clip(cu.rows)
}

func clampU32(v int) uint32 {
	if v < 0 {
		return 0
	}
	if uint64(v) > 1<<32-1 {
		return 1<<32 - 1
	}
	return uint32(v)
}

// line returns the line-table row for addr: the last row at or below addr
// in the sequence containing it, as llvm-symbolizer picks it.
func (cu *cuInfo) line(addr uint64) (lineRow, bool) {
	s := cu.seqs.find(addr)
	if s < 0 {
		return lineRow{}, false
	}
	se := cu.seqRows[cu.seqs.r[s].idx]
	rows := cu.rows[se[0]:se[1]]
	i, _ := slices.BinarySearchFunc(rows, addr, func(r lineRow, t uint64) int {
		if r.addr <= t {
			return -1
		}
		return 1
	})
	if i == 0 {
		return lineRow{}, false
	}
	return rows[i-1], true
}

// fileName returns the path of DWARF file index i ("" when unknown).
func (cu *cuInfo) fileName(i uint32) string {
	if uint64(i) < uint64(len(cu.files)) {
		return cu.files[i]
	}
	return ""
}

// cleanPath cleans a source path the way Go's debug/dwarf joins it with
// its directory (llvm-symbolizer keeps "a/../b"; oracles.md §5).
func cleanPath(p string) string {
	if p == "" {
		return ""
	}
	return path.Clean(p)
}

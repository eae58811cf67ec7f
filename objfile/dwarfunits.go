package objfile

import (
	"debug/dwarf"
	"encoding/binary"
	"slices"

	"github.com/symbolicate/symbolicate/diag"
	"github.com/symbolicate/symbolicate/internal/bin"
)

// unitHeader locates one unit of .debug_info.
type unitHeader struct {
	off    uint64       // offset of the unit header (what .debug_aranges names)
	die    dwarf.Offset // offset of the unit's root DIE
	end    uint64       // offset just past the unit
	vers   uint16
	utype  uint8 // DW_UT_* (DWARF 5); DW_UT_compile for older versions
	asize  uint8
	is64   bool
	header bool // false for type and split units, which hold no code
}

// DWARF 5 unit types.
const (
	utCompile      = 0x01
	utType         = 0x02
	utPartial      = 0x03
	utSkeleton     = 0x04
	utSplitCompile = 0x05
	utSplitType    = 0x06
)

// parseUnitHeaders lists the units of .debug_info. dwarf.New has already
// accepted the section, but the walk is bounds-checked on its own.
func parseUnitHeaders(info []byte, order binary.ByteOrder) ([]unitHeader, error) {
	var units []unitHeader
	r := bin.NewReader("dwarf", info, order, 0)
	for r.Len() > 0 {
		u := unitHeader{off: uint64(r.Pos()), utype: utCompile}
		length := uint64(r.U32("unit_length"))
		if length == 0xffffffff {
			u.is64 = true
			length = r.U64("unit_length")
		}
		if err := r.Err(); err != nil {
			return units, err
		}
		start := uint64(r.Pos())
		if length > uint64(r.Len()) {
			return units, diag.Errorf("dwarf", int64(u.off), "unit_length",
				"unit of %d bytes runs past the end of .debug_info", length)
		}
		u.end = start + length
		if length == 0 {
			continue
		}
		u.vers = r.U16("version")
		if u.vers >= 5 {
			u.utype = r.U8("unit_type")
			u.asize = r.U8("address_size")
		}
		if u.is64 {
			r.U64("debug_abbrev_offset")
		} else {
			r.U32("debug_abbrev_offset")
		}
		if u.vers < 5 {
			u.asize = r.U8("address_size")
		}
		switch u.utype {
		case utSkeleton, utSplitCompile:
			r.U64("dwo_id")
		case utType, utSplitType:
			r.U64("type_signature")
			if u.is64 {
				r.U64("type_offset")
			} else {
				r.U32("type_offset")
			}
		}
		if err := r.Err(); err != nil {
			return units, err
		}
		if uint64(r.Pos()) > u.end {
			return units, diag.Errorf("dwarf", int64(u.off), "unit header", "header longer than the unit")
		}
		u.die = dwarf.Offset(r.Pos())
		u.header = u.utype == utCompile || u.utype == utPartial || u.utype == utSkeleton
		units = append(units, u)
		r.Seek(u.end, "next unit")
	}
	return units, r.Err()
}

// addrRange maps [lo, hi) to a unit (or, inside a unit, to a function).
type addrRange struct {
	lo, hi uint64
	idx    int32
}

// rangeIndex is a sorted set of possibly overlapping ranges with a running
// maximum of hi, so that a lookup can stop scanning backwards as soon as no
// earlier range can reach the address.
type rangeIndex struct {
	r     []addrRange
	maxHi []uint64
}

func newRangeIndex(rs []addrRange) rangeIndex {
	rs = slices.DeleteFunc(rs, func(a addrRange) bool { return a.hi <= a.lo })
	slices.SortStableFunc(rs, func(a, b addrRange) int {
		switch {
		case a.lo < b.lo:
			return -1
		case a.lo > b.lo:
			return 1
		}
		return 0
	})
	ix := rangeIndex{r: rs, maxHi: make([]uint64, len(rs))}
	var m uint64
	for i, a := range rs {
		m = max(m, a.hi)
		ix.maxHi[i] = m
	}
	return ix
}

// find returns the index of the range containing addr with the greatest lo
// (the innermost one when ranges nest), or -1.
func (ix *rangeIndex) find(addr uint64) int {
	i, _ := slices.BinarySearchFunc(ix.r, addr, func(a addrRange, t uint64) int {
		if a.lo <= t {
			return -1
		}
		return 1
	})
	for i--; i >= 0 && ix.maxHi[i] > addr; i-- {
		if ix.r[i].hi > addr {
			return i
		}
	}
	return -1
}

// parseAranges reads .debug_aranges: sets of (address, length) tuples, each
// set naming the unit header offset it describes. It returns the ranges
// with idx set to the unit's position in units (sets naming no unit are
// dropped) and marks covered[i] for each unit it describes.
func parseAranges(b []byte, order binary.ByteOrder, units []unitHeader, covered []bool) ([]addrRange, error) {
	byOff := make(map[uint64]int32, len(units))
	for i, u := range units {
		byOff[u.off] = int32(i)
	}
	var out []addrRange
	r := bin.NewReader("dwarf aranges", b, order, 0)
	for r.Len() > 0 {
		setStart := r.Pos()
		length := uint64(r.U32("unit_length"))
		is64 := false
		if length == 0xffffffff {
			is64 = true
			length = r.U64("unit_length")
		}
		if err := r.Err(); err != nil {
			return out, err
		}
		if length > uint64(r.Len()) {
			return out, diag.Errorf("dwarf aranges", int64(setStart), "unit_length", "set of %d bytes runs past the section", length)
		}
		end := uint64(r.Pos()) + length
		set := bin.NewReader("dwarf aranges", b[r.Pos():end], order, int64(r.Pos()))
		r.Seek(end, "next set")
		set.U16("version")
		var infoOff uint64
		if is64 {
			infoOff = set.U64("debug_info_offset")
		} else {
			infoOff = uint64(set.U32("debug_info_offset"))
		}
		asize := set.U8("address_size")
		seg := set.U8("segment_selector_size")
		if err := set.Err(); err != nil {
			return out, err
		}
		if seg != 0 {
			return out, diag.Errorf("dwarf aranges", int64(setStart), "segment_selector_size", "segmented addresses (%d) are not supported", seg)
		}
		if asize != 4 && asize != 8 {
			return out, diag.Errorf("dwarf aranges", int64(setStart), "address_size", "address size %d", asize)
		}
		// Tuples start at a multiple of twice the address size from the
		// start of the set (its unit_length field).
		hdr := uint64(set.Pos()) + 4
		if is64 {
			hdr += 8
		}
		if pad := hdr % (2 * uint64(asize)); pad != 0 {
			set.Skip(2*uint64(asize)-pad, "padding")
		}
		if err := set.Err(); err != nil {
			return out, err
		}
		ui, ok := byOff[infoOff]
		if ok {
			covered[ui] = true
		}
		for set.Len() >= 2*int(asize) {
			var lo, n uint64
			if asize == 8 {
				lo, n = set.U64("address"), set.U64("length")
			} else {
				lo, n = uint64(set.U32("address")), uint64(set.U32("length"))
			}
			if lo == 0 && n == 0 {
				break
			}
			if ok && n > 0 && lo+n > lo {
				out = append(out, addrRange{lo: lo, hi: lo + n, idx: ui})
			}
		}
	}
	return out, r.Err()
}

package machofmt

import (
	"encoding/binary"

	"github.com/symbolicate/symbolicate/diag"
	"github.com/symbolicate/symbolicate/internal/bin"
)

// n_type bits and values (from <mach-o/nlist.h>).
const (
	NStab uint8 = 0xe0 // any of these bits: a debugging (stab) entry
	NPExt uint8 = 0x10 // private external
	NType uint8 = 0x0e // mask for the type bits below
	NExt  uint8 = 0x01 // external symbol
	NUndf uint8 = 0x0
	NAbs  uint8 = 0x2
	NSect uint8 = 0xe
	NPbud uint8 = 0xc
	NIndr uint8 = 0xa
)

// NArmThumbDef is the n_desc bit marking a Thumb function on 32-bit ARM.
const NArmThumbDef uint16 = 0x0008

// Nlist is one symbol table entry (nlist or nlist_64).
type Nlist struct {
	Strx  uint32 // offset of the name in the string table
	Type  uint8
	Sect  uint8 // 1-based section number, 0 for none
	Desc  uint16
	Value uint64 // address for defined symbols
}

// IsDefined reports whether the entry is a non-stab symbol defined in a
// section (N_SECT): the only kind that names an address in the image.
func (n Nlist) IsDefined() bool { return n.Type&NStab == 0 && n.Type&NType == NSect }

// IsExternal reports whether the entry is an external (exported) symbol.
func (n Nlist) IsExternal() bool { return n.Type&NExt != 0 }

// NlistSize returns the size of one entry: 16 for nlist_64, 12 for nlist.
func NlistSize(is64 bool) int {
	if is64 {
		return 16
	}
	return 12
}

// NlistTable is a bounds-checked view of consecutive nlist or nlist_64
// entries. It is a small value, safe for concurrent use.
type NlistTable struct {
	data  []byte
	n     int
	is64  bool
	le    bool // order is little-endian: read without the interface
	order binary.ByteOrder
}

// NewNlistTable returns a view of count entries at the start of b. off is the
// offset of b in its file, used in errors.
func NewNlistTable(b []byte, count uint64, is64 bool, order binary.ByteOrder, off int64) (NlistTable, error) {
	size := uint64(NlistSize(is64))
	n := bin.SliceCap(count, size, uint64(len(b)))
	if n < 0 {
		return NlistTable{}, diag.Errorf(format, off, "nlist",
			"%d entries of %d bytes do not fit in the %d bytes available", count, size, len(b))
	}
	le := order == binary.ByteOrder(binary.LittleEndian)
	return NlistTable{data: b[:uint64(n)*size], n: n, is64: is64, le: le, order: order}, nil
}

// Len returns the number of entries.
func (t NlistTable) Len() int { return t.n }

// At returns entry i; it panics if i is outside [0, Len()), like a slice index.
func (t NlistTable) At(i int) Nlist {
	if t.is64 && t.le { // every Apple platform since 2006
		e := t.data[i*16 : i*16+16]
		le := binary.LittleEndian
		return Nlist{Strx: le.Uint32(e), Type: e[4], Sect: e[5], Desc: le.Uint16(e[6:]), Value: le.Uint64(e[8:])}
	}
	if t.is64 {
		e := t.data[i*16 : i*16+16]
		return Nlist{
			Strx: t.order.Uint32(e), Type: e[4], Sect: e[5],
			Desc: t.order.Uint16(e[6:]), Value: t.order.Uint64(e[8:]),
		}
	}
	e := t.data[i*12 : i*12+12]
	return Nlist{
		Strx: t.order.Uint32(e), Type: e[4], Sect: e[5],
		Desc: t.order.Uint16(e[6:]), Value: uint64(t.order.Uint32(e[8:])),
	}
}

// Slice returns the entries [i, j), or ok=false if the range is outside the table.
func (t NlistTable) Slice(i, j uint64) (NlistTable, bool) {
	if i > j || j > uint64(t.n) {
		return NlistTable{}, false
	}
	size := uint64(NlistSize(t.is64))
	return NlistTable{data: t.data[i*size : j*size], n: int(j - i), is64: t.is64, le: t.le, order: t.order}, true
}

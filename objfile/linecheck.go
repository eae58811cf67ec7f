package objfile

import (
	"encoding/binary"

	"github.com/symbolicate/symbolicate/diag"
	"github.com/symbolicate/symbolicate/internal/bin"
)

// DWARF forms that may describe a DWARF 5 line-table directory or file
// entry (DWARF 5 §6.2.4.1), with the content types llvm and GCC emit.
const (
	formBlock    = 0x09
	formData1    = 0x0b
	formData2    = 0x05
	formData4    = 0x06
	formData8    = 0x07
	formData16   = 0x1e
	formString   = 0x08
	formStrp     = 0x0e
	formLineStrp = 0x1f
	formStrpSup  = 0x1d
	formUdata    = 0x0f
	formStrx     = 0x1a
	formStrx1    = 0x25
	formStrx2    = 0x26
	formStrx3    = 0x27
	formStrx4    = 0x28
)

// checkLineHeader vets the DWARF 5 directory and file tables of the line
// table at off before debug/dwarf reads it: debug/dwarf allocates as many
// entries as the counts claim before reading any, so a count must fit in
// the header bytes that remain and every entry format must consume input.
// Older line tables are read entry by entry and need no check.
func checkLineHeader(line []byte, off uint64, order binary.ByteOrder) error {
	if off > uint64(len(line)) {
		return diag.Errorf("dwarf line", int64(off), "stmt_list", "offset past the end of .debug_line")
	}
	r := bin.NewReader("dwarf line", line[off:], order, int64(off))
	length := uint64(r.U32("unit_length"))
	is64 := false
	if length == 0xffffffff {
		is64 = true
		length = r.U64("unit_length")
	}
	version := r.U16("version")
	if r.Failed() || version < 5 {
		return r.Err()
	}
	r.Skip(2, "address_size/segment_selector_size")
	var hlen uint64
	if is64 {
		hlen = r.U64("header_length")
	} else {
		hlen = uint64(r.U32("header_length"))
	}
	end, ok := bin.Span(uint64(r.Pos()), hlen, uint64(r.Len()+r.Pos()))
	if err := r.Err(); err != nil || !ok || length < hlen {
		if err != nil {
			return err
		}
		return diag.Errorf("dwarf line", int64(off), "header_length", "header of %d bytes does not fit", hlen)
	}
	r.Skip(5, "instruction/line parameters")
	opBase := r.U8("opcode_base")
	if opBase > 0 {
		r.Skip(uint64(opBase)-1, "standard_opcode_lengths")
	}
	for _, table := range []string{"directories", "file_names"} {
		nforms := r.U8(table + " entry format count")
		forms := make([]uint64, 0, nforms)
		for i := 0; i < int(nforms); i++ {
			r.ULEB128("content type")
			f := r.ULEB128("form")
			if !lineFormOK(f) && !r.Failed() {
				r.Fail("form", "form %#x cannot describe a %s entry", f, table)
			}
			forms = append(forms, f)
		}
		count := r.ULEB128(table + " count")
		if err := r.Err(); err != nil {
			return err
		}
		left := end - min(end, uint64(r.Pos()))
		if count > left || (count > 0 && nforms == 0) {
			return diag.Errorf("dwarf line", r.Offset(), table+" count",
				"%d entries cannot fit in the %d header bytes left", count, left)
		}
		for i := uint64(0); i < count && !r.Failed(); i++ {
			for _, f := range forms {
				skipLineForm(r, f, is64)
			}
		}
	}
	return r.Err()
}

func lineFormOK(f uint64) bool {
	switch f {
	case formBlock, formData1, formData2, formData4, formData8, formData16, formString, formStrp,
		formLineStrp, formStrpSup, formUdata, formStrx, formStrx1, formStrx2, formStrx3, formStrx4:
		return true
	}
	return false
}

// skipLineForm consumes one value of form f.
func skipLineForm(r *bin.Reader, f uint64, is64 bool) {
	switch f {
	case formString:
		r.CString(1<<16, "path")
	case formStrp, formLineStrp, formStrpSup:
		if is64 {
			r.Skip(8, "string offset")
		} else {
			r.Skip(4, "string offset")
		}
	case formUdata, formStrx:
		r.ULEB128("value")
	case formData1, formStrx1:
		r.Skip(1, "value")
	case formData2, formStrx2:
		r.Skip(2, "value")
	case formStrx3:
		r.Skip(3, "value")
	case formData4, formStrx4:
		r.Skip(4, "value")
	case formData8:
		r.Skip(8, "value")
	case formData16:
		r.Skip(16, "value")
	case formBlock:
		r.Skip(r.ULEB128("block length"), "block")
	}
}

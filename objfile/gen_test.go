package objfile

import (
	"encoding/binary"
	"sort"
)

// This file builds small Mach-O files with hand-assembled DWARF 4 and
// DWARF 5 for tests whose answers are known by construction, and as fuzz
// seeds that do not depend on the corpus.

// asm appends little-endian values.
type asm struct{ b []byte }

func (a *asm) u8(v uint8)   { a.b = append(a.b, v) }
func (a *asm) u16(v uint16) { a.b = binary.LittleEndian.AppendUint16(a.b, v) }
func (a *asm) u32(v uint32) { a.b = binary.LittleEndian.AppendUint32(a.b, v) }
func (a *asm) u64(v uint64) { a.b = binary.LittleEndian.AppendUint64(a.b, v) }
func (a *asm) str(s string) { a.b = append(append(a.b, s...), 0) }
func (a *asm) uleb(v uint64) {
	for {
		c := uint8(v & 0x7f)
		v >>= 7
		if v != 0 {
			c |= 0x80
		}
		a.b = append(a.b, c)
		if v == 0 {
			return
		}
	}
}
func (a *asm) sleb(v int64) {
	for {
		c := uint8(v & 0x7f)
		v >>= 7
		done := (v == 0 && c&0x40 == 0) || (v == -1 && c&0x40 != 0)
		if !done {
			c |= 0x80
		}
		a.b = append(a.b, c)
		if done {
			return
		}
	}
}
func (a *asm) at(off int, v uint32) { binary.LittleEndian.PutUint32(a.b[off:], v) }
func (a *asm) len() int             { return len(a.b) }

// genSection is a section of a generated image.
type genSection struct {
	seg, name string
	addr      uint64
	data      []byte
	size      uint64 // for __TEXT sections, which hold no bytes in the file
	flags     uint32
}

// genSymbol is an nlist entry (all in section 1, __TEXT,__text).
type genSymbol struct {
	name string
	addr uint64
	ext  bool
}

// genImage describes a thin 64-bit Mach-O file.
type genImage struct {
	cpu, subcpu, filetype uint32
	uuid                  [16]byte
	noUUID                bool
	textAddr, textSize    uint64
	sections              []genSection
	symbols               []genSymbol
}

// build lays the file out: header, load commands (__TEXT, __DWARF,
// __LINKEDIT, LC_UUID, LC_SYMTAB), DWARF sections, symbols and strings.
// __TEXT sections get no bytes (nothing here reads code), which keeps the
// files small as fuzz seeds.
func (g *genImage) build() []byte {
	var text, dw []genSection
	for _, s := range g.sections {
		if s.seg == "__TEXT" {
			text = append(text, s)
		} else {
			dw = append(dw, s)
		}
	}
	ncmds, cmdsize := 3, (72+80*len(text))+(72+80*len(dw))+72+24
	if !g.noUUID {
		ncmds++
		cmdsize += 24
	}
	if len(dw) > 0 {
		ncmds++
	}
	// File layout after the commands.
	var body []byte
	fileOff := func() uint64 { return uint64(32 + cmdsize + len(body)) }
	textEnd := uint64(32 + cmdsize)
	dwOff := make([]uint64, len(dw))
	for i, s := range dw {
		dwOff[i] = fileOff()
		body = append(body, s.data...)
	}
	for fileOff()%8 != 0 {
		body = append(body, 0)
	}
	symoff := fileOff()
	strs := asm{b: []byte{' ', 0}}
	syms := append([]genSymbol(nil), g.symbols...)
	sort.SliceStable(syms, func(i, j int) bool { return syms[i].addr < syms[j].addr })
	var nl asm
	for _, s := range syms {
		nl.u32(uint32(strs.len()))
		strs.str(s.name)
		typ := uint8(0xe)
		if s.ext {
			typ |= 1
		}
		nl.u8(typ)
		nl.u8(1)
		nl.u16(0)
		nl.u64(s.addr)
	}
	body = append(body, nl.b...)
	stroff := fileOff()
	body = append(body, strs.b...)
	end := fileOff()

	var h asm
	h.u32(0xfeedfacf)
	h.u32(g.cpu)
	h.u32(g.subcpu)
	h.u32(g.filetype)
	h.u32(uint32(ncmds))
	h.u32(uint32(cmdsize))
	h.u32(0)
	h.u32(0)
	name16 := func(s string) {
		var n [16]byte
		copy(n[:], s)
		h.b = append(h.b, n[:]...)
	}
	segment := func(name string, addr, size, off, fsize uint64, secs []genSection, offs []uint64) {
		h.u32(0x19)
		h.u32(uint32(72 + 80*len(secs)))
		name16(name)
		h.u64(addr)
		h.u64(size)
		h.u64(off)
		h.u64(fsize)
		h.u32(5)
		h.u32(5)
		h.u32(uint32(len(secs)))
		h.u32(0)
		for i, s := range secs {
			name16(s.name)
			name16(s.seg)
			h.u64(s.addr)
			h.u64(max(s.size, uint64(len(s.data))))
			h.u32(uint32(offs[i]))
			h.u32(0)
			h.u32(0)
			h.u32(0)
			h.u32(s.flags)
			h.u32(0)
			h.u32(0)
			h.u32(0)
		}
	}
	segment("__TEXT", g.textAddr, g.textSize, 0, textEnd, text, make([]uint64, len(text)))
	if len(dw) > 0 {
		segment("__DWARF", g.textAddr+g.textSize+0x1000, 0x1000, dwOff[0], symoff-dwOff[0], dw, dwOff)
	}
	segment("__LINKEDIT", g.textAddr+g.textSize+0x2000, 0x1000, symoff, end-symoff, nil, nil)
	if !g.noUUID {
		h.u32(0x1b)
		h.u32(24)
		h.b = append(h.b, g.uuid[:]...)
	}
	h.u32(0x2)
	h.u32(24)
	h.u32(uint32(symoff))
	h.u32(uint32(len(syms)))
	h.u32(uint32(stroff))
	h.u32(uint32(strs.len()))
	return append(h.b, body...)
}

// fatWrap builds a universal file (FAT_MAGIC, or FAT_MAGIC_64 when is64)
// holding thin images, each aligned to 16 bytes.
func fatWrap(is64 bool, cpus [][2]uint32, slices ...[]byte) []byte {
	var a asm
	magic := uint32(0xcafebabe)
	if is64 {
		magic = 0xcafebabf
	}
	be := func(v uint32) { a.b = binary.BigEndian.AppendUint32(a.b, v) }
	be64 := func(v uint64) { a.b = binary.BigEndian.AppendUint64(a.b, v) }
	be(magic)
	be(uint32(len(slices)))
	off := uint64(8 + len(slices)*32)
	offs := make([]uint64, len(slices))
	for i, s := range slices {
		offs[i] = off
		be(cpus[i][0])
		be(cpus[i][1])
		if is64 {
			be64(off)
			be64(uint64(len(s)))
			be(4)
			be(0)
		} else {
			be(uint32(off))
			be(uint32(len(s)))
			be(4)
		}
		off = (off + uint64(len(s)) + 15) &^ 15
	}
	for i, s := range slices {
		for uint64(a.len()) < offs[i] {
			a.u8(0)
		}
		a.b = append(a.b, s...)
	}
	return a.b
}

// genDWARF returns the DWARF sections (Mach-O names) of the test program
// described in TestGeneratedDWARF, in DWARF version 4 or 5, with addresses
// based at base. withAranges adds .debug_aranges.
func genDWARF(version int, base uint64, withAranges bool) []genSection {
	const (
		formAddr      = 0x01
		formData1     = 0x0b
		formData4     = 0x06
		formString    = 0x08
		formStrp      = 0x0e
		formRef4      = 0x13
		formSecOffset = 0x17
		formStrx1     = 0x25
		formAddrx     = 0x1b
		formRnglistx  = 0x23
		formLineStrp  = 0x1f
		formUdata     = 0x0f
	)
	v5 := version >= 5
	// Strings: .debug_str plus, for DWARF 5, .debug_str_offsets indexes.
	var str, stroffs asm
	type sref struct{ idx, off int }
	strs := map[string]sref{}
	if v5 {
		stroffs.u32(0) // unit_length, patched
		stroffs.u16(5)
		stroffs.u16(0)
	}
	// strAttr writes a string attribute: a .debug_str offset (DW_FORM_strp)
	// or, for DWARF 5, a .debug_str_offsets index (DW_FORM_strx1).
	strAttr := func(info *asm, s string) {
		r, ok := strs[s]
		if !ok {
			r = sref{idx: len(strs), off: str.len()}
			strs[s] = r
			if v5 {
				stroffs.u32(uint32(r.off))
			}
			str.str(s)
		}
		if v5 {
			info.u8(uint8(r.idx))
		} else {
			info.u32(uint32(r.off))
		}
	}
	strForm := uint64(formStrp)
	if v5 {
		strForm = formStrx1
	}

	// Abbreviations.
	var ab asm
	abbrev := func(code, tag uint64, children bool, attrs ...uint64) {
		ab.uleb(code)
		ab.uleb(tag)
		if children {
			ab.u8(1)
		} else {
			ab.u8(0)
		}
		for _, a := range attrs {
			ab.uleb(a)
		}
		ab.u8(0)
		ab.u8(0)
	}
	if v5 {
		abbrev(1, 0x11, true, 0x03, strForm, 0x1b, strForm, 0x10, formSecOffset, 0x72, formSecOffset,
			0x73, formSecOffset, 0x74, formSecOffset, 0x11, formAddrx, 0x12, formData4)
	} else {
		abbrev(1, 0x11, true, 0x03, strForm, 0x1b, strForm, 0x10, formSecOffset, 0x11, formAddr, 0x12, formData4)
	}
	abbrev(2, 0x2e, true, 0x6e, strForm, 0x03, strForm, 0x11, formAddr, 0x12, formData4)
	abbrev(3, 0x2e, false, 0x03, formString, 0x20, formData1)
	abbrev(4, 0x1d, true, 0x31, formRef4, 0x11, formAddr, 0x12, formData4, 0x58, formData1, 0x59, formData1, 0x57, formData1)
	rangesForm := uint64(formSecOffset)
	if v5 {
		rangesForm = formRnglistx
	}
	abbrev(5, 0x1d, false, 0x31, formRef4, 0x55, rangesForm, 0x58, formData1, 0x59, formData1)
	abbrev(6, 0x0b, true, 0x11, formAddr, 0x12, formData4)
	abbrev(7, 0x2e, false, 0x03, strForm, 0x11, formAddr, 0x12, formData4)
	ab.u8(0)

	// .debug_info
	var info asm
	info.u32(0)
	info.u16(uint16(version))
	if v5 {
		info.u8(0x01) // DW_UT_compile
		info.u8(8)
		info.u32(0)
	} else {
		info.u32(0)
		info.u8(8)
	}
	info.uleb(1)
	strAttr(&info, "main.c")
	strAttr(&info, "/src")
	info.u32(0) // stmt_list
	if v5 {
		info.u32(8)  // str_offsets_base
		info.u32(8)  // addr_base
		info.u32(12) // rnglists_base
		info.uleb(0) // low_pc: .debug_addr entry 0
	} else {
		info.u64(base + 0x1000)
	}
	info.u32(0x180)
	innerOff := info.len()
	info.uleb(3)
	info.str("inner_fn")
	info.u8(1)
	middleOff := info.len()
	info.uleb(3)
	info.str("middle_fn")
	info.u8(1)
	info.uleb(2)
	strAttr(&info, "_Z5outerv")
	strAttr(&info, "outer")
	info.u64(base + 0x1000)
	info.u32(0x100)
	info.uleb(4)
	info.u32(uint32(middleOff))
	info.u64(base + 0x1010)
	info.u32(0x40)
	info.u8(1)
	info.u8(20)
	info.u8(3)
	info.uleb(6)
	info.u64(base + 0x1010)
	info.u32(0x40)
	info.uleb(5)
	info.u32(uint32(innerOff))
	if v5 {
		info.uleb(0) // rnglistx 0
	} else {
		info.u32(0) // .debug_ranges offset
	}
	info.u8(2)
	info.u8(7)
	info.u8(0) // end lexical block
	info.u8(0) // end inlined middle_fn
	info.u8(0) // end outer
	info.uleb(7)
	strAttr(&info, "second")
	info.u64(base + 0x1100)
	info.u32(0x80)
	info.u8(0) // end CU
	info.at(0, uint32(info.len()-4))

	// .debug_line
	var line, lineStr asm
	line.u32(0)
	line.u16(uint16(version))
	if v5 {
		line.u8(8)
		line.u8(0)
	}
	hlenAt := line.len()
	line.u32(0)
	line.u8(1)           // minimum_instruction_length
	line.u8(1)           // maximum_operations_per_instruction
	line.u8(1)           // default_is_stmt
	line.u8(uint8(0xfb)) // line_base −5
	line.u8(14)          // line_range
	line.u8(13)          // opcode_base
	line.b = append(line.b, 0, 1, 1, 1, 1, 0, 0, 0, 1, 0, 0, 1)
	if v5 {
		lstr := func(s string) { line.u32(uint32(lineStr.len())); lineStr.str(s) }
		line.u8(1)
		line.uleb(1) // DW_LNCT_path
		line.uleb(formLineStrp)
		line.uleb(2)
		lstr("/src")
		lstr("inc")
		line.u8(2)
		line.uleb(1)
		line.uleb(formLineStrp)
		line.uleb(2) // DW_LNCT_directory_index
		line.uleb(formUdata)
		line.uleb(3)
		lstr("main.c")
		line.uleb(0)
		lstr("main.c")
		line.uleb(0)
		lstr("h.h")
		line.uleb(1)
	} else {
		line.str("inc")
		line.u8(0)
		line.str("main.c")
		line.uleb(0)
		line.uleb(0)
		line.uleb(0)
		line.str("h.h")
		line.uleb(1)
		line.uleb(0)
		line.uleb(0)
		line.u8(0)
	}
	line.at(hlenAt, uint32(line.len()-hlenAt-4))
	curLine := int64(1)
	row := func(addr uint64, file uint64, ln int64, col uint64) {
		line.u8(0)
		line.uleb(9)
		line.u8(2) // DW_LNE_set_address
		line.u64(base + addr)
		line.u8(4)
		line.uleb(file)
		line.u8(3)
		line.sleb(ln - curLine)
		curLine = ln
		line.u8(5)
		line.uleb(col)
		line.u8(1) // DW_LNS_copy
	}
	row(0x1000, 1, 10, 1)
	row(0x1010, 1, 20, 3)
	row(0x1020, 2, 3, 5)
	row(0x1030, 1, 21, 2)
	row(0x1040, 2, 4, 5)
	row(0x1048, 1, 22, 1)
	row(0x1100, 1, 30, 1)
	line.u8(0)
	line.uleb(9)
	line.u8(2)
	line.u64(base + 0x1180)
	line.u8(0)
	line.uleb(1)
	line.u8(1) // DW_LNE_end_sequence
	line.at(0, uint32(line.len()-4))

	secs := []genSection{
		{seg: "__DWARF", name: "__debug_abbrev", data: ab.b},
		{seg: "__DWARF", name: "__debug_info", data: info.b},
		{seg: "__DWARF", name: "__debug_line", data: line.b},
		{seg: "__DWARF", name: "__debug_str", data: str.b},
	}
	if v5 {
		stroffs.at(0, uint32(stroffs.len()-4))
		var addr asm
		addr.u32(0)
		addr.u16(5)
		addr.u8(8)
		addr.u8(0)
		addr.u64(base + 0x1000)
		addr.at(0, uint32(addr.len()-4))
		var rl asm
		rl.u32(0)
		rl.u16(5)
		rl.u8(8)
		rl.u8(0)
		rl.u32(1) // offset_entry_count
		rl.u32(4) // list 0 starts right after the offsets array
		rl.u8(4)  // DW_RLE_offset_pair
		rl.uleb(0x20)
		rl.uleb(0x30)
		rl.u8(4)
		rl.uleb(0x40)
		rl.uleb(0x48)
		rl.u8(0) // DW_RLE_end_of_list
		rl.at(0, uint32(rl.len()-4))
		secs = append(secs,
			genSection{seg: "__DWARF", name: "__debug_str_offs", data: stroffs.b},
			genSection{seg: "__DWARF", name: "__debug_addr", data: addr.b},
			genSection{seg: "__DWARF", name: "__debug_rnglists", data: rl.b},
			genSection{seg: "__DWARF", name: "__debug_line_str", data: lineStr.b})
	} else {
		var rg asm
		rg.u64(0x20)
		rg.u64(0x30)
		rg.u64(0x40)
		rg.u64(0x48)
		rg.u64(0)
		rg.u64(0)
		secs = append(secs, genSection{seg: "__DWARF", name: "__debug_ranges", data: rg.b})
	}
	if withAranges {
		var ar asm
		ar.u32(0)
		ar.u16(2)
		ar.u32(0)
		ar.u8(8)
		ar.u8(0)
		ar.u32(0) // pad to 16
		ar.u64(base + 0x1000)
		ar.u64(0x180)
		ar.u64(0)
		ar.u64(0)
		ar.at(0, uint32(ar.len()-4))
		secs = append(secs, genSection{seg: "__DWARF", name: "__debug_aranges", data: ar.b})
	}
	return secs
}

// genTestImage returns a complete test image: __TEXT,__text at base+0xf00
// (0x300 bytes), the DWARF program of genDWARF, and symbols for outer,
// second, an assembly function with no DWARF, and __mh_execute_header.
func genTestImage(version int, base uint64, filetype uint32, withAranges bool) []byte {
	g := &genImage{
		cpu: cpuARM64, filetype: filetype,
		uuid:     [16]byte{0x11, 0x22, 0x33, 0x44, 0x55, 0x66, 0x77, 0x88, 0x99, 0xaa, 0xbb, 0xcc, 0xdd, 0xee, 0xff, byte(version)},
		textAddr: base, textSize: 0x2000,
		sections: append([]genSection{{seg: "__TEXT", name: "__text", addr: base + 0xf00, size: 0x300, flags: 0x80000400}},
			genDWARF(version, base, withAranges)...),
		symbols: []genSymbol{
			{name: "__mh_execute_header", addr: base, ext: true},
			{name: "__Z5outerv", addr: base + 0x1000, ext: true},
			{name: "_second", addr: base + 0x1100},
			{name: "_asm_fn", addr: base + 0x1180, ext: true},
		},
	}
	return g.build()
}

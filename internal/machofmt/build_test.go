package machofmt

import (
	"encoding/binary"
)

// testImage describes a small Mach-O image for the tests to encode.
type testImage struct {
	is64        bool
	segments    []Segment
	uuid        []byte // nil: no LC_UUID
	installName string
	symtab      *Symtab
	dysymtab    *Dysymtab
	starts      *LinkeditData
	trie        *LinkeditData
	dyldInfo    *LinkeditData // export range in LC_DYLD_INFO_ONLY
}

// encode writes the image's header and load commands (little-endian).
func (im *testImage) encode() []byte {
	le := binary.LittleEndian
	var cmds []byte
	add := func(cmd uint32, body []byte) {
		size := 8 + len(body)
		if pad := size % 8; pad != 0 {
			body = append(body, make([]byte, 8-pad)...)
			size += 8 - pad
		}
		cmds = le.AppendUint32(cmds, cmd)
		cmds = le.AppendUint32(cmds, uint32(size))
		cmds = append(cmds, body...)
	}
	name16 := func(s string) []byte { b := make([]byte, 16); copy(b, s); return b }
	word := func(b []byte, v uint64) []byte {
		if im.is64 {
			return le.AppendUint64(b, v)
		}
		return le.AppendUint32(b, uint32(v))
	}
	for _, s := range im.segments {
		b := name16(s.Name)
		b = word(b, s.Addr)
		b = word(b, s.Size)
		b = word(b, s.Offset)
		b = word(b, s.FileSize)
		b = le.AppendUint32(b, s.MaxProt)
		b = le.AppendUint32(b, s.InitProt)
		b = le.AppendUint32(b, uint32(len(s.Sections)))
		b = le.AppendUint32(b, s.Flags)
		for _, sec := range s.Sections {
			b = append(b, name16(sec.Name)...)
			b = append(b, name16(sec.Seg)...)
			b = word(b, sec.Addr)
			b = word(b, sec.Size)
			b = le.AppendUint32(b, sec.Offset)
			b = le.AppendUint32(b, sec.Align)
			b = append(b, make([]byte, 8)...)
			b = le.AppendUint32(b, sec.Flags)
			b = append(b, make([]byte, 8)...)
			if im.is64 {
				b = append(b, make([]byte, 4)...)
			}
		}
		cmd := LCSegment
		if im.is64 {
			cmd = LCSegment64
		}
		// Segment commands must not be padded beyond their sections.
		size := 8 + len(b)
		cmds = le.AppendUint32(cmds, cmd)
		cmds = le.AppendUint32(cmds, uint32(size))
		cmds = append(cmds, b...)
	}
	if im.installName != "" {
		b := le.AppendUint32(nil, 24)
		b = append(b, make([]byte, 12)...)
		b = append(b, im.installName...)
		b = append(b, 0)
		add(LCIDDylib, b)
	}
	if im.uuid != nil {
		add(LCUUID, im.uuid)
	}
	if s := im.symtab; s != nil {
		b := le.AppendUint32(nil, s.SymOff)
		b = le.AppendUint32(b, s.NSyms)
		b = le.AppendUint32(b, s.StrOff)
		b = le.AppendUint32(b, s.StrSize)
		add(LCSymtab, b)
	}
	if d := im.dysymtab; d != nil {
		var b []byte
		for _, v := range []uint32{d.ILocalSym, d.NLocalSym, d.IExtDefSym, d.NExtDefSym, d.IUndefSym, d.NUndefSym,
			d.TOCOff, d.NTOC, d.ModTabOff, d.NModTab, d.ExtRefSymOff, d.NExtRefSyms,
			d.IndirectSymOff, d.NIndirectSyms, d.ExtRelOff, d.NExtRel, d.LocRelOff, d.NLocRel} {
			b = le.AppendUint32(b, v)
		}
		add(LCDysymtab, b)
	}
	if d := im.starts; d != nil {
		add(LCFunctionStarts, le.AppendUint32(le.AppendUint32(nil, d.Off), d.Size))
	}
	if d := im.trie; d != nil {
		add(LCDyldExportsTrie, le.AppendUint32(le.AppendUint32(nil, d.Off), d.Size))
	}
	if d := im.dyldInfo; d != nil {
		b := make([]byte, 32)
		add(LCDyldInfoOnly, le.AppendUint32(le.AppendUint32(b, d.Off), d.Size))
	}
	ncmds := uint32(len(im.segments))
	for _, present := range []bool{im.installName != "", im.uuid != nil, im.symtab != nil, im.dysymtab != nil,
		im.starts != nil, im.trie != nil, im.dyldInfo != nil} {
		if present {
			ncmds++
		}
	}
	var h []byte
	if im.is64 {
		h = le.AppendUint32(h, Magic64)
		h = le.AppendUint32(h, 0x0100000c) // arm64
	} else {
		h = le.AppendUint32(h, Magic32)
		h = le.AppendUint32(h, 0x0200000c) // arm64_32
	}
	h = le.AppendUint32(h, 1)
	h = le.AppendUint32(h, 6) // MH_DYLIB
	h = le.AppendUint32(h, ncmds)
	h = le.AppendUint32(h, uint32(len(cmds)))
	h = le.AppendUint32(h, 0)
	if im.is64 {
		h = le.AppendUint32(h, 0)
	}
	return append(h, cmds...)
}

// sampleImage returns a representative dylib header for the given word size.
func sampleImage(is64 bool) *testImage {
	return &testImage{
		is64: is64,
		segments: []Segment{
			{Name: "__TEXT", Addr: 0x10000, Size: 0x4000, Offset: 0, FileSize: 0x4000, MaxProt: 5, InitProt: 5,
				Sections: []Section{
					{Name: "__text", Seg: "__TEXT", Addr: 0x10100, Size: 0x200, Offset: 0x100, Align: 2,
						Flags: SectionAttrPureInstructions | SectionAttrSomeInstructions},
					{Name: "__cstring", Seg: "__TEXT", Addr: 0x10300, Size: 0x40, Offset: 0x300, Flags: 2},
				}},
			{Name: "__DATA", Addr: 0x14000, Size: 0x1000, Offset: 0x4000, FileSize: 0x1000, MaxProt: 3, InitProt: 3},
			{Name: "__LINKEDIT", Addr: 0x20000, Size: 0x1000, Offset: 0x400, FileSize: 0x100, MaxProt: 1, InitProt: 1},
		},
		uuid:        []byte{0xde, 0xad, 0xbe, 0xef, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12},
		installName: "/usr/lib/libtest.dylib",
		symtab:      &Symtab{SymOff: 0x400, NSyms: 3, StrOff: 0x440, StrSize: 0x20},
		dysymtab:    &Dysymtab{ILocalSym: 0, NLocalSym: 1, IExtDefSym: 1, NExtDefSym: 2, IUndefSym: 3},
		starts:      &LinkeditData{Off: 0x460, Size: 8},
		trie:        &LinkeditData{Off: 0x470, Size: 0x30},
	}
}

package machofmt

import (
	"encoding/binary"
	"fmt"

	"github.com/symbolicate/symbolicate/diag"
	"github.com/symbolicate/symbolicate/internal/bin"
)

// Parse decodes the Mach-O header and load commands at the start of b. b may
// extend past the load commands (for example to the end of a cache mapping);
// only the header and sizeofcmds bytes are read. Unknown load commands are
// kept in Loads and otherwise ignored.
func Parse(b []byte) (*File, error) {
	if len(b) < 4 {
		return nil, fmt.Errorf("%w: %d bytes", ErrNotMachO, len(b))
	}
	f := &File{}
	switch m := binary.LittleEndian.Uint32(b); m {
	case Magic32, Magic64:
		f.ByteOrder = binary.LittleEndian
		f.Is64 = m == Magic64
	default:
		switch binary.BigEndian.Uint32(b) {
		case Magic32:
			f.ByteOrder = binary.BigEndian
		case Magic64:
			f.ByteOrder = binary.BigEndian
			f.Is64 = true
		default:
			return nil, fmt.Errorf("%w: magic %#08x", ErrNotMachO, m)
		}
	}
	r := bin.NewReader(format, b, f.ByteOrder, 0)
	f.Magic = r.U32("magic")
	f.CPU = r.U32("cputype")
	f.SubCPU = r.U32("cpusubtype")
	f.Type = r.U32("filetype")
	f.NCmds = r.U32("ncmds")
	f.SizeOfCmds = r.U32("sizeofcmds")
	f.Flags = r.U32("flags")
	if f.Is64 {
		r.U32("reserved")
	}
	if err := r.Err(); err != nil {
		return nil, err
	}
	hdr := f.HeaderSize()
	cmds := r.Bytes(uint64(f.SizeOfCmds), "load commands")
	if err := r.Err(); err != nil {
		return nil, err
	}
	// Each command is at least 8 bytes, which bounds NCmds by the data.
	if bin.SliceCap(uint64(f.NCmds), 8, uint64(len(cmds))) < 0 {
		return nil, diag.Errorf(format, 16, "ncmds", "%d load commands cannot fit in sizeofcmds %d", f.NCmds, f.SizeOfCmds)
	}
	f.Loads = make([]Load, 0, f.NCmds)
	off := 0
	for i := uint32(0); i < f.NCmds; i++ {
		lr := bin.NewReader(format, cmds[off:], f.ByteOrder, int64(hdr+off))
		cmd := lr.U32("cmd")
		size := lr.U32("cmdsize")
		if err := lr.Err(); err != nil {
			return nil, err
		}
		if size < 8 || uint64(size) > uint64(len(cmds)-off) {
			return nil, diag.Errorf(format, int64(hdr+off+4), "cmdsize",
				"load command %d (%#x) size %d does not fit in the %d bytes left", i, cmd, size, len(cmds)-off)
		}
		data := cmds[off : off+int(size) : off+int(size)]
		l := Load{Cmd: cmd, Offset: uint32(hdr + off), Data: data}
		f.Loads = append(f.Loads, l)
		if err := f.decodeLoad(l); err != nil {
			return nil, err
		}
		off += int(size)
	}
	return f, nil
}

// decodeLoad fills the File fields for the load commands this package knows.
func (f *File) decodeLoad(l Load) error {
	r := bin.NewReader(format, l.Data, f.ByteOrder, int64(l.Offset))
	r.Skip(8, "load command header")
	switch l.Cmd {
	case LCSegment, LCSegment64:
		seg, err := f.decodeSegment(l, r)
		if err != nil {
			return err
		}
		f.Segments = append(f.Segments, seg)
	case LCSymtab:
		f.Symtab = &Symtab{
			SymOff: r.U32("symoff"), NSyms: r.U32("nsyms"),
			StrOff: r.U32("stroff"), StrSize: r.U32("strsize"),
		}
	case LCDysymtab:
		d := &Dysymtab{}
		for _, p := range []*uint32{
			&d.ILocalSym, &d.NLocalSym, &d.IExtDefSym, &d.NExtDefSym, &d.IUndefSym, &d.NUndefSym,
			&d.TOCOff, &d.NTOC, &d.ModTabOff, &d.NModTab, &d.ExtRefSymOff, &d.NExtRefSyms,
			&d.IndirectSymOff, &d.NIndirectSyms, &d.ExtRelOff, &d.NExtRel, &d.LocRelOff, &d.NLocRel,
		} {
			*p = r.U32("dysymtab")
		}
		f.Dysymtab = d
	case LCUUID:
		copy(f.UUID[:], r.Bytes(16, "uuid"))
		f.HasUUID = !r.Failed()
	case LCIDDylib:
		nameOff := r.U32("dylib name offset")
		if r.Failed() {
			break
		}
		s, ok := bin.CStringAt(l.Data, uint64(nameOff), maxInstallNameSize)
		if !ok || nameOff < 24 {
			return diag.Errorf(format, int64(l.Offset)+8, "LC_ID_DYLIB name",
				"name offset %d is outside the command or the name is not terminated", nameOff)
		}
		f.InstallName = s
	case LCFunctionStarts:
		f.FunctionStarts = &LinkeditData{Off: r.U32("dataoff"), Size: r.U32("datasize")}
	case LCDyldExportsTrie:
		f.ExportTrie = &LinkeditData{Off: r.U32("dataoff"), Size: r.U32("datasize")}
	case LCDyldInfo, LCDyldInfoOnly:
		r.Skip(32, "rebase/bind ranges")
		off, size := r.U32("export_off"), r.U32("export_size")
		if !r.Failed() && size != 0 && f.ExportTrie == nil {
			f.ExportTrie = &LinkeditData{Off: off, Size: size}
		}
	}
	return r.Err()
}

// decodeSegment decodes an LC_SEGMENT(_64) command and its sections.
func (f *File) decodeSegment(l Load, r *bin.Reader) (Segment, error) {
	var s Segment
	is64 := l.Cmd == LCSegment64
	s.Name = cstr(r.Bytes(16, "segname"))
	word := func(field string) uint64 {
		if is64 {
			return r.U64(field)
		}
		return uint64(r.U32(field))
	}
	s.Addr = word("vmaddr")
	s.Size = word("vmsize")
	s.Offset = word("fileoff")
	s.FileSize = word("filesize")
	s.MaxProt = r.U32("maxprot")
	s.InitProt = r.U32("initprot")
	nsects := r.U32("nsects")
	s.Flags = r.U32("flags")
	if err := r.Err(); err != nil {
		return s, err
	}
	sectSize := uint64(68)
	if is64 {
		sectSize = 80
	}
	n := bin.SliceCap(uint64(nsects), sectSize, uint64(r.Len()))
	if n < 0 {
		return s, diag.Errorf(format, r.Offset()-8, "nsects",
			"%d sections of %d bytes do not fit in segment command %q", nsects, sectSize, s.Name)
	}
	s.Sections = make([]Section, 0, n)
	for i := 0; i < n; i++ {
		var sec Section
		sec.Name = cstr(r.Bytes(16, "sectname"))
		sec.Seg = cstr(r.Bytes(16, "segname"))
		sec.Addr = word("addr")
		sec.Size = word("size")
		sec.Offset = r.U32("offset")
		sec.Align = r.U32("align")
		r.Skip(8, "reloff/nreloc")
		sec.Flags = r.U32("flags")
		r.Skip(8, "reserved1/2")
		if is64 {
			r.Skip(4, "reserved3")
		}
		s.Sections = append(s.Sections, sec)
	}
	return s, r.Err()
}

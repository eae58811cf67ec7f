// Package machofmt decodes the parts of a Mach-O image a symbolicator needs:
// the header, segments and sections, LC_UUID, LC_ID_DYLIB, LC_SYMTAB,
// LC_DYSYMTAB, LC_FUNCTION_STARTS and the export-trie location
// (LC_DYLD_EXPORTS_TRIE or LC_DYLD_INFO[_ONLY]); it also decodes
// function-start tables, export tries and nlist/nlist_64 entries.
//
// It works on byte slices (typically a memory-mapped file or a slice of a
// dyld shared cache, see ../shared/specs/dyld-formats.md §5.8) and trusts
// nothing it reads: every count, offset and size is checked against the bytes
// that remain, errors are *diag.FormatError values naming the offset and field,
// and no input can make it panic or allocate more than a small multiple of the
// input size. Link-edit offsets (symoff, stroff, dataoff, …) are returned as
// found; resolving them to bytes is the caller's job, because inside a shared
// cache they are relative to the file holding __LINKEDIT, not to this header.
package machofmt

import (
	"bytes"
	"encoding/binary"
	"errors"
)

// format is the Format of every *diag.FormatError this package returns.
const format = "mach-o"

// Magic numbers of thin Mach-O headers, as read little-endian.
const (
	Magic32 uint32 = 0xfeedface
	Magic64 uint32 = 0xfeedfacf
)

// Load command numbers this package decodes (from <mach-o/loader.h>).
const (
	LCReqDyld          uint32 = 0x80000000
	LCSegment          uint32 = 0x1
	LCSymtab           uint32 = 0x2
	LCDysymtab         uint32 = 0xb
	LCIDDylib          uint32 = 0xd
	LCSegment64        uint32 = 0x19
	LCUUID             uint32 = 0x1b
	LCDyldInfo         uint32 = 0x22
	LCDyldInfoOnly     uint32 = 0x22 | LCReqDyld
	LCFunctionStarts   uint32 = 0x26
	LCDyldExportsTrie  uint32 = 0x33 | LCReqDyld
	headerSize32              = 28
	headerSize64              = 32
	maxInstallNameSize        = 4096
)

// ErrNotMachO is returned by [Parse] when the data does not start with a thin
// Mach-O magic number.
var ErrNotMachO = errors.New("not a thin Mach-O image")

// File is a decoded Mach-O header and the load commands this package knows.
// Slices in it (Loads[i].Data) alias the input.
type File struct {
	Header
	// Is64 reports a 64-bit image (mach_header_64, LC_SEGMENT_64, nlist_64).
	Is64 bool
	// ByteOrder is the byte order of the image (little-endian for every Apple
	// target since PowerPC).
	ByteOrder binary.ByteOrder
	// Loads lists every load command in file order.
	Loads []Load
	// Segments lists LC_SEGMENT / LC_SEGMENT_64 commands in file order.
	Segments []Segment
	// UUID is the LC_UUID payload; HasUUID reports whether one was present.
	UUID    [16]byte
	HasUUID bool
	// InstallName is the LC_ID_DYLIB path; "" for non-dylibs.
	InstallName string
	// Symtab is the LC_SYMTAB command, or nil.
	Symtab *Symtab
	// Dysymtab is the LC_DYSYMTAB command, or nil.
	Dysymtab *Dysymtab
	// FunctionStarts is the LC_FUNCTION_STARTS range, or nil.
	FunctionStarts *LinkeditData
	// ExportTrie is the export trie range from LC_DYLD_EXPORTS_TRIE, or from
	// LC_DYLD_INFO[_ONLY] when that is absent; nil when neither has one.
	ExportTrie *LinkeditData
}

// Header is the fixed mach_header(_64) prefix.
type Header struct {
	Magic      uint32
	CPU        uint32
	SubCPU     uint32
	Type       uint32
	NCmds      uint32
	SizeOfCmds uint32
	Flags      uint32
}

// Load is one raw load command; Data (cmdsize bytes, including the 8-byte
// cmd/cmdsize prefix) aliases the input.
type Load struct {
	Cmd    uint32
	Offset uint32 // offset of the command from the start of the header
	Data   []byte
}

// Segment is an LC_SEGMENT or LC_SEGMENT_64 command.
type Segment struct {
	Name     string
	Addr     uint64 // vmaddr
	Size     uint64 // vmsize
	Offset   uint64 // fileoff
	FileSize uint64 // filesize
	MaxProt  uint32
	InitProt uint32
	Flags    uint32
	Sections []Section
}

// Section is one section of a segment.
type Section struct {
	Name   string
	Seg    string
	Addr   uint64
	Size   uint64
	Offset uint32
	Align  uint32
	Flags  uint32
}

// Section attribute bits of Section.Flags.
const (
	SectionAttrPureInstructions uint32 = 0x80000000
	SectionAttrSomeInstructions uint32 = 0x00000400
	SectionTypeMask             uint32 = 0xff
	SectionTypeZeroFill         uint32 = 0x1
)

// IsCode reports whether the section holds instructions.
func (s *Section) IsCode() bool {
	return s.Flags&(SectionAttrPureInstructions|SectionAttrSomeInstructions) != 0
}

// Contains reports whether addr lies in [Addr, Addr+Size).
func (s *Segment) Contains(addr uint64) bool { return addr >= s.Addr && addr-s.Addr < s.Size }

// Symtab is an LC_SYMTAB command. Offsets are link-edit file offsets.
type Symtab struct {
	SymOff  uint32
	NSyms   uint32
	StrOff  uint32
	StrSize uint32
}

// Dysymtab is an LC_DYSYMTAB command. Indexes are into the LC_SYMTAB entries.
type Dysymtab struct {
	ILocalSym      uint32
	NLocalSym      uint32
	IExtDefSym     uint32
	NExtDefSym     uint32
	IUndefSym      uint32
	NUndefSym      uint32
	TOCOff         uint32
	NTOC           uint32
	ModTabOff      uint32
	NModTab        uint32
	ExtRefSymOff   uint32
	NExtRefSyms    uint32
	IndirectSymOff uint32
	NIndirectSyms  uint32
	ExtRelOff      uint32
	NExtRel        uint32
	LocRelOff      uint32
	NLocRel        uint32
}

// LinkeditData is a (dataoff, datasize) range in the link-edit data.
type LinkeditData struct {
	Off  uint32
	Size uint32
}

// Segment returns the first segment named name, or nil.
func (f *File) Segment(name string) *Segment {
	for i := range f.Segments {
		if f.Segments[i].Name == name {
			return &f.Segments[i]
		}
	}
	return nil
}

// Section returns the first section named sect in segment seg, or nil.
func (f *File) Section(seg, sect string) *Section {
	for i := range f.Segments {
		s := &f.Segments[i]
		if s.Name != seg {
			continue
		}
		for j := range s.Sections {
			if s.Sections[j].Name == sect {
				return &s.Sections[j]
			}
		}
	}
	return nil
}

// HeaderSize returns the size of the mach_header for the image.
func (f *File) HeaderSize() int {
	if f.Is64 {
		return headerSize64
	}
	return headerSize32
}

// LinkeditFileToVM converts a link-edit file offset (symoff, stroff,
// dataoff, …) to a VM address through the __LINKEDIT segment, the way dyld
// does (VM = LINKEDIT.vmaddr + (off − LINKEDIT.fileoff)). ok is false when
// the image has no __LINKEDIT or off lies outside its file range.
func (f *File) LinkeditFileToVM(off uint64) (addr uint64, ok bool) {
	le := f.Segment("__LINKEDIT")
	if le == nil || off < le.Offset || off-le.Offset > le.FileSize {
		return 0, false
	}
	return le.Addr + (off - le.Offset), true
}

// cstr returns the NUL-trimmed string in a fixed-size name field.
func cstr(b []byte) string {
	if i := bytes.IndexByte(b, 0); i >= 0 {
		b = b[:i]
	}
	return string(b)
}

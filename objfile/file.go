package objfile

import (
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"sync/atomic"

	"github.com/symbolicate/symbolicate/diag"
	"github.com/symbolicate/symbolicate/internal/bin"
	"github.com/symbolicate/symbolicate/internal/machofmt"
	"github.com/symbolicate/symbolicate/internal/mmap"
	"github.com/symbolicate/symbolicate/process"
	"github.com/symbolicate/symbolicate/symbol"
)

// Mach-O file types (filetype in mach_header) this package names.
const (
	TypeObject  uint32 = 0x1
	TypeExecute uint32 = 0x2
	TypeDylib   uint32 = 0x6
	TypeBundle  uint32 = 0x8
	TypeDSYM    uint32 = 0xa
)

// maxLoadCommands bounds sizeofcmds. Real images stay below 64 KiB; the
// bound only keeps a lying header from making Scan read a whole file.
const maxLoadCommands = 16 << 20

// ErrNotMachO reports a file that is neither a thin nor a fat Mach-O file.
var ErrNotMachO = errors.New("not a Mach-O file")

// ErrSharedCache reports a dyld shared cache ("dyld_v1" magic), which this
// package does not read; see package dsc.
var ErrSharedCache = errors.New("dyld shared cache, not a Mach-O file")

// Kind says whether a slice is a program image or a debug-symbol companion.
type Kind uint8

// Kinds of slices.
const (
	KindBinary Kind = iota + 1 // executable, dylib, bundle, object, …
	KindDSYM                   // MH_DSYM: a dSYM's DWARF file
)

// String returns "binary" or "dSYM".
func (k Kind) String() string {
	switch k {
	case KindBinary:
		return "binary"
	case KindDSYM:
		return "dSYM"
	}
	return fmt.Sprintf("Kind(%d)", uint8(k))
}

// SliceInfo describes one architecture of a Mach-O file, from its headers.
type SliceInfo struct {
	// Arch is the architecture name (see [ArchName]); CPU and SubCPU are the
	// raw header values.
	Arch        string
	CPU, SubCPU uint32
	// UUID is the LC_UUID; HasUUID is false when the slice has none.
	UUID    process.UUID
	HasUUID bool
	// Type is the Mach-O filetype and Kind its classification.
	Type uint32
	Kind Kind
	// InstallName is the LC_ID_DYLIB path ("" for non-dylibs).
	InstallName string
	// Index is the slice's position in the fat arch table (0 for thin files);
	// Offset and Size locate it in the file.
	Index        int
	Offset, Size uint64
}

// Slice is one architecture of an open [File].
type Slice struct {
	SliceInfo
	file  *File
	data  []byte
	macho *machofmt.File
}

// File is a memory-mapped, read-only Mach-O file and its slices. It is safe
// for concurrent use; Close must not race with users of its slices.
type File struct {
	// Path is the path the file was opened with.
	Path string
	// Fat reports a universal file.
	Fat bool
	// Slices lists the slices that decoded, in arch-table order.
	Slices []*Slice
	// Warnings lists slices of a fat file that could not be decoded.
	Warnings []error

	m      *mmap.File
	broken atomic.Pointer[symbol.ChangedError] // set once the file changed on disk
}

// Open maps the Mach-O file at path read-only and decodes its slices. It
// fails when the file is not a Mach-O file (ErrNotMachO or ErrSharedCache)
// or when no slice decodes.
func Open(path string) (*File, error) {
	m, err := mmap.Open(path)
	if err != nil {
		return nil, fmt.Errorf("%w", err)
	}
	var f *File
	err = mmap.Guard(func() (err error) {
		f, err = NewFile(path, m.Data())
		return err
	})
	if err != nil {
		m.Close()
		return nil, err
	}
	f.m = m
	return f, nil
}

// NewFile decodes a Mach-O file held in data, which must stay unchanged while
// the File is in use. path is used only in messages. Close has no effect on
// data.
func NewFile(path string, data []byte) (*File, error) {
	infos, fat, warns, err := readSlices(bytesSource(data))
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	f := &File{Path: path, Fat: fat}
	for _, w := range warns {
		f.Warnings = append(f.Warnings, fmt.Errorf("%s: %w", path, w))
	}
	for _, in := range infos {
		s := &Slice{SliceInfo: in, file: f, data: data[in.Offset : in.Offset+in.Size]}
		// Decode again from the whole slice so that Loads alias the mapping.
		if s.macho, err = machofmt.Parse(s.data); err != nil {
			return nil, fmt.Errorf("%s: slice %d: %w", path, in.Index, err)
		}
		f.Slices = append(f.Slices, s)
	}
	return f, nil
}

// Close releases the mapping. Slices and anything built from them must not
// be used afterwards. Closing twice is a no-op.
func (f *File) Close() error {
	if f.m == nil {
		return nil
	}
	m := f.m
	f.m = nil
	return m.Close()
}

// Changed reports, once the file is known to have changed on disk, how that
// was noticed; it compares the file with the one on disk now. A File that
// changed stays broken: images using it answer nothing more.
func (f *File) Changed() *symbol.ChangedError {
	if b := f.broken.Load(); b != nil {
		return b
	}
	if f.m == nil {
		return nil
	}
	if err := f.m.Changed(); err != nil {
		return f.markChanged(err)
	}
	return nil
}

// markChanged records that the file changed; the first record wins.
func (f *File) markChanged(err error) *symbol.ChangedError {
	ce := &symbol.ChangedError{Source: f.Path, File: f.Path, Err: err}
	if f.broken.CompareAndSwap(nil, ce) {
		return ce
	}
	return f.broken.Load()
}

// contains reports whether a memory address lies in the file's mapping.
func (f *File) contains(addr uintptr) bool { return f.m != nil && f.m.Contains(addr) }

// Slice returns the slice with the given UUID, or nil.
func (f *File) Slice(u process.UUID) *Slice {
	for _, s := range f.Slices {
		if s.HasUUID && s.UUID == u {
			return s
		}
	}
	return nil
}

// File returns the file holding the slice.
func (s *Slice) File() *File { return s.file }

// Data returns the slice's bytes (a view of the mapping).
func (s *Slice) Data() []byte { return s.data }

// MachO returns the decoded header and load commands.
func (s *Slice) MachO() *machofmt.File { return s.macho }

// source reads byte ranges of a file for header decoding.
type source interface {
	size() uint64
	// read returns n bytes at off; it may return fewer at the end of the
	// file only when the caller asked past it.
	read(off, n uint64) ([]byte, error)
}

type bytesSource []byte

func (b bytesSource) size() uint64 { return uint64(len(b)) }
func (b bytesSource) read(off, n uint64) ([]byte, error) {
	end, ok := bin.Span(off, n, uint64(len(b)))
	if !ok {
		return nil, io.ErrUnexpectedEOF
	}
	return b[off:end], nil
}

// readerSource reads headers through an io.ReaderAt (Scan uses it so that
// only header bytes are read).
type readerSource struct {
	r io.ReaderAt
	n uint64
}

func (s readerSource) size() uint64 { return s.n }
func (s readerSource) read(off, n uint64) ([]byte, error) {
	if _, ok := bin.Span(off, n, s.n); !ok {
		return nil, io.ErrUnexpectedEOF
	}
	buf := make([]byte, n)
	if _, err := s.r.ReadAt(buf, int64(off)); err != nil {
		return nil, err
	}
	return buf, nil
}

// sniff classifies the first bytes of a file.
func sniff(b []byte) (thin, fat, cache bool) {
	if len(b) >= 7 && string(b[:7]) == "dyld_v1" {
		return false, false, true
	}
	if len(b) < 4 {
		return false, false, false
	}
	switch binary.LittleEndian.Uint32(b) {
	case machofmt.Magic32, machofmt.Magic64:
		return true, false, false
	}
	switch binary.BigEndian.Uint32(b) {
	case machofmt.Magic32, machofmt.Magic64:
		return true, false, false
	}
	_, fat = fatHeaderLen(b)
	return false, fat, false
}

// readSlices decodes the slice headers of a file. A fat file's damaged
// slices become warnings; the call fails only when the file is not Mach-O,
// its fat table is damaged, or no slice decodes.
func readSlices(src source) (infos []SliceInfo, fat bool, warns []error, err error) {
	head, err := src.read(0, min(src.size(), 8))
	if err != nil {
		return nil, false, nil, err
	}
	thin, fat, cache := sniff(head)
	switch {
	case cache:
		return nil, false, nil, ErrSharedCache
	case thin:
		s, err := readSlice(src, sliceRange{off: 0, size: src.size()})
		if err != nil {
			return nil, false, nil, err
		}
		return []SliceInfo{s}, false, nil, nil
	case !fat:
		return nil, false, nil, ErrNotMachO
	}
	n, _ := fatHeaderLen(head)
	table, err := src.read(0, uint64(n))
	if err != nil {
		return nil, true, nil, fmt.Errorf("fat header: %w", err)
	}
	ranges, err := parseFat(table, src.size())
	if err != nil {
		return nil, true, nil, err
	}
	for _, r := range ranges {
		s, err := readSlice(src, r)
		if err != nil {
			warns = append(warns, fmt.Errorf("slice %d (%s): %w", r.index, ArchName(r.cpu, r.subcpu), err))
			continue
		}
		if s.CPU != r.cpu {
			warns = append(warns, fmt.Errorf("slice %d: fat table says %s, header says %s",
				r.index, ArchName(r.cpu, r.subcpu), s.Arch))
		}
		infos = append(infos, s)
	}
	if len(infos) == 0 {
		return nil, true, warns, errors.Join(append([]error{errors.New("no slice decodes")}, warns...)...)
	}
	return infos, true, warns, nil
}

// readSlice decodes the Mach-O header and load commands of one slice.
func readSlice(src source, r sliceRange) (SliceInfo, error) {
	var s SliceInfo
	hdr, err := src.read(r.off, min(r.size, 32))
	if err != nil {
		return s, err
	}
	if len(hdr) < 28 {
		return s, fmt.Errorf("%w: %d-byte slice", ErrNotMachO, len(hdr))
	}
	var order binary.ByteOrder = binary.LittleEndian
	magic := order.Uint32(hdr)
	if magic != machofmt.Magic32 && magic != machofmt.Magic64 {
		order = binary.BigEndian
		magic = order.Uint32(hdr)
	}
	hsize := uint64(28)
	switch magic {
	case machofmt.Magic64:
		hsize = 32
	case machofmt.Magic32:
	default:
		return s, fmt.Errorf("%w: magic %#08x at %#x", ErrNotMachO, binary.BigEndian.Uint32(hdr), r.off)
	}
	sizeofcmds := uint64(order.Uint32(hdr[20:]))
	if sizeofcmds > maxLoadCommands || hsize+sizeofcmds > r.size {
		return s, diag.Errorf("mach-o", int64(r.off)+20, "sizeofcmds",
			"%d bytes of load commands do not fit in the %d-byte slice", sizeofcmds, r.size)
	}
	b, err := src.read(r.off, hsize+sizeofcmds)
	if err != nil {
		return s, err
	}
	m, err := machofmt.Parse(b)
	if err != nil {
		return s, err
	}
	s = SliceInfo{
		Arch: ArchName(m.CPU, m.SubCPU), CPU: m.CPU, SubCPU: m.SubCPU,
		UUID: m.UUID, HasUUID: m.HasUUID && m.UUID != process.UUID{},
		Type: m.Type, Kind: KindBinary, InstallName: m.InstallName,
		Index: r.index, Offset: r.off, Size: r.size,
	}
	if m.Type == TypeDSYM {
		s.Kind = KindDSYM
	}
	return s, nil
}

package dsc

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"

	"github.com/symbolicate/symbolicate/diag"
	"github.com/symbolicate/symbolicate/internal/bin"
	"github.com/symbolicate/symbolicate/internal/machofmt"
	"github.com/symbolicate/symbolicate/internal/symtab"
	"github.com/symbolicate/symbolicate/symbol"
)

// imageState holds an image's lazily built symbol table.
type imageState struct {
	once sync.Once
	tab  *symtab.Table
	err  error
	done atomic.Bool // tab and err are set
}

// localSymbols is the decoded dyld_cache_local_symbols_info of the .symbols
// file or of the main file (§5.6).
type localSymbols struct {
	nlist   machofmt.NlistTable
	strings []byte
	byDylib map[uint64]localEntry // dylibOffset → entry
	wide    bool                  // 64-bit entries: dylibOffset is a VM offset
	file    string
}

type localEntry struct {
	start, count uint32
}

// loadLocals decodes the local-symbols info once per cache. It returns nil
// (and no error) when the cache has no local symbols.
func (c *Cache) loadLocals() (*localSymbols, error) {
	c.localsOnce.Do(func() {
		c.localsErr = c.guard(func() (err error) {
			c.locals, err = c.decodeLocals()
			return err
		})
	})
	return c.locals, c.localsErr
}

func (c *Cache) decodeLocals() (*localSymbols, error) {
	h := c.hdr
	var f *cacheFile
	wide := h.splitLocals()
	if wide {
		f = c.symbols
	} else if h.Has(endLocalSymbols) && h.LocalSymbolsOffset != 0 && h.LocalSymbolsSize != 0 {
		f = c.files[0]
	}
	if f == nil {
		return nil, nil
	}
	fh := f.hdr
	if !fh.Has(endLocalSymbols) || fh.LocalSymbolsOffset == 0 {
		return nil, nil
	}
	end, ok := bin.Span(fh.LocalSymbolsOffset, fh.LocalSymbolsSize, uint64(len(f.data)))
	if !ok {
		return nil, fmt.Errorf("local symbols in %s: %w", f.info.Path, diag.Errorf(format, 0x48, "localSymbols",
			"range %#x+%#x runs past the end of the file (%#x bytes)", fh.LocalSymbolsOffset, fh.LocalSymbolsSize, len(f.data)))
	}
	blob := f.data[fh.LocalSymbolsOffset:end]
	base := int64(fh.LocalSymbolsOffset)
	r := bin.NewReader(format, blob, binary.LittleEndian, base)
	nlistOff, nlistCount := r.U32("nlistOffset"), r.U32("nlistCount")
	strOff, strSize := r.U32("stringsOffset"), r.U32("stringsSize")
	entOff, entCount := r.U32("entriesOffset"), r.U32("entriesCount")
	if err := r.Err(); err != nil {
		return nil, fmt.Errorf("local symbols in %s: %w", f.info.Path, err)
	}
	fail := func(field string, off uint32, msg string, args ...any) error {
		return fmt.Errorf("local symbols in %s: %w", f.info.Path, diag.Errorf(format, base+int64(off), field, msg, args...))
	}
	ls := &localSymbols{wide: wide, file: f.info.Path}
	if uint64(nlistOff) > uint64(len(blob)) {
		return nil, fail("nlistOffset", 0, "offset %#x is past the local symbols (%#x bytes)", nlistOff, len(blob))
	}
	var err error
	ls.nlist, err = machofmt.NewNlistTable(blob[nlistOff:], uint64(nlistCount), h.Is64(), binary.LittleEndian, base+int64(nlistOff))
	if err != nil {
		return nil, fmt.Errorf("local symbols in %s: %w", f.info.Path, err)
	}
	strEnd, ok := bin.Span(uint64(strOff), uint64(strSize), uint64(len(blob)))
	if !ok {
		return nil, fail("stringsOffset", 8, "strings %#x+%#x run past the local symbols (%#x bytes)", strOff, strSize, len(blob))
	}
	ls.strings = blob[strOff:strEnd]
	entSize := uint64(12)
	if wide {
		entSize = 16
	}
	if uint64(entOff) > uint64(len(blob)) || bin.SliceCap(uint64(entCount), entSize, uint64(len(blob))-uint64(entOff)) < 0 {
		return nil, fail("entriesCount", 20, "%d entries of %d bytes at %#x do not fit in the local symbols (%#x bytes)",
			entCount, entSize, entOff, len(blob))
	}
	ls.byDylib = make(map[uint64]localEntry, entCount)
	ents := blob[entOff:]
	for i := uint64(0); i < uint64(entCount); i++ {
		e := ents[i*entSize:]
		var dylibOff uint64
		if wide {
			dylibOff = binary.LittleEndian.Uint64(e)
			e = e[8:]
		} else {
			dylibOff = uint64(binary.LittleEndian.Uint32(e))
			e = e[4:]
		}
		le := localEntry{start: binary.LittleEndian.Uint32(e), count: binary.LittleEndian.Uint32(e[4:])}
		if _, ok := ls.nlist.Slice(uint64(le.start), uint64(le.start)+uint64(le.count)); !ok {
			return nil, fail("nlistStartIndex", entOff+uint32(i*entSize), "entry %d symbols [%d, +%d) are outside the %d local nlist entries",
				i, le.start, le.count, ls.nlist.Len())
		}
		if _, dup := ls.byDylib[dylibOff]; !dup {
			ls.byDylib[dylibOff] = le
		}
	}
	return ls, nil
}

// imageSymbols returns image i's symbol table, building it on first use.
func (c *Cache) imageSymbols(i int) (*symtab.Table, error) {
	st := &c.state[i]
	st.once.Do(func() {
		st.err = c.guard(func() (err error) {
			if ix := c.index.Load(); ix != nil {
				tab, ok, err := ix.table(i)
				if ok {
					st.tab = tab
					return nil
				}
				if err != nil {
					c.indexFailed(err)
				}
			}
			c.built.Add(1)
			st.tab, err = c.buildSymbols(i)
			return err
		})
		defer st.done.Store(true)
		if _, changed := errors.AsType[*symbol.ChangedError](st.err); changed {
			st.tab = nil
		} else if st.err != nil {
			st.err = fmt.Errorf("symbols of image %d (%s): %w", i, c.images[i].Path, st.err)
		}
	})
	return st.tab, st.err
}

// imageSyms gathers the symbol sources of one image.
type imageSyms struct {
	c     *Cache
	m     *machofmt.File
	segs  []machofmt.Segment // segments that can hold symbols
	b     symtab.Builder
	named []uint64 // addresses with a real (non-redacted) symtab name
}

// inImage reports whether addr lies in one of the image's segments.
func (s *imageSyms) inImage(addr uint64) bool {
	for i := range s.segs {
		if s.segs[i].Contains(addr) {
			return true
		}
	}
	return false
}

// linkedit returns the link-edit bytes at file offset off (size n) of this
// image, translating through the __LINKEDIT segment's VM address (§5.8).
func (s *imageSyms) linkedit(off, n uint64, what string) ([]byte, error) {
	vm, ok := s.m.LinkeditFileToVM(off)
	if !ok {
		return nil, diag.Errorf(format, int64(off), what, "offset %#x is outside the image's __LINKEDIT", off)
	}
	b, ok := s.c.bytesAt(vm, n)
	if !ok {
		return nil, diag.Errorf(format, int64(off), what, "%#x bytes at %#x (VM %#x) are outside the cache mappings", n, off, vm)
	}
	return b, nil
}

func (c *Cache) buildSymbols(i int) (*symtab.Table, error) {
	im := &c.images[i]
	m, err := c.parseMachO(im.Address)
	if err != nil {
		return nil, err
	}
	s := &imageSyms{c: c, m: m}
	for _, seg := range m.Segments {
		if seg.Size != 0 && seg.Name != "__LINKEDIT" && seg.Name != "__PAGEZERO" {
			s.segs = append(s.segs, seg)
		}
	}
	if err := s.addSymtab(); err != nil {
		return nil, err
	}
	if err := s.addLocals(im); err != nil {
		return nil, err
	}
	if err := s.addFunctionStarts(); err != nil {
		return nil, err
	}
	if err := s.addExports(im); err != nil {
		return nil, err
	}
	// Code ends at the end of each code section and of each segment, so an
	// address in __stubs or __DATA does not extend the last function.
	for _, seg := range s.segs {
		for _, sec := range seg.Sections {
			if sec.IsCode() {
				s.b.AddEnd(sec.Addr + sec.Size)
			}
		}
		s.b.AddEnd(seg.Addr + seg.Size)
	}
	return s.b.Build(), nil
}

// addSymtab adds the image's defined symbols from the shared LINKEDIT
// symbol table: the LC_DYSYMTAB local and external-definition ranges, or
// every entry when there is no LC_DYSYMTAB.
func (s *imageSyms) addSymtab() error {
	st := s.m.Symtab
	if st == nil || st.NSyms == 0 {
		return nil
	}
	size := uint64(machofmt.NlistSize(s.m.Is64))
	raw, err := s.linkedit(uint64(st.SymOff), uint64(st.NSyms)*size, "LC_SYMTAB symoff")
	if err != nil {
		return err
	}
	tab, err := machofmt.NewNlistTable(raw, uint64(st.NSyms), s.m.Is64, s.m.ByteOrder, int64(st.SymOff))
	if err != nil {
		return err
	}
	strs, err := s.linkedit(uint64(st.StrOff), uint64(st.StrSize), "LC_SYMTAB stroff")
	if err != nil {
		return err
	}
	pool, _ := s.b.AddPool(strs)
	ranges := [][2]uint32{{0, st.NSyms}}
	if d := s.m.Dysymtab; d != nil {
		ranges = [][2]uint32{{d.ILocalSym, d.NLocalSym}, {d.IExtDefSym, d.NExtDefSym}}
	}
	for _, rg := range ranges {
		part, ok := tab.Slice(uint64(rg[0]), uint64(rg[0])+uint64(rg[1]))
		if !ok {
			return diag.Errorf(format, int64(st.SymOff), "LC_DYSYMTAB",
				"symbol range [%d, +%d) is outside the image's %d symbols", rg[0], rg[1], st.NSyms)
		}
		s.b.Grow(part.Len())
		for j := 0; j < part.Len(); j++ {
			n := part.At(j)
			if !n.IsDefined() || !s.inImage(n.Value) {
				continue
			}
			rank := symtab.RankLocal
			if n.IsExternal() {
				rank = symtab.RankGlobal
			}
			s.b.Add(n.Value, pool, n.Strx, rank)
			if !isRedacted(strs, n.Strx) {
				s.named = append(s.named, n.Value)
			}
		}
	}
	return nil
}

// addLocals adds the image's real local symbol names from the .symbols file
// or the in-cache local symbols.
func (s *imageSyms) addLocals(im *Image) error {
	ls, err := s.c.loadLocals()
	if err != nil || ls == nil {
		return err
	}
	var key uint64
	if ls.wide {
		key = im.Address - s.c.base
	} else {
		_, off, ok := s.c.fileOffsetOf(im.Address)
		if !ok {
			return nil
		}
		key = off
	}
	e, ok := ls.byDylib[key]
	if !ok {
		return nil
	}
	part, _ := ls.nlist.Slice(uint64(e.start), uint64(e.start)+uint64(e.count))
	pool, _ := s.b.AddPool(ls.strings)
	s.b.Grow(part.Len())
	for j := 0; j < part.Len(); j++ {
		n := part.At(j)
		if n.IsDefined() && s.inImage(n.Value) {
			s.b.Add(n.Value, pool, n.Strx, symtab.RankLocal)
		}
	}
	return nil
}

// addFunctionStarts adds LC_FUNCTION_STARTS as unnamed starts.
func (s *imageSyms) addFunctionStarts() error {
	fs := s.m.FunctionStarts
	text := s.m.Segment("__TEXT")
	if fs == nil || fs.Size == 0 || text == nil {
		return nil
	}
	data, err := s.linkedit(uint64(fs.Off), uint64(fs.Size), "LC_FUNCTION_STARTS")
	if err != nil {
		return err
	}
	thumb := isARM32(s.c.hdr.Arch)
	return machofmt.ForEachFunctionStart(data, text.Addr, int64(fs.Off), func(a uint64) {
		if thumb {
			a &^= 1
		}
		if s.inImage(a) {
			s.b.AddStart(a)
		}
	})
}

// addExports adds export-trie names for addresses the symbol table does not
// name (trie-only exports).
func (s *imageSyms) addExports(im *Image) error {
	tr := s.m.ExportTrie
	if tr == nil || tr.Size == 0 {
		return nil
	}
	data, err := s.linkedit(uint64(tr.Off), uint64(tr.Size), "export trie")
	if err != nil {
		return err
	}
	named := symtab.NewAddrSet(s.named)
	thumb := isARM32(s.c.hdr.Arch)
	return machofmt.WalkExportTrie(data, int64(tr.Off), func(e *machofmt.Export) error {
		if e.IsReexport() || e.Kind() == machofmt.ExportKindAbsolute {
			return nil
		}
		a := im.Address + e.Address
		if thumb {
			a &^= 1
		}
		if named.Has(a) || !s.inImage(a) {
			return nil
		}
		s.b.AddName(a, e.Name, symtab.RankExport)
		return nil
	})
}

// redactedZ is the placeholder name with its terminator.
var redactedZ = []byte(symtab.Redacted + "\x00")

// isRedacted reports whether the string at strx in strs is "<redacted>".
func isRedacted(strs []byte, strx uint32) bool {
	return uint64(strx) < uint64(len(strs)) && bytes.HasPrefix(strs[strx:], redactedZ)
}

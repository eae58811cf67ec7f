package objfile

import (
	"github.com/symbolicate/symbolicate/diag"
	"github.com/symbolicate/symbolicate/internal/bin"
	"github.com/symbolicate/symbolicate/internal/machofmt"
	"github.com/symbolicate/symbolicate/internal/symtab"
)

// symbolSource gathers the symbol sources of one image into a symtab
// table: the nlist symbols of every slice given (a dSYM's symbol table is
// usually complete while the binary's may be stripped), the binary's
// LC_FUNCTION_STARTS, and export-trie names the symbol tables lack.
type symbolSource struct {
	b     symtab.Builder
	segs  []machofmt.Segment // segments that can hold code or data
	named []uint64           // addresses a symbol table names
	thumb bool
}

// buildSymbols builds the table for the given slices (nil entries are
// skipped). All must describe the same image (same UUID, same layout).
func buildSymbols(slices_ ...*Slice) (*symtab.Table, error) {
	s := &symbolSource{}
	var first *machofmt.File
	for _, sl := range slices_ {
		if sl != nil {
			first = sl.macho
			break
		}
	}
	if first == nil {
		return s.b.Build(), nil
	}
	s.thumb = first.CPU == cpuARM
	for _, seg := range first.Segments {
		if seg.Size != 0 && seg.Name != "__LINKEDIT" && seg.Name != "__PAGEZERO" && seg.Name != "__DWARF" {
			s.segs = append(s.segs, seg)
		}
	}
	for _, sl := range slices_ {
		if sl == nil {
			continue
		}
		if err := s.addSymtab(sl); err != nil {
			return nil, err
		}
	}
	named := symtab.NewAddrSet(s.named)
	for _, sl := range slices_ {
		if sl == nil || sl.Kind != KindBinary {
			continue
		}
		if err := s.addFunctionStarts(sl); err != nil {
			return nil, err
		}
		if err := s.addExports(sl, &named); err != nil {
			return nil, err
		}
	}
	// A code section is a boundary in both directions: a symbol before it
	// (such as __mh_execute_header) does not extend into it, and the last
	// function in it does not extend past its end. A symbol at the same
	// address wins over the end marker.
	for _, seg := range s.segs {
		for _, sec := range seg.Sections {
			if sec.IsCode() {
				s.b.AddEnd(sec.Addr)
				s.b.AddEnd(sec.Addr + sec.Size)
			}
		}
		s.b.AddEnd(seg.Addr + seg.Size)
	}
	return s.b.Build(), nil
}

// inImage reports whether addr lies in one of the image's segments.
func (s *symbolSource) inImage(addr uint64) bool {
	for i := range s.segs {
		if s.segs[i].Contains(addr) {
			return true
		}
	}
	return false
}

// linkedit returns n bytes at link-edit offset off of the slice; in a file
// these offsets are relative to the slice's Mach-O header.
func linkedit(sl *Slice, off, n uint64, what string) ([]byte, error) {
	end, ok := bin.Span(off, n, uint64(len(sl.data)))
	if !ok {
		return nil, diag.Errorf("mach-o", int64(sl.Offset+off), what,
			"%#x bytes at %#x run past the end of the %#x-byte slice", n, off, len(sl.data))
	}
	return sl.data[off:end], nil
}

// addSymtab adds the slice's defined, non-debugging symbols.
func (s *symbolSource) addSymtab(sl *Slice) error {
	m := sl.macho
	st := m.Symtab
	if st == nil || st.NSyms == 0 {
		return nil
	}
	size := uint64(machofmt.NlistSize(m.Is64))
	raw, err := linkedit(sl, uint64(st.SymOff), uint64(st.NSyms)*size, "LC_SYMTAB symoff")
	if err != nil {
		return err
	}
	tab, err := machofmt.NewNlistTable(raw, uint64(st.NSyms), m.Is64, m.ByteOrder, int64(sl.Offset)+int64(st.SymOff))
	if err != nil {
		return err
	}
	strs, err := linkedit(sl, uint64(st.StrOff), uint64(st.StrSize), "LC_SYMTAB stroff")
	if err != nil {
		return err
	}
	pool, ok := s.b.AddPool(strs)
	if !ok {
		return diag.Errorf("mach-o", int64(sl.Offset)+int64(st.StrOff), "LC_SYMTAB", "too many string pools")
	}
	s.b.Grow(tab.Len())
	for j := 0; j < tab.Len(); j++ {
		n := tab.At(j)
		if !n.IsDefined() {
			continue
		}
		addr := n.Value
		if s.thumb {
			addr &^= 1
		}
		if !s.inImage(addr) {
			continue
		}
		rank := symtab.RankLocal
		if n.IsExternal() {
			rank = symtab.RankGlobal
		}
		s.b.Add(addr, pool, n.Strx, rank)
		s.named = append(s.named, addr)
	}
	return nil
}

// addFunctionStarts adds LC_FUNCTION_STARTS as unnamed starts.
func (s *symbolSource) addFunctionStarts(sl *Slice) error {
	m := sl.macho
	fs := m.FunctionStarts
	text := m.Segment("__TEXT")
	if fs == nil || fs.Size == 0 || text == nil {
		return nil
	}
	data, err := linkedit(sl, uint64(fs.Off), uint64(fs.Size), "LC_FUNCTION_STARTS")
	if err != nil {
		return err
	}
	return machofmt.ForEachFunctionStart(data, text.Addr, int64(sl.Offset)+int64(fs.Off), func(a uint64) {
		if s.thumb {
			a &^= 1
		}
		if s.inImage(a) {
			s.b.AddStart(a)
		}
	})
}

// addExports adds export-trie names for addresses not in named, the
// addresses the symbol tables name (a stripped binary still exports its
// public symbols).
func (s *symbolSource) addExports(sl *Slice, named *symtab.AddrSet) error {
	m := sl.macho
	tr := m.ExportTrie
	text := m.Segment("__TEXT")
	if tr == nil || tr.Size == 0 || text == nil {
		return nil
	}
	data, err := linkedit(sl, uint64(tr.Off), uint64(tr.Size), "export trie")
	if err != nil {
		return err
	}
	return machofmt.WalkExportTrie(data, int64(sl.Offset)+int64(tr.Off), func(e *machofmt.Export) error {
		if e.IsReexport() || e.Kind() == machofmt.ExportKindAbsolute {
			return nil
		}
		a := text.Addr + e.Address
		if s.thumb {
			a &^= 1
		}
		if named.Has(a) || !s.inImage(a) {
			return nil
		}
		s.b.AddName(a, e.Name, symtab.RankExport)
		return nil
	})
}

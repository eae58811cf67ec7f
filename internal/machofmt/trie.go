package machofmt

import (
	"bytes"
	"encoding/binary"

	"github.com/symbolicate/symbolicate/diag"
	"github.com/symbolicate/symbolicate/internal/bin"
)

var binaryLE = binary.LittleEndian

// Export-trie terminal flags (EXPORT_SYMBOL_FLAGS_* in <mach-o/loader.h>).
const (
	ExportKindMask        uint64 = 0x03
	ExportKindRegular     uint64 = 0x00
	ExportKindThreadLocal uint64 = 0x01
	ExportKindAbsolute    uint64 = 0x02
	ExportWeakDefinition  uint64 = 0x04
	ExportReexport        uint64 = 0x08
	ExportStubAndResolver uint64 = 0x10
	ExportFunctionVariant uint64 = 0x20
	maxTrieDepth                 = 1024
	maxExportNameLen             = 1 << 16
)

// Export is one terminal of an export trie.
type Export struct {
	// Name is the symbol name. It aliases a buffer that is reused after the
	// callback returns; copy it to keep it.
	Name []byte
	// Flags holds the EXPORT_SYMBOL_FLAGS bits.
	Flags uint64
	// Address is the offset of the symbol from the image's mach_header
	// (an absolute value for ExportKindAbsolute); 0 for re-exports.
	Address uint64
	// Resolver is the resolver offset of a stub-and-resolver export.
	Resolver uint64
	// Ordinal and ImportName describe a re-export (ImportName "" = same name).
	Ordinal    uint64
	ImportName string
}

// IsReexport reports whether the export is a re-export of another image's symbol.
func (e *Export) IsReexport() bool { return e.Flags&ExportReexport != 0 }

// Kind returns the ExportKind* value.
func (e *Export) Kind() uint64 { return e.Flags & ExportKindMask }

// WalkExportTrie calls fn for every terminal node of the export trie b (the
// bytes at LC_DYLD_EXPORTS_TRIE dataoff/datasize). off is the trie's offset in
// its file, used in errors. The walk is iterative, limits depth and name
// length, rejects a node reached twice (so cyclic or shared-node tries fail
// instead of looping), and stops at the first error from fn.
func WalkExportTrie(b []byte, off int64, fn func(e *Export) error) error {
	if len(b) == 0 {
		return nil
	}
	w := trieWalk{b: b, off: off, visited: make([]uint64, (len(b)+63)/64), stack: []trieItem{{}}, name: make([]byte, 0, 256)}
	for len(w.stack) > 0 {
		it := w.stack[len(w.stack)-1]
		w.stack = w.stack[:len(w.stack)-1]
		if err := w.node(it, fn); err != nil {
			return err
		}
	}
	return nil
}

// trieItem is a node to visit: its offset, and the name leading to it (the
// first prefixLen bytes of the current name plus an edge label).
type trieItem struct {
	node      uint64
	prefixLen int
	labelPos  int // label bytes b[labelPos:labelPos+labelLen] to append
	labelLen  int
	depth     int
}

// trieWalk is the state of one WalkExportTrie.
type trieWalk struct {
	b       []byte
	off     int64
	visited []uint64 // a bit per trie offset
	stack   []trieItem
	name    []byte
	e       Export
}

// node visits one node: its terminal, if any, then queues its children.
func (w *trieWalk) node(it trieItem, fn func(e *Export) error) error {
	b, off := w.b, w.off
	if it.prefixLen+it.labelLen > maxExportNameLen {
		return diag.Errorf(format, off+int64(it.node), "export trie", "symbol name longer than %d bytes", maxExportNameLen)
	}
	w.name = append(w.name[:it.prefixLen], b[it.labelPos:it.labelPos+it.labelLen]...)
	if it.node >= uint64(len(b)) {
		return diag.Errorf(format, off+int64(it.node), "export trie node", "offset %#x is past the end of the trie (%#x bytes)", it.node, len(b))
	}
	if w.visited[it.node/64]&(1<<(it.node%64)) != 0 {
		return diag.Errorf(format, off+int64(it.node), "export trie node", "node reached twice (cycle)")
	}
	w.visited[it.node/64] |= 1 << (it.node % 64)

	r := bin.NewReader(format, b, binaryLE, off)
	r.Seek(it.node, "export trie node")
	termSize := r.ULEB128("terminal size")
	if err := r.Err(); err != nil {
		return err
	}
	termStart := uint64(r.Pos())
	childPos, ok := bin.Span(termStart, termSize, uint64(len(b)))
	if !ok {
		return diag.Errorf(format, off+int64(it.node), "terminal size", "%d bytes run past the end of the trie", termSize)
	}
	if termSize > 0 {
		if err := w.terminal(b[termStart:childPos], off+int64(termStart), fn); err != nil {
			return err
		}
	}
	r.Seek(childPos, "export trie children")
	return w.children(r, it)
}

// terminal decodes a terminal's export info and calls fn.
func (w *trieWalk) terminal(info []byte, at int64, fn func(e *Export) error) error {
	tr := bin.NewReader(format, info, binaryLE, at)
	w.e = Export{Name: w.name, Flags: tr.ULEB128("export flags")}
	e := &w.e
	switch {
	case e.Flags&ExportReexport != 0:
		e.Ordinal = tr.ULEB128("re-export ordinal")
		e.ImportName = tr.CString(maxExportNameLen, "re-export name")
	default:
		e.Address = tr.ULEB128("export address")
		if e.Flags&ExportStubAndResolver != 0 {
			e.Resolver = tr.ULEB128("resolver offset")
		}
	}
	if err := tr.Err(); err != nil {
		return err
	}
	return fn(e)
}

// children queues the children of node it, whose list r is at, so that they
// are visited in trie order.
func (w *trieWalk) children(r *bin.Reader, it trieItem) error {
	b, off := w.b, w.off
	n := int(r.U8("child count"))
	if err := r.Err(); err != nil {
		return err
	}
	if n > 0 && it.depth >= maxTrieDepth {
		return diag.Errorf(format, off+int64(it.node), "export trie", "deeper than %d levels", maxTrieDepth)
	}
	first := len(w.stack)
	for i := 0; i < n; i++ {
		labelPos := r.Pos()
		labelLen := bytes.IndexByte(b[labelPos:], 0)
		if labelLen < 0 {
			return diag.Errorf(format, off+int64(labelPos), "edge label", "not terminated")
		}
		r.Skip(uint64(labelLen)+1, "edge label")
		child := r.ULEB128("child node offset")
		if err := r.Err(); err != nil {
			return err
		}
		if child == 0 {
			return diag.Errorf(format, off+int64(r.Pos()), "child node offset", "zero (points at the root)")
		}
		w.stack = append(w.stack, trieItem{node: child, prefixLen: len(w.name), labelPos: labelPos,
			labelLen: labelLen, depth: it.depth + 1})
	}
	// Reverse the children so they are visited in trie order.
	for i, j := first, len(w.stack)-1; i < j; i, j = i+1, j-1 {
		w.stack[i], w.stack[j] = w.stack[j], w.stack[i]
	}
	return nil
}

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
	type item struct {
		node      uint64
		prefixLen int
		labelPos  int // label bytes b[labelPos:labelPos+labelLen] to append
		labelLen  int
		depth     int
	}
	visited := make([]uint64, (len(b)+63)/64)
	stack := []item{{}}
	name := make([]byte, 0, 256)
	var e Export
	for len(stack) > 0 {
		it := stack[len(stack)-1]
		stack = stack[:len(stack)-1]
		if it.prefixLen+it.labelLen > maxExportNameLen {
			return diag.Errorf(format, off+int64(it.node), "export trie", "symbol name longer than %d bytes", maxExportNameLen)
		}
		name = append(name[:it.prefixLen], b[it.labelPos:it.labelPos+it.labelLen]...)
		if it.node >= uint64(len(b)) {
			return diag.Errorf(format, off+int64(it.node), "export trie node", "offset %#x is past the end of the trie (%#x bytes)", it.node, len(b))
		}
		if visited[it.node/64]&(1<<(it.node%64)) != 0 {
			return diag.Errorf(format, off+int64(it.node), "export trie node", "node reached twice (cycle)")
		}
		visited[it.node/64] |= 1 << (it.node % 64)

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
			tr := bin.NewReader(format, b[termStart:childPos], binaryLE, off+int64(termStart))
			e = Export{Name: name, Flags: tr.ULEB128("export flags")}
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
			if err := fn(&e); err != nil {
				return err
			}
		}
		r.Seek(childPos, "export trie children")
		n := int(r.U8("child count"))
		if err := r.Err(); err != nil {
			return err
		}
		if n > 0 && it.depth >= maxTrieDepth {
			return diag.Errorf(format, off+int64(it.node), "export trie", "deeper than %d levels", maxTrieDepth)
		}
		first := len(stack)
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
			stack = append(stack, item{node: child, prefixLen: len(name), labelPos: labelPos,
				labelLen: labelLen, depth: it.depth + 1})
		}
		// Reverse the children so they are visited in trie order.
		for i, j := first, len(stack)-1; i < j; i, j = i+1, j-1 {
			stack[i], stack[j] = stack[j], stack[i]
		}
	}
	return nil
}

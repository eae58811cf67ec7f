package machofmt

import (
	"github.com/symbolicate/symbolicate/diag"
	"github.com/symbolicate/symbolicate/internal/bin"
)

// ForEachFunctionStart decodes an LC_FUNCTION_STARTS table: a run of ULEB128
// deltas ended by a zero (or the end of the data), the first relative to
// textAddr (the __TEXT vmaddr) and each later one to the previous start. It
// calls fn with every absolute start address, in increasing order. off is the
// table's offset in its file, used in errors.
func ForEachFunctionStart(b []byte, textAddr uint64, off int64, fn func(addr uint64)) error {
	r := bin.NewReader(format, b, binaryLE, off)
	addr := textAddr
	for r.Len() > 0 {
		pos := r.Pos()
		d := r.ULEB128("function start delta")
		if err := r.Err(); err != nil {
			return err
		}
		if d == 0 {
			return nil
		}
		next := addr + d
		if next < addr {
			return diag.Errorf(format, off+int64(pos), "function start delta", "address overflows 64 bits")
		}
		addr = next
		fn(addr)
	}
	return nil
}

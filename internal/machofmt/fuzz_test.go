package machofmt

import (
	"errors"
	"os"
	"path/filepath"
	"testing"

	"github.com/symbolicate/symbolicate/diag"
	"github.com/symbolicate/symbolicate/internal/bin"
)

// addSeeds adds every file in testdata as a fuzz seed.
func addSeeds(f *testing.F) {
	paths, _ := filepath.Glob(filepath.Join("testdata", "*"))
	for _, p := range paths {
		b, err := os.ReadFile(p)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
}

// FuzzImage parses a thin Mach-O and, when that succeeds, reads its symbol
// table, function starts and export trie from the same bytes. Any error must
// be a *diag.FormatError or ErrNotMachO; nothing may panic.
func FuzzImage(f *testing.F) {
	addSeeds(f)
	f.Fuzz(func(t *testing.T, data []byte) {
		m, err := Parse(data)
		if err != nil {
			checkErr(t, err)
			return
		}
		_ = m.Section("__TEXT", "__text")
		if st := m.Symtab; st != nil && uint64(st.SymOff) <= uint64(len(data)) {
			tab, err := NewNlistTable(data[st.SymOff:], uint64(st.NSyms), m.Is64, m.ByteOrder, int64(st.SymOff))
			if err != nil {
				checkErr(t, err)
			} else {
				var strs []byte
				if end, ok := bin.Span(uint64(st.StrOff), uint64(st.StrSize), uint64(len(data))); ok {
					strs = data[st.StrOff:end]
				}
				for i := 0; i < tab.Len(); i++ {
					bin.CStringAt(strs, uint64(tab.At(i).Strx), 4096)
				}
			}
		}
		if fs := m.FunctionStarts; fs != nil {
			if end, ok := bin.Span(uint64(fs.Off), uint64(fs.Size), uint64(len(data))); ok {
				checkErr(t, ForEachFunctionStart(data[fs.Off:end], 0x1000, int64(fs.Off), func(uint64) {}))
			}
		}
		if tr := m.ExportTrie; tr != nil {
			if end, ok := bin.Span(uint64(tr.Off), uint64(tr.Size), uint64(len(data))); ok {
				checkErr(t, WalkExportTrie(data[tr.Off:end], int64(tr.Off), func(*Export) error { return nil }))
			}
		}
	})
}

// FuzzExportTrie walks arbitrary bytes as an export trie.
func FuzzExportTrie(f *testing.F) {
	addSeeds(f)
	f.Fuzz(func(t *testing.T, data []byte) {
		n := 0
		err := WalkExportTrie(data, 0, func(e *Export) error {
			n++
			if len(e.Name) > maxExportNameLen {
				t.Fatalf("name of %d bytes", len(e.Name))
			}
			return nil
		})
		checkErr(t, err)
		if n > len(data) {
			t.Fatalf("%d exports from %d bytes", n, len(data))
		}
	})
}

func checkErr(t *testing.T, err error) {
	t.Helper()
	var fe *diag.FormatError
	if err != nil && !errors.As(err, &fe) && !errors.Is(err, ErrNotMachO) {
		t.Fatalf("error %v (%T) is not a *diag.FormatError", err, err)
	}
}

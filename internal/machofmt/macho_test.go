package machofmt

import (
	"bytes"
	"debug/macho"
	"encoding/binary"
	"errors"
	"fmt"
	"os"
	"strings"
	"testing"

	"github.com/symbolicate/symbolicate/diag"
	"github.com/symbolicate/symbolicate/internal/bin"
	"github.com/symbolicate/symbolicate/internal/corpus"
)

// corpusImages are real Mach-O files from the shared corpus (see
// ../shared/corpus/macho/SOURCES.md); fat files contribute every slice.
var corpusImages = []string{
	"macho/symbolic/macos/crash",
	"macho/symbolic/minidump/crash_macos",
	"macho/macsymbolicator/bin/iOSCrashingTest.app/iOSCrashingTest",
	"macho/macsymbolicator/bin/CrashingTest",
	"macho/macsymbolicator/bin/AnotherTarget.framework/Versions/A/AnotherTarget",
	"macho/testbins/dsym-pairs/TestRTTI-armv7/TestRTTI-armv7",
	"macho/testbins/apple/libswiftCoreFoundation.dylib",
	"macho/testbins/apple/ls-sequoia",
	"macho/testbins/misc/objc-employee-ios14-arm64e",
	"macho/testbins/misc/hello-macos-arm64-chained",
	"macho/testbins/misc/swift-main3",
}

// slice is one thin image of a corpus file.
type slice struct {
	name string
	data []byte
	std  *macho.File // the standard library's reading of the same bytes
}

// corpusSlices returns every thin image of the named corpus file.
func corpusSlices(t *testing.T, rel string) []slice {
	t.Helper()
	path := corpus.Path(t, rel)
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if fat, err := macho.OpenFat(path); err == nil {
		defer fat.Close()
		var out []slice
		for _, a := range fat.Arches {
			b := data[a.Offset : a.Offset+a.Size]
			std, err := macho.NewFile(bytes.NewReader(b))
			if err != nil {
				t.Fatal(err)
			}
			out = append(out, slice{fmt.Sprintf("%s[%v]", rel, a.Cpu), b, std})
		}
		return out
	}
	std, err := macho.NewFile(bytes.NewReader(data))
	if err != nil {
		t.Fatal(err)
	}
	return []slice{{rel, data, std}}
}

// TestParseMatchesDebugMacho compares Parse with debug/macho on every corpus
// image: header, segments, sections, UUID, install name and every nlist entry.
func TestParseMatchesDebugMacho(t *testing.T) {
	for _, rel := range corpusImages {
		for _, s := range corpusSlices(t, rel) {
			t.Run(s.name, func(t *testing.T) {
				f, err := Parse(s.data)
				if err != nil {
					t.Fatal(err)
				}
				if f.CPU != uint32(s.std.Cpu) || f.SubCPU != s.std.SubCpu || f.Type != uint32(s.std.Type) ||
					f.NCmds != s.std.Ncmd || f.Is64 != (s.std.Magic == macho.Magic64) {
					t.Errorf("header %+v, debug/macho %+v", f.Header, s.std.FileHeader)
				}
				if len(f.Loads) != len(s.std.Loads) {
					t.Fatalf("%d loads, debug/macho %d", len(f.Loads), len(s.std.Loads))
				}
				var stdSegs []*macho.Segment
				for _, l := range s.std.Loads {
					if seg, ok := l.(*macho.Segment); ok {
						stdSegs = append(stdSegs, seg)
					}
				}
				if len(f.Segments) != len(stdSegs) {
					t.Fatalf("%d segments, debug/macho %d", len(f.Segments), len(stdSegs))
				}
				for i, seg := range f.Segments {
					w := stdSegs[i]
					if seg.Name != w.Name || seg.Addr != w.Addr || seg.Size != w.Memsz || seg.Offset != w.Offset ||
						seg.FileSize != w.Filesz || seg.MaxProt != w.Maxprot || seg.InitProt != w.Prot ||
						len(seg.Sections) != int(w.Nsect) {
						t.Errorf("segment %d = %+v, debug/macho %+v", i, seg, w.SegmentHeader)
					}
				}
				var secs []Section
				for _, seg := range f.Segments {
					secs = append(secs, seg.Sections...)
				}
				if len(secs) != len(s.std.Sections) {
					t.Fatalf("%d sections, debug/macho %d", len(secs), len(s.std.Sections))
				}
				for i, sec := range secs {
					w := s.std.Sections[i]
					if sec.Name != w.Name || sec.Seg != w.Seg || sec.Addr != w.Addr || sec.Size != w.Size ||
						sec.Offset != w.Offset || sec.Flags != w.Flags {
						t.Errorf("section %d = %+v, debug/macho %+v", i, sec, w.SectionHeader)
					}
				}
				checkUUID(t, f, s.std)
				if id := stdInstallName(s.std); id != f.InstallName {
					t.Errorf("install name %q, debug/macho %q", f.InstallName, id)
				}
				checkSymtab(t, f, s)
			})
		}
	}
}

func checkUUID(t *testing.T, f *File, std *macho.File) {
	t.Helper()
	for _, l := range std.Loads {
		raw := l.Raw()
		if len(raw) >= 24 && f.ByteOrder.Uint32(raw) == LCUUID {
			if !f.HasUUID || !bytes.Equal(f.UUID[:], raw[8:24]) {
				t.Errorf("UUID %x (has %v), load command has %x", f.UUID, f.HasUUID, raw[8:24])
			}
			return
		}
	}
	if f.HasUUID {
		t.Errorf("UUID %x reported, debug/macho has no LC_UUID", f.UUID)
	}
}

func stdInstallName(std *macho.File) string {
	for _, l := range std.Loads {
		raw := l.Raw()
		if len(raw) >= 12 && std.ByteOrder.Uint32(raw) == LCIDDylib {
			off := std.ByteOrder.Uint32(raw[8:])
			s, _ := bin.CStringAt(raw, uint64(off), 4096)
			return s
		}
	}
	return ""
}

func checkSymtab(t *testing.T, f *File, s slice) {
	t.Helper()
	if s.std.Symtab == nil {
		if f.Symtab != nil && f.Symtab.NSyms != 0 {
			t.Errorf("symtab with %d symbols, debug/macho has none", f.Symtab.NSyms)
		}
		return
	}
	st := f.Symtab
	if st == nil {
		t.Fatal("no LC_SYMTAB")
	}
	tab, err := NewNlistTable(s.data[st.SymOff:], uint64(st.NSyms), f.Is64, f.ByteOrder, int64(st.SymOff))
	if err != nil {
		t.Fatal(err)
	}
	strs := s.data[st.StrOff : st.StrOff+st.StrSize]
	if tab.Len() != len(s.std.Symtab.Syms) {
		t.Fatalf("%d nlist entries, debug/macho %d", tab.Len(), len(s.std.Symtab.Syms))
	}
	for i := 0; i < tab.Len(); i++ {
		n, w := tab.At(i), s.std.Symtab.Syms[i]
		name, _ := bin.CStringAt(strs, uint64(n.Strx), 1<<16)
		if strings.Contains(name, ".") && strings.HasPrefix(name, "_") {
			name = name[1:] // debug/macho drops the underscore of dotted names (a Go-toolchain quirk)
		}
		if name != w.Name || n.Type != w.Type || n.Sect != w.Sect || n.Desc != w.Desc || n.Value != w.Value {
			t.Fatalf("nlist %d = %q %+v, debug/macho %+v", i, name, n, w)
		}
	}
	if d := f.Dysymtab; d != nil && s.std.Dysymtab != nil {
		w := s.std.Dysymtab
		if d.ILocalSym != w.Ilocalsym || d.NLocalSym != w.Nlocalsym || d.IExtDefSym != w.Iextdefsym ||
			d.NExtDefSym != w.Nextdefsym || d.IUndefSym != w.Iundefsym || d.NUndefSym != w.Nundefsym ||
			d.IndirectSymOff != w.Indirectsymoff || d.NIndirectSyms != w.Nindirectsyms {
			t.Errorf("dysymtab %+v, debug/macho %+v", d, w.DysymtabCmd)
		}
	}
}

// Oracle values from `llvm-objdump --macho --function-starts` and
// `--exports-trie` (Debian LLVM 14.0.6) on the same corpus files. LLVM 14 does
// not read LC_DYLD_EXPORTS_TRIE, so for the two chained-fixup binaries the
// export count and sample come from `llvm-nm -g --defined-only` instead (every
// external definition of an executable is exported).
var linkeditOracles = []struct {
	rel                   string
	starts                int
	firstStart, lastStart uint64
	exports               int
	sampleName            string
	sampleAddr            uint64 // as printed: image vmaddr + offset
}{
	{"macho/symbolic/macos/crash", 194, 0x100000d20, 0x10000dc70, 183, "_main", 0x10000DBA0},
	{"macho/testbins/dsym-pairs/TestRTTI-armv7/TestRTTI-armv7", 29, 0xa0bd, 0xa55d, 39,
		"_OBJC_METACLASS_$_SceneDelegate", 0xCC70},
	{"macho/testbins/misc/objc-employee-ios14-arm64e", 16, 0x100007760, 0x100007bc4, 4, "_main", 0x100007760},
	{"macho/testbins/misc/hello-macos-arm64-chained", 9, 0x100003a7c, 0x100003ce4, 7, "_something_else", 0x100003bfc},
}

func TestFunctionStartsAndExportsMatchLLVM(t *testing.T) {
	for _, o := range linkeditOracles {
		t.Run(o.rel, func(t *testing.T) {
			s := corpusSlices(t, o.rel)[0]
			f, err := Parse(s.data)
			if err != nil {
				t.Fatal(err)
			}
			text := f.Segment("__TEXT")
			fs := f.FunctionStarts
			var starts []uint64
			err = ForEachFunctionStart(s.data[fs.Off:fs.Off+fs.Size], text.Addr, int64(fs.Off),
				func(a uint64) { starts = append(starts, a) })
			if err != nil {
				t.Fatal(err)
			}
			if len(starts) != o.starts || starts[0] != o.firstStart || starts[len(starts)-1] != o.lastStart {
				t.Errorf("%d starts %#x…%#x, llvm-objdump %d %#x…%#x", len(starts), starts[0], starts[len(starts)-1],
					o.starts, o.firstStart, o.lastStart)
			}
			n, found := 0, false
			if tr := f.ExportTrie; tr != nil {
				err = WalkExportTrie(s.data[tr.Off:tr.Off+tr.Size], int64(tr.Off), func(e *Export) error {
					n++
					if string(e.Name) == o.sampleName && e.Address+text.Addr == o.sampleAddr {
						found = true
					}
					return nil
				})
				if err != nil {
					t.Fatal(err)
				}
			}
			if n != o.exports || (o.sampleName != "" && !found) {
				t.Errorf("%d exports (sample %q found: %v), llvm-objdump %d", n, o.sampleName, found, o.exports)
			}
		})
	}
}

// TestExportsAreExternalSymbols checks, on every corpus image, that each
// regular export names an external symbol at the same address, and that every
// external __text symbol is a function start (properties of ld64 output).
func TestExportsAreExternalSymbols(t *testing.T) {
	for _, rel := range corpusImages {
		for _, s := range corpusSlices(t, rel) {
			f, err := Parse(s.data)
			if err != nil {
				t.Fatal(err)
			}
			if f.Symtab == nil || f.ExportTrie == nil {
				continue
			}
			text := f.Segment("__TEXT")
			ext := map[string]uint64{}
			st := f.Symtab
			tab, err := NewNlistTable(s.data[st.SymOff:], uint64(st.NSyms), f.Is64, f.ByteOrder, 0)
			if err != nil {
				t.Fatal(err)
			}
			for i := 0; i < tab.Len(); i++ {
				n := tab.At(i)
				if n.IsDefined() && n.IsExternal() {
					name, _ := bin.CStringAt(s.data[st.StrOff:st.StrOff+st.StrSize], uint64(n.Strx), 1<<16)
					ext[name] = n.Value
				}
			}
			tr := f.ExportTrie
			checked := 0
			err = WalkExportTrie(s.data[tr.Off:tr.Off+tr.Size], int64(tr.Off), func(e *Export) error {
				if e.IsReexport() || e.Kind() != ExportKindRegular {
					return nil
				}
				v, ok := ext[string(e.Name)]
				if !ok {
					return nil // stripped symtab entries are allowed
				}
				checked++
				if f.CPU == 12 { // 32-bit ARM: exports carry the Thumb bit, nlist values do not
					v |= e.Address & 1
				}
				if v != text.Addr+e.Address {
					t.Errorf("%s: export %s at %#x, symtab %#x", s.name, e.Name, text.Addr+e.Address, v)
				}
				return nil
			})
			if err != nil {
				t.Fatalf("%s: %v", s.name, err)
			}
			if checked == 0 && len(ext) > 1 {
				t.Errorf("%s: no export matched the %d external symbols", s.name, len(ext))
			}
		}
	}
}

func TestParseSynthetic(t *testing.T) {
	for _, is64 := range []bool{true, false} {
		im := sampleImage(is64)
		f, err := Parse(im.encode())
		if err != nil {
			t.Fatalf("is64=%v: %v", is64, err)
		}
		if f.Is64 != is64 || len(f.Segments) != 3 || f.InstallName != im.installName || !f.HasUUID ||
			!bytes.Equal(f.UUID[:], im.uuid) || *f.Symtab != *im.symtab || *f.Dysymtab != *im.dysymtab ||
			*f.FunctionStarts != *im.starts || *f.ExportTrie != *im.trie {
			t.Fatalf("is64=%v: decoded %+v", is64, f)
		}
		text := f.Section("__TEXT", "__text")
		if text == nil || text.Addr != 0x10100 || !text.IsCode() || f.Section("__TEXT", "__cstring").IsCode() {
			t.Fatalf("is64=%v: __text = %+v", is64, text)
		}
		if a, ok := f.LinkeditFileToVM(0x440); !ok || a != 0x20040 {
			t.Fatalf("LinkeditFileToVM(0x440) = %#x, %v", a, ok)
		}
		if _, ok := f.LinkeditFileToVM(0x501); ok {
			t.Fatal("LinkeditFileToVM past filesize succeeded")
		}
	}
}

func TestParseDyldInfoExportRange(t *testing.T) {
	im := sampleImage(true)
	im.trie = nil
	im.dyldInfo = &LinkeditData{Off: 0x480, Size: 0x20}
	f, err := Parse(im.encode())
	if err != nil {
		t.Fatal(err)
	}
	if f.ExportTrie == nil || *f.ExportTrie != *im.dyldInfo {
		t.Fatalf("export trie = %+v, want %+v", f.ExportTrie, im.dyldInfo)
	}
}

// TestParseTruncatedEverywhere cuts a valid header at every length: each
// prefix shorter than the load commands must fail with a FormatError.
func TestParseTruncatedEverywhere(t *testing.T) {
	for _, is64 := range []bool{true, false} {
		full := sampleImage(is64).encode()
		for n := 0; n < len(full); n++ {
			_, err := Parse(full[:n])
			var fe *diag.FormatError
			if err == nil || !(errors.As(err, &fe) || errors.Is(err, ErrNotMachO)) {
				t.Fatalf("is64=%v: %d-byte prefix: err = %v", is64, n, err)
			}
		}
	}
}

func TestParseHostileCounts(t *testing.T) {
	le := func(b []byte, off int, v uint32) []byte {
		c := bytes.Clone(b)
		c[off], c[off+1], c[off+2], c[off+3] = byte(v), byte(v>>8), byte(v>>16), byte(v>>24)
		return c
	}
	base := sampleImage(true).encode()
	cases := []struct {
		name  string
		data  []byte
		field string
	}{
		{"huge ncmds", le(base, 16, 0xffffffff), "ncmds"},
		{"huge sizeofcmds", le(base, 20, 0xfffffff0), "load commands"},
		{"zero cmdsize", le(base, 32+4, 0), "cmdsize"},
		{"huge nsects", le(base, 32+64, 0x7fffffff), "nsects"},
		{"bad magic", le(base, 0, 0x12345678), ""},
	}
	for _, c := range cases {
		_, err := Parse(c.data)
		var fe *diag.FormatError
		switch {
		case c.field == "":
			if !errors.Is(err, ErrNotMachO) {
				t.Errorf("%s: err = %v, want ErrNotMachO", c.name, err)
			}
		case !errors.As(err, &fe) || fe.Field != c.field:
			t.Errorf("%s: err = %v, want FormatError on field %q", c.name, err, c.field)
		}
	}
	// An LC_ID_DYLIB whose name offset points outside the command.
	im := sampleImage(true)
	data := im.encode()
	idx := bytes.Index(data, []byte("/usr/lib/libtest.dylib"))
	bad := le(data, idx-24+8, 200)
	if _, err := Parse(bad); err == nil {
		t.Error("LC_ID_DYLIB name offset outside the command accepted")
	}
}

func TestNlistTable(t *testing.T) {
	var b []byte
	b = append(b, 1, 0, 0, 0, NSect|NExt, 1, 0x08, 0)
	b = append(b, 0x00, 0x10, 0, 0, 0, 0, 0, 0) // 64-bit value 0x1000
	tab, err := NewNlistTable(b, 1, true, binaryLE, 0)
	if err != nil {
		t.Fatal(err)
	}
	n := tab.At(0)
	if n.Strx != 1 || !n.IsDefined() || !n.IsExternal() || n.Sect != 1 || n.Desc != 8 || n.Value != 0x1000 {
		t.Fatalf("nlist_64 = %+v", n)
	}
	tab32, err := NewNlistTable(b[:12], 1, false, binaryLE, 0)
	if err != nil || tab32.At(0).Value != 0x1000 {
		t.Fatalf("nlist = %+v, %v", tab32.At(0), err)
	}
	if _, err := NewNlistTable(b, 2, true, binaryLE, 0); err == nil {
		t.Fatal("2 entries in 16 bytes accepted")
	}
	if _, err := NewNlistTable(b, 1<<62, true, binaryLE, 0); err == nil {
		t.Fatal("overflowing count accepted")
	}
	if _, ok := tab.Slice(0, 2); ok {
		t.Fatal("Slice past the end accepted")
	}
	if s, ok := tab.Slice(1, 1); !ok || s.Len() != 0 {
		t.Fatal("empty Slice rejected")
	}
	if (Nlist{Type: NStab | NSect}).IsDefined() {
		t.Fatal("stab entry reported as defined")
	}
}

func TestFunctionStarts(t *testing.T) {
	var got []uint64
	err := ForEachFunctionStart([]byte{0x80, 0x01, 0x10, 0x00, 0x05}, 0x1000, 0, func(a uint64) { got = append(got, a) })
	if err != nil || fmt.Sprint(got) != "[4224 4240]" {
		t.Fatalf("starts = %v, %v", got, err)
	}
	// No terminator: the data simply ends.
	got = nil
	if err := ForEachFunctionStart([]byte{4, 4}, 0, 0, func(a uint64) { got = append(got, a) }); err != nil || len(got) != 2 {
		t.Fatalf("unterminated: %v, %v", got, err)
	}
	if err := ForEachFunctionStart([]byte{0x80}, 0, 0, func(uint64) {}); err == nil {
		t.Fatal("truncated ULEB accepted")
	}
	over := []byte{0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01}
	if err := ForEachFunctionStart(over, 2, 0, func(uint64) {}); err == nil {
		t.Fatal("overflowing address accepted")
	}
}

// TestNlistByteOrders reads the same entries written little- and
// big-endian, 64- and 32-bit, whole and through Slice.
func TestNlistByteOrders(t *testing.T) {
	want := []Nlist{{Strx: 7, Type: 0x0f, Sect: 1, Desc: 0x20, Value: 0x100004000}, {Strx: 19, Type: 0x0e, Sect: 2, Desc: 0, Value: 0x100008010}}
	type appendOrder interface {
		binary.ByteOrder
		binary.AppendByteOrder
	}
	for _, order := range []appendOrder{binary.LittleEndian, binary.BigEndian} {
		for _, is64 := range []bool{true, false} {
			var b []byte
			for _, n := range want {
				b = order.AppendUint32(b, n.Strx)
				b = append(b, n.Type, n.Sect)
				b = order.AppendUint16(b, n.Desc)
				if is64 {
					b = order.AppendUint64(b, n.Value)
				} else {
					b = order.AppendUint32(b, uint32(n.Value))
				}
			}
			tab, err := NewNlistTable(b, uint64(len(want)), is64, order, 0)
			if err != nil {
				t.Fatal(err)
			}
			tail, _ := tab.Slice(1, 2)
			for i, w := range want {
				if !is64 {
					w.Value = uint64(uint32(w.Value))
				}
				if got := tab.At(i); got != w {
					t.Errorf("%v is64=%v: At(%d) = %+v, want %+v", order, is64, i, got, w)
				}
				if i == 1 && tail.At(0) != w {
					t.Errorf("%v is64=%v: Slice(1, 2).At(0) = %+v, want %+v", order, is64, tail.At(0), w)
				}
			}
		}
	}
}

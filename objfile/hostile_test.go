package objfile

import (
	"bytes"
	"compress/zlib"
	"encoding/base64"
	"encoding/binary"
	"errors"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"testing"

	"github.com/symbolicate/symbolicate/diag"
	"github.com/symbolicate/symbolicate/internal/corpus"
	"github.com/symbolicate/symbolicate/internal/machofmt"
)

// goMachOTestdata returns the decoded Mach-O test files shipped with the Go
// distribution ($GOROOT/src/debug/macho/testdata/*.base64 and
// debug/dwarf/testdata/*.macho*), read at test time; nil when absent.
func goMachOTestdata(tb testing.TB) map[string][]byte {
	tb.Helper()
	out := map[string][]byte{}
	root := goroot()
	b64, _ := filepath.Glob(filepath.Join(root, "src", "debug", "macho", "testdata", "*.base64"))
	for _, p := range b64 {
		raw, err := os.ReadFile(p)
		if err != nil {
			continue
		}
		data, err := base64.StdEncoding.DecodeString(strings.Join(strings.Fields(string(raw)), ""))
		if err != nil {
			tb.Fatalf("%s: %v", p, err)
		}
		out[filepath.Base(p)] = data
	}
	plain, _ := filepath.Glob(filepath.Join(root, "src", "debug", "dwarf", "testdata", "*.macho*"))
	for _, p := range plain {
		if data, err := os.ReadFile(p); err == nil {
			out[filepath.Base(p)] = data
		}
	}
	return out
}

// sectionAt returns the file offset and size of a section in a thin file.
func sectionAt(tb testing.TB, data []byte, seg, name string) (int, int) {
	tb.Helper()
	m, err := machofmt.Parse(data)
	if err != nil {
		tb.Fatal(err)
	}
	s := m.Section(seg, name)
	if s == nil {
		tb.Fatalf("no section %s,%s", seg, name)
	}
	return int(s.Offset), int(s.Size)
}

// zlibHeader returns "ZLIB" and a big-endian 64-bit size.
func zlibHeader(n uint64) []byte {
	return binary.BigEndian.AppendUint64([]byte("ZLIB"), n)
}

// TestZlibHugeDeclaredSize is the regression test for the flaw that makes
// (*macho.File).DWARF unusable on untrusted files (golang/go#79315): a
// "ZLIB" section declaring 1<<62 bytes must give an error, not a panic or a
// huge allocation; so must smaller lies the compressed size cannot back.
func TestZlibHugeDeclaredSize(t *testing.T) {
	inputs := map[string][]byte{"generated": genTestImage(4, 0x100000000, TypeDSYM, true)}
	if b, ok := goMachOTestdata(t)["gcc-amd64-darwin-exec-debug.base64"]; ok {
		inputs["gcc-amd64-darwin-exec-debug"] = b
	}
	for name, orig := range inputs {
		for _, claim := range []uint64{1 << 62, 8 << 30, maxDecompressed + 1, 1 << 20} {
			data := bytes.Clone(orig)
			off, size := sectionAt(t, data, "__DWARF", "__debug_info")
			if size < 12 {
				t.Fatalf("%s: __debug_info too small", name)
			}
			copy(data[off:], zlibHeader(claim))
			f, err := NewFile(name, data)
			if err != nil {
				t.Fatal(err)
			}
			var runtimeMem runtime.MemStats
			runtime.ReadMemStats(&runtimeMem)
			before := runtimeMem.TotalAlloc
			_, err = loadDWARF(f.Slices[0], newZlibBudget(DefaultZlibBudget))
			runtime.ReadMemStats(&runtimeMem)
			var fe *diag.FormatError
			if !errors.As(err, &fe) || !strings.Contains(err.Error(), "__debug_info") {
				t.Errorf("%s, ZLIB size %#x: got %v, want a *diag.FormatError naming __debug_info", name, claim, err)
			}
			if grew := runtimeMem.TotalAlloc - before; grew > 1<<20 {
				t.Errorf("%s, ZLIB size %#x: allocated %d bytes", name, claim, grew)
			}
			// The image still answers from its symbol table.
			im, _ := NewImage(nil, f.Slices[0])
			if res := im.Lookup(0x1180); name == "generated" && (len(res.Frames) != 1 || res.Frames[0].Function != "asm_fn") {
				t.Errorf("%s: symbol lookup after DWARF failure: %+v", name, res)
			}
		}
	}
}

// compressImage returns the generated image with every DWARF section
// ZLIB-compressed in place (the section keeps its size; the zlib stream
// ends early). names renames sections ("__debug_line" → "__zdebug_line").
func compressImage(t *testing.T, data []byte, rename bool) []byte {
	t.Helper()
	data = bytes.Clone(data)
	m, err := machofmt.Parse(data)
	if err != nil {
		t.Fatal(err)
	}
	for _, l := range m.Loads {
		if l.Cmd != machofmt.LCSegment64 {
			continue
		}
		nsect := binary.LittleEndian.Uint32(l.Data[64:])
		for i := 0; i < int(nsect); i++ {
			h := int(l.Offset) + 72 + 80*i
			seg := strings.TrimRight(string(data[h+16:h+32]), "\x00")
			name := strings.TrimRight(string(data[h:h+16]), "\x00")
			if seg != "__DWARF" {
				continue
			}
			off := int(binary.LittleEndian.Uint32(data[h+48:]))
			size := int(binary.LittleEndian.Uint64(data[h+40:]))
			var z bytes.Buffer
			z.Write(zlibHeader(uint64(size)))
			w, _ := zlib.NewWriterLevel(&z, zlib.BestCompression)
			w.Write(data[off : off+size])
			w.Close()
			if z.Len() > size {
				continue // too small to shrink; leave it plain
			}
			copy(data[off:off+size], z.Bytes())
			clear(data[off+z.Len() : off+size])
			if rename {
				var n [16]byte
				copy(n[:], "__zdebug_"+strings.TrimPrefix(name, "__debug_"))
				copy(data[h:h+16], n[:])
			}
		}
	}
	return data
}

// TestCompressedSections checks that ZLIB-compressed DWARF sections, under
// __debug_* and under __zdebug_* names, give the same answers.
func TestCompressedSections(t *testing.T) {
	for _, version := range []int{4, 5} {
		for _, rename := range []bool{false, true} {
			data := compressImage(t, genTestImage(version, 0, TypeDSYM, true), rename)
			f, err := NewFile("compressed", data)
			if err != nil {
				t.Fatal(err)
			}
			secs, err := readDWARFSections(f.Slices[0], newZlibBudget(DefaultZlibBudget))
			if err != nil {
				t.Fatal(err)
			}
			if len(secs["debug_info"]) < 20 {
				t.Fatalf("v%d rename=%v: debug_info %d bytes", version, rename, len(secs["debug_info"]))
			}
			im, _ := NewImage(nil, f.Slices[0])
			for off, want := range genExpect {
				res := im.Lookup(off)
				if got := formatFrames(res.Frames); strings.Join(got, "\n") != strings.Join(want, "\n") || res.Warning != nil {
					t.Errorf("v%d rename=%v %#x: got %q (%v), want %q", version, rename, off, got, res.Warning, want)
				}
			}
		}
	}
	// A stream shorter or longer than declared is an error.
	payload := []byte(strings.Repeat("dwarf", 100))
	var z bytes.Buffer
	w := zlib.NewWriter(&z)
	w.Write(payload)
	w.Close()
	for _, n := range []uint64{uint64(len(payload)) - 1, uint64(len(payload)) + 1} {
		if _, err := decompressSection(append(zlibHeader(n), z.Bytes()...), 0, "__debug_info", maxDecompressed); err == nil {
			t.Errorf("declared %d for %d bytes: no error", n, len(payload))
		}
	}
	if got, err := decompressSection(append(zlibHeader(uint64(len(payload))), z.Bytes()...), 0, "x", maxDecompressed); err != nil || !bytes.Equal(got, payload) {
		t.Errorf("round trip: %v", err)
	}
	// What earlier sections of the slice used counts against the budget.
	if _, err := decompressSection(append(zlibHeader(uint64(len(payload))), z.Bytes()...), 0, "x", uint64(len(payload))-1); err == nil {
		t.Error("over budget: no error")
	}
}

// TestLineHeaderHugeCount checks that a DWARF 5 line table claiming 2^40
// directories is refused before debug/dwarf allocates for it.
func TestLineHeaderHugeCount(t *testing.T) {
	data := genTestImage(5, 0, TypeDSYM, true)
	off, _ := sectionAt(t, data, "__DWARF", "__debug_line")
	// The directories count is the single byte 0x02 after the directory
	// format (u8 count 1, uleb 1, uleb 0x1f) at header offset 4+2+2+4+6+12.
	at := off + 4 + 2 + 2 + 4 + 6 + 12 + 3
	if data[at] != 2 {
		t.Fatalf("layout changed: byte %#x at directories count", data[at])
	}
	// Replace "count 2, two 4-byte offsets" (9 bytes) by a 6-byte 2^40 and
	// 3 bytes of the first offset, keeping the table's length.
	copy(data[at:], []byte{0x80, 0x80, 0x80, 0x80, 0x80, 0x20})
	f, err := NewFile("huge", data)
	if err != nil {
		t.Fatal(err)
	}
	im, _ := NewImage(nil, f.Slices[0])
	res := im.Lookup(0x1004)
	var fe *diag.FormatError
	if !errors.As(res.Warning, &fe) || !strings.Contains(fe.Field, "directories count") {
		t.Fatalf("warning %v, want a directories count error", res.Warning)
	}
	if len(res.Frames) != 1 || res.Frames[0].Function != "_Z5outerv" || res.Frames[0].File != "" {
		t.Errorf("frames %+v: want the function without a line", res.Frames)
	}
}

// hostileFiles returns real files to damage: small corpus dSYMs and
// binaries (skipped when absent) and the generated images.
func hostileFiles(t *testing.T) map[string][]byte {
	out := map[string][]byte{
		"gen4": genTestImage(4, 0x100000000, TypeDSYM, true),
		"gen5": genTestImage(5, 0, TypeExecute, false),
		"fat":  fatWrap(true, [][2]uint32{{cpuARM64, 0}, {cpuARM64, 2}}, genTestImage(4, 0, TypeDSYM, true), genTestImage(5, 0, TypeDSYM, false)),
	}
	for _, rel := range []string{
		"macho/testbins/dsym-pairs/twocall/twocall.dSYM/Contents/Resources/DWARF/twocall",
		"macho/testbins/dsym-pairs/twocall/twocall",
		"macho/symbolic/crashprobe/dSYMs/FE11C790-4E46-3E2E-A3D3-8DB2EB0AC49F.dSYM/Contents/Resources/DWARF/libswiftQuartzCore.dylib",
		"macho/symbolic/crashprobe/dSYMs/54039061-A983-3323-A49D-837A894D667F.dSYM/Contents/Resources/DWARF/CrashProbeiOS",
	} {
		p := filepath.Join(corpus.Root(), filepath.FromSlash(rel))
		if b, err := os.ReadFile(p); err == nil {
			out[filepath.Base(p)] = b
		}
	}
	return out
}

// exercise opens data and looks up addresses throughout every slice; it
// must not panic whatever data holds.
func exercise(data []byte, addrs int) {
	f, err := NewFile("hostile", data)
	if err != nil {
		return
	}
	for _, s := range f.Slices {
		var im *Image
		if s.Kind == KindDSYM {
			im, _ = NewImage(nil, s)
		} else {
			im, _ = NewImage(s, nil)
		}
		im.HasDWARF()
		span := uint64(0x4000)
		if seg := s.macho.Segment("__TEXT"); seg != nil && seg.Size < 1<<24 {
			span = max(seg.Size, 1)
		}
		for i := 0; i < addrs; i++ {
			im.Lookup(uint64(i) * span / uint64(addrs))
		}
	}
}

// TestTruncatedFiles opens truncated copies of real and generated files
// (built at test time) and looks up addresses in whatever still decodes.
func TestTruncatedFiles(t *testing.T) {
	for name, data := range hostileFiles(t) {
		steps := 150
		if testing.Short() {
			steps = 30
		}
		for i := 0; i <= steps; i++ {
			n := len(data) * i / steps
			exercise(data[:n:n], 40)
		}
		for n := 0; n < min(len(data), 600); n += 7 { // header and load commands
			exercise(data[:n:n], 10)
		}
		_ = name
	}
}

// TestCorruptedFiles flips random bytes of real and generated files (a fixed
// seed per file, built at test time) and looks up addresses: errors are fine,
// panics and runaway allocation are not.
func TestCorruptedFiles(t *testing.T) {
	rounds := 120
	if testing.Short() {
		rounds = 20
	}
	for name, orig := range hostileFiles(t) {
		rng := rand.New(rand.NewPCG(uint64(len(orig)), 7))
		for r := 0; r < rounds; r++ {
			data := bytes.Clone(orig)
			// Damage either anywhere or the second half, where DWARF lives.
			lo := 0
			if r%2 == 1 {
				lo = len(data) / 2
			}
			for k := 0; k < 1+rng.IntN(40); k++ {
				i := lo + rng.IntN(len(data)-lo)
				switch rng.IntN(3) {
				case 0:
					data[i] = byte(rng.Uint32())
				case 1:
					data[i] ^= 0x80
				default:
					data[i] = 0xff
				}
			}
			exercise(data, 60)
		}
		_ = name
	}
}

// goroot returns the Go distribution's root as the go command reports it.
func goroot() string {
	out, err := exec.Command("go", "env", "GOROOT").Output()
	if err != nil {
		return ""
	}
	return strings.TrimSpace(string(out))
}

// TestZlibBudgetShared checks that the budget for compressed DWARF is one
// for all the images of a run: two images that each fit but together do
// not get DWARF for the first and a clear error for the second, which still
// answers from its symbol table.
func TestZlibBudgetShared(t *testing.T) {
	data := compressImage(t, genTestImage(5, 0, TypeDSYM, true), false)
	f, err := NewFile("compressed", data)
	if err != nil {
		t.Fatal(err)
	}
	probe := newZlibBudget(DefaultZlibBudget)
	if _, err := readDWARFSections(f.Slices[0], probe); err != nil {
		t.Fatal(err)
	}
	one := DefaultZlibBudget - probe.left.Load()
	if one <= 0 {
		t.Fatal("the compressed image inflated nothing")
	}
	shared := newZlibBudget(one + one/2)
	var ims [2]*Image
	for i := range ims {
		f, err := NewFile("compressed", bytes.Clone(data))
		if err != nil {
			t.Fatal(err)
		}
		ims[i], _ = NewImage(nil, f.Slices[0])
		ims[i].zlib = shared
	}
	if err := ims[0].DWARFErr(); err != nil {
		t.Fatalf("first image: %v", err)
	}
	err = ims[1].DWARFErr()
	if err == nil || !strings.Contains(err.Error(), "budget") {
		t.Fatalf("second image: %v, want the budget named", err)
	}
	if res := ims[1].Lookup(0x1180); len(res.Frames) != 1 || res.Frames[0].Function != "asm_fn" {
		t.Errorf("second image from its symbol table: %+v", res)
	}
	if left := shared.left.Load(); left != one/2 {
		t.Errorf("budget left %d, want %d (a refused section takes nothing)", left, one/2)
	}
}

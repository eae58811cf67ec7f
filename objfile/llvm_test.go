package objfile

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"os/exec"
	"path"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/symbolicate/symbolicate/internal/bin"
	"github.com/symbolicate/symbolicate/internal/corpus"
	"github.com/symbolicate/symbolicate/internal/machofmt"
	"github.com/symbolicate/symbolicate/process"
	"github.com/symbolicate/symbolicate/symbol"
)

// llvmSymbolizer returns the path of llvm-symbolizer 19, skipping the test
// when it is not installed (CI does not depend on it).
func llvmSymbolizer(tb testing.TB) string {
	tb.Helper()
	for _, p := range []string{"/usr/lib/llvm-19/bin/llvm-symbolizer", "llvm-symbolizer-19"} {
		if q, err := exec.LookPath(p); err == nil {
			return q
		}
	}
	tb.Skip("llvm-symbolizer 19 not installed (apt-get install llvm-19)")
	return ""
}

// llvmFrame is one entry of llvm-symbolizer's JSON "Symbol" array.
type llvmFrame struct {
	FunctionName string
	FileName     string
	Line         int
	Column       int
	StartAddress string
}

// runLLVM symbolizes file addresses with llvm-symbolizer in one process:
// linkage names, inlined frames innermost first.
func runLLVM(tb testing.TB, tool, obj, arch string, addrs []uint64) [][]llvmFrame {
	tb.Helper()
	var in bytes.Buffer
	for _, a := range addrs {
		fmt.Fprintf(&in, "0x%x\n", a)
	}
	if arch != "" {
		obj += ":" + arch
	}
	cmd := exec.Command(tool, "--obj="+obj, "--output-style=JSON", "--functions=linkage", "--no-demangle", "--inlines")
	cmd.Stdin = &in
	out, err := cmd.Output()
	if err != nil {
		tb.Fatalf("%s: %v", tool, err)
	}
	var res [][]llvmFrame
	sc := bufio.NewScanner(bytes.NewReader(out))
	sc.Buffer(make([]byte, 1<<20), 1<<24)
	for sc.Scan() {
		var line struct{ Symbol []llvmFrame }
		if err := json.Unmarshal(sc.Bytes(), &line); err != nil {
			tb.Fatalf("llvm-symbolizer output %q: %v", sc.Text(), err)
		}
		res = append(res, line.Symbol)
	}
	if len(res) != len(addrs) {
		tb.Fatalf("llvm-symbolizer answered %d of %d addresses", len(res), len(addrs))
	}
	return res
}

// sampleAddrs returns file addresses to compare: every symbol start in the
// code sections, the byte after it, and random addresses in the code
// sections, n in all at most (deterministic).
func sampleAddrs(tb testing.TB, im *Image, n int) []uint64 {
	tb.Helper()
	syms, err := im.symbols()
	if err != nil {
		tb.Fatal(err)
	}
	ref := im.DSYM
	if ref == nil {
		ref = im.Binary
	}
	type span struct{ lo, hi uint64 }
	var code []span
	for _, seg := range ref.macho.Segments {
		for _, sec := range seg.Sections {
			if sec.IsCode() && sec.Size > 0 {
				code = append(code, span{sec.Addr, sec.Addr + sec.Size})
			}
		}
	}
	inCode := func(a uint64) bool {
		for _, c := range code {
			if c.lo <= a && a < c.hi {
				return true
			}
		}
		return false
	}
	var out []uint64
	for i := 0; i < syms.Len(); i++ {
		s := syms.At(i)
		if s.Name != "" && !s.Unnamed && inCode(s.Start) {
			out = append(out, s.Start, s.Start+1)
		}
	}
	rng := rand.New(rand.NewPCG(uint64(im.UUID[0]), uint64(im.UUID[1])))
	rng.Shuffle(len(out), func(i, j int) { out[i], out[j] = out[j], out[i] })
	if len(out) > n/2 {
		out = out[:n/2]
	}
	var total uint64
	for _, c := range code {
		total += c.hi - c.lo
	}
	for len(out) < n && total > 0 {
		// Uniform over all code bytes.
		x := rng.Uint64N(total)
		for _, c := range code {
			if x < c.hi-c.lo {
				out = append(out, c.lo+x)
				break
			}
			x -= c.hi - c.lo
		}
	}
	return out
}

// dwarfCases are the corpus slices with DWARF: path, arch, UUID.
var dwarfCases = []struct{ rel, arch, uuid string }{
	{"macho/macsymbolicator/dsym/CrashingTest.dSYM/Contents/Resources/DWARF/CrashingTest", "x86_64", "01D2A9D5-1F8A-35C8-9228-7C7CCA13C5FC"},
	{"macho/macsymbolicator/dsym/CrashingTest.dSYM/Contents/Resources/DWARF/CrashingTest", "arm64", "562DB6C8-8D3C-3B67-9511-F3C108BDEAB2"},
	{"macho/macsymbolicator/dsym/AnotherTarget.framework.dSYM/Contents/Resources/DWARF/AnotherTarget", "x86_64", "9A36CF20-3655-3DF2-B1E9-466C5CB0C9CC"},
	{"macho/macsymbolicator/dsym/AnotherTarget.framework.dSYM/Contents/Resources/DWARF/AnotherTarget", "arm64", "9C4F6A16-2C09-3562-BB25-16540BF8D6F6"},
	{"macho/macsymbolicator/dsym/CrashingInAnotherTargetTest.dSYM/Contents/Resources/DWARF/CrashingInAnotherTargetTest", "x86_64", "D7CC0747-B895-340B-B98B-EA4D30BDC429"},
	{"macho/macsymbolicator/dsym/iOSCrashingTest.app.dSYM/Contents/Resources/DWARF/iOSCrashingTest", "arm64", "82D13D98-219E-3040-B62A-07A297007A7C"},
	{"macho/symbolic/crashprobe/dSYMs/0285884D-3DE9-3051-B23A-63B48BF99F35.dSYM/Contents/Resources/DWARF/SentrySwift", "arm64", "0285884D-3DE9-3051-B23A-63B48BF99F35"},
	{"macho/symbolic/crashprobe/dSYMs/2EE38701-1509-3AF4-9D05-8C1E1A9FD4F5.dSYM/Contents/Resources/DWARF/PLCrashReporter_DynamicFramework", "arm64", "2EE38701-1509-3AF4-9D05-8C1E1A9FD4F5"},
	{"macho/symbolic/crashprobe/dSYMs/3510676B-4F63-374C-A9AB-248E77B87F74.dSYM/Contents/Resources/DWARF/libswiftDarwin.dylib", "arm64", "3510676B-4F63-374C-A9AB-248E77B87F74"},
	{"macho/symbolic/crashprobe/dSYMs/38BD5E0B-A9B8-383D-8C2F-4D87E20F867B.dSYM/Contents/Resources/DWARF/KSCrash", "arm64", "38BD5E0B-A9B8-383D-8C2F-4D87E20F867B"},
	{"macho/symbolic/crashprobe/dSYMs/3CD3E3CC-281E-3AF3-84EB-CDE6D56F0559.dSYM/Contents/Resources/DWARF/CrashLibiOS", "arm64", "3CD3E3CC-281E-3AF3-84EB-CDE6D56F0559"},
	{"macho/symbolic/crashprobe/dSYMs/54039061-A983-3323-A49D-837A894D667F.dSYM/Contents/Resources/DWARF/CrashProbeiOS", "arm64", "54039061-A983-3323-A49D-837A894D667F"},
	{"macho/symbolic/crashprobe/dSYMs/6AB086DC-7D4D-3670-A13C-42D5979E05B3.dSYM/Contents/Resources/DWARF/libswiftUIKit.dylib", "arm64", "6AB086DC-7D4D-3670-A13C-42D5979E05B3"},
	{"macho/symbolic/crashprobe/dSYMs/9303B99D-2D99-3822-AB42-4275BFC34926.dSYM/Contents/Resources/DWARF/libswiftFoundation.dylib", "arm64", "9303B99D-2D99-3822-AB42-4275BFC34926"},
	{"macho/symbolic/crashprobe/dSYMs/C68C14BD-7CD2-33A5-BCEB-794964630DB5.dSYM/Contents/Resources/DWARF/libswiftCoreGraphics.dylib", "arm64", "C68C14BD-7CD2-33A5-BCEB-794964630DB5"},
	{"macho/symbolic/crashprobe/dSYMs/CECB236E-E4C7-3271-A597-55FBDBE488C6.dSYM/Contents/Resources/DWARF/libswiftDispatch.dylib", "arm64", "CECB236E-E4C7-3271-A597-55FBDBE488C6"},
	{"macho/symbolic/crashprobe/dSYMs/D18CEA22-27E1-3FF8-A1EA-7F5B8EB58936.dSYM/Contents/Resources/DWARF/libswiftObjectiveC.dylib", "arm64", "D18CEA22-27E1-3FF8-A1EA-7F5B8EB58936"},
	{"macho/symbolic/crashprobe/dSYMs/FC4AD1B9-1FD4-3FB7-AC3E-0239C3A7D115.dSYM/Contents/Resources/DWARF/libswiftCore.dylib", "arm64", "FC4AD1B9-1FD4-3FB7-AC3E-0239C3A7D115"},
	{"macho/symbolic/crashprobe/dSYMs/FE11C790-4E46-3E2E-A3D3-8DB2EB0AC49F.dSYM/Contents/Resources/DWARF/libswiftQuartzCore.dylib", "arm64", "FE11C790-4E46-3E2E-A3D3-8DB2EB0AC49F"},
	{"macho/symbolic/macos/crash.dSYM/Contents/Resources/DWARF/crash", "x86_64", "67E9247C-814E-392B-A027-DBDE6748FCBF"},
	{"macho/symbolic/minidump/crash_macos.dSYM/Contents/Resources/DWARF/crash_macos", "x86_64", "3F58BC3D-EABE-3361-B5FB-52A676298598"},
	{"macho/testbins/dsym-pairs/twocall/twocall.dSYM/Contents/Resources/DWARF/twocall", "arm64", "1247C03A-0CF0-3CDE-B127-26012A9D7372"},
	{"macho/testbins/dsym-pairs/dwarf-aout/a.out.dSYM/Contents/Resources/DWARF/a.out", "arm64", "15B1CBBD-7321-3C5A-ABE6-9B4163F8275B"},
	{"macho/testbins/dsym-pairs/TestRTTI-armv7/TestRTTI-armv7-dSYM", "armv7", "8D4EAA5B-4166-331E-AFE0-693ADB829513"},
}

func mustUUID(tb testing.TB, s string) process.UUID {
	tb.Helper()
	u, err := process.ParseUUID(s)
	if err != nil {
		tb.Fatal(err)
	}
	return u
}

// TestLLVMSymbolizerAgreement compares every frame (function, file, line,
// column) for a broad sample of addresses in each corpus dSYM with
// llvm-symbolizer 19 run on the dSYM.
func TestLLVMSymbolizerAgreement(t *testing.T) {
	tool := llvmSymbolizer(t)
	n := 400
	if testing.Short() {
		n = 60
	}
	for _, c := range dwarfCases {
		t.Run(path.Base(c.rel)+"/"+c.arch, func(t *testing.T) {
			p := corpus.Path(t, c.rel)
			im, err := OpenImage(mustUUID(t, c.uuid), p)
			if err != nil {
				t.Fatal(err)
			}
			defer im.Close()
			addrs := sampleAddrs(t, im, n)
			want := runLLVM(t, tool, p, c.arch, addrs)
			bad, inlined, aliases := 0, 0, 0
			for i, a := range addrs {
				got := im.Lookup(a - im.TextAddr)
				if got.Warning != nil {
					t.Errorf("%#x: warning %v", a, got.Warning)
				}
				if len(got.Frames) > 1 {
					inlined++
				}
				msg := compareLLVM(got.Frames, want[i], im.TextAddr)
				if msg != "" && len(got.Frames) > 0 && len(want[i]) == len(got.Frames) {
					// Several symbols at one address (identical code folded
					// by the linker): llvm-symbolizer's choice among them is
					// arbitrary; accept any of them.
					outer := got.Frames[len(got.Frames)-1]
					alt := want[i][len(want[i])-1].FunctionName
					if slices.Contains(symbolNamesAt(t, im, outer.Start+im.TextAddr), alt) {
						fs := slices.Clone(got.Frames)
						fs[len(fs)-1].Function = alt
						if compareLLVM(fs, want[i], im.TextAddr) == "" {
							msg = ""
							aliases++
						}
					}
				}
				if msg != "" {
					bad++
					if bad <= 10 {
						t.Errorf("%#x: %s", a, msg)
					}
				}
			}
			t.Logf("%d/%d addresses agree with llvm-symbolizer (%d with inlined frames, %d naming another symbol at the same address)",
				len(addrs)-bad, len(addrs), inlined, aliases)
		})
	}
}

// compareLLVM returns "" when frames match llvm-symbolizer's answer.
func compareLLVM(got []symbol.Frame, want []llvmFrame, textAddr uint64) string {
	if len(want) == 1 && want[0].FunctionName == "" && want[0].FileName == "" {
		want = nil
	}
	if len(got) == 1 && got[0].Function == "" && got[0].File == "" {
		got = nil
	}
	format := func() string {
		var b strings.Builder
		b.WriteString("got [")
		for _, f := range got {
			fmt.Fprintf(&b, " %s %s:%d:%d;", f.Function, f.File, f.Line, f.Column)
		}
		b.WriteString("] want [")
		for _, f := range want {
			fmt.Fprintf(&b, " %s %s:%d:%d;", f.FunctionName, cleanPath(f.FileName), f.Line, f.Column)
		}
		b.WriteString("]")
		return b.String()
	}
	if len(got) != len(want) {
		return format()
	}
	for i := range got {
		g, w := got[i], want[i]
		if g.Function != w.FunctionName || g.File != cleanPath(w.FileName) || g.Line != w.Line || g.Column != w.Column {
			return format()
		}
		if w.StartAddress != "" && g.Function != "" {
			s, err := strconv.ParseUint(strings.TrimPrefix(w.StartAddress, "0x"), 16, 64)
			if err != nil || s != g.Start+textAddr {
				return fmt.Sprintf("frame %d start %#x, llvm-symbolizer %s; ", i, g.Start+textAddr, w.StartAddress) + format()
			}
		}
	}
	return ""
}

// symbolNamesAt returns the names (without the leading "_") of every
// defined symbol at addr in the image's symbol tables.
func symbolNamesAt(tb testing.TB, im *Image, addr uint64) []string {
	var out []string
	for _, sl := range []*Slice{im.DSYM, im.Binary} {
		if sl == nil || sl.macho.Symtab == nil {
			continue
		}
		st := sl.macho.Symtab
		size := uint64(machofmt.NlistSize(sl.macho.Is64))
		raw, err := linkedit(sl, uint64(st.SymOff), uint64(st.NSyms)*size, "symoff")
		if err != nil {
			tb.Fatal(err)
		}
		tab, err := machofmt.NewNlistTable(raw, uint64(st.NSyms), sl.macho.Is64, sl.macho.ByteOrder, 0)
		if err != nil {
			tb.Fatal(err)
		}
		strs, err := linkedit(sl, uint64(st.StrOff), uint64(st.StrSize), "stroff")
		if err != nil {
			tb.Fatal(err)
		}
		for i := 0; i < tab.Len(); i++ {
			if n := tab.At(i); n.IsDefined() && n.Value == addr {
				if s, ok := bin.CStringAt(strs, uint64(n.Strx), 1<<16); ok {
					out = append(out, trimUnderscore(s))
				}
			}
		}
	}
	return out
}

// binaryCases are corpus binaries read without a dSYM.
var binaryCases = []struct{ rel, arch string }{
	{"macho/testbins/apple/ls-sequoia", "x86_64"},
	{"macho/testbins/apple/ls-sequoia", "arm64e"},
	{"macho/testbins/apple/cat-macos-arm64", "x86_64"},
	{"macho/testbins/apple/cat-macos-arm64", "arm64e"},
	{"macho/testbins/apple/libswiftCoreFoundation.dylib", "arm64"},
	{"macho/testbins/misc/TrollStore", "arm64"},
	{"macho/testbins/misc/TrollStore", "arm64e"},
	{"macho/testbins/misc/hello-macos-arm64-chained", "arm64"},
	{"macho/testbins/misc/mangled", "arm64"},
	{"macho/testbins/misc/objc-employee-ios14-arm64e", "arm64e"},
	{"macho/testbins/misc/swift-main3", "arm64"},
	{"macho/macsymbolicator/bin/CrashingTest", "x86_64"},
	{"macho/macsymbolicator/bin/AnotherTarget.framework/Versions/A/AnotherTarget", "arm64"},
	{"macho/testbins/dsym-pairs/TestRTTI-armv7/TestRTTI-armv7", "armv7"},
}

// TestLLVMSymbolizerBinaries compares symbol-table answers for binaries
// without debug information with llvm-symbolizer 19, which knows only the
// symbol table. Where this package names a symbol, llvm-symbolizer must name
// the same one (or another symbol at the same address). Where this package
// answers "func_<addr>" from LC_FUNCTION_STARTS, llvm-symbolizer must give
// an earlier symbol (it cannot see that a new function began). Where this
// package has no answer, llvm-symbolizer must have none or name
// __mh_execute_header, which this package does not let reach into code.
// Names from the export trie, which llvm-symbolizer ignores, are counted
// apart.
func TestLLVMSymbolizerBinaries(t *testing.T) {
	tool := llvmSymbolizer(t)
	for _, c := range binaryCases {
		t.Run(path.Base(c.rel)+"/"+c.arch, func(t *testing.T) {
			p := corpus.Path(t, c.rel)
			f, err := Open(p)
			if err != nil {
				t.Fatal(err)
			}
			defer f.Close()
			var sl *Slice
			for _, s := range f.Slices {
				if s.Arch == c.arch {
					sl = s
				}
			}
			if sl == nil {
				t.Fatalf("no %s slice", c.arch)
			}
			im, err := NewImage(sl, nil)
			if err != nil {
				t.Fatal(err)
			}
			if im.HasDWARF() {
				t.Fatalf("binary has DWARF")
			}
			addrs := sampleAddrs(t, im, 600)
			want := runLLVM(t, tool, p, c.arch, addrs)
			named, exported, synthetic, none := 0, 0, 0, 0
			for i, a := range addrs {
				res := im.Lookup(a - im.TextAddr)
				w := want[i][len(want[i])-1]
				var wstart uint64
				if w.StartAddress != "" {
					wstart, _ = strconv.ParseUint(strings.TrimPrefix(w.StartAddress, "0x"), 16, 64)
				}
				switch {
				case len(res.Frames) == 0:
					none++
					if sec := sectionOf(sl, a); sec == "__text" {
						t.Errorf("%#x: no answer inside __text", a)
					}
					if w.FunctionName != "" && w.FunctionName != "_mh_execute_header" {
						t.Errorf("%#x: no answer, llvm-symbolizer %s", a, w.FunctionName)
					}
				case res.Frames[0].Synthetic:
					synthetic++
					if start := res.Frames[0].Start + im.TextAddr; w.FunctionName != "" && wstart >= start {
						t.Errorf("%#x: %s, llvm-symbolizer %s at %#x", a, res.Frames[0].Function, w.FunctionName, wstart)
					}
				default:
					g := res.Frames[0]
					inSymtab := symbolNamesAt(t, im, g.Start+im.TextAddr)
					switch {
					case g.Function == w.FunctionName || slices.Contains(inSymtab, w.FunctionName):
						named++
					case !slices.Contains(inSymtab, g.Function) && (w.FunctionName == "" || wstart < g.Start+im.TextAddr):
						// A name from the export trie, which
						// llvm-symbolizer does not read.
						exported++
					default:
						t.Errorf("%#x: %s at %#x, llvm-symbolizer %s at %s", a, g.Function, g.Start+im.TextAddr, w.FunctionName, w.StartAddress)
					}
					if len(res.Frames) != 1 || g.File != "" {
						t.Errorf("%#x: symbol-table answer with %d frames, file %q", a, len(res.Frames), g.File)
					}
				}
			}
			t.Logf("%d addresses: %d named as llvm-symbolizer does, %d export-trie names it lacks, %d func_ names where it gives an earlier symbol, %d unknown (outside __text: stubs)",
				len(addrs), named, exported, synthetic, none)
		})
	}
}

// sectionOf names the section holding addr ("" for none).
func sectionOf(sl *Slice, addr uint64) string {
	for _, seg := range sl.macho.Segments {
		for _, sec := range seg.Sections {
			if sec.Addr <= addr && addr-sec.Addr < sec.Size {
				return sec.Name
			}
		}
	}
	return ""
}

// TestLLVMObjdumpFunctionStarts checks, for every binary in binaryCases,
// that each LC_FUNCTION_STARTS entry llvm-objdump 19 decodes is the start
// of the function this package reports there (named or func_<addr>).
func TestLLVMObjdumpFunctionStarts(t *testing.T) {
	objdump := "/usr/lib/llvm-19/bin/llvm-objdump"
	if _, err := exec.LookPath(objdump); err != nil {
		t.Skip("llvm-objdump 19 not installed")
	}
	for _, c := range binaryCases {
		p := corpus.Path(t, c.rel)
		out, err := exec.Command(objdump, "--macho", "--function-starts", "--arch="+c.arch, p).Output()
		if err != nil {
			t.Fatalf("%s: %v", c.rel, err)
		}
		f, err := Open(p)
		if err != nil {
			t.Fatal(err)
		}
		var im *Image
		for _, s := range f.Slices {
			if s.Arch == c.arch {
				im, _ = NewImage(s, nil)
			}
		}
		n := 0
		for _, line := range strings.Split(string(out), "\n") {
			a, err := strconv.ParseUint(strings.TrimSpace(line), 16, 64)
			if err != nil || strings.HasSuffix(line, ":") {
				continue
			}
			if strings.HasPrefix(c.arch, "armv") {
				a &^= 1 // Thumb starts have the low bit set
			}
			n++
			fs := im.Lookup(a - im.TextAddr).Frames
			if len(fs) != 1 || fs[0].Start+im.TextAddr != a {
				t.Errorf("%s %s: function start %#x answered %+v", c.rel, c.arch, a, fs)
			}
		}
		if n == 0 {
			t.Errorf("%s: llvm-objdump listed no function starts", c.rel)
		}
		f.Close()
	}
}

package objfile

import (
	"strconv"
	"strings"
	"testing"

	"github.com/ianlancetaylor/demangle"
	"github.com/symbolicate/symbolicate/internal/corpus"
)

// bpFunc, bpLine and bpInline are records of a Breakpad .sym file (addresses
// are offsets from __TEXT vmaddr).
type bpFunc struct {
	addr, size uint64
	name       string
}

type bpLine struct {
	addr, size uint64
	line       int
	file       string
}

type bpInline struct {
	depth, callLine int
	callFile        string
	origin          string
	ranges          [][2]uint64
}

type bpSym struct {
	funcs   []bpFunc
	lines   []bpLine
	inlines []bpInline
}

// parseBreakpad reads the FUNC, line, FILE, INLINE_ORIGIN and INLINE records
// of a Breakpad symbol file.
func parseBreakpad(tb testing.TB, data []byte) *bpSym {
	tb.Helper()
	files, origins := map[int]string{}, map[int]string{}
	s := &bpSym{}
	hex := func(f string) uint64 {
		v, err := strconv.ParseUint(f, 16, 64)
		if err != nil {
			tb.Fatalf("bad hex %q", f)
		}
		return v
	}
	num := func(f string) int {
		v, err := strconv.Atoi(f)
		if err != nil {
			tb.Fatalf("bad number %q", f)
		}
		return v
	}
	var pend [][]string
	for _, l := range strings.Split(string(data), "\n") {
		f := strings.Fields(l)
		if len(f) == 0 {
			continue
		}
		switch f[0] {
		case "MODULE", "INFO", "PUBLIC", "STACK":
		case "FILE":
			files[num(f[1])] = strings.SplitN(l, " ", 3)[2]
		case "INLINE_ORIGIN":
			origins[num(f[1])] = strings.SplitN(l, " ", 3)[2]
		case "FUNC":
			if f[1] == "m" {
				f = f[1:]
			}
			parts := strings.SplitN(l, " ", 5)
			if parts[1] == "m" {
				parts = strings.SplitN(l, " ", 6)[1:]
			}
			s.funcs = append(s.funcs, bpFunc{addr: hex(f[1]), size: hex(f[2]), name: parts[4]})
		case "INLINE":
			pend = append(pend, f)
		default:
			s.lines = append(s.lines, bpLine{addr: hex(f[0]), size: hex(f[1]), line: num(f[2]), file: files[num(f[3])]})
		}
	}
	for i := range s.lines {
		s.lines[i].file = cleanPath(s.lines[i].file)
	}
	// FILE records precede everything in practice, but resolve late anyway.
	for _, f := range pend {
		in := bpInline{depth: num(f[1]), callLine: num(f[2]), callFile: cleanPath(files[num(f[3])]), origin: origins[num(f[4])]}
		for i := 5; i+1 < len(f); i += 2 {
			in.ranges = append(in.ranges, [2]uint64{hex(f[i]), hex(f[i+1])})
		}
		s.inlines = append(s.inlines, in)
	}
	return s
}

// sameName compares a linkage name with Breakpad's demangled one, allowing
// for rendering differences: white space (Breakpad writes "> >", current
// demanglers ">>"), the return type the demangler prints for function
// templates and dump_syms omits, and the namespace dump_syms adds to an
// extern "C" function declared inside one. Failing all that, it compares
// the qualified name up to the first "<" or "(": dump_syms' demangler
// renders enable_if return types and empty parameter packs its own way.
func sameName(linkage, demangled string) bool {
	squash := func(s string) string { return strings.Join(strings.Fields(s), "") }
	want := squash(demangled)
	if squash(linkage) == want || strings.HasSuffix(want, "::"+linkage) {
		return true
	}
	for _, cand := range []string{linkage, "_" + linkage} {
		d, err := demangle.ToString(cand)
		if err != nil {
			continue
		}
		if sd := squash(d); strings.HasSuffix(sd, want) {
			return true
		} else if i := strings.IndexAny(want, "<("); i > 2 {
			key := want[:i]
			if j := strings.Index(sd, key); j >= 0 && j+len(key) < len(sd) && strings.ContainsRune("<(", rune(sd[j+len(key)])) {
				return true
			}
		}
	}
	return false
}

func openCrash(tb testing.TB) *Image {
	tb.Helper()
	im, err := OpenImage(mustUUID(tb, "67E9247C-814E-392B-A027-DBDE6748FCBF"),
		corpus.Path(tb, "macho/symbolic/macos/crash"), corpus.Path(tb, "macho/symbolic/macos/crash.dSYM"))
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { im.Close() })
	if im.TextAddr != 0x100000000 {
		tb.Fatalf("__TEXT vmaddr %#x", im.TextAddr)
	}
	return im
}

// TestBreakpadFuncsAndLines checks the symbolic crash binary and dSYM
// against Breakpad dump_syms output: every FUNC record's address gives that
// function (same start, same name once demangled) and every line record's
// first and last byte give that file:line in the innermost frame.
func TestBreakpadFuncsAndLines(t *testing.T) {
	im := openCrash(t)
	sym := parseBreakpad(t, corpus.Read(t, "macho/symbolic/macos/crash.sym"))
	if len(sym.funcs) < 150 || len(sym.lines) < 5000 {
		t.Fatalf("parsed %d FUNC and %d line records", len(sym.funcs), len(sym.lines))
	}
	names, starts := 0, 0
	for _, f := range sym.funcs {
		res := im.Lookup(f.addr)
		if len(res.Frames) == 0 {
			t.Errorf("FUNC %#x %s: no answer", f.addr, f.name)
			continue
		}
		outer := res.Frames[len(res.Frames)-1]
		if outer.Start != f.addr {
			t.Errorf("FUNC %#x %s: start %#x (%s)", f.addr, f.name, outer.Start, outer.Function)
		} else {
			starts++
		}
		if f.name == "<name omitted>" {
			continue
		}
		if !sameName(outer.Function, f.name) {
			t.Errorf("FUNC %#x: %s, want %s", f.addr, outer.Function, f.name)
		} else {
			names++
		}
	}
	lines := 0
	for _, l := range sym.lines {
		for _, a := range []uint64{l.addr, l.addr + l.size - 1} {
			res := im.Lookup(a)
			if len(res.Frames) == 0 || res.Frames[0].File != l.file || res.Frames[0].Line != l.line {
				t.Errorf("line record %#x+%#x: got %+v, want %s:%d", l.addr, l.size, res.Frames, l.file, l.line)
				continue
			}
			lines++
		}
	}
	t.Logf("FUNC: %d/%d starts, %d named records match; lines: %d/%d lookups match",
		starts, len(sym.funcs), names, lines, 2*len(sym.lines))
}

// TestBreakpadInlines checks the INLINE records of crash.inlines.sym
// (mozilla dump_syms 2.1.0): at the first and last byte of each inlined
// range, the frame at the record's depth is that inlined function and the
// frame it was inlined into is at the record's call file:line.
func TestBreakpadInlines(t *testing.T) {
	im := openCrash(t)
	sym := parseBreakpad(t, corpus.Read(t, "macho/symbolic/macos/crash.inlines.sym"))
	if len(sym.inlines) < 1000 {
		t.Fatalf("parsed %d INLINE records", len(sym.inlines))
	}
	checked, named := 0, 0
	for _, in := range sym.inlines {
		for _, r := range in.ranges {
			for _, a := range []uint64{r[0], r[0] + r[1] - 1} {
				fs := im.Lookup(a).Frames
				// Frames are innermost first; depth 0 is inlined directly
				// into the concrete function (the last frame).
				k := len(fs) - 2 - in.depth
				if k < 0 {
					t.Errorf("INLINE depth %d %s at %#x: only %d frames", in.depth, in.origin, a, len(fs))
					continue
				}
				caller := fs[k+1]
				if caller.File != in.callFile || caller.Line != in.callLine {
					t.Errorf("INLINE depth %d %s at %#x: called from %s:%d, want %s:%d",
						in.depth, in.origin, a, caller.File, caller.Line, in.callFile, in.callLine)
					continue
				}
				if !fs[k].Inlined {
					t.Errorf("INLINE at %#x: frame %d not marked inlined", a, k)
				}
				checked++
				if sameName(fs[k].Function, in.origin) {
					named++
				} else {
					t.Errorf("INLINE depth %d at %#x: %s, want %s", in.depth, a, fs[k].Function, in.origin)
				}
			}
		}
	}
	t.Logf("%d inlined-range lookups match call site and depth; %d also by name", checked, named)
}

package objfile

import (
	"encoding/binary"
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/symbolicate/symbolicate/symbol"
)

// genExpect is the answer, by construction of genDWARF, for each offset
// from the load address (frames innermost first, "function start file:line:col").
var genExpect = map[uint64][]string{
	0x1004:  {"_Z5outerv 0x1000 /src/main.c:10:1"},
	0x1010:  {"middle_fn 0x1010 /src/main.c:20:3 inlined", "_Z5outerv 0x1000 /src/main.c:20:3"},
	0x1024:  {"inner_fn 0x1020 /src/inc/h.h:3:5 inlined", "middle_fn 0x1010 /src/inc/h.h:7:0 inlined", "_Z5outerv 0x1000 /src/main.c:20:3"},
	0x1034:  {"middle_fn 0x1010 /src/main.c:21:2 inlined", "_Z5outerv 0x1000 /src/main.c:20:3"},
	0x1047:  {"inner_fn 0x1020 /src/inc/h.h:4:5 inlined", "middle_fn 0x1010 /src/inc/h.h:7:0 inlined", "_Z5outerv 0x1000 /src/main.c:20:3"},
	0x1048:  {"middle_fn 0x1010 /src/main.c:22:1 inlined", "_Z5outerv 0x1000 /src/main.c:20:3"},
	0x1050:  {"_Z5outerv 0x1000 /src/main.c:22:1"},
	0x10ff:  {"_Z5outerv 0x1000 /src/main.c:22:1"},
	0x1100:  {"second 0x1100 /src/main.c:30:1"},
	0x117f:  {"second 0x1100 /src/main.c:30:1"},
	0x1180:  {"asm_fn 0x1180 :0:0"}, // symbol table only
	0x11ff:  {"asm_fn 0x1180 :0:0"}, // up to the end of __text
	0x0f10:  nil,                    // __mh_execute_header must not reach into __text
	0x1200:  nil,                    // past __text
	0x9999:  nil,                    // outside the image
	1 << 63: nil,                    // address overflow
}

func formatFrames(fs []symbol.Frame) []string {
	var out []string
	for _, f := range fs {
		s := fmt.Sprintf("%s %#x %s:%d:%d", f.Function, f.Start, f.File, f.Line, f.Column)
		if f.Inlined {
			s += " inlined"
		}
		out = append(out, s)
	}
	return out
}

// TestGeneratedDWARF checks lookups on hand-assembled DWARF 4 and DWARF 5
// (str_offsets, addrx, rnglistx, line_str, v5 line tables), with and
// without .debug_aranges, in a dSYM and in a binary carrying its own DWARF.
func TestGeneratedDWARF(t *testing.T) {
	for _, version := range []int{4, 5} {
		for _, aranges := range []bool{true, false} {
			for _, ft := range []uint32{TypeDSYM, TypeExecute} {
				for _, base := range []uint64{0, 0x100000000} {
					name := fmt.Sprintf("v%d/aranges=%v/type=%d/base=%#x", version, aranges, ft, base)
					t.Run(name, func(t *testing.T) {
						f, err := NewFile(name, genTestImage(version, base, ft, aranges))
						if err != nil {
							t.Fatal(err)
						}
						sl := f.Slices[0]
						if want := Kind(KindBinary); ft == TypeDSYM && sl.Kind != KindDSYM || ft != TypeDSYM && sl.Kind != want {
							t.Errorf("kind %v for filetype %d", sl.Kind, ft)
						}
						var im *Image
						if ft == TypeDSYM {
							im, err = NewImage(nil, sl)
						} else {
							im, err = NewImage(sl, nil)
						}
						if err != nil {
							t.Fatal(err)
						}
						if !im.HasDWARF() || im.DWARFErr() != nil {
							t.Fatalf("HasDWARF %v, err %v", im.HasDWARF(), im.DWARFErr())
						}
						for off, want := range genExpect {
							res := im.Lookup(off)
							if res.Warning != nil {
								t.Errorf("%#x: warning %v", off, res.Warning)
							}
							got := formatFrames(res.Frames)
							if strings.Join(got, "\n") != strings.Join(want, "\n") {
								t.Errorf("%#x:\n got %q\nwant %q", off, got, want)
							}
						}
					})
				}
			}
		}
	}
}

// TestParseAranges decodes 32- and 64-bit address sets, drops sets naming
// no unit, and rejects damaged headers without panicking.
func TestParseAranges(t *testing.T) {
	units := []unitHeader{{off: 0}, {off: 0x40}}
	set := func(infoOff uint32, asize uint8, pairs ...uint64) []byte {
		var a asm
		a.u32(0)
		a.u16(2)
		a.u32(infoOff)
		a.u8(asize)
		a.u8(0)
		for asize > 0 && a.len()%(2*int(asize)) != 0 {
			a.u8(0)
		}
		for _, p := range append(pairs, 0, 0) {
			if asize != 8 {
				a.u32(uint32(p))
			} else {
				a.u64(p)
			}
		}
		a.at(0, uint32(a.len()-4))
		return a.b
	}
	data := append(append(set(0x40, 4, 0x1000, 0x10, 0x2000, 0x8), set(0, 8, 0x100000000, 0x20)...), set(0x99, 8, 0x5000, 1)...)
	covered := make([]bool, 2)
	got, err := parseAranges(data, binary.LittleEndian, units, covered)
	want := []addrRange{{0x1000, 0x1010, 1}, {0x2000, 0x2008, 1}, {0x100000000, 0x100000020, 0}}
	if err != nil || !slices.Equal(got, want) || !covered[0] || !covered[1] {
		t.Errorf("got %v %v %v", got, covered, err)
	}
	for _, bad := range [][]byte{
		data[:7],                    // truncated header
		{5, 0, 0, 0, 2, 0, 0, 0, 0}, // set too short for its fields
		set(0, 0, 1, 2),             // address size 0
		set(0, 3, 1, 2),             // address size 3
		{0xff, 0xff, 0xff, 0xff, 1}, // 64-bit length truncated
		{0x10, 0, 0, 0, 2, 0, 0, 0}, // length past the end
	} {
		if _, err := parseAranges(bad, binary.LittleEndian, units, make([]bool, 2)); err == nil {
			t.Errorf("% x: no error", bad)
		}
	}
}

package objfile

import (
	"fmt"
	"strings"
	"testing"
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

func formatFrames(fs []Frame) []string {
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

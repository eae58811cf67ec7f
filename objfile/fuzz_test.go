package objfile

import (
	"bytes"
	"compress/zlib"
	"encoding/binary"
	"testing"
)

// fileSeeds are the generated images, fat wrappers of them, and the Go
// distribution's smaller Mach-O test files (read at test time, not
// copied). Large seeds make the fuzzer spend its time minimizing.
func fileSeeds(tb testing.TB) [][]byte {
	seeds := [][]byte{
		genTestImage(4, 0x100000000, TypeDSYM, true),
		genTestImage(5, 0, TypeExecute, false),
		fatWrap(false, [][2]uint32{{cpuX86_64, 3}, {cpuARM64, 0}}, genTestImage(4, 0, TypeDSYM, false), genTestImage(5, 0, TypeDSYM, true)),
		fatWrap(true, [][2]uint32{{cpuARM64, 2}}, genTestImage(5, 0x4000, TypeExecute, true)),
	}
	for _, b := range goMachOTestdata(tb) {
		if len(b) <= 8<<10 {
			seeds = append(seeds, b)
		}
	}
	return seeds
}

// FuzzFile decodes arbitrary bytes as a thin or fat Mach-O file, both the
// way Scan reads headers and the way Open maps files, then builds symbol
// tables and DWARF and looks up addresses across each slice.
func FuzzFile(f *testing.F) {
	for _, s := range fileSeeds(f) {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		infos, _, _, err := readSlices(&headSource{readerSource: readerSource{r: bytes.NewReader(data), n: uint64(len(data))}})
		fl, err2 := NewFile("fuzz", data)
		if (err == nil) != (err2 == nil) {
			t.Fatalf("header read and open disagree: %v / %v", err, err2)
		}
		if err == nil && len(infos) != len(fl.Slices) {
			t.Fatalf("%d slices from headers, %d from open", len(infos), len(fl.Slices))
		}
		exercise(data, 64)
	})
}

// dwarfSectionNames orders the sections FuzzDWARF receives.
var dwarfSectionNames = []string{"debug_info", "debug_abbrev", "debug_line", "debug_str", "debug_ranges",
	"debug_aranges", "debug_addr", "debug_str_offsets", "debug_rnglists", "debug_line_str"}

// FuzzDWARF feeds arbitrary DWARF sections to the loader, the unit index,
// the per-unit parser and name resolution, seeded with the generated
// DWARF 4 and 5 programs.
func FuzzDWARF(f *testing.F) {
	for _, v := range []int{4, 5} {
		for _, ar := range []bool{true, false} {
			secs := map[string][]byte{}
			for _, s := range genDWARF(v, 0, ar) {
				for mn, k := range machoDWARFNames {
					if mn == s.name {
						secs[k] = s.data
					}
				}
			}
			a := make([][]byte, len(dwarfSectionNames))
			for i, n := range dwarfSectionNames {
				a[i] = append([]byte{}, secs[n]...)
			}
			f.Add(a[0], a[1], a[2], a[3], a[4], a[5], a[6], a[7], a[8], a[9])
		}
	}
	f.Fuzz(func(t *testing.T, info, abbrev, line, str, ranges, aranges, addr, strOffs, rnglists, lineStr []byte) {
		secs := dwarfSections{}
		for i, b := range [][]byte{info, abbrev, line, str, ranges, aranges, addr, strOffs, rnglists, lineStr} {
			secs[dwarfSectionNames[i]] = b
		}
		dw, err := newDWARFInfo(secs, binary.LittleEndian)
		if err != nil {
			return
		}
		for a := uint64(0xf00); a < 0x1300; a += 4 {
			fs, _, _, _ := dw.lookup(a)
			for _, fr := range fs {
				if fr.Line < 0 || fr.Column < 0 {
					t.Fatalf("negative position %+v", fr)
				}
			}
		}
	})
}

// FuzzDecompress checks the ZLIB section decoder's limits: output never
// exceeds the declared size, which never exceeds the caps.
func FuzzDecompress(f *testing.F) {
	f.Add(zlibHeader(1 << 62))
	var z bytes.Buffer
	w := zlib.NewWriter(&z)
	w.Write([]byte("__debug_info contents"))
	w.Close()
	f.Add(append(zlibHeader(21), z.Bytes()...))
	f.Fuzz(func(t *testing.T, b []byte) {
		out, err := decompressSection(b, 0, "fuzz", maxDecompressed)
		if err != nil {
			return
		}
		if uint64(len(out)) > maxDecompressed || uint64(len(out)) > uint64(len(b))*maxZlibRatio+64 {
			t.Fatalf("%d bytes out of %d", len(out), len(b))
		}
	})
}

package dsctest_test

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"strings"
	"testing"

	"github.com/symbolicate/symbolicate/dsc/dsctest"
	"github.com/symbolicate/symbolicate/internal/corpus"
)

// The conventions below are checked on the four Apple-built corpus caches
// and on generated caches of every layout. See the package documentation
// for the list and for where the real caches differ from the spec.

// realCaches are the Apple-built caches of the corpus
// (corpus/macho/testbins/dyldcache, see its EXPECTED.md).
var realCaches = []string{
	"dyld_shared_cache_arm64-macOS",
	"dyld_shared_cache_arm64-macOS-1042.1",
	"dyld_shared_cache_arm64-macOS-objc",
	"dyld_shared_cache_arm64e-macOS-objc",
}

type convention struct {
	name  string
	check func(c *scanCache) error
}

var knownHeaderSizes = map[uint32]bool{0x68: true, 0x98: true, 0xF8: true, 0x138: true, 0x140: true, 0x1C8: true, 0x200: true, 0x208: true, 0x228: true}

func pageOf(arch string) uint64 {
	if strings.HasPrefix(arch, "x86_64") {
		return 0x1000
	}
	return 0x4000
}

func hashPath(p string) uint64 {
	var s uint64
	for i := 0; i < len(p); i++ {
		s = s*5 + uint64(p[i])
	}
	return s
}

func files(c *scanCache) []*scanFile { return append([]*scanFile{c.main}, c.subs...) }

func protOK(m scanMapping) bool {
	switch [2]uint32{m.maxProt, m.initProt} {
	case [2]uint32{5, 5}, [2]uint32{3, 3}, [2]uint32{3, 1}, [2]uint32{1, 1}:
		return true
	}
	return false
}

var conventions = []convention{
	{"magic is dyld_v1, the arch right-aligned in 15 bytes, NUL", func(c *scanCache) error {
		for _, f := range append(files(c), nonNil(c.symbols)...) {
			m := f.data[:16]
			if m[15] != 0 || string(m[:7]) != "dyld_v1" {
				return fmt.Errorf("%s: magic %q", f.path, m)
			}
			arch := strings.TrimLeft(string(m[7:15]), " ")
			if strings.Repeat(" ", 8-len(arch))+arch != string(m[7:15]) {
				return fmt.Errorf("%s: arch not right-aligned in %q", f.path, m)
			}
			switch arch {
			case "arm64", "arm64e", "x86_64", "x86_64h", "arm64_32":
			default:
				return fmt.Errorf("%s: unknown arch %q", f.path, arch)
			}
		}
		return nil
	}},
	{"mappingOffset is the header size of a dyld generation, the same in every file", func(c *scanCache) error {
		for _, f := range append(files(c), nonNil(c.symbols)...) {
			if !knownHeaderSizes[f.hdrSize] || f.hdrSize != c.main.hdrSize {
				return fmt.Errorf("%s: header size %#x", f.path, f.hdrSize)
			}
		}
		return nil
	}},
	{"unused header fields are zero", func(c *scanCache) error {
		for _, f := range files(c) {
			if f.u64(0x20) != 0 {
				return fmt.Errorf("%s: dyldBaseAddress %#x", f.path, f.u64(0x20))
			}
			if f.hdrSize >= 0x140 && (f.u64(0x38) != 0 || f.u64(0x40) != 0) {
				return fmt.Errorf("%s: slideInfoOffsetUnused set", f.path)
			}
			if f.hdrSize >= 0x98 && f.u64(0x70) != 0 {
				return fmt.Errorf("%s: branch pools set", f.path)
			}
			if f.hdrSize >= 0x1C8 && (f.u32(0x18) != 0 || f.u32(0x1C) != 0) {
				return fmt.Errorf("%s: imagesOffsetOld/CountOld set in a new header", f.path)
			}
		}
		return nil
	}},
	{"the code signature ends the file, after the mappings, and is a SuperBlob", func(c *scanCache) error {
		for _, f := range append(files(c), nonNil(c.symbols)...) {
			off, size := f.u64(0x28), f.u64(0x30)
			if size == 0 || off+size != uint64(len(f.data)) {
				return fmt.Errorf("%s: code signature [%#x,+%#x) in a %#x-byte file", f.path, off, size, len(f.data))
			}
			last := f.maps[len(f.maps)-1]
			if off < last.fileOff+last.size {
				return fmt.Errorf("%s: code signature inside the mappings", f.path)
			}
			if binary.BigEndian.Uint32(f.data[off:]) != 0xfade0cc0 {
				return fmt.Errorf("%s: code signature magic %#x", f.path, binary.BigEndian.Uint32(f.data[off:]))
			}
		}
		return nil
	}},
	{"mappings: first at file offset 0 and sharedRegionStart, contiguous in the file, ascending, page-aligned", func(c *scanCache) error {
		page := pageOf(c.arch)
		var prevEnd uint64
		for _, f := range files(c) {
			if f.maps[0].fileOff != 0 {
				return fmt.Errorf("%s: first mapping at file offset %#x", f.path, f.maps[0].fileOff)
			}
			if v, ok := f.field(0xE0, 8); ok && v != f.maps[0].addr {
				return fmt.Errorf("%s: sharedRegionStart %#x != first mapping %#x", f.path, v, f.maps[0].addr)
			}
			for k, m := range f.maps {
				if k > 0 && m.fileOff != f.maps[k-1].fileOff+f.maps[k-1].size {
					return fmt.Errorf("%s: mapping %d not contiguous in the file", f.path, k)
				}
				if m.addr < prevEnd {
					return fmt.Errorf("%s: mapping %d at %#x below the previous end %#x", f.path, k, m.addr, prevEnd)
				}
				prevEnd = m.addr + m.size
				if m.addr%page != 0 || m.size%page != 0 || m.fileOff%page != 0 {
					return fmt.Errorf("%s: mapping %d not %#x-aligned: %#x +%#x @%#x", f.path, k, page, m.addr, m.size, m.fileOff)
				}
			}
		}
		return nil
	}},
	{"gaps between regions: 32 MiB on arm64* (between every region up to dyld-832), 1 GiB-aligned on x86_64, else none", func(c *scanCache) error {
		var prev *scanMapping
		for _, f := range files(c) {
			for k := range f.maps {
				m := &f.maps[k]
				if prev != nil {
					gap := m.addr - (prev.addr + prev.size)
					switch {
					case strings.HasPrefix(c.arch, "x86"):
						if gap != 0 && m.addr%(1<<30) != 0 {
							return fmt.Errorf("%s: mapping %d at %#x after a %#x gap", f.path, k, m.addr, gap)
						}
					case c.main.hdrSize <= 0x140 && k > 0:
						if gap != 32<<20 {
							return fmt.Errorf("%s: mapping %d after a %#x gap", f.path, k, gap)
						}
					case gap != 0 && gap != 32<<20:
						return fmt.Errorf("%s: mapping %d after a %#x gap", f.path, k, gap)
					}
				}
				prev = m
			}
		}
		return nil
	}},
	{"mapping protections: r-x first, then rw- (initially r-- for *_CONST from dyld-940), LINKEDIT r-- last", func(c *scanCache) error {
		for _, f := range files(c) {
			rank := func(m scanMapping) int {
				switch m.maxProt {
				case 5:
					return 0
				case 3:
					return 1
				}
				return 2
			}
			for k, m := range f.maps {
				if !protOK(m) {
					return fmt.Errorf("%s: mapping %d prot %d/%d", f.path, k, m.maxProt, m.initProt)
				}
				if m.initProt == 1 && m.maxProt == 3 && f.hdrSize < 0x1C8 {
					return fmt.Errorf("%s: read-only initial DATA before dyld-940", f.path)
				}
				if k > 0 && rank(m) < rank(f.maps[k-1]) {
					return fmt.Errorf("%s: mapping %d prot %d after %d", f.path, k, m.maxProt, f.maps[k-1].maxProt)
				}
			}
			if f == c.main && f.maps[0].maxProt != 5 {
				return fmt.Errorf("main file starts with prot %d", f.maps[0].maxProt)
			}
		}
		return nil
	}},
	{"mappings with slide info sit mappingCount×56 bytes after the mappings and slide only writable mappings (4 KiB slide pages)", func(c *scanCache) error {
		for _, f := range files(c) {
			if f.hdrSize < 0x140 {
				continue
			}
			if want := f.hdrSize + uint32(len(f.maps))*56; f.mwsOff != want {
				return fmt.Errorf("%s: mappingWithSlideOffset %#x, want %#x", f.path, f.mwsOff, want)
			}
			for k, m := range f.maps {
				if (m.maxProt&2 != 0) != (m.slideSize != 0) {
					return fmt.Errorf("%s: mapping %d prot %d with %d bytes of slide info", f.path, k, m.maxProt, m.slideSize)
				}
				if m.flags&1 != 0 && c.arch != "arm64e" {
					return fmt.Errorf("%s: AUTH mapping in a %s cache", f.path, c.arch)
				}
				if m.slideSize == 0 {
					continue
				}
				if m.slideOff+m.slideSize > uint64(len(f.data)) {
					return fmt.Errorf("%s: slide info past end", f.path)
				}
				ver, pageSize := f.u32(m.slideOff), f.u32(m.slideOff+4)
				if ver < 1 || ver > 5 || (ver != 1 && pageSize != 0x1000) {
					return fmt.Errorf("%s: slide info version %d page size %#x", f.path, ver, pageSize)
				}
			}
		}
		return nil
	}},
	{"image_info follows the mapping tables, image_text_info follows image_info, then subcache entries, then the install-name pool", func(c *scanCache) error {
		f := c.main
		n := uint64(f.imgCount)
		want := uint64(f.hdrSize) + uint64(len(f.maps))*32
		if f.hdrSize >= 0x140 {
			want = uint64(f.mwsOff) + uint64(len(f.maps))*56
		}
		if uint64(f.imgOff) != want {
			return fmt.Errorf("imagesOffset %#x, want %#x", f.imgOff, want)
		}
		if f.hdrSize < 0x98 {
			return nil
		}
		text := f.u64(0x88)
		if text != uint64(f.imgOff)+n*32 || f.u64(0x90) != n {
			return fmt.Errorf("imagesTextOffset %#x count %d, want %#x count %d", text, f.u64(0x90), uint64(f.imgOff)+n*32, n)
		}
		pool := text + n*32
		if sub, ok := f.field(0x188, 4); ok && sub != 0 {
			if sub != pool {
				return fmt.Errorf("subCacheArrayOffset %#x, want %#x", sub, pool)
			}
			cnt, _ := f.field(0x18C, 4)
			esz := uint64(24)
			if f.hdrSize > 0x1C8 {
				esz = 56
			}
			pool += cnt * esz
		}
		if tpro, ok := f.field(0x200, 4); ok && tpro != 0 && tpro != pool {
			return fmt.Errorf("tproMappingsOffset %#x, want %#x", tpro, pool)
		}
		// Install names: consecutive, in image order.
		for i := uint64(0); i < n; i++ {
			at := uint64(f.u32(text + 32*i + 28))
			if at != pool {
				return fmt.Errorf("image %d path at %#x, want %#x", i, at, pool)
			}
			s, err := f.cstring(at)
			if err != nil {
				return err
			}
			pool += uint64(len(s)) + 1
		}
		return nil
	}},
	{"image_info paths: inside the image's LC_ID_DYLIB before dyld-940, the pool entry after", func(c *scanCache) error {
		for _, im := range c.images {
			if im.infoPath != im.path || im.idName != im.path {
				return fmt.Errorf("image %d: paths %q / %q / LC_ID_DYLIB %q", im.index, im.infoPath, im.path, im.idName)
			}
			if c.main.hdrSize < 0x1C8 {
				if im.file != c.main || im.infoPathAt < im.off || im.infoPathAt >= im.off+im.textSize {
					return fmt.Errorf("image %d: image_info path at %#x outside its __TEXT", im.index, im.infoPathAt)
				}
			} else if im.infoPathAt != uint64(c.main.u32(c.main.u64(0x88)+32*uint64(im.index)+28)) {
				return fmt.Errorf("image %d: image_info path not the pool entry", im.index)
			}
		}
		return nil
	}},
	{"image_info modTime is 0; inode is the path hash before dyld-1042 and 0 after", func(c *scanCache) error {
		for _, im := range c.images {
			want := uint64(0)
			if c.main.hdrSize < 0x1C8 {
				want = hashPath(im.path)
			}
			if im.modTime != 0 || im.inode != want {
				return fmt.Errorf("image %d: modTime %d inode %d, want 0 and %d", im.index, im.modTime, im.inode, want)
			}
		}
		return nil
	}},
	{"images ascend, 4 KiB-aligned, __TEXT a multiple of the page inside an r-x mapping", func(c *scanCache) error {
		page := pageOf(c.arch)
		for k, im := range c.images {
			if k > 0 && im.addr < c.images[k-1].addr+c.images[k-1].textSize {
				return fmt.Errorf("image %d at %#x overlaps or precedes image %d", k, im.addr, k-1)
			}
			if im.addr%0x1000 != 0 || im.textSize%page != 0 {
				return fmt.Errorf("image %d at %#x size %#x", k, im.addr, im.textSize)
			}
			_, m, ok := c.mappingOf(im.addr)
			if !ok || m.maxProt != 5 || im.addr+im.textSize > m.addr+m.size {
				return fmt.Errorf("image %d __TEXT not inside an r-x mapping", k)
			}
		}
		return nil
	}},
	{"maxSlide is 2 GiB minus the first mapping; sharedRegionSize covers every mapping", func(c *scanCache) error {
		f := c.main
		slide, ok := f.field(0xF0, 8)
		if !ok {
			return nil
		}
		if !strings.HasPrefix(c.arch, "x86") && slide+f.maps[0].size != 0x80000000 {
			return fmt.Errorf("maxSlide %#x with a %#x first mapping", slide, f.maps[0].size)
		}
		last := files(c)[len(files(c))-1]
		end := last.maps[len(last.maps)-1]
		if size, _ := f.field(0xE8, 8); c.base+size < end.addr+end.size {
			return fmt.Errorf("sharedRegionSize %#x ends before the last mapping %#x", size, end.addr+end.size)
		}
		return nil
	}},
	{"platform matches the images; formatVersion 10 at dyld-832, 0 from dyld-1042", func(c *scanCache) error {
		f := c.main
		plat, ok := f.field(0xD8, 4)
		if !ok {
			return nil
		}
		for _, im := range c.images {
			if uint64(im.platform) != plat {
				return fmt.Errorf("image %d platform %d, header %d", im.index, im.platform, plat)
			}
		}
		format := f.u32(0xDC) & 0xff
		if (f.hdrSize == 0x140 && format != 10) || (f.hdrSize >= 0x200 && format != 0) {
			return fmt.Errorf("formatVersion %d at header %#x", format, f.hdrSize)
		}
		return nil
	}},
	{"osVersion is libdyld's minimum OS (dyld-940+)", func(c *scanCache) error {
		v, ok := c.main.field(0x16C, 4)
		if !ok {
			return nil
		}
		for _, im := range c.images {
			if strings.HasSuffix(im.path, "/libdyld.dylib") && uint64(im.minOS) != v {
				return fmt.Errorf("osVersion %#x, libdyld minos %#x", v, im.minOS)
			}
		}
		return nil
	}},
	{"the dylibs trie is in a read-only mapping and maps every install name to its index", func(c *scanCache) error {
		addr, ok := c.main.field(0x108, 8)
		if !ok || addr == 0 {
			return nil
		}
		size := c.main.u64(0x110)
		f, m, ok := c.mappingOf(addr)
		if !ok || m.maxProt != 1 || addr+size > m.addr+m.size {
			return fmt.Errorf("dylibs trie %#x+%#x not in a read-only mapping", addr, size)
		}
		off := m.fileOff + addr - m.addr
		t, err := walkTrie(f.data[off:off+size], func(term []byte) (trieExport, error) {
			p := 0
			v, err := uleb(term, &p)
			return trieExport{off: v}, err
		})
		if err != nil {
			return err
		}
		for _, im := range c.images {
			if e, ok := t[im.path]; !ok || e.off != uint64(im.index) {
				return fmt.Errorf("dylibs trie: %s → %v", im.path, e)
			}
		}
		return nil
	}},
	{"mach_header: magic, CPU type of the cache arch, MH_DYLIB, in-cache flags", func(c *scanCache) error {
		want := map[string][3]uint32{"arm64": {0xfeedfacf, 0x0100000C, 0}, "arm64e": {0xfeedfacf, 0x0100000C, 0x80000002},
			"x86_64": {0xfeedfacf, 0x01000007, 3}, "x86_64h": {0xfeedfacf, 0x01000007, 8}, "arm64_32": {0xfeedface, 0x0200000C, 1}}[c.arch]
		for _, im := range c.images {
			if im.magic != want[0] || im.cpuType != want[1] || im.cpuSub != want[2] || im.fileType != 6 {
				return fmt.Errorf("image %d: magic %#x cpu %#x/%#x type %d", im.index, im.magic, im.cpuType, im.cpuSub, im.fileType)
			}
			if need := uint32(0x80000000 | 0x80 | 0x4 | 0x1); im.flags&need != need {
				return fmt.Errorf("image %d: flags %#x lack %#x", im.index, im.flags, need)
			}
		}
		return nil
	}},
	{"load commands: segments first, then ID_DYLIB, exports, SYMTAB, DYSYMTAB, UUID, version, SOURCE_VERSION, dylibs, FUNCTION_STARTS, DATA_IN_CODE", func(c *scanCache) error {
		rank := map[uint32]int{0xd: 1, 0x80000033: 2, 0x80000022: 2, 0x2: 3, 0xb: 4, 0x1b: 5, 0x32: 6, 0x24: 6, 0x25: 6, 0x2f: 6, 0x30: 6,
			0x2a: 7, 0xc: 8, 0x8000001f: 8, 0x80000018: 8, 0x80000023: 8, 0x26: 9, 0x29: 10}
		for _, im := range c.images {
			prev := 0
			for k, lc := range im.lcs {
				r := 0
				if lc.cmd != 0x19 && lc.cmd != 0x1 {
					var ok bool
					if r, ok = rank[lc.cmd]; !ok {
						return fmt.Errorf("image %d: unexpected load command %#x", im.index, lc.cmd)
					}
				}
				if r < prev {
					return fmt.Errorf("image %d: load command %d (%#x) out of order", im.index, k, lc.cmd)
				}
				prev = r
			}
			for _, need := range []uint32{0xd, 0x2, 0xb, 0x1b, 0x26} {
				found := false
				for _, lc := range im.lcs {
					found = found || lc.cmd == need
				}
				if !found {
					return fmt.Errorf("image %d lacks load command %#x", im.index, need)
				}
			}
		}
		return nil
	}},
	{"segments: __TEXT first at the image address and file offset, __LINKEDIT last, __text its first section", func(c *scanCache) error {
		for _, im := range c.images {
			t := im.segs[0]
			if t.name != "__TEXT" || t.addr != im.addr || t.size != im.textSize || t.fileOff != im.off || t.fsz != t.size || t.maxProt != 5 || t.initProt != 5 {
				return fmt.Errorf("image %d: first segment %+v", im.index, t)
			}
			if len(t.sects) == 0 || t.sects[0].name != "__text" || t.sects[0].flags != 0x80000400 ||
				t.sects[0].addr < t.addr || t.sects[0].addr+t.sects[0].size > t.addr+t.size || uint64(t.sects[0].off) != im.off+t.sects[0].addr-t.addr {
				return fmt.Errorf("image %d: __text %+v", im.index, t.sects)
			}
			last := im.segs[len(im.segs)-1]
			if last.name != "__LINKEDIT" || last.maxProt != 1 || last.initProt != 1 || last.fsz != last.size {
				return fmt.Errorf("image %d: last segment %+v", im.index, last)
			}
			for _, s := range im.segs[1 : len(im.segs)-1] {
				if s.addr < t.addr+t.size || s.addr >= last.addr {
					return fmt.Errorf("image %d: segment %s at %#x outside (__TEXT, __LINKEDIT)", im.index, s.name, s.addr)
				}
				f, off, ok := c.translate(s.addr)
				if !ok || off != s.fileOff || f == nil {
					return fmt.Errorf("image %d: segment %s fileoff %#x, mapped at %#x", im.index, s.name, s.fileOff, off)
				}
			}
		}
		return nil
	}},
	{"__LINKEDIT lies in a read-only mapping and is shared by the images of its file", func(c *scanCache) error {
		byFile := map[*scanFile]scanSeg{}
		for _, im := range c.images {
			le := *im.seg("__LINKEDIT")
			_, m, ok := c.mappingOf(le.addr)
			if !ok || m.maxProt != 1 || le.addr+le.size > m.addr+m.size || le.fileOff != m.fileOff+le.addr-m.addr {
				return fmt.Errorf("image %d: __LINKEDIT %#x+%#x @%#x not in a read-only mapping", im.index, le.addr, le.size, le.fileOff)
			}
			le.sects = nil
			if prev, ok := byFile[im.leFile]; ok && (prev.addr != le.addr || prev.size != le.size) {
				return fmt.Errorf("image %d: __LINKEDIT differs from the other images of %s", im.index, im.leFile.path)
			}
			byFile[im.leFile] = le
		}
		return nil
	}},
	{"LC_UUID equals image_text_info.uuid; image UUIDs are distinct", func(c *scanCache) error {
		seen := map[[16]byte]bool{}
		for _, im := range c.images {
			if c.main.hdrSize >= 0x98 && im.lcUUID != im.uuid {
				return fmt.Errorf("image %d: LC_UUID %x, image_text_info %x", im.index, im.lcUUID, im.uuid)
			}
			if seen[im.lcUUID] || im.lcUUID == [16]byte{} {
				return fmt.Errorf("image %d: UUID %x repeated or zero", im.index, im.lcUUID)
			}
			seen[im.lcUUID] = true
		}
		return nil
	}},
	{"one string pool per LINKEDIT, starting with NUL; each image's nlist slice follows the previous one", func(c *scanCache) error {
		type pool struct{ off, size uint32 }
		pools := map[*scanFile]pool{}
		next := map[*scanFile]uint32{}
		for _, im := range c.images {
			p := pool{im.stroff, im.strsize}
			if prev, ok := pools[im.leFile]; ok && prev != p {
				return fmt.Errorf("image %d: string pool %+v, others %+v", im.index, p, prev)
			}
			pools[im.leFile] = p
			if im.leFile.data[im.stroff] != 0 {
				return fmt.Errorf("image %d: string pool starts with %q", im.index, im.leFile.data[im.stroff])
			}
			if n, ok := next[im.leFile]; ok && im.symoff != n {
				return fmt.Errorf("image %d: symoff %#x, previous slice ends at %#x", im.index, im.symoff, n)
			}
			esz := uint32(16)
			if c.arch == "arm64_32" {
				esz = 12
			}
			next[im.leFile] = im.symoff + im.nsyms*esz
		}
		return nil
	}},
	{"LC_DYSYMTAB indexes the image's slice: locals, then extdefs, then undefs (iundefsym 0 when there are none, from dyld-1042)", func(c *scanCache) error {
		for _, im := range c.images {
			d := im.dysym
			iund := d[2] + d[3]
			if d[5] == 0 && c.main.hdrSize >= 0x200 {
				iund = 0
			}
			if d[0] != 0 || d[2] != d[1] || d[4] != iund || d[2]+d[3]+d[5] != im.nsyms {
				return fmt.Errorf("image %d: dysymtab %v with %d symbols", im.index, d[:6], im.nsyms)
			}
		}
		return nil
	}},
	{"nlist: locals are non-external (<redacted> in __text), extdefs N_SECT|N_EXT sorted by name, undefs N_UNDF|N_EXT", func(c *scanCache) error {
		for _, im := range c.images {
			d := im.dysym
			for k, n := range im.nlist {
				switch {
				case uint32(k) < d[1]:
					if n.typ&0xe1 != 0 || (n.typ == 0x0e && n.sect == 1 && n.name != "<redacted>") {
						return fmt.Errorf("image %d: local %d %+v", im.index, k, n)
					}
				case uint32(k) < d[2]+d[3]:
					if n.typ != 0x0f {
						return fmt.Errorf("image %d: extdef %d %+v", im.index, k, n)
					}
					if uint32(k) > d[2] && im.nlist[k-1].name >= n.name {
						return fmt.Errorf("image %d: extdef %q after %q", im.index, n.name, im.nlist[k-1].name)
					}
				default:
					if n.typ != 0x01 || n.sect != 0 {
						return fmt.Errorf("image %d: undef %d %+v", im.index, k, n)
					}
				}
			}
		}
		return nil
	}},
	{"function starts ascend inside __text", func(c *scanCache) error {
		for _, im := range c.images {
			fs, err := c.functionStarts(im)
			if err != nil {
				return fmt.Errorf("image %d: %w", im.index, err)
			}
			text := im.segs[0].sects[0]
			for k, a := range fs {
				if a < text.addr || a >= text.addr+text.size || (k > 0 && a <= fs[k-1]) {
					return fmt.Errorf("image %d: function start %#x (__text %#x+%#x)", im.index, a, text.addr, text.size)
				}
			}
		}
		return nil
	}},
	{"the export trie holds every defined external symbol at its address, inside the image", func(c *scanCache) error {
		for _, im := range c.images {
			ex, err := c.exports(im)
			if err != nil {
				return fmt.Errorf("image %d: trie: %w", im.index, err)
			}
			for name, e := range ex {
				if e.flags&0x08 != 0 || e.flags&3 == 2 {
					continue // re-exports and absolute symbols
				}
				a := im.addr + e.off
				in := false
				for _, s := range im.segs {
					in = in || (a >= s.addr && a < s.addr+s.size)
				}
				if !in {
					return fmt.Errorf("image %d: export %s at %#x outside the image", im.index, name, a)
				}
			}
			for _, n := range im.nlist[im.dysym[2] : im.dysym[2]+im.dysym[3]] {
				if e, ok := ex[n.name]; !ok || im.addr+e.off != n.value {
					return fmt.Errorf("image %d: extdef %s %#x not in the trie (%v)", im.index, n.name, n.value, e)
				}
			}
		}
		return nil
	}},
}

func nonNil(f *scanFile) []*scanFile {
	if f == nil {
		return nil
	}
	return []*scanFile{f}
}

func checkConventions(t *testing.T, c *scanCache) {
	t.Helper()
	for _, cv := range conventions {
		if err := cv.check(c); err != nil {
			t.Errorf("%s: %v", cv.name, err)
		}
	}
}

func TestConventionsRealCaches(t *testing.T) {
	for _, name := range realCaches {
		t.Run(name, func(t *testing.T) {
			c, err := scan(corpus.Path(t, "macho/testbins/dyldcache/"+name))
			if err != nil {
				t.Fatal(err)
			}
			if len(c.images) == 0 {
				t.Fatal("no images")
			}
			checkConventions(t, c)
			t.Logf("header %#x, %d mappings, %d images, mapping alignment %#x", c.main.hdrSize, len(c.main.maps), len(c.images), mappingAlignment(c))
		})
	}
}

// mappingAlignment is the largest power of two dividing every mapping's
// address, size and file offset.
func mappingAlignment(c *scanCache) uint64 {
	var or uint64
	for _, f := range files(c) {
		for _, m := range f.maps {
			or |= m.addr | m.size | m.fileOff
		}
	}
	return or & -or
}

// generatedConfigs covers every layout, the header generations and the
// architectures.
var generatedConfigs = []dsctest.Config{
	{Seed: 1},
	{Seed: 2, Arch: "arm64", HeaderSize: 0x200},
	{Seed: 3, Arch: "x86_64", HeaderSize: 0x208},
	{Seed: 4, Arch: "arm64_32"},
	{Seed: 5, Arch: "x86_64h", NoSymbolsFile: true},
	{Seed: 6, Layout: dsctest.LayoutSplitV1},
	{Seed: 7, Layout: dsctest.LayoutSplitV1, Arch: "x86_64"},
	{Seed: 8, Layout: dsctest.LayoutSingle},
	{Seed: 9, Layout: dsctest.LayoutSingle, Arch: "arm64"},
	{Seed: 10, Layout: dsctest.LayoutSingle, Arch: "arm64", HeaderSize: 0x138},
	{Seed: 11, Layout: dsctest.LayoutSingle, Arch: "arm64", HeaderSize: 0xF8},
	{Seed: 12, Layout: dsctest.LayoutSingle, Arch: "arm64", HeaderSize: 0x98},
	{Seed: 13, Layout: dsctest.LayoutSingle, Arch: "arm64", HeaderSize: 0x68},
	{Seed: 14, Layout: dsctest.LayoutSingle, Arch: "x86_64", NoSymbolsFile: true},
	{Seed: 15, Layout: dsctest.LayoutSingle, Arch: "arm64_32", HeaderSize: 0x140},
	{Seed: 16, Images: 40, SymbolsPerImage: 50, SubCaches: 5},
	{Seed: 17, Images: 1, SymbolsPerImage: 1},
	dsctest.Demo(1),
}

func configName(cfg dsctest.Config) string {
	return fmt.Sprintf("seed%d-%v-%s-%#x", cfg.Seed, cfg.Layout, cfg.Arch, cfg.HeaderSize)
}

func TestConventionsGenerated(t *testing.T) {
	for _, cfg := range generatedConfigs {
		t.Run(configName(cfg), func(t *testing.T) {
			gc, err := dsctest.Generate(t.TempDir(), cfg)
			if err != nil {
				t.Fatal(err)
			}
			c, err := scan(gc.MainPath)
			if err != nil {
				t.Fatal(err)
			}
			if len(c.images) != len(gc.Images) {
				t.Fatalf("%d images scanned, %d generated", len(c.images), len(gc.Images))
			}
			checkConventions(t, c)
			checkSplit(t, c, gc)
		})
	}
}

// checkSplit checks what only generated caches have: subcaches, the
// .symbols file and local symbols.
func checkSplit(t *testing.T, c *scanCache, gc *dsctest.Cache) {
	t.Helper()
	if c.main.uuid != gc.UUID {
		t.Errorf("main UUID %x, truth %v", c.main.uuid, gc.UUID)
	}
	if len(c.subs) != len(gc.SubCaches) {
		t.Fatalf("%d subcaches scanned, %d generated", len(c.subs), len(gc.SubCaches))
	}
	v2 := c.main.hdrSize > 0x1C8
	for k, s := range c.subs {
		want := fmt.Sprintf(".%d", k+1)
		if v2 {
			want = fmt.Sprintf(".%02d", k+1)
		}
		if !strings.HasPrefix(c.suffix[k], want) || c.suffix[k] != gc.SubCaches[k].Suffix {
			t.Errorf("subcache %d suffix %q, want prefix %q", k, c.suffix[k], want)
		}
		esz := uint64(24)
		if v2 {
			esz = 56
		}
		e := c.main.u64(0x188) & 0xffffffff
		e += uint64(k) * esz
		if !bytes.Equal(c.main.data[e:e+16], s.uuid[:]) {
			t.Errorf("subcache %d: entry UUID %x, header %x", k, c.main.data[e:e+16], s.uuid)
		}
		if vm := c.main.u64(e + 16); vm != s.maps[0].addr-c.base || vm != gc.SubCaches[k].VMOffset {
			t.Errorf("subcache %d: cacheVMOffset %#x, first mapping %#x", k, vm, s.maps[0].addr)
		}
		if s.imgCount != 0 && v2 && !strings.HasPrefix(c.arch, "x86") {
			t.Errorf("subcache %d carries an image list", k)
		}
		if s.u64(0xE8) != 0 {
			t.Errorf("subcache %d: sharedRegionSize %#x", k, s.u64(0xE8))
		}
	}
	locals, entSize, err := c.localSymbols()
	if err != nil {
		t.Fatal(err)
	}
	switch {
	case gc.Config.NoSymbolsFile:
		if locals != nil || c.symbols != nil {
			t.Error("local symbols written despite NoSymbolsFile")
		}
		return
	case gc.Config.Layout == dsctest.LayoutSingle:
		if entSize != 12 {
			t.Errorf("in-cache local symbols entries are %d bytes", entSize)
		}
	default:
		if c.symbols == nil {
			t.Fatal("no .symbols file")
		}
		if !bytes.Equal(c.symbols.uuid[:], c.main.data[0x190:0x1A0]) || c.symbols.uuid != gc.SymbolFileUUID {
			t.Errorf(".symbols UUID %x, symbolFileUUID %x", c.symbols.uuid, c.main.data[0x190:0x1A0])
		}
		if entSize != 16 || c.symbols.imgCount != 0 {
			t.Errorf(".symbols entries %d bytes, %d images listed", entSize, c.symbols.imgCount)
		}
	}
	if len(locals) != len(c.images) {
		t.Errorf("%d local symbol entries for %d images", len(locals), len(c.images))
	}
	for _, im := range c.images {
		key := im.addr - c.base // dylibOffset: VM offset (split) or file offset (single), equal in one file
		if gc.Config.Layout == dsctest.LayoutSingle && key != im.off {
			t.Errorf("image %d: VM offset %#x != file offset %#x", im.index, key, im.off)
		}
		if _, ok := locals[key]; !ok {
			t.Errorf("image %d: no local symbols entry for dylibOffset %#x", im.index, key)
		}
	}
}

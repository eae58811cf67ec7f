package dsctest_test

// A small, independent dyld_shared_cache reader used only by the tests. It
// shares no code with the generator, reads both the corpus caches and the
// generated ones, and reports malformed input as errors.

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"os"
	"strings"
)

type scanMapping struct {
	addr, size, fileOff uint64
	maxProt, initProt   uint32
	// from dyld_cache_mapping_and_slide_info, when present
	slideOff, slideSize, flags uint64
}

type scanFile struct {
	path     string
	data     []byte
	hdrSize  uint32
	maps     []scanMapping
	mwsOff   uint32
	uuid     [16]byte
	imgOff   uint32 // image_info array (old or new position)
	imgCount uint32
}

func (f *scanFile) u32(off uint64) uint32 {
	if off+4 > uint64(len(f.data)) {
		return 0
	}
	return binary.LittleEndian.Uint32(f.data[off:])
}

func (f *scanFile) u64(off uint64) uint64 {
	if off+8 > uint64(len(f.data)) {
		return 0
	}
	return binary.LittleEndian.Uint64(f.data[off:])
}

// field reads a header field if the header is large enough to have it.
func (f *scanFile) field(off uint64, size int) (uint64, bool) {
	if uint64(f.hdrSize) < off+uint64(size) {
		return 0, false
	}
	if size == 4 {
		return uint64(f.u32(off)), true
	}
	return f.u64(off), true
}

func (f *scanFile) cstring(off uint64) (string, error) {
	if off >= uint64(len(f.data)) {
		return "", fmt.Errorf("%s: string at %#x past end", f.path, off)
	}
	end := bytes.IndexByte(f.data[off:], 0)
	if end < 0 {
		return "", fmt.Errorf("%s: unterminated string at %#x", f.path, off)
	}
	return string(f.data[off : off+uint64(end)]), nil
}

func openScanFile(path string) (*scanFile, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	f := &scanFile{path: path, data: data}
	if len(data) < 0x68 || !bytes.HasPrefix(data, []byte("dyld_v1")) {
		return nil, fmt.Errorf("%s: not a dyld cache", path)
	}
	f.hdrSize = f.u32(0x10)
	if f.hdrSize < 0x68 || uint64(f.hdrSize) > uint64(len(data)) {
		return nil, fmt.Errorf("%s: header size %#x", path, f.hdrSize)
	}
	copy(f.uuid[:], data[0x58:0x68])
	n := f.u32(0x14)
	if uint64(f.hdrSize)+uint64(n)*32 > uint64(len(data)) {
		return nil, fmt.Errorf("%s: %d mappings past end", path, n)
	}
	for k := uint64(0); k < uint64(n); k++ {
		m := uint64(f.hdrSize) + 32*k
		f.maps = append(f.maps, scanMapping{addr: f.u64(m), size: f.u64(m + 8), fileOff: f.u64(m + 16), maxProt: f.u32(m + 24), initProt: f.u32(m + 28)})
	}
	if v, ok := f.field(0x138, 4); ok && v != 0 {
		f.mwsOff = uint32(v)
		c, _ := f.field(0x13C, 4)
		if c != uint64(n) || v+c*56 > uint64(len(data)) {
			return nil, fmt.Errorf("%s: %d slide mappings at %#x", path, c, v)
		}
		for k := uint64(0); k < c; k++ {
			m := v + 56*k
			sm := &f.maps[k]
			if f.u64(m) != sm.addr || f.u64(m+8) != sm.size || f.u64(m+16) != sm.fileOff || f.u32(m+48) != sm.maxProt || f.u32(m+52) != sm.initProt {
				return nil, fmt.Errorf("%s: slide mapping %d differs from mapping", path, k)
			}
			sm.slideOff, sm.slideSize, sm.flags = f.u64(m+24), f.u64(m+32), f.u64(m+40)
		}
	}
	if f.hdrSize >= 0x1C8 {
		f.imgOff, f.imgCount = f.u32(0x1C0), f.u32(0x1C4)
	} else {
		f.imgOff, f.imgCount = f.u32(0x18), f.u32(0x1C)
	}
	return f, nil
}

// scanCache is a cache: its main file, subcaches and .symbols file.
type scanCache struct {
	main    *scanFile
	subs    []*scanFile
	suffix  []string
	symbols *scanFile
	base    uint64
	images  []*scanImage
	arch    string
}

// translate maps an unslid address to a file and offset.
func (c *scanCache) translate(addr uint64) (*scanFile, uint64, bool) {
	for _, f := range append([]*scanFile{c.main}, c.subs...) {
		for _, m := range f.maps {
			if addr >= m.addr && addr < m.addr+m.size {
				return f, m.fileOff + addr - m.addr, true
			}
		}
	}
	return nil, 0, false
}

func (c *scanCache) mappingOf(addr uint64) (*scanFile, scanMapping, bool) {
	for _, f := range append([]*scanFile{c.main}, c.subs...) {
		for _, m := range f.maps {
			if addr >= m.addr && addr < m.addr+m.size {
				return f, m, true
			}
		}
	}
	return nil, scanMapping{}, false
}

type scanLC struct {
	cmd  uint32
	off  uint64 // file offset in the image's file
	size uint32
}

type scanSeg struct {
	name                      string
	addr, size, fileOff, fsz  uint64
	maxProt, initProt, nsects uint32
	sects                     []scanSect
}

type scanSect struct {
	name, seg  string
	addr, size uint64
	off, flags uint32
}

type scanNlist struct {
	name  string
	strx  uint32
	typ   uint8
	sect  uint8
	desc  uint16
	value uint64
}

type scanImage struct {
	index      int
	addr       uint64
	textSize   uint64
	uuid       [16]byte
	path       string // from image_text_info (or image_info)
	infoPath   string
	infoPathAt uint64
	inode      uint64
	modTime    uint64

	file     *scanFile // holds the mach_header
	off      uint64
	magic    uint32
	cpuType  uint32
	cpuSub   uint32
	fileType uint32
	flags    uint32
	lcs      []scanLC
	segs     []scanSeg
	lcUUID   [16]byte
	idName   string
	platform uint32
	minOS    uint32

	symoff, nsyms, stroff, strsize uint32
	dysym                          [18]uint32
	fstartsOff, fstartsSize        uint32
	trieOff, trieSize              uint32
	leFile                         *scanFile // file holding __LINKEDIT
	nlist                          []scanNlist
}

func (im *scanImage) seg(name string) *scanSeg {
	for k := range im.segs {
		if im.segs[k].name == name {
			return &im.segs[k]
		}
	}
	return nil
}

func cname(b []byte) string {
	if i := bytes.IndexByte(b, 0); i >= 0 {
		b = b[:i]
	}
	return string(b)
}

// scan reads a cache whose main file is at path.
func scan(path string) (*scanCache, error) {
	main, err := openScanFile(path)
	if err != nil {
		return nil, err
	}
	c := &scanCache{main: main}
	c.arch = strings.TrimSpace(cname(main.data[7:16]))
	c.base = main.maps[0].addr
	if v, ok := main.field(0xE0, 8); ok && v != 0 {
		c.base = v
	}
	if off, ok := main.field(0x188, 4); ok && off != 0 {
		count, _ := main.field(0x18C, 4)
		v2 := main.hdrSize > 0x1C8
		for k := uint64(0); k < count; k++ {
			var suffix string
			if v2 {
				e := off + k*56
				if e+56 > uint64(len(main.data)) {
					return nil, fmt.Errorf("subcache entry %d past end", k)
				}
				suffix = cname(main.data[e+24 : e+56])
			} else {
				suffix = fmt.Sprintf(".%d", k+1)
			}
			sf, err := openScanFile(path + suffix)
			if err != nil {
				return nil, err
			}
			c.subs = append(c.subs, sf)
			c.suffix = append(c.suffix, suffix)
		}
	}
	if u, ok := main.field(0x190, 16); ok {
		_ = u
		var zero [16]byte
		if !bytes.Equal(main.data[0x190:0x1A0], zero[:]) {
			if sf, err := openScanFile(path + ".symbols"); err == nil {
				c.symbols = sf
			} else if !os.IsNotExist(err) {
				return nil, err
			}
		}
	}
	if err := c.scanImages(); err != nil {
		return nil, err
	}
	return c, nil
}

func (c *scanCache) scanImages() error {
	m := c.main
	n := uint64(m.imgCount)
	if uint64(m.imgOff)+n*32 > uint64(len(m.data)) {
		return fmt.Errorf("image_info array past end")
	}
	textOff, _ := m.field(0x88, 8)
	textCount, hasText := m.field(0x90, 8)
	if hasText && textCount != 0 && (textCount != n || textOff+n*32 > uint64(len(m.data))) {
		return fmt.Errorf("image_text_info: %d at %#x", textCount, textOff)
	}
	for i := uint64(0); i < n; i++ {
		e := uint64(m.imgOff) + 32*i
		im := &scanImage{index: int(i), addr: m.u64(e), modTime: m.u64(e + 8), inode: m.u64(e + 16), infoPathAt: uint64(m.u32(e + 24))}
		var err error
		if im.infoPath, err = m.cstring(im.infoPathAt); err != nil {
			return err
		}
		im.path = im.infoPath
		if hasText && textCount != 0 {
			t := textOff + 32*i
			copy(im.uuid[:], m.data[t:t+16])
			if m.u64(t+16) != im.addr {
				return fmt.Errorf("image %d: image_text_info address %#x != image_info %#x", i, m.u64(t+16), im.addr)
			}
			im.textSize = uint64(m.u32(t + 24))
			if im.path, err = m.cstring(uint64(m.u32(t + 28))); err != nil {
				return err
			}
		}
		if err := c.scanMachO(im); err != nil {
			return fmt.Errorf("image %d (%s): %w", i, im.path, err)
		}
		c.images = append(c.images, im)
	}
	return nil
}

func (c *scanCache) scanMachO(im *scanImage) error {
	f, off, ok := c.translate(im.addr)
	if !ok {
		return fmt.Errorf("address %#x not mapped", im.addr)
	}
	im.file, im.off = f, off
	im.magic = f.u32(off)
	is64 := im.magic == 0xfeedfacf
	if !is64 && im.magic != 0xfeedface {
		return fmt.Errorf("bad Mach-O magic %#x", im.magic)
	}
	im.cpuType, im.cpuSub, im.fileType = f.u32(off+4), f.u32(off+8), f.u32(off+12)
	ncmds, sizeofcmds := f.u32(off+16), f.u32(off+20)
	im.flags = f.u32(off + 24)
	p := off + 28
	if is64 {
		p = off + 32
	}
	end := p + uint64(sizeofcmds)
	if end > uint64(len(f.data)) {
		return fmt.Errorf("load commands past end")
	}
	for k := uint32(0); k < ncmds; k++ {
		cmd, size := f.u32(p), f.u32(p+4)
		if size < 8 || p+uint64(size) > end {
			return fmt.Errorf("load command %d size %d", k, size)
		}
		im.lcs = append(im.lcs, scanLC{cmd, p, size})
		switch cmd {
		case 0x19, 0x1:
			s := scanSeg{name: cname(f.data[p+8 : p+24])}
			q := p + 24
			word := func() uint64 {
				if is64 {
					q += 8
					return f.u64(q - 8)
				}
				q += 4
				return uint64(f.u32(q - 4))
			}
			s.addr, s.size, s.fileOff, s.fsz = word(), word(), word(), word()
			s.maxProt, s.initProt, s.nsects = f.u32(q), f.u32(q+4), f.u32(q+8)
			q += 16
			for j := uint32(0); j < s.nsects; j++ {
				sc := scanSect{name: cname(f.data[q : q+16]), seg: cname(f.data[q+16 : q+32])}
				q += 32
				sc.addr, sc.size = word(), word()
				sc.off = f.u32(q)
				sc.flags = f.u32(q + 16)
				if is64 {
					q += 32
				} else {
					q += 28
				}
				s.sects = append(s.sects, sc)
			}
			if q > p+uint64(size) {
				return fmt.Errorf("segment %s: sections overrun the command", s.name)
			}
			im.segs = append(im.segs, s)
		case 0xd:
			im.idName = cname(f.data[p+uint64(f.u32(p+8)) : p+uint64(size)])
		case 0x1b:
			copy(im.lcUUID[:], f.data[p+8:p+24])
		case 0x32:
			im.platform, im.minOS = f.u32(p+8), f.u32(p+12)
		case 0x24, 0x25, 0x2f, 0x30:
			im.platform = map[uint32]uint32{0x24: 1, 0x25: 2, 0x2f: 3, 0x30: 4}[cmd]
			im.minOS = f.u32(p + 8)
		case 0x2:
			im.symoff, im.nsyms, im.stroff, im.strsize = f.u32(p+8), f.u32(p+12), f.u32(p+16), f.u32(p+20)
		case 0xb:
			for j := range im.dysym {
				im.dysym[j] = f.u32(p + 8 + 4*uint64(j))
			}
		case 0x26:
			im.fstartsOff, im.fstartsSize = f.u32(p+8), f.u32(p+12)
		case 0x80000033:
			im.trieOff, im.trieSize = f.u32(p+8), f.u32(p+12)
		case 0x80000022:
			im.trieOff, im.trieSize = f.u32(p+40), f.u32(p+44)
		}
		p += uint64(size)
	}
	if t := im.seg("__TEXT"); t != nil && im.textSize == 0 {
		im.textSize = t.size // dyld-353 caches have no image_text_info
	}
	if le := im.seg("__LINKEDIT"); le != nil {
		lf, _, ok := c.translate(le.addr)
		if !ok {
			return fmt.Errorf("__LINKEDIT %#x not mapped", le.addr)
		}
		im.leFile = lf
		return c.scanSymtab(im, is64)
	}
	return nil
}

// linkedit returns size bytes at a LINKEDIT-relative file offset (the offset
// is in the file holding __LINKEDIT, dyld-formats.md §5.8 step 2).
func (c *scanCache) linkedit(im *scanImage, off, size uint64) ([]byte, error) {
	le := im.seg("__LINKEDIT")
	if off < le.fileOff || off+size > le.fileOff+le.fsz || off+size > uint64(len(im.leFile.data)) {
		return nil, fmt.Errorf("LINKEDIT range [%#x, %#x) outside __LINKEDIT [%#x, %#x)", off, off+size, le.fileOff, le.fileOff+le.fsz)
	}
	return im.leFile.data[off : off+size], nil
}

func (c *scanCache) scanSymtab(im *scanImage, is64 bool) error {
	esz := uint64(12)
	if is64 {
		esz = 16
	}
	syms, err := c.linkedit(im, uint64(im.symoff), uint64(im.nsyms)*esz)
	if err != nil {
		return fmt.Errorf("symtab: %w", err)
	}
	strs, err := c.linkedit(im, uint64(im.stroff), uint64(im.strsize))
	if err != nil {
		return fmt.Errorf("strings: %w", err)
	}
	nl, err := parseNlist(syms, strs, is64)
	im.nlist = nl
	return err
}

func parseNlist(syms, strs []byte, is64 bool) ([]scanNlist, error) {
	esz := 12
	if is64 {
		esz = 16
	}
	var out []scanNlist
	for k := 0; k+esz <= len(syms); k += esz {
		e := syms[k:]
		n := scanNlist{strx: binary.LittleEndian.Uint32(e), typ: e[4], sect: e[5], desc: binary.LittleEndian.Uint16(e[6:])}
		if is64 {
			n.value = binary.LittleEndian.Uint64(e[8:])
		} else {
			n.value = uint64(binary.LittleEndian.Uint32(e[8:]))
		}
		if int(n.strx) >= len(strs) {
			return nil, fmt.Errorf("n_strx %d past %d-byte pool", n.strx, len(strs))
		}
		n.name = cname(strs[n.strx:])
		out = append(out, n)
	}
	return out, nil
}

// uleb reads one ULEB128.
func uleb(b []byte, p *int) (uint64, error) {
	var v uint64
	for shift := 0; ; shift += 7 {
		if *p >= len(b) || shift > 63 {
			return 0, fmt.Errorf("bad ULEB at %d", *p)
		}
		c := b[*p]
		*p++
		v |= uint64(c&0x7f) << shift
		if c&0x80 == 0 {
			return v, nil
		}
	}
}

// functionStarts decodes LC_FUNCTION_STARTS into addresses.
func (c *scanCache) functionStarts(im *scanImage) ([]uint64, error) {
	b, err := c.linkedit(im, uint64(im.fstartsOff), uint64(im.fstartsSize))
	if err != nil {
		return nil, err
	}
	var out []uint64
	a := im.addr
	for p := 0; p < len(b); {
		d, err := uleb(b, &p)
		if err != nil {
			return nil, err
		}
		if d == 0 {
			break
		}
		a += d
		out = append(out, a)
	}
	return out, nil
}

type trieExport struct {
	flags uint64
	off   uint64 // from the mach_header (or the payload for the dylibs trie)
}

// walkTrie decodes an export-format trie. payload decodes one terminal.
func walkTrie(b []byte, payload func(term []byte) (trieExport, error)) (map[string]trieExport, error) {
	out := map[string]trieExport{}
	seen := map[int]bool{}
	var walk func(node int, prefix string) error
	walk = func(node int, prefix string) error {
		if seen[node] {
			return fmt.Errorf("trie node %d visited twice", node)
		}
		seen[node] = true
		p := node
		ts, err := uleb(b, &p)
		if err != nil {
			return err
		}
		if ts != 0 {
			if p+int(ts) > len(b) {
				return fmt.Errorf("terminal past end")
			}
			e, err := payload(b[p : p+int(ts)])
			if err != nil {
				return err
			}
			out[prefix] = e
			p += int(ts)
		}
		if p >= len(b) {
			return fmt.Errorf("child count past end")
		}
		n := int(b[p])
		p++
		for k := 0; k < n; k++ {
			e := bytes.IndexByte(b[p:], 0)
			if e < 0 {
				return fmt.Errorf("unterminated edge")
			}
			label := string(b[p : p+e])
			p += e + 1
			child, err := uleb(b, &p)
			if err != nil {
				return err
			}
			if child == 0 || child >= uint64(len(b)) {
				return fmt.Errorf("child offset %d", child)
			}
			if err := walk(int(child), prefix+label); err != nil {
				return err
			}
		}
		return nil
	}
	if len(b) == 0 {
		return out, nil
	}
	return out, walk(0, "")
}

func exportPayload(term []byte) (trieExport, error) {
	p := 0
	fl, err := uleb(term, &p)
	if err != nil {
		return trieExport{}, err
	}
	if fl&0x08 != 0 { // re-export
		return trieExport{flags: fl}, nil
	}
	off, err := uleb(term, &p)
	return trieExport{flags: fl, off: off}, err
}

func (c *scanCache) exports(im *scanImage) (map[string]trieExport, error) {
	b, err := c.linkedit(im, uint64(im.trieOff), uint64(im.trieSize))
	if err != nil {
		return nil, err
	}
	return walkTrie(b, exportPayload)
}

// localSymbols returns, per image index, the local nlist entries from the
// .symbols file or the in-cache local symbols, keyed by dylibOffset.
func (c *scanCache) localSymbols() (map[uint64][]scanNlist, int, error) {
	f := c.main
	if c.symbols != nil {
		f = c.symbols
	}
	off, size := f.u64(0x48), f.u64(0x50)
	if off == 0 {
		return nil, 0, nil
	}
	if off+size > uint64(len(f.data)) || size < 24 {
		return nil, 0, fmt.Errorf("local symbols [%#x,+%#x) past end", off, size)
	}
	b := f.data[off : off+size]
	rd := func(o uint32) uint32 { return binary.LittleEndian.Uint32(b[o:]) }
	nlistOff, nlistCount, strOff, strSize, entOff, entCount := rd(0), rd(4), rd(8), rd(12), rd(16), rd(20)
	entSize := uint64(12)
	if c.main.hdrSize >= 0x190 {
		entSize = 16
	}
	is64 := c.arch != "arm64_32"
	esz := uint64(12)
	if is64 {
		esz = 16
	}
	if uint64(entOff)+uint64(entCount)*entSize > size || uint64(nlistOff)+uint64(nlistCount)*esz > size || uint64(strOff)+uint64(strSize) > size {
		return nil, 0, fmt.Errorf("local symbols info out of range")
	}
	strs := b[strOff : strOff+strSize]
	out := map[uint64][]scanNlist{}
	for k := uint64(0); k < uint64(entCount); k++ {
		e := uint64(entOff) + k*entSize
		var dylib uint64
		var start, count uint32
		if entSize == 16 {
			dylib = binary.LittleEndian.Uint64(b[e:])
			start, count = rd(uint32(e+8)), rd(uint32(e+12))
		} else {
			dylib = uint64(rd(uint32(e)))
			start, count = rd(uint32(e+4)), rd(uint32(e+8))
		}
		if uint64(start)+uint64(count) > uint64(nlistCount) {
			return nil, 0, fmt.Errorf("entry %d: nlist [%d,+%d) of %d", k, start, count, nlistCount)
		}
		s := uint64(nlistOff) + uint64(start)*esz
		nl, err := parseNlist(b[s:s+uint64(count)*esz], strs, is64)
		if err != nil {
			return nil, 0, err
		}
		out[dylib] = nl
	}
	return out, int(entSize), nil
}

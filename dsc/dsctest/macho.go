package dsctest

import "encoding/binary"

// Mach-O constants (<mach-o/loader.h>).
const (
	mhMagic64 = 0xfeedfacf
	mhMagic   = 0xfeedface
	mhDylib   = 6

	mhNoUndefs           = 0x1
	mhDyldLink           = 0x4
	mhTwoLevel           = 0x80
	mhNoReexportedDylibs = 0x100000
	mhDylibInCache       = 0x80000000

	lcSegment         = 0x1
	lcSymtab          = 0x2
	lcDysymtab        = 0xb
	lcLoadDylib       = 0xc
	lcIDDylib         = 0xd
	lcSegment64       = 0x19
	lcUUID            = 0x1b
	lcVersionMinMacOS = 0x24
	lcVersionMinIOS   = 0x25
	lcFunctionStarts  = 0x26
	lcDataInCode      = 0x29
	lcSourceVersion   = 0x2a
	lcVersionMinTVOS  = 0x2f
	lcVersionMinWatch = 0x30
	lcBuildVersion    = 0x32
	lcDyldInfoOnly    = 0x80000022
	lcDyldExportsTrie = 0x80000033

	sAttrPureInstructions = 0x80000000
	sAttrSomeInstructions = 0x400

	toolLD = 3
)

// le is a little-endian byte builder.
type le []byte

func (b *le) u8(v uint8)   { *b = append(*b, v) }
func (b *le) u16(v uint16) { *b = binary.LittleEndian.AppendUint16(*b, v) }
func (b *le) u32(v uint32) { *b = binary.LittleEndian.AppendUint32(*b, v) }
func (b *le) u64(v uint64) { *b = binary.LittleEndian.AppendUint64(*b, v) }
func (b *le) name16(s string) {
	var n [16]byte
	copy(n[:], s)
	*b = append(*b, n[:]...)
}
func (b *le) zeros(n int) { *b = append(*b, make([]byte, n)...) }

// word writes an address-sized value.
func (p *plan) word(b *le, v uint64) {
	if p.arch.is64 {
		b.u64(v)
	} else {
		b.u32(uint32(v))
	}
}

// segInfo is one segment as written into the load commands.
type segInfo struct {
	name, sect          string
	addr, size, fileOff uint64
	sectAddr, sectSize  uint64
	sectOff             uint64
	align               uint32
	maxProt, initProt   uint32
	sectFlags           uint32
	hasSect             bool
}

// segments returns image i's segments in load-command order: __TEXT, the
// data segments, __LINKEDIT.
func (p *plan) segments(i int) []segInfo {
	ip := &p.imgs[i]
	textAlign := uint32(2)
	if p.arch.x86 {
		textAlign = 4
	}
	segs := []segInfo{{
		name: "__TEXT", sect: "__text", addr: ip.textAddr, size: ip.textVMSize, fileOff: ip.textFileOf,
		sectAddr: ip.textAddr + ip.textSect, sectSize: ip.textSize, sectOff: ip.textFileOf + ip.textSect,
		align: textAlign, maxProt: 5, initProt: 5, sectFlags: sAttrPureInstructions | sAttrSomeInstructions, hasSect: true,
	}}
	for s := 0; s < numDataSegs; s++ {
		sp := ip.seg[s]
		if sp.size == 0 {
			continue
		}
		segs = append(segs, segInfo{
			name: dataSegNames[s], sect: dataSectNames[s], addr: sp.addr, size: sp.size, fileOff: sp.fileOff,
			sectAddr: sp.addr, sectSize: sp.size, sectOff: sp.fileOff, align: 4, maxProt: 3, initProt: 3, hasSect: true,
		})
	}
	var lAddr, lSize, lOff uint64
	if l := ip.le; l != nil {
		lOff = l.areaOff
		lAddr = l.reg.addr + (l.areaOff - l.reg.fileOff)
		lSize = l.end - l.areaOff
	}
	segs = append(segs, segInfo{name: "__LINKEDIT", addr: lAddr, size: lSize, fileOff: lOff, maxProt: 1, initProt: 1})
	return segs
}

// loadCommandsSize returns sizeofcmds and ncmds of an image (the sizes never
// depend on addresses, so this runs before the layout).
func (p *plan) loadCommandsSize(g *genImage) (uint64, uint32) {
	b, ncmds, _ := p.loadCommands(g)
	return uint64(len(b)) - p.machHeaderSize(), ncmds
}

func (p *plan) machHeaderSize() uint64 {
	if p.arch.is64 {
		return 32
	}
	return 28
}

// loadCommands returns the mach_header and load commands of image g, and the
// offset of the install name inside them. Order follows ld64 as seen in the
// corpus caches: segments, LC_ID_DYLIB, exports (LC_DYLD_EXPORTS_TRIE or
// LC_DYLD_INFO_ONLY), LC_SYMTAB, LC_DYSYMTAB, LC_UUID, the version command,
// LC_SOURCE_VERSION, LC_LOAD_DYLIB…, LC_FUNCTION_STARTS, LC_DATA_IN_CODE.
func (p *plan) loadCommands(g *genImage) (hdr []byte, ncmds uint32, idName uint64) {
	ip := &p.imgs[g.index]
	w := &cmdWriter{align: int(p.ptr())}
	for _, s := range p.segments(g.index) {
		w.add(p.segmentCommand(s))
	}
	idName = p.machHeaderSize() + uint64(len(w.cmds)) + 24
	w.add(dylibCommand(lcIDDylib, g.path, g.curVersion))
	w.add(p.exportsCommand(ip))
	p.symtabCommands(w, ip)
	var c le
	c.u32(lcUUID)
	c.u32(0)
	c = append(c, g.uuid[:]...)
	w.add(c)
	w.add(p.versionCommand(g))
	c = nil
	c.u32(lcSourceVersion)
	c.u32(0)
	c.u64(g.srcVersion)
	w.add(c)
	for _, d := range g.deps {
		w.add(dylibCommand(lcLoadDylib, imagePath(d), 0x10000))
	}
	c = nil
	c.u32(lcFunctionStarts)
	c.u32(0)
	c.u32(uint32(ip.fstartsOff))
	c.u32(uint32(ip.fstartsLen))
	w.add(c)
	c = nil
	c.u32(lcDataInCode)
	c.u32(0)
	c.u32(uint32(ip.fstartsOff + ip.fstartsLen))
	c.u32(0)
	w.add(c)
	return append(p.machHeader(w), w.cmds...), w.n, idName
}

// cmdWriter collects load commands, padding each to the pointer size and
// filling in its cmdsize.
type cmdWriter struct {
	align int
	cmds  le
	n     uint32
}

func (w *cmdWriter) add(c le) {
	for len(c)%w.align != 0 {
		c = append(c, 0)
	}
	binary.LittleEndian.PutUint32(c[4:], uint32(len(c)))
	w.cmds = append(w.cmds, c...)
	w.n++
}

// machHeader is the mach_header of an image with w's load commands.
func (p *plan) machHeader(w *cmdWriter) le {
	var h le
	if p.arch.is64 {
		h.u32(mhMagic64)
	} else {
		h.u32(mhMagic)
	}
	h.u32(p.arch.cpuType)
	h.u32(p.arch.cpuSub)
	h.u32(mhDylib)
	h.u32(w.n)
	h.u32(uint32(len(w.cmds)))
	h.u32(mhNoUndefs | mhDyldLink | mhTwoLevel | mhNoReexportedDylibs | mhDylibInCache)
	if p.arch.is64 {
		h.u32(0)
	}
	return h
}

// segmentCommand is the LC_SEGMENT(_64) of s, with its one section if any.
func (p *plan) segmentCommand(s segInfo) le {
	var c le
	nsect := uint32(0)
	if s.hasSect {
		nsect = 1
	}
	if p.arch.is64 {
		c.u32(lcSegment64)
	} else {
		c.u32(lcSegment)
	}
	c.u32(0)
	c.name16(s.name)
	p.word(&c, s.addr)
	p.word(&c, s.size)
	p.word(&c, s.fileOff)
	p.word(&c, s.size)
	c.u32(s.maxProt)
	c.u32(s.initProt)
	c.u32(nsect)
	c.u32(0)
	if s.hasSect {
		c.name16(s.sect)
		c.name16(s.name)
		p.word(&c, s.sectAddr)
		p.word(&c, s.sectSize)
		c.u32(uint32(s.sectOff))
		c.u32(s.align)
		c.u32(0) // reloff
		c.u32(0) // nreloc
		c.u32(s.sectFlags)
		c.u32(0)
		c.u32(0)
		if p.arch.is64 {
			c.u32(0)
		}
	}
	return c
}

// dylibCommand is an LC_ID_DYLIB or LC_LOAD_DYLIB for path.
func dylibCommand(cmd uint32, path string, cur uint32) le {
	var c le
	c.u32(cmd)
	c.u32(0)
	c.u32(24) // name offset
	c.u32(2)  // timestamp, as in the corpus caches
	c.u32(cur)
	c.u32(0x10000)
	c = append(c, path...)
	return append(c, 0)
}

// exportsCommand is LC_DYLD_EXPORTS_TRIE, or LC_DYLD_INFO_ONLY before it.
func (p *plan) exportsCommand(ip *imgPlan) le {
	var c le
	if p.exportsTrieLC() {
		c.u32(lcDyldExportsTrie)
		c.u32(0)
	} else {
		c.u32(lcDyldInfoOnly)
		c.u32(0)
		c.zeros(32) // rebase, bind, weak bind, lazy bind: none left in the cache
	}
	c.u32(uint32(ip.trieOff))
	c.u32(uint32(ip.trieLen))
	return c
}

// symtabCommands adds LC_SYMTAB and LC_DYSYMTAB.
func (p *plan) symtabCommands(w *cmdWriter, ip *imgPlan) {
	nsyms := ip.nlocal + ip.nextdef + ip.nund
	var strOff, strSize uint64
	if ip.le != nil {
		strOff, strSize = ip.le.strOff, ip.le.strSize
	}
	var c le
	c.u32(lcSymtab)
	c.u32(0)
	c.u32(uint32(ip.symOff))
	c.u32(nsyms)
	c.u32(uint32(strOff))
	c.u32(uint32(strSize))
	w.add(c)

	c = nil
	c.u32(lcDysymtab)
	c.u32(0)
	c.u32(0)         // ilocalsym
	c.u32(ip.nlocal) // nlocalsym
	c.u32(ip.nlocal) // iextdefsym
	c.u32(ip.nextdef)
	// iundefsym; the dyld-1042 corpus cache writes 0 when there are none.
	if ip.nund == 0 && p.hdr >= hdr1042 {
		c.u32(0)
	} else {
		c.u32(ip.nlocal + ip.nextdef)
	}
	c.u32(ip.nund)
	c.zeros(12 * 4) // toc, modtab, extref, indirect, extrel, locrel: none
	w.add(c)
}

// versionCommand is LC_BUILD_VERSION, or the LC_VERSION_MIN_* before it.
func (p *plan) versionCommand(g *genImage) le {
	var c le
	if p.buildVersionLC() {
		c.u32(lcBuildVersion)
		c.u32(0)
		c.u32(p.cfg.Platform)
		c.u32(p.cfg.OSVersion) // minos
		c.u32(p.cfg.OSVersion) // sdk
		c.u32(1)               // ntools
		c.u32(toolLD)
		c.u32(0x03B60000 | uint32(g.index%100)) // ld version
		return c
	}
	cmd := uint32(lcVersionMinIOS)
	switch p.cfg.Platform {
	case 1:
		cmd = lcVersionMinMacOS
	case 3:
		cmd = lcVersionMinTVOS
	case 4:
		cmd = lcVersionMinWatch
	}
	c.u32(cmd)
	c.u32(0)
	c.u32(p.cfg.OSVersion)
	c.u32(p.cfg.OSVersion)
	return c
}

package dsctest

import "encoding/binary"

// pathHash is the inode value the pre-dyld-1042 builders store in
// dyld_cache_image_info when the dylibs are not on disk (verified on the
// corpus caches): sum = sum*5 + byte, over the install name.
func pathHash(path string) uint64 {
	var sum uint64
	for i := 0; i < len(path); i++ {
		sum += sum*4 + uint64(path[i])
	}
	return sum
}

// cacheType values (header 0x68): production, as on shipping devices.
const cacheTypeProduction = 1

// headerBytes returns the header area of f: dyld_cache_header, mappings,
// mappings with slide info, image tables, subcache entries and the
// install-name pool.
func (p *plan) headerBytes(f *cacheFile) []byte {
	b := make([]byte, f.areaSize)
	put32 := func(off uint64, v uint32) { binary.LittleEndian.PutUint32(b[off:], v) }
	put64 := func(off uint64, v uint64) { binary.LittleEndian.PutUint64(b[off:], v) }
	magic := p.arch.magic()
	copy(b, magic[:])
	h := uint64(p.hdr)
	put32(0x10, p.hdr)
	put32(0x14, uint32(len(f.regions)))
	n := uint32(len(p.imgs))
	if f.imageList && !p.newImages() {
		put32(0x18, uint32(f.imagesOff))
		put32(0x1C, n)
	}
	put64(0x28, f.csOff)
	put64(0x30, f.csSize)
	if !p.hasSlideMaps() {
		for _, r := range f.regions {
			if r.writable() {
				put64(0x38, r.slideOff)
				put64(0x40, r.slideLen)
			}
		}
	}
	if f.localsSize != 0 {
		put64(0x48, f.localsOff)
		put64(0x50, f.localsSize)
	}
	copy(b[0x58:], f.uuid[:])
	if h >= hdr421 {
		put64(0x68, cacheTypeProduction)
		if f.imageList {
			put64(0x88, f.textOff)
			put64(0x90, uint64(n))
		}
	}
	if h >= hdr519 {
		put32(0xD8, p.cfg.Platform)
		var bits uint32
		if p.hdr == hdr625 || p.hdr == hdr832 {
			bits = 10 // formatVersion: dyld3 closure format of those builders
		}
		if p.hdr == hdr832 && p.arch.auth {
			bits |= 1 << 11 // builtFromChainedFixups
		}
		if p.hdr >= hdr1284 {
			bits |= 1 << 12 // newFormatTLVs
		}
		put32(0xDC, bits)
		put64(0xE0, f.vmAddr)
		if f.main {
			put64(0xE8, p.sharedRegionSize())
			put64(0xF0, p.maxSlide())
		}
	}
	if h >= hdr625 && f.main && p.dylibs != nil {
		l := p.les[0]
		put64(0x108, l.reg.addr+(l.trieOff-l.reg.fileOff))
		put64(0x110, l.trieLen)
	}
	if h >= hdr832 {
		put32(0x138, uint32(f.mwsOff))
		put32(0x13C, uint32(len(f.regions)))
	}
	if h >= hdr940 {
		put32(0x16C, p.cfg.OSVersion)
		if f.main {
			put32(0x188, uint32(f.subOff))
			put32(0x18C, uint32(f.nsub))
			copy(b[0x190:], p.symUUID[:])
		}
		if f.imageList {
			put32(0x1C0, uint32(f.imagesOff))
			put32(0x1C4, n)
		}
	}
	if h >= hdr1042 {
		put32(0x1C8, cacheTypeProduction) // cacheSubType
	}
	if h >= hdr1231 && f.imageList {
		put32(0x200, uint32(f.tproOff))
	}

	// Mappings, and the same mappings with their slide info.
	for k, r := range f.regions {
		m := h + uint64(k)*32
		put64(m, r.addr)
		put64(m+8, r.size)
		put64(m+16, r.fileOff)
		put32(m+24, r.maxProt)
		put32(m+28, r.initProt)
		if p.hasSlideMaps() {
			m = f.mwsOff + uint64(k)*56
			put64(m, r.addr)
			put64(m+8, r.size)
			put64(m+16, r.fileOff)
			put64(m+24, r.slideOff)
			put64(m+32, r.slideLen)
			put64(m+40, r.flags)
			put32(m+48, r.maxProt)
			put32(m+52, r.initProt)
		}
	}
	if !f.imageList {
		return b
	}

	// Install-name pool, then the image tables pointing into it. The
	// pre-dyld-940 builders point dyld_cache_image_info at the LC_ID_DYLIB
	// name inside each image instead (as the corpus caches show).
	pool := f.poolOff
	for i := range p.imgs {
		ip := &p.imgs[i]
		var pathOff uint64
		if p.hasTextInfo() {
			pathOff = pool
			pool += uint64(copy(b[pool:], ip.path)) + 1
			t := f.textOff + uint64(i)*32
			copy(b[t:], ip.uuid[:])
			put64(t+16, ip.textAddr)
			put32(t+24, uint32(ip.textVMSize))
			put32(t+28, uint32(pathOff))
		}
		infoPath := pathOff
		inode := uint64(0)
		if !p.newImages() {
			infoPath = ip.textFileOf + p.idNameOffset(i)
			inode = pathHash(ip.path)
		}
		m := f.imagesOff + uint64(i)*32
		put64(m, ip.textAddr)
		put64(m+8, 0) // modTime
		put64(m+16, inode)
		put32(m+24, uint32(infoPath))
	}
	if f.main && p.split() {
		k := 0
		for _, s := range p.files[1:] {
			if s.symbols {
				continue
			}
			if p.subV2() {
				e := f.subOff + uint64(k)*56
				copy(b[e:], s.uuid[:])
				put64(e+16, s.vmAddr-p.cfg.Base)
				copy(b[e+24:e+56], s.suffix)
			} else {
				e := f.subOff + uint64(k)*24
				copy(b[e:], s.uuid[:])
				put64(e+16, s.vmAddr-p.cfg.Base)
			}
			k++
		}
	}
	return b
}

// idNameOffset returns the offset of the install name in image i's load
// commands.
func (p *plan) idNameOffset(i int) uint64 {
	off := p.machHeaderSize()
	for _, s := range p.segments(i) {
		if p.arch.is64 {
			off += 72
			if s.hasSect {
				off += 80
			}
		} else {
			off += 56
			if s.hasSect {
				off += 68
			}
		}
	}
	return off + 24
}

// sharedRegionSize is the main header's sharedRegionSize: the size of the
// whole shared region for the arm64 caches up to dyld-832 (4 GiB in the
// corpus caches), the VM size of the cache from then on.
func (p *plan) sharedRegionSize() uint64 {
	if !p.newImages() && !p.arch.x86 && p.arch.is64 {
		return 1 << 32
	}
	return p.total
}

// maxSlide follows the corpus caches: 2 GiB minus the size of the first
// (__TEXT) mapping.
func (p *plan) maxSlide() uint64 {
	t := p.files[0].regions[0].size
	if t >= 1<<31 {
		return 0
	}
	return 1<<31 - t
}

// slideInfo returns a slide info blob for a data region: every page is
// marked as having nothing to rebase, which is true because the generator
// writes no pointers into DATA.
func (p *plan) slideInfo(r *region) []byte {
	pages := r.size / 0x1000
	var b le
	switch v := p.slideVersion(); v {
	case 1:
		b.u32(1)
		b.u32(24) // toc_offset
		b.u32(uint32(pages))
		b.u32(uint32(24 + 2*pages)) // entries_offset
		b.u32(1)                    // entries_count
		b.u32(128)                  // entries_size: one empty bitmap
		for k := uint64(0); k < pages; k++ {
			b.u16(0)
		}
		b.zeros(128)
	case 3:
		b.u32(3)
		b.u32(0x1000)
		b.u32(uint32(pages))
		b.u32(0)
		b.u64(p.cfg.Base) // auth_value_add
		for k := uint64(0); k < pages; k++ {
			b.u16(0xFFFF) // DYLD_CACHE_SLIDE_V3_PAGE_ATTR_NO_REBASE
		}
	default: // 2 and 4 share the header layout
		b.u32(uint32(v))
		b.u32(0x1000)
		b.u32(40)
		b.u32(uint32(pages))
		b.u32(uint32(40 + 2*pages))
		b.u32(0)
		noRebase := uint16(0xFFFF) // DYLD_CACHE_SLIDE4_PAGE_NO_REBASE
		if v == 2 {
			b.u64(0x00FFFF0000000000)
			if p.arch.x86 {
				b.u64(p.cfg.Base)
			} else {
				b.u64(0)
			}
			noRebase = 0x4000 // DYLD_CACHE_SLIDE_PAGE_ATTR_NO_REBASE
		} else {
			b.u64(0xC0000000)
			b.u64(p.cfg.Base)
		}
		for k := uint64(0); k < pages; k++ {
			b.u16(noRebase)
		}
	}
	return b
}

// codeSignature returns an empty embedded-signature SuperBlob (big-endian
// magic 0xfade0cc0, length, count 0), padded with zeros to size.
func codeSignature(size uint64) []byte {
	b := make([]byte, size)
	binary.BigEndian.PutUint32(b, 0xfade0cc0)
	binary.BigEndian.PutUint32(b[4:], 12)
	return b
}

// localsHeader returns dyld_cache_local_symbols_info and the entries.
func (p *plan) localsHeader(f *cacheFile) []byte {
	entriesOff, nlistOff, nlistCount, strOff, strSize := p.localsLayout()
	var b le
	b.u32(uint32(nlistOff))
	b.u32(uint32(nlistCount))
	b.u32(uint32(strOff))
	b.u32(uint32(strSize))
	b.u32(uint32(entriesOff))
	b.u32(uint32(len(p.imgs)))
	for i := range p.imgs {
		ip := &p.imgs[i]
		if p.split() {
			b.u64(ip.textAddr - p.cfg.Base) // VM offset of the dylib
		} else {
			b.u32(uint32(ip.textFileOf)) // file offset of the dylib
		}
		b.u32(ip.locStart)
		b.u32(ip.locCount)
	}
	for uint64(len(b)) < nlistOff {
		b.u8(0)
	}
	return b
}

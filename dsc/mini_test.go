package dsc_test

import (
	"encoding/binary"
	"fmt"
)

// miniCache builds a small single-file cache by hand (not with dsctest), for
// fuzz seeds and targeted hostile-input tests. The file is mapped once at
// base (file offset = VM offset), holds one image at 0x400 with a
// __TEXT and a __LINKEDIT segment, two symbols (one external, one local
// named "<redacted>"), an in-cache local symbol with the real name, three
// function starts (the third unnamed), a trie-only export, and image tables
// as the header generation has them.
type miniCache struct {
	hdrSize uint32
	base    uint64
	data    []byte
}

const (
	miniBase     = 0x180000000 // base of 64-bit mini caches
	miniBase32   = 0x30000000  // base of 32-bit mini caches
	miniImage    = 0x400       // mach_header file/VM offset
	miniLinkedit = 0x800
	miniText     = 0x600 // __text start offset
	miniSize     = 0x1000
)

// Offsets inside the mini cache of things the tests corrupt.
const (
	miniSymoff  = miniLinkedit        // 2 nlist_64
	miniStroff  = miniLinkedit + 0x40 // string pool
	miniStarts  = miniLinkedit + 0x80
	miniTrie    = miniLinkedit + 0x90
	miniLocals  = miniLinkedit + 0x100 // dyld_cache_local_symbols_info
	miniPathOff = 0x300
)

func newMiniCache(hdrSize uint32) *miniCache { return newMiniCacheArch(hdrSize, "x86_64") }

// newMiniCacheArch builds the mini cache for arch: "x86_64", or the 32-bit
// "i386" and "armv7" (32-bit Mach-O and nlist; armv7 function starts and
// exports carry the Thumb bit).
func newMiniCacheArch(hdrSize uint32, arch string) *miniCache {
	le := binary.LittleEndian
	b := make([]byte, miniSize)
	is64 := arch == "x86_64"
	thumb := uint64(0)
	if arch == "armv7" {
		thumb = 1
	}
	miniBase := uint64(miniBase)
	if !is64 {
		miniBase = miniBase32
	}
	copy(b, fmt.Sprintf("dyld_v1%8s\x00", arch))
	le.PutUint32(b[0x10:], hdrSize) // mappingOffset
	le.PutUint32(b[0x14:], 1)       // mappingCount
	put64 := func(off int, v uint64) {
		if uint32(off+8) <= hdrSize {
			le.PutUint64(b[off:], v)
		}
	}
	put32 := func(off int, v uint32) {
		if uint32(off+4) <= hdrSize {
			le.PutUint32(b[off:], v)
		}
	}
	// One mapping covering the file.
	m := int(hdrSize)
	le.PutUint64(b[m:], miniBase)
	le.PutUint64(b[m+8:], miniSize)
	le.PutUint64(b[m+16:], 0)
	le.PutUint32(b[m+24:], 5)
	le.PutUint32(b[m+28:], 5)
	tables := m + 32
	uuid := []byte{0xc0, 0xff, 0xee, 0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12}
	imgUUID := []byte{0xaa, 0xbb, 0xcc, 0xdd, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12}
	if hdrSize >= 0x68 {
		copy(b[0x58:], uuid)
	}
	put64(0x68, 1) // production
	// image_info at tables, imagesText after it.
	le.PutUint64(b[tables:], miniBase+miniImage)
	le.PutUint32(b[tables+24:], miniPathOff)
	if hdrSize >= 0x1C4 {
		put32(0x1C0, uint32(tables))
		put32(0x1C4, 1)
	} else {
		le.PutUint32(b[0x18:], uint32(tables))
		le.PutUint32(b[0x1C:], 1)
	}
	text := tables + 32
	copy(b[text:], imgUUID)
	le.PutUint64(b[text+16:], miniBase+miniImage)
	le.PutUint32(b[text+24:], miniLinkedit-miniImage)
	le.PutUint32(b[text+28:], miniPathOff)
	put64(0x88, uint64(text))
	put64(0x90, 1)
	put32(0xD8, 2)        // iOS
	put64(0xE0, miniBase) // sharedRegionStart
	put64(0xE8, miniSize) // sharedRegionSize
	put32(0x16C, 17<<16)  // osVersion
	copy(b[miniPathOff:], "/usr/lib/libmini.dylib\x00")
	// In-cache local symbols (headers below 0x190 only).
	if hdrSize < 0x190 && hdrSize >= 0x58 {
		put64(0x48, miniLocals)
		put64(0x50, 0x100)
		l := miniLocals
		le.PutUint32(b[l:], 0x28)           // nlistOffset
		le.PutUint32(b[l+4:], 1)            // nlistCount
		le.PutUint32(b[l+8:], 0x38)         // stringsOffset
		le.PutUint32(b[l+12:], 0x10)        // stringsSize
		le.PutUint32(b[l+16:], 0x18)        // entriesOffset
		le.PutUint32(b[l+20:], 1)           // entriesCount
		le.PutUint32(b[l+0x18:], miniImage) // dylibOffset: file offset of the mach_header
		le.PutUint32(b[l+0x1C:], 0)         // nlistStartIndex
		le.PutUint32(b[l+0x20:], 1)         // nlistCount
		nlistAt(b, l+0x28, is64, thumb != 0, 1, 0x0e, miniBase+miniText+0x10)
		copy(b[l+0x38:], "\x00_local_real\x00")
	}
	// The Mach-O image.
	mh := miniImage
	word := func(off int, v uint64) int { // pointer-sized field; returns its size
		if is64 {
			le.PutUint64(b[off:], v)
			return 8
		}
		le.PutUint32(b[off:], uint32(v))
		return 4
	}
	cmds := mh + 28
	if is64 {
		le.PutUint32(b[mh:], 0xfeedfacf)
		le.PutUint32(b[mh+4:], 0x01000007)
		cmds = mh + 32
	} else {
		le.PutUint32(b[mh:], 0xfeedface)
		le.PutUint32(b[mh+4:], map[string]uint32{"i386": 7, "armv7": 12}[arch])
	}
	le.PutUint32(b[mh+12:], 6)
	p := cmds
	seg := func(name string, addr, size, fileoff uint64, sect string, saddr, ssize uint64) {
		n := 0
		if sect != "" {
			n = 1
		}
		start := p
		cmd, segSize, sectSize := uint32(0x1), 56, 68
		if is64 {
			cmd, segSize, sectSize = 0x19, 72, 80
		}
		le.PutUint32(b[p:], cmd)
		le.PutUint32(b[p+4:], uint32(segSize+sectSize*n))
		copy(b[p+8:], name)
		q := p + 24
		q += word(q, addr)
		q += word(q, size)
		q += word(q, fileoff)
		q += word(q, size)
		le.PutUint32(b[q:], 5)
		le.PutUint32(b[q+4:], 5)
		le.PutUint32(b[q+8:], uint32(n))
		p = start + segSize
		if n == 1 {
			copy(b[p:], sect)
			copy(b[p+16:], name)
			q := p + 32
			q += word(q, saddr)
			q += word(q, ssize)
			le.PutUint32(b[q+16:], 0x80000400) // flags after offset, align, reloff, nreloc
			p += sectSize
		}
	}
	seg("__TEXT", miniBase+miniImage, miniLinkedit-miniImage, miniImage, "__text", miniBase+miniText, 0x100)
	seg("__LINKEDIT", miniBase+miniLinkedit, miniSize-miniLinkedit, miniLinkedit, "", 0, 0)
	lc := func(cmd uint32, words ...uint32) {
		le.PutUint32(b[p:], cmd)
		le.PutUint32(b[p+4:], uint32(8+4*len(words)))
		for i, w := range words {
			le.PutUint32(b[p+8+4*i:], w)
		}
		p += 8 + 4*len(words)
	}
	lc(0x2, miniSymoff, 2, miniStroff, 0x40)                      // LC_SYMTAB
	lc(0xb, 0, 1, 1, 1, 2, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0) // LC_DYSYMTAB
	lc(0x26, miniStarts, 8)                                       // LC_FUNCTION_STARTS
	lc(0x80000033, miniTrie, 0x40)                                // LC_DYLD_EXPORTS_TRIE
	lc(0x1b, le.Uint32(imgUUID), le.Uint32(imgUUID[4:]), le.Uint32(imgUUID[8:]), le.Uint32(imgUUID[12:]))
	le.PutUint32(b[mh+16:], 7) // ncmds
	le.PutUint32(b[mh+20:], uint32(p-cmds))
	// Symbols: local "<redacted>" at text+0x10, external _mini_exported at text.
	nlSize := 12
	if is64 {
		nlSize = 16
	}
	nlistAt(b, miniSymoff, is64, thumb != 0, 1, 0x0e, miniBase+miniText+0x10)
	nlistAt(b, miniSymoff+nlSize, is64, thumb != 0, 12, 0x0f, miniBase+miniText)
	copy(b[miniStroff:], "\x00<redacted>\x00_mini_exported\x00")
	// Function starts: text, text+0x10, text+0x40 (unnamed), text+0x80 (trie only).
	copy(b[miniStarts:], []byte{0x80 | byte(thumb), 0x04, 0x10, 0x30, 0x40, 0})
	// Export trie: root → "_mini_" → {"exported" (text), "trie" (text+0x80)}.
	trie := []byte{
		0, 1, '_', 'm', 'i', 'n', 'i', '_', 0, 11, // root: edge to node at 11
		// offset 10: padding
		0,
		// offset 11: node "_mini_"
		0, 2, 'e', 'x', 'p', 'o', 'r', 't', 'e', 'd', 0, 29, 't', 'r', 'i', 'e', 0, 34,
		// offset 29: terminal for _mini_exported: flags 0, address 0x200 (ULEB 0x80 0x04)
		3, 0, 0x80 | byte(thumb), 0x04, 0,
		// offset 34: terminal for _mini_trie: address 0x280
		3, 0, 0x80 | byte(thumb), 0x05, 0,
	}
	copy(b[miniTrie:], trie)
	return &miniCache{hdrSize: hdrSize, base: miniBase, data: b}
}

// nlistAt writes one nlist or nlist_64 entry (section 1) at off.
func nlistAt(b []byte, off int, is64, thumb bool, strx uint32, typ uint8, value uint64) {
	le := binary.LittleEndian
	le.PutUint32(b[off:], strx)
	b[off+4], b[off+5] = typ, 1
	if thumb {
		le.PutUint16(b[off+6:], 0x0008)
	}
	if is64 {
		le.PutUint64(b[off+8:], value)
	} else {
		le.PutUint32(b[off+8:], uint32(value))
	}
}

package dsc

import (
	"encoding/binary"
	"fmt"
	"strings"

	"github.com/symbolicate/symbolicate/diag"
	"github.com/symbolicate/symbolicate/internal/bin"
	"github.com/symbolicate/symbolicate/process"
)

// format is the Format of every *diag.FormatError this package returns.
const format = "dsc"

const (
	magicPrefix   = "dyld_v1"
	minHeaderSize = 0x20 // through imagesCountOld
)

// Header is a decoded dyld_cache_header (dyld-formats.md §5.2). Fields that
// the file's header generation does not have are zero; use [Header.Has] to
// tell "absent" from "zero".
type Header struct {
	Magic string // e.g. "dyld_v1  arm64e"
	Arch  string // architecture part of the magic, e.g. "arm64e"

	MappingOffset       uint32 // size of the header: the generation discriminator
	MappingCount        uint32
	ImagesOffsetOld     uint32
	ImagesCountOld      uint32
	DyldBaseAddress     uint64
	CodeSignatureOffset uint64
	CodeSignatureSize   uint64
	SlideInfoOffset     uint64 // live before dyld-832, unused after
	SlideInfoSize       uint64
	LocalSymbolsOffset  uint64
	LocalSymbolsSize    uint64
	UUID                process.UUID
	CacheType           uint64 // 0 development, 1 production, 2 universal
	BranchPoolsOffset   uint32
	BranchPoolsCount    uint32
	// DyldInCacheMH and DyldInCacheEntry hold accelerateInfoAddr/Size in
	// caches whose header is smaller than 0x200.
	DyldInCacheMH          uint64
	DyldInCacheEntry       uint64
	ImagesTextOffset       uint64
	ImagesTextCount        uint64
	Platform               uint32
	FormatVersion          uint8
	DylibsExpectedOnDisk   bool
	Simulator              bool
	LocallyBuiltCache      bool
	BuiltFromChainedFixups bool
	NewFormatTLVs          bool
	SharedRegionStart      uint64
	SharedRegionSize       uint64
	MaxSlide               uint64
	MappingWithSlideOffset uint32
	MappingWithSlideCount  uint32
	OSVersion              uint32
	AltPlatform            uint32
	AltOSVersion           uint32
	SubCacheArrayOffset    uint32
	SubCacheArrayCount     uint32
	SymbolFileUUID         process.UUID
	ImagesOffset           uint32
	ImagesCount            uint32
	CacheSubType           uint32
}

// Field end offsets used by the presence rule (offsetof(F) + sizeof(F)).
const (
	endUUID            = 0x68
	endCacheType       = 0x70
	endBranchPools     = 0x78
	endDyldInCache     = 0x88
	endImagesText      = 0x98
	endPlatform        = 0xDC
	endFlags           = 0xE0
	endSharedRegion    = 0xF8
	endMappingSlide    = 0x140
	endOSVersion       = 0x170
	endAltOS           = 0x178
	endSubCacheArray   = 0x190
	endSymbolFileUUID  = 0x1A0
	endImages          = 0x1C8
	endCacheSubType    = 0x1CC
	endLocalSymbols    = 0x58
	endCodeSignature   = 0x38
	endSlideInfo       = 0x48
	endDyldBaseAddress = 0x28
)

// Has reports whether the header generation has a field ending at byte end
// (offsetof + sizeof): the presence rule of dyld-formats.md §5.2.
func (h *Header) Has(end uint32) bool { return h.MappingOffset >= end }

// Is64 reports whether the cache's images are 64-bit Mach-O (nlist_64).
func (h *Header) Is64() bool { return is64Arch(h.Arch) }

// hasImagesText reports whether imagesText is usable (§5.2 key decisions).
func (h *Header) hasImagesText() bool { return h.MappingOffset > 0x88 && h.ImagesTextCount != 0 }

// hasSlideMappings reports whether the mapping-with-slide table exists.
func (h *Header) hasSlideMappings() bool { return h.MappingOffset > 0x138 }

// imageInfo returns the image_info table location: the new pair from
// 0x1C4 on, the old pair before.
func (h *Header) imageInfo() (off, count uint32) {
	if h.MappingOffset >= 0x1C4 {
		return h.ImagesOffset, h.ImagesCount
	}
	return h.ImagesOffsetOld, h.ImagesCountOld
}

// hasSubCaches reports whether the header lists subcaches.
func (h *Header) hasSubCaches() bool { return h.MappingOffset > 0x18C && h.SubCacheArrayCount != 0 }

// subCacheEntryV1 reports whether subcache entries are the 24-byte v1 form.
func (h *Header) subCacheEntryV1() bool { return h.MappingOffset <= 0x1C8 }

// splitLocals reports whether local symbols live in a .symbols file with
// 64-bit entries (dyld-formats.md §5.6).
func (h *Header) splitLocals() bool { return h.MappingOffset >= 0x190 }

// PlatformName returns the name of the header's platform, as PlatformName.
func (h *Header) PlatformName() string { return PlatformName(h.Platform) }

// OSVersionString returns the header's OS version as text, as
// OSVersionString.
func (h *Header) OSVersionString() string { return OSVersionString(h.OSVersion) }

// CacheTypeName returns "development", "production", "universal" or the
// number; "" when the header has no cacheType field.
func (h *Header) CacheTypeName() string {
	if !h.Has(endCacheType) {
		return ""
	}
	switch h.CacheType {
	case 0:
		return "development"
	case 1:
		return "production"
	case 2:
		if h.Has(endCacheSubType) {
			if h.CacheSubType == 0 {
				return "universal (development)"
			}
			return "universal (production)"
		}
		return "universal"
	}
	return fmt.Sprintf("unknown (%d)", h.CacheType)
}

// Generation names the dyld versions that wrote headers of this size
// (the table under §5.2 of dyld-formats.md).
func (h *Header) Generation() string { return generationName(h.MappingOffset) }

var generations = []struct {
	size uint32
	name string
}{
	{0x68, "dyld-353"},
	{0x98, "dyld-421"},
	{0xF8, "dyld-519"},
	{0x138, "dyld-625…750"},
	{0x140, "dyld-832…852"},
	{0x1C8, "dyld-940…960"},
	{0x200, "dyld-1042…1162"},
	{0x208, "dyld-1231…1245"},
	{0x228, "dyld-1284…1378"},
}

func generationName(size uint32) string {
	for i, g := range generations {
		switch {
		case size == g.size:
			return g.name
		case size < g.size && i == 0:
			return "before dyld-353"
		case size < g.size:
			return fmt.Sprintf("between %s and %s (header size %#x)", generations[i-1].name, g.name, size)
		}
	}
	return fmt.Sprintf("newer than dyld-1378 (header size %#x)", size)
}

// knownArches maps the architecture part of a magic to its pointer width.
var knownArches = map[string]bool{
	"i386": false, "x86_64": true, "x86_64h": true,
	"armv5": false, "armv6": false, "armv7": false, "armv7f": false, "armv7k": false, "armv7s": false,
	"arm64": true, "arm64e": true, "arm64_32": false,
}

func is64Arch(arch string) bool { return knownArches[arch] }

// isARM32 reports a 32-bit ARM arch whose function starts carry the Thumb bit.
func isARM32(arch string) bool { return strings.HasPrefix(arch, "armv") }

// ParseHeader decodes the dyld_cache_header at the start of b, reading only
// the fields its mappingOffset says exist. It returns an error wrapping
// [ErrNotDSC] for data that is not a cache of a known architecture.
func ParseHeader(b []byte) (*Header, error) {
	if len(b) < 16 || !strings.HasPrefix(string(b[:16]), magicPrefix) {
		return nil, fmt.Errorf("%w: no %q magic", ErrNotDSC, magicPrefix)
	}
	h := &Header{}
	m := b[:16]
	if m[15] != 0 {
		return nil, fmt.Errorf("%w: magic %q is not NUL-terminated", ErrNotDSC, m)
	}
	h.Magic = strings.TrimRight(string(m), "\x00")
	h.Arch = strings.TrimLeft(h.Magic[len(magicPrefix):], " ")
	if _, ok := knownArches[h.Arch]; !ok {
		return nil, fmt.Errorf("%w: unknown architecture %q in magic", ErrNotDSC, h.Arch)
	}
	r := bin.NewReader(format, b, binary.LittleEndian, 0)
	r.Skip(16, "magic")
	h.MappingOffset = r.U32("mappingOffset")
	h.MappingCount = r.U32("mappingCount")
	if err := r.Err(); err != nil {
		return nil, err
	}
	if h.MappingOffset < minHeaderSize {
		return nil, diag.Errorf(format, 0x10, "mappingOffset", "header size %#x is smaller than the oldest header (%#x)", h.MappingOffset, minHeaderSize)
	}
	if uint64(h.MappingOffset) > uint64(len(b)) {
		return nil, diag.Errorf(format, 0x10, "mappingOffset", "header size %#x is past the end of the file (%#x bytes)", h.MappingOffset, len(b))
	}
	// Read the header through mappingOffset; fields beyond it stay zero.
	r = bin.NewReader(format, b[:h.MappingOffset], binary.LittleEndian, 0)
	r.Skip(0x18, "magic")
	h.ImagesOffsetOld = r.U32("imagesOffsetOld")
	h.ImagesCountOld = r.U32("imagesCountOld")
	opt := func(end uint32, read func()) {
		if h.Has(end) {
			read()
		}
	}
	u64 := func(p *uint64, f string) func() { return func() { *p = r.U64(f) } }
	opt(endDyldBaseAddress, u64(&h.DyldBaseAddress, "dyldBaseAddress"))
	opt(endCodeSignature, func() {
		h.CodeSignatureOffset, h.CodeSignatureSize = r.U64("codeSignatureOffset"), r.U64("codeSignatureSize")
	})
	opt(endSlideInfo, func() { h.SlideInfoOffset, h.SlideInfoSize = r.U64("slideInfoOffset"), r.U64("slideInfoSize") })
	opt(endLocalSymbols, func() {
		h.LocalSymbolsOffset, h.LocalSymbolsSize = r.U64("localSymbolsOffset"), r.U64("localSymbolsSize")
	})
	opt(endUUID, func() { copy(h.UUID[:], r.Bytes(16, "uuid")) })
	opt(endCacheType, u64(&h.CacheType, "cacheType"))
	opt(endBranchPools, func() {
		h.BranchPoolsOffset, h.BranchPoolsCount = r.U32("branchPoolsOffset"), r.U32("branchPoolsCount")
	})
	opt(endDyldInCache, func() { h.DyldInCacheMH, h.DyldInCacheEntry = r.U64("dyldInCacheMH"), r.U64("dyldInCacheEntry") })
	opt(endImagesText, func() { h.ImagesTextOffset, h.ImagesTextCount = r.U64("imagesTextOffset"), r.U64("imagesTextCount") })
	read32At := func(off int, p *uint32, f string) {
		r.Seek(uint64(off), f)
		*p = r.U32(f)
	}
	read64At := func(off int, p *uint64, f string) {
		r.Seek(uint64(off), f)
		*p = r.U64(f)
	}
	opt(endPlatform, func() { read32At(0xD8, &h.Platform, "platform") })
	opt(endFlags, func() {
		var bits uint32
		read32At(0xDC, &bits, "flags")
		h.FormatVersion = uint8(bits)
		h.DylibsExpectedOnDisk = bits&(1<<8) != 0
		h.Simulator = bits&(1<<9) != 0
		h.LocallyBuiltCache = bits&(1<<10) != 0
		h.BuiltFromChainedFixups = bits&(1<<11) != 0
		h.NewFormatTLVs = bits&(1<<12) != 0
	})
	opt(endSharedRegion, func() {
		read64At(0xE0, &h.SharedRegionStart, "sharedRegionStart")
		h.SharedRegionSize = r.U64("sharedRegionSize")
		h.MaxSlide = r.U64("maxSlide")
	})
	opt(endMappingSlide, func() {
		read32At(0x138, &h.MappingWithSlideOffset, "mappingWithSlideOffset")
		h.MappingWithSlideCount = r.U32("mappingWithSlideCount")
	})
	opt(endOSVersion, func() { read32At(0x16C, &h.OSVersion, "osVersion") })
	opt(endAltOS, func() {
		read32At(0x170, &h.AltPlatform, "altPlatform")
		h.AltOSVersion = r.U32("altOsVersion")
	})
	opt(endSubCacheArray, func() {
		read32At(0x188, &h.SubCacheArrayOffset, "subCacheArrayOffset")
		h.SubCacheArrayCount = r.U32("subCacheArrayCount")
	})
	opt(endSymbolFileUUID, func() {
		r.Seek(0x190, "symbolFileUUID")
		copy(h.SymbolFileUUID[:], r.Bytes(16, "symbolFileUUID"))
	})
	opt(endImages, func() {
		read32At(0x1C0, &h.ImagesOffset, "imagesOffset")
		h.ImagesCount = r.U32("imagesCount")
	})
	opt(endCacheSubType, func() { read32At(0x1C8, &h.CacheSubType, "cacheSubType") })
	if err := r.Err(); err != nil {
		return nil, err
	}
	return h, nil
}

// OSVersionString formats a packed 0xMMMMmmpp version ("17.4" or "17.4.1");
// "" for 0.
func OSVersionString(v uint32) string {
	if v == 0 {
		return ""
	}
	s := fmt.Sprintf("%d.%d", v>>16, v>>8&0xff)
	if p := v & 0xff; p != 0 {
		s += fmt.Sprintf(".%d", p)
	}
	return s
}

// PlatformName returns dyld's name for a platform number (mach-o/loader.h
// PLATFORM_*), or "platform N".
func PlatformName(p uint32) string {
	names := map[uint32]string{
		1: "macOS", 2: "iOS", 3: "tvOS", 4: "watchOS", 5: "bridgeOS", 6: "Mac Catalyst",
		7: "iOS Simulator", 8: "tvOS Simulator", 9: "watchOS Simulator", 10: "DriverKit",
		11: "visionOS", 12: "visionOS Simulator", 13: "firmware", 14: "sepOS",
	}
	if n, ok := names[p]; ok {
		return n
	}
	return fmt.Sprintf("platform %d", p)
}

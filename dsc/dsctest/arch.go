package dsctest

// archInfo describes one cache architecture.
type archInfo struct {
	name     string
	cpuType  uint32
	cpuSub   uint32
	is64     bool
	ptrSize  uint64
	pageSize uint64
	auth     bool // arm64e: __AUTH_CONST segments, AUTH mappings, slide info v3
	x86      bool
	base     uint64 // default sharedRegionStart
}

var archs = map[string]archInfo{
	"arm64e":   {name: "arm64e", cpuType: 0x0100000C, cpuSub: 0x80000002, is64: true, ptrSize: 8, pageSize: 0x4000, auth: true, base: 0x180000000},
	"arm64":    {name: "arm64", cpuType: 0x0100000C, cpuSub: 0, is64: true, ptrSize: 8, pageSize: 0x4000, base: 0x180000000},
	"x86_64":   {name: "x86_64", cpuType: 0x01000007, cpuSub: 3, is64: true, ptrSize: 8, pageSize: 0x1000, x86: true, base: 0x7FF800000000},
	"x86_64h":  {name: "x86_64h", cpuType: 0x01000007, cpuSub: 8, is64: true, ptrSize: 8, pageSize: 0x1000, x86: true, base: 0x7FF800000000},
	"arm64_32": {name: "arm64_32", cpuType: 0x0200000C, cpuSub: 1, is64: false, ptrSize: 4, pageSize: 0x4000, base: 0x1A000000},
}

// magic returns the 16-byte cache magic: "dyld_v1", the arch name
// right-aligned in 15 characters, then NUL (dyld-formats.md §5.1).
func (a archInfo) magic() [16]byte {
	var m [16]byte
	s := "dyld_v1"
	for len(s)+len(a.name) < 15 {
		s += " "
	}
	copy(m[:], s+a.name)
	return m
}

// nlistSize is the size of one nlist entry: nlist_64 or the 32-bit nlist.
func (a archInfo) nlistSize() uint64 {
	if a.is64 {
		return 16
	}
	return 12
}

// regionGap returns the VM address at which a region that follows one ending
// at end starts, applying the builders' padding: x86_64 starts a region on a
// 1 GiB boundary when writability changes; the arm64 family leaves 32 MiB of
// padding (dyld-formats.md §5 and dyld cache_builder's region padding rules).
func (a archInfo) regionGap(end uint64, pad bool) uint64 {
	if !pad {
		return end
	}
	if a.x86 {
		return alignUp(end, 1<<30)
	}
	return end + 32<<20
}

func alignUp(v, a uint64) uint64 { return (v + a - 1) &^ (a - 1) }

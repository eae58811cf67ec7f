package dsctest

import (
	"fmt"
	"math"
	"slices"
)

// funcKind says where a generated function's name appears.
type funcKind uint8

const (
	kindUnnamed  funcKind = iota // only in LC_FUNCTION_STARTS
	kindLocal                    // "<redacted>" in LINKEDIT, real name in the local symbols
	kindExport                   // export trie and symtab external range
	kindTrieOnly                 // export trie only
)

// genFunc is one function of an image, before addresses are assigned.
type genFunc struct {
	off  uint64 // from the start of __text
	size uint64
	kind funcKind
	name string
}

// genImage is everything about one image that is drawn from the seed. It is
// regenerated identically whenever needed, so that the whole cache never has
// to be held in memory.
type genImage struct {
	index      int
	path       string
	uuid       [16]byte
	funcs      []genFunc
	textSize   uint64 // bytes of __text
	dataConst  uint64 // __DATA_CONST vmsize
	data       uint64 // __DATA vmsize
	authConst  uint64 // __AUTH_CONST vmsize (arm64e only)
	deps       []int  // LC_LOAD_DYLIB targets (image indices)
	undefs     []int  // indices into undefNames
	curVersion uint32
	srcVersion uint64
	versionStr string // bytes of the <Stem>VersionString data symbol
	versionNum float64
	stem       string
	names      imageNames
}

// Streams of the per-image generators.
const (
	streamImage = iota + 1
	streamFuncs
	streamNames
	streamUUID
)

// generate fills g with image i. Names are drawn only when withNames is set
// (the sizes of __TEXT and __DATA never depend on them).
func (p *plan) generate(i int, withNames bool, g *genImage) {
	cfg := &p.cfg
	seed := uint64(cfg.Seed)
	r := newRNG(seed, uint64(i), streamImage)
	g.index = i
	g.path = imagePath(i)
	g.stem = stemOf(g.path)
	g.uuid = uuidFrom(seed, streamUUID, uint64(i))
	g.curVersion = uint32(1+r.intn(4000))<<16 | uint32(r.intn(100))<<8
	g.srcVersion = uint64(g.curVersion>>16)<<40 | uint64(r.intn(200))<<30
	g.versionNum = float64(g.curVersion>>16) + float64(r.intn(10))/10
	g.versionStr = fmt.Sprintf("@(#)PROGRAM:%s  PROJECT:%s-%d\n", g.stem, g.stem, g.curVersion>>16)
	g.dataConst = alignUp(16+uint64(len(g.versionStr))+1, 16) + 16*uint64(r.intn(48))
	g.data = 16 * uint64(2+r.intn(64))
	g.authConst = 0
	if p.arch.auth {
		g.authConst = 16 * uint64(1+r.intn(16))
	}
	g.deps = g.deps[:0]
	g.undefs = g.undefs[:0]
	if i > 0 {
		g.deps = append(g.deps, 0)
		for k := 0; k < 2 && i > 1; k++ {
			if d := 1 + r.intn(i-1); !slices.Contains(g.deps, d) {
				g.deps = append(g.deps, d)
			}
		}
		for k := 0; k < 2+r.intn(3); k++ {
			if u := r.intn(len(undefNames)); !slices.Contains(g.undefs, u) {
				g.undefs = append(g.undefs, u)
			}
		}
		slices.Sort(g.undefs) // undefNames is sorted: symtab order is by name
	}

	fr := newRNG(seed, uint64(i), streamFuncs)
	n := cfg.SymbolsPerImage
	g.funcs = slices.Grow(g.funcs[:0], n)[:n]
	var off uint64
	for k := range g.funcs {
		f := &g.funcs[k]
		f.off = off
		f.size = p.funcSize(&fr)
		f.name = ""
		x := fr.float()
		switch {
		case x < cfg.UnnamedFraction:
			f.kind = kindUnnamed
		case x < cfg.UnnamedFraction+cfg.LocalFraction:
			f.kind = kindLocal
		case fr.float() < cfg.TrieOnlyFraction:
			f.kind = kindTrieOnly
		default:
			f.kind = kindExport
		}
		off += f.size
	}
	g.textSize = off
	if !withNames {
		return
	}
	nr := newRNG(seed, uint64(i), streamNames)
	names := &g.names
	names.reset(i, g.path, n)
	for _, d := range dataSymbolNames(g.stem) {
		names.seen[d] = struct{}{}
	}
	for k := range g.funcs {
		f := &g.funcs[k]
		switch f.kind {
		case kindLocal:
			f.name = names.localName(&nr)
		case kindExport, kindTrieOnly:
			f.name = names.exportedName(&nr)
		}
	}
}

// funcSize draws the size of one function: mostly short, some long.
// arm64 functions are whole instructions; x86_64 ones are padded to 16.
func (p *plan) funcSize(r *rng) uint64 {
	n := uint64(2 + r.intn(20))
	if r.intn(50) == 0 {
		n = uint64(32 + r.intn(256))
	}
	if p.arch.x86 {
		return alignUp(n*4, 16)
	}
	return n * 4
}

// dataSymbols returns the names of the two exported data symbols of an image
// (in __DATA_CONST,__const at offsets 0 and 16), as frameworks export
// <Name>VersionNumber and <Name>VersionString.
func dataSymbolNames(stem string) [2]string {
	return [2]string{"_" + stem + "VersionNumber", "_" + stem + "VersionString"}
}

// dataConstBytes returns the initial bytes of __DATA_CONST,__const.
func (g *genImage) dataConstBytes() []byte {
	b := make([]byte, 16, 16+len(g.versionStr)+1)
	bits := math.Float64bits(g.versionNum)
	for k := 0; k < 8; k++ {
		b[k] = byte(bits >> (8 * k))
	}
	b = append(b, g.versionStr...)
	return append(b, 0)
}

// uuidFrom derives a version-3-style UUID (as ld and the cache builder
// produce: version nibble 3, RFC 4122 variant) from the seed.
func uuidFrom(parts ...uint64) [16]byte {
	r := newRNG(parts...)
	var u [16]byte
	a, b := r.next(), r.next()
	for k := 0; k < 8; k++ {
		u[k] = byte(a >> (56 - 8*k))
		u[8+k] = byte(b >> (56 - 8*k))
	}
	u[6] = u[6]&0x0f | 0x30
	u[8] = u[8]&0x3f | 0x80
	return u
}

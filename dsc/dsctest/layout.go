package dsctest

import (
	"context"
	"encoding/binary"
	"fmt"
	"slices"
	"strconv"
	"strings"
)

// regionKind is the kind of one mapping of a cache file.
type regionKind int

const (
	rkText      regionKind = iota // header area then image __TEXT segments
	rkHeader                      // header area only (DATA, LINKEDIT and .symbols files)
	rkDataConst                   // __DATA_CONST
	rkData                        // __DATA (and, in old caches, every data segment)
	rkAuthConst                   // __AUTH_CONST (arm64e)
	rkAuth                        // old arm64e caches' AUTH mapping
	rkLinkedit                    // shared LINKEDIT
)

// Per-image data segments.
const (
	segDataConst = iota
	segData
	segAuthConst
	numDataSegs
)

var dataSegNames = [numDataSegs]string{"__DATA_CONST", "__DATA", "__AUTH_CONST"}
var dataSectNames = [numDataSegs]string{"__const", "__data", "__const"}

// region is one mapping.
type region struct {
	kind               regionKind
	lo, hi             int   // images whose segments it holds
	segs               []int // data segments it holds (data regions)
	addr, size         uint64
	fileOff            uint64
	maxProt, initProt  uint32
	flags              uint64
	slideOff, slideLen uint64
	le                 *linkedit
}

func (r *region) writable() bool { return r.maxProt&2 != 0 }

// cacheFile is one file of the cache.
type cacheFile struct {
	index     int
	suffix    string
	uuid      [16]byte
	regions   []*region
	main      bool
	symbols   bool
	imageList bool
	nsub      int // subcache entries (main file of split layouts)

	// header area
	mwsOff, imagesOff, textOff, subOff, tproOff, poolOff, areaSize uint64

	vmAddr                uint64
	localsOff, localsSize uint64
	csOff, csSize         uint64
	size                  uint64
}

// linkedit is the shared LINKEDIT of a range of images.
type linkedit struct {
	lo, hi   int
	file     *cacheFile
	reg      *region
	trieOff  uint64 // dylibs trie (file offset), 0 when absent
	trieLen  uint64
	areaOff  uint64 // start of the per-dylib part: every image's __LINKEDIT segment
	end      uint64 // end of the string pool
	strOff   uint64
	strSize  uint64
	undefStr []uint32
}

const redactedStrx = 1 // "<redacted>" follows the pool's leading NUL

// imgPlan is the placement of one image.
type imgPlan struct {
	path       string
	uuid       [16]byte
	textFile   int
	textAddr   uint64
	textFileOf uint64
	textVMSize uint64
	textSize   uint64 // bytes of __text
	textSect   uint64 // offset of __text from the mach_header
	cmdsSize   uint64
	ncmds      uint32
	seg        [numDataSegs]segPlan
	le         *linkedit

	fstartsOff, fstartsLen uint64
	trieOff, trieLen       uint64
	symOff                 uint64
	nlocal, nextdef, nund  uint32
	strBase, strLen        uint32
	locStart, locCount     uint32
	locStrBase, locStrLen  uint32
}

type segPlan struct {
	reg           *region
	file          int
	addr, fileOff uint64
	size          uint64
}

// plan is a laid-out cache: every offset and address, but no bulk bytes.
type plan struct {
	cfg     Config
	arch    archInfo
	hdr     uint32
	digest  uint64
	imgs    []imgPlan
	files   []*cacheFile // main, subcaches, then .symbols
	les     []*linkedit
	dylibs  []byte // dylibs trie
	total   uint64 // VM span of the cache (without .symbols)
	locals  *cacheFile
	symUUID [16]byte
	truth   [][]Function
	data    [][]DataSymbol
}

// Generation features, from the header size (dyld-formats.md §5.2).
func (p *plan) hasTextInfo() bool      { return p.hdr >= hdr421 }
func (p *plan) hasDylibsTrie() bool    { return p.hdr >= hdr625 }
func (p *plan) hasSlideMaps() bool     { return p.hdr >= hdr832 }
func (p *plan) newImages() bool        { return p.hdr >= hdr940 }
func (p *plan) subV2() bool            { return p.hdr >= hdr1042 }
func (p *plan) split() bool            { return p.cfg.Layout != LayoutSingle }
func (p *plan) buildVersionLC() bool   { return p.hdr >= hdr625 }
func (p *plan) newLinkeditOrder() bool { return p.hdr >= hdr1042 }

// exportsTrieLC reports whether images use LC_DYLD_EXPORTS_TRIE (chained
// fixups era: arm64e from dyld-832, everything from dyld-940) instead of
// LC_DYLD_INFO_ONLY.
func (p *plan) exportsTrieLC() bool {
	return p.hdr >= hdr940 || p.hdr == hdr832 && p.arch.auth
}

// imageAlign is the alignment of image load addresses: 4 KiB in the
// dyld-832 caches, a page from dyld-1042 on (as in the corpus caches).
func (p *plan) imageAlign() uint64 {
	if p.hdr < hdr1042 {
		return 0x1000
	}
	return p.arch.pageSize
}

func (p *plan) ptr() uint64 { return p.arch.ptrSize }

// newPlan lays out the cache described by cfg. It generates every image's
// names once (to size the LINKEDIT), keeping only sizes and offsets.
func newPlan(cfg Config) (*plan, error) {
	cfg, err := cfg.normalize()
	if err != nil {
		return nil, err
	}
	p := &plan{cfg: cfg, arch: archs[cfg.Arch], hdr: cfg.HeaderSize}
	sum := cfg.digest()
	p.digest = binary.LittleEndian.Uint64(sum[:8])
	p.imgs = make([]imgPlan, cfg.Images)
	p.data = make([][]DataSymbol, cfg.Images)
	if !cfg.DiscardTruth {
		p.truth = make([][]Function, cfg.Images)
	}
	var g genImage
	for i := range p.imgs {
		p.generate(i, false, &g)
		ip := &p.imgs[i]
		ip.path = g.path
		ip.uuid = g.uuid
		ip.textSize = g.textSize
		ip.seg[segDataConst].size = g.dataConst
		ip.seg[segData].size = g.data
		ip.seg[segAuthConst].size = g.authConst
		ip.cmdsSize, ip.ncmds = p.loadCommandsSize(&g)
		hdrSize := uint64(32)
		if !p.arch.is64 {
			hdrSize = 28
		}
		ip.textSect = alignUp(hdrSize+ip.cmdsSize, 64)
		ip.textVMSize = alignUp(ip.textSect+ip.textSize, p.arch.pageSize)
	}
	p.makeFiles()
	if err := p.layout(); err != nil {
		return nil, err
	}
	return p, nil
}

// makeFiles decides which file holds which images' segments.
func (p *plan) makeFiles() {
	n := len(p.imgs)
	switch p.cfg.Layout {
	case LayoutSingle:
		f := p.newFile("")
		f.main, f.imageList = true, true
		f.regions = append(f.regions, &region{kind: rkText, lo: 0, hi: n})
		p.dataRegions(f, 0, n, true)
		p.addLinkedit(f, 0, n)
		if !p.cfg.NoSymbolsFile {
			p.locals = f
		}
	case LayoutSplitV1, LayoutSplit:
		p.splitFiles()
	}
	for _, f := range p.files {
		for _, r := range f.regions {
			p.setProt(r)
		}
	}
}

// splitFiles plans the files of a split cache: the main file and its
// subcaches by groups of images, the v2 data and LINKEDIT subcaches, and the
// .symbols file.
func (p *plan) splitFiles() {
	n := len(p.imgs)
	groups := p.cfg.SubCaches + 1
	for k := 0; k < groups; k++ {
		lo, hi := k*n/groups, (k+1)*n/groups
		var suffix string
		switch {
		case k == 0:
		case p.cfg.Layout == LayoutSplitV1:
			suffix = "." + strconv.Itoa(k)
		default:
			suffix = fmt.Sprintf(".%02d", k)
		}
		f := p.newFile(suffix)
		f.main = k == 0
		f.regions = append(f.regions, &region{kind: rkText, lo: lo, hi: hi})
		if p.cfg.Layout == LayoutSplitV1 {
			// dyld-940 keeps each file's DATA with its TEXT; x86_64 (a
			// shared region above 4 GiB) gives every file its own
			// LINKEDIT, the others put all LINKEDIT in the last file.
			f.imageList = true
			p.dataRegions(f, lo, hi, false)
			if p.arch.x86 {
				p.addLinkedit(f, lo, hi)
			} else if k == groups-1 {
				p.addLinkedit(f, 0, n)
			}
		} else {
			f.imageList = f.main || p.arch.x86 // Rosetta wants image lists in x86_64 subcaches
		}
	}
	if p.cfg.Layout == LayoutSplit {
		suffix := func(kind string) string {
			if p.arch.x86 {
				return fmt.Sprintf(".%02d", len(p.files))
			}
			return fmt.Sprintf(".%02d.%s", len(p.files), kind)
		}
		d := p.newFile(suffix("dylddata"))
		d.imageList = p.arch.x86
		d.regions = append(d.regions, &region{kind: rkHeader})
		p.dataRegions(d, 0, n, false)
		l := p.newFile(suffix("dyldlinkedit"))
		l.imageList = p.arch.x86
		l.regions = append(l.regions, &region{kind: rkHeader})
		p.addLinkedit(l, 0, n)
	}
	p.files[0].nsub = len(p.files) - 1
	p.symUUID = p.fileUUID(1000)
	if !p.cfg.NoSymbolsFile {
		s := p.newFile(".symbols")
		s.symbols = true
		s.uuid = p.symUUID
		s.regions = append(s.regions, &region{kind: rkHeader})
		p.locals = s
	}
}

func (p *plan) fileUUID(k int) [16]byte { return uuidFrom(p.digest, 0xF11E, uint64(k)) }

// newFile adds a file with the given suffix.
func (p *plan) newFile(suffix string) *cacheFile {
	f := &cacheFile{index: len(p.files), suffix: suffix, uuid: p.fileUUID(len(p.files))}
	p.files = append(p.files, f)
	return f
}

// dataRegions adds the data regions of images [lo, hi) to f: one region per
// kind of data segment, or merged ones in a single-file cache.
func (p *plan) dataRegions(f *cacheFile, lo, hi int, single bool) {
	add := func(k regionKind, segs ...int) {
		f.regions = append(f.regions, &region{kind: k, lo: lo, hi: hi, segs: segs})
	}
	switch {
	case !single:
		add(rkDataConst, segDataConst)
		add(rkData, segData)
		if p.arch.auth {
			add(rkAuthConst, segAuthConst)
		}
	case p.hasSlideMaps() && p.arch.auth:
		add(rkData, segDataConst, segData)
		add(rkAuth, segAuthConst)
	default:
		segs := []int{segDataConst, segData}
		if p.arch.auth {
			segs = append(segs, segAuthConst)
		}
		add(rkData, segs...)
	}
}

// addLinkedit adds to f the LINKEDIT shared by images [lo, hi).
func (p *plan) addLinkedit(f *cacheFile, lo, hi int) {
	le := &linkedit{lo: lo, hi: hi, file: f}
	r := &region{kind: rkLinkedit, lo: lo, hi: hi, le: le}
	le.reg = r
	f.regions = append(f.regions, r)
	p.les = append(p.les, le)
}

// setProt fills a region's protections and mapping flags.
func (p *plan) setProt(r *region) {
	switch r.kind {
	case rkText:
		r.maxProt, r.initProt = 5, 5
	case rkHeader:
		// The header of a DATA-, LINKEDIT-only or .symbols file is a text
		// region for the dyld-1378 builder (dyld-940 mapped a LINKEDIT-only
		// header read-only, but its generated layout has no such file).
		r.maxProt, r.initProt = 5, 5
	case rkDataConst, rkAuthConst:
		r.maxProt, r.initProt = 3, 3
		if p.newImages() {
			r.initProt = 1 // *_CONST is mapped read-only at first (dyld-940+)
		}
	case rkData, rkAuth:
		r.maxProt, r.initProt = 3, 3
	case rkLinkedit:
		r.maxProt, r.initProt = 1, 1
	}
	switch r.kind {
	case rkDataConst:
		r.flags = 0x04 // CONST_DATA
	case rkAuthConst:
		r.flags = 0x01 | 0x04 // AUTH_DATA | CONST_DATA
	case rkAuth:
		r.flags = 0x01
	}
}

// padBetween reports whether the builders leave padding between two
// consecutive mapped regions: dyld-832 and older between every region, newer
// ones (and every x86_64 cache) when writability changes.
func (p *plan) padBetween(prev, next *region) bool {
	if prev == nil {
		return false
	}
	if !p.arch.x86 && !p.newImages() {
		return true
	}
	return prev.writable() != next.writable()
}

// layout assigns addresses and file offsets.
func (p *plan) layout() error {
	for _, f := range p.files {
		p.headerArea(f)
	}
	var prev *region
	cursor := p.cfg.Base
	for _, f := range p.files {
		if f.symbols {
			continue
		}
		var fileOff uint64
		for k, r := range f.regions {
			if k == 0 {
				r.addr = p.arch.regionGap(cursor, p.padBetween(prev, r))
				f.vmAddr = r.addr
			} else {
				r.addr = p.arch.regionGap(cursor, p.padBetween(prev, r))
			}
			r.fileOff = fileOff
			var end uint64
			switch r.kind {
			case rkText:
				end = p.placeText(f, r)
			case rkHeader:
				end = r.addr + f.areaSize
			case rkLinkedit:
				end = p.placeLinkedit(f, r)
			default:
				end = p.placeData(f, r)
			}
			r.size = alignUp(end-r.addr, p.arch.pageSize)
			cursor = r.addr + r.size
			fileOff += r.size
			prev = r
		}
		f.size = fileOff
		p.placeUnmapped(f)
	}
	p.total = cursor - p.cfg.Base
	if !p.arch.is64 && cursor > 1<<32 {
		return fmt.Errorf("dsctest: a %d-image %s cache does not fit 32-bit addresses", len(p.imgs), p.arch.name)
	}
	if s := p.locals; s != nil && s.symbols {
		// The .symbols header is given address space after the cache, which
		// does not count in the cache's size (cache_builder's VM layout).
		r := s.regions[0]
		r.addr = alignUp(cursor, p.arch.pageSize)
		s.vmAddr = r.addr
		r.size = alignUp(s.areaSize, p.arch.pageSize)
		s.size = r.size
		p.placeUnmapped(s)
	}
	return nil
}

// headerArea sizes the header, mapping tables, image tables, subcache
// entries and install-name pool at the start of f (the 1378 builder's order;
// the slide-info mapping table is placed mappingCount×56 bytes after the
// first one, as every builder since dyld-832 does).
func (p *plan) headerArea(f *cacheFile) {
	nmap := uint64(len(f.regions))
	a := uint64(p.hdr) + nmap*32
	if p.hasSlideMaps() {
		f.mwsOff = uint64(p.hdr) + nmap*56
		a = f.mwsOff + nmap*56
	}
	if f.imageList {
		n := uint64(len(p.imgs))
		f.imagesOff = a
		a += n * 32
		if p.hasTextInfo() {
			f.textOff = a
			a += n * 32
		}
		if f.main && p.split() {
			f.subOff = a
			if p.subV2() {
				a += uint64(f.nsub) * 56
			} else {
				a += uint64(f.nsub) * 24
			}
		}
		if p.hdr >= hdr1231 {
			f.tproOff = a
		}
		f.poolOff = a
		if p.hasTextInfo() {
			for i := range p.imgs {
				a += uint64(len(p.imgs[i].path)) + 1
			}
		}
	}
	f.areaSize = alignUp(a, 8)
}

func (p *plan) placeText(f *cacheFile, r *region) uint64 {
	cur := alignUp(r.addr+f.areaSize, p.imageAlign())
	for i := r.lo; i < r.hi; i++ {
		ip := &p.imgs[i]
		ip.textFile = f.index
		ip.textAddr = cur
		ip.textFileOf = r.fileOff + (cur - r.addr)
		cur += ip.textVMSize
	}
	return cur
}

func (p *plan) placeData(f *cacheFile, r *region) uint64 {
	cur := r.addr
	for i := r.lo; i < r.hi; i++ {
		for _, s := range r.segs {
			sp := &p.imgs[i].seg[s]
			if sp.size == 0 {
				continue
			}
			cur = alignUp(cur, 64)
			sp.file = f.index
			sp.reg = r
			sp.addr = cur
			sp.fileOff = r.fileOff + (cur - r.addr)
			cur += sp.size
		}
	}
	if cur == r.addr {
		cur++ // keep empty regions one page long
	}
	return cur
}

// slideInfoSize returns the bytes of the slide info of a data region of
// vmsize size: a header and one uint16 page start per 4 KiB page (the corpus
// caches slide 4 KiB pages even with 16 KiB mappings).
func (p *plan) slideInfoSize(size uint64) uint64 {
	pages := size / 0x1000
	switch p.slideVersion() {
	case 1:
		return 24 + 2*pages + 128
	case 3:
		return 24 + 2*pages
	}
	return 40 + 2*pages
}

// slideVersion picks the slide info format: v1 before dyld-421, then v2
// (arm64, x86_64), v3 (arm64e) and v4 (arm64_32).
func (p *plan) slideVersion() int {
	switch {
	case p.hdr < hdr421:
		return 1
	case p.arch.auth:
		return 3
	case !p.arch.is64:
		return 4
	}
	return 2
}

// placeLinkedit lays out a LINKEDIT region: slide info (single-file caches
// keep it at the start of LINKEDIT, as the corpus caches do), the dylibs
// trie, then the per-dylib part shared by every image's __LINKEDIT segment.
func (p *plan) placeLinkedit(f *cacheFile, r *region) uint64 {
	le := r.le
	off := r.fileOff
	if !p.split() {
		for _, d := range f.regions {
			if d.writable() {
				d.slideOff = off
				d.slideLen = alignUp(p.slideInfoSize(d.size), 0x1000)
				off += d.slideLen
			}
		}
	}
	if p.hasDylibsTrie() && le == p.les[0] {
		entries := make([]trieEntry, len(p.imgs))
		for i := range p.imgs {
			entries[i] = trieEntry{name: p.imgs[i].path, payload: appendULEB(nil, uint64(i))}
		}
		p.dylibs = buildTrie(entries, 8)
		le.trieOff = off
		le.trieLen = uint64(len(p.dylibs))
		off += le.trieLen
	}
	le.areaOff = alignUp(off, p.arch.pageSize)
	p.sizeLinkedit(le)
	return r.addr + (le.end - r.fileOff)
}

// placeUnmapped places what follows the mappings of f: slide info (split
// layouts), the local symbols (single file and .symbols) and the code
// signature.
func (p *plan) placeUnmapped(f *cacheFile) {
	off := f.size
	if p.split() {
		for _, r := range f.regions {
			if r.writable() {
				r.slideOff = off
				r.slideLen = alignUp(p.slideInfoSize(r.size), 0x1000)
				off += r.slideLen
			}
		}
	}
	if p.locals == f {
		f.localsOff = alignUp(off, p.arch.pageSize)
		f.localsSize = p.localsSize(f)
		off = f.localsOff + f.localsSize
	}
	f.csOff = alignUp(off, p.arch.pageSize)
	f.csSize = p.arch.pageSize
	f.size = f.csOff + f.csSize
}

// entrySize is the size of one dyld_cache_local_symbols_entry: 64-bit in
// the .symbols file, 32-bit in single-file caches.
func (p *plan) entrySize() uint64 {
	if p.split() {
		return 16
	}
	return 12
}

// localsSize assigns every image's range in the local symbols and returns
// the total size: info, entries, nlist (pointer-aligned), strings.
func (p *plan) localsSize(f *cacheFile) uint64 {
	n := uint64(len(p.imgs))
	nl := alignUp(24+n*p.entrySize(), 8)
	var count uint32
	str := uint32(1)
	for i := range p.imgs {
		ip := &p.imgs[i]
		ip.locStart = count
		count += ip.locCount
		ip.locStrBase = str
		str += ip.locStrLen
	}
	return nl + uint64(count)*p.arch.nlistSize() + uint64(str)
}

func (p *plan) localsLayout() (entriesOff, nlistOff, nlistCount, strOff, strSize uint64) {
	n := uint64(len(p.imgs))
	entriesOff = 24
	nlistOff = alignUp(24+n*p.entrySize(), 8)
	last := &p.imgs[len(p.imgs)-1]
	nlistCount = uint64(last.locStart + last.locCount)
	strOff = nlistOff + nlistCount*p.arch.nlistSize()
	strSize = uint64(last.locStrBase + last.locStrLen)
	return
}

// sizeLinkedit generates the names of the LINKEDIT's images and lays out the
// per-dylib part: function starts, export tries, nlist and the shared string
// pool (order of the dyld-1042+ builder; older builders put the tries first
// and the function starts after the symbols, as the corpus caches show).
func (p *plan) sizeLinkedit(le *linkedit) {
	strPos := uint32(1 + len("<redacted>") + 1)
	le.undefStr = make([]uint32, len(undefNames))
	for k, u := range undefNames {
		le.undefStr[k] = strPos
		strPos += uint32(len(u)) + 1
	}
	type sized struct {
		g     genImage
		w     linkeditWork
		truth []Function
	}
	// Sizing cannot fail: only the context can stop it.
	_ = forEachOrdered(context.Background(), le.hi-le.lo, func() *sized { return new(sized) },
		func(k int, s *sized) {
			p.generate(le.lo+k, true, &s.g)
			s.w.prepare(p, &s.g)
			if p.truth != nil {
				s.truth = p.functions(&s.g)
			}
		},
		func(k int, s *sized) error {
			i := le.lo + k
			ip := &p.imgs[i]
			ip.le = le
			ip.fstartsLen = uint64(len(s.w.fstarts))
			ip.trieLen = uint64(len(s.w.trie))
			ip.nlocal = uint32(s.w.nlocal)
			ip.nextdef = uint32(len(s.w.extdefs))
			ip.nund = uint32(len(s.g.undefs))
			ip.strBase = strPos
			ip.strLen = uint32(s.w.extStrLen)
			strPos += ip.strLen
			ip.locCount = uint32(len(s.w.locals))
			ip.locStrLen = uint32(s.w.locStrLen)
			if p.truth != nil {
				p.truth[i] = s.truth
			}
			p.data[i] = p.dataSymbols(&s.g)
			return nil
		})
	off := le.areaOff
	pieces := []func(){
		func() {
			for i := le.lo; i < le.hi; i++ {
				p.imgs[i].fstartsOff = off
				off += p.imgs[i].fstartsLen
			}
		},
		func() {
			for i := le.lo; i < le.hi; i++ {
				p.imgs[i].trieOff = off
				off += p.imgs[i].trieLen
			}
		},
		func() {
			off = alignUp(off, 8)
			for i := le.lo; i < le.hi; i++ {
				ip := &p.imgs[i]
				ip.symOff = off
				off += uint64(ip.nlocal+ip.nextdef+ip.nund) * p.arch.nlistSize()
			}
		},
	}
	order := []int{0, 1, 2}
	if !p.newLinkeditOrder() {
		order = []int{1, 2, 0}
	}
	for _, k := range order {
		pieces[k]()
	}
	le.strOff = off
	le.strSize = uint64(strPos)
	le.end = le.strOff + le.strSize
}

// functions returns the ground truth of a named image.
func (p *plan) functions(g *genImage) []Function {
	ip := &p.imgs[g.index]
	start := ip.textAddr + ip.textSect
	out := make([]Function, len(g.funcs))
	for k, f := range g.funcs {
		out[k] = Function{
			Name:     f.name,
			Address:  start + f.off,
			Size:     f.size,
			Exported: f.kind == kindExport || f.kind == kindTrieOnly,
			Local:    f.kind == kindLocal,
			TrieOnly: f.kind == kindTrieOnly,
		}
	}
	return out
}

func (p *plan) dataSymbols(g *genImage) []DataSymbol {
	ip := &p.imgs[g.index]
	names := dataSymbolNames(g.stem)
	a := ip.seg[segDataConst].addr
	return []DataSymbol{{Name: names[0], Address: a, Segment: "__DATA_CONST"}, {Name: names[1], Address: a + 16, Segment: "__DATA_CONST"}}
}

// linkeditWork holds one image's LINKEDIT content while it is sized or
// written.
type linkeditWork struct {
	tb        trieBuilder
	fstarts   []byte
	trie      []byte
	entries   []trieEntry
	extdefs   []extSym
	payloads  []byte
	locals    []int // indices into g.funcs
	nlocal    int
	extStrLen int
	locStrLen int
}

type extSym struct {
	name     string
	addr     uint64
	sect     uint8
	inSymtab bool
}

func (w *linkeditWork) prepare(p *plan, g *genImage) {
	ip := &p.imgs[g.index]
	textStart := ip.textAddr + ip.textSect
	w.fstarts = w.fstarts[:0]
	prev := ip.textAddr
	for _, f := range g.funcs {
		a := textStart + f.off
		w.fstarts = appendULEB(w.fstarts, a-prev)
		prev = a
	}
	w.fstarts = append(w.fstarts, 0)
	for uint64(len(w.fstarts))%p.ptr() != 0 {
		w.fstarts = append(w.fstarts, 0)
	}
	w.entries = w.entries[:0]
	w.extdefs = w.extdefs[:0]
	w.locals = w.locals[:0]
	w.nlocal, w.extStrLen, w.locStrLen = 0, 0, 0
	// Every export, sorted once by name: the symtab's external range is
	// sorted by name (as in the corpus caches) and so is the trie's input.
	for k, f := range g.funcs {
		a := textStart + f.off
		switch f.kind {
		case kindLocal:
			w.nlocal++
			w.locals = append(w.locals, k)
			w.locStrLen += len(f.name) + 1
		case kindExport, kindTrieOnly:
			w.extdefs = append(w.extdefs, extSym{f.name, a, 1, f.kind == kindExport})
		}
	}
	for _, d := range p.dataSymbols(g) {
		w.extdefs = append(w.extdefs, extSym{d.Name, d.Address, 2, true})
	}
	slices.SortFunc(w.extdefs, func(a, b extSym) int { return strings.Compare(a.name, b.name) })
	n := 0
	for _, e := range w.extdefs {
		w.payloads = appendULEB(append(w.payloads[:0:0], 0), e.addr-ip.textAddr)
		w.entries = append(w.entries, trieEntry{e.name, w.payloads})
		if e.inSymtab {
			w.extdefs[n] = e
			n++
			w.extStrLen += len(e.name) + 1
		}
	}
	w.extdefs = w.extdefs[:n]
	w.trie = w.tb.build(w.trie[:0], w.entries, int(p.ptr()))
}

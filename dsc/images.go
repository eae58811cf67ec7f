package dsc

import (
	"encoding/binary"
	"fmt"
	"sort"

	"github.com/symbolicate/symbolicate/diag"
	"github.com/symbolicate/symbolicate/internal/bin"
	"github.com/symbolicate/symbolicate/internal/machofmt"
	"github.com/symbolicate/symbolicate/process"
)

const maxPathLen = 4096

// Image is one dylib of the cache.
type Image struct {
	Index int
	Path  string // install name
	// Aliases are other paths the image_info table lists for the same
	// mach_header (older caches only).
	Aliases  []string
	UUID     process.UUID // the dylib's LC_UUID
	Address  uint64       // unslid address of the mach_header (= __TEXT vmaddr)
	TextSize uint64       // VM size of __TEXT
}

// Name returns the last path component of the install name.
func (im *Image) Name() string { return process.NameOf(im.Path) }

// addrRange maps [start, end) to an image index.
type addrRange struct {
	start, end uint64
	image      int
}

// readImages decodes imagesText (or image_info for old caches) from the main
// file and indexes the __TEXT ranges.
func (c *Cache) readImages() error {
	h, main := c.hdr, c.files[0].data
	tableErr := func(field string, at int64, off, count, size uint64) error {
		return diag.Errorf(format, at, field, "%d entries of %d bytes at %#x lie outside the header area of the file (%#x bytes)",
			count, size, off, len(main))
	}
	pathAt := func(off uint32, i int, field string, at int64) (string, error) {
		s, ok := bin.CStringAt(main, uint64(off), maxPathLen)
		if !ok {
			return "", diag.Errorf(format, at, field, "image %d path offset %#x is outside the file or unterminated", i, off)
		}
		return s, nil
	}
	// image_info: address u64, modTime u64, inode u64, pathFileOffset u32, pad u32.
	infoOff, infoCount := h.imageInfo()
	infoField := int64(0x18)
	if h.MappingOffset >= 0x1C4 {
		infoField = 0x1C0
	}
	var info []byte
	if infoCount != 0 {
		if uint64(infoOff) < uint64(h.MappingOffset) || uint64(infoOff) > uint64(len(main)) ||
			bin.SliceCap(uint64(infoCount), 32, uint64(len(main))-uint64(infoOff)) < 0 {
			return tableErr("images", infoField, uint64(infoOff), uint64(infoCount), 32)
		}
		info = main[infoOff : uint64(infoOff)+uint64(infoCount)*32]
	}
	le := binary.LittleEndian
	if h.hasImagesText() {
		off, count := h.ImagesTextOffset, h.ImagesTextCount
		if off < uint64(h.MappingOffset) || off > uint64(len(main)) || bin.SliceCap(count, 32, uint64(len(main))-off) < 0 {
			return tableErr("imagesText", 0x88, off, count, 32)
		}
		c.images = make([]Image, count)
		for i := range c.images {
			e := main[off+uint64(i)*32:]
			im := &c.images[i]
			im.Index = i
			copy(im.UUID[:], e[:16])
			im.Address = le.Uint64(e[16:])
			im.TextSize = uint64(le.Uint32(e[24:]))
			p, err := pathAt(le.Uint32(e[28:]), i, "imagesText pathOffset", int64(off)+int64(i)*32+28)
			if err != nil {
				return err
			}
			im.Path = p
		}
		c.addAliases(info)
	} else {
		c.images = make([]Image, len(info)/32)
		for i := range c.images {
			e := info[i*32:]
			im := &c.images[i]
			im.Index = i
			im.Address = le.Uint64(e)
			p, err := pathAt(le.Uint32(e[24:]), i, "image_info pathFileOffset", int64(infoOff)+int64(i)*32+24)
			if err != nil {
				return err
			}
			im.Path = p
		}
		c.fillFromMachO()
	}
	c.text = make([]addrRange, 0, len(c.images))
	for i := range c.images {
		im := &c.images[i]
		if end, ok := bin.Span(im.Address, im.TextSize, ^uint64(0)); ok && im.TextSize > 0 {
			c.text = append(c.text, addrRange{im.Address, end, i})
		}
	}
	sortRanges(c.text)
	return nil
}

// addAliases records image_info paths that name an imagesText image by a
// different path (old caches list symlinked install names this way).
func (c *Cache) addAliases(info []byte) {
	if len(info) == 0 {
		return
	}
	byAddr := make(map[uint64]int, len(c.images))
	for i := range c.images {
		byAddr[c.images[i].Address] = i
	}
	main := c.files[0].data
	for i := 0; i+32 <= len(info); i += 32 {
		addr := binary.LittleEndian.Uint64(info[i:])
		j, ok := byAddr[addr]
		if !ok {
			continue
		}
		p, ok := bin.CStringAt(main, uint64(binary.LittleEndian.Uint32(info[i+24:])), maxPathLen)
		if !ok || p == c.images[j].Path {
			continue
		}
		c.images[j].Aliases = append(c.images[j].Aliases, p)
	}
}

// fillFromMachO reads UUID and __TEXT size from each image's Mach-O header
// for caches without imagesText (dyld-353). Unreadable headers are warnings.
func (c *Cache) fillFromMachO() {
	for i := range c.images {
		im := &c.images[i]
		m, err := c.parseMachO(im.Address)
		if err != nil {
			c.warn(diag.Diagnostic{Code: diag.InputWarning, Image: im.Path, Err: fmt.Errorf("image %d (%s): %w", i, im.Path, err)})
			continue
		}
		if m.HasUUID {
			im.UUID = m.UUID
		}
		if t := m.Segment("__TEXT"); t != nil {
			im.TextSize = t.Size
		}
	}
}

// parseMachO decodes the Mach-O header of the image at addr.
func (c *Cache) parseMachO(addr uint64) (*machofmt.File, error) {
	b, ok := c.bytesFrom(addr)
	if !ok {
		return nil, diag.Errorf(format, 0, "image address", "mach_header address %#x is in no mapping", addr)
	}
	m, err := machofmt.Parse(b)
	if err != nil {
		return nil, fmt.Errorf("mach_header at %#x: %w", addr, err)
	}
	if m.Is64 != c.hdr.Is64() {
		return nil, diag.Errorf("mach-o", 0, "magic", "image at %#x is %d-bit in a %s cache", addr, map[bool]int{true: 64, false: 32}[m.Is64], c.hdr.Arch)
	}
	return m, nil
}

// sortRanges sorts by start and clips overlaps so a binary search finds at
// most one range: where ranges overlap, the later-starting one wins.
func sortRanges(rs []addrRange) {
	sort.Slice(rs, func(i, j int) bool {
		if rs[i].start != rs[j].start {
			return rs[i].start < rs[j].start
		}
		return rs[i].image < rs[j].image
	})
	for i := 0; i+1 < len(rs); i++ {
		if rs[i].end > rs[i+1].start {
			rs[i].end = rs[i+1].start
		}
	}
}

// findRange returns the range containing addr, or -1.
func findRange(rs []addrRange, addr uint64) int {
	lo, hi := 0, len(rs)
	for lo < hi {
		m := int(uint(lo+hi) >> 1)
		if rs[m].start <= addr {
			lo = m + 1
		} else {
			hi = m
		}
	}
	i := lo - 1
	if i < 0 || addr >= rs[i].end {
		return -1
	}
	return i
}

// ImageCount returns the number of images (imagesText entries, or image_info
// entries in caches that predate imagesText).
func (c *Cache) ImageCount() int { return len(c.images) }

// Images returns the images in cache order. The slice is shared: do not
// modify it.
func (c *Cache) Images() []Image { return c.images }

// ImageAt returns image i in the process model, unslid: Base is its address
// in the cache and End the end of its __TEXT (the atlas package's view of a
// cache).
func (c *Cache) ImageAt(i int) process.Image {
	im := &c.images[i]
	return process.Image{
		ID:   process.UUIDBuildID(im.UUID),
		Path: im.Path,
		Name: im.Name(),
		Base: im.Address,
		End:  im.Address + im.TextSize,
		Arch: c.hdr.Arch,
	}
}

// ImageByUUID returns the image whose LC_UUID is u.
func (c *Cache) ImageByUUID(u process.UUID) (*Image, bool) {
	c.uuidOnce.Do(func() {
		c.byUUID = make(map[process.UUID]int, len(c.images))
		for i := len(c.images) - 1; i >= 0; i-- {
			c.byUUID[c.images[i].UUID] = i
		}
	})
	i, ok := c.byUUID[u]
	if !ok {
		return nil, false
	}
	return &c.images[i], true
}

// ImageByPath returns the image with install name (or alias) path.
func (c *Cache) ImageByPath(path string) (*Image, bool) {
	c.pathOnce.Do(func() {
		c.byPath = make(map[string]int, len(c.images))
		for i := len(c.images) - 1; i >= 0; i-- {
			for _, a := range c.images[i].Aliases {
				c.byPath[a] = i
			}
		}
		for i := len(c.images) - 1; i >= 0; i-- {
			c.byPath[c.images[i].Path] = i
		}
	})
	i, ok := c.byPath[path]
	if !ok {
		return nil, false
	}
	return &c.images[i], true
}

// ImageForAddress returns the image containing the unslid address addr in
// any of its segments (except the shared __LINKEDIT). The error is an
// *AddressError wrapping ErrNoImage when no image contains it.
func (c *Cache) ImageForAddress(addr uint64) (*Image, error) {
	if i := findRange(c.text, addr); i >= 0 {
		return &c.images[c.text[i].image], nil
	}
	c.rangesOnce.Do(func() {
		// A fault leaves the ranges of __TEXT only; the cache is broken then.
		_ = c.guard(func() error { c.buildRanges(); return nil })
	})
	if i := findRange(c.ranges, addr); i >= 0 {
		return &c.images[c.ranges[i].image], nil
	}
	return nil, &AddressError{Addr: addr}
}

// buildRanges indexes every segment of every image except __LINKEDIT (which
// all images of a cache share) and __PAGEZERO. It reads each image's load
// commands once; images whose header cannot be read keep only __TEXT.
func (c *Cache) buildRanges() {
	rs := make([]addrRange, 0, len(c.images)*4)
	for i := range c.images {
		m, err := c.parseMachO(c.images[i].Address)
		if err != nil {
			continue
		}
		for _, s := range m.Segments {
			if s.Size == 0 || s.Name == "__LINKEDIT" || s.Name == "__PAGEZERO" {
				continue
			}
			if end, ok := bin.Span(s.Addr, s.Size, ^uint64(0)); ok {
				rs = append(rs, addrRange{s.Addr, end, i})
			}
		}
	}
	rs = append(rs, c.text...)
	sortRanges(rs)
	c.ranges = rs
}

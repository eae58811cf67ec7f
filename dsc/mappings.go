package dsc

import (
	"encoding/binary"
	"sort"

	"github.com/symbolicate/symbolicate/diag"
	"github.com/symbolicate/symbolicate/internal/bin"
)

// Mapping flags of dyld_cache_mapping_and_slide_info (§5.3).
const (
	MappingAuthData          = 0x01
	MappingDirtyData         = 0x02
	MappingConstData         = 0x04
	MappingTextStubs         = 0x08
	MappingDynamicConfigData = 0x10
	MappingReadOnlyData      = 0x20
	MappingConstTPROData     = 0x40
)

const (
	protRead    = 1
	protWrite   = 2
	protExecute = 4
)

// MappingName derives a mapping's name from its maximum protection and flags
// the way dyld's DyldSharedCache::mappingName does (§5.3).
func MappingName(maxProt uint32, flags uint64) string {
	switch {
	case maxProt&protExecute != 0:
		if flags&MappingTextStubs != 0 {
			return "__TEXT_STUBS"
		}
		return "__TEXT"
	case maxProt&protWrite != 0:
		prefix := "__DATA"
		if flags&MappingAuthData != 0 {
			prefix = "__AUTH"
		}
		switch {
		case flags&MappingDirtyData != 0:
			return prefix + "_DIRTY"
		case flags&MappingConstTPROData != 0:
			if prefix == "__DATA" {
				return "__TPRO_CONST"
			}
			return "__AUTH_TPRO_CONST"
		case flags&MappingConstData != 0:
			return prefix + "_CONST"
		}
		return prefix
	case maxProt&protRead != 0:
		if flags&MappingReadOnlyData != 0 {
			return "__READ_ONLY"
		}
		return "__LINKEDIT"
	}
	return "*unknown*"
}

// parseMappings decodes a file's mapping table (and the mapping-with-slide
// table when the header has one) and checks each mapping against the file.
func parseMappings(data []byte, h *Header) ([]Mapping, error) {
	off := uint64(h.MappingOffset)
	n := bin.SliceCap(uint64(h.MappingCount), 32, uint64(len(data))-off)
	if n < 0 {
		return nil, diag.Errorf(format, 0x14, "mappingCount",
			"%d mappings of 32 bytes at %#x do not fit in the file (%#x bytes)", h.MappingCount, off, len(data))
	}
	ms := make([]Mapping, n)
	r := bin.NewReader(format, data[off:], binary.LittleEndian, int64(off))
	for i := range ms {
		m := &ms[i]
		m.Address = r.U64("mapping address")
		m.Size = r.U64("mapping size")
		m.FileOffset = r.U64("mapping fileOffset")
		m.MaxProt = r.U32("mapping maxProt")
		m.InitProt = r.U32("mapping initProt")
	}
	if err := r.Err(); err != nil {
		return nil, err
	}
	if h.hasSlideMappings() && h.MappingWithSlideCount != 0 {
		soff := uint64(h.MappingWithSlideOffset)
		if h.MappingWithSlideCount != h.MappingCount || soff < uint64(h.MappingOffset) || soff > uint64(len(data)) ||
			bin.SliceCap(uint64(h.MappingWithSlideCount), 56, uint64(len(data))-soff) < 0 {
			return nil, diag.Errorf(format, 0x138, "mappingWithSlide",
				"%d entries at %#x do not match %d mappings or do not fit in the file (%#x bytes)",
				h.MappingWithSlideCount, soff, h.MappingCount, len(data))
		}
		r = bin.NewReader(format, data[soff:], binary.LittleEndian, int64(soff))
		for i := range ms {
			m := &ms[i]
			addr, size, fileOff := r.U64("address"), r.U64("size"), r.U64("fileOffset")
			m.SlideInfoOffset = r.U64("slideInfoFileOffset")
			m.SlideInfoSize = r.U64("slideInfoFileSize")
			m.Flags = r.U64("flags")
			r.Skip(8, "maxProt/initProt")
			if !r.Failed() && (addr != m.Address || size != m.Size || fileOff != m.FileOffset) {
				return nil, diag.Errorf(format, int64(soff)+int64(i)*56, "mappingWithSlide",
					"entry %d (%#x+%#x @%#x) differs from mapping %d (%#x+%#x @%#x)",
					i, addr, size, fileOff, i, m.Address, m.Size, m.FileOffset)
			}
		}
		if err := r.Err(); err != nil {
			return nil, err
		}
	}
	for i := range ms {
		m := &ms[i]
		m.Name = MappingName(m.MaxProt, m.Flags)
		if _, ok := bin.Span(m.FileOffset, m.Size, uint64(len(data))); !ok {
			return nil, diag.Errorf(format, int64(off)+int64(i)*32, "mapping",
				"mapping %d (%s) file range %#x+%#x runs past the end of the file (%#x bytes): truncated cache?",
				i, m.Name, m.FileOffset, m.Size, len(data))
		}
		if _, ok := bin.Span(m.Address, m.Size, ^uint64(0)); !ok {
			return nil, diag.Errorf(format, int64(off)+int64(i)*32, "mapping",
				"mapping %d address range %#x+%#x overflows", i, m.Address, m.Size)
		}
	}
	return ms, nil
}

// buildVM collects the mappings of the main file and subcaches into one
// sorted address table and rejects overlaps.
func (c *Cache) buildVM() error {
	for fi, f := range c.files {
		for _, m := range f.info.Mappings {
			if m.Size == 0 {
				continue
			}
			c.vm = append(c.vm, vmRange{addr: m.Address, size: m.Size, file: fi, off: m.FileOffset})
		}
	}
	sort.Slice(c.vm, func(i, j int) bool { return c.vm[i].addr < c.vm[j].addr })
	for i := 1; i < len(c.vm); i++ {
		p, q := c.vm[i-1], c.vm[i]
		if q.addr-p.addr < p.size {
			return diag.Errorf(format, int64(c.files[q.file].hdr.MappingOffset), "mapping",
				"mapping at %#x in %s overlaps mapping %#x+%#x in %s",
				q.addr, c.files[q.file].info.Path, p.addr, p.size, c.files[p.file].info.Path)
		}
	}
	return nil
}

// findVM returns the index of the mapping containing addr, or -1.
func (c *Cache) findVM(addr uint64) int {
	vm := c.vm
	lo, hi := 0, len(vm)
	for lo < hi {
		m := int(uint(lo+hi) >> 1)
		if vm[m].addr <= addr {
			lo = m + 1
		} else {
			hi = m
		}
	}
	i := lo - 1
	if i < 0 || addr-vm[i].addr >= vm[i].size {
		return -1
	}
	return i
}

// bytesAt returns the n bytes at unslid address addr, which must lie in one
// mapping. ok is false otherwise.
func (c *Cache) bytesAt(addr, n uint64) ([]byte, bool) {
	i := c.findVM(addr)
	if i < 0 {
		return nil, false
	}
	v := c.vm[i]
	d := addr - v.addr
	if n > v.size-d {
		return nil, false
	}
	start := v.off + d
	return c.files[v.file].data[start : start+n : start+n], true
}

// bytesFrom returns the bytes from addr to the end of its mapping.
func (c *Cache) bytesFrom(addr uint64) ([]byte, bool) {
	i := c.findVM(addr)
	if i < 0 {
		return nil, false
	}
	v := c.vm[i]
	d := addr - v.addr
	return c.bytesAt(addr, v.size-d)
}

// fileOffsetOf returns the file index and file offset of addr.
func (c *Cache) fileOffsetOf(addr uint64) (file int, off uint64, ok bool) {
	i := c.findVM(addr)
	if i < 0 {
		return 0, 0, false
	}
	v := c.vm[i]
	return v.file, v.off + (addr - v.addr), true
}

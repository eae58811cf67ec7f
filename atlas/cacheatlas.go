package atlas

import (
	"fmt"
	"maps"
	"path"
	"slices"
	"strings"

	"github.com/symbolicate/symbolicate/process"
)

const fmtCacheAtlas = "cache atlas"

// CacheAtlasSet is the content of a shared-cache atlas plist (spec §4.5):
// the cache dictionaries by UUID ("uuids") and by cache file name ("names").
// For a universal cache both maps hold the customer and the development
// cache; entries for the same cache share one *CacheAtlas.
type CacheAtlasSet struct {
	ByUUID map[process.UUID]*CacheAtlas
	ByName map[string]*CacheAtlas
}

// CacheAtlas describes one shared cache as its atlas does: its UUID,
// unslid base, size, subcaches and images in imagesText order. It satisfies
// [SharedCache], so a snapshot can be expanded with an atlas in place of
// the cache files.
type CacheAtlas struct {
	CacheUUID   process.UUID // "uuid"
	BaseAddress uint64       // "padr": unslid base address (sharedRegionStart)
	VMSize      uint64       // "size"
	// PointerSize is "psze" as written. dyld's cache builder writes 4 for
	// 64-bit caches and 8 for arm64_32 (an inverted condition, Q6).
	PointerSize     uint64
	SymbolsFileName string       // "snme", "" when absent
	SymbolsUUID     process.UUID // "suid", zero when absent
	SubCaches       []AtlasSubCache
	Images          []AtlasImage
}

// AtlasSubCache is one "dscs" entry of a cache atlas.
type AtlasSubCache struct {
	Name             string // file name including its suffix
	UUID             process.UUID
	VMOffset         uint64 // "voff": subcache address minus cache base
	FileSize         uint64 // "fsze"
	PreferredAddress uint64 // "padr"
	VMSize           uint64 // "size"
	Mappings         []AtlasMapping
}

// AtlasMapping is one "maps" entry of a subcache.
type AtlasMapping struct {
	PreferredAddress uint64 // "padr"
	Size             uint64 // "size"
	FileOffset       uint64 // "foff"
	MaxProt          uint64 // "prot"
}

// AtlasImage is one cache image ("imgs" entry) of a cache atlas.
type AtlasImage struct {
	InstallName      string       // "name"
	PreferredAddress uint64       // "padr": unslid mach_header address
	UUID             process.UUID // "uuid", zero when absent
	Segments         []Segment    // "segs"
}

// UUID returns the cache UUID.
func (c *CacheAtlas) UUID() process.UUID { return c.CacheUUID }

// SharedRegionStart returns the cache's unslid base address.
func (c *CacheAtlas) SharedRegionStart() uint64 { return c.BaseAddress }

// ImageCount returns the number of cache images.
func (c *CacheAtlas) ImageCount() int { return len(c.Images) }

// ImageAt returns cache image i, unslid: Path and Name from the install
// name, the UUID as BuildID, Base from "padr" and EndOfText from the
// __TEXT segment when the atlas lists it. i must be in [0, ImageCount()).
func (c *CacheAtlas) ImageAt(i int) process.Image {
	if i < 0 || i >= len(c.Images) {
		return process.Image{}
	}
	a := &c.Images[i]
	im := process.Image{Path: a.InstallName, Name: process.NameOf(a.InstallName), Base: a.PreferredAddress}
	if !a.UUID.IsZero() {
		im.ID = process.UUIDBuildID(a.UUID)
	}
	for _, s := range a.Segments {
		if s.Name == "__TEXT" {
			im.End = s.PreferredAddress + s.Size
			break
		}
	}
	return im
}

// DecodeCacheAtlasPlist decodes a cache atlas plist (the member
// caches/uuids/<UUID>.plist of an .atlas archive). "uuids" and "names" are
// required and every cache dictionary needs "uuid", "padr", "size", "psze"
// and "imgs". Errors are *PlistError values naming the key path.
func DecodeCacheAtlasPlist(b []byte) (*CacheAtlasSet, error) {
	root, err := rootDict(b, fmtCacheAtlas)
	if err != nil {
		return nil, err
	}
	set := &CacheAtlasSet{ByUUID: map[process.UUID]*CacheAtlas{}, ByName: map[string]*CacheAtlas{}}
	uuids, _, err := root.dict("uuids", true)
	if err != nil {
		return nil, err
	}
	names, _, err := root.dict("names", true)
	if err != nil {
		return nil, err
	}
	for _, k := range slices.Sorted(maps.Keys(uuids.m)) {
		u, err := process.ParseUUID(k)
		if err != nil {
			return nil, uuids.errorf(k, "key is not a UUID")
		}
		d, _, err := uuids.dict(k, true)
		if err != nil {
			return nil, err
		}
		c, err := decodeCacheDict(d)
		if err != nil {
			return nil, err
		}
		set.ByUUID[u] = c
	}
	for _, k := range slices.Sorted(maps.Keys(names.m)) {
		d, _, err := names.dict(k, true)
		if err != nil {
			return nil, err
		}
		// "names" refers to the same dictionaries as "uuids"; reuse them.
		u, _, err := d.uuid("uuid", true)
		if err != nil {
			return nil, err
		}
		if c, ok := set.ByUUID[u]; ok {
			set.ByName[k] = c
			continue
		}
		c, err := decodeCacheDict(d)
		if err != nil {
			return nil, err
		}
		set.ByName[k] = c
	}
	return set, nil
}

func decodeCacheDict(d pdict) (*CacheAtlas, error) {
	c := &CacheAtlas{}
	var e [7]error
	c.CacheUUID, _, e[0] = d.uuid("uuid", true)
	c.BaseAddress, _, e[1] = d.uint("padr", true)
	c.VMSize, _, e[2] = d.uint("size", true)
	c.PointerSize, _, e[3] = d.uint("psze", true)
	c.SymbolsFileName, _, e[4] = d.str("snme", false)
	c.SymbolsUUID, _, e[5] = d.uuid("suid", false)
	var imgs []any
	imgs, _, e[6] = d.array("imgs", true)
	if err := firstErr(e[:]...); err != nil {
		return nil, err
	}
	c.Images = make([]AtlasImage, len(imgs))
	for i := range imgs {
		id, err := d.elemDict("imgs", imgs, i)
		if err != nil {
			return nil, err
		}
		im := &c.Images[i]
		var e [4]error
		im.InstallName, _, e[0] = id.str("name", false)
		im.PreferredAddress, _, e[1] = id.uint("padr", true)
		im.UUID, _, e[2] = id.uuid("uuid", false)
		im.Segments, e[3] = id.segments("segs")
		if err := firstErr(e[:]...); err != nil {
			return nil, err
		}
	}
	dscs, _, err := d.array("dscs", false)
	if err != nil {
		return nil, err
	}
	for i := range dscs {
		sd, err := d.elemDict("dscs", dscs, i)
		if err != nil {
			return nil, err
		}
		sc, err := decodeSubCache(sd)
		if err != nil {
			return nil, err
		}
		c.SubCaches = append(c.SubCaches, sc)
	}
	return c, nil
}

func decodeSubCache(d pdict) (AtlasSubCache, error) {
	var sc AtlasSubCache
	var e [7]error
	sc.Name, _, e[0] = d.str("name", true)
	sc.UUID, _, e[1] = d.uuid("uuid", true)
	sc.VMOffset, _, e[2] = d.uint("voff", false)
	sc.FileSize, _, e[3] = d.uint("fsze", false)
	sc.PreferredAddress, _, e[4] = d.uint("padr", false)
	sc.VMSize, _, e[5] = d.uint("size", false)
	var maps []any
	maps, _, e[6] = d.array("maps", false)
	if err := firstErr(e[:]...); err != nil {
		return sc, err
	}
	for i := range maps {
		md, err := d.elemDict("maps", maps, i)
		if err != nil {
			return sc, err
		}
		var m AtlasMapping
		var e [4]error
		m.Size, _, e[0] = md.uint("size", true)
		m.PreferredAddress, _, e[1] = md.uint("padr", true)
		m.FileOffset, _, e[2] = md.uint("foff", true)
		m.MaxProt, _, e[3] = md.uint("prot", true)
		if err := firstErr(e[:]...); err != nil {
			return sc, err
		}
		sc.Mappings = append(sc.Mappings, m)
	}
	return sc, nil
}

// DecodeCacheAtlasFile decodes a `<cache>.atlas` file (spec §4.5): it undoes
// a parallel-compression wrapper if there is one (output capped at maxSize
// bytes), reads the Apple Archive, and merges every regular file
// caches/uuids/*.plist. A bare cache atlas plist is accepted as well.
func DecodeCacheAtlasFile(b []byte, maxSize int64) (*CacheAtlasSet, error) {
	if IsPBZ(b) {
		var err error
		if b, err = DecompressPBZ(b, maxSize); err != nil {
			return nil, err
		}
	}
	if IsBinaryPlist(b) {
		return DecodeCacheAtlasPlist(b)
	}
	if !IsAAR(b) {
		return nil, fmt.Errorf("cache atlas: neither an Apple Archive nor a binary plist: %w", ErrUnknownFormat)
	}
	a, err := ParseAAR(b)
	if err != nil {
		return nil, err
	}
	set := &CacheAtlasSet{ByUUID: map[process.UUID]*CacheAtlas{}, ByName: map[string]*CacheAtlas{}}
	found := false
	for _, e := range a.Entries {
		p := path.Clean(e.Path)
		if e.Type != AAREntryFile || path.Dir(p) != "caches/uuids" || !strings.HasSuffix(p, ".plist") {
			continue
		}
		found = true
		one, err := DecodeCacheAtlasPlist(e.Data)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", p, err)
		}
		for k, v := range one.ByUUID {
			set.ByUUID[k] = v
		}
		for k, v := range one.ByName {
			set.ByName[k] = v
		}
	}
	if !found {
		return nil, fmt.Errorf("cache atlas: no caches/uuids/*.plist member: %w", ErrNoEntry)
	}
	return set, nil
}

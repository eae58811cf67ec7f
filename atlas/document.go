package atlas

import (
	"bytes"
	"errors"
	"fmt"
	"maps"
	"slices"

	"github.com/symbolicate/symbolicate/diag"
	"github.com/symbolicate/symbolicate/format"
	"github.com/symbolicate/symbolicate/imagemap"
	"github.com/symbolicate/symbolicate/process"
)

// Format is the dyld process snapshot format for the format list: raw compact
// info, an Apple Archive holding process.cinfo or process.plist, or a bare
// process.plist. Its documents are image lists; the loaded images of the
// process's shared cache are expanded from the cache when Options.Cache has
// it, and listed by index otherwise.
var Format = format.Format{
	Name:  "compact-info",
	Sniff: func(b []byte) bool { return IsCompactInfo(b) || IsAAR(b) || IsBinaryPlist(b) },
	Parse: parseSnapshot,
}

// CacheAtlasFormat is the shared-cache .atlas file (a parallel-compressed
// archive of cache atlas plists) for the format list. Its document lists the
// images of the caches it describes, unslid.
var CacheAtlasFormat = format.Format{
	Name:  "cache-atlas",
	Sniff: IsPBZ,
	Parse: parseCacheAtlas,
}

// maxAtlasSize bounds the decompressed size of a cache .atlas file; real ones
// are a few megabytes.
const maxAtlasSize = 256 << 20

func parseSnapshot(b []byte, opts format.Options) (format.Document, error) {
	s, err := Decode(b)
	if err != nil {
		return nil, err
	}
	name := "compact-info"
	if s.Source == SourceProcessPlist {
		name = "process-plist"
	}
	if IsAAR(b) {
		name += "+aar"
	}
	var warn []diag.Diagnostic
	for _, w := range s.Warnings {
		warn = append(warn, diag.Diagnostic{Code: diag.InputWarning, Err: errors.New(w)})
	}
	var cache SharedCache
	if rec := s.Cache; rec != nil {
		if c, ok := lookupCache(opts, rec.UUID); ok {
			cache = c
		} else if n := rec.Bitmap.Count(); n > 0 {
			warn = append(warn, diag.Diagnostic{Code: diag.CacheNotFound, UUID: rec.UUID,
				Err: fmt.Errorf("shared cache %s not found: its %d loaded images are listed by index", rec.UUID, n)})
		}
	}
	p, err := s.Process(cache)
	if err != nil {
		return nil, err
	}
	return &imagemap.Document{P: p, Name: name, Warn: warn}, nil
}

func lookupCache(opts format.Options, u process.UUID) (format.CacheImages, bool) {
	if opts.Cache == nil {
		return nil, false
	}
	return opts.Cache(u)
}

func parseCacheAtlas(b []byte, _ format.Options) (format.Document, error) {
	set, err := DecodeCacheAtlasFile(b, maxAtlasSize)
	if err != nil {
		return nil, err
	}
	p := &process.Process{WordSize: 64}
	uuids := slices.SortedFunc(maps.Keys(set.ByUUID), func(a, b process.UUID) int { return bytes.Compare(a[:], b[:]) })
	for _, u := range uuids {
		c := set.ByUUID[u]
		for i := range c.ImageCount() {
			p.Images = append(p.Images, c.ImageAt(i))
		}
		if len(uuids) == 1 {
			p.SharedCache = &process.CacheRef{UUID: u, Base: c.BaseAddress, Size: c.VMSize, SlideKnown: true}
		}
	}
	return &imagemap.Document{P: p, Name: "cache-atlas"}, nil
}

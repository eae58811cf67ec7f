package dsc

import (
	"errors"
	"strings"

	"github.com/symbolicate/symbolicate/internal/symtab"
	"github.com/symbolicate/symbolicate/process"
	"github.com/symbolicate/symbolicate/symbol"
)

// A *Cache is one shared cache for the resolver (symbol.Cache); a *Set finds
// caches and their images (symbol.Source and symbol.Caches). Names are handed
// over in display form (no Mach-O leading underscore), and "<redacted>", the
// cache builder's placeholder for a local symbol whose name lives only in a
// missing .symbols file, is not a name.
var (
	_ symbol.Cache      = (*Cache)(nil)
	_ symbol.Source     = (*Set)(nil)
	_ symbol.Caches     = (*Set)(nil)
	_ symbol.CacheImage = (*imageSymbolizer)(nil)
)

// Image returns the symbolizer of the cache image whose LC_UUID is id, and
// the image's unslid address (symbol.Cache).
func (c *Cache) Image(id process.BuildID) (symbol.Symbolizer, uint64, bool) {
	u, ok := id.UUID()
	if !ok {
		return nil, 0, false
	}
	im, ok := c.ImageByUUID(u)
	if !ok {
		return nil, 0, false
	}
	return &imageSymbolizer{c: c, im: im}, im.Address, true
}

// SymbolizeAddress looks up an unslid address anywhere in the cache; the
// frame's Start is the symbol's unslid address (symbol.Cache).
func (c *Cache) SymbolizeAddress(addr uint64) ([]symbol.Frame, error) {
	sym, err := c.Lookup(addr)
	if err != nil {
		return nil, symbolError(err)
	}
	return c.frames(sym)
}

// imageSymbolizer answers offsets into one image of a cache.
type imageSymbolizer struct {
	c  *Cache
	im *Image
}

// Symbolize looks up an offset from the image's load address. A symbol must
// lie in this image: an offset that runs past it is not given a neighbour's
// name.
func (s *imageSymbolizer) Symbolize(off uint64) ([]symbol.Frame, error) {
	sym, err := s.c.Lookup(s.im.Address + off)
	if err != nil {
		return nil, symbolError(err)
	}
	if sym.Image == nil || sym.Image.Index != s.im.Index {
		return nil, nil
	}
	out, err := s.c.frames(sym)
	for i := range out {
		out[i].Start -= s.im.Address
	}
	return out, err
}

// Path names the main cache file.
func (s *imageSymbolizer) Path() string { return s.c.Path() }

// Cache returns the cache holding the image.
func (s *imageSymbolizer) Cache() symbol.Cache { return s.c }

// Address returns the image's unslid address.
func (s *imageSymbolizer) Address() uint64 { return s.im.Address }

// frames turns a lookup into the frames of the symbol contract: none when no
// symbol has a usable name. A function known only from its start, or by a
// "<redacted>" placeholder, in a cache whose .symbols file is missing has a
// name that is not at hand: a *symbol.DegradedError.
func (c *Cache) frames(sym Symbol) ([]symbol.Frame, error) {
	named := sym.Name != "" && sym.Name != symtab.Redacted && !sym.Unnamed
	if !named && sym.Image != nil && (sym.Unnamed || sym.Name == symtab.Redacted) {
		if d := c.missingSymbols(); d != nil {
			return nil, &symbol.DegradedError{Missing: d.Path, MissingUUID: d.UUID, Cache: c.UUID()}
		}
	}
	if sym.Name == "" || sym.Name == symtab.Redacted {
		return nil, nil
	}
	return []symbol.Frame{{Function: strings.TrimPrefix(sym.Name, "_"), Start: sym.Start, Synthetic: sym.Unnamed}}, nil
}

// symbolError maps an address outside every image to symbol.ErrNoImage.
func symbolError(err error) error {
	if errors.Is(err, ErrNoImage) {
		return symbol.ErrNoImage
	}
	return err
}

// Process returns a process that has every image of the cache loaded, slid by
// slide, with the cache as its shared cache: addresses of a cache alone are
// resolved against it like any process's.
func (c *Cache) Process(slide uint64) *process.Process {
	p := &process.Process{SharedCache: &process.CacheRef{UUID: c.UUID(), Base: c.SharedRegionStart() + slide, Slide: slide, SlideKnown: true}}
	p.Images = make([]process.Image, len(c.images))
	for i := range p.Images {
		im := c.ImageAt(i)
		im.Base += slide
		im.End += slide
		p.Images[i] = im
	}
	return p
}

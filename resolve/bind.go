package resolve

import (
	"cmp"
	"errors"
	"fmt"
	"slices"
	"sort"
	"strings"

	"github.com/symbolicate/symbolicate/diag"
	"github.com/symbolicate/symbolicate/process"
	"github.com/symbolicate/symbolicate/symbol"
)

// binding is where one image's symbols come from.
type binding struct {
	sym symbol.Symbolizer // nil when nothing was found; err says why
	err error
	// inCache says the symbols come from a shared cache (a system image).
	inCache bool
	// unresolvable says failures in this image are not resolvable at all (an
	// image without a build ID, or absolute addresses), rather than missing.
	unresolvable bool
	// note is a near miss met while binding (a binary of the image's name
	// with another UUID); noted says it was added to the outcome.
	note  *diag.Diagnostic
	noted bool
	// used says a frame was resolved from sym (its source is in Outcome.Used).
	used bool
}

// bound is a process's image list bound to the sources; it is used by one
// goroutine.
type bound struct {
	images []process.Image
	binds  []binding
	ref    *process.CacheRef
	// cache is the process's shared cache and slide its runtime slide; cache
	// is nil when the process names none or no source has it, and then
	// missingCache is the UUID it names.
	cache        symbol.Cache
	slide        uint64
	missingCache *process.UUID
	notes        []diag.Diagnostic
	os           string // the OS the process ran, as the input names it
}

// binding returns image i's binding, nil when i is not an image.
func (p *bound) binding(i int) *binding {
	if i < 0 || i >= len(p.binds) {
		return nil
	}
	return &p.binds[i]
}

// bind matches images to sources. The shared cache the process mapped is
// chosen by its UUID; every other image is matched by its own build ID, first
// in that cache, then in each source in order.
func (r *Resolver) bind(proc *process.Process) *bound {
	p := &bound{images: proc.Images, binds: make([]binding, len(proc.Images)), ref: proc.SharedCache, os: proc.Platform}
	if ref := proc.SharedCache; ref != nil && !ref.UUID.IsZero() {
		if c, ok := r.Cache(ref.UUID); ok {
			p.cache, p.slide = c, ref.Base-c.SharedRegionStart()
		} else {
			u := ref.UUID
			p.missingCache = &u
		}
	}
	slides := map[symbol.Cache]map[uint64][]string{}
	for i := range p.images {
		im := &p.images[i]
		b := r.bindImage(p, im)
		p.binds[i] = b
		if ci, ok := b.sym.(symbol.CacheImage); ok {
			c, s := ci.Cache(), im.Base-ci.Address()
			if slides[c] == nil {
				slides[c] = map[uint64][]string{}
			}
			slides[c][s] = append(slides[c][s], im.Name)
		}
	}
	p.checkSlides(slides)
	slices.SortStableFunc(p.notes, func(a, b diag.Diagnostic) int { return cmp.Compare(a.String(), b.String()) })
	return p
}

func (r *Resolver) bindImage(p *bound, im *process.Image) binding {
	switch {
	case im.Kind == process.Absolute:
		// Absolute addresses: only shared-cache code can be found.
		if p.cache == nil {
			return binding{err: ErrNoImage, unresolvable: true}
		}
		return binding{sym: absoluteSymbolizer{p.cache, p.slide}, inCache: true, unresolvable: true}
	case im.ID == "":
		return binding{unresolvable: true}
	case !im.ID.IsUUID():
		// An ELF or PE build ID: no source reads such binaries yet.
		return binding{err: ErrForeignImage, unresolvable: true}
	case im.Kind == process.SharedCacheRegion:
		if u, ok := im.ID.UUID(); ok {
			if c, ok := r.Cache(u); ok {
				return binding{sym: regionSymbolizer{c}, inCache: true}
			}
		}
		return binding{err: &MissingError{ID: im.ID, Cache: true}}
	}
	if p.cache != nil {
		if s, _, ok := p.cache.Image(im.ID); ok {
			return binding{sym: s, inCache: true}
		}
	}
	var note *diag.Diagnostic
	for _, src := range r.sources {
		s, err := src.Image(im.ID, im.Arch, im.Path)
		switch {
		case err == nil:
			_, inCache := s.(symbol.CacheImage)
			return binding{sym: s, inCache: inCache}
		case errors.Is(err, symbol.ErrNotFound):
		case note == nil:
			// A near miss or an unreadable file: reported (when a frame of
			// the image needs it), never used.
			code := diag.SourceError
			if errors.Is(err, symbol.ErrMismatch) {
				code = diag.Mismatch
			}
			u, _ := im.UUID()
			note = &diag.Diagnostic{Code: code, Image: im.Label(), UUID: u, Path: im.Path, Err: err}
		}
	}
	return binding{err: &MissingError{ID: im.ID, Name: im.Label(), Arch: im.Arch}, note: note}
}

// noteBinding adds the near miss met while binding b to the outcome, once,
// when a frame of its image needs resolving.
func (p *bound) noteBinding(b *binding, o *Outcome) {
	if b.note != nil && !b.noted {
		b.noted = true
		o.Notes = append(o.Notes, *b.note)
	}
}

// countFailure files a frame of image i that could not be resolved: under its
// missing image or cache when the build ID matched nothing, as unresolvable
// when the image cannot be matched at all, and as unresolved otherwise (a
// known image without a symbol there, or damaged symbols).
func (p *bound) countFailure(b *binding, i int, err error, o *Outcome) {
	var me *MissingError
	var de *symbol.DegradedError
	var ce *symbol.ChangedError
	switch {
	case errors.As(err, &ce):
		o.Unresolved++
		o.Changed[ce.Source]++
	case errors.As(err, &me) && me.Cache:
		o.Unresolved++
		u, _ := me.ID.UUID()
		p.missCache(o, u, p.images[i].Arch)
	case errors.As(err, &me):
		o.Unresolved++
		if p.missingCache != nil && p.ref.Contains(p.images[i].Base) {
			// The image lies in the process's shared cache, which no source
			// has: the frame is the cache's to find, not the image's.
			p.missCache(o, *p.missingCache, me.Arch)
			return
		}
		m := o.Missing[me.ID]
		if m == nil {
			m = &MissingImage{Name: me.Name, Arch: me.Arch}
			o.Missing[me.ID] = m
		}
		m.Frames++
	case errors.As(err, &de):
		o.Unresolved++
		o.Degraded++
		m := o.MissingSymbols[de.Missing]
		if m == nil {
			m = &MissingSymbols{UUID: de.MissingUUID, Cache: de.Cache}
			o.MissingSymbols[de.Missing] = m
		}
		m.Frames++
	case b.unresolvable:
		o.Unresolvable++
	default:
		o.Unresolved++
	}
}

// missCache counts a frame under the missing shared cache u.
func (p *bound) missCache(o *Outcome, u process.UUID, arch string) {
	m := o.MissingCaches[u]
	if m == nil {
		m = &MissingCache{OS: p.os}
		o.MissingCaches[u] = m
	}
	if m.Arch == "" {
		m.Arch = arch
	}
	m.Frames++
}

// checkSlides reports images whose slide disagrees with their cache's slide:
// the cache's own (from the process's shared-cache base) when known, else the
// slide most of that cache's images agree on.
func (p *bound) checkSlides(slides map[symbol.Cache]map[uint64][]string) {
	for cache, bySlide := range slides {
		want, ok := p.slide, p.cache != nil && cache == p.cache
		if !ok {
			if len(bySlide) < 2 {
				continue
			}
			for s, names := range bySlide {
				if len(names) > len(bySlide[want]) || len(names) == len(bySlide[want]) && s < want {
					want = s
				}
			}
		}
		for s, names := range bySlide {
			if s != want {
				p.notes = append(p.notes, diag.Diagnostic{Code: diag.SlideMismatch, UUID: cache.UUID(),
					Err: fmt.Errorf("slide %#x of %s disagrees with the slide %#x of shared cache %s",
						s, joinNames(names), want, cache.UUID())})
			}
		}
	}
}

// regionSymbolizer answers offsets from the base of a whole shared cache
// (the "S" regions of kernel-style reports).
type regionSymbolizer struct{ c symbol.Cache }

func (s regionSymbolizer) Symbolize(off uint64) ([]symbol.Frame, error) {
	base := s.c.SharedRegionStart()
	frames, err := s.c.SymbolizeAddress(base + off)
	for i := range frames {
		frames[i].Start -= base
	}
	return frames, err
}

func (s regionSymbolizer) Path() string { return s.c.Path() }

// absoluteSymbolizer answers runtime addresses inside the process's shared
// cache, which is slid by slide.
type absoluteSymbolizer struct {
	c     symbol.Cache
	slide uint64
}

func (s absoluteSymbolizer) Symbolize(addr uint64) ([]symbol.Frame, error) {
	frames, err := s.c.SymbolizeAddress(addr - s.slide)
	for i := range frames {
		frames[i].Start += s.slide
	}
	return frames, err
}

func (s absoluteSymbolizer) Path() string { return s.c.Path() }

// Sentinel errors of lookups.
var (
	// ErrNoImage: the address lies in no known image.
	ErrNoImage = symbol.ErrNoImage
	// ErrNoSymbol: the image is known but no symbol covers the address.
	ErrNoSymbol = errors.New("no symbol covers the address")
	// ErrForeignImage: the image's build ID is not a Mach-O UUID (an ELF or
	// PE build ID): no symbol source for that platform yet.
	ErrForeignImage = errors.New("no symbol source for this platform yet (the build ID is not a Mach-O UUID)")
	// ErrDegraded: the function at the address has a name, in a file that
	// is missing (see symbol.DegradedError).
	ErrDegraded = symbol.ErrDegraded
)

// UnnamedError reports an address in a function that has no name: it is
// known only from its start (LC_FUNCTION_STARTS). It wraps ErrNoSymbol.
type UnnamedError struct {
	Start uint64 // the function's start, on the scale of the lookup (offset from the image's base)
}

func (e *UnnamedError) Error() string {
	return fmt.Sprintf("no symbol covers the address: it is in an unnamed function starting at %#x", e.Start)
}

// Unwrap returns ErrNoSymbol.
func (e *UnnamedError) Unwrap() error { return ErrNoSymbol }

// MissingError reports an image (or a whole shared cache) whose build ID
// matches no source.
type MissingError struct {
	ID    process.BuildID
	Name  string
	Arch  string
	Cache bool // the build ID is a shared cache's UUID
}

func (e *MissingError) Error() string {
	if e.Cache {
		return fmt.Sprintf("no shared cache with UUID %s", e.ID)
	}
	return fmt.Sprintf("no shared cache or binary has image %s <%s>", e.Name, e.ID)
}

func joinNames(names []string) string {
	sort.Strings(names)
	if len(names) > 3 {
		return fmt.Sprintf("%s and %d more", strings.Join(names[:3], ", "), len(names)-3)
	}
	return strings.Join(names, ", ")
}

package resolve

import (
	"errors"
	"fmt"
	"strings"

	"github.com/symbolicate/symbolicate/dsc"
	"github.com/symbolicate/symbolicate/imagemap"
)

// Image is one image of a process as a report or snapshot describes it,
// whatever the input format.
type Image struct {
	UUID    imagemap.UUID
	HasUUID bool
	Base    uint64 // runtime load address
	Size    uint64 // 0 when unknown
	Name    string
	Path    string
	Arch    string
	// Source is the region type letter of .ips reports: "A" marks the
	// absolute pseudo-image (offsets are addresses), "S" an image that is a
	// whole shared cache (kernel-style reports: the UUID is the cache's).
	Source string
}

// SharedCacheRef is the shared cache a process had mapped: its runtime base
// and UUID (an .ips report's sharedCache, a compact-info cache record).
type SharedCacheRef struct {
	Base, Size uint64
	UUID       imagemap.UUID
}

// Binaries finds app binaries and dSYMs by UUID.
type Binaries interface {
	// Find returns the binary whose slice has UUID u; arch, when not empty,
	// must match the slice; name (the image's name or path) only serves to
	// explain a miss. It returns ErrNoBinary when nothing has the UUID, and an
	// error wrapping ErrMismatch for a near miss (the right name with another
	// UUID, or the right UUID in a slice of another arch).
	Find(u imagemap.UUID, arch, name string) (Binary, error)
}

// Binary symbolizes addresses of one app binary or dSYM slice.
type Binary interface {
	// Symbolize looks up off, an offset from the image's load address. It
	// returns the frames at that address, innermost first, the last being the
	// concrete function; none when no symbol covers off.
	Symbolize(off uint64) ([]SourceFrame, error)
	// Path is the file the symbols come from.
	Path() string
}

// SourceFrame is one function at an address: the concrete function, or an
// inlined call inside it.
type SourceFrame struct {
	// Function is the linkage name in display form, spelled as atos, DWARF
	// and crash reports spell it: without the extra leading underscore of
	// Mach-O symbol tables ("objc_msgSend", "$s4main3fooyyF", "_ZN3foo3barEv").
	Function string
	Start    uint64 // offset of the function (or inlined range) from the image load address
	File     string // source file as recorded (full path); "" when unknown
	Line     int    // 0 when unknown
}

// Errors of Binaries.Find.
var (
	// ErrNoBinary: no binary or dSYM has the UUID.
	ErrNoBinary = errors.New("no binary or dSYM with this UUID")
	// ErrMismatch: a binary nearly matches (same name, other UUID; or same
	// UUID, other arch). It is reported and never used.
	ErrMismatch = errors.New("binary does not match")
)

// bindKind says where an image's symbols come from.
type bindKind int

const (
	bindNone       bindKind = iota // nothing found (err says why)
	bindCacheImage                 // one dylib of a shared cache
	bindWholeCache                 // offsets relative to a whole cache (kernel-style "S" images)
	bindBinary                     // an app binary or dSYM
	bindAbsolute                   // the "A" pseudo-image: offsets are runtime addresses
)

type binding struct {
	kind  bindKind
	cache *dsc.Cache
	image *dsc.Image // bindCacheImage
	bin   Binary     // bindBinary
	err   error      // bindNone: why (nil when the image has no UUID)
}

// Process is a process's image list bound to symbol sources. It is built by
// Resolver.Bind and used by one goroutine.
type Process struct {
	r      *Resolver
	images []Image
	binds  []binding
	// cache is the process's shared cache (from its SharedCacheRef) and
	// slide its runtime slide; hasCache is false when unknown or not found.
	cache    *dsc.Cache
	slide    uint64
	hasCache bool
	ref      *SharedCacheRef
	// MissingCache is the UUID of the process's shared cache when no cache
	// on disk has it.
	MissingCache *imagemap.UUID
	// Notes are diagnostics about the binding (slide disagreements, arch
	// mismatches); they never stop symbolication.
	Notes []string
}

// Bind matches images to shared caches and binaries. The shared cache the
// process mapped is chosen by ref's UUID; every other image is matched by its
// own UUID, first in that cache, then in every cache, then among binaries.
func (r *Resolver) Bind(images []Image, ref *SharedCacheRef) *Process {
	p := &Process{r: r, images: images, binds: make([]binding, len(images)), ref: ref}
	if ref != nil && !ref.UUID.IsZero() {
		if cache, ok := r.Caches.ByUUID(ref.UUID); ok {
			p.cache, p.hasCache = cache, true
			p.slide = ref.Base - cache.SharedRegionStart()
		} else {
			u := ref.UUID
			p.MissingCache = &u
		}
	}
	slides := map[*dsc.Cache]map[uint64][]string{}
	for i := range images {
		b := p.bindOne(&images[i])
		p.binds[i] = b
		if b.kind == bindCacheImage {
			s := images[i].Base - b.image.Address
			if slides[b.cache] == nil {
				slides[b.cache] = map[uint64][]string{}
			}
			slides[b.cache][s] = append(slides[b.cache][s], images[i].Name)
		}
	}
	p.checkSlides(slides)
	return p
}

func (p *Process) bindOne(im *Image) binding {
	switch {
	case im.Source == "A":
		return binding{kind: bindAbsolute}
	case !im.HasUUID:
		return binding{}
	case im.Source == "S":
		if cache, ok := p.r.Caches.ByUUID(im.UUID); ok {
			return binding{kind: bindWholeCache, cache: cache}
		}
		return binding{err: &MissingError{UUID: im.UUID, Cache: true}}
	}
	if p.hasCache {
		if ci, ok := p.cache.ImageByUUID(im.UUID); ok {
			return binding{kind: bindCacheImage, cache: p.cache, image: ci}
		}
	}
	if cache, ci, ok := p.r.Caches.ImageByUUID(im.UUID); ok {
		return binding{kind: bindCacheImage, cache: cache, image: ci}
	}
	if p.r.Binaries != nil {
		bin, err := p.r.Binaries.Find(im.UUID, im.Arch, im.Path)
		switch {
		case err == nil:
			return binding{kind: bindBinary, bin: bin}
		case errors.Is(err, ErrNoBinary):
		default:
			// A near miss or an unreadable file: reported, never used; the
			// image counts as missing.
			p.Notes = append(p.Notes, fmt.Sprintf("%s: %v", displayName(im), err))
		}
	}
	return binding{err: &MissingError{UUID: im.UUID, Name: displayName(im)}}
}

// inCacheRange reports whether image i lies in the process's shared-cache
// mapping (its whole extent when the size is unknown: at or above the base).
func (p *Process) inCacheRange(i int) bool {
	if p.ref == nil || i < 0 || i >= len(p.images) {
		return false
	}
	base := p.images[i].Base
	if base < p.ref.Base {
		return false
	}
	return p.ref.Size == 0 || base-p.ref.Base < p.ref.Size
}

// checkSlides reports images whose slide disagrees with their cache's slide:
// the cache's own (from the process's shared-cache base) when known, else the
// slide most of that cache's images agree on.
func (p *Process) checkSlides(slides map[*dsc.Cache]map[uint64][]string) {
	for cache, bySlide := range slides {
		want, ok := p.slide, p.hasCache && cache == p.cache
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
				p.Notes = append(p.Notes, fmt.Sprintf("slide %#x of %s disagrees with the slide %#x of shared cache %s",
					s, joinNames(names), want, cache.UUID()))
			}
		}
	}
	sortStrings(p.Notes)
}

// Lookup resolves one address of image i given as an offset from the image's
// base. lookupOff is the offset to look up (pc−1 for callers) and off the
// frame's own offset, from which the symbol location is measured.
func (p *Process) Lookup(i int, off, lookupOff uint64) (Found, error) {
	if i < 0 || i >= len(p.binds) {
		return Found{}, ErrNoImage
	}
	b := &p.binds[i]
	switch b.kind {
	case bindCacheImage:
		return fromCache(b.cache, b.image, b.image.Address+lookupOff, b.image.Address+off)
	case bindWholeCache:
		base := b.cache.SharedRegionStart()
		return fromCache(b.cache, nil, base+lookupOff, base+off)
	case bindAbsolute:
		// Absolute addresses: only shared-cache code can be found.
		if !p.hasCache {
			return Found{}, ErrNoImage
		}
		return fromCache(p.cache, nil, lookupOff-p.slide, off-p.slide)
	case bindBinary:
		frames, err := b.bin.Symbolize(lookupOff)
		if err != nil {
			return Found{}, err
		}
		if len(frames) == 0 {
			return Found{}, ErrNoSymbol
		}
		return Found{Frames: frames, Offset: off, From: b.bin.Path()}, nil
	}
	if b.err != nil {
		return Found{}, b.err
	}
	return Found{}, ErrNoImage
}

// Found is the answer for one address.
type Found struct {
	// Frames are the functions at the address, innermost first; the last is
	// the concrete function. Start fields are relative to the same origin as
	// Offset.
	Frames []SourceFrame
	// Offset is the frame's own address on the Start scale.
	Offset uint64
	// From names the file the symbols came from.
	From string
}

// Location returns the frame address minus the concrete function's start, as
// Apple writes symbolLocation.
func (f *Found) Location() uint64 { return f.Offset - f.Frames[len(f.Frames)-1].Start }

// fromCache looks up the unslid address lookup in cache; addr is the frame's
// own unslid address. When want is set the symbol must lie in that image: an
// offset that runs past its image is not silently given a neighbour's name.
func fromCache(cache *dsc.Cache, want *dsc.Image, lookup, addr uint64) (Found, error) {
	sym, err := cache.Lookup(lookup)
	if err != nil {
		if errors.Is(err, dsc.ErrNoImage) {
			return Found{}, ErrNoImage
		}
		return Found{}, err
	}
	if want != nil && (sym.Image == nil || sym.Image.Index != want.Index) {
		return Found{}, ErrNoSymbol
	}
	if sym.Name == "" || sym.Name == redacted {
		// "<redacted>" is the cache builder's placeholder for a local symbol
		// whose name lives only in the (missing) .symbols file: not a name.
		return Found{}, ErrNoSymbol
	}
	// Symbol tables prefix C-level names with "_"; report them as atos does.
	name := strings.TrimPrefix(sym.Name, "_")
	return Found{Frames: []SourceFrame{{Function: name, Start: sym.Start}}, Offset: addr, From: cache.Path()}, nil
}

// Binding describes, for display, what image i was matched to.
func (p *Process) Binding(i int) string {
	if i < 0 || i >= len(p.binds) {
		return ""
	}
	b := &p.binds[i]
	switch b.kind {
	case bindCacheImage:
		return fmt.Sprintf("%s (shared cache %s)", b.image.Path, b.cache.UUID())
	case bindWholeCache:
		return fmt.Sprintf("shared cache %s", b.cache.UUID())
	case bindBinary:
		return b.bin.Path()
	}
	return ""
}

// Missing returns the error explaining why image i has no symbols, if any.
func (p *Process) Missing(i int) error {
	if i < 0 || i >= len(p.binds) || p.binds[i].kind != bindNone {
		return nil
	}
	return p.binds[i].err
}

// Sentinel errors of Lookup.
var (
	// ErrNoImage: the address lies in no known image.
	ErrNoImage = errors.New("address is in no known image")
	// ErrNoSymbol: the image is known but no symbol covers the address.
	ErrNoSymbol = errors.New("no symbol covers the address")
)

// MissingError reports an image (or a whole shared cache) whose UUID matches
// nothing on disk.
type MissingError struct {
	UUID  imagemap.UUID
	Name  string
	Cache bool // the UUID is a shared cache's
}

func (e *MissingError) Error() string {
	if e.Cache {
		return fmt.Sprintf("no shared cache with UUID %s", e.UUID)
	}
	return fmt.Sprintf("no shared cache or binary has image %s <%s>", e.Name, e.UUID)
}

func displayName(im *Image) string {
	switch {
	case im.Name != "":
		return im.Name
	case im.Path != "":
		return imagemap.NameOf(im.Path)
	}
	return "???"
}

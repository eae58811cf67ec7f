package process

import (
	"cmp"
	"slices"
	"strconv"
)

// Process is what an input says about one process: its images and the shared
// cache it had mapped.
type Process struct {
	// Images are the loaded images. Frames refer to them by index, so their
	// order is the input's own.
	Images []Image
	// SharedCache is the dyld shared cache the process had mapped; nil when
	// the input does not say.
	SharedCache *CacheRef
	// Platform is free text such as "iPhone OS 17.5 (21F90)" or
	// "Linux (Ubuntu 22.04.5 LTS)"; "" when unknown.
	Platform string
	// WordSize is the pointer size in bits (16, 32 or 64); 0 when unknown.
	WordSize int
}

// CacheRef is the shared cache a process had mapped.
type CacheRef struct {
	UUID UUID
	// Base is the runtime address of the cache header in the process.
	Base uint64
	// Size is the size of the mapping; 0 when unknown.
	Size uint64
	// Slide is Base minus the cache's unslid base; known only when the cache
	// itself is at hand (SlideKnown).
	Slide      uint64
	SlideKnown bool
	// Path is the cache's path on the device; "" when unknown.
	Path string
}

// Contains reports whether the runtime address addr lies in the cache mapping
// (at or above Base when the size is unknown).
func (c *CacheRef) Contains(addr uint64) bool {
	return c != nil && addr >= c.Base && (c.Size == 0 || addr-c.Base < c.Size)
}

// ImageKind says how an image's frames are located.
type ImageKind uint8

const (
	// Normal is a binary loaded at Base: frame offsets are from Base.
	Normal ImageKind = iota
	// Absolute is a pseudo-image whose frame offsets are runtime addresses
	// (the "A" region of .ips reports); it has no build ID of its own.
	Absolute
	// SharedCacheRegion is a whole shared cache seen as one image: ID is the
	// cache's UUID and frame offsets are from the cache's base (the "S"
	// region of kernel-style .ips reports).
	SharedCacheRegion
	// Unplaced is an image known to be loaded at an unknown address (a cache
	// image of a dyld snapshot when its cache is not at hand); Base is 0.
	Unplaced
)

// String names the kind.
func (k ImageKind) String() string {
	switch k {
	case Normal:
		return "normal"
	case Absolute:
		return "absolute"
	case SharedCacheRegion:
		return "shared cache"
	case Unplaced:
		return "unplaced"
	}
	return "ImageKind(" + strconv.Itoa(int(k)) + ")"
}

// Image is one loaded image. Fields the input does not carry are zero.
type Image struct {
	// ID is the build ID; "" when the input gives none (or dyld's zero UUID).
	ID BuildID
	// Base is the runtime load address of the image's first byte (0 for an
	// Unplaced image).
	Base uint64
	// End is the runtime address just past the image's text; 0 when unknown.
	End uint64
	// Name is the image name, normally the last path component (see NameOf);
	// Path the on-disk path, "" when unknown.
	Name, Path string
	// Arch is the architecture ("arm64e", "x86_64", …); "" when unknown.
	Arch string
	Kind ImageKind
}

// UUID returns the image's build ID as a Mach-O UUID, when it is one.
func (im *Image) UUID() (UUID, bool) { return im.ID.UUID() }

// Label is the name to show for the image: Name, else the last component of
// Path, else "???".
func (im *Image) Label() string {
	switch {
	case im.Name != "":
		return im.Name
	case im.Path != "":
		return NameOf(im.Path)
	}
	return "???"
}

// NameOf returns the text after the last '/' or '\' of path, or path itself
// when it has no separator, as Swift and Apple's reports derive image names.
func NameOf(path string) string {
	for i := len(path) - 1; i >= 0; i-- {
		if path[i] == '/' || path[i] == '\\' {
			return path[i+1:]
		}
	}
	return path
}

// Listed returns the process as an image list shows it: without Absolute
// pseudo-images, in order of Base. A list whose placed images are already in
// that order is kept as it is (a snapshot lists its unplaced cache images
// where the cache is); another is sorted stably. The images are copied; p is
// unchanged.
func (p *Process) Listed() *Process {
	out := *p
	out.Images = make([]Image, 0, len(p.Images))
	sorted, last := true, uint64(0)
	for _, im := range p.Images {
		if im.Kind == Absolute {
			continue
		}
		out.Images = append(out.Images, im)
		if im.Kind != Unplaced {
			sorted = sorted && im.Base >= last
			last = im.Base
		}
	}
	if !sorted {
		slices.SortStableFunc(out.Images, func(a, b Image) int { return cmp.Compare(a.Base, b.Base) })
	}
	return &out
}

package atlas

import (
	"cmp"
	"errors"
	"fmt"
	"slices"
	"strconv"

	"github.com/symbolicate/symbolicate/process"
)

// SharedCache gives the images of a dyld shared cache in imagesText order.
type SharedCache interface {
	UUID() process.UUID          // main cache header UUID
	SharedRegionStart() uint64   // unslid base address of the cache
	ImageCount() int             // number of imagesText entries
	ImageAt(i int) process.Image // unslid Base and EndOfText, Path, Name, 16-byte BuildID
}

// ErrCacheMismatch is matched (errors.Is) by the *CacheMismatchError that
// [Snapshot.ImageMap] returns when the cache is not the snapshot's cache.
var ErrCacheMismatch = errors.New("shared cache does not match the snapshot")

// ErrCacheImageRange is returned (wrapped) by [Snapshot.ImageMap] when the
// snapshot's bitmap marks an image index the shared cache does not have.
var ErrCacheImageRange = errors.New("bitmap marks an image the shared cache does not have")

// CacheMismatchError reports a shared cache whose UUID differs from the one
// the snapshot recorded.
type CacheMismatchError struct {
	Snapshot process.UUID // UUID recorded in the snapshot's cache record
	Cache    process.UUID // UUID of the cache supplied
}

func (e *CacheMismatchError) Error() string {
	return fmt.Sprintf("atlas: snapshot was taken with shared cache %v, not %v", e.Snapshot, e.Cache)
}

// Is reports whether target is ErrCacheMismatch.
func (e *CacheMismatchError) Is(target error) bool { return target == ErrCacheMismatch }

// unknownImageName names an image whose record has neither a path nor a
// file ID (dyld's own dump prints the same).
const unknownImageName = "<unknown>"

// FileIDName is the Name [Snapshot.ImageMap] gives an image known only by
// volume UUID and file-system object ID: "object <id> on volume <UUID>",
// with the object ID in decimal (as `ls -i` prints inode numbers). Path stays
// empty: resolving the pair to a path needs the device the snapshot came from.
func FileIDName(volume process.UUID, objectID uint64) string {
	return "object " + strconv.FormatUint(objectID, 10) + " on volume " + volume.String()
}

// CacheImageName is the Name [Snapshot.ImageMap] gives cache image i when
// no shared cache is supplied: "cache image #i".
func CacheImageName(i int) string { return "cache image #" + strconv.Itoa(i) }

// ImageMap lists the snapshot's images in address order, with the loaded
// shared-cache images inserted as one block where dyld's forEachImage puts
// them (spec §1.7): before the first image at or above the cache address, or
// at the end. Images with the same address are listed once (dyld's reader
// keeps the first).
//
// With a cache, each set bit i becomes cache.ImageAt(i) slid by the
// snapshot's cache address minus cache.SharedRegionStart(). The cache's UUID
// must equal the UUID in the snapshot's cache record (a *CacheMismatchError
// otherwise; unchecked when the record has no UUID), and a set bit at or
// beyond cache.ImageCount() is an error wrapping [ErrCacheImageRange].
//
// With cache == nil, each set bit becomes an image named [CacheImageName](i)
// with no address, path or UUID. An image recorded only by volume and object
// ID is named [FileIDName] with no path; one with neither path nor file ID is
// named "<unknown>". Nothing is invented: a missing UUID stays nil, an
// unknown end of text stays 0.
//
// Platform is the platform's name; WordSize is 32 when a process.plist says
// pointers are 4 bytes and 64 otherwise.
func (s *Snapshot) Process(cache SharedCache) (*process.Process, error) {
	m := &process.Process{Platform: s.Platform.String(), WordSize: 64}
	if s.PointerSize == 4 {
		m.WordSize = 32
	}

	var slide uint64
	haveSlide := false
	var cacheImages []process.Image
	if c := s.Cache; c != nil {
		bits := c.Bitmap.SetBits()
		cacheImages = make([]process.Image, 0, len(bits))
		if cache != nil {
			if got := cache.UUID(); c.Flags&FileHasUUID != 0 && got != c.UUID {
				return nil, &CacheMismatchError{Snapshot: c.UUID, Cache: got}
			}
			slide, haveSlide = c.Address-cache.SharedRegionStart(), true
			n := cache.ImageCount()
			for _, i := range bits {
				if i >= n {
					return nil, fmt.Errorf("cache image #%d: the cache %v has %d images: %w",
						i, cache.UUID(), n, ErrCacheImageRange)
				}
				im := cache.ImageAt(i)
				im.Base += slide
				if im.End != 0 {
					im.End += slide
				}
				cacheImages = append(cacheImages, im)
			}
		} else {
			for _, i := range bits {
				cacheImages = append(cacheImages, process.Image{Name: CacheImageName(i), Kind: process.Unplaced})
			}
		}
	}

	images := make([]process.Image, 0, len(s.Images)+len(cacheImages))
	for i := range s.Images {
		images = append(images, mappedImage(&s.Images[i], slide, haveSlide))
	}
	slices.SortStableFunc(images, func(a, b process.Image) int { return cmp.Compare(a.Base, b.Base) })
	images = slices.CompactFunc(images, func(a, b process.Image) bool { return a.Base == b.Base && a.Base != 0 })

	if s.Cache != nil {
		at, _ := slices.BinarySearchFunc(images, s.Cache.Address, func(im process.Image, a uint64) int {
			return cmp.Compare(im.Base, a)
		})
		images = slices.Insert(images, at, cacheImages...)
	}
	m.Images = images
	if c := s.Cache; c != nil {
		m.SharedCache = &process.CacheRef{Base: c.Address, Slide: slide, SlideKnown: haveSlide}
		if c.Flags&FileHasUUID != 0 {
			m.SharedCache.UUID = c.UUID
		}
		if c.Flags&FileHasPath != 0 {
			m.SharedCache.Path = c.Path
		}
	}
	return m, nil
}

// mappedImage turns one non-cache record into an image. slide is the cache
// slide, used (when known) for a process.plist image that has only an
// unslid address, as dyld's Swift reader does.
func mappedImage(f *MappedFile, slide uint64, haveSlide bool) process.Image {
	var im process.Image
	switch {
	case f.Flags&FileHasPath != 0:
		im.Path = f.Path
		im.Name = process.NameOf(f.Path)
	case f.Flags&FileHasFileID != 0:
		im.Name = FileIDName(f.Volume, f.ObjectID)
	case f.Plist != nil && f.Plist.InstallName != "":
		im.Name = process.NameOf(f.Plist.InstallName)
	default:
		im.Name = unknownImageName
	}
	if f.Flags&FileHasUUID != 0 && !f.UUID.IsZero() {
		im.ID = process.UUIDBuildID(f.UUID)
	}
	im.Base = f.Address
	p := f.Plist
	if p == nil {
		return im
	}
	if im.Base == 0 && p.PreferredAddress != 0 && haveSlide {
		im.Base = p.PreferredAddress + slide
	}
	if im.Base != 0 {
		for _, seg := range p.Segments {
			if seg.Name != "__TEXT" {
				continue
			}
			unslid := p.PreferredAddress
			if unslid == 0 {
				unslid = seg.PreferredAddress // the header starts __TEXT
			}
			im.End = seg.PreferredAddress + seg.Size + (im.Base - unslid)
			break
		}
	}
	return im
}

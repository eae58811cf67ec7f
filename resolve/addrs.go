package resolve

import (
	"sort"

	"github.com/symbolicate/symbolicate/crashlog"
	"github.com/symbolicate/symbolicate/imagemap"
)

// AddrResult is the answer for one runtime address.
type AddrResult struct {
	Address uint64
	// Image is the image containing Address; nil when none does.
	Image *Image
	// Offset is Address − Image.Base.
	Offset uint64
	// Resolution is what was found; nil when nothing was.
	Resolution *crashlog.Resolution
	// Err says why nothing was found (ErrNoImage, ErrNoSymbol, *MissingError…).
	Err error
}

// Addresses resolves runtime addresses against an image list. Each address is
// looked up as given (no return-address adjustment). An address inside the
// process's shared cache but in no listed image is still looked up in the cache.
func (r *Resolver) Addresses(l *ImageList, addrs []uint64) []AddrResult {
	images, order := listImages(l.Map)
	p := r.Bind(images, l.Cache)
	out := make([]AddrResult, len(addrs))
	for k, a := range addrs {
		res := AddrResult{Address: a}
		i := containing(images, order, a)
		var found Found
		var err error
		switch {
		case i >= 0:
			res.Image, res.Offset = &images[i], a-images[i].Base
			found, err = p.Lookup(i, res.Offset, res.Offset)
		case p.hasCache:
			found, err = fromCache(p.cache, nil, a-p.slide, a-p.slide)
		default:
			err = ErrNoImage
		}
		if err != nil {
			res.Err = err
		} else {
			res.Resolution = r.resolution(&found)
		}
		out[k] = res
	}
	return out
}

// listImages converts an image map for binding, and returns the indexes of
// the images with a known address sorted by base.
func listImages(m *imagemap.Map) ([]Image, []int) {
	images := make([]Image, len(m.Images))
	var order []int
	for i := range m.Images {
		im := &m.Images[i]
		u, ok := im.UUID()
		images[i] = Image{UUID: u, HasUUID: ok && !u.IsZero(), Base: im.Base, Name: im.Name, Path: im.Path, Arch: im.Arch}
		if images[i].Name == "" {
			images[i].Name = imagemap.NameOf(im.Path)
		}
		if im.EndOfText > im.Base {
			images[i].Size = im.EndOfText - im.Base
		}
		if im.Base != 0 {
			order = append(order, i)
		}
	}
	sort.SliceStable(order, func(a, b int) bool { return images[order[a]].Base < images[order[b]].Base })
	return images, order
}

// containing returns the image holding addr: the last image starting at or
// below it, if addr is below its end (its size, or the next image's base when
// the size is unknown).
func containing(images []Image, order []int, addr uint64) int {
	k := sort.Search(len(order), func(k int) bool { return images[order[k]].Base > addr }) - 1
	if k < 0 {
		return -1
	}
	im := &images[order[k]]
	switch {
	case im.Size > 0:
		if addr-im.Base >= im.Size {
			return -1
		}
	case k+1 < len(order):
		if addr >= images[order[k+1]].Base {
			return -1
		}
	}
	return order[k]
}

package resolve

import (
	"runtime"
	"sort"
	"sync"
	"sync/atomic"

	"github.com/symbolicate/symbolicate/process"
)

// AddrResult is the answer for one runtime address.
type AddrResult struct {
	Address uint64
	// Image is the image containing Address; nil when none does.
	Image *process.Image
	// Offset is Address − Image.Base.
	Offset uint64
	// Resolution is what was found; nil when nothing was.
	Resolution *process.Resolution
	// Err says why nothing was found (ErrNoImage, ErrNoSymbol, *MissingError,
	// damaged symbols).
	Err error
}

// Addresses resolves runtime addresses against a process's images. Each
// address is looked up as given (no return-address adjustment). An address
// in no listed image but inside the process's shared cache is still looked up
// in the cache. Long lists are shared among jobs goroutines (0: one per CPU);
// the answers are in the order of addrs.
func (r *Resolver) Addresses(proc *process.Process, addrs []uint64, jobs int) []AddrResult {
	p := r.bind(proc)
	order := sortedByBase(proc.Images)
	var cache *binding
	if p.cache != nil {
		cache = &binding{sym: absoluteSymbolizer{p.cache, p.slide}, inCache: true}
	}
	out := make([]AddrResult, len(addrs))
	one := func(k int) {
		a := addrs[k]
		res := AddrResult{Address: a}
		var err error
		switch i := containing(proc.Images, order, a); {
		case i >= 0:
			res.Image, res.Offset = &proc.Images[i], a-proc.Images[i].Base
			res.Resolution, err = r.resolveAt(&p.binds[i], res.Offset)
		case cache != nil:
			res.Resolution, err = r.resolveAt(cache, a)
		default:
			err = ErrNoImage
		}
		res.Err = err
		out[k] = res
	}
	if jobs <= 0 {
		jobs = runtime.GOMAXPROCS(0)
	}
	const chunk = 2048 // addresses a goroutine takes at a time
	if jobs == 1 || len(addrs) <= chunk {
		for k := range addrs {
			one(k)
		}
		return out
	}
	// Bindings are only read from here on, and symbolizers are safe for
	// concurrent use.
	var next atomic.Int64
	var wg sync.WaitGroup
	for range min(jobs, (len(addrs)+chunk-1)/chunk) {
		wg.Go(func() {
			for {
				lo := int(next.Add(chunk)) - chunk
				if lo >= len(addrs) {
					return
				}
				for k := lo; k < min(lo+chunk, len(addrs)); k++ {
					one(k)
				}
			}
		})
	}
	wg.Wait()
	return out
}

// sortedByBase returns the indexes of the images with a known address,
// sorted by base.
func sortedByBase(images []process.Image) []int {
	var order []int
	for i := range images {
		if images[i].Base != 0 {
			order = append(order, i)
		}
	}
	sort.SliceStable(order, func(a, b int) bool { return images[order[a]].Base < images[order[b]].Base })
	return order
}

// containing returns the image holding addr: the last image starting at or
// below it, if addr is below its end (its End, or the next image's base when
// the end is unknown).
func containing(images []process.Image, order []int, addr uint64) int {
	k := sort.Search(len(order), func(k int) bool { return images[order[k]].Base > addr }) - 1
	if k < 0 {
		return -1
	}
	im := &images[order[k]]
	switch {
	case im.End > im.Base:
		if addr >= im.End {
			return -1
		}
	case k+1 < len(order):
		if addr >= images[order[k+1]].Base {
			return -1
		}
	}
	return order[k]
}

// resolveAt resolves offset off of a bound image, looked up where it is.
func (r *Resolver) resolveAt(b *binding, off uint64) (*process.Resolution, error) {
	frames, err := r.lookup(b, off)
	if err != nil {
		return nil, err
	}
	return r.resolution(frames, off, b), nil
}

package demangle

import "sync"

// Shared demangles names for any number of goroutines at once with one set of
// options: each call borrows a reusable Demangler from a pool. It is what the
// resolver uses for every symbol it names.
type Shared struct {
	opts Options
	pool sync.Pool
}

// NewShared returns a Shared that demangles with opts.
func NewShared(opts Options) *Shared {
	return &Shared{opts: opts, pool: sync.Pool{New: func() any { return new(Demangler) }}}
}

// Name returns the readable form of raw, or raw itself when it cannot be
// demangled (see the package function Name).
func (s *Shared) Name(raw string) string {
	d := s.pool.Get().(*Demangler)
	name, _ := d.Name(raw, s.opts)
	s.pool.Put(d)
	return name
}

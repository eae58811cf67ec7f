package demangle

import (
	"hash/maphash"
	"sync"
)

// Shared demangles names for any number of goroutines at once with one set of
// options: each call borrows a reusable Demangler from a pool, and answers are
// remembered (a bounded memo, shared by every caller), so a function that
// appears in many frames of a batch is demangled once (names that are not
// mangled are not remembered: naming them is cheaper). It is what the
// resolver uses for every symbol it names.
type Shared struct {
	opts Options
	pool sync.Pool
	seed maphash.Seed
	memo [memoShards]memoShard
}

// The memo holds at most memoShards × memoPerShard names (about 10 MB of
// typical Swift names); a full shard is emptied and starts over.
const (
	memoShards   = 16
	memoPerShard = 4096
)

type memoShard struct {
	mu sync.Mutex
	m  map[string]string
}

// NewShared returns a Shared that demangles with opts.
func NewShared(opts Options) *Shared {
	return &Shared{opts: opts, pool: sync.Pool{New: func() any { return new(Demangler) }}, seed: maphash.MakeSeed()}
}

// Name returns the readable form of raw, or raw itself when it cannot be
// demangled (see the package function Name).
func (s *Shared) Name(raw string) string {
	// Names that are not mangled cost less to name than to remember.
	if plain := withoutPrefix(raw, s.opts.Form); classify(plain, s.opts.Form) == Unknown {
		name, _ := unmangled(raw, plain, s.opts)
		return name
	}
	sh := &s.memo[maphash.String(s.seed, raw)%memoShards]
	sh.mu.Lock()
	name, ok := sh.m[raw]
	sh.mu.Unlock()
	if ok {
		return name
	}
	d := s.pool.Get().(*Demangler)
	name, _ = d.Name(raw, s.opts)
	s.pool.Put(d)
	sh.mu.Lock()
	if sh.m == nil || len(sh.m) >= memoPerShard {
		sh.m = make(map[string]string, 256)
	}
	sh.m[raw] = name
	sh.mu.Unlock()
	return name
}

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

// seenSlots is the size of each shard's record of names seen once.
const seenSlots = 2048

type memoShard struct {
	mu sync.Mutex
	m  map[string]string
	// seen holds the hashes of names demangled once and not remembered: a
	// name enters the memo at its second sighting, so that the names a
	// batch meets only once (most of them, in a batch of unrelated
	// crashes) cost neither a map lookup nor an insertion. A hash
	// overwritten by another only costs its name one more demangling.
	seen [seenSlots]uint64
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
	h := maphash.String(s.seed, raw)
	sh := &s.memo[h%memoShards]
	slot, tag := &sh.seen[(h/memoShards)%seenSlots], h|1 // a tag is never 0, an empty slot
	sh.mu.Lock()
	again := *slot == tag
	var name string
	var ok bool
	if again {
		name, ok = sh.m[raw]
	} else {
		*slot = tag
	}
	sh.mu.Unlock()
	if ok {
		return name
	}
	d := s.pool.Get().(*Demangler)
	name, _ = d.Name(raw, s.opts)
	s.pool.Put(d)
	if !again {
		return name
	}
	sh.mu.Lock()
	if sh.m == nil || len(sh.m) >= memoPerShard {
		sh.m = make(map[string]string, 256)
	}
	sh.m[raw] = name
	sh.mu.Unlock()
	return name
}

// Package symtab is an immutable, compact address → symbol table.
//
// A [Builder] collects named symbols (names referenced by offset into
// caller-owned string pools such as a memory-mapped symbol string table, or
// copied names), unnamed function starts (LC_FUNCTION_STARTS) and range ends,
// and [Builder.Build] sorts them into a [Table]. A lookup takes the greatest
// entry at or below the address: its name if it has one, "func_<hex start>"
// if it is an unnamed function start (so an address inside an unnamed function
// never gets a neighbour's name), and nothing if it is an end marker. When
// several symbols share an address the best-ranked name wins (see [Rank]),
// the first added among equal ranks; the name "<redacted>" (what the dyld cache builder leaves for stripped
// local symbols, ../shared/specs/dyld-formats.md §5.6) loses to any real name.
//
// A Table costs about 9 bytes per distinct address plus copied names; names
// in caller pools are not copied, so the pools must outlive the Table. A
// Table is safe for concurrent use.
package symtab

import (
	"bytes"
	"cmp"
	"errors"
	"fmt"
	"math/bits"
	"slices"
	"strconv"
	"sync"
)

// MaxNameLen bounds a name read from a pool; longer or unterminated names
// are treated as absent.
const MaxNameLen = 1 << 16

// Redacted is the placeholder name the dyld cache builder gives local
// symbols whose real name lives only in the .symbols file.
const Redacted = "<redacted>"

// UnnamedPrefix starts the synthesized name of an unnamed function.
const UnnamedPrefix = "func_"

// Rank orders names that share an address: the lowest rank wins.
type Rank uint8

// Ranks for the usual sources of names.
const (
	RankGlobal Rank = 10 // external symbol from a symbol table
	RankExport Rank = 20 // name from an export trie
	RankLocal  Rank = 30 // non-external symbol

	rankRedacted Rank = 200 // "<redacted>"
	rankUnnamed  Rank = 250 // function start without a name
	rankEnd      Rank = 255 // end marker
)

// Pool identifies a string pool added with [Builder.AddPool].
type Pool uint8

const (
	poolOwn     = 0   // names copied by AddName
	poolUnnamed = 254 // entry is an unnamed function start
	poolEnd     = 255 // entry is an end marker
	maxPools    = 253 // user pools are 1..253
)

// entry is one added symbol; key packs rank<<40 | pool<<32 | off.
type entry struct {
	addr uint64
	key  uint64
}

func mkEntry(addr uint64, off uint32, pool uint8, r Rank) entry {
	return entry{addr: addr, key: uint64(r)<<40 | uint64(pool)<<32 | uint64(off)}
}

func (e entry) off() uint32 { return uint32(e.key) }
func (e entry) pool() uint8 { return uint8(e.key >> 32) }

// Builder collects entries for a Table. The zero value is ready to use. A
// Builder is not safe for concurrent use.
type Builder struct {
	pools   [][]byte
	own     []byte
	entries []entry  // named symbols and end markers, in any order
	starts  []uint64 // unnamed function starts
	// unsorted says starts were not added in ascending order.
	unsorted bool
}

// AddPool registers a string pool and returns its handle. The pool must not
// change while the built Table is in use. It returns ok=false when more than
// 253 pools are added.
func (b *Builder) AddPool(data []byte) (p Pool, ok bool) {
	if len(b.pools) == 0 {
		b.pools = append(b.pools, nil) // index 0 is the owned pool
	}
	if len(b.pools) > maxPools {
		return 0, false
	}
	b.pools = append(b.pools, data)
	return Pool(len(b.pools) - 1), true
}

// Grow reserves room for n more named entries.
func (b *Builder) Grow(n int) { b.entries = slices.Grow(b.entries, n) }

// GrowStarts reserves room for n more unnamed starts.
func (b *Builder) GrowStarts(n int) { b.starts = slices.Grow(b.starts, n) }

// redactedZ is the placeholder name with its terminator.
var redactedZ = []byte(Redacted + "\x00")

// Add records the NUL-terminated name at offset off of pool p for addr. An
// empty or out-of-range name records an unnamed function start instead; a
// name not terminated within MaxNameLen bytes reads as one (termination is
// checked when a name is read: see Table.name).
func (b *Builder) Add(addr uint64, p Pool, off uint32, r Rank) {
	if int(p) == poolOwn || int(p) >= len(b.pools) {
		b.AddStart(addr)
		return
	}
	pool := b.pools[p]
	if uint64(off) >= uint64(len(pool)) || pool[off] == 0 {
		b.AddStart(addr)
		return
	}
	if bytes.HasPrefix(pool[off:], redactedZ) {
		r = rankRedacted
	}
	b.entries = append(b.entries, mkEntry(addr, off, uint8(p), r))
}

// AddName records a copy of name for addr. An empty name records an unnamed
// function start.
func (b *Builder) AddName(addr uint64, name []byte, r Rank) {
	if len(name) == 0 || len(name) > MaxNameLen || bytes.IndexByte(name, 0) >= 0 ||
		uint64(len(b.own))+uint64(len(name))+1 > 1<<32 {
		b.AddStart(addr)
		return
	}
	if string(name) == Redacted {
		r = rankRedacted
	}
	off := uint32(len(b.own))
	b.own = append(b.own, name...)
	b.own = append(b.own, 0)
	b.entries = append(b.entries, mkEntry(addr, off, poolOwn, r))
}

// AddStart records an unnamed function start at addr. Starts added in
// ascending order (as LC_FUNCTION_STARTS gives them) are merged into the
// table without being sorted.
func (b *Builder) AddStart(addr uint64) {
	if n := len(b.starts); n > 0 && addr < b.starts[n-1] {
		b.unsorted = true
	}
	b.starts = append(b.starts, addr)
}

// AddEnd records that whatever precedes addr ends there (for example the end
// of a code section): lookups at or above addr find nothing until the next
// entry. An entry at the same address takes precedence.
func (b *Builder) AddEnd(addr uint64) {
	b.entries = append(b.entries, mkEntry(addr, 0, poolEnd, rankEnd))
}

// Build sorts the entries into a Table, keeping the best-ranked entry with a
// valid name per address. The Builder must not be used afterwards.
func (b *Builder) Build() *Table {
	es := b.entries
	sortEntries(es)
	if b.unsorted {
		slices.Sort(b.starts)
	}
	t := &Table{pools: b.pools}
	if len(t.pools) == 0 {
		t.pools = [][]byte{nil}
	}
	t.pools[poolOwn] = b.own
	outBuf := getScratch(len(es) + len(b.starts))
	defer putScratch(outBuf)
	out := (*outBuf)[:0]
	// Merge the sorted named entries with the sorted starts: at one address
	// a named entry comes first (its rank is lower), an end marker last.
	i, j := 0, 0
	for i < len(es) || j < len(b.starts) {
		var e entry
		switch {
		case j == len(b.starts) || i < len(es) && (es[i].addr < b.starts[j] || es[i].addr == b.starts[j] && es[i].key>>40 < uint64(rankUnnamed)):
			e = es[i]
			i++
		default:
			e = mkEntry(b.starts[j], 0, poolUnnamed, rankUnnamed)
			j++
		}
		n := len(out)
		if n > 0 && e.addr == out[n-1].addr {
			continue // the address has its best entry
		}
		// End markers that follow another end marker or open the table
		// mark nothing.
		if e.pool() == poolEnd && (n == 0 || out[n-1].pool() == poolEnd) {
			continue
		}
		out = append(out, e)
	}
	n := len(out)
	t.refs, t.kinds = make([]uint32, n), make([]uint8, n)
	if n > 0 {
		t.base = out[0].addr
		if out[n-1].addr-t.base <= 0xffffffff {
			t.addr32 = make([]uint32, n)
		} else {
			t.addr64 = make([]uint64, n)
		}
	}
	for i, e := range out {
		if t.addr32 != nil {
			t.addr32[i] = uint32(e.addr - t.base)
		} else {
			t.addr64[i] = e.addr
		}
		t.refs[i] = e.off()
		t.kinds[i] = e.pool()
	}
	t.top = sample(t.addr32)
	*b = Builder{}
	return t
}

// scratch holds the entry buffers of finished builds for the next: a
// cache's images are built by the thousand, each needing two buffers of
// its entries' size only while it is built.
var scratch sync.Pool

// getScratch returns a buffer of at least n entries (not cleared: every
// user writes before it reads).
func getScratch(n int) *[]entry {
	if b, ok := scratch.Get().(*[]entry); ok {
		if cap(*b) >= n {
			return b
		}
		scratch.Put(b)
	}
	b := make([]entry, n)
	return &b
}

// putScratch hands a buffer back; very large ones are left to the
// collector.
func putScratch(b *[]entry) {
	if cap(*b) <= 1<<20 {
		scratch.Put(b)
	}
}

// radixBits is the widest digit of sortEntries: three passes cover 32 bits.
const radixBits = 11

// sortEntries sorts by (addr, rank), keeping insertion order among equal
// pairs. When addresses span less than 4 GiB it is a least-significant-digit
// radix sort on the address offset in digits of up to radixBits (one
// counting pass for all digits; a digit every entry shares is skipped),
// which is stable; the entries of each address, rarely more than three, are
// then put in rank order. Otherwise it is a stable comparison sort.
func sortEntries(es []entry) {
	if len(es) < 2 {
		return
	}
	lo, hi := es[0].addr, es[0].addr
	for _, e := range es {
		lo, hi = min(lo, e.addr), max(hi, e.addr)
	}
	if hi-lo > 0xffffffff || len(es) < 64 {
		slices.SortStableFunc(es, func(x, y entry) int {
			if c := cmp.Compare(x.addr, y.addr); c != 0 {
				return c
			}
			return cmp.Compare(x.key>>40, y.key>>40)
		})
		return
	}
	// Digits of at most 11 bits, as few as the span needs: a 20-bit span
	// (a 1 MiB image) takes two passes.
	width := bits.Len64(hi - lo)
	passes := (width + radixBits - 1) / radixBits
	digit := (width + passes - 1) / max(passes, 1)
	mask := uint64(1)<<digit - 1
	var count [3][1 << radixBits]uint32
	for _, e := range es {
		k := e.addr - lo
		for d := range passes {
			count[d][k>>(digit*d)&mask]++
		}
	}
	buf := getScratch(len(es))
	defer putScratch(buf)
	src, dst := es, (*buf)[:len(es)]
	for d := range passes {
		c := count[d][:mask+1]
		shift := uint(digit * d)
		if int(c[(src[0].addr-lo)>>shift&mask]) == len(src) {
			continue // every entry has this digit
		}
		var pos uint32
		for i, n := range c {
			c[i] = pos
			pos += n
		}
		for _, e := range src {
			i := (e.addr - lo) >> shift & mask
			dst[c[i]] = e
			c[i]++
		}
		src, dst = dst, src
	}
	if &src[0] != &es[0] {
		copy(es, src)
	}
	// Rank order within each run of one address: insertion sort for the
	// usual few, a stable sort for a long run (a file may put any number of
	// symbols at one address).
	for lo := 0; lo < len(es); {
		hi := lo + 1
		for hi < len(es) && es[hi].addr == es[lo].addr {
			hi++
		}
		if run := es[lo:hi]; len(run) > 16 {
			slices.SortStableFunc(run, func(x, y entry) int { return cmp.Compare(x.key>>40, y.key>>40) })
		} else {
			for i := 1; i < len(run); i++ {
				for j := i; j > 0 && run[j-1].key>>40 > run[j].key>>40; j-- {
					run[j-1], run[j] = run[j], run[j-1]
				}
			}
		}
		lo = hi
	}
}

// Table is an immutable sorted address → symbol table, safe for concurrent use.
type Table struct {
	base   uint64
	addr32 []uint32 // address − base, when every address fits
	addr64 []uint64 // absolute addresses otherwise
	top    []uint32 // every 64th of addr32, for search32; nil for small tables
	refs   []uint32 // name offset in its pool
	kinds  []uint8  // pool index, poolUnnamed or poolEnd
	pools  [][]byte
}

// Symbol is the result of a lookup.
type Symbol struct {
	// Name is the symbol name, or "func_<hex start>" when Unnamed.
	Name string
	// Start is the symbol's address.
	Start uint64
	// End is the address of the next entry, or 0 when there is none.
	End uint64
	// Unnamed reports a synthesized name for a function with no symbol.
	Unnamed bool
}

// Len returns the number of entries (named symbols, unnamed starts and end markers).
func (t *Table) Len() int { return len(t.refs) }

// addrAt returns the address of entry i.
func (t *Table) addrAt(i int) uint64 {
	if t.addr32 != nil {
		return t.base + uint64(t.addr32[i])
	}
	return t.addr64[i]
}

// search returns the index of the greatest entry at or below addr, or -1.
func (t *Table) search(addr uint64) int {
	if t.addr32 != nil {
		if addr < t.base {
			return -1
		}
		return search32(t.addr32, t.top, uint32(min(addr-t.base, 0xffffffff)))
	}
	return upTo(t.addr64, addr) - 1
}

// topShift sets the sampling of Table.top: every 64th address.
const topShift = 6

// sample returns every 1<<topShift-th element of a, or nil when a is too
// small for sampling to pay.
func sample(a []uint32) []uint32 {
	if len(a) < 4<<topShift {
		return nil
	}
	top := make([]uint32, (len(a)+1<<topShift-1)>>topShift)
	for i := range top {
		top[i] = a[i<<topShift]
	}
	return top
}

// search32 returns the index of the greatest element of the sorted a at or
// below x, or -1. top samples a (see sample): searching it first and then
// one block of a touches a few cache lines of a table not yet in cache
// instead of one per halving of the whole table.
func search32(a, top []uint32, x uint32) int {
	if top == nil {
		return upTo(a, x) - 1
	}
	j := upTo(top, x) - 1
	if j < 0 {
		return -1
	}
	lo := j << topShift
	return lo + upTo(a[lo:min(lo+1<<topShift, len(a))], x) - 1
}

// upTo returns how many elements of the sorted a are at or below x.
func upTo[T uint32 | uint64](a []T, x T) int {
	lo, hi := 0, len(a) // elements < lo are ≤ x, elements ≥ hi are > x
	for lo < hi {
		m := int(uint(lo+hi) >> 1)
		if a[m] <= x {
			lo = m + 1
		} else {
			hi = m
		}
	}
	return lo
}

// Lookup returns the name and start of the symbol containing addr. ok is
// false when no entry precedes addr or addr lies after an end marker.
func (t *Table) Lookup(addr uint64) (name string, start uint64, ok bool) {
	i := t.search(addr)
	if i < 0 || t.kinds[i] == poolEnd {
		return "", 0, false
	}
	start = t.addrAt(i)
	name, _ = t.name(i, start)
	return name, start, true
}

// Find is Lookup returning the full [Symbol], including its end.
func (t *Table) Find(addr uint64) (Symbol, bool) {
	i := t.search(addr)
	if i < 0 || t.kinds[i] == poolEnd {
		return Symbol{}, false
	}
	return t.At(i), true
}

// At returns entry i (0 ≤ i < Len()) in address order; an end marker has an
// empty Name.
func (t *Table) At(i int) Symbol {
	s := Symbol{Start: t.addrAt(i)}
	if i+1 < len(t.refs) {
		s.End = t.addrAt(i + 1)
	}
	if t.kinds[i] != poolEnd {
		s.Name, s.Unnamed = t.name(i, s.Start)
	}
	return s
}

// name returns entry i's name, or its synthesized name (unnamed true) for
// an unnamed start and for a name that is not terminated within
// MaxNameLen bytes of its pool. Names are checked here, when read, rather
// than when a table is built or loaded: a build would otherwise read every
// name of an image.
func (t *Table) name(i int, start uint64) (name string, unnamed bool) {
	if k := t.kinds[i]; k != poolUnnamed {
		if n, ok := nameAt(t.pools[k], t.refs[i]); ok {
			return string(n), false
		}
	}
	return UnnamedName(start), true
}

// UnnamedName returns the synthesized name of an unnamed function at addr.
func UnnamedName(addr uint64) string {
	var buf [len(UnnamedPrefix) + 16]byte
	return string(strconv.AppendUint(append(buf[:0], UnnamedPrefix...), addr, 16))
}

// MemSize returns the bytes held by the table itself: entry arrays and
// copied names, not the caller's pools.
func (t *Table) MemSize() int {
	return 4*len(t.addr32) + 4*len(t.top) + 8*len(t.addr64) + 4*len(t.refs) + len(t.kinds) + len(t.pools[poolOwn]) + 24*len(t.pools)
}

// nameAt returns the NUL-terminated name at off in pool, without copying.
func nameAt(pool []byte, off uint32) ([]byte, bool) {
	if uint64(off) >= uint64(len(pool)) {
		return nil, false
	}
	rest := pool[off:]
	if len(rest) > MaxNameLen+1 {
		rest = rest[:MaxNameLen+1]
	}
	i := bytes.IndexByte(rest, 0)
	if i < 0 {
		return nil, false
	}
	return rest[:i], true
}

// Data is a Table's contents, for storing it (a persistent index) and
// reading it back with FromData. Pool 0 is Own, the copied names; pools 1…
// are the caller's, in the order they were added.
type Data struct {
	Base   uint64
	Addr32 []uint32 // address − Base, when every address fits; else Addr64
	Addr64 []uint64
	Refs   []uint32
	Kinds  []uint8
	Own    []byte
	Pools  int // caller pools referenced (pools 1…Pools)
	// PoolData are those pools (set by Table.Data, ignored by FromData).
	PoolData [][]byte
}

// Data returns the table's contents; the slices are the table's own.
func (t *Table) Data() Data {
	return Data{Base: t.base, Addr32: t.addr32, Addr64: t.addr64, Refs: t.refs, Kinds: t.kinds, Own: t.pools[poolOwn],
		Pools: len(t.pools) - 1, PoolData: t.pools[1:]}
}

// FromData rebuilds a Table from stored contents over the caller's pools
// (pools[i] is pool i+1), checking everything a lookup relies on: equal
// lengths, strictly increasing addresses, and kinds that name a pool,
// an unnamed start or an end. Names are checked when read, as for a built
// table. The table aliases d's slices.
func FromData(d Data, pools [][]byte) (*Table, error) {
	n := len(d.Refs)
	switch {
	case len(d.Kinds) != n:
		return nil, errors.New("symtab: kinds and refs differ in length")
	case d.Addr32 != nil && len(d.Addr32) != n, d.Addr32 == nil && len(d.Addr64) != n:
		return nil, errors.New("symtab: addresses and refs differ in length")
	case d.Pools != len(pools) || d.Pools > maxPools:
		return nil, fmt.Errorf("symtab: %d pools given for a table of %d", len(pools), d.Pools)
	}
	for i := 1; i < n; i++ {
		ok := d.Addr32 != nil && d.Addr32[i-1] < d.Addr32[i] || d.Addr32 == nil && d.Addr64[i-1] < d.Addr64[i]
		if !ok {
			return nil, fmt.Errorf("symtab: entry %d is not after entry %d", i, i-1)
		}
	}
	if d.Addr32 != nil && n > 0 && d.Base+uint64(d.Addr32[n-1]) < d.Base {
		return nil, errors.New("symtab: addresses overflow")
	}
	for i, k := range d.Kinds {
		if k != poolUnnamed && k != poolEnd && int(k) > d.Pools {
			return nil, fmt.Errorf("symtab: entry %d names pool %d of %d", i, k, d.Pools)
		}
	}
	t := &Table{base: d.Base, addr32: d.Addr32, addr64: d.Addr64, refs: d.Refs, kinds: d.Kinds, top: sample(d.Addr32)}
	t.pools = append([][]byte{d.Own}, pools...)
	if t.addr32 == nil && t.addr64 == nil {
		t.addr32 = []uint32{}
	}
	return t, nil
}

package symtab

import (
	"cmp"
	"fmt"
	"maps"
	"math/rand/v2"
	"slices"
	"sort"
	"strings"
	"sync"
	"testing"
)

func TestLookupBasics(t *testing.T) {
	pool := []byte("\x00_alpha\x00<redacted>\x00_beta\x00_real_local\x00unterminated")
	var b Builder
	p, ok := b.AddPool(pool)
	if !ok {
		t.Fatal("AddPool failed")
	}
	b.Add(0x1000, p, 1, RankGlobal) // _alpha
	b.AddStart(0x1000)              // duplicate start: the name wins
	b.Add(0x1040, p, 8, RankLocal)  // <redacted> ...
	b.Add(0x1040, p, 25, RankLocal) // ... loses to _real_local
	b.AddStart(0x1080)              // unnamed function
	b.Add(0x10c0, p, 8, RankLocal)  // only <redacted>: kept
	b.AddName(0x1100, []byte("_trie_only"), RankExport)
	b.Add(0x1100, p, 19, RankLocal)    // _beta is a local: the export wins
	b.AddEnd(0x1200)                   // end of __text
	b.Add(0x1300, p, 37, RankGlobal)   // unterminated: becomes an unnamed start
	b.Add(0x1400, p, 0, RankGlobal)    // empty name: unnamed start
	b.Add(0x1500, p, 9999, RankGlobal) // out of range: unnamed start
	tab := b.Build()

	cases := []struct {
		addr  uint64
		name  string
		start uint64
		ok    bool
	}{
		{0xfff, "", 0, false},
		{0x1000, "_alpha", 0x1000, true},
		{0x103f, "_alpha", 0x1000, true},
		{0x1040, "_real_local", 0x1040, true},
		{0x1081, "func_1080", 0x1080, true},
		{0x10c4, "<redacted>", 0x10c0, true},
		{0x1100, "_trie_only", 0x1100, true},
		{0x11ff, "_trie_only", 0x1100, true},
		{0x1200, "", 0, false},
		{0x12ff, "", 0, false},
		{0x1300, "func_1300", 0x1300, true},
		{0x1400, "func_1400", 0x1400, true},
		{0x1fff, "func_1500", 0x1500, true},
	}
	for _, c := range cases {
		name, start, ok := tab.Lookup(c.addr)
		if name != c.name || start != c.start || ok != c.ok {
			t.Errorf("Lookup(%#x) = %q, %#x, %v; want %q, %#x, %v", c.addr, name, start, ok, c.name, c.start, c.ok)
		}
	}
	s, ok := tab.Find(0x1090)
	if !ok || s.Start != 0x1080 || s.End != 0x10c0 || !s.Unnamed {
		t.Errorf("Find(0x1090) = %+v, %v", s, ok)
	}
	if s, _ := tab.Find(0x1fff); s.End != 0 {
		t.Errorf("last entry End = %#x, want 0", s.End)
	}
	if tab.Len() != 9 {
		t.Errorf("Len = %d, want 9", tab.Len())
	}
}

// TestEqualRanksKeepInsertionOrder: among names of equal rank at one
// address the first added wins, in both sort paths (narrow and > 4 GiB).
func TestEqualRanksKeepInsertionOrder(t *testing.T) {
	for _, far := range []uint64{0x1000, 1 << 40} {
		var b Builder
		pool := []byte("\x00zeta\x00alpha\x00")
		p, _ := b.AddPool(pool)
		b.Add(0x10, p, 1, RankGlobal) // zeta first
		b.Add(0x10, p, 6, RankGlobal)
		b.AddName(0x20, []byte("second"), RankLocal)
		b.AddName(0x20, []byte("first"), RankGlobal)
		b.AddName(far, []byte("far"), RankGlobal)
		tab := b.Build()
		if n, _, _ := tab.Lookup(0x10); n != "zeta" {
			t.Errorf("far=%#x: Lookup(0x10) = %q, want zeta", far, n)
		}
		if n, _, _ := tab.Lookup(0x20); n != "first" {
			t.Errorf("far=%#x: Lookup(0x20) = %q, want first (better rank)", far, n)
		}
	}
}

func TestEmptyAndWideTables(t *testing.T) {
	var b Builder
	tab := b.Build()
	if _, _, ok := tab.Lookup(0); ok || tab.Len() != 0 {
		t.Fatal("empty table found something")
	}
	// A table spanning more than 4 GiB uses 64-bit addresses.
	b = Builder{}
	b.AddName(0x10, []byte("low"), RankGlobal)
	b.AddName(0x7ff800000000, []byte("high"), RankGlobal)
	b.AddEnd(0x10)
	tab = b.Build()
	if tab.addr64 == nil {
		t.Fatal("wide table stored 32-bit offsets")
	}
	if n, s, ok := tab.Lookup(0x7ff800000010); n != "high" || s != 0x7ff800000000 || !ok {
		t.Fatalf("Lookup high = %q %#x %v", n, s, ok)
	}
	if n, _, _ := tab.Lookup(0x7ff7ffffffff); n != "low" {
		t.Fatalf("Lookup between = %q", n)
	}
	// Narrow table: an address far above base must not wrap.
	b = Builder{}
	b.AddName(0x180000000, []byte("a"), RankGlobal)
	tab = b.Build()
	if n, _, ok := tab.Lookup(0x180000000 + 1<<33); n != "a" || !ok {
		t.Fatalf("far lookup = %q %v", n, ok)
	}
}

func TestEndMarkerCollapsing(t *testing.T) {
	var b Builder
	b.AddEnd(0x10) // leading end: dropped
	b.AddName(0x20, []byte("f"), RankGlobal)
	b.AddEnd(0x30)
	b.AddEnd(0x40) // second end in a row: dropped
	b.AddStart(0x30)
	tab := b.Build()
	if tab.Len() != 3 { // f, start 0x30 (beats end at 0x30), end 0x40
		t.Fatalf("Len = %d, want 3", tab.Len())
	}
	if n, _, _ := tab.Lookup(0x35); n != "func_30" {
		t.Fatalf("Lookup(0x35) = %q", n)
	}
}

// model is a naive reference implementation of the lookup rules.
type model struct {
	addr  uint64
	name  string // "" = unnamed start; "\x00end" = end marker
	rank  int
	order string
}

func TestRandomAgainstModel(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	for round := 0; round < 200; round++ {
		pool := []byte{0}
		var names []uint32
		for i := 0; i < 20; i++ {
			names = append(names, uint32(len(pool)))
			if i == 3 {
				pool = append(pool, Redacted...)
			} else {
				pool = append(pool, fmt.Sprintf("sym%d", i)...)
			}
			pool = append(pool, 0)
		}
		var b Builder
		p, _ := b.AddPool(pool)
		var ms []model
		base := uint64(rng.IntN(3)) << 32
		for i := 0; i < rng.IntN(60); i++ {
			a := base + uint64(rng.IntN(400))
			switch k := rng.IntN(4); k {
			case 0:
				j := rng.IntN(len(names))
				r := Rank(10 * (1 + rng.IntN(3)))
				b.Add(a, p, names[j], r)
				n, _ := nameAt(pool, names[j])
				rk := int(r)
				if string(n) == Redacted {
					rk = int(rankRedacted)
				}
				ms = append(ms, model{a, string(n), rk, fmt.Sprintf("%03d%06d", rk, len(ms))})
			case 1:
				b.AddStart(a)
				ms = append(ms, model{a, "", int(rankUnnamed), fmt.Sprintf("250%06d", len(ms))})
			case 2:
				b.AddEnd(a)
				ms = append(ms, model{a, "\x00end", int(rankEnd), fmt.Sprintf("255%06d", len(ms))})
			case 3:
				s := fmt.Sprintf("own%d", rng.IntN(5))
				b.AddName(a, []byte(s), RankExport)
				ms = append(ms, model{a, s, int(RankExport), fmt.Sprintf("020%06d", len(ms))})
			}
		}
		tab := b.Build()
		sort.SliceStable(ms, func(i, j int) bool {
			if ms[i].addr != ms[j].addr {
				return ms[i].addr < ms[j].addr
			}
			return ms[i].order < ms[j].order
		})
		for q := 0; q < 300; q++ {
			a := base + uint64(rng.IntN(420))
			wantName, wantStart, wantOK := "", uint64(0), false
			for i := len(ms) - 1; i >= 0; i-- {
				if ms[i].addr > a {
					continue
				}
				// First (best) entry at this address.
				j := i
				for j > 0 && ms[j-1].addr == ms[i].addr {
					j--
				}
				m := ms[j]
				if m.name != "\x00end" {
					wantOK, wantStart, wantName = true, m.addr, m.name
					if m.name == "" {
						wantName = UnnamedName(m.addr)
					}
				}
				break
			}
			name, start, ok := tab.Lookup(a)
			if name != wantName || start != wantStart || ok != wantOK {
				t.Fatalf("round %d: Lookup(%#x) = %q %#x %v, model %q %#x %v", round, a, name, start, ok, wantName, wantStart, wantOK)
			}
		}
	}
}

func TestConcurrentLookups(t *testing.T) {
	var b Builder
	for i := 0; i < 1000; i++ {
		b.AddName(uint64(i)*16, []byte(fmt.Sprintf("f%d", i)), RankGlobal)
	}
	tab := b.Build()
	var wg sync.WaitGroup
	for g := 0; g < 8; g++ {
		wg.Add(1)
		go func(g int) {
			defer wg.Done()
			for i := 0; i < 1000; i++ {
				n, _, _ := tab.Lookup(uint64(i)*16 + uint64(g))
				if !strings.HasPrefix(n, "f") {
					t.Errorf("got %q", n)
					return
				}
			}
		}(g)
	}
	wg.Wait()
}

func TestPoolLimit(t *testing.T) {
	var b Builder
	for i := 0; i < maxPools; i++ {
		if _, ok := b.AddPool(nil); !ok {
			t.Fatalf("pool %d refused", i+1)
		}
	}
	if _, ok := b.AddPool(nil); ok {
		t.Fatal("pool past the limit accepted")
	}
}

func BenchmarkLookup(b *testing.B) {
	var bl Builder
	pool := []byte{0}
	var offs []uint32
	for i := 0; i < 100000; i++ {
		offs = append(offs, uint32(len(pool)))
		pool = append(pool, fmt.Sprintf("_function_number_%d", i)...)
		pool = append(pool, 0)
	}
	p, _ := bl.AddPool(pool)
	for i, off := range offs {
		bl.Add(0x180000000+uint64(i)*64, p, off, RankGlobal)
	}
	tab := bl.Build()
	b.ResetTimer()
	for i := 0; b.Loop(); i++ {
		tab.Lookup(0x180000000 + uint64(i*7919%100000)*64 + 5)
	}
}

// TestDataRoundTrip: a table rebuilt from its Data answers the same, and
// damaged Data is refused.
func TestDataRoundTrip(t *testing.T) {
	pool := []byte("\x00_alpha\x00_beta\x00")
	var b Builder
	p, _ := b.AddPool(pool)
	b.Add(0x1000, p, 1, RankGlobal)
	b.AddName(0x1100, []byte("copied"), RankExport)
	b.AddStart(0x1200)
	b.Add(0x1300, p, 8, RankLocal)
	b.AddEnd(0x1400)
	orig := b.Build()
	d := orig.Data()
	back, err := FromData(d, [][]byte{pool})
	if err != nil {
		t.Fatal(err)
	}
	for a := uint64(0xff0); a < 0x1410; a += 4 {
		s1, ok1 := orig.Find(a)
		s2, ok2 := back.Find(a)
		if s1 != s2 || ok1 != ok2 {
			t.Fatalf("%#x: %+v %v vs %+v %v", a, s1, ok1, s2, ok2)
		}
	}
	bad := []func(d *Data){
		func(d *Data) { d.Kinds = d.Kinds[:1] },
		func(d *Data) { d.Addr32 = append([]uint32(nil), d.Addr32...); d.Addr32[1] = d.Addr32[0] },
		func(d *Data) { d.Kinds = append([]uint8(nil), d.Kinds...); d.Kinds[0] = 7 },
		func(d *Data) { d.Pools = 2 },
	}
	for i, damage := range bad {
		dd := orig.Data()
		damage(&dd)
		if _, err := FromData(dd, [][]byte{pool}); err == nil {
			t.Errorf("damage %d: accepted", i)
		}
	}
}

// TestSearch32 checks the sampled search against a plain binary search on
// even, clustered and skewed tables, at every element, between elements and
// outside the table.
func TestSearch32(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	tables := map[string][]uint32{}
	for _, n := range []int{0, 1, 2, 255, 256, 257, 319, 320, 321, 5000} {
		even := make([]uint32, n)
		for i := range even {
			even[i] = uint32(i)*16 + 4
		}
		tables[fmt.Sprintf("even%d", n)] = even
		set := map[uint32]bool{}
		for len(set) < n {
			v := rng.Uint32()
			if rng.IntN(4) > 0 {
				v = 1<<20 + rng.Uint32N(4096) // most in one cluster
			}
			set[v] = true
		}
		clustered := slices.Sorted(maps.Keys(set))
		tables[fmt.Sprintf("clustered%d", n)] = clustered
		skewed := make([]uint32, n)
		for i := range skewed {
			skewed[i] = uint32(i)
		}
		if n > 0 {
			skewed[n-1] = 0xffffffff // one outlier at the top
		}
		tables[fmt.Sprintf("skewed%d", n)] = skewed
	}
	for name, a := range tables {
		want := func(x uint32) int {
			i, _ := slices.BinarySearch(a, x+1)
			if x == 0xffffffff {
				i = len(a)
			}
			return i - 1
		}
		probe := []uint32{0, 1, 0xffffffff, 0xfffffffe}
		for _, v := range a {
			probe = append(probe, v, v-1, v+1)
		}
		for range 200 {
			probe = append(probe, rng.Uint32())
		}
		for _, x := range probe {
			if got, w := search32(a, sample(a), x), want(x); got != w {
				t.Fatalf("%s: search32(%#x) = %d, want %d", name, x, got, w)
			}
		}
	}
}

// TestAddrSet checks membership against a map, for sets of many sizes,
// with address 0 and duplicates.
func TestAddrSet(t *testing.T) {
	var empty AddrSet
	if empty.Has(0) || empty.Has(0x1000) {
		t.Fatal("the zero AddrSet has members")
	}
	rng := rand.New(rand.NewPCG(3, 4))
	for _, n := range []int{0, 1, 2, 7, 8, 9, 100, 4096, 10000} {
		var addrs []uint64
		want := map[uint64]bool{}
		for range n {
			a := 0x180000000 + uint64(rng.IntN(4*n+1))*4
			if rng.IntN(50) == 0 {
				a = 0
			}
			addrs = append(addrs, a)
			want[a] = true
		}
		addrs = append(addrs, addrs[:n/3]...) // duplicates
		s := NewAddrSet(addrs)
		for a := uint64(0x180000000) - 8; a < 0x180000000+uint64(16*n+16); a += 2 {
			if s.Has(a) != want[a] {
				t.Fatalf("n=%d: Has(%#x) = %v", n, a, !want[a])
			}
		}
		if s.Has(0) != want[0] {
			t.Fatalf("n=%d: Has(0) = %v", n, !want[0])
		}
	}
}

// TestSortEntries checks the radix path against a stable comparison sort
// for address spans of one to four bytes and many entries per address.
func TestSortEntries(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 6))
	for _, span := range []uint64{1 << 6, 1 << 12, 1 << 20, 1 << 28, 0xffffffff} {
		for _, n := range []int{64, 65, 1000} {
			es := make([]entry, n)
			for i := range es {
				a := 0x180000000 + rng.Uint64N(span+1)
				if i > 0 && rng.IntN(3) == 0 {
					a = es[rng.IntN(i)].addr // shared addresses
				}
				if i%7 == 0 && n == 1000 {
					a = 0x180000000 // one address with over a hundred entries
				}
				es[i] = mkEntry(a, uint32(i), 1, Rank(rng.IntN(4)*10+10))
			}
			want := slices.Clone(es)
			slices.SortStableFunc(want, func(x, y entry) int {
				if x.addr != y.addr {
					return cmp.Compare(x.addr, y.addr)
				}
				return cmp.Compare(x.key>>40, y.key>>40)
			})
			sortEntries(es)
			if !slices.Equal(es, want) {
				t.Fatalf("span %#x, %d entries: radix order differs", span, n)
			}
		}
	}
}

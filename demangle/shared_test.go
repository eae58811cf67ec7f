package demangle

import (
	"fmt"
	"hash/maphash"
	"sync"
	"testing"
)

// TestSharedMemo: answers from the memo are the demangler's, from many
// goroutines at once, and the memo stays within its bound.
func TestSharedMemo(t *testing.T) {
	s := NewShared(Options{Form: Display})
	names := []string{"$s4main3fooyyF", "_ZN3foo3barEv", "$sSS", "plain_c_name", "$s4main3BarC3bazyySiF", ""}
	for i := range 3 * memoPerShard {
		names = append(names, fmt.Sprintf("_ZN3foo%dbarEv", i))
	}
	var wg sync.WaitGroup
	for w := range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range names {
				raw := names[(i+w*7)%len(names)]
				want, _ := new(Demangler).Name(raw, Options{Form: Display})
				if got := s.Name(raw); got != want {
					t.Errorf("%s: %q, want %q", raw, got, want)
					return
				}
			}
		}()
	}
	wg.Wait()
	for i := range s.memo {
		if n := len(s.memo[i].m); n > memoPerShard {
			t.Errorf("shard %d holds %d names", i, n)
		}
	}
}

// TestSharedMemoAdmission: a mangled name enters the memo at its second
// sighting, not its first; unmangled names never do.
func TestSharedMemoAdmission(t *testing.T) {
	s := NewShared(Options{Form: Display})
	held := func() int {
		n := 0
		for i := range s.memo {
			n += len(s.memo[i].m)
		}
		return n
	}
	// Names sharing a shard and a slot of its seen-once record would evict
	// each other (the seed is random): keep the first three that do not.
	slots := map[[2]uint64]bool{}
	var once []string
	for i := 0; len(once) < 3; i++ {
		id := fmt.Sprintf("foo%d", i)
		raw := fmt.Sprintf("$s4main%d%syyF", len(id), id) // main.fooN()
		h := maphash.String(s.seed, raw)
		if k := [2]uint64{h % memoShards, (h / memoShards) % seenSlots}; !slots[k] {
			slots[k] = true
			once = append(once, raw)
		}
	}
	for _, raw := range once {
		s.Name(raw)
	}
	s.Name("plain_c_name")
	s.Name("plain_c_name")
	if n := held(); n != 0 {
		t.Fatalf("after one sighting each, the memo holds %d names", n)
	}
	for _, raw := range once {
		want, _ := new(Demangler).Name(raw, Options{Form: Display})
		if got := s.Name(raw); got != want {
			t.Errorf("%s: %q, want %q", raw, got, want)
		}
	}
	if n := held(); n != len(once) {
		t.Fatalf("after two sightings, the memo holds %d names, want %d", n, len(once))
	}
}

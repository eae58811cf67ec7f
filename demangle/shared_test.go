package demangle

import (
	"fmt"
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
	once := []string{"$s4main3fooyyF", "_ZN3foo3barEv", "$s4main3BarC3bazyySiF"}
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

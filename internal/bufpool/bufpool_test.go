package bufpool

import "testing"

// TestGetRoom: every buffer Get returns has room for what was asked, new or
// reused, across the class boundaries.
func TestGetRoom(t *testing.T) {
	for _, n := range []int{1, 100, 4095, 4096, 4097, 10000, 1 << 16, 1<<16 + 1, 4 << 20, 4<<20 + 1, 9 << 20} {
		for round := 0; round < 3; round++ {
			b := Get(n)
			if len(b) != 0 || cap(b) < n {
				t.Fatalf("Get(%d): len %d cap %d", n, len(b), cap(b))
			}
			Put(append(b, 1))
		}
	}
	if b := Get(0); b != nil {
		t.Fatalf("Get(0) = %v, want nil", b)
	}
}

// TestPutOddSizes: buffers not made by Get (any capacity) go to a class
// whose requests they can serve.
func TestPutOddSizes(t *testing.T) {
	for _, c := range []int{0, 10, 4096, 5000, 8191, 8192, 3 << 20, 5 << 20} {
		Put(make([]byte, min(3, c), c))
		for _, n := range []int{c / 2, c, c + 1} {
			if b := Get(n); cap(b) < n {
				t.Fatalf("after Put of cap %d, Get(%d) has cap %d", c, n, cap(b))
			}
		}
	}
}

func BenchmarkGetPut(b *testing.B) {
	b.ReportAllocs()
	for b.Loop() {
		Put(Get(20 << 10))
	}
}

package gctune

import (
	"runtime"
	"runtime/debug"
	"runtime/metrics"
	"testing"
	"time"
)

// gogc reads GOGC without setting it.
func gogc() int {
	s := []metrics.Sample{{Name: "/gc/gogc:percent"}}
	metrics.Read(s)
	return int(s[0].Value.Uint64())
}

func TestPercent(t *testing.T) {
	const floor = 64 << 20
	for _, c := range []struct {
		live uint64
		base int
		want int
	}{
		{0, 200, 1500},        // assumed 4 MiB live: goal 64 MiB
		{4 << 20, 200, 1500},  // the same
		{8 << 20, 200, 700},   // 8 MiB × 8 = 64 MiB
		{16 << 20, 200, 300},  // 16 MiB × 4
		{32 << 20, 200, 200},  // the base already gives 96 MiB
		{100 << 20, 200, 200}, // past the floor
		{1, 50, 1500},
		{64 << 20, 50, 50},
	} {
		if got := Percent(c.live, floor, c.base); got != c.want {
			t.Errorf("Percent(%d MiB live, base %d) = %d, want %d", c.live>>20, c.base, got, c.want)
		}
	}
	if got := Percent(0, 1<<40, 200); got != maxPercent {
		t.Errorf("a huge floor gives %d, want the cap %d", got, maxPercent)
	}
}

// TestFloor: GOGC follows the live heap across collections and goes back
// to the base on stop.
func TestFloor(t *testing.T) {
	old := debug.SetGCPercent(100)
	defer debug.SetGCPercent(old)
	stop := Floor(200, 64<<20, time.Millisecond)
	if p := gogc(); p <= 200 {
		t.Errorf("GOGC %d under a 64 MiB floor with a small heap, want more than the base", p)
	}
	// A live heap past the floor brings GOGC down to the base.
	keep := make([][]byte, 0, 96)
	for range 96 {
		keep = append(keep, make([]byte, 1<<20))
	}
	deadline := time.Now().Add(5 * time.Second)
	for {
		runtime.GC()
		time.Sleep(5 * time.Millisecond)
		p := gogc()
		if p == 200 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("GOGC %d with 96 MiB live, want the base 200", p)
		}
	}
	runtime.KeepAlive(keep)
	stop()
	stop() // twice is fine
	if p := gogc(); p != 200 {
		t.Errorf("GOGC %d after stop, want the base 200", p)
	}
}

package resolve

import (
	"context"
	"path/filepath"
	"testing"

	"github.com/symbolicate/symbolicate/dsc/dsctest"
	"github.com/symbolicate/symbolicate/imagemap"
	"github.com/symbolicate/symbolicate/internal/crashgen"
)

// BenchmarkBatch symbolicates generated crashes (4 threads × 15 frames) against
// a full-scale generated cache (1,600 images, 3.2 million functions) with
// warm caches: one op is one crash parsed, resolved and rendered as text.
// The cold-process figure for 1,000 crashes comes from internal/benchgen.
func BenchmarkBatch(b *testing.B) {
	if testing.Short() {
		b.Skip("full-scale cache generation is slow")
	}
	c, err := dsctest.Cached(dsctest.FullScale(1))
	if err != nil {
		b.Fatal(err)
	}
	caches, err := ScanCaches(context.Background(), []string{filepath.Dir(c.MainPath)})
	if err != nil {
		b.Fatal(err)
	}
	defer caches.Close()
	const n = 200
	items := make([]Item, n)
	for i := range items {
		rep, err := crashgen.Generate(c, crashgen.Config{Seed: uint64(i), Slide: uint64(i+1) << 14, Threads: 4, Frames: 15,
			Boundary: 0.1, AppUUID: imagemap.UUID{0xBE}})
		if err != nil {
			b.Fatal(err)
		}
		items[i] = Item{Name: "crash", Read: func() ([]byte, error) { return rep.Data, nil }}
	}
	for _, format := range []struct {
		name string
		f    Format
	}{{"text", FormatText}, {"json", FormatJSON}} {
		b.Run(format.name, func(b *testing.B) {
			batch := &Batch{Resolver: &Resolver{Caches: caches}, Format: format.f}
			// Warm: build every touched image's symbol table once.
			if _, err := batch.Run(context.Background(), items, func(*Result) error { return nil }); err != nil {
				b.Fatal(err)
			}
			b.ReportAllocs()
			b.ResetTimer()
			for done := 0; done < b.N; done += n {
				k := min(n, b.N-done)
				if _, err := batch.Run(context.Background(), items[:k], func(r *Result) error { return r.Err }); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

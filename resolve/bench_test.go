package resolve

import (
	"context"
	"path/filepath"
	"testing"

	"github.com/symbolicate/symbolicate/crashlog"
	"github.com/symbolicate/symbolicate/dsc"
	"github.com/symbolicate/symbolicate/dsc/dsctest"
	"github.com/symbolicate/symbolicate/format"
	"github.com/symbolicate/symbolicate/internal/crashgen"
	"github.com/symbolicate/symbolicate/process"
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
	caches, err := dsc.Scan(context.Background(), []string{filepath.Dir(c.MainPath)})
	if err != nil {
		b.Fatal(err)
	}
	defer caches.Close()
	const n = 200
	items := make([]Item, n)
	for i := range items {
		rep, err := crashgen.Generate(c, crashgen.Config{Seed: uint64(i), Slide: uint64(i+1) << 14, Threads: 4, Frames: 15,
			Boundary: 0.1, AppUUID: process.UUID{0xBE}})
		if err != nil {
			b.Fatal(err)
		}
		items[i] = Item{Name: "crash", Read: func() ([]byte, error) { return rep.Data, nil }}
	}
	for _, out := range []struct {
		name string
		json bool
	}{{"text", false}, {"json", true}} {
		b.Run(out.name, func(b *testing.B) {
			batch := &Batch{Resolver: over(caches, Options{}), Formats: format.List{crashlog.Format}, JSON: out.json}
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

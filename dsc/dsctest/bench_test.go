package dsctest_test

import (
	"os"
	"testing"

	"github.com/symbolicate/symbolicate/dsc/dsctest"
)

func benchGenerate(b *testing.B, cfg dsctest.Config) {
	b.ReportAllocs()
	var size int64
	for i := 0; i < b.N; i++ {
		dir := b.TempDir()
		c, err := dsctest.Generate(dir, cfg)
		if err != nil {
			b.Fatal(err)
		}
		size = 0
		for _, f := range c.Files {
			st, err := os.Stat(f)
			if err != nil {
				b.Fatal(err)
			}
			size += st.Size()
		}
		b.StopTimer()
		os.RemoveAll(dir)
		b.StartTimer()
	}
	b.SetBytes(size)
	b.ReportMetric(float64(size)/(1<<20), "MiB/cache")
}

func BenchmarkGenerateDefault(b *testing.B) { benchGenerate(b, dsctest.Config{Seed: 1}) }

func BenchmarkGenerateDemo(b *testing.B) { benchGenerate(b, dsctest.Demo(1)) }

// BenchmarkGenerateFullScale writes a 1,600-image, 3,200,000-function cache.
func BenchmarkGenerateFullScale(b *testing.B) {
	if testing.Short() {
		b.Skip("full-scale generation writes about 400 MiB")
	}
	benchGenerate(b, dsctest.FullScale(1))
}

// BenchmarkCachedFullScaleHit measures reusing a full-scale cache generated
// earlier by Cached (the first call, outside the timer, may generate it).
func BenchmarkCachedFullScaleHit(b *testing.B) {
	if testing.Short() {
		b.Skip("full-scale generation writes about 400 MiB")
	}
	if _, err := dsctest.Cached(dsctest.FullScale(1)); err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if _, err := dsctest.Cached(dsctest.FullScale(1)); err != nil {
			b.Fatal(err)
		}
	}
}

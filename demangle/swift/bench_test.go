package swift

import (
	"strings"
	"testing"

	"github.com/symbolicate/symbolicate/internal/corpus"
)

// corpusNames returns the inputs of both conformance files.
func corpusNames(b *testing.B) []string {
	var names []string
	for _, rel := range []string{"swift-demangle/manglings.txt", "swift-demangle/simplified-manglings.txt"} {
		for _, l := range strings.Split(string(corpus.Read(b, rel)), "\n") {
			if in, _, ok := strings.Cut(l, "--->"); ok {
				names = append(names, strings.TrimSpace(in))
			}
		}
	}
	return names
}

func benchStyle(b *testing.B, style Style, reuse bool) {
	names := corpusNames(b)
	var dm Demangler
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		for _, n := range names {
			if reuse {
				dm.DemangleWith(n, Options{Style: style})
			} else {
				DemangleWith(n, Options{Style: style})
			}
		}
	}
	b.ReportMetric(float64(b.N*len(names))/b.Elapsed().Seconds(), "names/s")
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*len(names)), "ns/name")
}

// BenchmarkCorpusFull demangles every conformance input (582 names, valid
// and invalid) in the full form, with a fresh demangler per name.
func BenchmarkCorpusFull(b *testing.B) { benchStyle(b, Full, false) }

// BenchmarkCorpusSimplified does the same in the simplified form.
func BenchmarkCorpusSimplified(b *testing.B) { benchStyle(b, Simplified, false) }

// BenchmarkCorpusFullReuse uses one Demangler for all names.
func BenchmarkCorpusFullReuse(b *testing.B) { benchStyle(b, Full, true) }

// BenchmarkCorpusSimplifiedReuse uses one Demangler for all names.
func BenchmarkCorpusSimplifiedReuse(b *testing.B) { benchStyle(b, Simplified, true) }

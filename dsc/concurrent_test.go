package dsc_test

import (
	"math/rand/v2"
	"sync"
	"testing"

	"github.com/symbolicate/symbolicate/dsc/dsctest"
)

// TestConcurrentLookups has many goroutines resolve functions across all
// images at once, so that first-use symbol builds race with each other and
// with steady-state lookups (run with -race).
func TestConcurrentLookups(t *testing.T) {
	g := generate(t, dsctest.Config{Seed: 51, Images: 40, SymbolsPerImage: 60})
	c := openGenerated(t, g)
	type probe struct {
		addr  uint64
		name  string
		image int
	}
	var probes []probe
	for i := range g.Images {
		for _, f := range g.Images[i].Functions {
			probes = append(probes, probe{f.Address + f.Size/2, wantName(g, f), i})
		}
		// Data symbols resolve through the lazily built all-segment table.
		for _, d := range g.Images[i].Data {
			probes = append(probes, probe{d.Address, d.Name, i})
		}
	}
	const workers = 16
	var wg sync.WaitGroup
	errs := make(chan string, workers)
	for w := 0; w < workers; w++ {
		wg.Add(1)
		go func(w int) {
			defer wg.Done()
			rng := rand.New(rand.NewPCG(uint64(w), 1))
			for k := 0; k < 3000; k++ {
				p := probes[rng.IntN(len(probes))]
				switch k % 4 {
				case 1:
					c.ImageAt(p.image)
				case 2:
					c.ImageByUUID(g.Images[p.image].UUID)
				case 3:
					c.ImageByPath(g.Images[p.image].Path)
				}
				s, err := c.Lookup(p.addr)
				if err != nil || s.Name != p.name || s.Image.Index != p.image {
					errs <- s.Name + " != " + p.name
					return
				}
			}
		}(w)
	}
	wg.Wait()
	close(errs)
	for e := range errs {
		t.Error(e)
	}
}

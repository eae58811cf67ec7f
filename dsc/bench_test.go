package dsc_test

import (
	"bufio"
	"fmt"
	"math/rand/v2"
	"os"
	"os/exec"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/symbolicate/symbolicate/dsc"
	"github.com/symbolicate/symbolicate/dsc/dsctest"
)

// fullScale returns the full-scale generated cache (≥1,500 images,
// ≥3,000,000 symbols), generated once per machine into a directory keyed by
// its configuration (dsctest.Cached).
func fullScale(b testing.TB) *dsctest.Cache {
	b.Helper()
	g, err := dsctest.Cached(dsctest.FullScale(1))
	if err != nil {
		b.Fatal(err)
	}
	return g
}

// probeAddrs returns n addresses inside functions of the first images of g,
// with their expected names, shuffled.
func probeAddrs(b testing.TB, g *dsctest.Cache, images, n int) ([]uint64, []string) {
	b.Helper()
	rng := rand.New(rand.NewPCG(1, 1))
	var addrs []uint64
	var names []string
	step := max(len(g.Images)/images, 1)
	for i := 0; i < len(g.Images) && len(addrs) < n; i += step {
		fs, err := g.Functions(i)
		if err != nil {
			b.Fatal(err)
		}
		for k := 0; k < n/images+1; k++ {
			f := fs[rng.IntN(len(fs))]
			addrs = append(addrs, f.Address+uint64(rng.IntN(int(f.Size))))
			names = append(names, wantName(g, f))
		}
	}
	rng.Shuffle(len(addrs), func(i, j int) {
		addrs[i], addrs[j] = addrs[j], addrs[i]
		names[i], names[j] = names[j], names[i]
	})
	return addrs, names
}

// BenchmarkOpen measures Open+Close of the full-scale cache (target < 20 ms).
func BenchmarkOpen(b *testing.B) {
	g := fullScale(b)
	cpu0 := cpuTime()
	for b.Loop() {
		c, err := dsc.Open(g.MainPath)
		if err != nil {
			b.Fatal(err)
		}
		c.Close()
	}
	if cpu := cpuTime() - cpu0; cpu > 0 && cpu0 > 0 {
		b.ReportMetric(float64(cpu)/float64(b.N), "cpu-ns/op")
	}
}

// BenchmarkFirstLookupInImage measures the first lookup in an image: finding
// the image plus building its symbol table.
func BenchmarkFirstLookupInImage(b *testing.B) {
	g := fullScale(b)
	var c *dsc.Cache
	next := 0
	var cpu int64
	b.ResetTimer()
	for b.Loop() {
		if c == nil || next == len(g.Images) {
			b.StopTimer()
			if c != nil {
				c.Close()
			}
			var err error
			if c, err = dsc.Open(g.MainPath); err != nil {
				b.Fatal(err)
			}
			next = 0
			b.StartTimer()
		}
		im := g.Images[next]
		t0 := cpuTime()
		if _, err := c.Lookup(im.Address + im.TextSize/2); err != nil {
			b.Fatal(err)
		}
		cpu += cpuTime() - t0
		next++
	}
	b.StopTimer()
	c.Close()
	if cpu > 0 {
		b.ReportMetric(float64(cpu)/float64(b.N), "cpu-ns/op")
	}
}

// BenchmarkLookup measures steady-state lookups on one goroutine, over 256
// images whose symbol tables are already built, in random order: the
// string pools are touched at random (target ≥ 5 million/s).
func BenchmarkLookup(b *testing.B) { benchLookup(b, 256) }

// BenchmarkLookupFewImages is BenchmarkLookup over 8 images, closer to one
// crash report's working set.
func BenchmarkLookupFewImages(b *testing.B) { benchLookup(b, 8) }

func benchLookup(b *testing.B, images int) {
	g := fullScale(b)
	c, err := dsc.Open(g.MainPath)
	if err != nil {
		b.Fatal(err)
	}
	defer c.Close()
	addrs, names := probeAddrs(b, g, images, 1<<16)
	addrs, names = addrs[:1<<16], names[:1<<16]
	for i, a := range addrs {
		if s, err := c.Lookup(a); err != nil || s.Name != names[i] {
			b.Fatalf("Lookup(%#x) = %q, %v; want %q", a, s.Name, err, names[i])
		}
	}
	b.ResetTimer()
	cpu0 := cpuTime()
	i := 0
	for b.Loop() {
		c.Lookup(addrs[i&(len(addrs)-1)])
		i++
	}
	reportRates(b, cpu0)
}

// BenchmarkLookupParallel is BenchmarkLookup on every core.
func BenchmarkLookupParallel(b *testing.B) {
	g := fullScale(b)
	c, err := dsc.Open(g.MainPath)
	if err != nil {
		b.Fatal(err)
	}
	defer c.Close()
	addrs, _ := probeAddrs(b, g, 256, 1<<16)
	addrs = addrs[:1<<16]
	for _, a := range addrs {
		c.Lookup(a)
	}
	b.ResetTimer()
	cpu0 := cpuTime()
	b.RunParallel(func(pb *testing.PB) {
		i := rand.IntN(len(addrs))
		for pb.Next() {
			c.Lookup(addrs[i&(len(addrs)-1)])
			i++
		}
	})
	reportRates(b, cpu0)
}

// memChildEnv makes the test binary act as the memory probe child.
const memChildEnv = "DSC_MEMPROBE"

// TestMemoryProbeChild runs only as a subprocess of BenchmarkMemory: it
// opens the cache named in $DSC_MEMPROBE ("path:images"), resolves one
// address in each of that many images, and prints its memory use.
func TestMemoryProbeChild(t *testing.T) {
	spec := os.Getenv(memChildEnv)
	if spec == "" {
		t.Skip("runs only as BenchmarkMemory's subprocess")
	}
	i := strings.LastIndexByte(spec, ':')
	n, _ := strconv.Atoi(spec[i+1:])
	c, err := dsc.Open(spec[:i])
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	count := c.ImageCount()
	for k := 0; k < n && k < count; k++ {
		im := &c.Images()[k*count/max(n, 1)]
		if _, err := c.Lookup(im.Address + im.TextSize/2); err != nil {
			t.Fatal(err)
		}
	}
	runtime.GC()
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	st := procStatus()
	fmt.Printf("MEMPROBE images=%d hwm_kb=%d rss_kb=%d anon_kb=%d file_kb=%d heap_kb=%d\n",
		n, st["VmHWM"], st["VmRSS"], st["RssAnon"], st["RssFile"], ms.HeapInuse>>10)
}

// procStatus reads the kB fields of /proc/self/status.
func procStatus() map[string]int {
	out := map[string]int{}
	f, err := os.Open("/proc/self/status")
	if err != nil {
		return out
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		k, v, ok := strings.Cut(sc.Text(), ":")
		if ok && strings.HasSuffix(v, " kB") {
			out[k], _ = strconv.Atoi(strings.TrimSpace(strings.TrimSuffix(v, " kB")))
		}
	}
	return out
}

var memResults sync.Map // images → map[string]int

// BenchmarkMemory runs a fresh process per image count and reports its peak
// RSS, anonymous RSS, file-backed RSS and Go heap: memory should follow the
// number of images touched, not the size of the cache.
func BenchmarkMemory(b *testing.B) {
	if runtime.GOOS != "linux" {
		b.Skip("reads /proc/self/status")
	}
	g := fullScale(b)
	for _, n := range []int{0, 10, 100, 1000, len(g.Images)} {
		b.Run(fmt.Sprintf("images=%d", n), func(b *testing.B) {
			v, ok := memResults.Load(n)
			if !ok {
				cmd := exec.Command(os.Args[0], "-test.run=^TestMemoryProbeChild$", "-test.v")
				cmd.Env = append(os.Environ(), fmt.Sprintf("%s=%s:%d", memChildEnv, g.MainPath, n))
				out, err := cmd.CombinedOutput()
				if err != nil {
					b.Fatalf("probe: %v\n%s", err, out)
				}
				m := map[string]int{}
				for _, line := range strings.Split(string(out), "\n") {
					if rest, ok := strings.CutPrefix(line, "MEMPROBE "); ok {
						for _, kv := range strings.Fields(rest) {
							k, v, _ := strings.Cut(kv, "=")
							m[k], _ = strconv.Atoi(v)
						}
					}
				}
				if len(m) == 0 {
					b.Fatalf("probe printed nothing:\n%s", out)
				}
				v = m
				memResults.Store(n, m)
			}
			m := v.(map[string]int)
			for b.Loop() {
			}
			b.ReportMetric(float64(m["hwm_kb"])/1024, "peak-RSS-MB")
			b.ReportMetric(float64(m["anon_kb"])/1024, "anon-RSS-MB")
			b.ReportMetric(float64(m["file_kb"])/1024, "file-RSS-MB")
			b.ReportMetric(float64(m["heap_kb"])/1024, "heap-MB")
		})
	}
}

// reportRates reports lookups per wall-clock second and, where the CPU time
// is known, per CPU-second (what one core achieves on a shared machine).
func reportRates(b *testing.B, cpu0 int64) {
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "lookups/s")
	if cpu := cpuTime() - cpu0; cpu > 0 && cpu0 > 0 {
		b.ReportMetric(float64(b.N)/(float64(cpu)/1e9), "lookups/cpu-s")
	}
}

package objfile

import (
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/symbolicate/symbolicate/internal/corpus"
)

// benchCases are the largest corpus dSYMs.
var benchCases = []struct{ name, rel, arch, uuid string }{
	{"libswiftCore", "macho/symbolic/crashprobe/dSYMs/FC4AD1B9-1FD4-3FB7-AC3E-0239C3A7D115.dSYM/Contents/Resources/DWARF/libswiftCore.dylib", "arm64", "FC4AD1B9-1FD4-3FB7-AC3E-0239C3A7D115"},
	{"AnotherTarget", "macho/macsymbolicator/dsym/AnotherTarget.framework.dSYM/Contents/Resources/DWARF/AnotherTarget", "x86_64", "9A36CF20-3655-3DF2-B1E9-466C5CB0C9CC"},
	{"CrashLibiOS", "macho/symbolic/crashprobe/dSYMs/3CD3E3CC-281E-3AF3-84EB-CDE6D56F0559.dSYM/Contents/Resources/DWARF/CrashLibiOS", "arm64", "3CD3E3CC-281E-3AF3-84EB-CDE6D56F0559"},
}

// benchAddrs is the number of addresses per benchmark (the same list is
// given to llvm-symbolizer).
const benchAddrs = 2000

func benchImage(b testing.TB, rel, uuid string) (*Image, string, []uint64) {
	p := corpus.Path(b, rel)
	im, err := OpenImage(mustUUID(b, uuid), p)
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { im.Close() })
	return im, p, sampleAddrs(b, im, benchAddrs)
}

// BenchmarkLookupWarm measures one lookup once every compile unit the
// addresses touch is parsed (ns/op is per address).
func BenchmarkLookupWarm(b *testing.B) {
	for _, c := range benchCases {
		b.Run(c.name, func(b *testing.B) {
			im, _, addrs := benchImage(b, c.rel, c.uuid)
			for _, a := range addrs {
				im.Lookup(a - im.TextAddr)
			}
			b.ReportAllocs()
			b.ResetTimer()
			cpu := cpuTime()
			for i := 0; i < b.N; i++ {
				a := addrs[i%len(addrs)]
				if r := im.Lookup(a - im.TextAddr); r.Warning != nil {
					b.Fatal(r.Warning)
				}
			}
			b.ReportMetric(float64(cpuTime()-cpu)/float64(b.N), "cpu-ns/op")
		})
	}
}

// BenchmarkColdStart measures opening the dSYM and answering the first
// address (mapping, load commands, symbol table, DWARF sections, unit index
// and the unit holding the address), from a warm page cache.
func BenchmarkColdStart(b *testing.B) { coldStart(b, false) }

// BenchmarkColdStartIndexed is BenchmarkColdStart with a DWARF index:
// open, read the index, first lookup (which still builds the symbol
// table), close.
func BenchmarkColdStartIndexed(b *testing.B) { coldStart(b, true) }

func coldStart(b *testing.B, indexed bool) {
	for _, c := range benchCases {
		b.Run(c.name, func(b *testing.B) {
			im, p, addrs := benchImage(b, c.rel, c.uuid)
			dir := b.TempDir()
			if indexed {
				if err := im.WriteDWARFIndex(dir); err != nil {
					b.Fatal(err)
				}
			}
			u := im.UUID
			b.ReportAllocs()
			b.ResetTimer()
			cpu := cpuTime()
			for i := 0; i < b.N; i++ {
				im, err := OpenImage(u, p)
				if err != nil {
					b.Fatal(err)
				}
				if indexed {
					if err := im.UseDWARFIndex(dir); err != nil || !im.HasDWARFIndex() {
						b.Fatal(err)
					}
				}
				im.Lookup(addrs[i%len(addrs)] - im.TextAddr)
				im.Close()
			}
			b.ReportMetric(float64(cpuTime()-cpu)/float64(b.N), "cpu-ns/op")
		})
	}
}

// BenchmarkColdStartProcess is BenchmarkColdStart in a fresh process per
// address (this test binary re-run as a helper), the way llvm-symbolizer's
// cold figure is taken: process start, open, first lookup, exit.
func BenchmarkColdStartProcess(b *testing.B) {
	exe, err := os.Executable()
	if err != nil {
		b.Fatal(err)
	}
	for _, c := range benchCases {
		b.Run(c.name, func(b *testing.B) {
			im, p, addrs := benchImage(b, c.rel, c.uuid)
			u := im.UUID.String()
			b.ResetTimer()
			var cpu time.Duration
			for i := 0; i < b.N; i++ {
				cmd := exec.Command(exe, "-test.run=^TestHelperProcess$")
				cmd.Env = append(os.Environ(), fmt.Sprintf("OBJFILE_HELPER=%s|%s|%d", p, u, addrs[i%len(addrs)]-im.TextAddr))
				if out, err := cmd.CombinedOutput(); err != nil {
					b.Fatalf("%v: %s", err, out)
				}
				cpu += cmd.ProcessState.UserTime() + cmd.ProcessState.SystemTime()
			}
			b.ReportMetric(float64(cpu)/float64(b.N), "cpu-ns/op")
		})
	}
}

// TestHelperProcess is the child of BenchmarkColdStartProcess: it opens the
// image named by $OBJFILE_HELPER and answers one offset. It does nothing in
// a normal test run.
func TestHelperProcess(t *testing.T) {
	spec := os.Getenv("OBJFILE_HELPER")
	if spec == "" {
		return
	}
	parts := strings.Split(spec, "|")
	off, err := strconv.ParseUint(parts[2], 10, 64)
	if err != nil {
		t.Fatal(err)
	}
	im, err := OpenImage(mustUUID(t, parts[1]), parts[0])
	if err != nil {
		t.Fatal(err)
	}
	defer im.Close()
	fmt.Println(im.Lookup(off))
}

// BenchmarkLLVMSymbolizer times llvm-symbolizer 19 on the same dSYMs and
// address lists (skipped when it is not installed). "cold" runs one process
// per address; "warm" runs one process over every address and reports the
// extra cost per address (ns/addr: the run's time minus a one-address run,
// divided by the number of extra addresses). cpu-ns metrics are the child's
// user+system CPU time, steadier than wall time on a busy machine.
func BenchmarkLLVMSymbolizer(b *testing.B) {
	tool := llvmSymbolizer(b)
	for _, c := range benchCases {
		// run returns the wall time and the child's CPU time.
		run := func(b *testing.B, obj string, addrs []uint64) (time.Duration, time.Duration) {
			var in bytes.Buffer
			for _, a := range addrs {
				fmt.Fprintf(&in, "0x%x\n", a)
			}
			cmd := exec.Command(tool, "--obj="+obj+":"+c.arch, "--output-style=JSON", "--functions=linkage", "--no-demangle", "--inlines")
			cmd.Stdin = &in
			start := time.Now()
			if err := cmd.Run(); err != nil {
				b.Fatal(err)
			}
			return time.Since(start), cmd.ProcessState.UserTime() + cmd.ProcessState.SystemTime()
		}
		b.Run(c.name+"/cold", func(b *testing.B) {
			_, p, addrs := benchImage(b, c.rel, c.uuid)
			b.ResetTimer()
			var cpu time.Duration
			for i := 0; i < b.N; i++ {
				_, c := run(b, p, addrs[i%len(addrs):i%len(addrs)+1])
				cpu += c
			}
			b.ReportMetric(float64(cpu)/float64(b.N), "cpu-ns/op")
		})
		b.Run(c.name+"/warm", func(b *testing.B) {
			_, p, addrs := benchImage(b, c.rel, c.uuid)
			var one, all, oneCPU, allCPU time.Duration
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				w, c := run(b, p, addrs[:1])
				one, oneCPU = one+w, oneCPU+c
				w, c = run(b, p, addrs)
				all, allCPU = all+w, allCPU+c
			}
			n := float64(b.N) * float64(len(addrs)-1)
			b.ReportMetric(float64(all-one)/n, "ns/addr")
			b.ReportMetric(float64(allCPU-oneCPU)/n, "cpu-ns/addr")
		})
	}
}

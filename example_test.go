package symbolicate_test

import (
	"context"
	"fmt"
	"strings"

	"github.com/symbolicate/symbolicate"
	"github.com/symbolicate/symbolicate/dsc/dsctest"
	"github.com/symbolicate/symbolicate/format"
	"github.com/symbolicate/symbolicate/internal/crashgen"
	"github.com/symbolicate/symbolicate/process"
)

// Example opens the sources once, then symbolicates a document: parse,
// resolve, read the outcome, write. An Engine is safe for concurrent use, so
// a pipeline shares one among all its workers.
func Example() {
	cache, _ := dsctest.Cached(dsctest.Demo(11)) // a generated cache, for the example
	report, _ := crashgen.Generate(cache, crashgen.Config{Seed: 1, Threads: 1, Frames: 3})

	eng, err := symbolicate.Open(context.Background(), symbolicate.Config{Caches: []string{cache.Dir}})
	if err != nil {
		fmt.Println(err)
		return
	}
	defer eng.Close()
	doc, err := eng.Parse(report.Data)
	if err != nil {
		fmt.Println(err) // a *diag.FormatError says what and where
		return
	}
	o := eng.Resolver().Resolve(context.Background(), doc)
	fmt.Printf("%s: %d frames, %d resolved, %d missing images\n", doc.Format, o.Frames, o.Resolved, len(o.Missing))
	var text strings.Builder
	doc.WriteText(&text, format.WriteOptions{})
	fmt.Println(strings.Contains(text.String(), "Thread 0 Crashed:"))
	// Output:
	// ips: 3 frames, 3 resolved, 0 missing images
	// true
}

// ExampleEngine_Addresses resolves runtime addresses against a process's
// image list, as the addrs command and the service's /v1/addresses do.
func ExampleEngine_Addresses() {
	cache, _ := dsctest.Cached(dsctest.Demo(11))
	eng, err := symbolicate.Open(context.Background(), symbolicate.Config{Caches: []string{cache.Dir}})
	if err != nil {
		fmt.Println(err)
		return
	}
	defer eng.Close()
	im := cache.Images[0]
	fn := im.Functions[1]
	p := &process.Process{Images: []process.Image{{ID: process.UUIDBuildID(im.UUID), Name: "libsystem_kernel.dylib",
		Base: 0x200000000, End: 0x200000000 + im.TextSize}}}
	for _, r := range eng.Addresses(p, []uint64{0x200000000 + fn.Address - im.Address + 4, 0x10}, 1) {
		if r.Resolution != nil {
			fmt.Printf("%#x %s + %d\n", r.Address, r.Resolution.Symbol, r.Resolution.SymbolLocation)
		} else {
			fmt.Printf("%#x: %v\n", r.Address, r.Err)
		}
	}
	// Output:
	// 0x200000428 mach_msg2_trap + 4
	// 0x10: address is in no known image
}

package main

import (
	"context"
	"sync"

	"github.com/symbolicate/symbolicate/demangle"
	"github.com/symbolicate/symbolicate/resolve"
)

// openBinaries indexes the app binaries and dSYMs under paths; nil when there are none.
func openBinaries(ctx context.Context, paths []string) (*resolve.BinaryIndex, error) {
	if len(paths) == 0 {
		return nil, nil
	}
	return resolve.ScanBinaries(ctx, paths)
}

// demangler returns the name printer for symbolicated frames: Swift in the
// simplified form Apple's crash reports use, C++ demangled, C and Objective-C
// names as they are; nil (linkage names as they are) when off. The resolver
// hands over names in display form (no Mach-O leading underscore).
func demangler(off bool) func(string) string {
	if off {
		return nil
	}
	// A Demangler keeps its working memory between calls but is not safe for
	// concurrent use: workers borrow one each from this pool.
	pool := &sync.Pool{New: func() any { return new(demangle.Demangler) }}
	opts := demangle.Options{Form: demangle.Display}
	return func(raw string) string {
		d := pool.Get().(*demangle.Demangler)
		name, _ := d.Name(raw, opts)
		pool.Put(d)
		return name
	}
}

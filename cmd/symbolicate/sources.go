package main

import (
	"context"
	"errors"
	"sync"

	"github.com/symbolicate/symbolicate/demangle"
	"github.com/symbolicate/symbolicate/resolve"
)

// openBinaries indexes the app binaries and dSYMs under paths.
func openBinaries(ctx context.Context, paths []string) (resolve.Binaries, []string, error) {
	if len(paths) == 0 {
		return nil, nil, nil
	}
	return nil, nil, errors.New("--symbols: app binaries and dSYMs are not supported yet")
}

// demangler returns the name printer for symbolicated frames: Swift in the
// simplified form Apple's crash reports use, C++ demangled, C names without the
// Mach-O leading underscore; nil (linkage names as they are) when off.
func demangler(off bool) func(string) string {
	if off {
		return nil
	}
	// A Demangler keeps its working memory between calls but is not safe for
	// concurrent use: workers borrow one each from this pool.
	pool := &sync.Pool{New: func() any { return new(demangle.Demangler) }}
	return func(raw string) string {
		d := pool.Get().(*demangle.Demangler)
		name, _ := d.Name(raw, demangle.Options{})
		pool.Put(d)
		return name
	}
}

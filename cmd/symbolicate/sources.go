package main

import (
	"context"
	"errors"

	"github.com/symbolicate/symbolicate/resolve"
)

// openBinaries indexes the app binaries and dSYMs under paths.
func openBinaries(ctx context.Context, paths []string) (resolve.Binaries, []string, error) {
	if len(paths) == 0 {
		return nil, nil, nil
	}
	return nil, nil, errors.New("--symbols: app binaries and dSYMs are not supported yet")
}

// demangler returns the name printer for symbolicated frames.
func demangler(off bool) func(string) string {
	return nil
}

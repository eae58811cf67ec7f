// Command demogen writes the project's demo: a small generated dyld shared
// cache (split layout with a .symbols file, exported and local symbols) and a
// crash report against it from a process whose cache was slid, including an
// app image for which no binary exists. `make demo` runs it and then
// symbolicates the crash.
//
// Usage: go run ./internal/demogen DIR
package main

import (
	"fmt"
	"os"
	"path/filepath"

	"github.com/symbolicate/symbolicate/dsc/dsctest"
	"github.com/symbolicate/symbolicate/internal/crashgen"
	"github.com/symbolicate/symbolicate/process"
)

func main() {
	if len(os.Args) != 2 {
		fmt.Fprintln(os.Stderr, "usage: demogen DIR")
		os.Exit(1)
	}
	if err := run(os.Args[1]); err != nil {
		fmt.Fprintln(os.Stderr, "demogen:", err)
		os.Exit(1)
	}
}

func run(dir string) error {
	cacheDir := filepath.Join(dir, "cache")
	if err := os.MkdirAll(cacheDir, 0o755); err != nil {
		return err
	}
	c, err := dsctest.Generate(cacheDir, dsctest.Demo(2026))
	if err != nil {
		return err
	}
	app := process.UUID{0x5A, 0x4D, 0x50, 0x4C, 0xE0, 0x0A, 0x4B, 0x1D, 0x9E, 0x3F, 0x10, 0x20, 0x30, 0x40, 0x50, 0x60}
	rep, err := crashgen.Generate(c, crashgen.Config{Seed: 2026, Slide: 0x2c8c000, Threads: 3, Frames: 9,
		OSSymbolicated: 0.25, Redacted: 0.1, Boundary: 0.2, AppUUID: app})
	if err != nil {
		return err
	}
	crash := filepath.Join(dir, "SampleApp-2026-11-23-080000.ips")
	if err := os.WriteFile(crash, rep.Data, 0o644); err != nil {
		return err
	}
	fmt.Printf("demo: wrote cache %s (UUID %s, %d images)\n", c.MainPath, c.UUID, len(c.Images))
	fmt.Printf("demo: wrote crash %s (cache slid by 0x2c8c000; app image %s has no binary)\n", crash, app)
	return nil
}

package symbolicate_test

import (
	"go/build"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

const module = "github.com/symbolicate/symbolicate"

// inputFormats and sourcePackages are the packages that only the format
// list and the source kinds may name (docs/architecture.md).
var (
	inputFormats   = []string{"crashlog", "imagemap", "atlas", "swiftbt", "metrickit", "sample"}
	sourcePackages = []string{"dsc", "objfile"}
)

// deps returns the module's packages that pkg (a directory under the
// module) imports, directly or not, tests left out.
func deps(t *testing.T, pkg string) map[string]bool {
	t.Helper()
	seen := map[string]bool{}
	var walk func(dir string)
	walk = func(dir string) {
		p, err := build.ImportDir(filepath.FromSlash(dir), 0)
		if err != nil {
			t.Fatalf("%s: %v", dir, err)
		}
		for _, imp := range p.Imports {
			rel, ok := strings.CutPrefix(imp, module+"/")
			if !ok || seen[rel] {
				continue
			}
			seen[rel] = true
			walk(rel)
		}
	}
	walk(pkg)
	return seen
}

// TestLayers keeps imports going one way: the pipeline and the contracts
// name no input format or source, and the fronts built on the Engine (the
// HTTP service, the queue) name none directly.
func TestLayers(t *testing.T) {
	forbidden := func(pkg string, banned ...[]string) {
		d := deps(t, pkg)
		for _, list := range banned {
			for _, b := range list {
				if d[b] {
					t.Errorf("%s imports %s (directly or not); see docs/architecture.md", pkg, b)
				}
			}
		}
	}
	for _, pkg := range []string{"resolve", "format", "symbol", "process", "diag", "demangle"} {
		forbidden(pkg, inputFormats, sourcePackages)
	}
	// The fronts reach formats and sources only through the root package.
	for _, pkg := range []string{"server", "queue"} {
		p, err := build.ImportDir(pkg, 0)
		if err != nil {
			t.Fatal(err)
		}
		for _, imp := range p.Imports {
			rel, _ := strings.CutPrefix(imp, module+"/")
			if slices.Contains(inputFormats, rel) || slices.Contains(sourcePackages, rel) {
				t.Errorf("%s imports %s; fronts use the symbolicate package's Engine", pkg, rel)
			}
		}
	}
	// Only the format list names every format.
	d := deps(t, "formats")
	for _, f := range inputFormats {
		if !d[f] {
			t.Errorf("formats does not list %s", f)
		}
	}
}

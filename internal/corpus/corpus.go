// Package corpus locates the shared third-party test corpus for tests.
//
// The corpus lives beside the repository at ../shared/corpus and is never
// copied into it. Tests that need a corpus file call [Path], which skips the
// test (naming the missing path) when the corpus is absent.
package corpus

import (
	"os"
	"path/filepath"
	"sync"
	"testing"
)

var root = sync.OnceValue(func() string {
	if dir := os.Getenv("SYMBOLICATE_CORPUS"); dir != "" {
		return dir
	}
	dir, err := os.Getwd()
	if err != nil {
		return ""
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return filepath.Join(dir, "..", "shared", "corpus")
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return ""
		}
		dir = parent
	}
})

// Root returns the corpus directory (../shared/corpus next to the module root,
// or $SYMBOLICATE_CORPUS). The directory may not exist.
func Root() string { return root() }

// Path returns the absolute path of rel inside the corpus, skipping the test
// when that path does not exist.
func Path(tb testing.TB, rel string) string {
	tb.Helper()
	p := filepath.Join(Root(), filepath.FromSlash(rel))
	if _, err := os.Stat(p); err != nil {
		tb.Skipf("corpus file %s not present: %v", p, err)
	}
	return p
}

// Read returns the contents of rel inside the corpus, skipping the test when
// it is absent.
func Read(tb testing.TB, rel string) []byte {
	tb.Helper()
	b, err := os.ReadFile(Path(tb, rel))
	if err != nil {
		tb.Fatalf("reading corpus file: %v", err)
	}
	return b
}

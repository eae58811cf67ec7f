package corpus

import (
	"path/filepath"
	"testing"
)

func TestPathFindsSpecs(t *testing.T) {
	p := Path(t, "ips/SOURCES.md")
	if filepath.Base(p) != "SOURCES.md" {
		t.Fatalf("Path = %q", p)
	}
}

func TestMissingPathSkips(t *testing.T) {
	skipped := false
	t.Run("inner", func(t *testing.T) {
		defer func() { skipped = t.Skipped() }()
		Path(t, "no/such/file")
	})
	if !skipped {
		t.Fatal("missing corpus path did not skip")
	}
}

package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestPathFlagsKeepCommas: an Xcode DeviceSupport folder name has a comma and
// spaces; one flag value is one path, never split.
func TestPathFlagsKeepCommas(t *testing.T) {
	c, _ := demoCache()
	dir := t.TempDir()
	ds := filepath.Join(dir, "iOS DeviceSupport", "iPhone14,2 16.0 (20A362)")
	caches := filepath.Join(dir, "dsc,v1")
	for _, d := range []string{ds, caches} {
		if err := os.MkdirAll(d, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	for _, f := range c.Files {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		os.WriteFile(filepath.Join(caches, filepath.Base(f)), b, 0o644)
	}
	crashes := t.TempDir()
	writeCrashes(t, crashes, 1, false)
	code, out, errOut := runCLI(t, "", filepath.Join(crashes, "crash-a.ips"), "--caches", caches, "--symbols", ds)
	if code != exitOK || strings.Contains(errOut, "no such file") || !strings.Contains(out, "Thread 0 Crashed") {
		t.Fatalf("exit %d, stderr:\n%s", code, errOut)
	}
}

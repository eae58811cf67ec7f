package swift

import (
	"bufio"
	"bytes"
	"os"
	"strings"
	"testing"

	"github.com/symbolicate/symbolicate/internal/corpus"
)

// FuzzDemangle checks that no input makes the demangler panic, hang or
// produce unbounded output, in every style.
func FuzzDemangle(f *testing.F) {
	if seeds, err := os.ReadFile("testdata/seeds.txt"); err == nil {
		sc := bufio.NewScanner(bytes.NewReader(seeds))
		for sc.Scan() {
			if l := strings.TrimSpace(sc.Text()); l != "" && !strings.HasPrefix(l, "#") {
				f.Add(l)
			}
		}
	}
	for _, rel := range []string{"swift-demangle/manglings.txt", "swift-demangle/simplified-manglings.txt"} {
		p := corpus.Root() + "/" + rel
		data, err := os.ReadFile(p)
		if err != nil {
			continue // corpus absent: the testdata seeds still run
		}
		for _, l := range strings.Split(string(data), "\n") {
			if in, _, ok := strings.Cut(l, "--->"); ok {
				f.Add(strings.TrimSpace(in))
			}
		}
	}
	var dm Demangler // reused across inputs, checked against fresh results
	f.Fuzz(func(t *testing.T, name string) {
		want, werr := DemangleWith(name, Options{Style: Simplified})
		got, gerr := dm.DemangleWith(name, Options{Style: Simplified})
		if got != want || (werr == nil) != (gerr == nil) {
			t.Fatalf("reused Demangler(%q) = %q, %v; fresh %q, %v", name, got, gerr, want, werr)
		}
		n, err := Parse(name)
		if err != nil {
			if n != nil {
				t.Fatalf("Parse(%q) returned a tree with error %v", name, err)
			}
			return
		}
		_ = n.String()
		for _, st := range []Style{Full, Simplified, SimplifiedSwift3} {
			out, err := Print(n, Options{Style: st, MaxOutput: 4096})
			if err == nil && len(out) > 4096 {
				t.Fatalf("Print(%q, %d) = %d bytes, over the 4096 limit", name, st, len(out))
			}
		}
	})
}

package demangle

import (
	"bytes"
	"io/fs"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"testing"

	cxx "github.com/ianlancetaylor/demangle"
)

// full is what the full demangler says of s, the fast path's reference.
func full(s string) (string, bool) {
	out, err := cxx.ToString(s, cxx.LLVMStyle, cxx.MaxLength(16))
	return out, err == nil
}

// checkFast fails when the fast path answers s differently from the full
// demangler, and reports whether it answered.
func checkFast(t *testing.T, f *cxxFast, s string) bool {
	t.Helper()
	got, ok := f.demangle(s)
	if !ok {
		return false
	}
	want, wok := full(s)
	if !wok || got != want {
		t.Errorf("%s: fast path %q, full demangler %q (ok %v)", s, got, want, wok)
	}
	return true
}

// TestCXXFast: the shapes the fast path takes, spelled as the full
// demangler spells them, and shapes it leaves to the full demangler.
func TestCXXFast(t *testing.T) {
	var f cxxFast
	for _, s := range []string{
		"_ZN2CA5Layer16layout_if_neededEPNS_11TransactionE", // CA::Layer::layout_if_needed(CA::Transaction*)
		"_ZN2CA11Transaction6commitEv",
		"_ZNK5dyld46Loader25findAndRunAllInitializersERNS_12RuntimeStateE",
		"_ZN5dyld44APIs6dlopenEPKci", "_ZN5dyld44APIs5dlsymEPvPKc",
		"_ZL24lookUpImpOrForwardTryCacheP11objc_objectP13objc_selectorP10objc_classi",
		"_ZN2CA4Impl8instanceE", "_Z3foo",
		"_ZN2CA5LayerD2Ev", "_ZN2CA5LayerC1ERKS0_", "_ZN2CA5LayerD0Ev", "_ZN1a1bC1Ev",
		"_Z3fooPKcRKiOdPPvKPS_", "_Z3fooPiS_", "_Z3fooiz", "_Z3fooz",
		"_Z3barwbahstjlmxyfdeDsDi", "_ZNK3foo3barEv", "_ZN3foo3barEPKPKc",
		"_Z3foo3Bar3Baz", "_Z3fooN1a1bE", "_Z3fooPN1a1bES1_S0_",
		"_Z1fKi", "_Z1fPKi", "_Z1fKPi", "_Z1fRKPKi", "_Z1fPKv",
		"_ZN3abc3defEPNS_3ghiES1_S0_S_",
	} {
		if !checkFast(t, &f, s) {
			t.Errorf("%s: the fast path did not take it", s)
		}
	}
	for _, s := range []string{
		"_ZNSt3__16vectorIiNS_9allocatorIiEEE9push_backEOi", // templates, std::
		"_ZN12_GLOBAL__N_110NameSource13advanceOffsetEm",    // anonymous namespace
		"_ZNVK3foo3barEv", "_Z3fooRA10_i", "_Z3fooPFviE", "_ZN1aaSERKS_", "_Z3fooiiiS_", "_Z3fooPiS0_",
		"_ZN3fooEv", "_Z3foov.cold.1", "_Z1fRRi", "_Z1fv1", "_Z03foov", "_Z3fo", "_Z", "_ZN", "_Z1fSt3foo",
		"__Z3foov_block_invoke", "_Z1fu3foo", "_Z1fn",
	} {
		if checkFast(t, &f, s) {
			t.Errorf("%s: the fast path took a shape it should leave alone", s)
		}
	}
}

// TestCXXFastBound: a short name whose substitutions repeat a long prefix
// past the fast path's 64 KiB bound is left to the full demangler, and the
// Demangler still gives the full demangler's answer.
func TestCXXFastBound(t *testing.T) {
	long := strings.Repeat("a", 30000)
	s := "_Z1fN30000" + long + "1bE" + strings.Repeat("S0_", 4)
	var f cxxFast
	if out, ok := f.demangle(s); ok {
		t.Fatalf("the fast path took a name of %d bytes spelled in %d", len(s), len(out))
	}
	want, _ := full(s)
	if got, _ := new(Demangler).Name(s, Options{Form: Display}); got != want {
		t.Errorf("Demangler: %d bytes, full demangler %d", len(got), len(want))
	}
}

// TestCXXFastRandom compares the two on names built from the fast path's
// grammar and a little outside it, half of them then cut or changed.
func TestCXXFastRandom(t *testing.T) {
	rng := rand.New(rand.NewPCG(7, 11))
	ids := []string{"a", "CA", "Layer", "x9", "_Z", "S_", "foo$bar", "Transaction"}
	codes := []string{"i", "c", "v", "Pv", "PKc", "RKi", "Od", "S_", "S0_", "S1_", "SA_", "z", "K", "P", "R", "N", "E",
		"Ds", "Di", "Dn", "w", "m", "y", "I", "C1E", "D0E", "St", "L"}
	var f cxxFast
	took := 0
	for range 100000 {
		var b strings.Builder
		b.WriteString("_Z")
		if rng.IntN(3) > 0 {
			b.WriteString("N")
			if rng.IntN(4) == 0 {
				b.WriteString("K")
			}
		}
		for range 1 + rng.IntN(6) {
			if rng.IntN(3) == 0 {
				b.WriteString(codes[rng.IntN(len(codes))])
			} else {
				id := ids[rng.IntN(len(ids))]
				b.WriteString(itoa(len(id)))
				b.WriteString(id)
			}
		}
		s := b.String()
		if rng.IntN(2) == 0 && len(s) > 3 {
			s = s[:2+rng.IntN(len(s)-2)]
		}
		if checkFast(t, &f, s) {
			took++
		}
	}
	if took < 1000 {
		t.Errorf("the fast path took only %d random names", took)
	}
	t.Logf("the fast path took %d of 100,000 random names", took)
}

func itoa(n int) string {
	if n < 10 {
		return string(rune('0' + n))
	}
	return itoa(n/10) + string(rune('0'+n%10))
}

// TestCXXFastCorpus compares the two on every C++ name found in the
// corpus's binaries, dSYMs and reports.
func TestCXXFastCorpus(t *testing.T) {
	root := filepath.Join("..", "..", "shared", "corpus")
	if _, err := os.Stat(root); err != nil {
		t.Skipf("no corpus at %s", root)
	}
	names := map[string]bool{}
	filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return nil
		}
		b, err := os.ReadFile(p)
		if err != nil {
			return nil
		}
		for i := 0; ; {
			j := bytes.Index(b[i:], []byte("_Z"))
			if j < 0 {
				break
			}
			e := i + j + 2
			for e < len(b) && isIdentByte(b[e]) {
				e++
			}
			names[string(b[i+j:e])] = true
			i = e
		}
		return nil
	})
	var f cxxFast
	took, known := 0, 0
	for s := range names {
		if _, ok := full(s); ok {
			known++
		}
		if checkFast(t, &f, s) {
			took++
		}
	}
	t.Logf("%d names in the corpus, %d the full demangler reads, %d the fast path takes", len(names), known, took)
	if len(names) > 100 && took == 0 {
		t.Error("the fast path took no corpus name")
	}
}

func isIdentByte(c byte) bool {
	return isDigit(c) || 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || c == '_' || c == '$'
}

// FuzzCXXFast: whatever the fast path answers, the full demangler answers
// the same.
func FuzzCXXFast(f *testing.F) {
	for _, s := range []string{"_ZN2CA5Layer16layout_if_neededEPNS_11TransactionE", "_Z3fooPKcRKiOdPPvKPS_",
		"_ZNK5dyld46Loader25findAndRunAllInitializersERNS_12RuntimeStateE", "_ZN2CA5LayerC1ERKS0_", "_Z3fooPN1a1bES1_S0_"} {
		f.Add(s)
	}
	var fast cxxFast
	f.Fuzz(func(t *testing.T, s string) { checkFast(t, &fast, s) })
}

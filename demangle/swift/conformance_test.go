package swift

import (
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/symbolicate/symbolicate/internal/corpus"
)

// The conformance files are Swift's own demangler test data (see
// ../shared/corpus/swift-demangle/README.md): "<mangled> ---> <expected>".
//
// The two copies come from different Swift versions and contradict each
// other where the printer changed in between:
//
//   - manglings.txt (2021, swift-demangle with Swift 5.5-era sources) is
//     checked against the Full style;
//   - simplified-manglings.txt (2016, Swift 3-era swift-demangle
//     -simplified) prints "protocol<>" where manglings.txt prints "Any",
//     "protocol<a, b>" for "a & b", "Builtin.Float80" for
//     "Builtin.FPIEEE80", tuple labels as "foo : Int", a space after
//     generic signatures ("<A> (A) -> A"), "<A where ...>", bare "thunk",
//     and local contexts as "(f() -> ()).(closure #1)" where manglings.txt
//     uses "closure #1 … in f() -> ()". It also expects Swift 2 manglings
//     that manglings.txt-era demanglers reject ("_TWo…" witness table
//     offsets, "Q_"/"Qd__" archetype indexes, "R_" requirements).
//     It is checked against the SimplifiedSwift3 style, which reproduces
//     those rules; the old manglings are accepted by the parser.
//
// The Simplified style (what current tools and Apple's crash reports print,
// "bar.bas(zim:)") has no reference file here; its pass rate on the 2016
// file is only logged, to show how far the two eras differ.

type testLine struct {
	line           int
	input, expect  string
	notDemanglable bool
}

// classifyGroup matches the "{T:…,C} " group swift-demangle -classify puts
// before the demangling (manglings.txt only).
var classifyGroup = regexp.MustCompile(`^\{(?:N|C|T:[^,{}]*)(?:,(?:N|C|T:[^,{}]*))*\} `)

func readConformance(t *testing.T, rel string) []testLine {
	t.Helper()
	return parseConformance(string(corpus.Read(t, rel)))
}

// parseConformance reads "<mangled> ---> <expected>" lines (or the same
// with a tab between the two).
func parseConformance(data string) []testLine {
	var out []testLine
	for i, l := range strings.Split(data, "\n") {
		in, exp, ok := strings.Cut(l, "--->")
		if !ok {
			in, exp, ok = strings.Cut(l, "\t")
		}
		if !ok || strings.HasPrefix(l, "#") {
			continue
		}
		in, exp = strings.TrimSpace(in), strings.TrimSpace(exp)
		exp = classifyGroup.ReplaceAllString(exp, "")
		out = append(out, testLine{line: i + 1, input: in, expect: exp, notDemanglable: exp == in})
	}
	return out
}

// check reports whether got/err match the expectation of tl.
func (tl testLine) check(got string, err error) bool {
	if tl.notDemanglable {
		return err != nil || got == tl.input
	}
	return err == nil && got == tl.expect
}

// knownFull lists manglings.txt lines (by input) that this package prints
// differently from the reference on purpose or by known limitation, with
// the reason. A listed line that starts passing is reported.
var knownFull = map[string]string{
	// The reference data predates the parentheses Swift 5.5 and later put
	// around a non-simple type before "?"; this package prints the current
	// form "(@escaping @callee_guaranteed … for <…>)?".
	"$s3Bar3FooVAA5DrinkVyxGs5Error_pSeRzSERzlyShy4AbcdAHO6MemberVGALSeHPAKSeAAyHC_HCg_ALSEHPAKSEAAyHC_HCg0_Iseggozo_SgWOe": "sugar parentheses changed after this data",
	// Swift 5.5 development snapshots mangled async as a bare 'Y' and
	// @concurrent as 'J'; released compilers use 'Ya' and 'Yb' (@Sendable).
	// The snapshot spellings are not supported.
	"$s4main6testityyYFTu": "pre-release async mangling 'Y'",
	"$s5async1hyyS2iJXEF":  "pre-release @concurrent mangling 'J'",
	// Swift now prints the old mangling's half-precision vector element as
	// FPIEEE16, as it does every float builtin; this package follows
	// today's Swift (TestConformanceCurrent).
	"_TtBv4Bf16_": "printed Vec4xFPIEEE16 since this data was recorded",
}

// knownSimplified does the same for simplified-manglings.txt.
var knownSimplified = map[string]string{}

func runConformance(t *testing.T, rel string, style Style, known map[string]string, target float64) {
	scoreConformance(t, rel, readConformance(t, rel), style, known, target)
}

// scoreConformance demangles every line in style and reports each miss not
// in known, each listed line that passes, and a pass rate below target.
func scoreConformance(t *testing.T, rel string, lines []testLine, style Style, known map[string]string, target float64) {
	pass := 0
	for _, tl := range lines {
		got, err := DemangleWith(tl.input, Options{Style: style})
		ok := tl.check(got, err)
		reason, listed := known[tl.input]
		switch {
		case ok && listed:
			t.Errorf("%s:%d: listed as known failure (%s) but passes now", rel, tl.line, reason)
			pass++
		case ok:
			pass++
		case !listed:
			t.Errorf("%s:%d: %s\n got: %q (err %v)\nwant: %q", rel, tl.line, tl.input, got, err, tl.expect)
		}
	}
	rate := 100 * float64(pass) / float64(len(lines))
	t.Logf("%s: %d/%d lines pass (%.2f%%)", rel, pass, len(lines), rate)
	if rate < target {
		t.Errorf("%s: pass rate %.2f%% is below the target %.0f%%", rel, rate, target)
	}
}

func TestConformanceFull(t *testing.T) {
	runConformance(t, "swift-demangle/manglings.txt", Full, knownFull, 95)
}

func TestConformanceSimplified(t *testing.T) {
	runConformance(t, "swift-demangle/simplified-manglings.txt", SimplifiedSwift3, knownSimplified, 98)
	lines := readConformance(t, "swift-demangle/simplified-manglings.txt")
	same := 0
	for _, tl := range lines {
		if tl.check(DemangleWith(tl.input, Options{Style: Simplified})) {
			same++
		}
	}
	t.Logf("(for information) the current Simplified style prints %d/%d lines of the 2016 file identically", same, len(lines))
}

// TestConformanceCurrent checks a current copy of Swift's demangler test
// inputs, which are not in ../shared/corpus: set SYMBOLICATE_SWIFT_DEMANGLE_INPUTS
// to a directory holding Swift's test/Demangle/Inputs/manglings.txt and
// simplified-manglings.txt ("<mangled> ---> <expected>" lines, or the two
// separated by a tab). Both must pass at least 99%, known failures listed.
func TestConformanceCurrent(t *testing.T) {
	dir := os.Getenv("SYMBOLICATE_SWIFT_DEMANGLE_INPUTS")
	if dir == "" {
		t.Skip("SYMBOLICATE_SWIFT_DEMANGLE_INPUTS is not set (a directory with a current Swift test/Demangle/Inputs/manglings.txt and simplified-manglings.txt)")
	}
	for _, f := range []struct {
		name  string
		style Style
		known map[string]string
	}{
		{"manglings.txt", Full, knownCurrent},
		{"simplified-manglings.txt", Simplified, knownCurrentSimplified},
	} {
		t.Run(f.name, func(t *testing.T) {
			path := filepath.Join(dir, f.name)
			data, err := os.ReadFile(path)
			if err != nil {
				t.Fatal(err)
			}
			scoreConformance(t, path, parseConformance(string(data)), f.style, f.known, 99)
		})
	}
}

// knownCurrent and knownCurrentSimplified list the lines of the current
// files this package prints differently, with the reason (none, as of
// Swift main of 2026-08-30).
var (
	knownCurrent           = map[string]string{}
	knownCurrentSimplified = map[string]string{}
)

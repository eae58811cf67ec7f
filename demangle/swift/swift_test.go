package swift

import (
	"debug/macho"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/symbolicate/symbolicate/diag"
	"github.com/symbolicate/symbolicate/internal/corpus"
)

// vectors were written for this package: each mangling was built by hand
// from Mangling.rst and its demanglings follow Swift's printing rules (the
// simplified ones are the forms Apple crash reports show, e.g. "thunk for
// @escaping @callee_guaranteed () -> ()" and
// "_assertionFailure(_:_:file:line:flags:)", both seen in the ips corpus).
var vectors = []struct{ name, full, simplified string }{
	{"$s4main3fooyyF", "main.foo() -> ()", "foo()"},
	{"_$s4main3fooyyF", "main.foo() -> ()", "foo()"},
	{"$e4main3fooyyF", "main.foo() -> ()", "foo()"},
	{"$s4main3foo3bar_ySi_SitF", "main.foo(bar: Swift.Int, _: Swift.Int) -> ()", "foo(bar:_:)"},
	{"$s4main3fooyyFyycfU_", "closure #1 () -> () in main.foo() -> ()", "closure #1 in foo()"},
	{"$s4main3fooyyFyycfU_TA", "partial apply forwarder for closure #1 () -> () in main.foo() -> ()",
		"partial apply for closure #1 in foo()"},
	{"$s4main5ValueV4nameSSvg", "main.Value.name.getter : Swift.String", "Value.name.getter"},
	{"$s4main5ValueV6createACyFZ", "static main.Value.create() -> main.Value", "static Value.create()"},
	{"$s4main3boxyxxlF", "main.box<A>(A) -> A", "box<A>(_:)"},
	{"$s4main3boxyxxlFSi_Tg5", "generic specialization <Swift.Int> of main.box<A>(A) -> A", "specialized box<A>(_:)"},
	{"$sIeg_ytIegr_TR",
		"reabstraction thunk helper from @escaping @callee_guaranteed () -> () to @escaping @callee_guaranteed () -> (@out ())",
		"thunk for @escaping @callee_guaranteed () -> ()"},
	{"$s4main4ViewC11viewDidLoadyyFTo", "@objc main.View.viewDidLoad() -> ()", "@objc View.viewDidLoad()"},
	{"$s4main4ViewCfD", "main.View.__deallocating_deinit", "View.__deallocating_deinit"},
	{"$s4main4ViewC5frameACSo6CGRectV_tcfC", "main.View.__allocating_init(frame: __C.CGRect) -> main.View",
		"View.__allocating_init(frame:)"},
	{"$s4main3fooyyYaFTQ0_", "(1) await resume partial function for main.foo() async -> ()", "foo()"},
	{"$sSS4mainE5countSivg", "(extension in main):Swift.String.count.getter : Swift.Int", "String.count.getter"},
	{"$s4main4ViewC5setup33_0123456789ABCDEF0123456789ABCDEFLLyyF",
		"main.View.(setup in _0123456789ABCDEF0123456789ABCDEF)() -> ()", "View.setup()"},
	{"$s4main3fooySiSgSaySiGF", "main.foo([Swift.Int]) -> Swift.Int?", "foo(_:)"},
	{"$s4main5ValueVwxx", "destroy value witness for main.Value", "destroy for Value"},
	{"$s4main5ValueVMa", "type metadata accessor for main.Value", "type metadata accessor for Value"},
	{"$s4main3fooyyFTm", "merged main.foo() -> ()", "foo()"},
	{"$s4main5ValueVWOy", "outlined copy of main.Value", "outlined copy of Value"},
	{"$ss17_assertionFailure__4file4line5flagss5NeverOs12StaticStringV_A2HSus6UInt32VtF",
		"Swift._assertionFailure(_: Swift.StaticString, _: Swift.StaticString, file: Swift.StaticString, line: Swift.UInt, flags: Swift.UInt32) -> Swift.Never",
		"_assertionFailure(_:_:file:line:flags:)"},
	// Swift 5.9–6 additions.
	{"$s4main3fooyyAA5MyErrVYKF", "main.foo() throws(main.MyErr) -> ()", "foo()"},
	{"$s4main3fooyyxxQp_tRvzlF", "main.foo<each A>(repeat A) -> ()", "foo<each A>(_:)"},
	{"$s4main3fooyyxRi_zlF", "main.foo<A where A: ~Swift.Copyable>(A) -> ()", "foo<A>(_:)"},
	{"$s4main3fooyyYaKF", "main.foo() async throws -> ()", "foo()"},
	{"$s4main3fooyyyyYbcF", "main.foo(@Sendable () -> ()) -> ()", "foo(_:)"},
	{"$s4main4ViewC4bodyQrvg", "main.View.body.getter : some", "View.body.getter"},
	{"$s4main3fooyyFTwb", "back deployment thunk for main.foo() -> ()", "foo()"},
	{"$s4main3fooyyFTv_r", "outlined read-only object #0 of main.foo() -> ()", "outlined read-only object #0 of foo()"},
	// Swift 6.1–6.2 additions (issue 14), each built from the grammar.
	{"$s4main5ValueV5countSivx", "main.Value.count.yielding_mutate : Swift.Int", "Value.count.yielding_mutate"},
	{"$s4main5ValueV5countSivy", "main.Value.count.yielding_borrow : Swift.Int", "Value.count.yielding_borrow"},
	{"$s4main5ValueVBWD", "Builtin.Borrow<main.Value>", "Builtin.Borrow<Value>"},
	{"_TtBv8Bf32_", "Builtin.Vec8xFPIEEE32", "Builtin.Vec8xFPIEEE32"},
	{"$s4main4ViewCfZ", "main.View.__isolated_deallocating_deinit", "View.__isolated_deallocating_deinit"},
	{"_TFC4main4ViewZ", "main.View.__isolated_deallocating_deinit", "View.__isolated_deallocating_deinit"},
	{"$sBAIegHgIL_IegH_TR",
		"reabstraction thunk helper from @escaping @callee_guaranteed @async (@guaranteed Builtin.ImplicitActor) -> () to @escaping @callee_guaranteed @async () -> ()",
		"thunk for @escaping @callee_guaranteed @async (@guaranteed Builtin.ImplicitActor) -> ()"},
	{"$sIeNgH_IegH_TR",
		"reabstraction thunk helper from @escaping @caller_isolated @callee_guaranteed @async () -> () to @escaping @callee_guaranteed @async () -> ()",
		"thunk for @escaping @caller_isolated @callee_guaranteed @async () -> ()"},
	{"$s4main4sinkyyyyc_yyctF7handlerSiTf1EC0_n",
		"function signature specialization <Arg[0] = [Escaping Closure Propagated : handler, Argument Types : [Swift.Int], Arg[1] = [Same As Argument 0]> of main.sink(() -> (), () -> ()) -> ()",
		"specialized sink(_:_:)"},
	{"$s4main4sinkyySiF4main5PointVTf3pSi1_n",
		"function signature specialization <Arg[0] = [Constant Propagated Struct : main.Point][Constant Propagated Integer : 1]> of main.sink(Swift.Int) -> ()",
		"specialized sink(_:)"},
	{"$s4main3fooyyFTfr0", "representation changed of main.foo() -> ()", "specialized foo()"},
	{"$s4main3fooyyxAA3SeqPRz7ElementRj_zlF", "main.foo<A where A: main.Seq, A.Element: ~Swift.Copyable>(A) -> ()", "foo<A>(_:)"},
	{"$s4main3SeqPxAA4BaseTn", "associated conformance descriptor for main.Seq.A: main.Base",
		"associated conformance descriptor for Seq.A: Base"},
	{"$s4main1GVyAA1AV_AA1BVQPGAA1PHPAeA1QHPyHC_AgaJHPyHCHX_HC",
		"concrete protocol conformance main.G<Pack{main.A, main.B}> to protocol conformance ref (type's module) main.P with conditional requirements: (pack protocol conformance (concrete protocol conformance main.A to protocol conformance ref (type's module) main.Q, concrete protocol conformance main.B to protocol conformance ref (type's module) main.Q))",
		"concrete protocol conformance G<Pack{A, B}> to protocol conformance ref (type's module) P with conditional requirements: (pack protocol conformance (concrete protocol conformance A to protocol conformance ref (type's module) Q, concrete protocol conformance B to protocol conformance ref (type's module) Q))"},
	{"$s4main4callyyyyXOnF", "main.call(__owned @called(once) () -> ()) -> ()", "call(_:)"},
	// Swift 3 mangling.
	{"_TFC3foo3bar3basfT3zimCS_3zim_T_", "foo.bar.bas(zim: foo.zim) -> ()", "bar.bas(zim:)"},
	{"_TMRsCSo6NSLock", "reflection metadata superclass descriptor __C.NSLock",
		"reflection metadata superclass descriptor NSLock"},
	{"_TWoFC3foo3bar3basFSiSi", "witness table offset for foo.bar.bas(Swift.Int) -> Swift.Int",
		"witness table offset for bar.bas(_:)"},
}

func TestVectors(t *testing.T) {
	for _, v := range vectors {
		if got, err := Demangle(v.name); err != nil || got != v.full {
			t.Errorf("Demangle(%q) = %q, %v; want %q", v.name, got, err, v.full)
		}
		if got, err := DemangleSimplified(v.name); err != nil || got != v.simplified {
			t.Errorf("DemangleSimplified(%q) = %q, %v; want %q", v.name, got, err, v.simplified)
		}
	}
}

// TestAtosExpected checks the simplified form against Apple's atos output
// recorded for the MacSymbolicator crashes (corpus EXPECTED.tsv): column 9
// is the atos line, column 10 the linkage name llvm-symbolizer reported.
func TestAtosExpected(t *testing.T) {
	data := string(corpus.Read(t, "macho/macsymbolicator/EXPECTED.tsv"))
	n := 0
	for _, line := range strings.Split(data, "\n")[1:] {
		cols := strings.Split(line, "\t")
		if len(cols) < 10 || !strings.HasPrefix(cols[9], "$s") {
			continue
		}
		// "3 iOSCrashingTest 0x1007da1cc @objc ViewController.viewDidLoad() (in iOSCrashingTest) (…)"
		f := strings.SplitN(cols[8], " ", 4)
		want, _, ok := strings.Cut(f[3], " (in ")
		if !ok {
			t.Fatalf("unexpected atos line %q", cols[8])
		}
		got, err := DemangleSimplified(cols[9])
		if err != nil || got != want {
			t.Errorf("DemangleSimplified(%q) = %q, %v; atos printed %q", cols[9], got, err, want)
		}
		n++
	}
	if n == 0 {
		t.Fatal("no Swift rows in EXPECTED.tsv")
	}
	t.Logf("%d atos rows checked", n)
}

// TestRealSymtabs demangles every Swift symbol of the corpus' Mach-O files
// (app binaries, frameworks and dSYMs built by Swift 3 to 5). The few names
// that fail are ones Swift's own demangler rejects too (see below).
func TestRealSymtabs(t *testing.T) {
	root := corpus.Path(t, "macho")
	var names []string
	err := filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		names = append(names, symtabNames(path)...)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	seen := map[string]bool{}
	ok, bad := 0, 0
	for _, mn := range names {
		name := mn[1:] // Mach-O adds a leading '_' to the Swift name
		if seen[name] {
			continue
		}
		seen[name] = true
		_, err1 := Demangle(name)
		_, err2 := DemangleSimplified(name)
		if err1 == nil && err2 == nil {
			ok++
			continue
		}
		bad++
		// Swift 3.1 function-signature specializations whose specialized
		// symbol does not follow as "_T…", and partial applications of
		// specializations, are rejected by Swift's demangler as well.
		if !strings.HasPrefix(name, "_TTSf") && !strings.HasPrefix(name, "_TPA__TTS") {
			t.Errorf("%s: %v / %v", name, err1, err2)
		}
	}
	if ok == 0 {
		t.Skip("no Swift symbols found in the corpus")
	}
	t.Logf("%d Swift symbols demangled, %d refused (%.2f%%)", ok, bad, 100*float64(ok)/float64(ok+bad))
}

// symtabNames returns the Swift symbol names of a Mach-O file (thin or fat),
// or nothing for other files. Only the symbol table is read.
func symtabNames(path string) []string {
	var files []*macho.File
	if ff, err := macho.OpenFat(path); err == nil {
		defer ff.Close()
		for _, a := range ff.Arches {
			files = append(files, a.File)
		}
	} else if f, err := macho.Open(path); err == nil {
		defer f.Close()
		files = append(files, f)
	}
	var out []string
	for _, f := range files {
		if f.Symtab == nil {
			continue
		}
		for _, s := range f.Symtab.Syms {
			if strings.HasPrefix(s.Name, "__T") || strings.HasPrefix(s.Name, "_$s") ||
				strings.HasPrefix(s.Name, "_$S") {
				out = append(out, s.Name)
			}
		}
	}
	return out
}

func TestErrors(t *testing.T) {
	for _, name := range []string{"", "main", "_main", "objc_msgSend", "-[NSObject init]", "_ZN3foo3barEv"} {
		if _, err := Demangle(name); !errors.Is(err, ErrNotMangled) {
			t.Errorf("Demangle(%q) error = %v, want ErrNotMangled", name, err)
		}
	}
	var fe *diag.FormatError
	for name, off := range map[string]int64{
		"$s4main3fooyyFQ": 14, // archetype operator without its kind
		"$s9main":         3,  // identifier longer than the name
		"_TtZZ":           3,  // unknown type
		"$s4mainXk":       8,  // unknown special type "Xk"
	} {
		_, err := Demangle(name)
		if !errors.As(err, &fe) {
			t.Errorf("Demangle(%q) error = %v, want a *diag.FormatError", name, err)
			continue
		}
		if fe.Format != "swift mangling" || fe.Off != off {
			t.Errorf("Demangle(%q) error = %v, want format %q at offset %d", name, err, "swift mangling", off)
		}
	}
	// Names left over without an operator are not a symbol (Swift's own
	// demangler would print "mainfoo").
	if _, err := Demangle("$s4main3foo"); err == nil {
		t.Error("$s4main3foo accepted")
	}
	// A subset-parameters thunk with no function to be a thunk of is
	// malformed (Swift refuses it; a printed "thunk for differential from
	// with respect to" would be half a name).
	if got, err := Demangle("$sTJSpSSpSrSSP"); err == nil {
		t.Errorf("an autodiff thunk of nothing accepted: %q", got)
	}
	// Symbolic references only occur inside binaries and are refused.
	if _, err := Demangle("$s\x01\x02\x03\x04D"); err == nil {
		t.Error("symbolic reference accepted")
	}
}

func TestLimits(t *testing.T) {
	// Each step makes a Dictionary of the previous type with itself, so
	// the printed text doubles: the printer must stop at its limits.
	name := "$sSDySiSiG"
	for i := 0; i < 40; i++ {
		sub := "A" + string(rune('A'+i)) // substitution i
		switch {
		case i == 26:
			sub = "A_"
		case i > 26:
			sub = "A" + itoa(uint64(i-27)) + "_"
		}
		name += "SDy" + sub + sub + "G"
	}
	name += "D"
	if _, err := Parse(name); err != nil {
		t.Fatalf("Parse: %v", err)
	}
	if _, err := Demangle(name); !errors.Is(err, ErrLimit) {
		t.Errorf("exponential demangling: error %v, want ErrLimit", err)
	}
	if _, err := DemangleWith("$sSaySiGD", Options{MaxOutput: 5}); !errors.Is(err, ErrLimit) {
		t.Errorf("MaxOutput 5: error %v, want ErrLimit", err)
	}
	if _, err := Demangle("$s" + strings.Repeat("x", MaxNameLen)); !errors.Is(err, ErrLimit) {
		t.Errorf("long name: error %v, want ErrLimit", err)
	}
	// A tree too deep to print ends, as in Swift's printer, in
	// "<<too complex>>" past depth 768: for Swift's own recursion-limit
	// input (1024 nested one-element tuples) that is 256 parentheses.
	deep := "$sSi" + strings.Repeat("Sg", 5000) + "D"
	if got, err := Demangle(deep); err != nil || !strings.Contains(got, "<<too complex>>") || len(got) > 2000 {
		t.Errorf("deep nesting: %.80q…, %v; want a truncated form with <<too complex>>", got, err)
	}
	tuples := "$sBf32_" + strings.Repeat("_t", 1024) + "N"
	want := "type metadata for " + strings.Repeat("(", 256) + "<<too complex>>" + strings.Repeat(")", 256)
	if got, err := Demangle(tuples); err != nil || got != want {
		t.Errorf("nested tuples: %.80q…, %v; want %.80q…", got, err, want)
	}
	old := "_Tt" + strings.Repeat("GSq", 3000) + "Si" + strings.Repeat("_", 3000)
	if _, err := Demangle(old); !errors.Is(err, ErrLimit) {
		t.Errorf("deep old nesting: error %v, want ErrLimit", err)
	}
	// Repeat counts push many operands cheaply.
	if _, err := Demangle("$sSi" + strings.Repeat("A2048a", 20)); err == nil {
		t.Error("oversized operand stack accepted")
	}
}

func TestParseTree(t *testing.T) {
	n, err := Parse("$s4main3fooyyF")
	if err != nil {
		t.Fatal(err)
	}
	const want = `Global[Function[Module("main"), Identifier("foo"), Type[FunctionType[ArgumentTuple[Type[Tuple]], ReturnType[Type[Tuple]]]]]]`
	if got := n.String(); got != want {
		t.Errorf("tree = %s\nwant   %s", got, want)
	}
	if fn := n.Children[0]; fn.Kind != KindFunction || fn.Kind.String() != "Function" {
		t.Errorf("first child kind %v", fn.Kind)
	}
	if s, err := Print(n, Options{Style: Simplified}); err != nil || s != "foo()" {
		t.Errorf("Print = %q, %v", s, err)
	}
}

func TestIsMangled(t *testing.T) {
	for name, want := range map[string]bool{
		"$s4main3fooyyF": true, "_$s4main3fooyyF": true, "$S1a": true, "_T0Si": true,
		"_TFC3foo3bar3basfT3zimCS_3zim_T_": true, "$e4main3fooyyF": true,
		"main": false, "_Z3foov": false, "$ld$add$os10.0$_foo": false, "-[A b]": false,
	} {
		if got := IsMangled(name); got != want {
			t.Errorf("IsMangled(%q) = %v", name, got)
		}
	}
}

func TestPunycode(t *testing.T) {
	for in, want := range map[string]string{
		"vergenza_JFa":             "vergüenza",
		"egbpdajGbuEbxfgehfvwxn":   "ليهمابتكلموشعربي؟",
		"ihqwcrbEcvIaIdqgAFGpqjye": "他们为什么不说中文",
	} {
		if got, ok := decodePunycode(in); !ok || got != want {
			t.Errorf("decodePunycode(%q) = %q, %v; want %q", in, got, ok, want)
		}
	}
	for _, bad := range []string{"9", "a_!", "zzzzzzzzzzzzzzzzzzzzzzzzz"} {
		if _, ok := decodePunycode(bad); ok {
			t.Errorf("decodePunycode(%q) accepted", bad)
		}
	}
}

// TestDemanglerReuse checks that a reused Demangler gives the same results as
// fresh demanglings, in any order of valid and invalid names.
func TestDemanglerReuse(t *testing.T) {
	var names []string
	for _, v := range vectors {
		names = append(names, v.name, v.name+"Q", "_T"+v.name)
	}
	for _, rel := range []string{"swift-demangle/manglings.txt", "swift-demangle/simplified-manglings.txt"} {
		if data, err := os.ReadFile(filepath.Join(corpus.Root(), rel)); err == nil {
			for _, l := range strings.Split(string(data), "\n") {
				if in, _, ok := strings.Cut(l, "--->"); ok {
					names = append(names, strings.TrimSpace(in))
				}
			}
		}
	}
	var dm Demangler
	for round := 0; round < 2; round++ {
		for _, n := range names {
			for _, st := range []Style{Full, Simplified, SimplifiedSwift3} {
				want, werr := DemangleWith(n, Options{Style: st})
				got, gerr := dm.DemangleWith(n, Options{Style: st})
				if got != want || (werr == nil) != (gerr == nil) {
					t.Fatalf("reused Demangler(%q, %v) = %q, %v; fresh %q, %v", n, st, got, gerr, want, werr)
				}
			}
		}
	}
}

package demangle

import (
	"debug/macho"
	"io/fs"
	"path/filepath"
	"strings"
	"testing"

	"github.com/symbolicate/symbolicate/internal/corpus"
)

func TestName(t *testing.T) {
	tests := []struct {
		raw  string
		opts Options
		want string
		ok   bool
	}{
		// Swift, symbol-table and display spellings.
		{"_$s15iOSCrashingTest14ViewControllerC11viewDidLoadyyFTo", Options{}, "@objc ViewController.viewDidLoad()", true},
		{"$s15iOSCrashingTest14ViewControllerC11viewDidLoadyyFTo", Options{Form: Display}, "@objc ViewController.viewDidLoad()", true},
		{"_$s4main3fooyyF", Options{SwiftFull: true}, "main.foo() -> ()", true},
		{"__TFC3foo3bar3basfT3zimCS_3zim_T_", Options{}, "bar.bas(zim:)", true},
		{"_TFC3foo3bar3basfT3zimCS_3zim_T_", Options{Form: Display}, "bar.bas(zim:)", true},
		{"_$s4main3foo", Options{}, "_$s4main3foo", false},
		// C++ as LLVM (and so Apple) prints it; expectations from
		// llvm-cxxfilt 19 on corpus symbols.
		{"__ZNK5dyld46Loader25findAndRunAllInitializersERNS_12RuntimeStateE", Options{},
			"dyld4::Loader::findAndRunAllInitializers(dyld4::RuntimeState&) const", true},
		{"_ZNSt3__118condition_variable4waitERNS_11unique_lockINS_5mutexEEE", Options{Form: Display},
			"std::__1::condition_variable::wait(std::__1::unique_lock<std::__1::mutex>&)", true},
		{"__ZN12_GLOBAL__N_110NameSource13advanceOffsetEm", Options{},
			"(anonymous namespace)::NameSource::advanceOffset(unsigned long)", true},
		{"__ZGVZL22add_image_hook_swiftV1PK11mach_headerlE7patches", Options{},
			"guard variable for add_image_hook_swiftV1(mach_header const*, long)::patches", true},
		{"__Z18__breakpad_fdnlistI5nlistEiiPT_PPKci", Options{},
			"int __breakpad_fdnlist<nlist>(int, nlist*, char const**, int)", true},
		{"___Z4testv_block_invoke", Options{}, "invocation function for block in test()", true},
		{"__Z4testv_block_invoke_2", Options{Form: Display}, "invocation function for block in test()", true},
		{"__ZN3foo", Options{}, "__ZN3foo", false},
		// C and Objective-C.
		{"_objc_msgSend", Options{}, "objc_msgSend", true},
		{"__dispatch_client_callout", Options{}, "_dispatch_client_callout", true},
		{"_dispatch_client_callout", Options{Form: Display}, "_dispatch_client_callout", true},
		{"_TIFFmalloc", Options{Form: Display}, "_TIFFmalloc", true},
		{"__TIFFmalloc", Options{}, "_TIFFmalloc", true},
		{"-[NSRunLoop(NSRunLoop) runMode:beforeDate:]", Options{}, "-[NSRunLoop(NSRunLoop) runMode:beforeDate:]", true},
		{"___27-[XCTestSuite performTest:]_block_invoke", Options{}, "__27-[XCTestSuite performTest:]_block_invoke", true},
		{"_foo.cold.1", Options{}, "foo.cold.1", true},
		{"GCC_except_table1", Options{}, "GCC_except_table1", false},
		{"", Options{}, "", false},
		{"not a symbol", Options{Form: Display}, "not a symbol", false},
	}
	var d Demangler
	for _, tt := range tests {
		got, ok := Name(tt.raw, tt.opts)
		if got != tt.want || ok != tt.ok {
			t.Errorf("Name(%q, %+v) = %q, %v; want %q, %v", tt.raw, tt.opts, got, ok, tt.want, tt.ok)
		}
		if got2, ok2 := d.Name(tt.raw, tt.opts); got2 != got || ok2 != ok {
			t.Errorf("Demangler.Name(%q) = %q, %v; Name gave %q, %v", tt.raw, got2, ok2, got, ok)
		}
	}
}

func TestClassify(t *testing.T) {
	for raw, want := range map[string]Language{
		"_$s4main3fooyyF": Swift, "__T0Si": Swift, "__ZN3fooEv": CXX, "___Z1fv_block_invoke": CXX,
		"_objc_msgSend": C, "-[A b]": ObjC, "GCC_except_table1": C, "a b": Unknown,
	} {
		if got := Classify(raw, Symtab); got != want {
			t.Errorf("Classify(%q) = %v, want %v", raw, got, want)
		}
	}
}

func TestText(t *testing.T) {
	for in, want := range map[string]string{
		"0 main 0x1 $s4main3fooyyF + 12":                  "0 main 0x1 foo() + 12",
		"crash in _$s4main3fooyyF.":                       "crash in foo().",
		"nm: 0000 T __ZN3foo3barEv":                       "nm: 0000 T foo::bar()",
		"at _ZN3foo3barEv and __T0SiN":                    "at foo::bar() and type metadata for Int",
		"keep $ld$add$os10.0$_foo and _objc_msgSend":      "keep $ld$add$os10.0$_foo and _objc_msgSend",
		"bad $s4main3foo stays":                           "bad $s4main3foo stays",
		"":                                                "",
		"__27-[A b]_block_invoke ___Z4testv_block_invoke": "__27-[A b]_block_invoke invocation function for block in test()",
	} {
		if got := Text(in, Options{}); got != want {
			t.Errorf("Text(%q) = %q, want %q", in, got, want)
		}
	}
	if got := Text("$s4main3fooyyF", Options{SwiftFull: true}); got != "main.foo() -> ()" {
		t.Errorf("Text full = %q", got)
	}
}

// TestCorpusSymtabs runs Name over every symbol of the corpus Mach-O files:
// nothing may panic, and the Swift and C++ names must demangle.
func TestCorpusSymtabs(t *testing.T) {
	root := corpus.Path(t, "macho")
	counts := map[Language][2]int{}
	err := filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		for _, name := range symtabNames(path) {
			l := Classify(name, Symtab)
			_, ok := Name(name, Options{})
			c := counts[l]
			if ok {
				c[0]++
			} else {
				c[1]++
			}
			counts[l] = c
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(counts) == 0 {
		t.Skip("no Mach-O symbols in the corpus")
	}
	for _, l := range []Language{Swift, CXX, C, ObjC, Unknown} {
		c := counts[l]
		t.Logf("%v: %d ok, %d not", l, c[0], c[1])
	}
	for _, l := range []Language{Swift, CXX} {
		c := counts[l]
		if c[0] == 0 || float64(c[1]) > 0.01*float64(c[0]+c[1]) {
			t.Errorf("%v names: %d ok, %d failed (over 1%%)", l, c[0], c[1])
		}
	}
}

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
		if f.Symtab != nil {
			for _, s := range f.Symtab.Syms {
				out = append(out, s.Name)
			}
		}
	}
	return out
}

func (l Language) String() string {
	return [...]string{"unknown", "C", "ObjC", "C++", "Swift"}[l]
}

func FuzzName(f *testing.F) {
	for _, s := range []string{"_$s4main3fooyyF", "__ZN3foo3barEv", "___Z4testv_block_invoke", "_objc_msgSend",
		"-[A b]", "__T0SiN", "$s", "_Z", "x $s4main3fooyyF. __ZN3fooEv"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		for _, form := range []Form{Symtab, Display} {
			if out, ok := Name(s, Options{Form: form}); !ok && out != s {
				t.Fatalf("Name(%q) changed a name it did not understand: %q", s, out)
			}
		}
		_ = Text(s, Options{})
	})
}

func TestTextKeepsLines(t *testing.T) {
	in := "a $s4main3fooyyF\nb\n\nc __ZN3foo3barEv\n"
	if got := Text(in, Options{}); strings.Count(got, "\n") != strings.Count(in, "\n") {
		t.Errorf("line count changed: %q", got)
	}
}

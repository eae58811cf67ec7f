// Package demangle turns raw symbol names into the names Apple's crash
// reports print. It is the single entry point the symbolication pipeline
// calls for every symbol.
//
// Swift names ($s…, _T0…, _T…) are demangled by package
// [github.com/symbolicate/symbolicate/demangle/swift], by default in the
// simplified form Apple's crash reports use ("closure #1 in
// ViewController.viewDidLoad()"); C++ names mangled by the Itanium C++ ABI
// (_Z…, and clang's __Z…_block_invoke block functions) by
// github.com/ianlancetaylor/demangle in LLVM style, which is what Apple's
// tools print
// ("dyld4::Loader::findAndRunAllInitializers(dyld4::RuntimeState&) const");
// Objective-C methods ("-[NSObject init]") and C names are left as they are,
// except that the extra leading underscore of Mach-O symbol tables is
// removed ("_objc_msgSend" → "objc_msgSend").
//
// Nothing is cached and there is no package state: Name may be called from
// any number of goroutines.
package demangle

import (
	cxx "github.com/ianlancetaylor/demangle"

	"github.com/symbolicate/symbolicate/demangle/swift"
)

// Form says how a raw name is spelled.
type Form uint8

const (
	// Symtab names are spelled as in a Mach-O symbol table, where every
	// C-level name carries an extra leading '_' ("_objc_msgSend",
	// "_$s4main3fooyyF", "__ZN3foo3barEv").
	Symtab Form = iota
	// Display names are spelled as crash reports, atos and DWARF name
	// them: no extra underscore ("objc_msgSend", "$s4main3fooyyF",
	// "_ZN3foo3barEv"). Plain names are returned unchanged.
	Display
)

// Options controls Name. The zero value reads symbol-table names and prints
// Swift in the simplified crash-report form.
type Options struct {
	Form Form
	// SwiftFull prints Swift names in swift-demangle's full form
	// ("Swift.Array<Swift.Int>.append(Swift.Int) -> ()") instead of the
	// simplified form crash reports use ("Array.append(_:)").
	SwiftFull bool
}

// Language is the kind of name Classify recognizes.
type Language uint8

// Languages of symbol names.
const (
	Unknown Language = iota
	C                // a C (or assembly) name
	ObjC             // an Objective-C method or block: "-[A b]", "__9-[A b]_block_invoke"
	CXX              // an Itanium C++ mangled name
	Swift            // a Swift mangled name
)

// Demangler is the reusable form of Name and AppendText: it keeps the Swift
// demangler's memory between calls, so demangling many names allocates
// little more than the results. The zero value is ready to use. A Demangler
// is not safe for concurrent use: give each goroutine its own.
type Demangler struct {
	swift swift.Demangler
	cxx   cxxFast
}

// Name is like the package function Name.
func (d *Demangler) Name(raw string, opts Options) (string, bool) {
	return d.name(raw, opts)
}

// Name returns the readable form of a raw symbol name and whether it was
// understood: demangled (Swift or C++) or recognized as a C or Objective-C
// name. A mangled-looking name that fails to demangle, an empty name and
// names that are neither identifiers nor Objective-C are returned unchanged
// with ok false.
//
// With Form Symtab a leading '_' is the Mach-O C prefix and is removed from
// C and Objective-C block names; names without it (Objective-C methods,
// assembler labels) are kept.
func Name(raw string, opts Options) (name string, ok bool) {
	return new(Demangler).name(raw, opts)
}

func (d *Demangler) name(raw string, opts Options) (string, bool) {
	if raw == "" {
		return raw, false
	}
	s := withoutPrefix(raw, opts.Form)
	switch classify(s, opts.Form) {
	case Swift:
		style := swift.Simplified
		if opts.SwiftFull {
			style = swift.Full
		}
		if out, err := d.swift.DemangleWith(s, swift.Options{Style: style}); err == nil {
			return out, true
		}
		// "_T" followed by anything but "0" is also a plausible C name
		// ("_TIFFmalloc"); other prefixes are not.
		if !(hasPrefix(s, "_T") && !hasPrefix(s, "_T0") && isCIdentifier(s)) {
			return raw, false
		}
	case CXX:
		// LLVMStyle prints like LLVM's demangler, the one Apple's tools
		// use ("'lambda'()", "(anonymous namespace)", ">>"); the output
		// is bounded to 64 KiB.
		if out, ok := d.cxx.demangle(s); ok {
			return out, true
		}
		if out, err := cxx.ToString(cxxSpelling(s), cxx.LLVMStyle, cxx.MaxLength(16)); err == nil {
			return out, true
		}
		return raw, false
	}
	return unmangled(raw, s, opts)
}

// withoutPrefix returns raw without its Mach-O C underscore in the
// Symtab form, raw itself otherwise.
func withoutPrefix(raw string, form Form) string {
	if form == Symtab && raw != "" && raw[0] == '_' {
		return raw[1:]
	}
	return raw
}

// unmangled names raw (s: raw without its Mach-O underscore) when it is not
// a mangled name: an Objective-C method or a C identifier.
func unmangled(raw, s string, opts Options) (string, bool) {
	switch {
	case isObjC(s):
		return s, true
	case isIdentifier(s):
		if opts.Form == Symtab && s == raw {
			return raw, false // a symbol-table name without the C prefix
		}
		return s, true
	}
	return raw, false
}

// Classify reports the language of a raw name in the given form, from its
// spelling alone (it does not check that a mangled name is well formed).
func Classify(raw string, form Form) Language {
	s := withoutPrefix(raw, form)
	if l := classify(s, form); l != Unknown {
		return l
	}
	switch {
	case isObjC(s):
		return ObjC
	case isIdentifier(s):
		return C
	}
	return Unknown
}

// classify recognizes mangled names in display spelling (plus the "_$s"
// spelling, which display text also uses).
func classify(s string, form Form) Language {
	if len(s) < 2 {
		return Unknown
	}
	switch s[0] {
	case '$':
		if c := s[1]; c == 's' || c == 'S' || c == 'e' {
			return Swift
		}
	case '_':
		switch {
		case s[1] == 'T':
			return Swift
		case s[1] == 'Z':
			return CXX
		case s[1] == '$' && len(s) > 2 && (s[2] == 's' || s[2] == 'S' || s[2] == 'e'):
			return Swift
		case s[1] == '_' && len(s) > 2 && s[2] == 'Z' && hasSuffixBlock(s):
			return CXX // clang block in a C++ function: __Z…_block_invoke
		}
	case '@':
		if hasPrefix(s, "@__swiftmacro_") {
			return Swift
		}
	}
	return Unknown
}

// cxxSpelling returns s as ianlancetaylor/demangle expects it: blocks keep
// the Mach-O underscore ("___Z…_block_invoke").
func cxxSpelling(s string) string {
	if hasPrefix(s, "__Z") {
		return "_" + s
	}
	return s
}

func hasPrefix(s, p string) bool { return len(s) >= len(p) && s[:len(p)] == p }

// hasSuffixBlock reports whether s names a block invocation function
// ("…_block_invoke" optionally followed by "_<n>" or a ".suffix").
func hasSuffixBlock(s string) bool {
	const b = "_block_invoke"
	for i := len(s) - len(b); i >= 0; i-- {
		if s[i:i+len(b)] == b {
			return true
		}
	}
	return false
}

// isObjC reports Objective-C method names ("-[A b:]", "+[A(Cat) b]") and
// blocks inside them ("__29-[A b:]_block_invoke").
func isObjC(s string) bool {
	if len(s) > 3 && (s[0] == '-' || s[0] == '+') && s[1] == '[' && s[len(s)-1] == ']' {
		return true
	}
	for i := 0; i+1 < len(s); i++ {
		if (s[i] == '-' || s[i] == '+') && s[i+1] == '[' {
			return hasPrefix(s, "__") && hasSuffixBlock(s)
		}
	}
	return false
}

// isCIdentifier reports [A-Za-z_][A-Za-z0-9_]* names.
func isCIdentifier(s string) bool {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c == '_' || c >= '0' && c <= '9' && i > 0) {
			return false
		}
	}
	return s != ""
}

// isIdentifier reports names made of identifier characters, '.', and '$'
// (C, assembler and LLVM-suffixed names such as "foo.cold.1").
func isIdentifier(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c >= 'a' && c <= 'z', c >= 'A' && c <= 'Z', c == '_', c == '$', c == '.':
		case c >= '0' && c <= '9':
			if i == 0 {
				return false
			}
		default:
			return false
		}
	}
	return true
}

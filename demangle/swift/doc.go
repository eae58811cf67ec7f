// Package swift demangles Swift symbol names in pure Go.
//
// It implements the mangling grammar of Swift's docs/ABI/Mangling.rst
// (swiftlang/swift): the current mangling with the prefixes "$s" (Swift 5
// and later), "$S" (Swift 4.2), "$e" (Embedded Swift) and "_T0" (Swift 4.0),
// each also with a leading '_' as Mach-O symbol tables spell them, and the
// older mangling of Swift 3 and earlier ("_T…", e.g.
// "_TFC3foo3bar3basfT3zimCS_3zim_T_") including the "_Tt" type names
// Objective-C metadata still uses. Symbolic references (bytes 0x01–0x1F),
// which only occur inside binaries' metadata, are refused.
//
// [Parse] builds a node tree in the vocabulary of Swift's own demangler;
// [Print] renders it in one of three styles: [Full] (swift-demangle's
// default), [Simplified] (what Apple's crash reports and swift-demangle
// -simplified print) and [SimplifiedSwift3] (the simplified form of Swift 3
// era tools). [Demangle] and [DemangleSimplified] combine both steps.
//
// Printing follows Swift's main branch of 2026-08-30 (every line of its
// manglings.txt and simplified-manglings.txt; see TestConformanceCurrent).
//
// The package never panics on input. Names longer than [MaxNameLen] are
// refused; the number of nodes, the operand stack, recursion depth, printing
// work and output length ([Options.MaxOutput]) are bounded, so adversarial
// substitution chains fail with [ErrLimit] instead of consuming time or
// memory. A tree nested deeper than Swift's printer goes (768 levels) is
// printed as Swift prints it: cut off with "<<too complex>>". Syntax errors
// are *diag.FormatError values naming the offset and what was being
// decoded.
package swift

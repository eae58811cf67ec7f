package swift

import "errors"

// IsMangled reports whether name starts with a Swift mangling prefix: "$s",
// "$S", "$e", "_T0" (current mangling, optionally with a leading '_' as in
// Mach-O symbol tables) or "_T" (Swift 3 and earlier). It does not check
// that the rest is well formed.
func IsMangled(name string) bool {
	return prefixLen(name) > 0 || hasPrefix(name, "_T")
}

// Parse demangles name into a tree. Names that are not Swift manglings fail
// with ErrNotMangled; malformed ones with a *diag.FormatError; oversized or
// pathological ones with ErrLimit. The tree may share subtrees and must not
// be modified.
func Parse(name string) (*Node, error) { return parseName(name) }

func parseName(name string) (*Node, error) {
	var d demangler
	var o oldDemangler
	return parseWith(&arena{hint: len(name)/2 + 8}, &d, &o, name)
}

// parseWith parses name with the given parsers, which are reset first and
// allocate from a.
func parseWith(a *arena, d *demangler, o *oldDemangler, name string) (n *Node, err error) {
	if len(name) > MaxNameLen {
		return nil, ErrLimit
	}
	defer catch(&err)
	switch {
	case hasPrefix(name, "_Tt"), prefixLen(name) == 0 && hasPrefix(name, "_T"):
		*o = oldDemangler{arena: a, subs: o.subs[:0]}
		return o.topLevel(name), nil
	case prefixLen(name) > 0:
		*d = demangler{arena: a, stack: d.stack[:0], subs: d.subs[:0], scratch: d.scratch[:0]}
		return d.parseSymbol(name, prefixLen(name)), nil
	}
	return nil, ErrNotMangled
}

// Demangler demangles names reusing its memory from one call to the next,
// which makes demangling many names almost allocation-free. The zero value
// is ready to use. A Demangler is not safe for concurrent use: give each
// goroutine its own.
type Demangler struct {
	arena arena
	d     demangler
	o     oldDemangler
	p     printer
}

// DemangleWith is like the package function DemangleWith.
func (dm *Demangler) DemangleWith(name string, opts Options) (string, error) {
	dm.arena.reset()
	if len(dm.arena.nodeChunks) == 0 {
		// A name makes about one node per three bytes.
		dm.arena.hint = len(name)/2 + 8
	}
	if cap(dm.p.buf) == 0 {
		dm.p.buf = make([]byte, 0, 2*len(name)+32)
	}
	n, err := parseWith(&dm.arena, &dm.d, &dm.o, name)
	if err != nil {
		return "", err
	}
	dm.p.reset(opts)
	if err := dm.p.printRoot(n); err != nil {
		return "", err
	}
	if len(dm.p.buf) == 0 {
		return "", errEmpty
	}
	return string(dm.p.buf), nil
}

// errEmpty reports a tree that prints as nothing (for example only a module
// whose name is hidden).
var errEmpty = errors.New("swift: demangling is empty")

// Print renders a tree returned by Parse in the given style.
func Print(n *Node, opts Options) (string, error) {
	p := newPrinter(opts)
	if err := p.printRoot(n); err != nil {
		return "", err
	}
	if len(p.buf) == 0 {
		return "", errEmpty
	}
	return string(p.buf), nil
}

func (p *printer) printRoot(n *Node) (err error) {
	defer catch(&err)
	p.print(n, false)
	return nil
}

// DemangleWith demangles name and prints it with opts.
func DemangleWith(name string, opts Options) (string, error) {
	return new(Demangler).DemangleWith(name, opts)
}

// Demangle returns the full demangling of name, as swift-demangle prints it
// by default (e.g. "Swift.Array<Swift.Int>.append(Swift.Int) -> ()" style,
// module-qualified and sugared).
func Demangle(name string) (string, error) {
	return DemangleWith(name, Options{Style: Full})
}

// DemangleSimplified returns the simplified demangling of name, the form of
// Apple's crash reports and swift-demangle -simplified (e.g.
// "closure #1 in ViewController.viewDidLoad()").
func DemangleSimplified(name string) (string, error) {
	return DemangleWith(name, Options{Style: Simplified})
}

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
// with ErrNotMangled; malformed ones with a *bin.FormatError; oversized or
// pathological ones with ErrLimit. The tree may share subtrees and must not
// be modified.
func Parse(name string) (*Node, error) { return parseName(name) }

func parseName(name string) (n *Node, err error) {
	if len(name) > MaxNameLen {
		return nil, ErrLimit
	}
	defer catch(&err)
	switch {
	case hasPrefix(name, "_Tt"):
		o := &oldDemangler{}
		return o.topLevel(name), nil
	case prefixLen(name) > 0:
		d := &demangler{}
		return d.parseSymbol(name, prefixLen(name)), nil
	case hasPrefix(name, "_T"):
		o := &oldDemangler{}
		return o.topLevel(name), nil
	}
	return nil, ErrNotMangled
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
	n, err := parseName(name)
	if err != nil {
		return "", err
	}
	return Print(n, opts)
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

package swift

import "strconv"

// Style selects how a demangling tree is printed.
type Style uint8

const (
	// Full is the default output of swift-demangle: module-qualified names,
	// sugared types (Swift.String?, [Swift.Int]), full function types and
	// all thunk and specialization details.
	Full Style = iota
	// Simplified is the form Apple's crash reports and swift-demangle
	// -simplified use: no module names, argument labels instead of function
	// types ("foo(_:bar:)"), "specialized …", "thunk for …", no where
	// clauses, no private discriminators.
	Simplified
	// SimplifiedSwift3 is swift-demangle -simplified as printed by Swift 3
	// era tools (2016): function types with labels spelled "label : Type",
	// "protocol<A, B>" compositions, parenthesized local contexts
	// ("(f() -> ()).(closure #1)") and "<A where ...>". It exists to read old
	// reports and to check against the reference test data of that era.
	SimplifiedSwift3
)

// Options controls printing.
type Options struct {
	Style Style
	// MaxOutput bounds the demangled text in bytes; 0 means
	// DefaultMaxOutput. Longer output fails with ErrLimit.
	MaxOutput int
}

// flags are the individual printing switches a Style stands for (named
// after Swift's DemangleOptions).
type flags struct {
	sugar                  bool // [T], T?, [K : V]
	extensionContexts      bool // "(extension in M):"
	unmangledSuffix        bool // ` with unmangled suffix "…"`
	moduleNames            bool
	genericSpecializations bool // details of specializations
	conformances           bool // ": P in M" after conformances
	whereClauses           bool
	entityTypes            bool // " : Type" after variables
	shortenPartialApply    bool
	shortenThunk           bool
	shortenValueWitness    bool
	privateDiscriminators  bool
	argumentTypes          bool // full function types instead of labels
	asyncResumePartial     bool
	swift3                 bool // SimplifiedSwift3 rules
}

func styleFlags(s Style) flags {
	switch s {
	case Simplified:
		return flags{sugar: true, shortenPartialApply: true, shortenThunk: true,
			shortenValueWitness: true}
	case SimplifiedSwift3:
		return flags{sugar: true, shortenPartialApply: true, shortenThunk: true,
			shortenValueWitness: true, privateDiscriminators: true, argumentTypes: true,
			swift3: true}
	}
	return flags{sugar: true, extensionContexts: true, unmangledSuffix: true,
		moduleNames: true, genericSpecializations: true, conformances: true,
		whereClauses: true, entityTypes: true, privateDiscriminators: true,
		argumentTypes: true, asyncResumePartial: true}
}

// printer renders a demangling tree as text.
type printer struct {
	f     flags
	buf   []byte
	max   int
	steps int
	depth int
	// specPrinted is set once "specialized " was printed (Simplified
	// prints it only once per symbol).
	specPrinted bool
	// nest counts nested demanglings (specialization payloads are symbols
	// of their own).
	nest int
}

func newPrinter(opts Options) *printer {
	p := &printer{}
	p.reset(opts)
	return p
}

// reset prepares p for a new tree, keeping its buffer.
func (p *printer) reset(opts Options) {
	max := opts.MaxOutput
	if max <= 0 {
		max = DefaultMaxOutput
	}
	*p = printer{f: styleFlags(opts.Style), max: max, buf: p.buf[:0]}
}

func (p *printer) write(s string) {
	if len(p.buf)+len(s) > p.max {
		panic(failure{ErrLimit})
	}
	p.buf = append(p.buf, s...)
}

func (p *printer) writeByte(c byte) {
	if len(p.buf)+1 > p.max {
		panic(failure{ErrLimit})
	}
	p.buf = append(p.buf, c)
}

func (p *printer) writeUint(v uint64) { p.write(strconv.FormatUint(v, 10)) }

func (p *printer) children(n *Node, sep string) {
	for i, c := range n.Children {
		if i > 0 && sep != "" {
			p.write(sep)
		}
		p.print(c, false)
	}
}

// print renders n. When asPrefix is set, n is the context of another entity
// and may decline to print itself as a prefix: it then returns itself (or
// the context it still has to print) for "… in <context>" form.
func (p *printer) print(n *Node, asPrefix bool) *Node {
	p.steps++
	if p.steps > maxPrintSteps {
		panic(failure{ErrLimit})
	}
	if p.depth > maxPrintDepth {
		// As Swift's printer does: the rest of a too deep tree is elided.
		p.write("<<too complex>>")
		return nil
	}
	p.depth++
	defer func() { p.depth-- }()
	if p.f.swift3 {
		if handled, post := p.printSwift3(n, asPrefix); handled {
			return post
		}
	}
	if post, ok := p.printEntityNode(n, asPrefix); ok {
		return post
	}
	if p.printType(n) {
		return nil
	}
	p.printGlobal(n)
	return nil
}

// printEntityNode handles declarations and accessors, which print their
// context. It reports false for other kinds.
func (p *printer) printEntityNode(n *Node, asPrefix bool) (*Node, bool) {
	switch n.Kind {
	case KindVariable:
		return p.printEntity(n, asPrefix, withColon, true, "", -1, ""), true
	case KindFunction, KindBoundGenericFunction:
		return p.printEntity(n, asPrefix, functionStyle, true, "", -1, ""), true
	case KindSubscript:
		return p.printEntity(n, asPrefix, functionStyle, false, "", -1, "subscript"), true
	case KindGenericTypeParamDecl:
		return p.printEntity(n, asPrefix, noType, true, "", -1, ""), true
	case KindExplicitClosure, KindImplicitClosure:
		tp := noType
		if p.f.argumentTypes {
			tp = functionStyle
		}
		name := "closure #"
		if n.Kind == KindImplicitClosure {
			name = "implicit closure #"
		}
		return p.printEntity(n, asPrefix, tp, false, name, int(n.at(1).Index)+1, ""), true
	case KindInitializer:
		return p.printEntity(n, asPrefix, noType, false, "variable initialization expression", -1, ""), true
	case KindPropertyWrapperBackingInitializer:
		return p.printEntity(n, asPrefix, noType, false, "property wrapper backing initializer", -1, ""), true
	case KindPropertyWrappedFieldInitAccessor:
		return p.printEntity(n, asPrefix, noType, false, "property wrapped field init accessor", -1, ""), true
	case KindPropertyWrapperInitFromProjectedValue:
		return p.printEntity(n, asPrefix, noType, false, "property wrapper init from projected value", -1, ""), true
	case KindDefaultArgumentInitializer:
		return p.printEntity(n, asPrefix, noType, false, "default argument ", int(n.at(1).Index), ""), true
	case KindClass, KindStructure, KindEnum, KindProtocol, KindTypeAlias, KindOtherNominalType:
		return p.printEntity(n, asPrefix, noType, true, "", -1, ""), true
	case KindMacro:
		return p.printEntity(n, asPrefix, functionStyle, true, "", -1, ""), true
	case KindAllocator:
		name := "init"
		if n.first().Kind == KindClass {
			name = "__allocating_init"
		}
		return p.printEntity(n, asPrefix, functionStyle, false, name, -1, ""), true
	case KindConstructor:
		return p.printEntity(n, asPrefix, functionStyle, len(n.Children) > 2, "init", -1, ""), true
	case KindDestructor:
		return p.printEntity(n, asPrefix, noType, false, "deinit", -1, ""), true
	case KindDeallocator:
		name := "deinit"
		if n.first().Kind == KindClass {
			name = "__deallocating_deinit"
		}
		return p.printEntity(n, asPrefix, noType, false, name, -1, ""), true
	case KindIsolatedDeallocator:
		name := "deinit"
		if n.first().Kind == KindClass {
			name = "__isolated_deallocating_deinit"
		}
		return p.printEntity(n, asPrefix, noType, false, name, -1, ""), true
	case KindIVarInitializer:
		return p.printEntity(n, asPrefix, noType, false, "__ivar_initializer", -1, ""), true
	case KindIVarDestroyer:
		return p.printEntity(n, asPrefix, noType, false, "__ivar_destroyer", -1, ""), true
	}
	if name := accessorName(n.Kind); name != "" {
		return p.printAbstractStorage(n.first(), asPrefix, name), true
	}
	return nil, false
}

// accessorName returns the name printed after an accessor's storage.
func accessorName(k Kind) string {
	switch k {
	case KindOwningAddressor:
		return "owningAddressor"
	case KindOwningMutableAddressor:
		return "owningMutableAddressor"
	case KindNativeOwningAddressor:
		return "nativeOwningAddressor"
	case KindNativeOwningMutableAddressor:
		return "nativeOwningMutableAddressor"
	case KindNativePinningAddressor:
		return "nativePinningAddressor"
	case KindNativePinningMutableAddressor:
		return "nativePinningMutableAddressor"
	case KindUnsafeAddressor:
		return "unsafeAddressor"
	case KindUnsafeMutableAddressor:
		return "unsafeMutableAddressor"
	case KindGlobalGetter, KindGetter:
		return "getter"
	case KindSetter:
		return "setter"
	case KindMaterializeForSet:
		return "materializeForSet"
	case KindWillSet:
		return "willset"
	case KindDidSet:
		return "didset"
	case KindReadAccessor:
		return "read"
	case KindRead2Accessor:
		return "yielding_borrow"
	case KindModifyAccessor:
		return "modify"
	case KindModify2Accessor:
		return "yielding_mutate"
	case KindInitAccessor:
		return "init"
	case KindBorrowAccessor:
		return "borrow"
	case KindMutateAccessor:
		return "mutate"
	}
	return ""
}

type typePrinting uint8

const (
	noType typePrinting = iota
	withColon
	functionStyle
)

func (p *printer) printAbstractStorage(n *Node, asPrefix bool, extra string) *Node {
	switch n.Kind {
	case KindVariable:
		return p.printEntity(n, asPrefix, withColon, true, extra, -1, "")
	case KindSubscript:
		return p.printEntity(n, asPrefix, withColon, false, extra, -1, "subscript")
	}
	panic(failure{errMalformedTree})
}

// printEntity prints a declaration with its context: either in prefix form
// "Context.name" or, when the name has several words or the context cannot
// be a prefix, as "name in Context". It returns the context still to be
// printed when the entity itself is being printed as a prefix.
func (p *printer) printEntity(ent *Node, asPrefix bool, tp typePrinting, hasName bool,
	extra string, extraIndex int, overwrite string) *Node {
	var genericArgs *Node
	if ent.Kind == KindBoundGenericFunction {
		genericArgs = ent.at(1)
		ent = ent.first()
	}
	multiWord := containsByte(extra, ' ')
	local := hasName && ent.at(1).Kind == KindLocalDeclName
	if local {
		multiWord = true
	}
	if asPrefix && (tp != noType || multiWord) {
		return ent
	}
	var post *Node
	if ctx := ent.first(); multiWord {
		post = ctx
	} else {
		start := len(p.buf)
		post = p.print(ctx, true)
		if len(p.buf) != start {
			p.writeByte('.')
		}
	}
	if hasName || overwrite != "" {
		if extra != "" && multiWord {
			p.write(extra)
			if extraIndex >= 0 {
				p.writeUint(uint64(extraIndex))
			}
			p.write(" of ")
			extra, extraIndex = "", -1
		}
		start := len(p.buf)
		if overwrite != "" {
			p.write(overwrite)
		} else {
			name := ent.at(1)
			if name.Kind != KindPrivateDeclName {
				p.print(name, false)
			}
			if priv := ent.childOfKind(KindPrivateDeclName); priv != nil {
				p.print(priv, false)
			}
		}
		if len(p.buf) != start && extra != "" {
			p.writeByte('.')
		}
	}
	if extra != "" {
		p.write(extra)
		if extraIndex >= 0 {
			p.writeUint(uint64(extraIndex))
		}
	}
	if tp != noType {
		t := ent.childOfKind(KindType)
		if t == nil {
			panic(failure{errMalformedTree})
		}
		t = t.first()
		if tp == functionStyle {
			u := t
			for u.Kind == KindDependentGenericType {
				u = u.at(1).first()
			}
			switch u.Kind {
			case KindFunctionType, KindNoEscapeFunctionType, KindUncurriedFunctionType,
				KindCFunctionPointer, KindThinFunctionType:
			default:
				tp = withColon
			}
		}
		if tp == withColon {
			if p.f.entityTypes {
				p.write(" : ")
				p.printEntityType(ent, t, genericArgs)
			}
		} else {
			if multiWord || needSpaceBeforeType(t) {
				p.writeByte(' ')
			}
			p.printEntityType(ent, t, genericArgs)
		}
	}
	if !asPrefix && post != nil {
		switch ent.Kind {
		case KindDefaultArgumentInitializer, KindInitializer, KindPropertyWrapperBackingInitializer,
			KindPropertyWrappedFieldInitAccessor, KindPropertyWrapperInitFromProjectedValue:
			p.write(" of ")
		default:
			p.write(" in ")
		}
		p.print(post, false)
		post = nil
	}
	return post
}

// printEntityType prints the type of an entity; function types use the
// entity's argument labels.
func (p *printer) printEntityType(ent, t, genericArgs *Node) {
	labels := ent.childOfKind(KindLabelList)
	if labels == nil && genericArgs == nil {
		p.print(t, false)
		return
	}
	if genericArgs != nil {
		p.writeByte('<')
		p.children(genericArgs, ", ")
		p.writeByte('>')
	}
	if t.Kind == KindDependentGenericType {
		if genericArgs == nil {
			p.print(t.first(), false)
		}
		dep := t.at(1)
		if needSpaceBeforeType(dep) {
			p.writeByte(' ')
		}
		t = dep.first()
	}
	p.printFunctionType(labels, t)
}

func needSpaceBeforeType(t *Node) bool {
	for t.Kind == KindType {
		t = t.first()
	}
	switch t.Kind {
	case KindFunctionType, KindNoEscapeFunctionType, KindUncurriedFunctionType, KindDependentGenericType:
		return false
	}
	return true
}

func containsByte(s string, c byte) bool {
	for i := 0; i < len(s); i++ {
		if s[i] == c {
			return true
		}
	}
	return false
}

// quoted appends s as a double-quoted string with C-style escapes, as
// swift-demangle prints unmangled suffixes.
func (p *printer) quoted(s string) {
	const hex = "0123456789ABCDEF"
	p.writeByte('"')
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch c {
		case '\\':
			p.write(`\\`)
		case '\t':
			p.write(`\t`)
		case '\n':
			p.write(`\n`)
		case '\r':
			p.write(`\r`)
		case '"':
			p.write(`\"`)
		case 0:
			p.write(`\0`)
		default:
			if c < 0x20 || c >= 0x7F {
				p.write(`\x`)
				p.writeByte(hex[c>>4])
				p.writeByte(hex[c&15])
			} else {
				p.writeByte(c)
			}
		}
	}
	p.writeByte('"')
}

// genericParamName names generic parameter index at depth: A, B, … Z, AB,
// BB, … with the depth appended when it is not 0 (A1 is the first parameter
// at depth 1).
func genericParamName(depth, index uint64) string {
	var b []byte
	for {
		b = append(b, byte('A'+index%26))
		index /= 26
		if index == 0 {
			break
		}
	}
	if depth != 0 {
		b = strconv.AppendUint(b, depth, 10)
	}
	return string(b)
}

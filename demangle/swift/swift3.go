package swift

import "strings"

// This file holds the SimplifiedSwift3 printing rules: how swift-demangle
// -simplified printed names around Swift 3 (2016), as recorded in Swift's
// test data of that time. The differences from the current printer are:
//
//   - a declaration used as the context of another one is printed in
//     parentheses with its own type: "(f(i : Int) -> ()).(closure #1)";
//     nominal types stay plain prefixes ("A.B.c");
//   - closures, initializer expressions, default arguments and local names
//     print as "(closure #1)", "(variable initialization expression)",
//     "(default argument 0)", "(foo #1)", and closures have no type;
//   - labels are written "label : Type";
//   - compositions are "protocol<A, B>" ("protocol<>" for Any);
//   - a generic signature with requirements is "<A where ...>" and is
//     followed by a space ("<A> (A) -> A");
//   - reabstraction thunks are just "thunk", and "specialized " is printed
//     for every specialization;
//   - Builtin.FPIEEE<n> is spelled Builtin.Float<n>.

// printSwift3 prints n when a SimplifiedSwift3 rule applies. It reports
// whether it printed n and, for contexts, the context left to print.
func (p *printer) printSwift3(n *Node, asPrefix bool) (bool, *Node) {
	switch n.Kind {
	case KindProtocolList:
		tl := n.first()
		switch len(tl.Children) {
		case 0:
			p.write("protocol<>")
		case 1:
			p.print(tl.first(), false)
		default:
			p.write("protocol<")
			p.children(tl, ", ")
			p.writeByte('>')
		}
		return true, nil
	case KindTupleElement:
		if l := n.childOfKind(KindTupleElementName); l != nil {
			p.write(l.Text)
			p.write(" : ")
		}
		t := n.childOfKind(KindType)
		if t == nil {
			panic(failure{errMalformedTree})
		}
		p.print(t, false)
		if n.childOfKind(KindVariadicMarker) != nil {
			p.write("...")
		}
		return true, nil
	case KindDependentGenericType:
		p.print(n.first(), false)
		p.writeByte(' ')
		p.print(n.at(1), false)
		return true, nil
	case KindDependentGenericSignature, KindDependentPseudogenericSignature:
		p.printGenericSignature(n)
		if p.buf[len(p.buf)-1] == '>' && hasRequirements(n) {
			p.buf = p.buf[:len(p.buf)-1]
			p.write(" where ...>")
		}
		return true, nil
	case KindBuiltinTypeName:
		// Builtin.FPIEEE32 and Builtin.Vec4xFPIEEE16 were Float32 and
		// Vec4xFloat16.
		p.write(strings.Replace(n.Text, "FPIEEE", "Float", 1))
		return true, nil
	case KindReabstractionThunk, KindReabstractionThunkHelper:
		p.write("thunk")
		return true, nil
	case KindStatic:
		p.write("static ")
		if swift3Label(n.first()) != nil {
			p.swift3Decl(n.first(), asPrefix)
		} else {
			p.print(n.first(), asPrefix)
		}
		return true, nil
	}
	if swift3Label(n) != nil {
		p.swift3Decl(n, asPrefix)
		return true, nil
	}
	return false, nil
}

func hasRequirements(sig *Node) bool {
	for _, c := range sig.Children {
		if c.Kind != KindDependentGenericParamCount {
			return true
		}
	}
	return false
}

// declLabel describes how a declaration prints its name in this style.
type declLabel struct {
	storage *Node  // the declaration whose context and name are printed
	text    string // fixed name ("init", "(closure #1)"…), if any
	suffix  string // accessor name after the storage name (".getter")
	typed   bool   // prints a function type after the name
	nominal bool   // a nominal type: never parenthesized as a context
}

// swift3Label returns the label rules for declaration kinds, or nil.
func swift3Label(n *Node) *declLabel {
	switch n.Kind {
	case KindFunction, KindBoundGenericFunction:
		return &declLabel{storage: n, typed: true}
	case KindVariable, KindGenericTypeParamDecl:
		return &declLabel{storage: n}
	case KindSubscript:
		return &declLabel{storage: n, text: "subscript", typed: true}
	case KindClass, KindStructure, KindEnum, KindProtocol, KindTypeAlias, KindOtherNominalType:
		return &declLabel{storage: n, nominal: true}
	case KindExplicitClosure, KindImplicitClosure:
		name := "(closure #"
		if n.Kind == KindImplicitClosure {
			name = "(implicit closure #"
		}
		return &declLabel{storage: n, text: name + itoa(n.at(1).Index+1) + ")"}
	case KindInitializer:
		return &declLabel{storage: n, text: "(variable initialization expression)"}
	case KindDefaultArgumentInitializer:
		return &declLabel{storage: n, text: "(default argument " + itoa(n.at(1).Index) + ")"}
	case KindPropertyWrapperBackingInitializer:
		return &declLabel{storage: n, text: "(property wrapper backing initializer)"}
	case KindPropertyWrapperInitFromProjectedValue:
		return &declLabel{storage: n, text: "(property wrapper init from projected value)"}
	case KindAllocator:
		name := "init"
		if n.first().Kind == KindClass {
			name = "__allocating_init"
		}
		return &declLabel{storage: n, text: name, typed: true}
	case KindConstructor:
		return &declLabel{storage: n, text: "init", typed: true}
	case KindDestructor:
		return &declLabel{storage: n, text: "deinit"}
	case KindDeallocator:
		name := "deinit"
		if n.first().Kind == KindClass {
			name = "__deallocating_deinit"
		}
		return &declLabel{storage: n, text: name}
	case KindIVarInitializer:
		return &declLabel{storage: n, text: "__ivar_initializer"}
	case KindIVarDestroyer:
		return &declLabel{storage: n, text: "__ivar_destroyer"}
	}
	if name := accessorName(n.Kind); name != "" && len(n.Children) > 0 {
		st := n.first()
		l := &declLabel{storage: st, suffix: "." + name}
		if st.Kind == KindSubscript {
			l.text = "subscript"
		}
		return l
	}
	return nil
}

// swift3Decl prints a declaration: its context as a prefix, then its label
// and type; as the context of another declaration it is parenthesized
// unless it is a nominal type or its label already is.
func (p *printer) swift3Decl(n *Node, asContext bool) {
	l := swift3Label(n)
	var genericArgs *Node
	if n.Kind == KindBoundGenericFunction {
		genericArgs = n.at(1)
		n = n.first()
		l.storage = n
	}
	st := l.storage
	start := len(p.buf)
	p.swift3Context(st.first())
	if len(p.buf) != start {
		p.writeByte('.')
	}
	wrapStart := len(p.buf)
	if l.text != "" {
		p.write(l.text)
	} else {
		name := st.at(1)
		if name.Kind == KindLocalDeclName {
			p.writeByte('(')
			p.print(name, false)
			p.writeByte(')')
		} else if name.Kind != KindPrivateDeclName {
			p.print(name, false)
		}
		if priv := st.childOfKind(KindPrivateDeclName); priv != nil {
			p.print(priv, false)
		}
	}
	p.write(l.suffix)
	labelOnly := len(p.buf)
	if l.typed && l.suffix == "" {
		if t := st.childOfKind(KindType); t != nil {
			p.swift3EntityType(st, t.first(), genericArgs)
		}
	}
	if !asContext || l.nominal {
		return
	}
	if p.buf[wrapStart] == '(' && p.buf[labelOnly-1] == ')' && labelOnly == len(p.buf) &&
		l.suffix == "" {
		return // already parenthesized, nothing after it
	}
	// Parenthesize what was printed since wrapStart.
	printed := string(p.buf[wrapStart:])
	p.buf = p.buf[:wrapStart]
	p.writeByte('(')
	p.write(printed)
	p.writeByte(')')
}

// swift3EntityType prints the type after a declaration's name: a function
// type directly, or a generic signature, a space and the function type.
func (p *printer) swift3EntityType(ent, t, genericArgs *Node) {
	u := t
	for u.Kind == KindDependentGenericType {
		u = u.at(1).first()
	}
	switch u.Kind {
	case KindFunctionType, KindNoEscapeFunctionType, KindUncurriedFunctionType,
		KindCFunctionPointer, KindThinFunctionType:
	default:
		return // a non-function type is printed after a colon, which is hidden
	}
	labels := ent.childOfKind(KindLabelList)
	if genericArgs != nil {
		p.writeByte('<')
		p.children(genericArgs, ", ")
		p.writeByte('>')
	}
	if t.Kind == KindDependentGenericType {
		if genericArgs == nil {
			p.print(t.first(), false)
		}
		p.writeByte(' ')
		t = t.at(1).first()
	}
	p.printFunctionType(labels, t)
}

// swift3Context prints the context of a declaration as a prefix (without
// the trailing dot).
func (p *printer) swift3Context(ctx *Node) {
	switch ctx.Kind {
	case KindExtension:
		if p.f.extensionContexts {
			p.write("(extension in ")
			p.print(ctx.first(), true)
			p.write("):")
		}
		p.swift3Context(ctx.at(1))
		if len(ctx.Children) == 3 {
			p.print(ctx.at(2), false)
		}
	case KindStatic:
		p.write("static ")
		p.swift3Context(ctx.first())
	default:
		if swift3Label(ctx) != nil {
			p.swift3Decl(ctx, true)
			return
		}
		p.print(ctx, true)
	}
}

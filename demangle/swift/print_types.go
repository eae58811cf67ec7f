package swift

// This file prints names and types: identifiers, nominal and bound generic
// types (with sugar), function types, tuples, existentials, metatypes,
// generic signatures and requirements, and SIL implementation types.

// printType prints n if it is a name or a type and reports whether it did.
func (p *printer) printType(n *Node) bool {
	switch n.Kind {
	case KindType, KindDeclContext:
		p.print(n.first(), false)
	case KindModule:
		if p.f.moduleNames {
			p.write(n.Text)
		}
	case KindIdentifier, KindBuiltinTypeName, KindClangType, KindMetatypeRepresentation,
		KindImplConvention, KindImplFunctionAttribute:
		p.write(n.Text)
	case KindIndex, KindNumber, KindSpecializationPassID, KindInteger:
		p.writeUint(n.Index)
	case KindNegativeInteger:
		p.writeByte('-')
		p.writeUint(n.Index)
	case KindUnknownIndex:
		p.write("unknown index")
	case KindLocalDeclName:
		p.print(n.at(1), false)
		p.write(" #")
		p.writeUint(n.first().Index + 1)
	case KindPrivateDeclName:
		if len(n.Children) > 1 {
			if p.f.privateDiscriminators {
				p.writeByte('(')
			}
			p.print(n.at(1), false)
			if p.f.privateDiscriminators {
				p.write(" in ")
				p.write(n.first().Text)
				p.writeByte(')')
			}
		} else if p.f.privateDiscriminators {
			p.write("(in ")
			p.write(n.first().Text)
			p.writeByte(')')
		}
	case KindRelatedEntityDeclName:
		p.write("related decl '")
		p.write(n.first().Text)
		p.write("' for ")
		p.print(n.at(1), false)
	case KindInfixOperator:
		p.write(n.Text)
		p.write(" infix")
	case KindPrefixOperator:
		p.write(n.Text)
		p.write(" prefix")
	case KindPostfixOperator:
		p.write(n.Text)
		p.write(" postfix")
	case KindFunctionType, KindUncurriedFunctionType, KindNoEscapeFunctionType,
		KindAutoClosureType, KindEscapingAutoClosureType, KindThinFunctionType,
		KindCFunctionPointer, KindObjCBlock, KindEscapingObjCBlock:
		p.printFunctionType(nil, n)
	case KindArgumentTuple:
		p.printFunctionParameters(nil, n, p.f.argumentTypes)
	case KindTuple:
		p.writeByte('(')
		p.children(n, ", ")
		p.writeByte(')')
	case KindTupleElement:
		if l := n.childOfKind(KindTupleElementName); l != nil {
			p.write(l.Text)
			p.write(": ")
		}
		t := n.childOfKind(KindType)
		if t == nil {
			panic(failure{errMalformedTree})
		}
		p.print(t, false)
		if n.childOfKind(KindVariadicMarker) != nil {
			p.write("...")
		}
	case KindTupleElementName:
		p.write(n.Text)
		p.write(": ")
	case KindReturnType:
		if len(n.Children) == 0 {
			p.write(" -> ")
			p.write(n.Text)
		} else {
			p.write(" -> ")
			p.children(n, "")
		}
	case KindWeak, KindUnowned, KindUnmanaged, KindInOut, KindIsolated, KindShared,
		KindOwned, KindNoDerivative, KindSending, KindCompileTimeLiteral, KindConstValue:
		p.write(typePrefixes[n.Kind])
		p.print(n.first(), false)
	case KindBuiltinTupleType:
		p.write("Builtin.TheTupleType")
	case KindBuiltinBorrow:
		p.write("Builtin.Borrow<")
		p.print(n.first(), false)
		p.writeByte('>')
	case KindBuiltinFixedArray:
		p.write("Builtin.FixedArray<")
		p.print(n.first(), false)
		p.write(", ")
		p.print(n.at(1), false)
		p.writeByte('>')
	case KindBoundGenericClass, KindBoundGenericStructure, KindBoundGenericEnum,
		KindBoundGenericProtocol, KindBoundGenericOtherNominalType, KindBoundGenericTypeAlias:
		p.printBoundGeneric(n)
	case KindDynamicSelf, KindConstrainedExistentialSelf:
		p.write("Self")
	case KindSILBoxType:
		p.write("@box ")
		p.print(n.first(), false)
	case KindMetatype:
		i := 0
		if len(n.Children) == 2 {
			p.print(n.first(), false)
			p.writeByte(' ')
			i = 1
		}
		t := n.at(i).first()
		p.printWithParens(t)
		if isExistentialType(t) {
			p.write(".Protocol")
		} else {
			p.write(".Type")
		}
	case KindExistentialMetatype:
		i := 0
		if len(n.Children) == 2 {
			p.print(n.first(), false)
			p.writeByte(' ')
			i = 1
		}
		p.print(n.at(i), false)
		p.write(".Type")
	case KindAssociatedTypeRef:
		p.print(n.first(), false)
		p.writeByte('.')
		p.write(n.at(1).Text)
	case KindProtocolList:
		tl := n.first()
		if len(tl.Children) == 0 {
			p.write("Any")
		} else {
			p.children(tl, " & ")
		}
	case KindProtocolListWithClass:
		p.print(n.at(1), false)
		p.write(" & ")
		p.children(n.first().first(), " & ")
	case KindProtocolListWithAnyObject:
		tl := n.first().first()
		if len(tl.Children) > 0 {
			p.children(tl, " & ")
			p.write(" & ")
		}
		// Swift qualifies AnyObject even when module names are hidden.
		p.write("Swift.AnyObject")
	case KindConstrainedExistential:
		p.write("any ")
		p.print(n.first(), false)
		p.writeByte('<')
		p.print(n.at(1), false)
		p.writeByte('>')
	case KindConstrainedExistentialRequirementList:
		p.children(n, ", ")
	case KindAssociatedType, KindLabelList, KindOpaqueReturnTypeIndex, KindOpaqueReturnTypeParent:
		// not printed
	case KindDependentGenericSignature, KindDependentPseudogenericSignature:
		p.printGenericSignature(n)
	case KindDependentGenericConformanceRequirement:
		p.print(n.first(), false)
		p.write(": ")
		p.print(n.at(1), false)
	case KindDependentGenericInverseConformanceRequirement:
		p.print(n.first(), false)
		p.write(": ~")
		switch i := n.at(1).Index; i {
		case 0:
			p.write("Swift.Copyable")
		case 1:
			p.write("Swift.Escapable")
		default:
			p.write("Swift.<bit ")
			p.writeUint(i)
			p.writeByte('>')
		}
	case KindDependentGenericLayoutRequirement:
		p.printLayoutRequirement(n)
	case KindDependentGenericSameTypeRequirement:
		p.print(n.first(), false)
		p.write(" == ")
		p.print(n.at(1), false)
	case KindDependentGenericSameShapeRequirement:
		p.print(n.first(), false)
		p.write(".shape == ")
		p.print(n.at(1), false)
	case KindDependentGenericParamType:
		p.write(genericParamName(n.first().Index, n.at(1).Index))
	case KindDependentGenericType:
		p.print(n.first(), false)
		if needSpaceBeforeType(n.at(1)) {
			p.writeByte(' ')
		}
		p.print(n.at(1), false)
	case KindDependentMemberType:
		p.print(n.first(), false)
		p.writeByte('.')
		p.print(n.at(1), false)
	case KindDependentAssociatedTypeRef:
		if len(n.Children) > 1 {
			p.print(n.at(1), false)
			p.writeByte('.')
		}
		p.print(n.first(), false)
	case KindErrorType:
		p.write("<ERROR TYPE>")
	case KindSugaredOptional:
		p.printWithParens(n.first())
		p.writeByte('?')
	case KindSugaredArray:
		p.writeByte('[')
		p.print(n.first(), false)
		p.writeByte(']')
	case KindSugaredInlineArray:
		p.writeByte('[')
		p.print(n.first(), false)
		p.write(" of ")
		p.print(n.at(1), false)
		p.writeByte(']')
	case KindSugaredDictionary:
		p.writeByte('[')
		p.print(n.first(), false)
		p.write(" : ")
		p.print(n.at(1), false)
		p.writeByte(']')
	case KindSugaredParen:
		p.writeByte('(')
		p.print(n.first(), false)
		p.writeByte(')')
	case KindOpaqueReturnType:
		p.write("some")
	case KindOpaqueReturnTypeOf:
		p.write("<<opaque return type of ")
		p.children(n, "")
		p.write(">>")
	case KindOpaqueType:
		p.print(n.first(), false)
		p.writeByte('.')
		p.print(n.at(1), false)
	case KindPack:
		p.write("Pack{")
		p.children(n, ", ")
		p.writeByte('}')
	case KindSILPackDirect, KindSILPackIndirect:
		if n.Kind == KindSILPackDirect {
			p.write("@direct Pack{")
		} else {
			p.write("@indirect Pack{")
		}
		p.children(n, ", ")
		p.writeByte('}')
	case KindPackExpansion:
		p.write("repeat ")
		p.print(n.first(), false)
	case KindPackElement:
		p.write("/* level: ")
		p.writeUint(n.at(1).Index)
		p.write(" */ each ")
		p.print(n.first(), false)
	case KindSILBoxTypeWithLayout:
		if len(n.Children) == 3 {
			p.print(n.at(1), false)
			p.writeByte(' ')
		}
		p.print(n.first(), false)
		if len(n.Children) == 3 {
			p.write(" <")
			p.children(n.at(2), ", ")
			p.writeByte('>')
		}
	case KindSILBoxLayout:
		p.writeByte('{')
		for i, c := range n.Children {
			if i > 0 {
				p.writeByte(',')
			}
			p.writeByte(' ')
			p.print(c, false)
		}
		p.write(" }")
	case KindSILBoxImmutableField:
		p.write("let ")
		p.print(n.first(), false)
	case KindSILBoxMutableField:
		p.write("var ")
		p.print(n.first(), false)
	case KindImplFunctionType:
		p.printImplFunctionType(n)
	case KindImplEscaping:
		p.write("@escaping")
	case KindImplErasedIsolation:
		p.write("@isolated(any)")
	case KindImplCallerIsolated:
		p.write("@caller_isolated")
	case KindImplCoroutineKind:
		if n.Text != "" {
			p.writeByte('@')
			p.write(n.Text)
		}
	case KindImplSendingResult:
		p.write("sending")
	case KindImplParameterIsolated, KindImplParameterImplicitLeading:
		// Swift's printer leaves these SIL flags out (an implicit actor
		// parameter prints as its type).
	case KindImplParameterResultDifferentiability, KindImplParameterSending:
		if n.Text != "" {
			p.write(n.Text)
			p.writeByte(' ')
		}
	case KindImplDifferentiabilityKind:
		p.write("@differentiable")
		p.write(differentiabilitySuffix(n.Index))
	case KindImplFunctionConvention:
		p.write("@convention(")
		p.write(n.first().Text)
		if len(n.Children) > 1 {
			p.write(", mangledCType: \"")
			p.print(n.at(1), false)
			p.writeByte('"')
		}
		p.writeByte(')')
	case KindImplErrorResult:
		p.write("@error ")
		p.children(n, " ")
	case KindImplYield:
		p.write("@yields ")
		p.children(n, " ")
	case KindImplParameter, KindImplResult:
		if len(n.Children) < 2 {
			panic(failure{errMalformedTree})
		}
		p.print(n.first(), false)
		p.writeByte(' ')
		for _, c := range n.Children[1 : len(n.Children)-1] {
			p.print(c, false)
		}
		p.print(n.last(), false)
	case KindImplInvocationSubstitutions:
		p.write("for <")
		p.children(n.first(), ", ")
		p.writeByte('>')
	case KindImplPatternSubstitutions:
		p.write("@substituted ")
		p.print(n.first(), false)
		p.write(" for <")
		p.children(n.at(1), ", ")
		p.writeByte('>')
	case KindConcurrentFunctionType:
		p.write("@Sendable ")
	case KindDifferentiableFunctionType:
		p.write("@differentiable")
		p.write(differentiabilitySuffix(n.Index))
		p.writeByte(' ')
	case KindGlobalActorFunctionType:
		if len(n.Children) > 0 {
			p.writeByte('@')
			p.print(n.first(), false)
			p.writeByte(' ')
		}
	case KindIsolatedAnyFunctionType:
		p.write("@isolated(any) ")
	case KindNonIsolatedCallerFunctionType:
		p.write("nonisolated(nonsending) ")
	case KindSendingResultFunctionType:
		p.write("sending ")
	case KindAsyncAnnotation:
		p.write(" async")
	case KindThrowsAnnotation:
		p.write(" throws")
	case KindTypedThrowsAnnotation:
		p.write(" throws(")
		if len(n.Children) == 1 {
			p.print(n.first(), false)
		}
		p.writeByte(')')
	case KindEmptyList:
		p.write(" empty-list ")
	case KindFirstElementMarker:
		p.write(" first-element-marker ")
	case KindVariadicMarker:
		p.write(" variadic-marker ")
	case KindTypeList:
		p.children(n, "")
	default:
		return false
	}
	return true
}

var typePrefixes = map[Kind]string{
	KindWeak: "weak ", KindUnowned: "unowned ", KindUnmanaged: "unowned(unsafe) ",
	KindInOut: "inout ", KindIsolated: "isolated ", KindShared: "__shared ",
	KindOwned: "__owned ", KindNoDerivative: "@noDerivative ", KindSending: "sending ",
	KindCompileTimeLiteral: "_const ", KindConstValue: "@const ",
}

func differentiabilitySuffix(k uint64) string {
	switch k {
	case 'f':
		return "(_forward)"
	case 'r':
		return "(reverse)"
	case 'l':
		return "(_linear)"
	}
	return ""
}

func isExistentialType(n *Node) bool {
	switch n.Kind {
	case KindExistentialMetatype, KindProtocolList, KindProtocolListWithClass,
		KindProtocolListWithAnyObject:
		return true
	}
	return false
}

// isSimpleType reports whether a type can be followed by '?' or ".Type"
// without parentheses.
func isSimpleType(n *Node) bool {
	switch n.Kind {
	case KindType:
		return isSimpleType(n.first())
	case KindProtocolList:
		return len(n.first().Children) <= 1
	case KindProtocolListWithAnyObject:
		return len(n.first().first().Children) == 0
	case KindAssociatedType, KindAssociatedTypeRef, KindBoundGenericClass, KindBoundGenericEnum,
		KindBoundGenericStructure, KindBoundGenericProtocol, KindBoundGenericOtherNominalType,
		KindBoundGenericTypeAlias, KindBoundGenericFunction, KindBuiltinTypeName,
		KindBuiltinTupleType, KindBuiltinFixedArray, KindBuiltinBorrow, KindClass, KindDependentGenericType,
		KindDependentMemberType, KindDependentGenericParamType, KindDynamicSelf, KindEnum,
		KindErrorType, KindExistentialMetatype, KindMetatype, KindMetatypeRepresentation,
		KindModule, KindTuple, KindPack, KindSILPackDirect, KindSILPackIndirect,
		KindConstrainedExistentialRequirementList, KindConstrainedExistentialSelf,
		KindProtocol, KindProtocolSymbolicReference, KindReturnType, KindSILBoxType,
		KindSILBoxTypeWithLayout, KindStructure, KindOtherNominalType, KindTupleElementName,
		KindTypeAlias, KindTypeList, KindLabelList, KindTypeSymbolicReference,
		KindSugaredOptional, KindSugaredArray, KindSugaredInlineArray, KindSugaredDictionary,
		KindSugaredParen, KindInteger, KindNegativeInteger, KindOpaqueType, KindOpaqueReturnType:
		return true
	}
	return false
}

func (p *printer) printWithParens(t *Node) {
	simple := isSimpleType(t)
	if !simple {
		p.writeByte('(')
	}
	p.print(t, false)
	if !simple {
		p.writeByte(')')
	}
}

type sugar uint8

const (
	noSugar sugar = iota
	optionalSugar
	iuoSugar
	arraySugar
	dictionarySugar
)

func isSwiftModule(n *Node) bool { return n.Kind == KindModule && n.Text == "Swift" }

func isIdentifier(n *Node, s string) bool { return n.Kind == KindIdentifier && n.Text == s }

// findSugar recognizes Optional, ImplicitlyUnwrappedOptional, Array and
// Dictionary of the standard library, which print with sugar.
func findSugar(n *Node) sugar {
	for n.Kind == KindType && len(n.Children) == 1 {
		n = n.Children[0]
	}
	if len(n.Children) != 2 || (n.Kind != KindBoundGenericEnum && n.Kind != KindBoundGenericStructure) {
		return noSugar
	}
	unbound := n.first().first()
	if len(unbound.Children) < 2 || !isSwiftModule(unbound.first()) {
		return noSugar
	}
	name, nargs := unbound.at(1), len(n.at(1).Children)
	if n.Kind == KindBoundGenericEnum {
		switch {
		case isIdentifier(name, "Optional") && nargs == 1:
			return optionalSugar
		case isIdentifier(name, "ImplicitlyUnwrappedOptional") && nargs == 1:
			return iuoSugar
		}
		return noSugar
	}
	switch {
	case isIdentifier(name, "Array") && nargs == 1:
		return arraySugar
	case isIdentifier(name, "Dictionary") && nargs == 2:
		return dictionarySugar
	}
	return noSugar
}

func (p *printer) printBoundGenericNoSugar(n *Node) {
	if len(n.Children) < 2 {
		return
	}
	p.print(n.first(), false)
	p.writeByte('<')
	p.children(n.at(1), ", ")
	p.writeByte('>')
}

func (p *printer) printBoundGeneric(n *Node) {
	if len(n.Children) < 2 {
		return
	}
	if len(n.Children) != 2 || !p.f.sugar || n.Kind == KindBoundGenericClass {
		p.printBoundGenericNoSugar(n)
		return
	}
	if n.Kind == KindBoundGenericProtocol {
		p.children(n.at(1), "")
		p.write(" as ")
		p.print(n.first(), false)
		return
	}
	args := n.at(1)
	switch findSugar(n) {
	case optionalSugar, iuoSugar:
		p.printWithParens(args.first())
		if findSugar(n) == optionalSugar {
			p.writeByte('?')
		} else {
			p.writeByte('!')
		}
	case arraySugar:
		p.writeByte('[')
		p.print(args.first(), false)
		p.writeByte(']')
	case dictionarySugar:
		p.writeByte('[')
		p.print(args.first(), false)
		p.write(" : ")
		p.print(args.at(1), false)
		p.writeByte(']')
	default:
		p.printBoundGenericNoSugar(n)
	}
}

// printFunctionParameters prints "(A, label: B)" or, without types,
// "(_:label:)".
func (p *printer) printFunctionParameters(labels, args *Node, showTypes bool) {
	if args.Kind != KindArgumentTuple {
		panic(failure{errMalformedTree})
	}
	params := args.first().first()
	if params.Kind != KindTuple {
		if showTypes {
			p.writeByte('(')
			p.print(params, false)
			p.writeByte(')')
		} else {
			p.write("(_:)")
		}
		return
	}
	hasLabels := labels != nil && len(labels.Children) > 0
	p.writeByte('(')
	for i, param := range params.Children {
		if i > 0 && showTypes {
			p.write(", ")
		}
		switch {
		case hasLabels:
			l := labels.at(i)
			if l.Kind == KindIdentifier {
				p.write(l.Text)
			} else {
				p.writeByte('_')
			}
			switch {
			case !showTypes:
				p.writeByte(':')
			case p.f.swift3:
				p.write(" : ")
			default:
				p.write(": ")
			}
		case !showTypes:
			if l := param.childOfKind(KindTupleElementName); l != nil {
				p.write(l.Text)
			} else {
				p.writeByte('_')
			}
			p.writeByte(':')
		}
		if showTypes {
			p.print(param, false)
		}
	}
	p.writeByte(')')
}

// printFunctionType prints a function type, using labels (a LabelList or
// nil) for the parameters.
func (p *printer) printFunctionType(labels, fn *Node) {
	if len(fn.Children) < 2 {
		panic(failure{errMalformedTree})
	}
	convention := func(name string) {
		p.write("@convention(")
		p.write(name)
		if fn.first().Kind == KindClangType {
			p.write(", mangledCType: \"")
			p.print(fn.first(), false)
			p.writeByte('"')
		}
		p.write(") ")
	}
	switch fn.Kind {
	case KindAutoClosureType, KindEscapingAutoClosureType:
		p.write("@autoclosure ")
	case KindThinFunctionType:
		p.write("@convention(thin) ")
	case KindCFunctionPointer:
		convention("c")
	case KindEscapingObjCBlock:
		p.write("@escaping ")
		convention("block")
	case KindObjCBlock:
		convention("block")
	}
	args := len(fn.Children) - 2
	var diff uint64
	var thrown *Node
	sendable, async, sendingResult := false, false, false
	for _, c := range fn.Children[:args] {
		switch c.Kind {
		case KindSendingResultFunctionType:
			sendingResult = true
		case KindIsolatedAnyFunctionType, KindGlobalActorFunctionType:
			p.print(c, false)
		case KindCalledOnceFunctionType:
			p.write("@called(once) ")
		case KindDifferentiableFunctionType:
			diff = c.Index
		case KindThrowsAnnotation, KindTypedThrowsAnnotation:
			thrown = c
		case KindConcurrentFunctionType:
			sendable = true
		case KindAsyncAnnotation:
			async = true
		}
	}
	if diff != 0 {
		p.write("@differentiable")
		p.write(differentiabilitySuffix(diff))
		p.writeByte(' ')
	}
	for _, c := range fn.Children[:args] {
		if c.Kind == KindNonIsolatedCallerFunctionType {
			p.print(c, false)
		}
	}
	if sendable {
		p.write("@Sendable ")
	}
	p.printFunctionParameters(labels, fn.at(args), p.f.argumentTypes)
	if !p.f.argumentTypes {
		return
	}
	if async {
		p.write(" async")
	}
	if thrown != nil {
		p.print(thrown, false)
	}
	if sendingResult {
		p.write(" -> sending ")
		p.children(fn.at(args+1), "")
		return
	}
	p.print(fn.at(args+1), false)
}

func (p *printer) printImplFunctionType(fn *Node) {
	const (
		attrs = iota
		inputs
		results
	)
	var patternSubs, invocationSubs, sendingResult *Node
	state := attrs
	transition := func(to int) {
		for ; state < to; state++ {
			switch state {
			case attrs:
				if patternSubs != nil {
					p.write("@substituted ")
					p.print(patternSubs.first(), false)
					p.writeByte(' ')
				}
				p.writeByte('(')
			case inputs:
				p.write(") -> ")
				if sendingResult != nil {
					p.print(sendingResult, false)
					p.writeByte(' ')
				}
				p.writeByte('(')
			}
		}
	}
	for _, c := range fn.Children {
		switch c.Kind {
		case KindImplParameter:
			if state == inputs {
				p.write(", ")
			}
			transition(inputs)
			p.print(c, false)
		case KindImplResult, KindImplYield, KindImplErrorResult:
			if state == results {
				p.write(", ")
			}
			transition(results)
			p.print(c, false)
		case KindImplPatternSubstitutions:
			patternSubs = c
		case KindImplInvocationSubstitutions:
			invocationSubs = c
		case KindImplSendingResult:
			sendingResult = c
		default:
			p.print(c, false)
			p.writeByte(' ')
		}
	}
	transition(results)
	p.writeByte(')')
	if patternSubs != nil {
		p.write(" for <")
		p.children(patternSubs.at(1), "")
		p.writeByte('>')
	}
	if invocationSubs != nil {
		p.write(" for <")
		p.children(invocationSubs.first(), "")
		p.writeByte('>')
	}
}

// printGenericSignature prints "<A, B where A: P>" (one bracket group per
// depth); pack and value parameters are marked "each" and "let".
func (p *printer) printGenericSignature(n *Node) {
	p.writeByte('<')
	nparams := 0
	for nparams < len(n.Children) && n.Children[nparams].Kind == KindDependentGenericParamCount {
		nparams++
	}
	firstReq := nparams
	for firstReq < len(n.Children) {
		k := n.Children[firstReq].Kind
		if k != KindDependentGenericParamPackMarker && k != KindDependentGenericParamValueMarker {
			break
		}
		firstReq++
	}
	marker := func(depth, index uint64) (pack bool, value *Node) {
		for _, m := range n.Children[nparams:firstReq] {
			t := m.first()
			if t.Kind == KindType {
				t = t.first()
			}
			if t.Kind != KindDependentGenericParamType || t.first().Index != depth || t.at(1).Index != index {
				continue
			}
			if m.Kind == KindDependentGenericParamPackMarker {
				pack = true
			} else if len(m.Children) > 1 {
				value = m.at(1)
			}
		}
		return pack, value
	}
	for depth := 0; depth < nparams; depth++ {
		if depth > 0 {
			p.write("><")
		}
		count := n.Children[depth].Index
		for i := uint64(0); i < count; i++ {
			if i > 0 {
				p.write(", ")
			}
			if i >= 128 {
				p.write("...")
				break
			}
			pack, value := false, (*Node)(nil)
			if firstReq > nparams {
				pack, value = marker(uint64(depth), i)
			}
			if pack {
				p.write("each ")
			}
			if value != nil {
				p.write("let ")
			}
			p.write(genericParamName(uint64(depth), i))
			if value != nil {
				p.write(": ")
				p.print(value, false)
			}
		}
	}
	if firstReq < len(n.Children) && p.f.whereClauses {
		p.write(" where ")
		for i, r := range n.Children[firstReq:] {
			if i > 0 {
				p.write(", ")
			}
			p.print(r, false)
		}
	}
	p.writeByte('>')
}

func (p *printer) printLayoutRequirement(n *Node) {
	p.print(n.first(), false)
	p.write(": ")
	l := n.at(1)
	var name string
	if len(l.Text) == 1 {
		switch l.Text[0] {
		case 'U':
			name = "_UnknownLayout"
		case 'R':
			name = "_RefCountedObject"
		case 'N':
			name = "_NativeRefCountedObject"
		case 'C':
			name = "AnyObject"
		case 'D':
			name = "_NativeClass"
		case 'T', 'E', 'e':
			name = "_Trivial"
		case 'M', 'm':
			name = "_TrivialAtMost"
		case 'B':
			name = "_BridgeObject"
		case 'S':
			name = "_TrivialStride"
		}
	}
	p.write(name)
	if len(n.Children) > 2 {
		p.writeByte('(')
		p.print(n.at(2), false)
		if len(n.Children) > 3 {
			p.write(", ")
			p.print(n.at(3), false)
		}
		p.writeByte(')')
	}
}

package swift

// This file holds the operator machine of the current mangling (Swift 4 and
// later: prefixes _T0, $S, $s, $e). The mangling is postfix: each operator
// pops its operands from a stack of already demangled nodes and pushes its
// result (docs/ABI/Mangling.rst, "The basic mangling scheme is a list of
// 'operators' … structured in a post-fix order").

// demangler parses one mangled name in the current mangling.
type demangler struct {
	*arena
	text   string
	pos    int
	stack  []*Node
	subs   []*Node
	words  [26]string
	nwords int
	depth  int

	// oldFuncTypes is set for the Swift 4.0 prefix _T0, where argument
	// labels were still mangled inside the parameter tuple.
	oldFuncTypes bool

	scratch []byte // identifier assembly
}

// prefixLen returns the length of the current-mangling prefix of name, or 0.
func prefixLen(name string) int {
	switch {
	case hasPrefix(name, "_T0"), hasPrefix(name, "_$s"), hasPrefix(name, "_$S"), hasPrefix(name, "_$e"):
		return 3
	case hasPrefix(name, "$s"), hasPrefix(name, "$S"), hasPrefix(name, "$e"):
		return 2
	case hasPrefix(name, "@__swiftmacro_"):
		return len("@__swiftmacro_")
	}
	return 0
}

func hasPrefix(s, p string) bool { return len(s) >= len(p) && s[:len(p)] == p }

// --- cursor -----------------------------------------------------------------

func (d *demangler) peek() byte {
	if d.pos < len(d.text) {
		return d.text[d.pos]
	}
	return 0
}

func (d *demangler) next() byte {
	if d.pos < len(d.text) {
		c := d.text[d.pos]
		d.pos++
		return c
	}
	return 0
}

func (d *demangler) nextIf(c byte) bool {
	if d.pos < len(d.text) && d.text[d.pos] == c {
		d.pos++
		return true
	}
	return false
}

func (d *demangler) back() {
	if d.pos > 0 {
		d.pos--
	}
}

func (d *demangler) fail(field, msg string) {
	panic(syntaxError(d.pos, field, msg))
}

// enter and leave bound the recursion of the few recursive productions.
func (d *demangler) enter() {
	d.depth++
	if d.depth > maxDepth {
		panic(failure{ErrLimit})
	}
}

func (d *demangler) leave() { d.depth-- }

// --- operand stack ------------------------------------------------------------

func (d *demangler) push(n *Node) {
	if len(d.stack) >= maxStack {
		panic(failure{ErrLimit})
	}
	d.stack = append(d.stack, n)
}

func (d *demangler) pop() *Node {
	if len(d.stack) == 0 {
		return nil
	}
	n := d.stack[len(d.stack)-1]
	d.stack = d.stack[:len(d.stack)-1]
	return n
}

func (d *demangler) top() *Node {
	if len(d.stack) == 0 {
		return nil
	}
	return d.stack[len(d.stack)-1]
}

// popKind pops the top node if it has kind k; otherwise it returns nil.
func (d *demangler) popKind(k Kind) *Node {
	if t := d.top(); t != nil && t.Kind == k {
		return d.pop()
	}
	return nil
}

// popIf pops the top node if ok accepts its kind; otherwise it returns nil.
func (d *demangler) popIf(ok func(Kind) bool) *Node {
	if t := d.top(); t != nil && ok(t.Kind) {
		return d.pop()
	}
	return nil
}

// must fails the parse when n is nil, naming what was expected.
func (d *demangler) must(n *Node, what string) *Node {
	if n == nil {
		d.fail(what, "missing operand")
	}
	return n
}

func (d *demangler) mustPop(k Kind) *Node { return d.must(d.popKind(k), k.String()) }

func (d *demangler) mustPopIf(ok func(Kind) bool, what string) *Node {
	return d.must(d.popIf(ok), what)
}

func (d *demangler) addSubst(n *Node) {
	if len(d.subs) >= maxStack {
		panic(failure{ErrLimit})
	}
	d.subs = append(d.subs, n)
}

// typ wraps n in a Type node.
func (d *demangler) typ(n *Node) *Node { return d.with(KindType, n) }

// --- entry ----------------------------------------------------------------------

// parseSymbol demangles a whole symbol whose prefix has length plen.
func (d *demangler) parseSymbol(name string, plen int) *Node {
	d.text = name
	d.pos = plen
	d.oldFuncTypes = hasPrefix(name, "_T")
	for d.pos < len(d.text) {
		d.push(d.operator())
	}
	global := d.newNode(KindGlobal)
	suffix := d.popKind(KindSuffix)
	parent := global
	for {
		attr := d.popIf(isFunctionAttr)
		if attr == nil {
			break
		}
		d.add(parent, attr)
		if attr.Kind == KindPartialApplyForwarder || attr.Kind == KindPartialApplyObjCForwarder {
			parent = attr
		}
	}
	hoisted := parent != global || len(global.Children) > 0
	for _, n := range d.stack {
		if strayOperand(n.Kind) && (!hoisted || len(d.stack) > 1) {
			// Swift's demangler prints such leftovers concatenated
			// ("$s4main3foo" → "mainfoo"); they are malformed symbols,
			// except a lone name after a specialization or thunk marker
			// (a specialized C function).
			d.fail("symbol", "incomplete mangling: "+n.Kind.String()+" left over")
		}
		if n.Kind == KindType {
			d.add(parent, n.first())
		} else {
			d.add(parent, n)
		}
	}
	d.addIf(global, suffix)
	if len(global.Children) == 0 {
		d.fail("symbol", "empty mangling")
	}
	return global
}

// isFunctionAttr reports kinds that prefix a global symbol (thunks,
// specializations, @objc…) and are hoisted to the front of the Global node.
func isFunctionAttr(k Kind) bool {
	switch k {
	case KindFunctionSignatureSpecialization, KindGenericSpecialization,
		KindGenericSpecializationPrespecialized, KindInlinedGenericFunction,
		KindGenericSpecializationNotReAbstracted, KindGenericPartialSpecialization,
		KindGenericPartialSpecializationNotReAbstracted, KindGenericSpecializationInResilienceDomain,
		KindObjCAttribute, KindNonObjCAttribute, KindDynamicAttribute,
		KindDirectMethodReferenceAttribute, KindVTableAttribute,
		KindPartialApplyForwarder, KindPartialApplyObjCForwarder,
		KindOutlinedVariable, KindOutlinedReadOnlyObject, KindOutlinedBridgedMethod,
		KindMergedFunction, KindDistributedThunk, KindDistributedAccessor,
		KindDynamicallyReplaceableFunctionImpl, KindDynamicallyReplaceableFunctionKey,
		KindDynamicallyReplaceableFunctionVar, KindAsyncFunctionPointer,
		KindAsyncAwaitResumePartialFunction, KindAsyncSuspendResumePartialFunction,
		KindAccessibleFunctionRecord, KindBackDeploymentThunk, KindBackDeploymentFallback,
		KindHasSymbolQuery, KindCoroFunctionPointer, KindDefaultOverride,
		KindNonConstantPartialApply:
		return true
	}
	return false
}

// strayOperand reports kinds that are only ever operands of another
// operator and cannot stand alone at the top of a symbol.
func strayOperand(k Kind) bool {
	switch k {
	case KindModule, KindEmptyList, KindFirstElementMarker, KindVariadicMarker,
		KindLabelList, KindRetroactiveConformance:
		return true
	}
	return isDeclName(k) && k != KindTypeSymbolicReference && k != KindProtocolSymbolicReference
}

func isDeclName(k Kind) bool {
	switch k {
	case KindIdentifier, KindLocalDeclName, KindPrivateDeclName, KindRelatedEntityDeclName,
		KindPrefixOperator, KindPostfixOperator, KindInfixOperator,
		KindTypeSymbolicReference, KindProtocolSymbolicReference:
		return true
	}
	return false
}

func isAnyGeneric(k Kind) bool {
	switch k {
	case KindStructure, KindClass, KindEnum, KindProtocol, KindProtocolSymbolicReference,
		KindOtherNominalType, KindTypeAlias, KindTypeSymbolicReference:
		return true
	}
	return false
}

func isEntity(k Kind) bool { return k == KindType || isContextKind(k) }

func isRequirement(k Kind) bool {
	switch k {
	case KindDependentGenericParamPackMarker, KindDependentGenericParamValueMarker,
		KindDependentGenericSameTypeRequirement, KindDependentGenericSameShapeRequirement,
		KindDependentGenericLayoutRequirement, KindDependentGenericConformanceRequirement,
		KindDependentGenericInverseConformanceRequirement:
		return true
	}
	return false
}

// operator demangles one operator and returns the node to push.
func (d *demangler) operator() *Node {
	for {
		c := d.next()
		switch c {
		case 0xFF:
			continue // alignment padding before a symbolic reference
		case 'A':
			return d.multiSubstitution()
		case 'B':
			return d.builtinType()
		case 'C':
			return d.anyGeneric(KindClass)
		case 'D':
			return d.typeMangling()
		case 'E':
			return d.extensionContext()
		case 'F':
			return d.plainFunction()
		case 'G':
			return d.boundGenericType()
		case 'H':
			return d.conformanceOperator()
		case 'I':
			return d.implFunctionType()
		case 'K':
			return d.newNode(KindThrowsAnnotation)
		case 'L':
			return d.localIdentifier()
		case 'M':
			return d.metadataOperator()
		case 'N':
			return d.with(KindTypeMetadata, d.mustPop(KindType))
		case 'O':
			return d.anyGeneric(KindEnum)
		case 'P':
			return d.anyGeneric(KindProtocol)
		case 'Q':
			return d.archetype()
		case 'R':
			return d.genericRequirement()
		case 'S':
			return d.standardSubstitution()
		case 'T':
			return d.thunkOrSpecialization()
		case 'V':
			return d.anyGeneric(KindStructure)
		case 'W':
			return d.witness()
		case 'X':
			return d.specialType()
		case 'Y':
			return d.typeAnnotation()
		case 'Z':
			return d.with(KindStatic, d.mustPopIf(isEntity, "static entity"))
		case 'a':
			return d.anyGeneric(KindTypeAlias)
		case 'c':
			return d.functionType(KindFunctionType, false)
		case 'd':
			return d.newNode(KindVariadicMarker)
		case 'f':
			return d.functionEntity()
		case 'g':
			return d.retroactiveConformance()
		case 'h':
			return d.typ(d.with(KindShared, d.popTypeChild()))
		case 'i':
			return d.subscript()
		case 'l':
			return d.genericSignature(false)
		case 'm':
			return d.typ(d.with(KindMetatype, d.mustPop(KindType)))
		case 'n':
			return d.typ(d.with(KindOwned, d.popTypeChild()))
		case 'o':
			return d.operatorIdentifier()
		case 'p':
			return d.typ(d.protocolList())
		case 'q':
			return d.typ(d.genericParamIndex())
		case 'r':
			return d.genericSignature(true)
		case 's':
			return d.str(KindModule, "Swift")
		case 't':
			return d.tuple()
		case 'u':
			return d.genericType()
		case 'v':
			return d.variable()
		case 'w':
			return d.valueWitness()
		case 'x':
			return d.typ(d.genericParam(0, 0))
		case 'y':
			return d.newNode(KindEmptyList)
		case 'z':
			return d.typ(d.with(KindInOut, d.popTypeChild()))
		case '_':
			return d.newNode(KindFirstElementMarker)
		case '.':
			// ".<n>" suffixes from IRGen/LLVM are kept as an unmangled suffix.
			d.back()
			s := d.text[d.pos:]
			d.pos = len(d.text)
			return d.str(KindSuffix, s)
		case '$':
			return d.integerType()
		case 0:
			d.fail("operator", "unexpected end of mangling")
		default:
			if c >= 1 && c <= 0x1F {
				d.back()
				d.fail("symbolic reference", "symbolic references are not demangled")
			}
			d.back()
			return d.identifier()
		}
	}
}

// natural reads a decimal number; it returns -1 when there is none or it
// overflows.
func (d *demangler) natural() int {
	if !isDigit(d.peek()) {
		return -1
	}
	n := 0
	for isDigit(d.peek()) {
		n = n*10 + int(d.next()-'0')
		if n > 1<<31 {
			return -1
		}
	}
	return n
}

// index reads an INDEX: '_' is 0, N '_' is N+1. It returns -1 on error.
func (d *demangler) index() int {
	if d.nextIf('_') {
		return 0
	}
	n := d.natural()
	if n >= 0 && d.nextIf('_') {
		return n + 1
	}
	return -1
}

func (d *demangler) mustIndex(what string) uint64 {
	i := d.index()
	if i < 0 {
		d.fail(what, "bad index")
	}
	return uint64(i)
}

func (d *demangler) indexNode() *Node { return d.num(KindNumber, d.mustIndex("index")) }

func isDigit(c byte) bool  { return c >= '0' && c <= '9' }
func isLower(c byte) bool  { return c >= 'a' && c <= 'z' }
func isUpper(c byte) bool  { return c >= 'A' && c <= 'Z' }
func isLetter(c byte) bool { return isLower(c) || isUpper(c) }

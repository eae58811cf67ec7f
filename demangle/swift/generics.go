package swift

// This file demangles archetypes, associated and dependent member types,
// generic parameters, generic signatures and requirements, special types
// ('X…'), type annotations ('Y…') and SIL implementation function types
// ('I…') of the current mangling.

// --- archetypes, associated types and generic parameters --------------------------

func (d *demangler) archetype() *Node {
	switch c := d.next(); c {
	case 'a':
		id := d.mustPop(KindIdentifier)
		base := d.popTypeChild()
		t := d.typ(d.with(KindAssociatedTypeRef, base, id))
		d.addSubst(t)
		return t
	case 'O':
		return d.with(KindOpaqueReturnTypeOf, d.popContext())
	case 'o':
		idx := d.mustIndex("opaque type index")
		lists, retro := d.boundGenericLists()
		name := d.must(d.pop(), "opaque type")
		op := d.with(KindOpaqueType, name, d.num(KindIndex, idx))
		bound := d.newNode(KindTypeList)
		for j := len(lists) - 1; j >= 0; j-- {
			d.add(bound, lists[j])
		}
		d.add(op, bound)
		d.addIf(op, retro)
		t := d.typ(op)
		d.addSubst(t)
		return t
	case 'r':
		return d.typ(d.newNode(KindOpaqueReturnType))
	case 'R':
		i := d.mustIndex("opaque type index")
		return d.typ(d.with(KindOpaqueReturnType, d.num(KindOpaqueReturnTypeIndex, i)))
	case 'x', 'X', 'y', 'Y', 'z', 'Z':
		var base *Node
		switch c {
		case 'y', 'Y':
			base = d.genericParamIndex()
		case 'z', 'Z':
			base = d.genericParam(0, 0)
		}
		var t *Node
		if c == 'x' || c == 'y' || c == 'z' {
			t = d.assocTypeSimple(base)
		} else {
			t = d.assocTypeCompound(base)
		}
		d.addSubst(t)
		return t
	case 'p':
		count := d.popTypeChild()
		pattern := d.popTypeChild()
		return d.typ(d.with(KindPackExpansion, pattern, count))
	case 'e':
		p := d.popTypeChild()
		level := d.mustIndex("pack element level")
		return d.typ(d.with(KindPackElement, p, d.num(KindPackElementLevel, level)))
	case 'P':
		return d.pack(KindPack)
	case 'S':
		switch d.next() {
		case 'd':
			return d.pack(KindSILPackDirect)
		case 'i':
			return d.pack(KindSILPackIndirect)
		}
		d.back()
		d.fail("archetype", "bad SIL pack directness")
	case 'u':
		// "Qu": opaque result type, used for ObjC class runtime names.
		return d.typ(d.newNode(KindOpaqueReturnType))
	default:
		d.back()
		d.fail("archetype", "unknown operator Q"+quoteByte(c))
	}
	return nil
}

// assocTypeSimple demangles a dependent member type on base (or on a popped
// type when base is nil).
func (d *demangler) assocTypeSimple(base *Node) *Node {
	name := d.popAssocTypeName()
	var bt *Node
	if base != nil {
		bt = d.typ(base)
	} else {
		bt = d.mustPop(KindType)
	}
	return d.typ(d.with(KindDependentMemberType, bt, name))
}

// assocTypeCompound demangles a path of dependent member types.
func (d *demangler) assocTypeCompound(base *Node) *Node {
	var names []*Node
	for {
		first := d.popKind(KindFirstElementMarker) != nil
		names = append(names, d.popAssocTypeName())
		if first {
			break
		}
	}
	var bt *Node
	if base != nil {
		bt = d.typ(base)
	} else {
		bt = d.mustPop(KindType)
	}
	for j := len(names) - 1; j >= 0; j-- {
		bt = d.typ(d.with(KindDependentMemberType, bt, names[j]))
	}
	return bt
}

func (d *demangler) popAssocTypeName() *Node {
	proto := d.popKind(KindType)
	if proto != nil && !isProtocolType(proto) {
		d.fail("associated type", "qualifier is not a protocol")
	}
	if proto == nil {
		proto = d.popKind(KindProtocolSymbolicReference)
	}
	n := d.with(KindDependentAssociatedTypeRef, d.mustPop(KindIdentifier))
	d.addIf(n, proto)
	return n
}

func (d *demangler) popAssocTypePath() *Node {
	path := d.newNode(KindAssocTypePath)
	var names []*Node
	for {
		first := d.popKind(KindFirstElementMarker) != nil
		names = append(names, d.popAssocTypeName())
		if first {
			break
		}
	}
	reverseNodes(names)
	for _, n := range names {
		d.add(path, n)
	}
	return path
}

func (d *demangler) genericParam(depth, index uint64) *Node {
	return d.with(KindDependentGenericParamType, d.num(KindIndex, depth), d.num(KindIndex, index))
}

// genericParamIndex demangles a GENERIC-PARAM-INDEX.
func (d *demangler) genericParamIndex() *Node {
	if d.nextIf('d') {
		depth := d.mustIndex("generic parameter depth") + 1
		return d.genericParam(depth, d.mustIndex("generic parameter index"))
	}
	if d.nextIf('z') {
		return d.genericParam(0, 0)
	}
	if d.nextIf('s') {
		return d.newNode(KindConstrainedExistentialSelf)
	}
	return d.genericParam(0, d.mustIndex("generic parameter index")+1)
}

// genericSignature demangles 'l' (one parameter) or 'r' counts 'l'.
func (d *demangler) genericSignature(counts bool) *Node {
	sig := d.newNode(KindDependentGenericSignature)
	if counts {
		for !d.nextIf('l') {
			var n uint64
			if !d.nextIf('z') {
				n = d.mustIndex("generic parameter count") + 1
			}
			d.add(sig, d.num(KindDependentGenericParamCount, n))
		}
	} else {
		d.add(sig, d.num(KindDependentGenericParamCount, 1))
	}
	fixed := len(sig.Children)
	for r := d.popIf(isRequirement); r != nil; r = d.popIf(isRequirement) {
		d.add(sig, r)
	}
	reverseNodes(sig.Children[fixed:])
	return sig
}

func (d *demangler) genericType() *Node {
	sig := d.mustPop(KindDependentGenericSignature)
	return d.typ(d.with(KindDependentGenericType, sig, d.mustPop(KindType)))
}

// genericRequirement demangles an 'R' requirement.
func (d *demangler) genericRequirement() *Node {
	const (
		onParam = iota
		onAssoc
		onAssocPath
		onSubst
	)
	const (
		conforms = iota
		baseClass
		sameType
		sameShape
		layout
		packMarker
		valueMarker
		inverse
	)
	subject, constraint := onParam, conforms
	var inverseKind *Node
	switch c := d.next(); c {
	case 'V':
		constraint = valueMarker
	case 'v':
		constraint = packMarker
	case 'c':
		subject, constraint = onAssoc, baseClass
	case 'C':
		subject, constraint = onAssocPath, baseClass
	case 'b':
		constraint = baseClass
	case 'B':
		subject, constraint = onSubst, baseClass
	case 't':
		subject, constraint = onAssoc, sameType
	case 'T':
		subject, constraint = onAssocPath, sameType
	case 's':
		constraint = sameType
	case 'S':
		subject, constraint = onSubst, sameType
	case 'm':
		subject, constraint = onAssoc, layout
	case 'M':
		subject, constraint = onAssocPath, layout
	case 'l':
		constraint = layout
	case 'L':
		subject, constraint = onSubst, layout
	case 'p':
		subject = onAssoc
	case 'P':
		subject = onAssocPath
	case 'Q':
		subject = onSubst
	case 'h':
		constraint = sameShape
	case 'i', 'I', 'j', 'J':
		constraint = inverse
		switch c {
		case 'I':
			subject = onSubst
		case 'j':
			subject = onAssoc
		case 'J':
			subject = onAssocPath
		}
		inverseKind = d.indexNode()
	default:
		d.back()
	}
	var t *Node
	switch subject {
	case onParam:
		t = d.typ(d.genericParamIndex())
	case onAssoc:
		t = d.assocTypeSimple(d.genericParamIndex())
		d.addSubst(t)
	case onAssocPath:
		t = d.assocTypeCompound(d.genericParamIndex())
		d.addSubst(t)
	case onSubst:
		t = d.mustPop(KindType)
	}
	switch constraint {
	case valueMarker:
		return d.with(KindDependentGenericParamValueMarker, t, d.mustPop(KindType))
	case packMarker:
		return d.with(KindDependentGenericParamPackMarker, t)
	case conforms:
		return d.with(KindDependentGenericConformanceRequirement, t, d.popProtocol())
	case inverse:
		return d.with(KindDependentGenericInverseConformanceRequirement, t, inverseKind)
	case baseClass:
		return d.with(KindDependentGenericConformanceRequirement, t, d.mustPop(KindType))
	case sameType:
		return d.with(KindDependentGenericSameTypeRequirement, t, d.mustPop(KindType))
	case sameShape:
		return d.with(KindDependentGenericSameShapeRequirement, t, d.mustPop(KindType))
	}
	// layout
	c := d.next()
	req := d.with(KindDependentGenericLayoutRequirement, t, d.str(KindIdentifier, string(rune(c))))
	switch c {
	case 'U', 'R', 'N', 'C', 'D', 'T', 'B':
	case 'e', 'm', 'S':
		d.add(req, d.indexNode())
	case 'E', 'M':
		d.add(req, d.indexNode())
		if i := d.index(); i >= 0 {
			d.add(req, d.num(KindNumber, uint64(i)))
		}
	default:
		d.back()
		d.fail("layout requirement", "unknown layout "+quoteByte(c))
	}
	return req
}

// --- special types ('X…') and type annotations ('Y…') ------------------------------

func (d *demangler) specialType() *Node {
	switch c := d.next(); c {
	case 'E':
		return d.functionType(KindNoEscapeFunctionType, false)
	case 'O':
		// @called(once): a function type called exactly once, its
		// attribute taken like the others by functionType.
		d.push(d.newNode(KindCalledOnceFunctionType))
		return d.functionType(KindFunctionType, false)
	case 'A':
		return d.functionType(KindEscapingAutoClosureType, false)
	case 'f':
		return d.functionType(KindThinFunctionType, false)
	case 'K':
		return d.functionType(KindAutoClosureType, false)
	case 'U':
		return d.functionType(KindUncurriedFunctionType, false)
	case 'L':
		return d.functionType(KindEscapingObjCBlock, false)
	case 'B':
		return d.functionType(KindObjCBlock, false)
	case 'C':
		return d.functionType(KindCFunctionPointer, false)
	case 'z':
		switch d.next() {
		case 'B':
			return d.functionType(KindObjCBlock, true)
		case 'C':
			return d.functionType(KindCFunctionPointer, true)
		}
		d.back()
		d.fail("function type", "bad C function kind")
	case 'g', 'G':
		t := d.mustPop(KindType)
		if c == 'G' {
			if sig := d.popKind(KindDependentGenericSignature); sig != nil {
				return d.with(KindExtendedExistentialTypeShape, sig, t)
			}
		}
		return d.with(KindExtendedExistentialTypeShape, t)
	case 'o':
		return d.typ(d.with(KindUnowned, d.mustPop(KindType)))
	case 'u':
		return d.typ(d.with(KindUnmanaged, d.mustPop(KindType)))
	case 'w':
		return d.typ(d.with(KindWeak, d.mustPop(KindType)))
	case 'b':
		return d.typ(d.with(KindSILBoxType, d.mustPop(KindType)))
	case 'D':
		return d.typ(d.with(KindDynamicSelf, d.mustPop(KindType)))
	case 'M', 'm':
		repr := d.metatypeRepresentation()
		t := d.mustPop(KindType)
		if c == 'M' {
			return d.typ(d.with(KindMetatype, repr, t))
		}
		return d.typ(d.with(KindExistentialMetatype, repr, t))
	case 'P':
		reqs := d.newNode(KindConstrainedExistentialRequirementList)
		var rs []*Node
		for {
			first := d.popKind(KindFirstElementMarker) != nil
			rs = append(rs, d.mustPopIf(isRequirement, "existential requirement"))
			if first {
				break
			}
		}
		reverseNodes(rs)
		for _, r := range rs {
			d.add(reqs, r)
		}
		return d.typ(d.with(KindConstrainedExistential, d.mustPop(KindType), reqs))
	case 'p':
		return d.typ(d.with(KindExistentialMetatype, d.mustPop(KindType)))
	case 'c':
		super := d.mustPop(KindType)
		return d.typ(d.with(KindProtocolListWithClass, d.protocolList(), super))
	case 'l':
		return d.typ(d.with(KindProtocolListWithAnyObject, d.protocolList()))
	case 'X', 'x':
		var sig, args *Node
		if c == 'X' {
			sig = d.mustPop(KindDependentGenericSignature)
			args = d.typeList()
		}
		fields := d.typeList()
		lay := d.newNode(KindSILBoxLayout)
		for _, f := range fields.Children {
			k := KindSILBoxImmutableField
			if len(f.Children) > 0 && f.Children[0].Kind == KindInOut {
				k = KindSILBoxMutableField
				f = d.typ(f.Children[0].first())
			}
			d.add(lay, d.with(k, f))
		}
		box := d.with(KindSILBoxTypeWithLayout, lay)
		if sig != nil {
			d.add(box, sig)
			d.add(box, args)
		}
		return d.typ(box)
	case 'Y':
		return d.anyGeneric(KindOtherNominalType)
	case 'Z':
		types := d.typeList()
		name := d.mustPop(KindIdentifier)
		parent := d.popContext()
		return d.with(KindAnonymousContext, name, parent, types)
	case 'e':
		return d.typ(d.newNode(KindErrorType))
	case 'S':
		switch d.next() {
		case 'q':
			return d.typ(d.with(KindSugaredOptional, d.mustPop(KindType)))
		case 'a':
			return d.typ(d.with(KindSugaredArray, d.mustPop(KindType)))
		case 'A':
			elt := d.mustPop(KindType)
			return d.typ(d.with(KindSugaredInlineArray, d.mustPop(KindType), elt))
		case 'D':
			val := d.mustPop(KindType)
			return d.typ(d.with(KindSugaredDictionary, d.mustPop(KindType), val))
		case 'p':
			return d.typ(d.with(KindSugaredParen, d.mustPop(KindType)))
		}
		d.back()
		d.fail("sugared type", "unknown sugar")
	default:
		d.back()
		d.fail("special type", "unknown operator X"+quoteByte(c))
	}
	return nil
}

func (d *demangler) metatypeRepresentation() *Node {
	switch d.next() {
	case 't':
		return d.str(KindMetatypeRepresentation, "@thin")
	case 'T':
		return d.str(KindMetatypeRepresentation, "@thick")
	case 'o':
		return d.str(KindMetatypeRepresentation, "@objc_metatype")
	}
	d.back()
	d.fail("metatype", "unknown representation")
	return nil
}

func (d *demangler) typeAnnotation() *Node {
	switch c := d.next(); c {
	case 'a':
		return d.newNode(KindAsyncAnnotation)
	case 'A':
		return d.newNode(KindIsolatedAnyFunctionType)
	case 'b':
		return d.newNode(KindConcurrentFunctionType)
	case 'c':
		return d.with(KindGlobalActorFunctionType, d.popTypeChild())
	case 'C':
		return d.newNode(KindNonIsolatedCallerFunctionType)
	case 'i':
		return d.typ(d.with(KindIsolated, d.popTypeChild()))
	case 'j':
		switch k := d.next(); k {
		case 'f', 'r', 'd', 'l':
			return d.num(KindDifferentiableFunctionType, uint64(k))
		}
		d.back()
		d.fail("type annotation", "unknown differentiability")
	case 'k':
		return d.typ(d.with(KindNoDerivative, d.popTypeChild()))
	case 'K':
		return d.with(KindTypedThrowsAnnotation, d.popTypeChild())
	case 't':
		return d.typ(d.with(KindCompileTimeLiteral, d.popTypeChild()))
	case 'g':
		return d.typ(d.with(KindConstValue, d.popTypeChild()))
	case 'T':
		return d.newNode(KindSendingResultFunctionType)
	case 'u':
		return d.typ(d.with(KindSending, d.popTypeChild()))
	default:
		d.back()
		d.fail("type annotation", "unknown operator Y"+quoteByte(c))
	}
	return nil
}

// --- implementation function types ('I…') ------------------------------------------

var implParamConventions = [256]string{
	'i': "@in", 'c': "@in_constant", 'l': "@inout", 'b': "@inout_aliasable",
	'n': "@in_guaranteed", 'X': "@in_cxx", 'x': "@owned", 'g': "@guaranteed",
	'e': "@deallocating", 'y': "@unowned", 'v': "@pack_owned", 'p': "@pack_guaranteed",
	'm': "@pack_inout",
}

var implResultConventions = [256]string{
	'r': "@out", 'o': "@owned", 'd': "@unowned", 'u': "@unowned_inner_pointer",
	'a': "@autoreleased", 'k': "@pack_out", 'l': "@guaranteed_address", 'g': "@guaranteed",
	'm': "@inout",
}

// implConvention reads a parameter or result convention from table and
// returns a node of kind k holding it, or nil (consuming nothing).
func (d *demangler) implConvention(table *[256]string, k Kind) *Node {
	c := d.peek()
	if table[c] == "" {
		return nil
	}
	d.next()
	return d.with(k, d.str(KindImplConvention, table[c]))
}

func (d *demangler) implFunctionType() *Node {
	fn := d.newNode(KindImplFunctionType)
	if d.nextIf('s') {
		lists, retro := d.boundGenericLists()
		sig := d.mustPop(KindDependentGenericSignature)
		if len(lists) != 1 {
			d.fail("function type", "bad pattern substitutions")
		}
		subs := d.with(KindImplPatternSubstitutions, sig, lists[0])
		d.addIf(subs, retro)
		d.add(fn, subs)
	}
	if d.nextIf('I') {
		lists, retro := d.boundGenericLists()
		if len(lists) != 1 {
			d.fail("function type", "bad invocation substitutions")
		}
		subs := d.with(KindImplInvocationSubstitutions, lists[0])
		d.addIf(subs, retro)
		d.add(fn, subs)
	}
	sig := d.popKind(KindDependentGenericSignature)
	if sig != nil && d.nextIf('P') {
		sig = d.clone(sig, KindDependentPseudogenericSignature)
	}
	if d.nextIf('e') {
		d.add(fn, d.newNode(KindImplEscaping))
	}
	if d.nextIf('A') {
		d.add(fn, d.newNode(KindImplErasedIsolation))
	} else if d.nextIf('N') {
		d.add(fn, d.newNode(KindImplCallerIsolated))
	}
	switch c := d.peek(); c {
	case 'd', 'l', 'f', 'r':
		d.next()
		d.add(fn, d.num(KindImplDifferentiabilityKind, uint64(c)))
	}
	d.implCallee(fn)
	d.implConventionAttr(fn)
	d.implAttributes(fn)
	d.addIf(fn, sig)
	d.implSignature(fn)
	return d.typ(fn)
}

// implCallee reads the callee convention of an impl function type.
func (d *demangler) implCallee(fn *Node) {
	var callee string
	switch d.next() {
	case 'y':
		callee = "@callee_unowned"
	case 'g':
		callee = "@callee_guaranteed"
	case 'x':
		callee = "@callee_owned"
	case 't':
		callee = "@convention(thin)"
	default:
		d.back()
		d.fail("function type", "unknown callee convention")
	}
	d.add(fn, d.str(KindImplConvention, callee))

}

// implConventionAttr reads the optional function convention (block, c,
// method, …) of an impl function type.
func (d *demangler) implConventionAttr(fn *Node) {
	var conv string
	clang := false
	switch d.next() {
	case 'B':
		conv = "block"
	case 'C':
		conv = "c"
	case 'z':
		switch d.next() {
		case 'B':
			conv, clang = "block", true
		case 'C':
			conv, clang = "c", true
		default:
			d.back()
			d.back()
		}
	case 'M':
		conv = "method"
	case 'O', 'J':
		// Swift's demangler reads 'O'; Mangling.rst documents 'J'.
		conv = "objc_method"
	case 'K':
		conv = "closure"
	case 'W':
		conv = "witness_method"
	default:
		d.back()
	}
	if conv != "" {
		fc := d.with(KindImplFunctionConvention, d.str(KindImplFunctionConventionName, conv))
		if clang {
			d.add(fc, d.clangType())
		}
		d.add(fn, fc)
	}
}

// implAttributes reads the coroutine kind and the function attributes of an
// impl function type.
func (d *demangler) implAttributes(fn *Node) {
	switch {
	case d.nextIf('A'):
		d.add(fn, d.str(KindImplCoroutineKind, "yield_once"))
	case d.nextIf('I'):
		d.add(fn, d.str(KindImplCoroutineKind, "yield_once_2"))
	case d.nextIf('G'):
		d.add(fn, d.str(KindImplCoroutineKind, "yield_many"))
	}
	if d.nextIf('h') {
		d.add(fn, d.str(KindImplFunctionAttribute, "@Sendable"))
	}
	if d.nextIf('H') {
		d.add(fn, d.str(KindImplFunctionAttribute, "@async"))
	}
	if d.nextIf('T') {
		d.add(fn, d.newNode(KindImplSendingResult))
	}

}

// implSignature reads the parameters, results, yields and error result of an
// impl function type, then their types.
func (d *demangler) implSignature(fn *Node) {
	ntypes := 0
	for p := d.implConvention(&implParamConventions, KindImplParameter); p != nil; p = d.implConvention(&implParamConventions, KindImplParameter) {
		d.add(fn, p)
		d.add(p, d.differentiability())
		if d.nextIf('T') {
			d.add(p, d.str(KindImplParameterSending, "sending"))
		}
		if d.nextIf('I') {
			d.add(p, d.str(KindImplParameterIsolated, "isolated"))
		}
		if d.nextIf('L') {
			d.add(p, d.str(KindImplParameterImplicitLeading, "sil_implicit_leading_param"))
		}
		ntypes++
	}
	for r := d.implConvention(&implResultConventions, KindImplResult); r != nil; r = d.implConvention(&implResultConventions, KindImplResult) {
		d.add(fn, r)
		d.add(r, d.differentiability())
		ntypes++
	}
	for d.nextIf('Y') {
		y := d.implConvention(&implParamConventions, KindImplYield)
		if y == nil {
			d.fail("function type", "bad yield convention")
		}
		d.add(fn, y)
		ntypes++
	}
	if d.nextIf('z') {
		e := d.implConvention(&implResultConventions, KindImplErrorResult)
		if e == nil {
			d.fail("function type", "bad error convention")
		}
		d.add(fn, e)
		ntypes++
	}
	if !d.nextIf('_') {
		d.fail("function type", "missing terminator")
	}
	for j := 0; j < ntypes; j++ {
		t := d.mustPop(KindType)
		d.add(fn.Children[len(fn.Children)-1-j], t)
	}
}

// differentiability reads an optional @noDerivative marker ('w').
func (d *demangler) differentiability() *Node {
	if d.nextIf('w') {
		return d.str(KindImplParameterResultDifferentiability, "@noDerivative")
	}
	return d.str(KindImplParameterResultDifferentiability, "")
}

package swift

// This file parses the types and generic signatures of the Swift 3
// mangling (see old.go).

// --- generics ----------------------------------------------------------------------

func (o *oldDemangler) genericParam(depth, index uint64) *Node {
	return o.with(KindDependentGenericParamType, o.num(KindIndex, depth), o.num(KindIndex, index))
}

func (o *oldDemangler) genericParamIndex() *Node {
	switch {
	case o.nextIf('d'):
		depth := o.mustIndex("generic parameter depth") + 1
		return o.genericParam(depth, o.mustIndex("generic parameter index"))
	case o.nextIf('x'):
		return o.genericParam(0, 0)
	}
	return o.genericParam(0, o.mustIndex("generic parameter index")+1)
}

// memberTypeName parses the associated type name of a dependent member type
// on base.
func (o *oldDemangler) memberTypeName(base *Node) *Node {
	var assoc *Node
	if o.nextIf('S') {
		assoc = o.substitution()
		if assoc.Kind != KindDependentAssociatedTypeRef {
			o.fail("associated type", "substitution is not an associated type")
		}
	} else {
		var proto *Node
		if o.nextIf('P') {
			proto = o.protocolName()
		}
		assoc = o.with(KindDependentAssociatedTypeRef, o.identifier(KindIdentifier))
		if proto != nil {
			o.add(assoc, proto)
		}
		o.addSubst(assoc)
	}
	return o.with(KindDependentMemberType, base, assoc)
}

func (o *oldDemangler) assocTypeSimple() *Node {
	return o.memberTypeName(o.with(KindType, o.genericParamIndex()))
}

func (o *oldDemangler) assocTypeCompound() *Node {
	base := o.genericParamIndex()
	for !o.nextIf('_') {
		if o.empty() {
			o.fail("associated type", "unterminated path")
		}
		base = o.memberTypeName(o.with(KindType, base))
	}
	return base
}

func (o *oldDemangler) dependentType() *Node {
	if o.empty() {
		o.fail("type", "unexpected end")
	}
	if c := o.peek(); c != 'd' && c != '_' && !isDigit(c) {
		return o.memberTypeName(o.typ())
	}
	return o.genericParamIndex()
}

func (o *oldDemangler) constrainedType() *Node {
	var t *Node
	switch {
	case o.nextIf('w'):
		t = o.assocTypeSimple()
	case o.nextIf('W'):
		t = o.assocTypeCompound()
	default:
		t = o.genericParamIndex()
	}
	return o.with(KindType, t)
}

func (o *oldDemangler) genericSignature(pseudo bool) *Node {
	k := KindDependentGenericSignature
	if pseudo {
		k = KindDependentPseudogenericSignature
	}
	sig := o.newNode(k)
	counted := false
	for c := o.peek(); c != 'R' && c != 'r'; c = o.peek() {
		var n uint64
		if !o.nextIf('z') {
			n = o.mustIndex("generic parameter count") + 1
		}
		o.add(sig, o.num(KindDependentGenericParamCount, n))
		counted = true
	}
	if !counted {
		o.add(sig, o.num(KindDependentGenericParamCount, 1))
	}
	if o.nextIf('r') {
		return sig
	}
	if !o.nextIf('R') {
		o.fail("generic signature", "missing requirements")
	}
	for !o.nextIf('r') {
		if o.empty() {
			o.fail("generic signature", "unterminated requirements")
		}
		o.add(sig, o.requirement())
	}
	return sig
}

func (o *oldDemangler) requirement() *Node {
	t := o.constrainedType()
	switch {
	case o.nextIf('z'):
		return o.with(KindDependentGenericSameTypeRequirement, t, o.typ())
	case o.nextIf('l'):
		c := o.next()
		req := o.with(KindDependentGenericLayoutRequirement, t, o.str(KindIdentifier, string(rune(c))))
		switch c {
		case 'U', 'R', 'N', 'T':
		case 'E', 'M':
			size := o.mustNatural("layout size")
			if !o.nextIf('_') {
				o.fail("layout requirement", "missing alignment")
			}
			align := o.mustNatural("layout alignment")
			o.add(req, o.num(KindNumber, size))
			o.add(req, o.num(KindNumber, align))
		case 'e', 'm':
			o.add(req, o.num(KindNumber, o.mustNatural("layout size")))
		default:
			o.fail("layout requirement", "unknown layout")
		}
		return req
	}
	var constraint *Node
	switch o.peek() {
	case 'C':
		constraint = o.typ()
	case 'S':
		o.next()
		sub := o.substitution()
		var name *Node
		switch sub.Kind {
		case KindProtocol, KindClass:
			name = sub
		case KindModule:
			name = o.protocolIn(sub)
		default:
			o.fail("requirement", "bad constraint")
		}
		constraint = o.with(KindType, name)
	case 0:
		o.fail("requirement", "unexpected end")
	default:
		constraint = o.protocolName()
	}
	return o.with(KindDependentGenericConformanceRequirement, t, constraint)
}

// archetype parses what follows a 'Q': an associated type of an archetype
// ('Q', 'S', 's' roots) or, in the Swift 2 mangling, an archetype index
// ('Q' index, 'Qd' depth index).
func (o *oldDemangler) archetype() *Node {
	o.enter()
	defer o.leave()
	assoc := func(root *Node) *Node {
		n := o.with(KindAssociatedTypeRef, root, o.identifier(KindIdentifier))
		o.addSubst(n)
		return n
	}
	switch c := o.peek(); {
	case c == 'Q':
		o.next()
		return assoc(o.archetype())
	case c == 'S':
		o.next()
		return assoc(o.substitution())
	case c == 's':
		o.next()
		return assoc(o.str(KindModule, "Swift"))
	case c == 'd':
		o.next()
		depth := o.mustIndex("archetype depth") + 1
		return o.genericParam(depth, o.mustIndex("archetype index"))
	case c == '_' || isDigit(c):
		return o.genericParam(0, o.mustIndex("archetype index"))
	}
	o.fail("archetype", "bad archetype")
	return nil
}

// --- types --------------------------------------------------------------------------

func (o *oldDemangler) typ() *Node { return o.with(KindType, o.typeImpl()) }

func (o *oldDemangler) tuple(variadic bool) *Node {
	tup := o.newNode(KindTuple)
	var elt *Node
	for !o.nextIf('_') {
		if o.empty() {
			o.fail("tuple", "unterminated tuple")
		}
		elt = o.newNode(KindTupleElement)
		if c := o.peek(); isDigit(c) || c == 'o' {
			o.add(elt, o.identifier(KindTupleElementName))
		}
		o.add(elt, o.typ())
		o.add(tup, elt)
	}
	if variadic && elt != nil {
		elt.Children = append([]*Node{o.newNode(KindVariadicMarker)}, elt.Children...)
	}
	return tup
}

func (o *oldDemangler) functionType(k Kind) *Node {
	throws := o.nextIf('z')
	concurrent := o.nextIf('y')
	async := o.nextIf('Z')
	var diff *Node
	if o.nextIf('D') {
		switch c := o.next(); c {
		case 'f', 'r', 'd', 'l':
			diff = o.num(KindDifferentiableFunctionType, uint64(c))
		default:
			o.fail("function type", "unknown differentiability")
		}
	}
	var actor *Node
	if o.nextIf('Y') {
		actor = o.typ()
	}
	in := o.typ()
	out := o.typ()
	fn := o.newNode(k)
	if throws {
		o.add(fn, o.newNode(KindThrowsAnnotation))
	}
	if async {
		o.add(fn, o.newNode(KindAsyncAnnotation))
	}
	if concurrent {
		o.add(fn, o.newNode(KindConcurrentFunctionType))
	}
	if diff != nil {
		o.add(fn, diff)
	}
	if actor != nil {
		o.add(fn, o.with(KindGlobalActorFunctionType, actor))
	}
	o.add(fn, o.with(KindArgumentTuple, in))
	o.add(fn, o.with(KindReturnType, out))
	return fn
}

func (o *oldDemangler) metatypeRepresentation() *Node {
	switch o.next() {
	case 't':
		return o.str(KindMetatypeRepresentation, "@thin")
	case 'T':
		return o.str(KindMetatypeRepresentation, "@thick")
	case 'o':
		return o.str(KindMetatypeRepresentation, "@objc_metatype")
	}
	o.fail("metatype", "unknown representation")
	return nil
}

func (o *oldDemangler) builtin() *Node {
	var name string
	switch o.next() {
	case 'b':
		name = "Builtin.BridgeObject"
	case 'B':
		name = "Builtin.UnsafeValueBuffer"
	case 'f':
		name = "Builtin.FPIEEE" + itoa(o.builtinSize())
	case 'i':
		name = "Builtin.Int" + itoa(o.builtinSize())
	case 'v':
		n := o.mustNatural("vector length")
		if n == 0 || n > 4096 || !o.nextIf('B') {
			o.fail("builtin type", "bad vector")
		}
		prefix := "Builtin.Vec" + itoa(n) + "x"
		switch {
		case o.nextIf('i'):
			name = prefix + "Int" + itoa(o.builtinSize())
		case o.nextIf('f'):
			name = prefix + "FPIEEE" + itoa(o.builtinSize())
		case o.nextIf('p'):
			name = prefix + "RawPointer"
		default:
			o.fail("builtin type", "bad vector element")
		}
	case 'O':
		name = "Builtin.UnknownObject"
	case 'o':
		name = "Builtin.NativeObject"
	case 'p':
		name = "Builtin.RawPointer"
	case 't':
		name = "Builtin.SILToken"
	case 'w':
		name = "Builtin.Word"
	default:
		o.fail("builtin type", "unknown builtin")
	}
	return o.str(KindBuiltinTypeName, name)
}

func (o *oldDemangler) typeImpl() *Node {
	o.enter()
	defer o.leave()
	if o.empty() {
		o.fail("type", "unexpected end")
	}
	switch c := o.next(); c {
	case 'B':
		return o.builtin()
	case 'a':
		return o.declaration(KindTypeAlias)
	case 'b':
		return o.functionType(KindObjCBlock)
	case 'c':
		return o.functionType(KindCFunctionPointer)
	case 'D':
		return o.with(KindDynamicSelf, o.typ())
	case 'E':
		if !o.nextIfStr("RR") {
			o.fail("type", "bad error type")
		}
		return o.newNode(KindErrorType)
	case 'F':
		return o.functionType(KindFunctionType)
	case 'f':
		return o.functionType(KindUncurriedFunctionType)
	case 'G':
		return o.boundGenericArgs(o.nominalType())
	case 'K':
		return o.functionType(KindAutoClosureType)
	case 'M':
		return o.with(KindMetatype, o.typ())
	case 'P':
		if o.nextIf('M') {
			return o.with(KindExistentialMetatype, o.typ())
		}
		return o.protocolList()
	case 'Q':
		if o.nextIf('u') {
			return o.newNode(KindOpaqueReturnType)
		}
		return o.archetype()
	case 'q':
		return o.dependentType()
	case 'x':
		return o.genericParam(0, 0)
	case 'w':
		return o.assocTypeSimple()
	case 'W':
		return o.assocTypeCompound()
	case 'R':
		return o.with(KindInOut, o.typeImpl())
	case 'k':
		return o.with(KindNoDerivative, o.typeImpl())
	case 'S':
		return o.substitution()
	case 'T':
		return o.tuple(false)
	case 't':
		return o.tuple(true)
	case 'u':
		sig := o.genericSignature(false)
		return o.with(KindDependentGenericType, sig, o.typ())
	case 'X':
		return o.specialType()
	case 'C', 'V', 'O':
		k := map[byte]Kind{'C': KindClass, 'V': KindStructure, 'O': KindEnum}[c]
		return o.declaration(k)
	}
	o.pos--
	o.fail("type", "unknown type")
	return nil
}

func (o *oldDemangler) specialType() *Node {
	switch {
	case o.nextIf('b'):
		return o.with(KindSILBoxType, o.typ())
	case o.nextIf('B'):
		var sig *Node
		if o.nextIf('G') {
			sig = o.genericSignature(false)
		}
		layout := o.newNode(KindSILBoxLayout)
		for !o.nextIf('_') {
			var k Kind
			switch {
			case o.nextIf('m'):
				k = KindSILBoxMutableField
			case o.nextIf('i'):
				k = KindSILBoxImmutableField
			default:
				o.fail("box type", "bad field")
			}
			o.add(layout, o.with(k, o.typ()))
		}
		box := o.with(KindSILBoxTypeWithLayout, layout)
		if sig != nil {
			args := o.newNode(KindTypeList)
			for !o.nextIf('_') {
				o.add(args, o.typ())
			}
			o.add(box, sig)
			o.add(box, args)
		}
		return box
	case o.nextIf('M'):
		repr := o.metatypeRepresentation()
		return o.with(KindMetatype, repr, o.typ())
	case o.nextIf('P'):
		if o.nextIf('M') {
			repr := o.metatypeRepresentation()
			return o.with(KindExistentialMetatype, repr, o.typ())
		}
		return o.protocolList()
	case o.nextIf('f'):
		return o.functionType(KindThinFunctionType)
	case o.nextIf('o'):
		return o.with(KindUnowned, o.typ())
	case o.nextIf('u'):
		return o.with(KindUnmanaged, o.typ())
	case o.nextIf('w'):
		return o.with(KindWeak, o.typ())
	case o.nextIf('F'):
		return o.implFunctionType()
	}
	o.fail("type", "unknown special type")
	return nil
}

// --- implementation function types -------------------------------------------------

const (
	implCallee = iota
	implParam
	implResult
)

// implConvention maps an old-mangling convention letter to its spelling in
// the callee, parameter and result positions ("" where it is invalid).
var oldImplConventions = map[byte][3]string{
	'a': {"", "", "@autoreleased"},
	'd': {"@callee_unowned", "@unowned", "@unowned"},
	'D': {"", "", "@unowned_inner_pointer"},
	'g': {"@callee_guaranteed", "@guaranteed", ""},
	'e': {"", "@deallocating", ""},
	'i': {"", "@in", "@out"},
	'l': {"", "@inout", ""},
	'o': {"@callee_owned", "@owned", "@owned"},
}

func (o *oldDemangler) implConvention(pos int) string {
	c := o.peek()
	conv, ok := oldImplConventions[c]
	if !ok || conv[pos] == "" {
		return ""
	}
	o.next()
	return conv[pos]
}

func (o *oldDemangler) implFunctionType() *Node {
	fn := o.newNode(KindImplFunctionType)
	callee := "@convention(thin)"
	if !o.nextIf('t') {
		callee = o.implConvention(implCallee)
		if callee == "" {
			o.fail("function type", "bad callee convention")
		}
	}
	o.add(fn, o.str(KindImplConvention, callee))
	if o.nextIf('C') {
		var conv string
		switch o.next() {
		case 'b':
			conv = "block"
		case 'c':
			conv = "c"
		case 'm':
			conv = "method"
		case 'O':
			conv = "objc_method"
		case 'w':
			conv = "witness_method"
		default:
			o.fail("function type", "bad convention")
		}
		o.add(fn, o.with(KindImplFunctionConvention, o.str(KindImplFunctionConventionName, conv)))
	}
	if o.nextIf('h') {
		o.add(fn, o.str(KindImplFunctionAttribute, "@Sendable"))
	}
	if o.nextIf('H') {
		o.add(fn, o.str(KindImplFunctionAttribute, "@async"))
	}
	if o.nextIf('G') {
		o.add(fn, o.genericSignature(false))
	} else if o.nextIf('g') {
		o.add(fn, o.genericSignature(true))
	}
	if !o.nextIf('_') {
		o.fail("function type", "missing attribute terminator")
	}
	for _, k := range []Kind{KindImplParameter, KindImplResult} {
		for !o.nextIf('_') {
			kind := k
			if o.nextIf('z') {
				if k != KindImplResult {
					o.fail("function type", "error result among parameters")
				}
				kind = KindImplErrorResult
			}
			pos := implParam
			if k == KindImplResult {
				pos = implResult
			}
			conv := o.implConvention(pos)
			if conv == "" {
				o.fail("function type", "bad convention")
			}
			n := o.with(kind, o.str(KindImplConvention, conv))
			o.add(n, o.typ())
			o.add(fn, n)
		}
	}
	return fn
}

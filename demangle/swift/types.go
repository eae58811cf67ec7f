package swift

// This file demangles types in the current mangling: builtin, nominal and
// bound generic types, function types and their labels, tuples, protocol
// compositions, conformances, archetypes and associated types, generic
// signatures and requirements, and implementation (SIL) function types
// (Mangling.rst, "Types" and "Generics").

// builtinType demangles a 'B' builtin type.
func (d *demangler) builtinType() *Node {
	const maxSize = 4096
	var name string
	switch c := d.next(); c {
	case 'A':
		name = "Builtin.ImplicitActor"
	case 'b':
		name = "Builtin.BridgeObject"
	case 'B':
		name = "Builtin.UnsafeValueBuffer"
	case 'c':
		name = "Builtin.RawUnsafeContinuation"
	case 'd':
		name = "Builtin.NonDefaultDistributedActorStorage"
	case 'D':
		name = "Builtin.DefaultActorStorage"
	case 'e':
		name = "Builtin.Executor"
	case 'f', 'i':
		size := d.index() - 1
		if size <= 0 || size > maxSize {
			d.fail("builtin type", "bad bit width")
		}
		if c == 'f' {
			name = "Builtin.FPIEEE" + itoa(uint64(size))
		} else {
			name = "Builtin.Int" + itoa(uint64(size))
		}
	case 'I':
		name = "Builtin.IntLiteral"
	case 'j':
		name = "Builtin.Job"
	case 'O':
		name = "Builtin.UnknownObject"
	case 'o':
		name = "Builtin.NativeObject"
	case 'p':
		name = "Builtin.RawPointer"
	case 'P':
		name = "Builtin.PackIndex"
	case 't':
		name = "Builtin.SILToken"
	case 'T':
		return d.typ(d.newNode(KindBuiltinTupleType))
	case 'v':
		n := d.index() - 1
		if n <= 0 || n > maxSize {
			d.fail("builtin type", "bad vector length")
		}
		elt := d.popTypeChild()
		if elt.Kind != KindBuiltinTypeName || !hasPrefix(elt.Text, "Builtin.") {
			d.fail("builtin type", "vector of a non-builtin type")
		}
		name = "Builtin.Vec" + itoa(uint64(n)) + "x" + elt.Text[len("Builtin."):]
	case 'V':
		elt := d.mustPop(KindType)
		size := d.mustPop(KindType)
		return d.typ(d.with(KindBuiltinFixedArray, size, elt))
	case 'w':
		name = "Builtin.Word"
	default:
		d.back()
		d.fail("builtin type", "unknown builtin "+quoteByte(c))
	}
	return d.typ(d.str(KindBuiltinTypeName, name))
}

// integerType demangles '$' 'n'? INDEX, a value generic argument.
func (d *demangler) integerType() *Node {
	if d.nextIf('n') {
		return d.typ(d.num(KindNegativeInteger, d.mustIndex("integer")))
	}
	return d.typ(d.num(KindInteger, d.mustIndex("integer")))
}

// anyGeneric demangles a nominal type declaration: context, name, kind.
func (d *demangler) anyGeneric(k Kind) *Node {
	name := d.mustPopIf(isDeclName, "type name")
	ctx := d.popContext()
	t := d.typ(d.with(k, ctx, name))
	d.addSubst(t)
	return t
}

func (d *demangler) extensionContext() *Node {
	sig := d.popKind(KindDependentGenericSignature)
	mod := d.must(d.popModule(), "extension module")
	ext := d.with(KindExtension, mod, d.popAnyGeneric())
	if sig != nil {
		d.add(ext, sig)
	}
	return ext
}

// typeMangling demangles 'D': a type, with argument labels for a function
// type, mangled for the debugger.
func (d *demangler) typeMangling() *Node {
	t := d.mustPop(KindType)
	labels := d.popFunctionLabels(t)
	n := d.newNode(KindTypeMangling)
	if labels != nil {
		d.add(n, labels)
	}
	d.add(n, t)
	return n
}

func (d *demangler) plainFunction() *Node {
	sig := d.popKind(KindDependentGenericSignature)
	t := d.functionType(KindFunctionType, false)
	labels := d.popFunctionLabels(t)
	if sig != nil {
		t = d.typ(d.with(KindDependentGenericType, sig, t))
	}
	name := d.mustPopIf(isDeclName, "function name")
	ctx := d.popContext()
	if labels != nil {
		return d.with(KindFunction, ctx, name, labels, t)
	}
	return d.with(KindFunction, ctx, name, t)
}

// functionType pops a function signature (annotations, parameters and
// result) and returns a Type node of kind k. hasClangType reads a mangled C
// type first.
func (d *demangler) functionType(k Kind, hasClangType bool) *Node {
	fn := d.newNode(k)
	if hasClangType {
		d.add(fn, d.clangType())
	}
	d.addIf(fn, d.popKind(KindSendingResultFunctionType))
	d.addIf(fn, d.popIf(func(k Kind) bool {
		return k == KindGlobalActorFunctionType || k == KindIsolatedAnyFunctionType ||
			k == KindNonIsolatedCallerFunctionType
	}))
	d.addIf(fn, d.popKind(KindDifferentiableFunctionType))
	d.addIf(fn, d.popIf(func(k Kind) bool {
		return k == KindThrowsAnnotation || k == KindTypedThrowsAnnotation
	}))
	d.addIf(fn, d.popKind(KindConcurrentFunctionType))
	d.addIf(fn, d.popKind(KindAsyncAnnotation))
	d.add(fn, d.functionParams(KindArgumentTuple))
	d.add(fn, d.functionParams(KindReturnType))
	return d.typ(fn)
}

// addIf adds c to n when c is not nil.
func (d *demangler) addIf(n, c *Node) {
	if c != nil {
		d.add(n, c)
	}
}

func (d *demangler) functionParams(k Kind) *Node {
	if d.popKind(KindEmptyList) != nil {
		return d.with(k, d.typ(d.newNode(KindTuple)))
	}
	return d.with(k, d.mustPop(KindType))
}

func (d *demangler) clangType() *Node {
	n := d.natural()
	if n <= 0 || n > len(d.text)-d.pos {
		d.fail("C type", "bad length")
	}
	s := d.text[d.pos : d.pos+n]
	d.pos += n
	return d.str(KindClangType, s)
}

// popFunctionLabels pops the argument labels of the function type t (a Type
// node), or returns nil when there are none. In the Swift 4.0 mangling the
// labels are taken out of the parameter tuple instead.
func (d *demangler) popFunctionLabels(t *Node) *Node {
	if !d.oldFuncTypes && d.popKind(KindEmptyList) != nil {
		return d.newNode(KindLabelList)
	}
	if t == nil || t.Kind != KindType || len(t.Children) == 0 {
		return nil
	}
	fn := t.Children[0]
	if fn.Kind == KindDependentGenericType {
		fn = fn.at(1).first()
	}
	if fn.Kind != KindFunctionType && fn.Kind != KindNoEscapeFunctionType {
		return nil
	}
	i := 0
	for _, k := range [...]Kind{KindSendingResultFunctionType, KindGlobalActorFunctionType,
		KindIsolatedAnyFunctionType, KindNonIsolatedCallerFunctionType,
		KindDifferentiableFunctionType, KindThrowsAnnotation, KindConcurrentFunctionType,
		KindAsyncAnnotation} {
		c := fn.at(i).Kind
		if c == k || (k == KindThrowsAnnotation && c == KindTypedThrowsAnnotation) {
			i++
		}
	}
	args := fn.at(i)
	if args.Kind != KindArgumentTuple {
		return nil
	}
	params := args.first().first()
	count := 1
	if params.Kind == KindTuple {
		count = len(params.Children)
	}
	if count == 0 {
		return nil
	}
	labels := d.newNode(KindLabelList)
	if d.oldFuncTypes && params.Kind != KindTuple {
		return labels
	}
	named := false
	for j := 0; j < count; j++ {
		var l *Node
		if d.oldFuncTypes {
			l = d.takeTupleLabel(params.at(j))
		} else {
			l = d.pop()
		}
		if l == nil || (l.Kind != KindIdentifier && l.Kind != KindFirstElementMarker) {
			return nil
		}
		d.add(labels, l)
		if l.Kind != KindFirstElementMarker {
			named = true
		}
	}
	if !named {
		return d.newNode(KindLabelList)
	}
	if !d.oldFuncTypes {
		reverseNodes(labels.Children)
	}
	return labels
}

// takeTupleLabel removes the label of a Swift 4.0 tuple element and returns
// it as an Identifier, or a FirstElementMarker when it has none.
func (d *demangler) takeTupleLabel(elt *Node) *Node {
	for i, c := range elt.Children {
		if c.Kind == KindTupleElementName {
			elt.Children = append(elt.Children[:i:i], elt.Children[i+1:]...)
			return d.str(KindIdentifier, c.Text)
		}
	}
	return d.newNode(KindFirstElementMarker)
}

// list pops the elements of a list that ends (at its start) with a
// FirstElementMarker or is an EmptyList, calling elem for each element from
// last to first, and appends them in order to the children of parent.
func (d *demangler) list(parent *Node, elem func() *Node) {
	if d.popKind(KindEmptyList) != nil {
		return
	}
	start := len(parent.Children)
	for {
		first := d.popKind(KindFirstElementMarker) != nil
		d.add(parent, elem())
		if first {
			break
		}
	}
	reverseNodes(parent.Children[start:])
}

func (d *demangler) tuple() *Node {
	tup := d.newNode(KindTuple)
	d.list(tup, func() *Node {
		elt := d.newNode(KindTupleElement)
		d.addIf(elt, d.popKind(KindVariadicMarker))
		if id := d.popKind(KindIdentifier); id != nil {
			d.add(elt, d.str(KindTupleElementName, id.Text))
		}
		d.add(elt, d.mustPop(KindType))
		return elt
	})
	return d.typ(tup)
}

func (d *demangler) popType() *Node { return d.mustPop(KindType) }

func (d *demangler) typeList() *Node {
	tl := d.newNode(KindTypeList)
	d.list(tl, d.popType)
	return tl
}

// pack demangles 'QP' (a pack) and 'QS' (a SIL pack).
func (d *demangler) pack(k Kind) *Node {
	p := d.newNode(k)
	d.list(p, d.popType)
	return d.typ(p)
}

// isProtocolType reports whether t (possibly a Type node) is a protocol.
func isProtocolType(t *Node) bool {
	for t.Kind == KindType && len(t.Children) > 0 {
		t = t.Children[0]
	}
	switch t.Kind {
	case KindProtocol, KindProtocolSymbolicReference, KindObjectiveCProtocolSymbolicReference:
		return true
	}
	return false
}

// popProtocol pops a protocol: a protocol type, or a context and name.
func (d *demangler) popProtocol() *Node {
	if t := d.popKind(KindType); t != nil {
		if len(t.Children) == 0 || !isProtocolType(t) {
			d.fail("protocol", "type is not a protocol")
		}
		return t
	}
	if r := d.popIf(func(k Kind) bool {
		return k == KindProtocolSymbolicReference || k == KindObjectiveCProtocolSymbolicReference
	}); r != nil {
		return r
	}
	name := d.mustPopIf(isDeclName, "protocol name")
	ctx := d.popContext()
	return d.typ(d.with(KindProtocol, ctx, name))
}

func (d *demangler) protocolList() *Node {
	tl := d.newNode(KindTypeList)
	d.list(tl, d.popProtocol)
	return d.with(KindProtocolList, tl)
}

// --- conformances -------------------------------------------------------------

func (d *demangler) conformanceOperator() *Node {
	switch c := d.next(); c {
	case 'A':
		idx := d.conformanceIndex()
		proto := d.popProtocol()
		assoc := d.with(KindDependentAssociatedConformance, d.mustPop(KindType), proto)
		return d.with(KindDependentProtocolConformanceAssociated, d.popDependentConformance(), assoc, idx)
	case 'C':
		return d.concreteConformance()
	case 'D':
		idx := d.conformanceIndex()
		proto := d.popProtocol()
		return d.with(KindDependentProtocolConformanceRoot, d.mustPop(KindType), proto, idx)
	case 'I':
		idx := d.conformanceIndex()
		proto := d.popProtocol()
		return d.with(KindDependentProtocolConformanceInherited, d.popDependentConformance(), proto, idx)
	case 'O':
		t := d.mustPop(KindType)
		return d.with(KindDependentProtocolConformanceOpaque, d.popDependentConformance(), t)
	case 'P':
		return d.with(KindProtocolConformanceRefInTypeModule, d.popProtocol())
	case 'p':
		return d.with(KindProtocolConformanceRefInProtocolModule, d.popProtocol())
	case 'X':
		return d.with(KindPackProtocolConformance, d.conformanceList())
	case 'c':
		return d.with(KindProtocolConformanceDescriptorRecord, d.popProtocolConformance())
	case 'n':
		return d.with(KindNominalTypeDescriptorRecord, d.mustPop(KindType))
	case 'o':
		return d.with(KindOpaqueTypeDescriptorRecord, d.must(d.pop(), "opaque type"))
	case 'r':
		return d.with(KindProtocolDescriptorRecord, d.popProtocol())
	case 'F':
		return d.newNode(KindAccessibleFunctionRecord)
	}
	// Not a conformance operator: "H" starts nothing else, so this is an
	// identifier that the caller mis-dispatched only if it starts with a
	// digit, which 'H' never does.
	d.back()
	d.back()
	return d.identifier()
}

// conformanceIndex reads a DEPENDENT-CONFORMANCE-INDEX: 1 means unknown and
// other values are offset by 2 (0 is reserved).
func (d *demangler) conformanceIndex() *Node {
	i := d.index()
	if i <= 0 {
		d.fail("conformance index", "bad index")
	}
	if i == 1 {
		return d.newNode(KindUnknownIndex)
	}
	return d.num(KindIndex, uint64(i-2))
}

func isAnyConformance(k Kind) bool {
	switch k {
	case KindConcreteProtocolConformance, KindPackProtocolConformance,
		KindDependentProtocolConformanceRoot, KindDependentProtocolConformanceInherited,
		KindDependentProtocolConformanceAssociated, KindDependentProtocolConformanceOpaque:
		return true
	}
	return false
}

func isDependentConformance(k Kind) bool {
	switch k {
	case KindDependentProtocolConformanceRoot, KindDependentProtocolConformanceInherited,
		KindDependentProtocolConformanceAssociated:
		return true
	}
	return false
}

func (d *demangler) popDependentConformance() *Node {
	return d.mustPopIf(isDependentConformance, "dependent conformance")
}

func (d *demangler) conformanceList() *Node {
	l := d.newNode(KindAnyProtocolConformanceList)
	d.list(l, func() *Node { return d.mustPopIf(isAnyConformance, "conformance") })
	return l
}

func (d *demangler) concreteConformance() *Node {
	conds := d.conformanceList()
	ref := d.popKind(KindProtocolConformanceRefInTypeModule)
	if ref == nil {
		ref = d.popKind(KindProtocolConformanceRefInProtocolModule)
	}
	if ref == nil {
		mod := d.popModule()
		proto := d.popProtocol()
		ref = d.with(KindProtocolConformanceRefInOtherModule, proto, d.must(mod, "conformance module"))
	}
	return d.with(KindConcreteProtocolConformance, d.mustPop(KindType), ref, conds)
}

func (d *demangler) retroactiveConformance() *Node {
	idx := d.indexNode()
	conf := d.mustPopIf(isAnyConformance, "retroactive conformance")
	return d.with(KindRetroactiveConformance, idx, conf)
}

// popProtocolConformance pops "type protocol module generic-signature?" (or
// a property behavior conformance, which has an identifier before the
// protocol).
func (d *demangler) popProtocolConformance() *Node {
	sig := d.popKind(KindDependentGenericSignature)
	mod := d.popModule()
	proto := d.popProtocol()
	t := d.popKind(KindType)
	var ident *Node
	if t == nil {
		ident = d.popKind(KindIdentifier)
		t = d.mustPop(KindType)
	}
	if sig != nil {
		t = d.typ(d.with(KindDependentGenericType, sig, t))
	}
	conf := d.with(KindProtocolConformance, t, proto, d.must(mod, "conformance module"))
	d.addIf(conf, ident)
	return conf
}

// --- bound generics -------------------------------------------------------------

// boundGenericLists pops the argument lists of a bound generic type, one
// list per nesting level (outermost last on the stack), and any retroactive
// conformances.
func (d *demangler) boundGenericLists() (lists []*Node, retro *Node) {
	for {
		r := d.popKind(KindRetroactiveConformance)
		if r == nil {
			break
		}
		if retro == nil {
			retro = d.newNode(KindTypeList)
		}
		d.add(retro, r)
	}
	if retro != nil {
		reverseNodes(retro.Children)
	}
	for {
		tl := d.newNode(KindTypeList)
		lists = append(lists, tl)
		for t := d.popKind(KindType); t != nil; t = d.popKind(KindType) {
			d.add(tl, t)
		}
		reverseNodes(tl.Children)
		if d.popKind(KindEmptyList) != nil {
			break
		}
		if d.popKind(KindFirstElementMarker) == nil {
			d.fail("generic arguments", "missing list separator")
		}
	}
	return lists, retro
}

func (d *demangler) boundGenericType() *Node {
	lists, retro := d.boundGenericLists()
	nominal := d.popAnyGeneric()
	n := d.bindGenericArgs(nominal, lists, 0)
	d.addIf(n, retro)
	t := d.typ(n)
	d.addSubst(t)
	return t
}

// consumesGenericArgs reports whether an entity of kind k takes its own list
// of generic arguments when nested inside a bound generic type.
func consumesGenericArgs(k Kind) bool {
	switch k {
	case KindVariable, KindSubscript, KindImplicitClosure, KindExplicitClosure,
		KindDefaultArgumentInitializer, KindInitializer, KindPropertyWrapperBackingInitializer,
		KindPropertyWrappedFieldInitAccessor, KindPropertyWrapperInitFromProjectedValue, KindStatic:
		return false
	}
	return true
}

// bindGenericArgs applies lists[i:] to nominal and its parents: the
// outermost type takes the last list.
func (d *demangler) bindGenericArgs(nominal *Node, lists []*Node, i int) *Node {
	d.enter()
	defer d.leave()
	if i >= len(lists) {
		d.fail("generic arguments", "too few argument lists")
	}
	if nominal.Kind == KindTypeSymbolicReference || nominal.Kind == KindProtocolSymbolicReference {
		rest := d.newNode(KindTypeList)
		for j := len(lists) - 1; j >= i; j-- {
			for _, c := range lists[j].Children {
				d.add(rest, c)
			}
		}
		return d.with(KindBoundGenericOtherNominalType, d.typ(nominal), rest)
	}
	if len(nominal.Children) == 0 {
		d.fail("generic arguments", "type has no context")
	}
	ctx := nominal.Children[0]
	consumes := consumesGenericArgs(nominal.Kind)
	args := lists[i]
	if consumes {
		i++
	}
	if i < len(lists) {
		var parent *Node
		if ctx.Kind == KindExtension {
			parent = d.with(KindExtension, ctx.first(), d.bindGenericArgs(ctx.at(1), lists, i))
			if len(ctx.Children) == 3 {
				d.add(parent, ctx.Children[2])
			}
		} else {
			parent = d.bindGenericArgs(ctx, lists, i)
		}
		rebuilt := d.with(nominal.Kind, parent)
		for _, c := range nominal.Children[1:] {
			d.add(rebuilt, c)
		}
		nominal = rebuilt
	}
	if !consumes || len(args.Children) == 0 {
		return nominal
	}
	var k Kind
	switch nominal.Kind {
	case KindClass:
		k = KindBoundGenericClass
	case KindStructure:
		k = KindBoundGenericStructure
	case KindEnum:
		k = KindBoundGenericEnum
	case KindProtocol:
		k = KindBoundGenericProtocol
	case KindOtherNominalType:
		k = KindBoundGenericOtherNominalType
	case KindTypeAlias:
		k = KindBoundGenericTypeAlias
	case KindFunction, KindConstructor:
		return d.with(KindBoundGenericFunction, nominal, args)
	default:
		d.fail("generic arguments", nominal.Kind.String()+" cannot be generic")
	}
	return d.with(k, d.typ(nominal), args)
}

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
	case 'i', 'I':
		constraint = inverse
		if c == 'I' {
			subject = onSubst
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
	}
	switch c := d.peek(); c {
	case 'd', 'l', 'f', 'r':
		d.next()
		d.add(fn, d.num(KindImplDifferentiabilityKind, uint64(c)))
	}
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
	case 'O':
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
	d.addIf(fn, sig)

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
	return d.typ(fn)
}

// differentiability reads an optional @noDerivative marker ('w').
func (d *demangler) differentiability() *Node {
	if d.nextIf('w') {
		return d.str(KindImplParameterResultDifferentiability, "@noDerivative")
	}
	return d.str(KindImplParameterResultDifferentiability, "")
}

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
	case 'W':
		return d.typ(d.with(KindBuiltinBorrow, d.mustPop(KindType)))
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
	d.addIf(fn, d.popKind(KindCalledOnceFunctionType))
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

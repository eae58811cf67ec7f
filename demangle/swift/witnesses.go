package swift

// This file demangles autodiff thunks, witness tables and outlined value
// operations ('W'), value witnesses ('w'), entities ('f', 'v', 'i') and
// macro expansions of the current mangling.

// --- autodiff ----------------------------------------------------------------------

func (d *demangler) autoDiffFunctionKind() *Node {
	switch c := d.next(); c {
	case 'f', 'r', 'd', 'p':
		return d.num(KindAutoDiffFunctionKind, uint64(c))
	}
	d.back()
	d.fail("autodiff", "unknown function kind")
	return nil
}

func (d *demangler) indexSubset() *Node {
	start := d.pos
	for c := d.peek(); c == 'S' || c == 'U'; c = d.peek() {
		d.next()
	}
	if d.pos == start {
		d.fail("autodiff", "empty index subset")
	}
	return d.str(KindIndexSubset, d.text[start:d.pos])
}

// popAllReversed pops the whole stack into n's children, in stack order.
func (d *demangler) popAllReversed(n *Node) {
	start := len(n.Children)
	for c := d.pop(); c != nil; c = d.pop() {
		d.add(n, c)
	}
	reverseNodes(n.Children[start:])
}

func (d *demangler) expect(c byte, what string) {
	if !d.nextIf(c) {
		d.fail(what, "expected "+quoteByte(c))
	}
}

func (d *demangler) autoDiffFunction(k Kind) *Node {
	n := d.newNode(k)
	d.popAllReversed(n)
	d.add(n, d.autoDiffFunctionKind())
	d.add(n, d.indexSubset())
	d.expect('p', "autodiff")
	d.add(n, d.indexSubset())
	d.expect('r', "autodiff")
	return n
}

func (d *demangler) autoDiffSubsetParametersThunk() *Node {
	n := d.newNode(KindAutoDiffSubsetParametersThunk)
	d.popAllReversed(n)
	if len(n.Children) == 0 {
		d.fail("autodiff", "subset parameters thunk of no function") // Swift refuses it too
	}
	d.add(n, d.autoDiffFunctionKind())
	d.add(n, d.indexSubset())
	d.expect('p', "autodiff")
	d.add(n, d.indexSubset())
	d.expect('r', "autodiff")
	d.add(n, d.indexSubset())
	d.expect('P', "autodiff")
	return n
}

func (d *demangler) differentiabilityWitness() *Node {
	n := d.newNode(KindDifferentiabilityWitness)
	sig := d.popKind(KindDependentGenericSignature)
	d.popAllReversed(n)
	switch c := d.next(); c {
	case 'f', 'r', 'd', 'l':
		d.add(n, d.num(KindIndex, uint64(c)))
	default:
		d.back()
		d.fail("differentiability witness", "unknown kind")
	}
	d.add(n, d.indexSubset())
	d.expect('p', "differentiability witness")
	d.add(n, d.indexSubset())
	d.expect('r', "differentiability witness")
	d.addIf(n, sig)
	return n
}

// --- witnesses --------------------------------------------------------------------

// witnessOfConformance are 'W' operators that wrap a popped conformance.
var witnessOfConformance = [256]Kind{
	'P': KindProtocolWitnessTable,
	'p': KindProtocolWitnessTablePattern,
	'G': KindGenericProtocolWitnessTable,
	'I': KindGenericProtocolWitnessTableInstantiationFunction,
	'r': KindResilientProtocolWitnessTable,
	'a': KindProtocolWitnessTableAccessor,
}

// outlinedOps are the 'WO' outlined value operations.
var outlinedOps = [256]Kind{
	'y': KindOutlinedCopy,
	'e': KindOutlinedConsume,
	'r': KindOutlinedRetain,
	's': KindOutlinedRelease,
	'b': KindOutlinedInitializeWithTake,
	'B': KindOutlinedInitializeWithTakeNoValueWitness,
	'c': KindOutlinedInitializeWithCopy,
	'C': KindOutlinedInitializeWithCopyNoValueWitness,
	'd': KindOutlinedAssignWithTake,
	'D': KindOutlinedAssignWithTakeNoValueWitness,
	'f': KindOutlinedAssignWithCopy,
	'F': KindOutlinedAssignWithCopyNoValueWitness,
	'h': KindOutlinedDestroy,
	'H': KindOutlinedDestroyNoValueWitness,
	'g': KindOutlinedEnumGetTag,
	'i': KindOutlinedEnumTagStore,
	'j': KindOutlinedEnumProjectDataForLoad,
}

func (d *demangler) witness() *Node {
	c := d.next()
	if k := witnessOfConformance[c]; k != KindInvalid {
		return d.with(k, d.popProtocolConformance())
	}
	switch c {
	case 'C':
		return d.with(KindEnumCase, d.mustPopIf(isEntity, "enum case"))
	case 'V':
		return d.with(KindValueWitnessTable, d.mustPop(KindType))
	case 'v':
		var dir uint64
		switch d.next() {
		case 'd':
			dir = 0
		case 'i':
			dir = 1
		default:
			d.back()
			d.fail("field offset", "bad directness")
		}
		return d.with(KindFieldOffset, d.num(KindDirectness, dir), d.mustPopIf(isEntity, "field"))
	case 'S':
		return d.with(KindProtocolSelfConformanceWitnessTable, d.popProtocol())
	case 'l', 'L':
		conf := d.popProtocolConformance()
		k := KindLazyProtocolWitnessTableAccessor
		if c == 'L' {
			k = KindLazyProtocolWitnessTableCacheVariable
		}
		return d.with(k, d.mustPop(KindType), conf)
	case 't':
		name := d.mustPopIf(isDeclName, "associated type")
		return d.with(KindAssociatedTypeMetadataAccessor, d.popProtocolConformance(), name)
	case 'T':
		proto := d.mustPop(KindType)
		path := d.popAssocTypePath()
		return d.with(KindAssociatedTypeWitnessTableAccessor, d.popProtocolConformance(), path, proto)
	case 'b':
		proto := d.mustPop(KindType)
		return d.with(KindBaseWitnessTableAccessor, d.popProtocolConformance(), proto)
	case 'O':
		op := d.next()
		k := outlinedOps[op]
		if k == KindInvalid {
			d.back()
			d.fail("outlined operation", "unknown operator WO"+quoteByte(op))
		}
		var caseIdx *Node
		if op == 'i' || op == 'j' {
			caseIdx = d.indexNode()
		}
		sig := d.popKind(KindDependentGenericSignature)
		n := d.with(k, d.mustPop(KindType))
		d.addIf(n, sig)
		d.addIf(n, caseIdx)
		return n
	case 'Z', 'z':
		var vars []*Node
		for d.popKind(KindFirstElementMarker) != nil {
			vars = append(vars, d.mustPopIf(isDeclName, "global variable"))
		}
		list := d.newNode(KindGlobalVariableOnceDeclList)
		for j := len(vars) - 1; j >= 0; j-- {
			d.add(list, vars[j])
		}
		k := KindGlobalVariableOnceToken
		if c == 'Z' {
			k = KindGlobalVariableOnceFunction
		}
		return d.with(k, d.popContext(), list)
	case 'J':
		return d.differentiabilityWitness()
	}
	d.back()
	d.fail("witness", "unknown operator W"+quoteByte(c))
	return nil
}

// valueWitnessNames maps the two-letter value witness codes to their names.
var valueWitnessNames = map[string]string{
	"al": "allocateBuffer", "ca": "assignWithCopy", "ta": "assignWithTake",
	"de": "deallocateBuffer", "xx": "destroy", "XX": "destroyBuffer", "Xx": "destroyArray",
	"CP": "initializeBufferWithCopyOfBuffer", "Cp": "initializeBufferWithCopy",
	"cp": "initializeWithCopy", "Tk": "initializeBufferWithTake", "tk": "initializeWithTake",
	"pr": "projectBuffer", "TK": "initializeBufferWithTakeOfBuffer",
	"Cc": "initializeArrayWithCopy", "Tt": "initializeArrayWithTakeFrontToBack",
	"tT": "initializeArrayWithTakeBackToFront", "xs": "storeExtraInhabitant",
	"xg": "getExtraInhabitantIndex", "ug": "getEnumTag", "up": "destructiveProjectEnumData",
	"ui": "destructiveInjectEnumTag", "et": "getEnumTagSinglePayload",
	"st": "storeEnumTagSinglePayload",
}

// valueWitness demangles 'w' and a two-letter code. The node carries the
// witness name as the text of its first child.
func (d *demangler) valueWitness() *Node {
	if len(d.text)-d.pos < 2 {
		d.fail("value witness", "truncated code")
	}
	name, ok := valueWitnessNames[d.text[d.pos:d.pos+2]]
	if !ok {
		d.fail("value witness", "unknown code")
	}
	d.pos += 2
	return d.with(KindValueWitness, d.str(KindIdentifier, name), d.mustPop(KindType))
}

// --- entities -----------------------------------------------------------------------

var accessorKinds = [256]Kind{
	'm': KindMaterializeForSet, 's': KindSetter, 'g': KindGetter, 'G': KindGlobalGetter,
	'w': KindWillSet, 'W': KindDidSet, 'r': KindReadAccessor, 'y': KindRead2Accessor,
	'M': KindModifyAccessor, 'x': KindModify2Accessor, 'i': KindInitAccessor,
	'b': KindBorrowAccessor, 'z': KindMutateAccessor,
}

// accessor demangles the ACCESSOR after a variable or subscript.
func (d *demangler) accessor(storage *Node) *Node {
	c := d.next()
	if k := accessorKinds[c]; k != KindInvalid {
		return d.with(k, storage)
	}
	var k Kind
	switch c {
	case 'p':
		return storage
	case 'a':
		switch d.next() {
		case 'O':
			k = KindOwningMutableAddressor
		case 'o':
			k = KindNativeOwningMutableAddressor
		case 'P':
			k = KindNativePinningMutableAddressor
		case 'u':
			k = KindUnsafeMutableAddressor
		}
	case 'l':
		switch d.next() {
		case 'O':
			k = KindOwningAddressor
		case 'o':
			k = KindNativeOwningAddressor
		case 'p':
			k = KindNativePinningAddressor
		case 'u':
			k = KindUnsafeAddressor
		}
	}
	if k == KindInvalid {
		d.back()
		d.fail("accessor", "unknown accessor")
	}
	return d.with(k, storage)
}

// entity demangles "context name label-list? type" entities of kind k.
func (d *demangler) entity(k Kind) *Node {
	t := d.mustPop(KindType)
	labels := d.popFunctionLabels(t)
	name := d.mustPopIf(isDeclName, "name")
	ctx := d.popContext()
	if labels != nil {
		return d.with(k, ctx, name, labels, t)
	}
	return d.with(k, ctx, name, t)
}

func (d *demangler) variable() *Node { return d.accessor(d.entity(KindVariable)) }

func (d *demangler) subscript() *Node {
	private := d.popKind(KindPrivateDeclName)
	t := d.mustPop(KindType)
	labels := d.popFunctionLabels(t)
	n := d.with(KindSubscript, d.popContext())
	d.addIf(n, labels)
	d.add(n, t)
	d.addIf(n, private)
	return d.accessor(n)
}

// functionEntity demangles the 'f' entities: initializers, destructors,
// closures, default arguments, macros…
func (d *demangler) functionEntity() *Node {
	c := d.next()
	var k Kind
	switch c {
	case 'D':
		k = KindDeallocator
	case 'd':
		k = KindDestructor
	case 'Z':
		k = KindIsolatedDeallocator
	case 'E':
		k = KindIVarDestroyer
	case 'e':
		k = KindIVarInitializer
	case 'i':
		k = KindInitializer
	case 'P':
		k = KindPropertyWrapperBackingInitializer
	case 'F':
		k = KindPropertyWrappedFieldInitAccessor
	case 'W':
		k = KindPropertyWrapperInitFromProjectedValue
	case 'C', 'c':
		k = KindConstructor
		if c == 'C' {
			k = KindAllocator
		}
		private := d.popKind(KindPrivateDeclName)
		t := d.popKind(KindType)
		labels := d.popFunctionLabels(t)
		n := d.with(k, d.popContext())
		d.addIf(n, labels)
		d.add(n, d.must(t, "initializer type"))
		d.addIf(n, private)
		return n
	case 'U', 'u':
		k = KindExplicitClosure
		if c == 'u' {
			k = KindImplicitClosure
		}
		idx := d.indexNode()
		t := d.popKind(KindType)
		return d.with(k, d.popContext(), idx, d.must(t, "closure type"))
	case 'A':
		idx := d.indexNode()
		return d.with(KindDefaultArgumentInitializer, d.popContext(), idx)
	case 'm':
		return d.entity(KindMacro)
	case 'M':
		return d.macroExpansion()
	case 'p':
		return d.entity(KindGenericTypeParamDecl)
	default:
		d.back()
		d.fail("entity", "unknown operator f"+quoteByte(c))
	}
	return d.with(k, d.popContext())
}

var attachedMacroKinds = [256]Kind{
	'a': KindAccessorAttachedMacroExpansion,
	'r': KindMemberAttributeAttachedMacroExpansion,
	'm': KindMemberAttachedMacroExpansion,
	'p': KindPeerAttachedMacroExpansion,
	'c': KindConformanceAttachedMacroExpansion,
	'e': KindExtensionAttachedMacroExpansion,
	'q': KindPreambleAttachedMacroExpansion,
	'b': KindBodyAttachedMacroExpansion,
}

func isMacroExpansion(k Kind) bool {
	switch k {
	case KindAccessorAttachedMacroExpansion, KindMemberAttributeAttachedMacroExpansion,
		KindFreestandingMacroExpansion, KindMemberAttachedMacroExpansion,
		KindPeerAttachedMacroExpansion, KindConformanceAttachedMacroExpansion,
		KindExtensionAttachedMacroExpansion, KindMacroExpansionLoc:
		return true
	}
	return false
}

// macroExpansion demangles "fM" macro expansion contexts.
func (d *demangler) macroExpansion() *Node {
	c := d.next()
	k := attachedMacroKinds[c]
	attached := k != KindInvalid
	freestanding := false
	switch {
	case attached:
	case c == 'f':
		k, freestanding = KindFreestandingMacroExpansion, true
	case c == 'u':
		k = KindMacroExpansionUniqueName
	case c == 'X':
		line := d.mustIndex("macro line")
		col := d.mustIndex("macro column")
		buffer := d.mustPop(KindIdentifier)
		module := d.mustPop(KindIdentifier)
		return d.with(KindMacroExpansionLoc, module, buffer, d.num(KindIndex, line), d.num(KindIndex, col))
	default:
		d.back()
		d.fail("macro expansion", "unknown role")
	}
	name := d.mustPop(KindIdentifier)
	var private, attachedName *Node
	if freestanding {
		private = d.popKind(KindPrivateDeclName)
	}
	if attached {
		attachedName = d.popIf(isDeclName)
	}
	ctx := d.popIf(isMacroExpansion)
	if ctx == nil {
		ctx = d.popContext()
	}
	disc := d.indexNode()
	var n *Node
	if attachedName != nil {
		n = d.with(k, ctx, attachedName, name, disc)
	} else {
		n = d.with(k, ctx, name, disc)
	}
	d.addIf(n, private)
	return n
}

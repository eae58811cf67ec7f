package swift

// This file demangles the operators that make a symbol a global: metadata
// and descriptors ('M'), thunks and specializations ('T'), witness tables and
// outlined value operations ('W'), value witnesses ('w') and the entities
// themselves ('f', 'v', 'i') (Mangling.rst, "Globals" and "Entities").

// poppedType is the set of 'M' operators that wrap a popped type.
var metadataOfType = [256]Kind{
	'a': KindTypeMetadataAccessFunction,
	'b': KindCanonicalSpecializedGenericTypeMetadataAccessFunction,
	'D': KindTypeMetadataDemanglingCache,
	'f': KindFullTypeMetadata,
	'i': KindTypeMetadataInstantiationFunction,
	'I': KindTypeMetadataInstantiationCache,
	'l': KindTypeMetadataSingletonInitializationCache,
	'L': KindTypeMetadataLazyCache,
	'm': KindMetaclass,
	'M': KindCanonicalSpecializedGenericMetaclass,
	'n': KindNominalTypeDescriptor,
	'N': KindNoncanonicalSpecializedGenericTypeMetadata,
	'o': KindClassMetadataBaseOffset,
	'P': KindGenericTypeMetadataPattern,
	'r': KindTypeMetadataCompletionFunction,
	's': KindObjCResilientClassStub,
	't': KindFullObjCResilientClassStub,
	'u': KindMethodLookupFunction,
	'U': KindObjCMetadataUpdateFunction,
	'z': KindCanonicalPrespecializedGenericTypeCachingOnceToken,
	'B': KindReflectionMetadataBuiltinDescriptor,
	'F': KindReflectionMetadataFieldDescriptor,
}

// metadataOfAny is the set of 'M' operators that wrap whatever is on top of
// the stack.
var metadataOfAny = [256]Kind{
	'g': KindOpaqueTypeDescriptorAccessor,
	'h': KindOpaqueTypeDescriptorAccessorImpl,
	'j': KindOpaqueTypeDescriptorAccessorKey,
	'J': KindNoncanonicalSpecializedGenericTypeMetadataCache,
	'k': KindOpaqueTypeDescriptorAccessorVar,
	'K': KindMetadataInstantiationCache,
	'q': KindUniquable,
	'Q': KindOpaqueTypeDescriptor,
}

func (d *demangler) metadataOperator() *Node {
	c := d.next()
	if k := metadataOfType[c]; k != KindInvalid {
		return d.with(k, d.mustPop(KindType))
	}
	if k := metadataOfAny[c]; k != KindInvalid {
		return d.with(k, d.must(d.pop(), "operand"))
	}
	switch c {
	case 'A':
		return d.with(KindReflectionMetadataAssocTypeDescriptor, d.popProtocolConformance())
	case 'c':
		return d.with(KindProtocolConformanceDescriptor, d.popProtocolConformance())
	case 'C':
		t := d.mustPop(KindType)
		if len(t.Children) == 0 || !isAnyGeneric(t.Children[0].Kind) {
			d.fail("superclass descriptor", "not a nominal type")
		}
		return d.with(KindReflectionMetadataSuperclassDescriptor, t.Children[0])
	case 'p':
		return d.with(KindProtocolDescriptor, d.popProtocol())
	case 'S':
		return d.with(KindProtocolSelfConformanceDescriptor, d.popProtocol())
	case 'V':
		return d.with(KindPropertyDescriptor, d.mustPopIf(isEntity, "property"))
	case 'X':
		return d.privateContextDescriptor()
	}
	d.back()
	d.fail("metadata", "unknown operator M"+quoteByte(c))
	return nil
}

func (d *demangler) privateContextDescriptor() *Node {
	switch c := d.next(); c {
	case 'E':
		return d.with(KindExtensionDescriptor, d.popContext())
	case 'M':
		return d.with(KindModuleDescriptor, d.must(d.popModule(), "module"))
	case 'Y':
		disc := d.must(d.pop(), "discriminator")
		return d.with(KindAnonymousDescriptor, d.popContext(), disc)
	case 'X':
		return d.with(KindAnonymousDescriptor, d.popContext())
	case 'A':
		path := d.popAssocTypePath()
		return d.with(KindAssociatedTypeGenericParamRef, d.mustPop(KindType), path)
	}
	d.back()
	d.fail("context descriptor", "unknown operator MX")
	return nil
}

// thunkAttrs are 'T' operators that only mark the symbol.
var thunkAttrs = [256]Kind{
	'o': KindObjCAttribute,
	'O': KindNonObjCAttribute,
	'D': KindDynamicAttribute,
	'd': KindDirectMethodReferenceAttribute,
	'E': KindDistributedThunk,
	'F': KindDistributedAccessor,
	'a': KindPartialApplyObjCForwarder,
	'A': KindPartialApplyForwarder,
	'm': KindMergedFunction,
	'X': KindDynamicallyReplaceableFunctionVar,
	'x': KindDynamicallyReplaceableFunctionKey,
	'I': KindDynamicallyReplaceableFunctionImpl,
	'u': KindAsyncFunctionPointer,
}

// thunksOfEntity are 'T' operators that wrap a popped entity.
var thunksOfEntity = [256]Kind{
	'c': KindCurryThunk,
	'j': KindDispatchThunk,
	'q': KindMethodDescriptor,
	'S': KindProtocolSelfConformanceWitness,
}

func (d *demangler) thunkOrSpecialization() *Node {
	c := d.next()
	if k := thunkAttrs[c]; k != KindInvalid {
		return d.newNode(k)
	}
	if k := thunksOfEntity[c]; k != KindInvalid {
		return d.with(k, d.mustPopIf(isEntity, "entity"))
	}
	switch c {
	case 'T':
		if d.nextIf('I') {
			return d.with(KindSILThunkIdentity, d.mustPopIf(isEntity, "entity"))
		}
	case 'Y', 'Q':
		k := KindAsyncSuspendResumePartialFunction
		if c == 'Q' {
			k = KindAsyncAwaitResumePartialFunction
		}
		return d.with(k, d.indexNode())
	case 'C':
		return d.with(KindCoroutineContinuationPrototype, d.mustPop(KindType))
	case 'z', 'Z':
		flag := d.indexNode()
		sig := d.popKind(KindDependentGenericSignature)
		result := d.mustPop(KindType)
		impl := d.mustPop(KindType)
		k := KindObjCAsyncCompletionHandlerImpl
		if c == 'Z' {
			k = KindPredefinedObjCAsyncCompletionHandlerImpl
		}
		n := d.with(k, impl, result, flag)
		d.addIf(n, sig)
		return n
	case 'V':
		base := d.mustPopIf(isEntity, "base entity")
		derived := d.mustPopIf(isEntity, "derived entity")
		return d.with(KindVTableThunk, derived, base)
	case 'W':
		entity := d.mustPopIf(isEntity, "entity")
		return d.with(KindProtocolWitness, d.popProtocolConformance(), entity)
	case 'R', 'r', 'y':
		k := KindReabstractionThunk
		switch c {
		case 'R':
			k = KindReabstractionThunkHelper
		case 'y':
			k = KindReabstractionThunkHelperWithSelf
		}
		n := d.newNode(k)
		d.addIf(n, d.popKind(KindDependentGenericSignature))
		if k == KindReabstractionThunkHelperWithSelf {
			d.add(n, d.mustPop(KindType))
		}
		d.add(n, d.mustPop(KindType))
		d.add(n, d.mustPop(KindType))
		return n
	case 'g':
		return d.genericSpecialization(KindGenericSpecialization, nil)
	case 'G':
		return d.genericSpecialization(KindGenericSpecializationNotReAbstracted, nil)
	case 'B':
		return d.genericSpecialization(KindGenericSpecializationInResilienceDomain, nil)
	case 's':
		return d.genericSpecialization(KindGenericSpecializationPrespecialized, nil)
	case 'i':
		return d.genericSpecialization(KindInlinedGenericFunction, nil)
	case 't':
		d.back()
		var dropped []*Node
		for d.nextIf('t') {
			n := d.natural()
			if n < 0 {
				n = 0
			} else {
				n++
			}
			dropped = append(dropped, d.num(KindDroppedArgument, uint64(n)))
		}
		var k Kind
		switch d.next() {
		case 'g':
			k = KindGenericSpecialization
		case 'G':
			k = KindGenericSpecializationNotReAbstracted
		case 'B':
			k = KindGenericSpecializationInResilienceDomain
		default:
			d.back()
			d.fail("specialization", "bad dropped-argument specialization")
		}
		return d.genericSpecialization(k, dropped)
	case 'p', 'P':
		k := KindGenericPartialSpecialization
		if c == 'P' {
			k = KindGenericPartialSpecializationNotReAbstracted
		}
		spec := d.specAttributes(k)
		d.add(spec, d.with(KindGenericSpecializationParam, d.mustPop(KindType)))
		return spec
	case 'f':
		return d.functionSpecialization()
	case 'K', 'k':
		return d.keyPathAccessorThunk(c)
	case 'H', 'h':
		return d.keyPathIndexThunk(c)
	case 'l':
		return d.with(KindAssociatedTypeDescriptor, d.popAssocTypeName())
	case 'L':
		return d.with(KindProtocolRequirementsBaseDescriptor, d.popProtocol())
	case 'M':
		return d.with(KindDefaultAssociatedTypeMetadataAccessor, d.popAssocTypeName())
	case 'n', 'N':
		req := d.popProtocol()
		path := d.popAssocTypePath()
		proto := d.mustPop(KindType)
		k := KindAssociatedConformanceDescriptor
		if c == 'N' {
			k = KindDefaultAssociatedConformanceAccessor
		}
		return d.with(k, proto, path, req)
	case 'b':
		req := d.popProtocol()
		return d.with(KindBaseConformanceDescriptor, d.mustPop(KindType), req)
	case 'v':
		i := d.mustIndex("outlined variable")
		if d.nextIf('r') {
			return d.num(KindOutlinedReadOnlyObject, i)
		}
		return d.num(KindOutlinedVariable, i)
	case 'e':
		return d.str(KindOutlinedBridgedMethod, d.bridgedMethodParams())
	case 'U':
		actor := d.mustPop(KindType)
		reab := d.must(d.pop(), "reabstraction thunk")
		return d.with(KindReabstractionThunkHelperWithGlobalActor, reab, actor)
	case 'J':
		switch d.peek() {
		case 'S':
			d.next()
			return d.autoDiffSubsetParametersThunk()
		case 'O':
			d.next()
			n := d.newNode(KindAutoDiffSelfReorderingReabstractionThunk)
			d.addIf(n, d.popKind(KindDependentGenericSignature))
			d.add(n, d.mustPop(KindType))
			d.add(n, d.mustPop(KindType))
			reverseNodes(n.Children)
			d.add(n, d.autoDiffFunctionKind())
			return n
		case 'V':
			d.next()
			return d.autoDiffFunction(KindAutoDiffDerivativeVTableThunk)
		}
		return d.autoDiffFunction(KindAutoDiffFunction)
	case 'w':
		switch d.peek() {
		case 'b':
			d.next()
			return d.newNode(KindBackDeploymentThunk)
		case 'B':
			d.next()
			return d.newNode(KindBackDeploymentFallback)
		case 'c':
			d.next()
			return d.newNode(KindCoroFunctionPointer)
		case 'd':
			d.next()
			return d.newNode(KindDefaultOverride)
		case 'S':
			d.next()
			return d.newNode(KindHasSymbolQuery)
		}
		// Swift 5.5 development compilers marked thunks for non-constant
		// partial applications with a bare "Tw".
		return d.newNode(KindNonConstantPartialApply)
	}
	d.back()
	d.fail("thunk", "unknown operator T"+quoteByte(c))
	return nil
}

// keyPathAccessorThunk demangles 'TK'/'Tk' (and the method variants 'Tkmu',
// 'TkMA'): entity, optional generic signature, then one or more types.
func (d *demangler) keyPathAccessorThunk(c byte) *Node {
	k := KindKeyPathSetterThunkHelper
	switch {
	case d.peek() == 'm' && d.pos+1 < len(d.text) && d.text[d.pos+1] == 'u':
		d.pos += 2
		k = KindKeyPathUnappliedMethodThunkHelper
	case d.peek() == 'M' && d.pos+1 < len(d.text) && d.text[d.pos+1] == 'A':
		d.pos += 2
		k = KindKeyPathAppliedMethodThunkHelper
	case c == 'K':
		k = KindKeyPathGetterThunkHelper
	}
	serialized := d.nextIf('q')
	var types []*Node
	n := d.pop()
	for n != nil && n.Kind == KindType {
		types = append(types, n)
		n = d.pop()
	}
	if len(types) == 0 || n == nil {
		d.fail("key path thunk", "missing operands")
	}
	var res *Node
	if n.Kind == KindDependentGenericSignature {
		decl := d.must(d.pop(), "key path entity")
		res = d.with(k, decl, n)
	} else {
		res = d.with(k, n)
	}
	for j := len(types) - 1; j >= 0; j-- {
		d.add(res, types[j])
	}
	if serialized {
		d.add(res, d.newNode(KindIsSerialized))
	}
	return res
}

// keyPathIndexThunk demangles 'TH'/'Th': the index types and an optional
// generic signature, which use up the rest of the stack.
func (d *demangler) keyPathIndexThunk(c byte) *Node {
	k := KindKeyPathHashThunkHelper
	if c == 'H' {
		k = KindKeyPathEqualsThunkHelper
	}
	serialized := d.nextIf('q')
	var sig *Node
	var types []*Node
	n := d.must(d.pop(), "key path index type")
	switch n.Kind {
	case KindDependentGenericSignature:
		sig = n
	case KindType:
		types = append(types, n)
	default:
		d.fail("key path thunk", "unexpected operand")
	}
	for n := d.pop(); n != nil; n = d.pop() {
		if n.Kind != KindType {
			d.fail("key path thunk", "unexpected operand")
		}
		types = append(types, n)
	}
	res := d.newNode(k)
	for j := len(types) - 1; j >= 0; j-- {
		d.add(res, types[j])
	}
	d.addIf(res, sig)
	if serialized {
		d.add(res, d.newNode(KindIsSerialized))
	}
	return res
}

// bridgedMethodParams reads the kind and bridging flags of an outlined
// bridged method ('Te').
func (d *demangler) bridgedMethodParams() string {
	start := d.pos
	switch d.next() {
	case 'o', 'p', 'a', 'm':
	default:
		d.fail("bridged method", "bad kind")
	}
	for !d.nextIf('_') {
		switch d.next() {
		case 'n', 'b', 'g':
		default:
			d.fail("bridged method", "bad parameter flag")
		}
	}
	return d.text[start : d.pos-1]
}

// specAttributes reads SPEC-INFO: flags and the pass number.
func (d *demangler) specAttributes(k Kind) *Node {
	d.nextIf('m') // historical "metatype parameters removed" flag
	serialized := d.nextIf('q')
	asyncRemoved := d.nextIf('a')
	reprChanged := d.nextIf('r')
	c := d.next()
	if c < '0' || c > '9' {
		d.back()
		d.fail("specialization", "bad pass id")
	}
	spec := d.newNode(k)
	if serialized {
		d.add(spec, d.newNode(KindIsSerialized))
	}
	if asyncRemoved {
		d.add(spec, d.newNode(KindAsyncRemoved))
	}
	if reprChanged {
		d.add(spec, d.newNode(KindRepresentationChanged))
	}
	d.add(spec, d.num(KindSpecializationPassID, uint64(c-'0')))
	return spec
}

func (d *demangler) genericSpecialization(k Kind, dropped []*Node) *Node {
	spec := d.specAttributes(k)
	for _, a := range dropped {
		d.add(spec, a)
	}
	for _, t := range d.typeList().Children {
		d.add(spec, d.with(KindGenericSpecializationParam, t))
	}
	return spec
}

// Function signature specialization parameter kinds. The low values are
// exclusive kinds, the high bits an option set (as in Swift's demangler, so
// that trees can be compared).
const (
	specConstantPropFunction = iota
	specConstantPropGlobal
	specConstantPropInteger
	specConstantPropFloat
	specConstantPropString
	specClosureProp
	specBoxToValue
	specBoxToStack
	specInOutToOut
	specConstantPropKeyPath
	specConstantPropStruct
	specClosurePropPreviousArg

	specDead                 = 1 << 6
	specOwnedToGuaranteed    = 1 << 7
	specSROA                 = 1 << 8
	specGuaranteedToOwned    = 1 << 9
	specExistentialToGeneric = 1 << 10
)

func (d *demangler) functionSpecialization() *Node {
	spec := d.specAttributes(KindFunctionSignatureSpecialization)
	if spec.first().Kind == KindRepresentationChanged {
		return spec
	}
	for !d.nextIf('_') {
		d.add(spec, d.funcSpecParam(KindFunctionSignatureSpecializationParam))
	}
	if !d.nextIf('n') {
		d.add(spec, d.funcSpecParam(KindFunctionSignatureSpecializationReturn))
	}
	// The operands of the parameters precede "Tf" in the mangling, so they
	// are popped for the last parameter first.
	for j := len(spec.Children) - 1; j >= 0; j-- {
		param := spec.Children[j]
		if param.Kind != KindFunctionSignatureSpecializationParam {
			continue
		}
		fixed := len(param.Children)
		for i := fixed - 1; i >= 0; i-- {
			kn := param.Children[i]
			if kn.Kind != KindFunctionSignatureSpecializationParamKind {
				continue
			}
			switch kn.Index {
			case specClosureProp:
				for t := d.popKind(KindType); t != nil; t = d.popKind(KindType) {
					d.add(param, t)
				}
			case specConstantPropKeyPath:
				d.add(param, d.mustPop(KindType))
				d.add(param, d.mustPop(KindType))
			case specConstantPropStruct:
				d.add(param, d.mustPop(KindType))
				continue
			case specConstantPropFunction, specConstantPropGlobal, specConstantPropString:
				if d.top() != nil && d.top().Kind == KindType {
					d.fail("specialization", "unexpected type operand")
				}
			default:
				continue
			}
			name := d.mustPop(KindIdentifier)
			text := name.Text
			if kn.Index == specConstantPropString && len(text) > 0 && text[0] == '_' {
				// A '_' escapes a leading digit or '_' of a string constant.
				text = text[1:]
			}
			d.add(param, d.str(KindFunctionSignatureSpecializationParamPayload, text))
		}
		reverseNodes(param.Children[fixed:])
	}
	return spec
}

func (d *demangler) specKind(v uint64) *Node {
	return d.num(KindFunctionSignatureSpecializationParamKind, v)
}

// funcSpecParam demangles one ARG-SPEC-KIND.
func (d *demangler) funcSpecParam(k Kind) *Node {
	p := d.newNode(k)
	switch c := d.next(); c {
	case 'n':
		return p
	case 'c':
		d.add(p, d.specKind(specClosureProp))
	case 'C':
		d.add(p, d.specKind(specClosurePropPreviousArg))
		n := d.natural()
		if n < 0 {
			d.fail("specialization", "bad argument number")
		}
		d.add(p, d.num(KindFunctionSignatureSpecializationParamPayload, uint64(n)))
	case 'p':
		for {
			switch c := d.next(); c {
			case 'S':
				d.add(p, d.specKind(specConstantPropStruct))
			case 'f':
				d.add(p, d.specKind(specConstantPropFunction))
			case 'g':
				d.add(p, d.specKind(specConstantPropGlobal))
			case 'i', 'd':
				kind := uint64(specConstantPropInteger)
				if c == 'd' {
					kind = specConstantPropFloat
				}
				d.add(p, d.specKind(kind))
				start := d.pos
				for isDigit(d.peek()) {
					d.next()
				}
				if d.pos == start {
					d.fail("specialization", "missing constant")
				}
				d.add(p, d.str(KindFunctionSignatureSpecializationParamPayload, d.text[start:d.pos]))
			case 's':
				var enc string
				switch d.next() {
				case 'b':
					enc = "u8"
				case 'w':
					enc = "u16"
				case 'c':
					enc = "objc"
				default:
					d.back()
					d.fail("specialization", "bad string encoding")
				}
				d.add(p, d.specKind(specConstantPropString))
				d.add(p, d.str(KindFunctionSignatureSpecializationParamPayload, enc))
			case 'k':
				d.add(p, d.specKind(specConstantPropKeyPath))
			default:
				d.back()
				if len(p.Children) == 0 {
					d.fail("specialization", "empty constant propagation")
				}
				return p
			}
		}
	case 'e', 'd':
		v := uint64(specExistentialToGeneric)
		if c == 'd' {
			v = specDead
		} else if d.nextIf('D') {
			v |= specDead
		}
		if d.nextIf('G') {
			v |= specOwnedToGuaranteed
		}
		if d.nextIf('O') {
			v |= specGuaranteedToOwned
		}
		if d.nextIf('X') {
			v |= specSROA
		}
		d.add(p, d.specKind(v))
	case 'g', 'o':
		v := uint64(specOwnedToGuaranteed)
		if c == 'o' {
			v = specGuaranteedToOwned
		}
		if d.nextIf('X') {
			v |= specSROA
		}
		d.add(p, d.specKind(v))
	case 'x':
		d.add(p, d.specKind(specSROA))
	case 'i':
		d.add(p, d.specKind(specBoxToValue))
	case 's':
		d.add(p, d.specKind(specBoxToStack))
	case 'r':
		d.add(p, d.specKind(specInOutToOut))
	default:
		d.back()
		d.fail("specialization", "unknown argument kind "+quoteByte(c))
	}
	return p
}

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

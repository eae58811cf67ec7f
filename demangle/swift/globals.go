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
		var path *Node
		if t := d.top(); t != nil && t.Kind == KindType && len(t.Children) == 1 && t.first().Kind == KindDependentGenericParamType {
			path = d.mustPop(KindType) // the conformance of Self itself ("P.A: Q")
		} else {
			path = d.popAssocTypePath()
		}
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
	specEscapingClosureProp

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
		var structs map[int]*Node // a struct constant's type goes right after its kind
		for i := fixed - 1; i >= 0; i-- {
			kn := param.Children[i]
			if kn.Kind != KindFunctionSignatureSpecializationParamKind {
				continue
			}
			switch kn.Index {
			case specClosureProp, specEscapingClosureProp:
				for t := d.popKind(KindType); t != nil; t = d.popKind(KindType) {
					d.add(param, t)
				}
			case specConstantPropKeyPath:
				d.add(param, d.mustPop(KindType))
				d.add(param, d.mustPop(KindType))
			case specConstantPropStruct:
				if structs == nil {
					structs = map[int]*Node{}
				}
				structs[i] = d.mustPop(KindType)
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
		if structs != nil {
			kids := make([]*Node, 0, len(param.Children)+len(structs))
			for i, c := range param.Children {
				kids = append(kids, c)
				if t := structs[i]; t != nil && i < fixed {
					kids = append(kids, t)
				}
			}
			param.Children = kids
		}
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
	case 'E':
		d.add(p, d.specKind(specEscapingClosureProp))
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

package swift

// This file prints what makes a symbol a global: metadata and descriptors,
// witness tables, thunks, specializations and outlined operations.

// prefixOfChild are kinds printed as a fixed text followed by their first
// child.
var prefixOfChild = map[Kind]string{
	KindStatic:                                                "static ",
	KindCurryThunk:                                            "curry thunk of ",
	KindDispatchThunk:                                         "dispatch thunk of ",
	KindMethodDescriptor:                                      "method descriptor for ",
	KindMethodLookupFunction:                                  "method lookup function for ",
	KindObjCMetadataUpdateFunction:                            "ObjC metadata update function for ",
	KindObjCResilientClassStub:                                "ObjC resilient class stub for ",
	KindFullObjCResilientClassStub:                            "full ObjC resilient class stub for ",
	KindSILThunkIdentity:                                      "identity thunk of ",
	KindOutlinedRetain:                                        "outlined retain of ",
	KindOutlinedRelease:                                       "outlined release of ",
	KindOutlinedInitializeWithTake:                            "outlined init with take of ",
	KindOutlinedInitializeWithTakeNoValueWitness:              "outlined init with take of ",
	KindOutlinedInitializeWithCopy:                            "outlined init with copy of ",
	KindOutlinedInitializeWithCopyNoValueWitness:              "outlined init with copy of ",
	KindOutlinedAssignWithTake:                                "outlined assign with take of ",
	KindOutlinedAssignWithTakeNoValueWitness:                  "outlined assign with take of ",
	KindOutlinedAssignWithCopy:                                "outlined assign with copy of ",
	KindOutlinedAssignWithCopyNoValueWitness:                  "outlined assign with copy of ",
	KindOutlinedDestroy:                                       "outlined destroy of ",
	KindOutlinedDestroyNoValueWitness:                         "outlined destroy of ",
	KindOutlinedEnumProjectDataForLoad:                        "outlined enum project data for load of ",
	KindOutlinedEnumTagStore:                                  "outlined enum tag store of ",
	KindOutlinedEnumGetTag:                                    "outlined enum get tag of ",
	KindProtocolSelfConformanceWitnessTable:                   "protocol self-conformance witness table for ",
	KindProtocolWitnessTableAccessor:                          "protocol witness table accessor for ",
	KindProtocolWitnessTable:                                  "protocol witness table for ",
	KindProtocolWitnessTablePattern:                           "protocol witness table pattern for ",
	KindGenericProtocolWitnessTable:                           "generic protocol witness table for ",
	KindGenericProtocolWitnessTableInstantiationFunction:      "instantiation function for generic protocol witness table for ",
	KindResilientProtocolWitnessTable:                         "resilient protocol witness table for ",
	KindProtocolSelfConformanceWitness:                        "protocol self-conformance witness for ",
	KindGenericTypeMetadataPattern:                            "generic type metadata pattern for ",
	KindMetaclass:                                             "metaclass for ",
	KindProtocolSelfConformanceDescriptor:                     "protocol self-conformance descriptor for ",
	KindProtocolConformanceDescriptor:                         "protocol conformance descriptor for ",
	KindProtocolConformanceDescriptorRecord:                   "protocol conformance descriptor runtime record for ",
	KindProtocolDescriptor:                                    "protocol descriptor for ",
	KindProtocolDescriptorRecord:                              "protocol descriptor runtime record for ",
	KindProtocolRequirementsBaseDescriptor:                    "protocol requirements base descriptor for ",
	KindFullTypeMetadata:                                      "full type metadata for ",
	KindTypeMetadata:                                          "type metadata for ",
	KindTypeMetadataAccessFunction:                            "type metadata accessor for ",
	KindTypeMetadataInstantiationCache:                        "type metadata instantiation cache for ",
	KindTypeMetadataInstantiationFunction:                     "type metadata instantiation function for ",
	KindTypeMetadataSingletonInitializationCache:              "type metadata singleton initialization cache for ",
	KindTypeMetadataCompletionFunction:                        "type metadata completion function for ",
	KindTypeMetadataDemanglingCache:                           "demangling cache variable for type metadata for ",
	KindTypeMetadataLazyCache:                                 "lazy cache variable for type metadata for ",
	KindAssociatedTypeDescriptor:                              "associated type descriptor for ",
	KindDefaultAssociatedTypeMetadataAccessor:                 "default associated type metadata accessor for ",
	KindClassMetadataBaseOffset:                               "class metadata base offset for ",
	KindPropertyDescriptor:                                    "property descriptor for ",
	KindNominalTypeDescriptor:                                 "nominal type descriptor for ",
	KindNominalTypeDescriptorRecord:                           "nominal type descriptor runtime record for ",
	KindOpaqueTypeDescriptor:                                  "opaque type descriptor for ",
	KindOpaqueTypeDescriptorRecord:                            "opaque type descriptor runtime record for ",
	KindOpaqueTypeDescriptorAccessor:                          "opaque type descriptor accessor for ",
	KindOpaqueTypeDescriptorAccessorImpl:                      "opaque type descriptor accessor impl for ",
	KindOpaqueTypeDescriptorAccessorKey:                       "opaque type descriptor accessor key for ",
	KindOpaqueTypeDescriptorAccessorVar:                       "opaque type descriptor accessor var for ",
	KindCoroutineContinuationPrototype:                        "coroutine continuation prototype for ",
	KindValueWitnessTable:                                     "value witness table for ",
	KindReflectionMetadataBuiltinDescriptor:                   "reflection metadata builtin descriptor ",
	KindReflectionMetadataFieldDescriptor:                     "reflection metadata field descriptor ",
	KindReflectionMetadataAssocTypeDescriptor:                 "reflection metadata associated type descriptor ",
	KindReflectionMetadataSuperclassDescriptor:                "reflection metadata superclass descriptor ",
	KindModuleDescriptor:                                      "module descriptor ",
	KindAnonymousDescriptor:                                   "anonymous descriptor ",
	KindExtensionDescriptor:                                   "extension descriptor ",
	KindCanonicalSpecializedGenericMetaclass:                  "specialized generic metaclass for ",
	KindCanonicalSpecializedGenericTypeMetadataAccessFunction: "canonical specialized generic type metadata accessor for ",
	KindMetadataInstantiationCache:                            "metadata instantiation cache for ",
	KindNoncanonicalSpecializedGenericTypeMetadata:            "noncanonical specialized generic type metadata for ",
	KindNoncanonicalSpecializedGenericTypeMetadataCache:       "cache variable for noncanonical specialized generic type metadata for ",
	KindCanonicalPrespecializedGenericTypeCachingOnceToken:    "flag for loading of canonical specialized generic type metadata for ",
	KindUniquable:                                             "uniquable ",
	KindWitnessTableOffset:                                    "witness table offset for ",
	KindEnumCase:                                              "enum case for ",
}

// markerText are function attribute kinds printed as a fixed prefix
// (empty when the style shortens thunks: see shortened).
var markerText = map[Kind]string{
	KindNonObjCAttribute:                   "@nonobjc ",
	KindObjCAttribute:                      "@objc ",
	KindDirectMethodReferenceAttribute:     "super ",
	KindDynamicAttribute:                   "dynamic ",
	KindVTableAttribute:                    "override ",
	KindAsyncFunctionPointer:               "async function pointer to ",
	KindBackDeploymentFallback:             "back deployment fallback for ",
	KindHasSymbolQuery:                     "#_hasSymbol query for ",
	KindCoroFunctionPointer:                "coro function pointer to ",
	KindDefaultOverride:                    "default override of ",
	KindNonConstantPartialApply:            "thunk for non-constant partial apply in ",
	KindMergedFunction:                     "merged ",
	KindDistributedThunk:                   "distributed thunk ",
	KindDistributedAccessor:                "distributed accessor for ",
	KindAccessibleFunctionRecord:           "accessible function runtime record for ",
	KindDynamicallyReplaceableFunctionKey:  "dynamically replaceable key for ",
	KindDynamicallyReplaceableFunctionImpl: "dynamically replaceable thunk for ",
	KindDynamicallyReplaceableFunctionVar:  "dynamically replaceable variable for ",
	KindBackDeploymentThunk:                "back deployment thunk for ",
}

// shortened are the markers that ShortenThunk styles leave out.
var shortened = map[Kind]bool{
	KindMergedFunction: true, KindDistributedThunk: true, KindDistributedAccessor: true,
	KindAccessibleFunctionRecord: true, KindDynamicallyReplaceableFunctionKey: true,
	KindDynamicallyReplaceableFunctionImpl: true, KindDynamicallyReplaceableFunctionVar: true,
	KindBackDeploymentThunk: true,
}

// printGlobal prints the remaining kinds; an unknown kind is a malformed
// tree.
func (p *printer) printGlobal(n *Node) {
	if s, ok := prefixOfChild[n.Kind]; ok {
		p.write(s)
		p.print(n.first(), false)
		return
	}
	if s, ok := markerText[n.Kind]; ok {
		if !(p.f.shortenThunk && shortened[n.Kind]) {
			p.write(s)
		}
		return
	}
	switch n.Kind {
	case KindGlobal:
		p.children(n, "")
	case KindTypeMangling:
		if n.first().Kind == KindLabelList {
			p.printFunctionType(n.first(), n.at(1).first())
		} else {
			p.print(n.first(), false)
		}
	case KindSuffix:
		if p.f.unmangledSuffix {
			p.write(" with unmangled suffix ")
			p.quoted(n.Text)
		}
	case KindOutlinedBridgedMethod:
		p.write("outlined bridged method (")
		p.write(n.Text)
		p.write(") of ")
	case KindOutlinedCopy, KindOutlinedConsume:
		if n.Kind == KindOutlinedCopy {
			p.write("outlined copy of ")
		} else {
			p.write("outlined consume of ")
		}
		p.print(n.first(), false)
		if len(n.Children) > 1 {
			p.print(n.at(1), false)
		}
	case KindOutlinedVariable:
		p.write("outlined variable #")
		p.writeUint(n.Index)
		p.write(" of ")
	case KindOutlinedReadOnlyObject:
		p.write("outlined read-only object #")
		p.writeUint(n.Index)
		p.write(" of ")
	case KindDirectness:
		if n.Index == 0 {
			p.write("direct ")
		} else {
			p.write("indirect ")
		}
	case KindAnonymousContext:
		if p.f.extensionContexts {
			p.print(n.at(1), false)
			p.write(".(unknown context at ")
			p.print(n.first(), false)
			p.writeByte(')')
			if len(n.Children) >= 3 && len(n.at(2).Children) > 0 {
				p.writeByte('<')
				p.print(n.at(2), false)
				p.writeByte('>')
			}
		}
	case KindExtension:
		if p.f.extensionContexts {
			p.write("(extension in ")
			p.print(n.first(), true)
			p.write("):")
		}
		p.print(n.at(1), false)
		if len(n.Children) == 3 {
			p.print(n.at(2), false)
		}
	case KindRetroactiveConformance:
		if len(n.Children) == 2 {
			p.write("retroactive @ ")
			p.print(n.first(), false)
			p.print(n.at(1), false)
		}
	case KindFunctionSignatureSpecialization:
		if len(n.Children) > 0 && n.first().Kind == KindRepresentationChanged && p.f.genericSpecializations {
			p.write("representation changed of ")
			break
		}
		p.printSpecializationPrefix(n, "function signature specialization", "")
	case KindGenericPartialSpecialization:
		p.printSpecializationPrefix(n, "generic partial specialization", "Signature = ")
	case KindGenericPartialSpecializationNotReAbstracted:
		p.printSpecializationPrefix(n, "generic not-reabstracted partial specialization", "Signature = ")
	case KindGenericSpecialization, KindGenericSpecializationInResilienceDomain:
		p.printSpecializationPrefix(n, "generic specialization", "")
	case KindGenericSpecializationPrespecialized:
		p.printSpecializationPrefix(n, "generic pre-specialization", "")
	case KindGenericSpecializationNotReAbstracted:
		p.printSpecializationPrefix(n, "generic not re-abstracted specialization", "")
	case KindInlinedGenericFunction:
		p.printSpecializationPrefix(n, "inlined generic function", "")
	case KindIsSerialized:
		p.write("serialized")
	case KindAsyncRemoved:
		p.write("async demotion")
	case KindRepresentationChanged:
		p.write("representation changed")
	case KindDroppedArgument:
		p.write("param")
		p.writeUint(n.Index)
		p.write("-removed")
	case KindGenericSpecializationParam:
		p.print(n.first(), false)
		for i, c := range n.Children[1:] {
			if i == 0 {
				p.write(" with ")
			} else {
				p.write(" and ")
			}
			p.print(c, false)
		}
	case KindFunctionSignatureSpecializationParamPayload:
		p.printSymbolOrText(n.Text)
	case KindFunctionSignatureSpecializationParamKind:
		p.printSpecParamKind(n.Index)
	case KindLazyProtocolWitnessTableAccessor, KindLazyProtocolWitnessTableCacheVariable:
		if n.Kind == KindLazyProtocolWitnessTableAccessor {
			p.write("lazy protocol witness table accessor for type ")
		} else {
			p.write("lazy protocol witness table cache variable for type ")
		}
		p.print(n.first(), false)
		p.write(" and conformance ")
		p.print(n.at(1), false)
	case KindVTableThunk:
		p.write("vtable thunk for ")
		p.print(n.at(1), false)
		p.write(" dispatching to ")
		p.print(n.first(), false)
	case KindProtocolWitness:
		p.write("protocol witness for ")
		p.print(n.at(1), false)
		p.write(" in conformance ")
		p.print(n.first(), false)
	case KindPartialApplyForwarder, KindPartialApplyObjCForwarder:
		switch {
		case p.f.shortenPartialApply:
			p.write("partial apply")
		case n.Kind == KindPartialApplyForwarder:
			p.write("partial apply forwarder")
		default:
			p.write("partial apply ObjC forwarder")
		}
		if len(n.Children) > 0 {
			p.write(" for ")
			p.children(n, "")
		}
	case KindKeyPathGetterThunkHelper, KindKeyPathSetterThunkHelper,
		KindKeyPathUnappliedMethodThunkHelper, KindKeyPathAppliedMethodThunkHelper:
		switch n.Kind {
		case KindKeyPathGetterThunkHelper:
			p.write("key path getter for ")
		case KindKeyPathSetterThunkHelper:
			p.write("key path setter for ")
		case KindKeyPathUnappliedMethodThunkHelper:
			p.write("key path unapplied method ")
		default:
			p.write("key path applied method ")
		}
		p.print(n.first(), false)
		p.write(" : ")
		for _, c := range n.Children[1:] {
			if c.Kind == KindIsSerialized {
				p.write(", ")
			}
			p.print(c, false)
		}
	case KindKeyPathEqualsThunkHelper, KindKeyPathHashThunkHelper:
		if n.Kind == KindKeyPathEqualsThunkHelper {
			p.write("key path index equality operator for ")
		} else {
			p.write("key path index hash operator for ")
		}
		last := len(n.Children)
		if last > 0 && n.Children[last-1].Kind == KindIsSerialized {
			last--
		}
		if last > 0 && n.Children[last-1].Kind == KindDependentGenericSignature {
			p.print(n.Children[last-1], false)
			last--
		}
		p.writeByte('(')
		for i, c := range n.Children[:last] {
			if i > 0 {
				p.write(", ")
			}
			p.print(c, false)
		}
		p.writeByte(')')
	case KindFieldOffset:
		p.print(n.first(), false)
		p.write("field offset for ")
		p.print(n.at(1), false)
	case KindReabstractionThunk, KindReabstractionThunkHelper:
		if p.f.shortenThunk {
			p.write("thunk for ")
			p.print(n.last(), false)
			return
		}
		p.write("reabstraction thunk ")
		if n.Kind == KindReabstractionThunkHelper {
			p.write("helper ")
		}
		i := 0
		if len(n.Children) == 3 {
			p.print(n.first(), false)
			p.writeByte(' ')
			i = 1
		}
		p.write("from ")
		p.print(n.at(i+1), false)
		p.write(" to ")
		p.print(n.at(i), false)
	case KindReabstractionThunkHelperWithGlobalActor:
		p.print(n.first(), false)
		p.write(" with global actor constraint ")
		p.print(n.at(1), false)
	case KindReabstractionThunkHelperWithSelf:
		p.write("reabstraction thunk ")
		i := 0
		if len(n.Children) == 4 {
			p.print(n.first(), false)
			p.writeByte(' ')
			i = 1
		}
		p.write("from ")
		p.print(n.at(i+2), false)
		p.write(" to ")
		p.print(n.at(i+1), false)
		p.write(" self ")
		p.print(n.at(i), false)
	case KindAutoDiffFunction, KindAutoDiffDerivativeVTableThunk:
		p.printAutoDiffFunction(n)
	case KindAutoDiffSelfReorderingReabstractionThunk:
		p.write("autodiff self-reordering reabstraction thunk ")
		from, to := n.first(), n.at(1)
		if p.f.shortenThunk {
			p.write("for ")
			p.print(from, false)
			return
		}
		i := 2
		var sig *Node
		if n.at(i).Kind == KindDependentGenericSignature {
			sig = n.at(i)
			i++
		}
		p.write("for ")
		p.print(n.at(i), false)
		if sig != nil {
			p.print(sig, false)
			p.writeByte(' ')
		}
		p.write(" from ")
		p.print(from, false)
		p.write(" to ")
		p.print(to, false)
	case KindAutoDiffSubsetParametersThunk:
		p.printAutoDiffSubsetThunk(n)
	case KindAutoDiffFunctionKind:
		switch n.Index {
		case 'f':
			p.write("forward-mode derivative")
		case 'r':
			p.write("reverse-mode derivative")
		case 'd':
			p.write("differential")
		case 'p':
			p.write("pullback")
		}
	case KindDifferentiabilityWitness:
		p.printDifferentiabilityWitness(n)
	case KindIndexSubset:
		p.writeByte('{')
		first := true
		for i := 0; i < len(n.Text); i++ {
			if n.Text[i] != 'S' {
				continue
			}
			if !first {
				p.write(", ")
			}
			p.writeUint(uint64(i))
			first = false
		}
		p.writeByte('}')
	case KindTypeSymbolicReference, KindOpaqueTypeDescriptorSymbolicReference,
		KindProtocolSymbolicReference:
		// Symbolic references are refused by the parser.
		panic(failure{errMalformedTree})
	case KindAssociatedConformanceDescriptor, KindDefaultAssociatedConformanceAccessor:
		if n.Kind == KindAssociatedConformanceDescriptor {
			p.write("associated conformance descriptor for ")
		} else {
			p.write("default associated conformance accessor for ")
		}
		p.print(n.first(), false)
		p.writeByte('.')
		p.print(n.at(1), false)
		p.write(": ")
		p.print(n.at(2), false)
	case KindAssociatedTypeMetadataAccessor:
		p.write("associated type metadata accessor for ")
		p.print(n.at(1), false)
		p.write(" in ")
		p.print(n.first(), false)
	case KindBaseConformanceDescriptor:
		p.write("base conformance descriptor for ")
		p.print(n.first(), false)
		p.write(": ")
		p.print(n.at(1), false)
	case KindAssociatedTypeWitnessTableAccessor:
		p.write("associated type witness table accessor for ")
		p.print(n.at(1), false)
		p.write(" : ")
		p.print(n.at(2), false)
		p.write(" in ")
		p.print(n.first(), false)
	case KindBaseWitnessTableAccessor:
		p.write("base witness table accessor for ")
		p.print(n.at(1), false)
		p.write(" in ")
		p.print(n.first(), false)
	case KindValueWitness:
		p.write(n.first().Text)
		if p.f.shortenValueWitness {
			p.write(" for ")
		} else {
			p.write(" value witness for ")
		}
		p.print(n.at(1), false)
	case KindProtocolConformance:
		if len(n.Children) == 4 {
			p.write("property behavior storage of ")
			p.print(n.at(2), false)
			p.write(" in ")
			p.print(n.first(), false)
			p.write(" : ")
			p.print(n.at(1), false)
			return
		}
		p.print(n.first(), false)
		if p.f.conformances {
			p.write(" : ")
			p.print(n.at(1), false)
			p.write(" in ")
			p.print(n.at(2), false)
		}
	case KindAssocTypePath:
		p.children(n, ".")
	case KindAssociatedTypeGenericParamRef:
		p.write("generic parameter reference for associated type ")
		p.children(n, "")
	case KindAnyProtocolConformanceList:
		p.writeByte('(')
		p.children(n, ", ")
		p.writeByte(')')
	case KindConcreteProtocolConformance:
		p.write("concrete protocol conformance ")
		p.print(n.first(), false)
		p.write(" to ")
		p.print(n.at(1), false)
		if conds := n.at(2); conds != nil && len(conds.Children) > 0 {
			p.write(" with conditional requirements: ")
			p.print(conds, false)
		}
	case KindPackProtocolConformance:
		p.write("pack protocol conformance ")
		p.print(n.first(), false)
	case KindDependentAssociatedConformance:
		p.write("dependent associated conformance ")
		p.children(n, "")
	case KindDependentProtocolConformanceAssociated, KindDependentProtocolConformanceInherited,
		KindDependentProtocolConformanceRoot:
		switch n.Kind {
		case KindDependentProtocolConformanceAssociated:
			p.write("dependent associated protocol conformance ")
		case KindDependentProtocolConformanceInherited:
			p.write("dependent inherited protocol conformance ")
		default:
			p.write("dependent root protocol conformance ")
		}
		if idx := n.at(2); idx.HasIndex() {
			p.writeByte('#')
			p.writeUint(idx.Index)
			p.writeByte(' ')
		}
		p.print(n.first(), false)
		p.print(n.at(1), false)
	case KindDependentProtocolConformanceOpaque:
		p.write("opaque result conformance ")
		p.print(n.first(), false)
		p.write(" of ")
		p.print(n.at(1), false)
	case KindProtocolConformanceRefInTypeModule:
		p.write("protocol conformance ref (type's module) ")
		p.children(n, "")
	case KindProtocolConformanceRefInProtocolModule:
		p.write("protocol conformance ref (protocol's module) ")
		p.children(n, "")
	case KindProtocolConformanceRefInOtherModule:
		p.write("protocol conformance ref (retroactive) ")
		p.children(n, "")
	case KindAccessorFunctionReference:
		p.write("accessor function at ")
		p.writeUint(n.Index)
	case KindGlobalVariableOnceToken, KindGlobalVariableOnceFunction:
		if n.Kind == KindGlobalVariableOnceToken {
			p.write("one-time initialization token for ")
		} else {
			p.write("one-time initialization function for ")
		}
		p.print(n.at(1), false)
	case KindGlobalVariableOnceDeclList:
		if len(n.Children) == 1 {
			p.print(n.first(), false)
		} else {
			p.writeByte('(')
			p.children(n, ", ")
			p.writeByte(')')
		}
	case KindObjCAsyncCompletionHandlerImpl, KindPredefinedObjCAsyncCompletionHandlerImpl,
		KindCheckedObjCAsyncCompletionHandlerImpl:
		switch n.Kind {
		case KindPredefinedObjCAsyncCompletionHandlerImpl:
			p.write("predefined ")
		case KindCheckedObjCAsyncCompletionHandlerImpl:
			p.write("checked ")
		}
		p.write("@objc completion handler block implementation for ")
		if len(n.Children) >= 4 {
			p.print(n.at(3), false)
		}
		p.print(n.first(), false)
		p.write(" with result type ")
		p.print(n.at(1), false)
		switch n.at(2).Index {
		case 0:
		case 1:
			p.write(" nonzero on error")
		case 2:
			p.write(" zero on error")
		default:
			p.write(" <invalid error flag>")
		}
	case KindAsyncAwaitResumePartialFunction, KindAsyncSuspendResumePartialFunction:
		if p.f.asyncResumePartial {
			p.writeByte('(')
			p.print(n.first(), false)
			p.writeByte(')')
			if n.Kind == KindAsyncAwaitResumePartialFunction {
				p.write(" await resume partial function for ")
			} else {
				p.write(" suspend resume partial function for ")
			}
		}
	case KindExtendedExistentialTypeShape:
		p.write("existential shape for ")
		t := n.first()
		if len(n.Children) == 2 {
			saved := p.f.whereClauses
			p.f.whereClauses = true
			p.print(n.first(), false)
			p.f.whereClauses = saved
			p.writeByte(' ')
			t = n.at(1)
		}
		p.write("any ")
		p.print(t, false)
	case KindMacroExpansionLoc:
		words := [...]string{"module ", " file ", " line ", " column "}
		for i, c := range n.Children {
			if i < len(words) {
				p.write(words[i])
				p.print(c, false)
			}
		}
	default:
		if post, ok := p.printMacroExpansion(n); ok {
			_ = post
			return
		}
		panic(failure{errMalformedTree})
	}
}

// printMacroExpansion prints macro expansion contexts as entities.
func (p *printer) printMacroExpansion(n *Node) (*Node, bool) {
	role := ""
	switch n.Kind {
	case KindAccessorAttachedMacroExpansion:
		role = "accessor"
	case KindMemberAttributeAttachedMacroExpansion:
		role = "memberAttribute"
	case KindMemberAttachedMacroExpansion:
		role = "member"
	case KindPeerAttachedMacroExpansion:
		role = "peer"
	case KindConformanceAttachedMacroExpansion:
		role = "conformance"
	case KindExtensionAttachedMacroExpansion:
		role = "extension"
	case KindPreambleAttachedMacroExpansion:
		role = "preamble"
	case KindBodyAttachedMacroExpansion:
		role = "body"
	case KindFreestandingMacroExpansion:
		return p.printEntity(n, false, noType, true, "freestanding macro expansion #", int(n.at(2).Index)+1, ""), true
	case KindMacroExpansionUniqueName:
		return p.printEntity(n, false, noType, true, "unique name #", int(n.at(2).Index)+1, ""), true
	default:
		return nil, false
	}
	sub := &printer{f: p.f, max: p.max - len(p.buf), steps: p.steps, depth: p.depth}
	sub.print(n.at(2), false)
	p.steps = sub.steps
	return p.printEntity(n, false, noType, true, role+" macro @"+string(sub.buf)+" expansion #", int(n.at(3).Index)+1, ""), true
}

// printSymbolOrText prints a specialization payload: the demangling of the
// symbol it names, or the text itself.
func (p *printer) printSymbolOrText(s string) {
	if p.nest < 4 {
		if tree, err := parseName(s); err == nil {
			// Swift demangles payloads with its default options: full
			// form without sugar.
			f := styleFlags(Full)
			f.sugar = false
			sub := &printer{f: f, max: p.max - len(p.buf), steps: p.steps,
				depth: p.depth, nest: p.nest + 1}
			if err := sub.printRoot(tree); err == nil && len(sub.buf) > 0 {
				p.steps = sub.steps
				p.write(string(sub.buf))
				return
			}
		}
	}
	p.write(s)
}

func (p *printer) printSpecParamKind(v uint64) {
	sep := ""
	opt := func(bit uint64, s string) {
		if v&bit != 0 {
			p.write(sep)
			p.write(s)
			sep = " and "
		}
	}
	opt(specExistentialToGeneric, "Existential To Protocol Constrained Generic")
	opt(specDead, "Dead")
	opt(specOwnedToGuaranteed, "Owned To Guaranteed")
	opt(specGuaranteedToOwned, "Guaranteed To Owned")
	if v&specSROA != 0 {
		p.write(sep)
		p.write("Exploded")
		return
	}
	if sep != "" {
		return
	}
	switch v {
	case specBoxToValue:
		p.write("Value Promoted from Box")
	case specBoxToStack:
		p.write("Stack Promoted from Box")
	case specConstantPropFunction:
		p.write("Constant Propagated Function")
	case specConstantPropGlobal:
		p.write("Constant Propagated Global")
	case specConstantPropInteger:
		p.write("Constant Propagated Integer")
	case specConstantPropFloat:
		p.write("Constant Propagated Float")
	case specConstantPropString:
		p.write("Constant Propagated String")
	case specConstantPropKeyPath:
		p.write("Constant Propagated KeyPath")
	case specConstantPropStruct:
		p.write("Constant Propagated Struct")
	case specClosureProp:
		p.write("Closure Propagated")
	case specEscapingClosureProp:
		p.write("Escaping Closure Propagated")
	case specClosurePropPreviousArg:
		p.write("Same As Argument")
	case specInOutToOut:
		p.write("InOut Converted to Out")
	}
}

// printSpecializationPrefix prints "<description> <params> of " or, when
// specializations are not displayed, "specialized " (once per symbol).
func (p *printer) printSpecializationPrefix(n *Node, desc, paramPrefix string) {
	if !p.f.genericSpecializations {
		if !p.specPrinted || p.f.swift3 {
			p.write("specialized ")
			p.specPrinted = true
		}
		return
	}
	p.write(desc)
	p.write(" <")
	sep := ""
	arg := 0
	for _, c := range n.Children {
		switch c.Kind {
		case KindSpecializationPassID, KindDroppedArgument:
		case KindIsSerialized, KindAsyncRemoved, KindRepresentationChanged:
			p.write(sep)
			sep = ", "
			p.print(c, false)
		default:
			if len(c.Children) > 0 {
				p.write(sep)
				p.write(paramPrefix)
				sep = ", "
				switch c.Kind {
				case KindFunctionSignatureSpecializationParam:
					p.write("Arg[")
					p.writeUint(uint64(arg))
					p.write("] = ")
					p.printSpecParams(c)
				case KindFunctionSignatureSpecializationReturn:
					p.write("Return = ")
					p.printSpecParams(c)
				default:
					p.print(c, false)
				}
			}
			arg++
		}
	}
	p.write("> of ")
}

// printSpecParams prints the children of a function signature
// specialization parameter.
func (p *printer) printSpecParams(n *Node) {
	i := 0
	next := func() *Node {
		c := n.at(i)
		i++
		return c
	}
	for i < len(n.Children) {
		k := n.at(i)
		switch k.Index {
		case specBoxToValue, specBoxToStack, specInOutToOut:
			p.print(next(), false)
		case specConstantPropFunction, specConstantPropGlobal:
			p.writeByte('[')
			p.print(next(), false)
			p.write(" : ")
			p.printSymbolOrText(next().Text)
			p.writeByte(']')
		case specConstantPropInteger, specConstantPropFloat:
			p.writeByte('[')
			p.print(next(), false)
			p.write(" : ")
			p.print(next(), false)
			p.writeByte(']')
		case specConstantPropString:
			p.writeByte('[')
			p.print(next(), false)
			p.write(" : ")
			p.print(next(), false)
			p.writeByte('\'')
			p.print(next(), false)
			p.write("']")
		case specConstantPropKeyPath:
			p.writeByte('[')
			p.print(next(), false)
			p.write(" : ")
			if i < len(n.Children) && n.at(i).Kind == KindFunctionSignatureSpecializationParamPayload {
				p.write(next().Text)
			}
			p.writeByte('<')
			for j := 0; j < 2 && i < len(n.Children) && n.at(i).Kind == KindType; j++ {
				if j > 0 {
					p.writeByte(',')
				}
				p.print(next(), false)
			}
			p.write(">]")
		case specConstantPropStruct:
			p.writeByte('[')
			p.print(next(), false)
			if i < len(n.Children) && n.at(i).Kind == KindType {
				p.write(" : ")
				p.print(next(), false)
			}
			p.writeByte(']')
		case specClosurePropPreviousArg:
			p.writeByte('[')
			p.print(next(), false)
			p.write(" ")
			p.writeUint(next().Index)
			p.writeByte(']')
		case specClosureProp, specEscapingClosureProp:
			p.writeByte('[')
			p.print(next(), false)
			p.write(" : ")
			p.print(next(), false)
			p.write(", Argument Types : [")
			for i < len(n.Children) {
				c := n.at(i)
				if c.Kind != KindType {
					break
				}
				p.print(c, false)
				i++
				if i < len(n.Children) && n.at(i).HasText() {
					p.write(", ")
				}
			}
			p.writeByte(']')
		default:
			p.print(next(), false)
		}
	}
}

func (p *printer) printAutoDiffFunction(n *Node) {
	end := 0
	for end < len(n.Children) && n.Children[end].Kind != KindAutoDiffFunctionKind {
		end++
	}
	kind, params, results := n.at(end), n.at(end+1), n.at(end+2)
	if n.Kind == KindAutoDiffDerivativeVTableThunk {
		p.write("vtable thunk for ")
	}
	p.print(kind, false)
	p.write(" of ")
	var sig *Node
	for i := 0; i < end; i++ {
		c := n.Children[i]
		if i == end-1 && c.Kind == KindDependentGenericSignature {
			sig = c
			break
		}
		p.print(c, false)
	}
	if p.f.shortenThunk {
		return
	}
	p.write(" with respect to parameters ")
	p.print(params, false)
	p.write(" and results ")
	p.print(results, false)
	if sig != nil && p.f.whereClauses {
		p.write(" with ")
		p.print(sig, false)
	}
}

func (p *printer) printAutoDiffSubsetThunk(n *Node) {
	p.write("autodiff subset parameters thunk for ")
	i := len(n.Children) - 1
	toParams := n.at(i)
	results := n.at(i - 1)
	params := n.at(i - 2)
	kind := n.at(i - 3)
	i -= 4
	p.print(kind, false)
	p.write(" from ")
	if i == 0 {
		p.print(n.first(), false)
	} else {
		for j := 0; j < i; j++ {
			p.print(n.Children[j], false)
		}
	}
	if p.f.shortenThunk {
		return
	}
	p.write(" with respect to parameters ")
	p.print(params, false)
	p.write(" and results ")
	p.print(results, false)
	p.write(" to parameters ")
	p.print(toParams, false)
	if i > 0 {
		p.write(" of type ")
		p.print(n.at(i), false)
	}
}

func (p *printer) printDifferentiabilityWitness(n *Node) {
	k := len(n.Children) - 3
	if n.last().Kind == KindDependentGenericSignature {
		k--
	}
	switch n.at(k).Index {
	case 'f':
		p.write("forward-mode")
	case 'r':
		p.write("reverse-mode")
	case 'd':
		p.write("normal")
	case 'l':
		p.write("linear")
	}
	p.write(" differentiability witness for ")
	i := 0
	for i < len(n.Children) && n.Children[i].Kind != KindIndex {
		p.print(n.Children[i], false)
		i++
	}
	i++
	p.write(" with respect to parameters ")
	p.print(n.at(i), false)
	p.write(" and results ")
	p.print(n.at(i+1), false)
	if i+2 < len(n.Children) {
		p.write(" with ")
		p.print(n.at(i+2), false)
	}
}

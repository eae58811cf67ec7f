// This file lists the node kinds of the demangling tree.

package swift

// Kind identifies what a [Node] represents. The names follow the node
// vocabulary of Swift's own demangler (swift-demangle -tree-only), so trees
// can be compared by eye with the reference tool's output.
type Kind uint16

// Node kinds. KindInvalid is the zero value and never appears in a tree.
const (
	KindInvalid Kind = iota
	KindAccessibleFunctionRecord
	KindAccessorAttachedMacroExpansion
	KindAccessorFunctionReference
	KindAllocator
	KindAnonymousContext
	KindAnonymousDescriptor
	KindAnyProtocolConformanceList
	KindArgumentTuple
	KindAssocTypePath
	KindAssociatedConformanceDescriptor
	KindAssociatedType
	KindAssociatedTypeDescriptor
	KindAssociatedTypeGenericParamRef
	KindAssociatedTypeMetadataAccessor
	KindAssociatedTypeRef
	KindAssociatedTypeWitnessTableAccessor
	KindAsyncAnnotation
	KindAsyncAwaitResumePartialFunction
	KindAsyncFunctionPointer
	KindAsyncRemoved
	KindAsyncSuspendResumePartialFunction
	KindAutoClosureType
	KindAutoDiffDerivativeVTableThunk
	KindAutoDiffFunction
	KindAutoDiffFunctionKind
	KindAutoDiffSelfReorderingReabstractionThunk
	KindAutoDiffSubsetParametersThunk
	KindBackDeploymentFallback
	KindBackDeploymentThunk
	KindBaseConformanceDescriptor
	KindBaseWitnessTableAccessor
	KindBodyAttachedMacroExpansion
	KindBorrowAccessor
	KindBoundGenericClass
	KindBoundGenericEnum
	KindBoundGenericFunction
	KindBoundGenericOtherNominalType
	KindBoundGenericProtocol
	KindBoundGenericStructure
	KindBoundGenericTypeAlias
	KindBuiltinFixedArray
	KindBuiltinBorrow
	KindBuiltinTupleType
	KindBuiltinTypeName
	KindCFunctionPointer
	KindCanonicalPrespecializedGenericTypeCachingOnceToken
	KindCanonicalSpecializedGenericMetaclass
	KindCanonicalSpecializedGenericTypeMetadataAccessFunction
	KindCheckedObjCAsyncCompletionHandlerImpl
	KindClangType
	KindClass
	KindClassMetadataBaseOffset
	KindCompileTimeLiteral
	KindConcreteProtocolConformance
	KindConcurrentFunctionType
	KindConformanceAttachedMacroExpansion
	KindConstValue
	KindConstrainedExistential
	KindConstrainedExistentialRequirementList
	KindConstrainedExistentialSelf
	KindConstructor
	KindCoroFunctionPointer
	KindCoroutineContinuationPrototype
	KindCurryThunk
	KindDeallocator
	KindDeclContext
	KindDefaultArgumentInitializer
	KindDefaultAssociatedConformanceAccessor
	KindDefaultAssociatedTypeMetadataAccessor
	KindDefaultOverride
	KindDependentAssociatedConformance
	KindDependentAssociatedTypeRef
	KindDependentGenericConformanceRequirement
	KindDependentGenericInverseConformanceRequirement
	KindDependentGenericLayoutRequirement
	KindDependentGenericParamCount
	KindDependentGenericParamPackMarker
	KindDependentGenericParamType
	KindDependentGenericParamValueMarker
	KindDependentGenericSameShapeRequirement
	KindDependentGenericSameTypeRequirement
	KindDependentGenericSignature
	KindDependentGenericType
	KindDependentMemberType
	KindDependentProtocolConformanceAssociated
	KindDependentProtocolConformanceInherited
	KindDependentProtocolConformanceOpaque
	KindDependentProtocolConformanceRoot
	KindDependentPseudogenericSignature
	KindDestructor
	KindDidSet
	KindDifferentiabilityWitness
	KindDifferentiableFunctionType
	KindDirectMethodReferenceAttribute
	KindDirectness
	KindDispatchThunk
	KindDistributedAccessor
	KindDistributedThunk
	KindDroppedArgument
	KindDynamicAttribute
	KindDynamicSelf
	KindDynamicallyReplaceableFunctionImpl
	KindDynamicallyReplaceableFunctionKey
	KindDynamicallyReplaceableFunctionVar
	KindEmptyList
	KindEnum
	KindEnumCase
	KindErrorType
	KindEscapingAutoClosureType
	KindEscapingObjCBlock
	KindExistentialMetatype
	KindExplicitClosure
	KindExtendedExistentialTypeShape
	KindExtension
	KindExtensionAttachedMacroExpansion
	KindExtensionDescriptor
	KindFieldOffset
	KindFirstElementMarker
	KindFreestandingMacroExpansion
	KindFullObjCResilientClassStub
	KindFullTypeMetadata
	KindFunction
	KindFunctionSignatureSpecialization
	KindFunctionSignatureSpecializationParam
	KindFunctionSignatureSpecializationParamKind
	KindFunctionSignatureSpecializationParamPayload
	KindFunctionSignatureSpecializationReturn
	KindFunctionType
	KindGenericPartialSpecialization
	KindGenericPartialSpecializationNotReAbstracted
	KindGenericProtocolWitnessTable
	KindGenericProtocolWitnessTableInstantiationFunction
	KindGenericSpecialization
	KindGenericSpecializationInResilienceDomain
	KindGenericSpecializationNotReAbstracted
	KindGenericSpecializationParam
	KindGenericSpecializationPrespecialized
	KindGenericTypeMetadataPattern
	KindGenericTypeParamDecl
	KindGetter
	KindGlobal
	KindGlobalActorFunctionType
	KindGlobalGetter
	KindGlobalVariableOnceDeclList
	KindGlobalVariableOnceFunction
	KindGlobalVariableOnceToken
	KindHasSymbolQuery
	KindIVarDestroyer
	KindIVarInitializer
	KindIdentifier
	KindImplConvention
	KindImplCoroutineKind
	KindImplDifferentiabilityKind
	KindImplErasedIsolation
	KindCalledOnceFunctionType
	KindImplCallerIsolated
	KindImplErrorResult
	KindImplEscaping
	KindImplFunctionAttribute
	KindImplFunctionConvention
	KindImplFunctionConventionName
	KindImplFunctionType
	KindImplInvocationSubstitutions
	KindImplParameter
	KindImplParameterImplicitLeading
	KindImplParameterIsolated
	KindImplParameterResultDifferentiability
	KindImplParameterSending
	KindImplPatternSubstitutions
	KindImplResult
	KindImplSendingResult
	KindImplYield
	KindImplicitClosure
	KindInOut
	KindIndex
	KindIndexSubset
	KindInfixOperator
	KindInitAccessor
	KindInitializer
	KindInlinedGenericFunction
	KindInteger
	KindIsSerialized
	KindIsolated
	KindIsolatedAnyFunctionType
	KindIsolatedDeallocator
	KindKeyPathAppliedMethodThunkHelper
	KindKeyPathEqualsThunkHelper
	KindKeyPathGetterThunkHelper
	KindKeyPathHashThunkHelper
	KindKeyPathSetterThunkHelper
	KindKeyPathUnappliedMethodThunkHelper
	KindLabelList
	KindLazyProtocolWitnessTableAccessor
	KindLazyProtocolWitnessTableCacheVariable
	KindLocalDeclName
	KindMacro
	KindMacroExpansionLoc
	KindMacroExpansionUniqueName
	KindMaterializeForSet
	KindMemberAttachedMacroExpansion
	KindMemberAttributeAttachedMacroExpansion
	KindMergedFunction
	KindMetaclass
	KindMetadataInstantiationCache
	KindMetatype
	KindMetatypeRepresentation
	KindMethodDescriptor
	KindMethodLookupFunction
	KindModify2Accessor
	KindModifyAccessor
	KindModule
	KindModuleDescriptor
	KindMutateAccessor
	KindName
	KindNativeOwningAddressor
	KindNativeOwningMutableAddressor
	KindNativePinningAddressor
	KindNativePinningMutableAddressor
	KindNegativeInteger
	KindNoDerivative
	KindNoEscapeFunctionType
	KindNominalTypeDescriptor
	KindNominalTypeDescriptorRecord
	KindNonConstantPartialApply
	KindNonIsolatedCallerFunctionType
	KindNonObjCAttribute
	KindNonUniqueExtendedExistentialTypeShapeSymbolicReference
	KindNoncanonicalSpecializedGenericTypeMetadata
	KindNoncanonicalSpecializedGenericTypeMetadataCache
	KindNumber
	KindObjCAsyncCompletionHandlerImpl
	KindObjCAttribute
	KindObjCBlock
	KindObjCMetadataUpdateFunction
	KindObjCResilientClassStub
	KindObjectiveCProtocolSymbolicReference
	KindOpaqueReturnType
	KindOpaqueReturnTypeIndex
	KindOpaqueReturnTypeOf
	KindOpaqueReturnTypeParent
	KindOpaqueType
	KindOpaqueTypeDescriptor
	KindOpaqueTypeDescriptorAccessor
	KindOpaqueTypeDescriptorAccessorImpl
	KindOpaqueTypeDescriptorAccessorKey
	KindOpaqueTypeDescriptorAccessorVar
	KindOpaqueTypeDescriptorRecord
	KindOpaqueTypeDescriptorSymbolicReference
	KindOtherNominalType
	KindOutlinedAssignWithCopy
	KindOutlinedAssignWithCopyNoValueWitness
	KindOutlinedAssignWithTake
	KindOutlinedAssignWithTakeNoValueWitness
	KindOutlinedBridgedMethod
	KindOutlinedConsume
	KindOutlinedCopy
	KindOutlinedDestroy
	KindOutlinedDestroyNoValueWitness
	KindOutlinedEnumGetTag
	KindOutlinedEnumProjectDataForLoad
	KindOutlinedEnumTagStore
	KindOutlinedInitializeWithCopy
	KindOutlinedInitializeWithCopyNoValueWitness
	KindOutlinedInitializeWithTake
	KindOutlinedInitializeWithTakeNoValueWitness
	KindOutlinedReadOnlyObject
	KindOutlinedRelease
	KindOutlinedRetain
	KindOutlinedVariable
	KindOwned
	KindOwningAddressor
	KindOwningMutableAddressor
	KindPack
	KindPackElement
	KindPackElementLevel
	KindPackExpansion
	KindPackProtocolConformance
	KindPartialApplyForwarder
	KindPartialApplyObjCForwarder
	KindPeerAttachedMacroExpansion
	KindPostfixOperator
	KindPreambleAttachedMacroExpansion
	KindPredefinedObjCAsyncCompletionHandlerImpl
	KindPrefixOperator
	KindPrivateDeclName
	KindPropertyDescriptor
	KindPropertyWrappedFieldInitAccessor
	KindPropertyWrapperBackingInitializer
	KindPropertyWrapperInitFromProjectedValue
	KindProtocol
	KindProtocolConformance
	KindProtocolConformanceDescriptor
	KindProtocolConformanceDescriptorRecord
	KindProtocolConformanceRefInOtherModule
	KindProtocolConformanceRefInProtocolModule
	KindProtocolConformanceRefInTypeModule
	KindProtocolDescriptor
	KindProtocolDescriptorRecord
	KindProtocolList
	KindProtocolListWithAnyObject
	KindProtocolListWithClass
	KindProtocolRequirementsBaseDescriptor
	KindProtocolSelfConformanceDescriptor
	KindProtocolSelfConformanceWitness
	KindProtocolSelfConformanceWitnessTable
	KindProtocolSymbolicReference
	KindProtocolWitness
	KindProtocolWitnessTable
	KindProtocolWitnessTableAccessor
	KindProtocolWitnessTablePattern
	KindReabstractionThunk
	KindReabstractionThunkHelper
	KindReabstractionThunkHelperWithGlobalActor
	KindReabstractionThunkHelperWithSelf
	KindRead2Accessor
	KindReadAccessor
	KindReflectionMetadataAssocTypeDescriptor
	KindReflectionMetadataBuiltinDescriptor
	KindReflectionMetadataFieldDescriptor
	KindReflectionMetadataSuperclassDescriptor
	KindRelatedEntityDeclName
	KindRepresentationChanged
	KindResilientProtocolWitnessTable
	KindRetroactiveConformance
	KindReturnType
	KindSILBoxImmutableField
	KindSILBoxLayout
	KindSILBoxMutableField
	KindSILBoxType
	KindSILBoxTypeWithLayout
	KindSILPackDirect
	KindSILPackIndirect
	KindSILThunkIdentity
	KindSending
	KindSendingResultFunctionType
	KindSetter
	KindShared
	KindSpecializationPassID
	KindStatic
	KindStructure
	KindSubscript
	KindSuffix
	KindSugaredArray
	KindSugaredDictionary
	KindSugaredInlineArray
	KindSugaredOptional
	KindSugaredParen
	KindSymbolicExtendedExistentialType
	KindThinFunctionType
	KindThrowsAnnotation
	KindTuple
	KindTupleElement
	KindTupleElementName
	KindType
	KindTypeAlias
	KindTypeList
	KindTypeMangling
	KindTypeMetadata
	KindTypeMetadataAccessFunction
	KindTypeMetadataCompletionFunction
	KindTypeMetadataDemanglingCache
	KindTypeMetadataInstantiationCache
	KindTypeMetadataInstantiationFunction
	KindTypeMetadataLazyCache
	KindTypeMetadataSingletonInitializationCache
	KindTypeSymbolicReference
	KindTypedThrowsAnnotation
	KindUncurriedFunctionType
	KindUniquable
	KindUniqueExtendedExistentialTypeShapeSymbolicReference
	KindUnknownIndex
	KindUnmanaged
	KindUnowned
	KindUnsafeAddressor
	KindUnsafeMutableAddressor
	KindVTableAttribute
	KindVTableThunk
	KindValueWitness
	KindValueWitnessTable
	KindVariable
	KindVariadicMarker
	KindWeak
	KindWillSet
	KindWitnessTableOffset

	numKinds
)

var kindNames = [numKinds]string{
	KindInvalid:                                                "Invalid",
	KindAccessibleFunctionRecord:                               "AccessibleFunctionRecord",
	KindAccessorAttachedMacroExpansion:                         "AccessorAttachedMacroExpansion",
	KindAccessorFunctionReference:                              "AccessorFunctionReference",
	KindAllocator:                                              "Allocator",
	KindAnonymousContext:                                       "AnonymousContext",
	KindAnonymousDescriptor:                                    "AnonymousDescriptor",
	KindAnyProtocolConformanceList:                             "AnyProtocolConformanceList",
	KindArgumentTuple:                                          "ArgumentTuple",
	KindAssocTypePath:                                          "AssocTypePath",
	KindAssociatedConformanceDescriptor:                        "AssociatedConformanceDescriptor",
	KindAssociatedType:                                         "AssociatedType",
	KindAssociatedTypeDescriptor:                               "AssociatedTypeDescriptor",
	KindAssociatedTypeGenericParamRef:                          "AssociatedTypeGenericParamRef",
	KindAssociatedTypeMetadataAccessor:                         "AssociatedTypeMetadataAccessor",
	KindAssociatedTypeRef:                                      "AssociatedTypeRef",
	KindAssociatedTypeWitnessTableAccessor:                     "AssociatedTypeWitnessTableAccessor",
	KindAsyncAnnotation:                                        "AsyncAnnotation",
	KindAsyncAwaitResumePartialFunction:                        "AsyncAwaitResumePartialFunction",
	KindAsyncFunctionPointer:                                   "AsyncFunctionPointer",
	KindAsyncRemoved:                                           "AsyncRemoved",
	KindAsyncSuspendResumePartialFunction:                      "AsyncSuspendResumePartialFunction",
	KindAutoClosureType:                                        "AutoClosureType",
	KindAutoDiffDerivativeVTableThunk:                          "AutoDiffDerivativeVTableThunk",
	KindAutoDiffFunction:                                       "AutoDiffFunction",
	KindAutoDiffFunctionKind:                                   "AutoDiffFunctionKind",
	KindAutoDiffSelfReorderingReabstractionThunk:               "AutoDiffSelfReorderingReabstractionThunk",
	KindAutoDiffSubsetParametersThunk:                          "AutoDiffSubsetParametersThunk",
	KindBackDeploymentFallback:                                 "BackDeploymentFallback",
	KindBackDeploymentThunk:                                    "BackDeploymentThunk",
	KindBaseConformanceDescriptor:                              "BaseConformanceDescriptor",
	KindBaseWitnessTableAccessor:                               "BaseWitnessTableAccessor",
	KindBodyAttachedMacroExpansion:                             "BodyAttachedMacroExpansion",
	KindBorrowAccessor:                                         "BorrowAccessor",
	KindBoundGenericClass:                                      "BoundGenericClass",
	KindBoundGenericEnum:                                       "BoundGenericEnum",
	KindBoundGenericFunction:                                   "BoundGenericFunction",
	KindBoundGenericOtherNominalType:                           "BoundGenericOtherNominalType",
	KindBoundGenericProtocol:                                   "BoundGenericProtocol",
	KindBoundGenericStructure:                                  "BoundGenericStructure",
	KindBoundGenericTypeAlias:                                  "BoundGenericTypeAlias",
	KindBuiltinFixedArray:                                      "BuiltinFixedArray",
	KindBuiltinBorrow:                                          "BuiltinBorrow",
	KindBuiltinTupleType:                                       "BuiltinTupleType",
	KindBuiltinTypeName:                                        "BuiltinTypeName",
	KindCFunctionPointer:                                       "CFunctionPointer",
	KindCanonicalPrespecializedGenericTypeCachingOnceToken:     "CanonicalPrespecializedGenericTypeCachingOnceToken",
	KindCanonicalSpecializedGenericMetaclass:                   "CanonicalSpecializedGenericMetaclass",
	KindCanonicalSpecializedGenericTypeMetadataAccessFunction:  "CanonicalSpecializedGenericTypeMetadataAccessFunction",
	KindCheckedObjCAsyncCompletionHandlerImpl:                  "CheckedObjCAsyncCompletionHandlerImpl",
	KindClangType:                                              "ClangType",
	KindClass:                                                  "Class",
	KindClassMetadataBaseOffset:                                "ClassMetadataBaseOffset",
	KindCompileTimeLiteral:                                     "CompileTimeLiteral",
	KindConcreteProtocolConformance:                            "ConcreteProtocolConformance",
	KindConcurrentFunctionType:                                 "ConcurrentFunctionType",
	KindConformanceAttachedMacroExpansion:                      "ConformanceAttachedMacroExpansion",
	KindConstValue:                                             "ConstValue",
	KindConstrainedExistential:                                 "ConstrainedExistential",
	KindConstrainedExistentialRequirementList:                  "ConstrainedExistentialRequirementList",
	KindConstrainedExistentialSelf:                             "ConstrainedExistentialSelf",
	KindConstructor:                                            "Constructor",
	KindCoroFunctionPointer:                                    "CoroFunctionPointer",
	KindCoroutineContinuationPrototype:                         "CoroutineContinuationPrototype",
	KindCurryThunk:                                             "CurryThunk",
	KindDeallocator:                                            "Deallocator",
	KindDeclContext:                                            "DeclContext",
	KindDefaultArgumentInitializer:                             "DefaultArgumentInitializer",
	KindDefaultAssociatedConformanceAccessor:                   "DefaultAssociatedConformanceAccessor",
	KindDefaultAssociatedTypeMetadataAccessor:                  "DefaultAssociatedTypeMetadataAccessor",
	KindDefaultOverride:                                        "DefaultOverride",
	KindDependentAssociatedConformance:                         "DependentAssociatedConformance",
	KindDependentAssociatedTypeRef:                             "DependentAssociatedTypeRef",
	KindDependentGenericConformanceRequirement:                 "DependentGenericConformanceRequirement",
	KindDependentGenericInverseConformanceRequirement:          "DependentGenericInverseConformanceRequirement",
	KindDependentGenericLayoutRequirement:                      "DependentGenericLayoutRequirement",
	KindDependentGenericParamCount:                             "DependentGenericParamCount",
	KindDependentGenericParamPackMarker:                        "DependentGenericParamPackMarker",
	KindDependentGenericParamType:                              "DependentGenericParamType",
	KindDependentGenericParamValueMarker:                       "DependentGenericParamValueMarker",
	KindDependentGenericSameShapeRequirement:                   "DependentGenericSameShapeRequirement",
	KindDependentGenericSameTypeRequirement:                    "DependentGenericSameTypeRequirement",
	KindDependentGenericSignature:                              "DependentGenericSignature",
	KindDependentGenericType:                                   "DependentGenericType",
	KindDependentMemberType:                                    "DependentMemberType",
	KindDependentProtocolConformanceAssociated:                 "DependentProtocolConformanceAssociated",
	KindDependentProtocolConformanceInherited:                  "DependentProtocolConformanceInherited",
	KindDependentProtocolConformanceOpaque:                     "DependentProtocolConformanceOpaque",
	KindDependentProtocolConformanceRoot:                       "DependentProtocolConformanceRoot",
	KindDependentPseudogenericSignature:                        "DependentPseudogenericSignature",
	KindDestructor:                                             "Destructor",
	KindDidSet:                                                 "DidSet",
	KindDifferentiabilityWitness:                               "DifferentiabilityWitness",
	KindDifferentiableFunctionType:                             "DifferentiableFunctionType",
	KindDirectMethodReferenceAttribute:                         "DirectMethodReferenceAttribute",
	KindDirectness:                                             "Directness",
	KindDispatchThunk:                                          "DispatchThunk",
	KindDistributedAccessor:                                    "DistributedAccessor",
	KindDistributedThunk:                                       "DistributedThunk",
	KindDroppedArgument:                                        "DroppedArgument",
	KindDynamicAttribute:                                       "DynamicAttribute",
	KindDynamicSelf:                                            "DynamicSelf",
	KindDynamicallyReplaceableFunctionImpl:                     "DynamicallyReplaceableFunctionImpl",
	KindDynamicallyReplaceableFunctionKey:                      "DynamicallyReplaceableFunctionKey",
	KindDynamicallyReplaceableFunctionVar:                      "DynamicallyReplaceableFunctionVar",
	KindEmptyList:                                              "EmptyList",
	KindEnum:                                                   "Enum",
	KindEnumCase:                                               "EnumCase",
	KindErrorType:                                              "ErrorType",
	KindEscapingAutoClosureType:                                "EscapingAutoClosureType",
	KindEscapingObjCBlock:                                      "EscapingObjCBlock",
	KindExistentialMetatype:                                    "ExistentialMetatype",
	KindExplicitClosure:                                        "ExplicitClosure",
	KindExtendedExistentialTypeShape:                           "ExtendedExistentialTypeShape",
	KindExtension:                                              "Extension",
	KindExtensionAttachedMacroExpansion:                        "ExtensionAttachedMacroExpansion",
	KindExtensionDescriptor:                                    "ExtensionDescriptor",
	KindFieldOffset:                                            "FieldOffset",
	KindFirstElementMarker:                                     "FirstElementMarker",
	KindFreestandingMacroExpansion:                             "FreestandingMacroExpansion",
	KindFullObjCResilientClassStub:                             "FullObjCResilientClassStub",
	KindFullTypeMetadata:                                       "FullTypeMetadata",
	KindFunction:                                               "Function",
	KindFunctionSignatureSpecialization:                        "FunctionSignatureSpecialization",
	KindFunctionSignatureSpecializationParam:                   "FunctionSignatureSpecializationParam",
	KindFunctionSignatureSpecializationParamKind:               "FunctionSignatureSpecializationParamKind",
	KindFunctionSignatureSpecializationParamPayload:            "FunctionSignatureSpecializationParamPayload",
	KindFunctionSignatureSpecializationReturn:                  "FunctionSignatureSpecializationReturn",
	KindFunctionType:                                           "FunctionType",
	KindGenericPartialSpecialization:                           "GenericPartialSpecialization",
	KindGenericPartialSpecializationNotReAbstracted:            "GenericPartialSpecializationNotReAbstracted",
	KindGenericProtocolWitnessTable:                            "GenericProtocolWitnessTable",
	KindGenericProtocolWitnessTableInstantiationFunction:       "GenericProtocolWitnessTableInstantiationFunction",
	KindGenericSpecialization:                                  "GenericSpecialization",
	KindGenericSpecializationInResilienceDomain:                "GenericSpecializationInResilienceDomain",
	KindGenericSpecializationNotReAbstracted:                   "GenericSpecializationNotReAbstracted",
	KindGenericSpecializationParam:                             "GenericSpecializationParam",
	KindGenericSpecializationPrespecialized:                    "GenericSpecializationPrespecialized",
	KindGenericTypeMetadataPattern:                             "GenericTypeMetadataPattern",
	KindGenericTypeParamDecl:                                   "GenericTypeParamDecl",
	KindGetter:                                                 "Getter",
	KindGlobal:                                                 "Global",
	KindGlobalActorFunctionType:                                "GlobalActorFunctionType",
	KindGlobalGetter:                                           "GlobalGetter",
	KindGlobalVariableOnceDeclList:                             "GlobalVariableOnceDeclList",
	KindGlobalVariableOnceFunction:                             "GlobalVariableOnceFunction",
	KindGlobalVariableOnceToken:                                "GlobalVariableOnceToken",
	KindHasSymbolQuery:                                         "HasSymbolQuery",
	KindIVarDestroyer:                                          "IVarDestroyer",
	KindIVarInitializer:                                        "IVarInitializer",
	KindIdentifier:                                             "Identifier",
	KindImplConvention:                                         "ImplConvention",
	KindImplCoroutineKind:                                      "ImplCoroutineKind",
	KindImplDifferentiabilityKind:                              "ImplDifferentiabilityKind",
	KindImplErasedIsolation:                                    "ImplErasedIsolation",
	KindCalledOnceFunctionType:                                 "CalledOnceFunctionType",
	KindImplCallerIsolated:                                     "ImplCallerIsolated",
	KindImplErrorResult:                                        "ImplErrorResult",
	KindImplEscaping:                                           "ImplEscaping",
	KindImplFunctionAttribute:                                  "ImplFunctionAttribute",
	KindImplFunctionConvention:                                 "ImplFunctionConvention",
	KindImplFunctionConventionName:                             "ImplFunctionConventionName",
	KindImplFunctionType:                                       "ImplFunctionType",
	KindImplInvocationSubstitutions:                            "ImplInvocationSubstitutions",
	KindImplParameter:                                          "ImplParameter",
	KindImplParameterImplicitLeading:                           "ImplParameterImplicitLeading",
	KindImplParameterIsolated:                                  "ImplParameterIsolated",
	KindImplParameterResultDifferentiability:                   "ImplParameterResultDifferentiability",
	KindImplParameterSending:                                   "ImplParameterSending",
	KindImplPatternSubstitutions:                               "ImplPatternSubstitutions",
	KindImplResult:                                             "ImplResult",
	KindImplSendingResult:                                      "ImplSendingResult",
	KindImplYield:                                              "ImplYield",
	KindImplicitClosure:                                        "ImplicitClosure",
	KindInOut:                                                  "InOut",
	KindIndex:                                                  "Index",
	KindIndexSubset:                                            "IndexSubset",
	KindInfixOperator:                                          "InfixOperator",
	KindInitAccessor:                                           "InitAccessor",
	KindInitializer:                                            "Initializer",
	KindInlinedGenericFunction:                                 "InlinedGenericFunction",
	KindInteger:                                                "Integer",
	KindIsSerialized:                                           "IsSerialized",
	KindIsolated:                                               "Isolated",
	KindIsolatedAnyFunctionType:                                "IsolatedAnyFunctionType",
	KindIsolatedDeallocator:                                    "IsolatedDeallocator",
	KindKeyPathAppliedMethodThunkHelper:                        "KeyPathAppliedMethodThunkHelper",
	KindKeyPathEqualsThunkHelper:                               "KeyPathEqualsThunkHelper",
	KindKeyPathGetterThunkHelper:                               "KeyPathGetterThunkHelper",
	KindKeyPathHashThunkHelper:                                 "KeyPathHashThunkHelper",
	KindKeyPathSetterThunkHelper:                               "KeyPathSetterThunkHelper",
	KindKeyPathUnappliedMethodThunkHelper:                      "KeyPathUnappliedMethodThunkHelper",
	KindLabelList:                                              "LabelList",
	KindLazyProtocolWitnessTableAccessor:                       "LazyProtocolWitnessTableAccessor",
	KindLazyProtocolWitnessTableCacheVariable:                  "LazyProtocolWitnessTableCacheVariable",
	KindLocalDeclName:                                          "LocalDeclName",
	KindMacro:                                                  "Macro",
	KindMacroExpansionLoc:                                      "MacroExpansionLoc",
	KindMacroExpansionUniqueName:                               "MacroExpansionUniqueName",
	KindMaterializeForSet:                                      "MaterializeForSet",
	KindMemberAttachedMacroExpansion:                           "MemberAttachedMacroExpansion",
	KindMemberAttributeAttachedMacroExpansion:                  "MemberAttributeAttachedMacroExpansion",
	KindMergedFunction:                                         "MergedFunction",
	KindMetaclass:                                              "Metaclass",
	KindMetadataInstantiationCache:                             "MetadataInstantiationCache",
	KindMetatype:                                               "Metatype",
	KindMetatypeRepresentation:                                 "MetatypeRepresentation",
	KindMethodDescriptor:                                       "MethodDescriptor",
	KindMethodLookupFunction:                                   "MethodLookupFunction",
	KindModify2Accessor:                                        "Modify2Accessor",
	KindModifyAccessor:                                         "ModifyAccessor",
	KindModule:                                                 "Module",
	KindModuleDescriptor:                                       "ModuleDescriptor",
	KindMutateAccessor:                                         "MutateAccessor",
	KindName:                                                   "Name",
	KindNativeOwningAddressor:                                  "NativeOwningAddressor",
	KindNativeOwningMutableAddressor:                           "NativeOwningMutableAddressor",
	KindNativePinningAddressor:                                 "NativePinningAddressor",
	KindNativePinningMutableAddressor:                          "NativePinningMutableAddressor",
	KindNegativeInteger:                                        "NegativeInteger",
	KindNoDerivative:                                           "NoDerivative",
	KindNoEscapeFunctionType:                                   "NoEscapeFunctionType",
	KindNominalTypeDescriptor:                                  "NominalTypeDescriptor",
	KindNominalTypeDescriptorRecord:                            "NominalTypeDescriptorRecord",
	KindNonConstantPartialApply:                                "NonConstantPartialApply",
	KindNonIsolatedCallerFunctionType:                          "NonIsolatedCallerFunctionType",
	KindNonObjCAttribute:                                       "NonObjCAttribute",
	KindNonUniqueExtendedExistentialTypeShapeSymbolicReference: "NonUniqueExtendedExistentialTypeShapeSymbolicReference",
	KindNoncanonicalSpecializedGenericTypeMetadata:             "NoncanonicalSpecializedGenericTypeMetadata",
	KindNoncanonicalSpecializedGenericTypeMetadataCache:        "NoncanonicalSpecializedGenericTypeMetadataCache",
	KindNumber:                                                 "Number",
	KindObjCAsyncCompletionHandlerImpl:                         "ObjCAsyncCompletionHandlerImpl",
	KindObjCAttribute:                                          "ObjCAttribute",
	KindObjCBlock:                                              "ObjCBlock",
	KindObjCMetadataUpdateFunction:                             "ObjCMetadataUpdateFunction",
	KindObjCResilientClassStub:                                 "ObjCResilientClassStub",
	KindObjectiveCProtocolSymbolicReference:                    "ObjectiveCProtocolSymbolicReference",
	KindOpaqueReturnType:                                       "OpaqueReturnType",
	KindOpaqueReturnTypeIndex:                                  "OpaqueReturnTypeIndex",
	KindOpaqueReturnTypeOf:                                     "OpaqueReturnTypeOf",
	KindOpaqueReturnTypeParent:                                 "OpaqueReturnTypeParent",
	KindOpaqueType:                                             "OpaqueType",
	KindOpaqueTypeDescriptor:                                   "OpaqueTypeDescriptor",
	KindOpaqueTypeDescriptorAccessor:                           "OpaqueTypeDescriptorAccessor",
	KindOpaqueTypeDescriptorAccessorImpl:                       "OpaqueTypeDescriptorAccessorImpl",
	KindOpaqueTypeDescriptorAccessorKey:                        "OpaqueTypeDescriptorAccessorKey",
	KindOpaqueTypeDescriptorAccessorVar:                        "OpaqueTypeDescriptorAccessorVar",
	KindOpaqueTypeDescriptorRecord:                             "OpaqueTypeDescriptorRecord",
	KindOpaqueTypeDescriptorSymbolicReference:                  "OpaqueTypeDescriptorSymbolicReference",
	KindOtherNominalType:                                       "OtherNominalType",
	KindOutlinedAssignWithCopy:                                 "OutlinedAssignWithCopy",
	KindOutlinedAssignWithCopyNoValueWitness:                   "OutlinedAssignWithCopyNoValueWitness",
	KindOutlinedAssignWithTake:                                 "OutlinedAssignWithTake",
	KindOutlinedAssignWithTakeNoValueWitness:                   "OutlinedAssignWithTakeNoValueWitness",
	KindOutlinedBridgedMethod:                                  "OutlinedBridgedMethod",
	KindOutlinedConsume:                                        "OutlinedConsume",
	KindOutlinedCopy:                                           "OutlinedCopy",
	KindOutlinedDestroy:                                        "OutlinedDestroy",
	KindOutlinedDestroyNoValueWitness:                          "OutlinedDestroyNoValueWitness",
	KindOutlinedEnumGetTag:                                     "OutlinedEnumGetTag",
	KindOutlinedEnumProjectDataForLoad:                         "OutlinedEnumProjectDataForLoad",
	KindOutlinedEnumTagStore:                                   "OutlinedEnumTagStore",
	KindOutlinedInitializeWithCopy:                             "OutlinedInitializeWithCopy",
	KindOutlinedInitializeWithCopyNoValueWitness:               "OutlinedInitializeWithCopyNoValueWitness",
	KindOutlinedInitializeWithTake:                             "OutlinedInitializeWithTake",
	KindOutlinedInitializeWithTakeNoValueWitness:               "OutlinedInitializeWithTakeNoValueWitness",
	KindOutlinedReadOnlyObject:                                 "OutlinedReadOnlyObject",
	KindOutlinedRelease:                                        "OutlinedRelease",
	KindOutlinedRetain:                                         "OutlinedRetain",
	KindOutlinedVariable:                                       "OutlinedVariable",
	KindOwned:                                                  "Owned",
	KindOwningAddressor:                                        "OwningAddressor",
	KindOwningMutableAddressor:                                 "OwningMutableAddressor",
	KindPack:                                                   "Pack",
	KindPackElement:                                            "PackElement",
	KindPackElementLevel:                                       "PackElementLevel",
	KindPackExpansion:                                          "PackExpansion",
	KindPackProtocolConformance:                                "PackProtocolConformance",
	KindPartialApplyForwarder:                                  "PartialApplyForwarder",
	KindPartialApplyObjCForwarder:                              "PartialApplyObjCForwarder",
	KindPeerAttachedMacroExpansion:                             "PeerAttachedMacroExpansion",
	KindPostfixOperator:                                        "PostfixOperator",
	KindPreambleAttachedMacroExpansion:                         "PreambleAttachedMacroExpansion",
	KindPredefinedObjCAsyncCompletionHandlerImpl:               "PredefinedObjCAsyncCompletionHandlerImpl",
	KindPrefixOperator:                                         "PrefixOperator",
	KindPrivateDeclName:                                        "PrivateDeclName",
	KindPropertyDescriptor:                                     "PropertyDescriptor",
	KindPropertyWrappedFieldInitAccessor:                       "PropertyWrappedFieldInitAccessor",
	KindPropertyWrapperBackingInitializer:                      "PropertyWrapperBackingInitializer",
	KindPropertyWrapperInitFromProjectedValue:                  "PropertyWrapperInitFromProjectedValue",
	KindProtocol:                                               "Protocol",
	KindProtocolConformance:                                    "ProtocolConformance",
	KindProtocolConformanceDescriptor:                          "ProtocolConformanceDescriptor",
	KindProtocolConformanceDescriptorRecord:                    "ProtocolConformanceDescriptorRecord",
	KindProtocolConformanceRefInOtherModule:                    "ProtocolConformanceRefInOtherModule",
	KindProtocolConformanceRefInProtocolModule:                 "ProtocolConformanceRefInProtocolModule",
	KindProtocolConformanceRefInTypeModule:                     "ProtocolConformanceRefInTypeModule",
	KindProtocolDescriptor:                                     "ProtocolDescriptor",
	KindProtocolDescriptorRecord:                               "ProtocolDescriptorRecord",
	KindProtocolList:                                           "ProtocolList",
	KindProtocolListWithAnyObject:                              "ProtocolListWithAnyObject",
	KindProtocolListWithClass:                                  "ProtocolListWithClass",
	KindProtocolRequirementsBaseDescriptor:                     "ProtocolRequirementsBaseDescriptor",
	KindProtocolSelfConformanceDescriptor:                      "ProtocolSelfConformanceDescriptor",
	KindProtocolSelfConformanceWitness:                         "ProtocolSelfConformanceWitness",
	KindProtocolSelfConformanceWitnessTable:                    "ProtocolSelfConformanceWitnessTable",
	KindProtocolSymbolicReference:                              "ProtocolSymbolicReference",
	KindProtocolWitness:                                        "ProtocolWitness",
	KindProtocolWitnessTable:                                   "ProtocolWitnessTable",
	KindProtocolWitnessTableAccessor:                           "ProtocolWitnessTableAccessor",
	KindProtocolWitnessTablePattern:                            "ProtocolWitnessTablePattern",
	KindReabstractionThunk:                                     "ReabstractionThunk",
	KindReabstractionThunkHelper:                               "ReabstractionThunkHelper",
	KindReabstractionThunkHelperWithGlobalActor:                "ReabstractionThunkHelperWithGlobalActor",
	KindReabstractionThunkHelperWithSelf:                       "ReabstractionThunkHelperWithSelf",
	KindRead2Accessor:                                          "Read2Accessor",
	KindReadAccessor:                                           "ReadAccessor",
	KindReflectionMetadataAssocTypeDescriptor:                  "ReflectionMetadataAssocTypeDescriptor",
	KindReflectionMetadataBuiltinDescriptor:                    "ReflectionMetadataBuiltinDescriptor",
	KindReflectionMetadataFieldDescriptor:                      "ReflectionMetadataFieldDescriptor",
	KindReflectionMetadataSuperclassDescriptor:                 "ReflectionMetadataSuperclassDescriptor",
	KindRelatedEntityDeclName:                                  "RelatedEntityDeclName",
	KindRepresentationChanged:                                  "RepresentationChanged",
	KindResilientProtocolWitnessTable:                          "ResilientProtocolWitnessTable",
	KindRetroactiveConformance:                                 "RetroactiveConformance",
	KindReturnType:                                             "ReturnType",
	KindSILBoxImmutableField:                                   "SILBoxImmutableField",
	KindSILBoxLayout:                                           "SILBoxLayout",
	KindSILBoxMutableField:                                     "SILBoxMutableField",
	KindSILBoxType:                                             "SILBoxType",
	KindSILBoxTypeWithLayout:                                   "SILBoxTypeWithLayout",
	KindSILPackDirect:                                          "SILPackDirect",
	KindSILPackIndirect:                                        "SILPackIndirect",
	KindSILThunkIdentity:                                       "SILThunkIdentity",
	KindSending:                                                "Sending",
	KindSendingResultFunctionType:                              "SendingResultFunctionType",
	KindSetter:                                                 "Setter",
	KindShared:                                                 "Shared",
	KindSpecializationPassID:                                   "SpecializationPassID",
	KindStatic:                                                 "Static",
	KindStructure:                                              "Structure",
	KindSubscript:                                              "Subscript",
	KindSuffix:                                                 "Suffix",
	KindSugaredArray:                                           "SugaredArray",
	KindSugaredDictionary:                                      "SugaredDictionary",
	KindSugaredInlineArray:                                     "SugaredInlineArray",
	KindSugaredOptional:                                        "SugaredOptional",
	KindSugaredParen:                                           "SugaredParen",
	KindSymbolicExtendedExistentialType:                        "SymbolicExtendedExistentialType",
	KindThinFunctionType:                                       "ThinFunctionType",
	KindThrowsAnnotation:                                       "ThrowsAnnotation",
	KindTuple:                                                  "Tuple",
	KindTupleElement:                                           "TupleElement",
	KindTupleElementName:                                       "TupleElementName",
	KindType:                                                   "Type",
	KindTypeAlias:                                              "TypeAlias",
	KindTypeList:                                               "TypeList",
	KindTypeMangling:                                           "TypeMangling",
	KindTypeMetadata:                                           "TypeMetadata",
	KindTypeMetadataAccessFunction:                             "TypeMetadataAccessFunction",
	KindTypeMetadataCompletionFunction:                         "TypeMetadataCompletionFunction",
	KindTypeMetadataDemanglingCache:                            "TypeMetadataDemanglingCache",
	KindTypeMetadataInstantiationCache:                         "TypeMetadataInstantiationCache",
	KindTypeMetadataInstantiationFunction:                      "TypeMetadataInstantiationFunction",
	KindTypeMetadataLazyCache:                                  "TypeMetadataLazyCache",
	KindTypeMetadataSingletonInitializationCache:               "TypeMetadataSingletonInitializationCache",
	KindTypeSymbolicReference:                                  "TypeSymbolicReference",
	KindTypedThrowsAnnotation:                                  "TypedThrowsAnnotation",
	KindUncurriedFunctionType:                                  "UncurriedFunctionType",
	KindUniquable:                                              "Uniquable",
	KindUniqueExtendedExistentialTypeShapeSymbolicReference:    "UniqueExtendedExistentialTypeShapeSymbolicReference",
	KindUnknownIndex:                                           "UnknownIndex",
	KindUnmanaged:                                              "Unmanaged",
	KindUnowned:                                                "Unowned",
	KindUnsafeAddressor:                                        "UnsafeAddressor",
	KindUnsafeMutableAddressor:                                 "UnsafeMutableAddressor",
	KindVTableAttribute:                                        "VTableAttribute",
	KindVTableThunk:                                            "VTableThunk",
	KindValueWitness:                                           "ValueWitness",
	KindValueWitnessTable:                                      "ValueWitnessTable",
	KindVariable:                                               "Variable",
	KindVariadicMarker:                                         "VariadicMarker",
	KindWeak:                                                   "Weak",
	KindWillSet:                                                "WillSet",
	KindWitnessTableOffset:                                     "WitnessTableOffset",
}

// String returns the kind's name, e.g. "Function".
func (k Kind) String() string {
	if k < numKinds {
		return kindNames[k]
	}
	return "Kind(" + itoa(uint64(k)) + ")"
}

// isContextKind reports whether nodes of kind k can be the context (parent
// declaration) of another entity.
func isContextKind(k Kind) bool {
	switch k {
	case KindAllocator,
		KindAnonymousContext,
		KindAutoDiffFunction,
		KindBorrowAccessor,
		KindClass,
		KindConstructor,
		KindDeallocator,
		KindDefaultArgumentInitializer,
		KindDestructor,
		KindDidSet,
		KindEnum,
		KindExplicitClosure,
		KindExtension,
		KindFunction,
		KindGetter,
		KindGlobalGetter,
		KindIVarDestroyer,
		KindIVarInitializer,
		KindImplicitClosure,
		KindInitAccessor,
		KindInitializer,
		KindIsolatedDeallocator,
		KindMaterializeForSet,
		KindModify2Accessor,
		KindModifyAccessor,
		KindModule,
		KindMutateAccessor,
		KindNativeOwningAddressor,
		KindNativeOwningMutableAddressor,
		KindNativePinningAddressor,
		KindNativePinningMutableAddressor,
		KindOpaqueReturnTypeOf,
		KindOtherNominalType,
		KindOwningAddressor,
		KindOwningMutableAddressor,
		KindPropertyWrappedFieldInitAccessor,
		KindPropertyWrapperBackingInitializer,
		KindPropertyWrapperInitFromProjectedValue,
		KindProtocol,
		KindProtocolSymbolicReference,
		KindRead2Accessor,
		KindReadAccessor,
		KindSetter,
		KindStatic,
		KindStructure,
		KindSubscript,
		KindTypeAlias,
		KindTypeSymbolicReference,
		KindUnsafeAddressor,
		KindUnsafeMutableAddressor,
		KindVariable,
		KindWillSet:
		return true
	}
	return false
}

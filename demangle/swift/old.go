package swift

// This file parses the mangling used up to Swift 3 (prefix "_T" not followed
// by "0"), and the "_Tt" type manglings that Objective-C metadata still
// uses. Unlike the current mangling it is a prefix grammar, parsed by
// recursive descent. It produces the same node vocabulary as the current
// demangler so one printer serves both.

type oldDemangler struct {
	*arena
	s     string
	pos   int
	subs  []*Node
	depth int
}

func (o *oldDemangler) peek() byte {
	if o.pos < len(o.s) {
		return o.s[o.pos]
	}
	return 0
}

func (o *oldDemangler) next() byte {
	if o.pos < len(o.s) {
		o.pos++
		return o.s[o.pos-1]
	}
	return 0
}

func (o *oldDemangler) nextIf(c byte) bool {
	if o.pos < len(o.s) && o.s[o.pos] == c {
		o.pos++
		return true
	}
	return false
}

func (o *oldDemangler) nextIfStr(p string) bool {
	if hasPrefix(o.s[o.pos:], p) {
		o.pos += len(p)
		return true
	}
	return false
}

func (o *oldDemangler) empty() bool { return o.pos >= len(o.s) }

func (o *oldDemangler) fail(field, msg string) {
	panic(syntaxError(o.pos, field, msg))
}

func (o *oldDemangler) enter() {
	o.depth++
	if o.depth > maxDepth {
		panic(failure{ErrLimit})
	}
}

func (o *oldDemangler) leave() { o.depth-- }

func (o *oldDemangler) addSubst(n *Node) {
	if len(o.subs) >= maxStack {
		panic(failure{ErrLimit})
	}
	o.subs = append(o.subs, n)
}

// topLevel parses a whole "_T" symbol.
func (o *oldDemangler) topLevel(name string) *Node {
	o.s = name
	if !o.nextIfStr("_T") {
		o.fail("symbol", "missing _T prefix")
	}
	top := o.newNode(KindGlobal)
	switch {
	case o.nextIfStr("TS"):
		for {
			o.add(top, o.specializedAttribute())
			// A specialization header does not share substitutions with
			// the rest of the mangling.
			o.subs = o.subs[:0]
			if !o.nextIfStr("_TTS") {
				break
			}
		}
		if !o.nextIfStr("_T") {
			o.fail("specialization", "missing specialized symbol")
		}
	case o.nextIfStr("To"):
		o.add(top, o.newNode(KindObjCAttribute))
	case o.nextIfStr("TO"):
		o.add(top, o.newNode(KindNonObjCAttribute))
	case o.nextIfStr("TD"):
		o.add(top, o.newNode(KindDynamicAttribute))
	case o.nextIfStr("Td"):
		o.add(top, o.newNode(KindDirectMethodReferenceAttribute))
	case o.nextIfStr("TV"):
		o.add(top, o.newNode(KindVTableAttribute))
	}
	o.add(top, o.global())
	if !o.empty() {
		o.add(top, o.str(KindSuffix, o.s[o.pos:]))
		o.pos = len(o.s)
	}
	return top
}

// natural reads a decimal number; unlike the current mangling's reader it
// consumes the first character even when it is not a digit. Like Swift's
// reader it wraps around on overflow (every use bounds the result).
func (o *oldDemangler) natural() (uint64, bool) {
	c := o.next()
	if !isDigit(c) {
		return 0, false
	}
	n := uint64(c - '0')
	for isDigit(o.peek()) {
		n = n*10 + uint64(o.next()-'0')
	}
	return n, true
}

func (o *oldDemangler) mustNatural(what string) uint64 {
	n, ok := o.natural()
	if !ok {
		o.fail(what, "bad number")
	}
	return n
}

// index reads an INDEX: '_' is 0, N '_' is N+1.
func (o *oldDemangler) index() (uint64, bool) {
	if o.nextIf('_') {
		return 0, true
	}
	n, ok := o.natural()
	if !ok || !o.nextIf('_') {
		return 0, false
	}
	return n + 1, true
}

func (o *oldDemangler) mustIndex(what string) uint64 {
	n, ok := o.index()
	if !ok {
		o.fail(what, "bad index")
	}
	return n
}

func (o *oldDemangler) builtinSize() uint64 {
	n := o.mustNatural("builtin size")
	if !o.nextIf('_') || n == 0 || n > 4096 {
		o.fail("builtin size", "bad size")
	}
	return n
}

func (o *oldDemangler) valueWitness() *Node {
	if len(o.s)-o.pos < 2 {
		o.fail("value witness", "truncated code")
	}
	name, ok := valueWitnessNames[o.s[o.pos:o.pos+2]]
	if !ok {
		o.fail("value witness", "unknown code")
	}
	o.pos += 2
	return o.str(KindIdentifier, name)
}

// global parses the symbol after "_T" and any attribute prefix.
func (o *oldDemangler) global() *Node {
	o.enter()
	defer o.leave()
	if o.empty() {
		o.fail("symbol", "unexpected end")
	}
	switch {
	case o.nextIf('M'):
		k := KindTypeMetadata
		switch {
		case o.nextIf('P'):
			k = KindGenericTypeMetadataPattern
		case o.nextIf('a'):
			k = KindTypeMetadataAccessFunction
		case o.nextIf('L'):
			k = KindTypeMetadataLazyCache
		case o.nextIf('m'):
			k = KindMetaclass
		case o.nextIf('n'):
			k = KindNominalTypeDescriptor
		case o.nextIf('f'):
			k = KindFullTypeMetadata
		case o.nextIf('p'):
			return o.with(KindProtocolDescriptor, o.protocolName())
		case o.nextIf('R'):
			// Reflection metadata records (Swift 3).
			switch {
			case o.nextIf('f'):
				return o.with(KindReflectionMetadataFieldDescriptor, o.typ())
			case o.nextIf('b'):
				return o.with(KindReflectionMetadataBuiltinDescriptor, o.typ())
			case o.nextIf('s'):
				return o.with(KindReflectionMetadataSuperclassDescriptor, o.typ())
			case o.nextIf('a'):
				return o.with(KindReflectionMetadataAssocTypeDescriptor, o.protocolConformance())
			}
			o.fail("metadata", "unknown reflection record")
		}
		return o.with(k, o.typ())
	case o.nextIfStr("PA"):
		k := KindPartialApplyForwarder
		if o.nextIf('o') {
			k = KindPartialApplyObjCForwarder
		}
		fwd := o.newNode(k)
		if o.nextIfStr("__T") {
			o.add(fwd, o.global())
		}
		return fwd
	case o.nextIf('t'):
		return o.with(KindTypeMangling, o.typ())
	case o.nextIf('w'):
		w := o.valueWitness()
		return o.with(KindValueWitness, w, o.typ())
	case o.nextIf('W'):
		return o.witness()
	case o.nextIf('T'):
		switch {
		case o.nextIf('R'):
			return o.reabstractSignature(KindReabstractionThunkHelper)
		case o.nextIf('r'):
			return o.reabstractSignature(KindReabstractionThunk)
		case o.nextIf('W'):
			conf := o.protocolConformance()
			return o.with(KindProtocolWitness, conf, o.entity())
		}
		o.fail("thunk", "unknown thunk")
	}
	return o.entity()
}

func (o *oldDemangler) witness() *Node {
	switch {
	case o.nextIf('V'):
		return o.with(KindValueWitnessTable, o.typ())
	case o.nextIf('o'):
		// Witness table offsets were last emitted by Swift 2.
		return o.with(KindWitnessTableOffset, o.entity())
	case o.nextIf('v'):
		var dir uint64
		switch {
		case o.nextIf('d'):
		case o.nextIf('i'):
			dir = 1
		default:
			o.fail("field offset", "bad directness")
		}
		dn := o.num(KindDirectness, dir)
		return o.with(KindFieldOffset, dn, o.entity())
	case o.nextIf('P'):
		return o.with(KindProtocolWitnessTable, o.protocolConformance())
	case o.nextIf('G'):
		return o.with(KindGenericProtocolWitnessTable, o.protocolConformance())
	case o.nextIf('I'):
		return o.with(KindGenericProtocolWitnessTableInstantiationFunction, o.protocolConformance())
	case o.nextIf('l'), o.nextIf('L'):
		k := KindLazyProtocolWitnessTableAccessor
		if o.s[o.pos-1] == 'L' {
			k = KindLazyProtocolWitnessTableCacheVariable
		}
		t := o.typ()
		return o.with(k, t, o.protocolConformance())
	case o.nextIf('a'):
		return o.with(KindProtocolWitnessTableAccessor, o.protocolConformance())
	case o.nextIf('t'):
		conf := o.protocolConformance()
		return o.with(KindAssociatedTypeMetadataAccessor, conf, o.declName())
	case o.nextIf('T'):
		conf := o.protocolConformance()
		name := o.declName()
		return o.with(KindAssociatedTypeWitnessTableAccessor, conf, name, o.protocolName())
	}
	o.fail("witness", "unknown witness")
	return nil
}

func (o *oldDemangler) reabstractSignature(k Kind) *Node {
	n := o.newNode(k)
	if o.nextIf('G') {
		o.add(n, o.genericSignature(false))
	}
	o.add(n, o.typ())
	o.add(n, o.typ())
	return n
}

// --- specializations ---------------------------------------------------------------

func (o *oldDemangler) specializedAttribute() *Node {
	var spec *Node
	generic := false
	switch {
	case o.nextIf('g'):
		spec, generic = o.newNode(KindGenericSpecialization), true
	case o.nextIf('r'):
		spec, generic = o.newNode(KindGenericSpecializationNotReAbstracted), true
	case o.nextIf('f'):
		spec = o.newNode(KindFunctionSignatureSpecialization)
	default:
		o.fail("specialization", "unknown specialization")
	}
	if o.nextIf('q') {
		o.add(spec, o.newNode(KindIsSerialized))
	}
	c := o.next()
	if !isDigit(c) {
		o.fail("specialization", "bad pass id")
	}
	o.add(spec, o.num(KindSpecializationPassID, uint64(c-'0')))
	if generic {
		for !o.nextIf('_') {
			p := o.with(KindGenericSpecializationParam, o.typ())
			for !o.nextIf('_') {
				o.add(p, o.protocolConformance())
			}
			o.add(spec, p)
		}
		return spec
	}
	for !o.nextIf('_') {
		p := o.newNode(KindFunctionSignatureSpecializationParam)
		switch {
		case o.nextIfStr("n_"):
		case o.nextIfStr("cp"):
			o.constantProp(p)
		case o.nextIfStr("cl"):
			o.closureProp(p)
		case o.nextIfStr("i_"):
			o.add(p, o.num(KindFunctionSignatureSpecializationParamKind, specBoxToValue))
		case o.nextIfStr("k_"):
			o.add(p, o.num(KindFunctionSignatureSpecializationParamKind, specBoxToStack))
		default:
			var v uint64
			if o.nextIf('d') {
				v |= specDead
			}
			if o.nextIf('g') {
				v |= specOwnedToGuaranteed
			}
			if o.nextIf('o') {
				v |= specGuaranteedToOwned
			}
			if o.nextIf('s') {
				v |= specSROA
			}
			if !o.nextIf('_') || v == 0 {
				o.fail("specialization", "bad argument kind")
			}
			o.add(p, o.num(KindFunctionSignatureSpecializationParamKind, v))
		}
		o.add(spec, p)
	}
	return spec
}

func (o *oldDemangler) specPayload(s string) *Node {
	return o.str(KindFunctionSignatureSpecializationParamPayload, s)
}

func (o *oldDemangler) specKind(v uint64) *Node {
	return o.num(KindFunctionSignatureSpecializationParamKind, v)
}

// untilUnderscore reads the characters before the next '_' and the '_'.
func (o *oldDemangler) untilUnderscore(what string) string {
	start := o.pos
	for !o.empty() && o.peek() != '_' {
		o.pos++
	}
	if !o.nextIf('_') {
		o.fail(what, "missing terminator")
	}
	return o.s[start : o.pos-1]
}

func (o *oldDemangler) constantProp(p *Node) {
	switch {
	case o.nextIfStr("fr"), o.nextIf('g'):
		k := uint64(specConstantPropGlobal)
		if o.s[o.pos-1] == 'r' {
			k = specConstantPropFunction
		}
		name := o.identifier(KindIdentifier)
		if !o.nextIf('_') {
			o.fail("specialization", "missing terminator")
		}
		o.add(p, o.specKind(k))
		o.add(p, o.specPayload(name.Text))
	case o.nextIf('i'):
		s := o.untilUnderscore("constant")
		o.add(p, o.specKind(specConstantPropInteger))
		o.add(p, o.specPayload(s))
	case o.nextIfStr("fl"):
		s := o.untilUnderscore("constant")
		o.add(p, o.specKind(specConstantPropFloat))
		o.add(p, o.specPayload(s))
	case o.nextIf('s'):
		if !o.nextIf('e') {
			o.fail("specialization", "bad string constant")
		}
		var enc string
		switch o.next() {
		case '0':
			enc = "u8"
		case '1':
			enc = "u16"
		default:
			o.fail("specialization", "bad string encoding")
		}
		if !o.nextIf('v') {
			o.fail("specialization", "bad string constant")
		}
		str := o.identifier(KindIdentifier)
		if !o.nextIf('_') {
			o.fail("specialization", "missing terminator")
		}
		o.add(p, o.specKind(specConstantPropString))
		o.add(p, o.specPayload(enc))
		o.add(p, o.specPayload(str.Text))
	default:
		o.fail("specialization", "unknown constant propagation")
	}
}

func (o *oldDemangler) closureProp(p *Node) {
	name := o.identifier(KindIdentifier)
	o.add(p, o.specKind(specClosureProp))
	o.add(p, o.specPayload(name.Text))
	for o.peek() != '_' && !o.empty() {
		t := o.tryType()
		if t == nil {
			break
		}
		o.add(p, t)
	}
	if !o.nextIf('_') {
		o.fail("specialization", "missing terminator")
	}
}

// tryType parses a type, returning nil (with the input possibly consumed) if
// it is malformed; limit errors still abort.
func (o *oldDemangler) tryType() (t *Node) {
	defer func() {
		if r := recover(); r != nil {
			if f, ok := r.(failure); ok && f.err != ErrLimit {
				t = nil
				return
			}
			panic(r)
		}
	}()
	depth := o.depth
	defer func() { o.depth = depth }()
	return o.typ()
}

// --- names --------------------------------------------------------------------------

// declName parses a plain, local ('L') or private ('P') declaration name.
func (o *oldDemangler) declName() *Node {
	switch {
	case o.nextIf('L'):
		disc := o.num(KindNumber, o.mustIndex("local discriminator"))
		return o.with(KindLocalDeclName, disc, o.identifier(KindIdentifier))
	case o.nextIf('P'):
		disc := o.identifier(KindIdentifier)
		return o.with(KindPrivateDeclName, disc, o.identifier(KindIdentifier))
	}
	return o.identifier(KindIdentifier)
}

// identifier parses a length-prefixed identifier (Punycoded after 'X', an
// operator after 'o' + fixity when k is KindIdentifier) as a node of kind k.
func (o *oldDemangler) identifier(k Kind) *Node {
	if o.empty() {
		o.fail("identifier", "unexpected end")
	}
	puny := o.nextIf('X')
	op := false
	if o.nextIf('o') {
		if k != KindIdentifier {
			o.fail("identifier", "operator not allowed here")
		}
		op = true
		switch o.next() {
		case 'p':
			k = KindPrefixOperator
		case 'P':
			k = KindPostfixOperator
		case 'i':
			k = KindInfixOperator
		default:
			o.fail("identifier", "bad operator fixity")
		}
	}
	n := o.mustNatural("identifier length")
	if n > uint64(len(o.s)-o.pos) {
		o.fail("identifier", "length runs past the end")
	}
	id := o.s[o.pos : o.pos+int(n)]
	o.pos += int(n)
	if puny {
		dec, ok := decodePunycode(id)
		if !ok {
			o.fail("identifier", "bad punycode")
		}
		id = dec
	}
	if id == "" {
		o.fail("identifier", "empty identifier")
	}
	if op {
		dec, ok := decodeOperator(id)
		if !ok {
			o.fail("identifier", "bad operator character")
		}
		id = dec
	}
	return o.str(k, id)
}

func (o *oldDemangler) swiftType(k Kind, name string) *Node {
	return o.with(k, o.str(KindModule, "Swift"), o.str(KindIdentifier, name))
}

var oldStandardTypes = [256]stdType{
	'a': {KindStructure, "Array"},
	'b': {KindStructure, "Bool"},
	'c': {KindStructure, "UnicodeScalar"},
	'd': {KindStructure, "Double"},
	'f': {KindStructure, "Float"},
	'i': {KindStructure, "Int"},
	'V': {KindStructure, "UnsafeRawPointer"},
	'v': {KindStructure, "UnsafeMutableRawPointer"},
	'P': {KindStructure, "UnsafePointer"},
	'p': {KindStructure, "UnsafeMutablePointer"},
	'q': {KindEnum, "Optional"},
	'Q': {KindEnum, "ImplicitlyUnwrappedOptional"},
	'R': {KindStructure, "UnsafeBufferPointer"},
	'r': {KindStructure, "UnsafeMutableBufferPointer"},
	'S': {KindStructure, "String"},
	'u': {KindStructure, "UInt"},
}

// substitution parses what follows an 'S': a known module or type, or an
// index into the substitutions.
func (o *oldDemangler) substitution() *Node {
	if o.empty() {
		o.fail("substitution", "unexpected end")
	}
	switch {
	case o.nextIf('o'):
		return o.str(KindModule, "__C")
	case o.nextIf('C'):
		return o.str(KindModule, "__C_Synthesized")
	}
	if st := oldStandardTypes[o.peek()]; st.name != "" {
		o.next()
		return o.swiftType(st.kind, st.name)
	}
	i := o.mustIndex("substitution")
	if i >= uint64(len(o.subs)) {
		o.fail("substitution", "index out of range")
	}
	return o.subs[i]
}

func (o *oldDemangler) module() *Node {
	switch {
	case o.nextIf('s'):
		return o.str(KindModule, "Swift")
	case o.nextIf('S'):
		m := o.substitution()
		if m.Kind != KindModule {
			o.fail("module", "substitution is not a module")
		}
		return m
	}
	m := o.identifier(KindModule)
	o.addSubst(m)
	return m
}

func (o *oldDemangler) declaration(k Kind) *Node {
	ctx := o.context()
	n := o.with(k, ctx, o.declName())
	o.addSubst(n)
	return n
}

// protocolName parses a protocol and wraps it in a Type node.
func (o *oldDemangler) protocolName() *Node {
	var p *Node
	switch {
	case o.nextIf('S'):
		sub := o.substitution()
		switch sub.Kind {
		case KindProtocol:
			p = sub
		case KindModule:
			p = o.protocolIn(sub)
		default:
			o.fail("protocol", "substitution is not a protocol")
		}
	case o.nextIf('s'):
		p = o.protocolIn(o.str(KindModule, "Swift"))
	default:
		p = o.declaration(KindProtocol)
	}
	return o.with(KindType, p)
}

func (o *oldDemangler) protocolIn(ctx *Node) *Node {
	p := o.with(KindProtocol, ctx, o.declName())
	o.addSubst(p)
	return p
}

func (o *oldDemangler) nominalType() *Node {
	switch {
	case o.nextIf('S'):
		return o.substitution()
	case o.nextIf('V'):
		return o.declaration(KindStructure)
	case o.nextIf('O'):
		return o.declaration(KindEnum)
	case o.nextIf('C'):
		return o.declaration(KindClass)
	case o.nextIf('P'):
		return o.declaration(KindProtocol)
	}
	o.fail("type", "expected a nominal type")
	return nil
}

// boundGenericArgs applies argument lists (one per nesting level, outermost
// first) to nominal.
func (o *oldDemangler) boundGenericArgs(nominal *Node) *Node {
	o.enter()
	defer o.leave()
	if len(nominal.Children) == 0 {
		o.fail("generic type", "type has no context")
	}
	parent := nominal.Children[0]
	switch parent.Kind {
	case KindModule, KindFunction, KindExtension:
	default:
		parent = o.boundGenericArgs(parent)
		nominal = o.with(nominal.Kind, parent, nominal.at(1))
	}
	args := o.newNode(KindTypeList)
	for !o.nextIf('_') {
		o.add(args, o.typ())
		if o.empty() {
			o.fail("generic type", "unterminated argument list")
		}
	}
	if len(args.Children) == 0 {
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
	default:
		o.fail("generic type", "type cannot be generic")
	}
	return o.with(k, o.with(KindType, nominal), args)
}

// context parses the declaration context of an entity.
func (o *oldDemangler) context() *Node {
	o.enter()
	defer o.leave()
	if o.empty() {
		o.fail("context", "unexpected end")
	}
	switch {
	case o.nextIf('E'):
		mod := o.module()
		return o.with(KindExtension, mod, o.context())
	case o.nextIf('e'):
		mod := o.module()
		sig := o.genericSignature(false)
		return o.with(KindExtension, mod, o.context(), sig)
	case o.nextIf('S'):
		return o.substitution()
	case o.nextIf('s'):
		return o.str(KindModule, "Swift")
	case o.nextIf('G'):
		return o.boundGenericArgs(o.nominalType())
	}
	switch o.peek() {
	case 'F', 'I', 'v', 'P', 's', 'Z', 'C', 'V', 'O':
		return o.entity()
	}
	return o.module()
}

func (o *oldDemangler) protocolList() *Node {
	tl := o.newNode(KindTypeList)
	for !o.nextIf('_') {
		o.add(tl, o.protocolName())
	}
	return o.with(KindProtocolList, tl)
}

func (o *oldDemangler) protocolConformance() *Node {
	t := o.typ()
	p := o.protocolName()
	return o.with(KindProtocolConformance, t, p, o.context())
}

// entity parses "entity-kind context entity-name" or a nominal type.
func (o *oldDemangler) entity() *Node {
	o.enter()
	defer o.leave()
	static := o.nextIf('Z')
	var basic Kind
	switch {
	case o.nextIf('F'):
		basic = KindFunction
	case o.nextIf('v'):
		basic = KindVariable
	case o.nextIf('I'):
		basic = KindInitializer
	case o.nextIf('i'):
		basic = KindSubscript
	default:
		return o.nominalType()
	}
	ctx := o.context()
	k := basic
	hasType, wrap := true, false
	var name *Node
	addressor := func(mutable bool) Kind {
		var k Kind
		switch {
		case o.nextIf('O'):
			k = KindOwningAddressor
		case o.nextIf('o'):
			k = KindNativeOwningAddressor
		case o.nextIf('p'):
			k = KindNativePinningAddressor
		case o.nextIf('u'):
			k = KindUnsafeAddressor
		default:
			o.fail("addressor", "unknown addressor")
		}
		if mutable {
			k = map[Kind]Kind{KindOwningAddressor: KindOwningMutableAddressor,
				KindNativeOwningAddressor:  KindNativeOwningMutableAddressor,
				KindNativePinningAddressor: KindNativePinningMutableAddressor,
				KindUnsafeAddressor:        KindUnsafeMutableAddressor}[k]
		}
		return k
	}
	switch c := o.peek(); {
	case c == 'D' || c == 'd' || c == 'e' || c == 'E' || c == 'Z':
		o.next()
		k = map[byte]Kind{'D': KindDeallocator, 'd': KindDestructor, 'Z': KindIsolatedDeallocator,
			'e': KindIVarInitializer, 'E': KindIVarDestroyer}[c]
		hasType = false
	case c == 'C':
		o.next()
		k = KindAllocator
	case c == 'c':
		o.next()
		k = KindConstructor
	case c == 'a' || c == 'l':
		o.next()
		k, wrap = addressor(c == 'a'), true
		name = o.declName()
	case c == 'g' || c == 'G' || c == 's' || c == 'm' || c == 'w' || c == 'W' || c == 'r' || c == 'M':
		o.next()
		k = map[byte]Kind{'g': KindGetter, 'G': KindGlobalGetter, 's': KindSetter,
			'm': KindMaterializeForSet, 'w': KindWillSet, 'W': KindDidSet,
			'r': KindReadAccessor, 'M': KindModifyAccessor}[c]
		wrap = true
		name = o.declName()
	case c == 'U' || c == 'u':
		o.next()
		k = KindExplicitClosure
		if c == 'u' {
			k = KindImplicitClosure
		}
		name = o.num(KindNumber, o.mustIndex("closure index"))
	case basic == KindInitializer:
		switch {
		case o.nextIf('A'):
			k = KindDefaultArgumentInitializer
			name = o.num(KindNumber, o.mustIndex("default argument index"))
		case o.nextIf('i'):
			k = KindInitializer
		default:
			o.fail("initializer", "unknown initializer")
		}
		hasType = false
	default:
		name = o.declName()
	}

	ent := o.newNode(k)
	if wrap {
		// Accessors wrap a variable or subscript node, as in the current
		// mangling; a subscript is an accessor named "subscript".
		sub := false
		switch {
		case name.Kind == KindIdentifier && name.Text == "subscript":
			sub, name = true, nil
		case name.Kind == KindPrivateDeclName && len(name.Children) > 1 && name.Children[1].Text == "subscript":
			sub = true
			name = o.with(KindPrivateDeclName, name.Children[0])
		}
		wk := KindVariable
		if sub {
			wk = KindSubscript
		}
		w := o.with(wk, ctx)
		if !sub {
			o.add(w, name)
		}
		if hasType {
			o.add(w, o.typ())
		}
		if sub && name != nil {
			o.add(w, name)
		}
		o.add(ent, w)
	} else {
		o.add(ent, ctx)
		if name != nil {
			o.add(ent, name)
		}
		if hasType {
			o.add(ent, o.typ())
		}
	}
	if static {
		return o.with(KindStatic, ent)
	}
	return ent
}

package swift

import "strings"

// This file demangles identifiers (with word substitutions and Punycode),
// operators, local and private declaration names, substitutions and the
// standard type abbreviations (Mangling.rst, "Identifiers" and
// "Substitutions").

// identifier demangles a run-length encoded identifier, registering its
// words for later word substitutions and the identifier itself as a
// substitution.
func (d *demangler) identifier() *Node {
	c := d.peek()
	if !isDigit(c) {
		d.fail("identifier", "unexpected character "+quoteByte(c))
	}
	wordSubsts, punycoded := false, false
	if c == '0' {
		d.next()
		if d.peek() == '0' {
			d.next()
			punycoded = true
		} else {
			wordSubsts = true
		}
	}
	id := d.scratch[:0]
	defer func() { d.scratch = id[:0] }()
	for {
		for wordSubsts && isLetter(d.peek()) {
			c := d.next()
			var w int
			if isLower(c) {
				w = int(c - 'a')
			} else {
				w = int(c - 'A')
				wordSubsts = false
			}
			if w >= d.nwords {
				d.fail("identifier", "word substitution out of range")
			}
			id = append(id, d.words[w]...)
		}
		if d.nextIf('0') {
			break
		}
		n := d.natural()
		if n <= 0 {
			d.fail("identifier", "bad length")
		}
		if punycoded {
			d.nextIf('_')
		}
		if n > len(d.text)-d.pos {
			d.fail("identifier", "length runs past the end")
		}
		s := d.text[d.pos : d.pos+n]
		if !punycoded && !wordSubsts && len(id) == 0 {
			// The common case, a plain identifier: a slice of the name.
			d.addWords(s)
			d.pos += n
			return d.identNode(s)
		}
		if punycoded {
			dec, ok := decodePunycode(s)
			if !ok {
				d.fail("identifier", "bad punycode")
			}
			// A raw identifier's spaces are mangled as U+00A0.
			id = append(id, strings.ReplaceAll(dec, "\u00a0", " ")...)
		} else {
			id = append(id, s...)
			d.addWords(s)
		}
		d.pos += n
		if !wordSubsts {
			break
		}
	}
	if len(id) == 0 {
		d.fail("identifier", "empty identifier")
	}
	return d.identNode(string(id))
}

func (d *demangler) identNode(s string) *Node {
	n := d.str(KindIdentifier, s)
	d.addSubst(n)
	return n
}

// addWords records the words of a literal identifier part: a word starts at
// a non-digit, non-underscore character and ends before an underscore, at the
// end, or before an uppercase letter that follows a non-uppercase one. Only
// words of two or more characters count, and at most 26 are kept.
func (d *demangler) addWords(s string) {
	start := -1
	for i := 0; i <= len(s); i++ {
		var c byte
		if i < len(s) {
			c = s[i]
		}
		if start >= 0 && (c == '_' || c == 0 || (!isUpper(s[i-1]) && isUpper(c))) {
			if i-start >= 2 && d.nwords < len(d.words) {
				d.words[d.nwords] = s[start:i]
				d.nwords++
			}
			start = -1
		}
		if start < 0 && c != 0 && c != '_' && !isDigit(c) {
			start = i
		}
	}
}

// operatorChars maps the letters of a mangled operator name to operator
// characters; a space marks a letter that is not used.
const operatorChars = "& @/= >    <*!|+?%-~   ^ ."

// decodeOperator maps a mangled operator name to its characters, passing
// non-ASCII bytes through. It reports false for an unmapped letter.
func decodeOperator(s string) (string, bool) {
	b := make([]byte, 0, len(s))
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c >= 0x80 {
			b = append(b, c)
			continue
		}
		if !isLower(c) || operatorChars[c-'a'] == ' ' {
			return "", false
		}
		b = append(b, operatorChars[c-'a'])
	}
	return string(b), true
}

func (d *demangler) operatorIdentifier() *Node {
	id := d.mustPop(KindIdentifier)
	op, ok := decodeOperator(id.Text)
	if !ok {
		d.fail("operator", "bad operator character")
	}
	switch d.next() {
	case 'i':
		return d.str(KindInfixOperator, op)
	case 'p':
		return d.str(KindPrefixOperator, op)
	case 'P':
		return d.str(KindPostfixOperator, op)
	}
	d.back()
	d.fail("operator", "unknown fixity")
	return nil
}

// localIdentifier demangles the 'L' operators: file-private names, local
// declarations and related entities.
func (d *demangler) localIdentifier() *Node {
	if d.nextIf('L') {
		disc := d.mustPop(KindIdentifier)
		name := d.mustPopIf(isDeclName, "private name")
		return d.with(KindPrivateDeclName, disc, name)
	}
	if d.nextIf('l') {
		return d.with(KindPrivateDeclName, d.mustPop(KindIdentifier))
	}
	if c := d.peek(); (c >= 'a' && c <= 'j') || (c >= 'A' && c <= 'J') {
		kind := d.str(KindIdentifier, d.text[d.pos:d.pos+1])
		d.next()
		name := d.must(d.pop(), "related entity")
		return d.with(KindRelatedEntityDeclName, kind, name)
	}
	disc := d.indexNode()
	name := d.mustPopIf(isDeclName, "local name")
	return d.with(KindLocalDeclName, disc, name)
}

// multiSubstitution demangles 'A' substitutions: "A_" / "A" N "_" for index
// 26 and above, or one or more letter indexes (the last one uppercase), each
// optionally preceded by a repeat count.
func (d *demangler) multiSubstitution() *Node {
	repeat := -1
	for {
		c := d.next()
		switch {
		case c == 0:
			d.fail("substitution", "unexpected end")
		case isLower(c):
			d.push(d.repeatSubst(repeat, int(c-'a')))
			repeat = -1
		case isUpper(c):
			return d.repeatSubst(repeat, int(c-'A'))
		case c == '_':
			i := repeat + 27
			if i >= len(d.subs) {
				d.fail("substitution", "index out of range")
			}
			return d.subs[i]
		default:
			d.back()
			repeat = d.natural()
			if repeat < 0 {
				d.fail("substitution", "bad repeat count")
			}
		}
	}
}

// repeatSubst returns substitution i, pushing it repeat-1 extra times.
func (d *demangler) repeatSubst(repeat, i int) *Node {
	if i >= len(d.subs) {
		d.fail("substitution", "index out of range")
	}
	if repeat > maxRepeat {
		d.fail("substitution", "repeat count too large")
	}
	n := d.subs[i]
	for ; repeat > 1; repeat-- {
		d.push(n)
	}
	return n
}

// standardSubstitution demangles 'S' abbreviations: the known modules, the
// Optional shorthand "Sg" and the standard library types.
func (d *demangler) standardSubstitution() *Node {
	switch d.next() {
	case 'o':
		return d.str(KindModule, "__C")
	case 'C':
		return d.str(KindModule, "__C_Synthesized")
	case 'g':
		opt := d.typ(d.with(KindBoundGenericEnum,
			d.swiftType(KindEnum, "Optional"),
			d.with(KindTypeList, d.mustPop(KindType))))
		d.addSubst(opt)
		return opt
	}
	d.back()
	repeat := d.natural()
	if repeat > maxRepeat {
		d.fail("substitution", "repeat count too large")
	}
	second := d.nextIf('c')
	c := d.next()
	st, ok := standardType(c, second)
	if !ok {
		d.back()
		d.fail("substitution", "unknown standard type "+quoteByte(c))
	}
	n := d.swiftType(st.kind, st.name)
	for ; repeat > 1; repeat-- {
		d.push(n)
	}
	return n
}

// swiftType returns the Type node of a standard library nominal type.
func (d *demangler) swiftType(k Kind, name string) *Node {
	return d.typ(d.with(k, d.str(KindModule, "Swift"), d.str(KindIdentifier, name)))
}

type stdType struct {
	kind Kind
	name string
}

// standardType looks up the type abbreviated by "S" c (or "Sc" c when
// second is set).
func standardType(c byte, second bool) (stdType, bool) {
	if !isLetter(c) {
		return stdType{}, false
	}
	var t stdType
	if second {
		t = standardTypes2[c]
	} else {
		t = standardTypes1[c]
	}
	return t, t.name != ""
}

var standardTypes1 = [256]stdType{
	'A': {KindStructure, "AutoreleasingUnsafeMutablePointer"},
	'a': {KindStructure, "Array"},
	'b': {KindStructure, "Bool"},
	'D': {KindStructure, "Dictionary"},
	'd': {KindStructure, "Double"},
	'f': {KindStructure, "Float"},
	'h': {KindStructure, "Set"},
	'I': {KindStructure, "DefaultIndices"},
	'i': {KindStructure, "Int"},
	'J': {KindStructure, "Character"},
	'N': {KindStructure, "ClosedRange"},
	'n': {KindStructure, "Range"},
	'O': {KindStructure, "ObjectIdentifier"},
	'P': {KindStructure, "UnsafePointer"},
	'p': {KindStructure, "UnsafeMutablePointer"},
	'R': {KindStructure, "UnsafeBufferPointer"},
	'r': {KindStructure, "UnsafeMutableBufferPointer"},
	'S': {KindStructure, "String"},
	's': {KindStructure, "Substring"},
	'u': {KindStructure, "UInt"},
	'V': {KindStructure, "UnsafeRawPointer"},
	'v': {KindStructure, "UnsafeMutableRawPointer"},
	'W': {KindStructure, "UnsafeRawBufferPointer"},
	'w': {KindStructure, "UnsafeMutableRawBufferPointer"},
	'q': {KindEnum, "Optional"},
	'B': {KindProtocol, "BinaryFloatingPoint"},
	'E': {KindProtocol, "Encodable"},
	'e': {KindProtocol, "Decodable"},
	'F': {KindProtocol, "FloatingPoint"},
	'G': {KindProtocol, "RandomNumberGenerator"},
	'H': {KindProtocol, "Hashable"},
	'j': {KindProtocol, "Numeric"},
	'K': {KindProtocol, "BidirectionalCollection"},
	'k': {KindProtocol, "RandomAccessCollection"},
	'L': {KindProtocol, "Comparable"},
	'l': {KindProtocol, "Collection"},
	'M': {KindProtocol, "MutableCollection"},
	'm': {KindProtocol, "RangeReplaceableCollection"},
	'Q': {KindProtocol, "Equatable"},
	'T': {KindProtocol, "Sequence"},
	't': {KindProtocol, "IteratorProtocol"},
	'U': {KindProtocol, "UnsignedInteger"},
	'X': {KindProtocol, "RangeExpression"},
	'x': {KindProtocol, "Strideable"},
	'Y': {KindProtocol, "RawRepresentable"},
	'y': {KindProtocol, "StringProtocol"},
	'Z': {KindProtocol, "SignedInteger"},
	'z': {KindProtocol, "BinaryInteger"},
}

var standardTypes2 = [256]stdType{
	'A': {KindProtocol, "Actor"},
	'C': {KindStructure, "CheckedContinuation"},
	'c': {KindStructure, "UnsafeContinuation"},
	'E': {KindStructure, "CancellationError"},
	'e': {KindStructure, "UnownedSerialExecutor"},
	'F': {KindProtocol, "Executor"},
	'f': {KindProtocol, "SerialExecutor"},
	'G': {KindStructure, "TaskGroup"},
	'g': {KindStructure, "ThrowingTaskGroup"},
	'h': {KindProtocol, "TaskExecutor"},
	'I': {KindProtocol, "AsyncIteratorProtocol"},
	'i': {KindProtocol, "AsyncSequence"},
	'J': {KindStructure, "UnownedJob"},
	'M': {KindClass, "MainActor"},
	'P': {KindStructure, "TaskPriority"},
	'S': {KindStructure, "AsyncStream"},
	's': {KindStructure, "AsyncThrowingStream"},
	'T': {KindStructure, "Task"},
	't': {KindStructure, "UnsafeCurrentTask"},
}

// popModule pops a module, turning an identifier on the stack into one.
func (d *demangler) popModule() *Node {
	if id := d.popKind(KindIdentifier); id != nil {
		return d.clone(id, KindModule)
	}
	return d.popKind(KindModule)
}

// popContext pops the declaration context of an entity: a module, a
// nominal type (unwrapping its Type node) or another entity.
func (d *demangler) popContext() *Node {
	if m := d.popModule(); m != nil {
		return m
	}
	if t := d.popKind(KindType); t != nil {
		if len(t.Children) != 1 || !isContextKind(t.Children[0].Kind) {
			d.fail("context", "type is not a declaration context")
		}
		return t.Children[0]
	}
	return d.mustPopIf(isContextKind, "context")
}

// popTypeChild pops a Type node and returns its single child.
func (d *demangler) popTypeChild() *Node {
	t := d.mustPop(KindType)
	if len(t.Children) != 1 {
		d.fail("type", "malformed type")
	}
	return t.Children[0]
}

// popAnyGeneric pops a Type node wrapping a nominal type.
func (d *demangler) popAnyGeneric() *Node {
	c := d.popTypeChild()
	if !isAnyGeneric(c.Kind) {
		d.fail("type", "not a nominal type")
	}
	return c
}

func quoteByte(c byte) string {
	if c >= 0x20 && c < 0x7F {
		return "'" + string(rune(c)) + "'"
	}
	const hex = "0123456789abcdef"
	return "0x" + string([]byte{hex[c>>4], hex[c&15]})
}

package demangle

// This file is a fast path for the commonest shapes of Itanium C++ names:
// a function or variable named by a plain or nested name
// ("CA::Layer::layout_if_needed"), with constructors, destructors and const
// methods, whose parameters are builtin types, class names and
// substitutions, under pointers, references and const
// ("(CA::Transaction*, char const*, int)"). It spells them exactly as the
// full demangler does with its LLVM style, without building a syntax tree:
// that demangler allocates a tree per name and copies it to simplify it,
// which made C++ names most of the cost of a batch's demangling.
//
// Anything else (templates, operators, std:: abbreviations, anonymous
// namespaces, function and array types, clone suffixes, …) returns ok
// false, and the caller uses the full demangler. A name is either
// understood whole or not at all; FuzzCXXFast holds the two to the same
// answers.

import "bytes"

// cxxFast is the fast path's state, kept in a Demangler for reuse.
type cxxFast struct {
	s     string
	i     int
	arena []byte // printed forms of substitution candidates and types
	subs  []span // substitution candidates, in order, as spans of arena
	out   []byte // the result
}

// span is a half-open range of cxxFast.arena.
type span struct{ a, b int }

// maxCXXFast bounds the fast path's output (substitutions can repeat long
// prefixes); longer names go to the full demangler and its own bound.
const maxCXXFast = 1 << 16

// demangle returns the LLVM-style spelling of the C++ name s ("_Z…"), or
// ok false when s is not of a shape the fast path knows.
func (f *cxxFast) demangle(s string) (string, bool) {
	if len(s) < 3 || s[0] != '_' || s[1] != 'Z' {
		return "", false
	}
	f.s, f.i = s, 2
	f.arena, f.subs, f.out = f.arena[:0], f.subs[:0], f.out[:0]
	var name span
	constMethod := false
	switch c := f.peek(); {
	case c == 'N':
		f.i++
		if f.peek() == 'K' {
			constMethod = true
			f.i++
		}
		var ok bool
		if name, ok = f.nested(false); !ok {
			return "", false
		}
	case c == 'L':
		f.i++
		fallthrough
	case isDigit(c):
		id, ok := f.sourceName()
		if !ok {
			return "", false
		}
		name = f.push(id)
	default:
		return "", false
	}
	f.out = append(f.out, f.arena[name.a:name.b]...)
	if f.i == len(s) {
		// A variable (no parameter list); a const qualifier needs one.
		return string(f.out), !constMethod
	}
	f.out = append(f.out, '(')
	if f.s[f.i] == 'v' && f.i+1 == len(s) {
		f.i++
	} else {
		for n := 0; f.i < len(s); n++ {
			if n > 0 {
				f.out = append(f.out, ", "...)
			}
			if f.s[f.i] == 'z' {
				f.i++
				f.out = append(f.out, "..."...)
				if f.i != len(s) {
					return "", false // "..." comes last
				}
				break
			}
			t, ok := f.typ(false)
			if !ok {
				return "", false
			}
			f.out = append(f.out, f.arena[t.a:t.b]...)
			if len(f.out) > maxCXXFast {
				return "", false
			}
		}
	}
	f.out = append(f.out, ')')
	if constMethod {
		f.out = append(f.out, " const"...)
	}
	return string(f.out), true
}

func (f *cxxFast) peek() byte {
	if f.i < len(f.s) {
		return f.s[f.i]
	}
	return 0
}

// sourceName reads <length><identifier>, an identifier of letters, digits,
// '_' and '$' that does not name an anonymous namespace.
func (f *cxxFast) sourceName() (string, bool) {
	n := 0
	start := f.i
	for f.i < len(f.s) && isDigit(f.s[f.i]) {
		n = n*10 + int(f.s[f.i]-'0')
		if f.i++; n > len(f.s) {
			return "", false
		}
	}
	if f.i == start || f.s[start] == '0' || n > len(f.s)-f.i {
		return "", false
	}
	id := f.s[f.i : f.i+n]
	for j := 0; j < len(id); j++ {
		if c := id[j]; !(isDigit(c) || 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || c == '_' || c == '$') {
			return "", false
		}
	}
	if hasPrefix(id, "_GLOBAL_") {
		return "", false // "(anonymous namespace)" and the like
	}
	f.i += n
	return id, true
}

// push appends s to the arena and returns its span.
func (f *cxxFast) push(s string) span {
	a := len(f.arena)
	f.arena = append(f.arena, s...)
	return span{a, len(f.arena)}
}

// join appends prefix, sep and id to the arena and returns the span.
func (f *cxxFast) join(prefix span, sep, id string) span {
	a := len(f.arena)
	f.arena = append(f.arena, f.arena[prefix.a:prefix.b]...)
	f.arena = append(f.arena, sep...)
	f.arena = append(f.arena, id...)
	return span{a, len(f.arena)}
}

// suffixed appends t followed by suffix to the arena and returns the span.
func (f *cxxFast) suffixed(t span, suffix string) span {
	a := len(f.arena)
	f.arena = append(f.arena, f.arena[t.a:t.b]...)
	f.arena = append(f.arena, suffix...)
	return span{a, len(f.arena)}
}

// nested reads a nested name after its 'N' (and qualifiers) through its
// 'E'. Every prefix is a substitution candidate; so is the whole name when
// it names a type, and not when it names the function being encoded. The
// function's last component may be a constructor or destructor.
func (f *cxxFast) nested(isType bool) (span, bool) {
	var cur span
	var last string // the last source name read, for constructors
	parts := 1
	fresh := true // cur is not a candidate yet (it is when it came from a substitution)
	switch c := f.peek(); {
	case c == 'S':
		sub, ok := f.substitution()
		if !ok {
			return span{}, false
		}
		cur, fresh = sub, false
	case isDigit(c):
		id, ok := f.sourceName()
		if !ok {
			return span{}, false
		}
		cur, last = f.push(id), id
	default:
		return span{}, false
	}
	for {
		switch c := f.peek(); {
		case c == 'E' && parts > 1:
			f.i++
			if isType && fresh {
				f.subs = append(f.subs, cur)
			}
			return cur, len(f.arena) <= maxCXXFast
		case isDigit(c):
			if fresh {
				f.subs = append(f.subs, cur) // the prefix so far
			}
			id, ok := f.sourceName()
			if !ok {
				return span{}, false
			}
			cur, last, fresh = f.join(cur, "::", id), id, true
			parts++
		case (c == 'C' || c == 'D') && !isType && last != "":
			// C1 C2 C3 (constructors), D0 D1 D2 (destructors), last.
			if f.i+2 >= len(f.s) || f.s[f.i+2] != 'E' {
				return span{}, false
			}
			k := f.s[f.i+1]
			if c == 'C' && (k < '1' || k > '3') || c == 'D' && (k < '0' || k > '2') {
				return span{}, false
			}
			if fresh {
				f.subs = append(f.subs, cur)
			}
			if c == 'D' {
				cur = f.join(cur, "::~", last)
			} else {
				cur = f.join(cur, "::", last)
			}
			f.i += 3
			return cur, len(f.arena) <= maxCXXFast
		default:
			return span{}, false
		}
	}
}

// substitution reads S_ or S<base-36 number>_ and returns that candidate.
func (f *cxxFast) substitution() (span, bool) {
	f.i++ // 'S'
	n := 0
	if f.peek() != '_' {
		for {
			c := f.peek()
			switch {
			case isDigit(c):
				n = n*36 + int(c-'0')
			case 'A' <= c && c <= 'Z':
				n = n*36 + int(c-'A') + 10
			default:
				return span{}, false // St, Sa, … and malformed numbers
			}
			if f.i++; n > len(f.s) {
				return span{}, false
			}
			if f.peek() == '_' {
				break
			}
		}
		n++
	}
	f.i++ // '_'
	if n >= len(f.subs) {
		return span{}, false
	}
	return f.subs[n], true
}

// builtinTypes spells the builtin types the fast path knows, by code.
var builtinTypes = [256]string{
	'v': "void", 'w': "wchar_t", 'b': "bool", 'c': "char", 'a': "signed char", 'h': "unsigned char",
	's': "short", 't': "unsigned short", 'i': "int", 'j': "unsigned int", 'l': "long",
	'm': "unsigned long", 'x': "long long", 'y': "unsigned long long", 'f': "float", 'd': "double",
	'e': "long double",
}

// typ reads one parameter type and returns its spelling; void is a type
// only under a pointer, reference or const (inner).
func (f *cxxFast) typ(inner bool) (span, bool) {
	c := f.peek()
	switch {
	case builtinTypes[c] != "" && (c != 'v' || inner):
		f.i++
		return f.push(builtinTypes[c]), true // builtins are not candidates
	case c == 'D':
		if f.i+1 < len(f.s) {
			switch f.s[f.i+1] {
			case 's':
				f.i += 2
				return f.push("char16_t"), true
			case 'i':
				f.i += 2
				return f.push("char32_t"), true
			}
		}
		return span{}, false
	case c == 'P' || c == 'R' || c == 'O' || c == 'K':
		f.i++
		t, ok := f.typ(true)
		if !ok || f.arena[t.b-1] == '&' || c == 'K' && bytes.HasSuffix(f.arena[t.a:t.b], []byte(" const")) {
			return span{}, false // reference collapsing, const references, doubled const
		}
		switch c {
		case 'P':
			t = f.suffixed(t, "*")
		case 'R':
			t = f.suffixed(t, "&")
		case 'O':
			t = f.suffixed(t, "&&")
		case 'K':
			t = f.suffixed(t, " const")
		}
		f.subs = append(f.subs, t)
		return t, len(f.arena) <= maxCXXFast
	case c == 'N':
		f.i++
		return f.nested(true)
	case c == 'S':
		return f.substitution()
	case isDigit(c):
		id, ok := f.sourceName()
		if !ok {
			return span{}, false
		}
		t := f.push(id)
		f.subs = append(f.subs, t)
		return t, true
	}
	return span{}, false
}

func isDigit(c byte) bool { return '0' <= c && c <= '9' }

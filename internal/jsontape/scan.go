// Package jsontape is a small validating JSON scanner of our own, for
// formats that write a document back with a few members changed and
// everything else byte for byte as read: it checks the grammar (RFC 8259),
// records each value's byte span on a Tape, and applies Edits. Nesting is
// bounded by MaxDepth and the scanner is iterative, so hostile input cannot
// exhaust the stack.
package jsontape

import (
	"encoding/binary"
	"fmt"
	"math/bits"
	"strconv"
	"unicode/utf8"
)

// This file holds the scanner. It does not build values; it checks the
// grammar and reports byte spans, which is what a writer needs to edit
// objects in place and what a decoder needs to hand single members to
// go-json. All positions are absolute offsets into the input.

// MaxDepth bounds nesting; Apple's reports nest about 7 deep.
const MaxDepth = 512

// SyntaxError is a syntax error at an absolute offset.
type SyntaxError struct {
	Off int    // absolute offset of the error
	Msg string // what is wrong
}

func (e *SyntaxError) Error() string { return e.Msg }

func isWS(c byte) bool { return c == ' ' || c == '\t' || c == '\n' || c == '\r' }

// SkipWS returns the first offset at or after i that is not JSON whitespace.
func SkipWS(b []byte, i int) int {
	for i < len(b) && isWS(b[i]) {
		i++
	}
	return i
}

// scanString checks the string starting at b[i] == '"' and returns the offset
// just past its closing quote.
func scanString(b []byte, i int) (int, *SyntaxError) {
	if i >= len(b) || b[i] != '"' {
		return i, &SyntaxError{i, "expected a string"}
	}
	start := i
	for i = plainRun(b, i+1); i < len(b); i = plainRun(b, i) {
		switch c := b[i]; {
		case c == '"':
			return i + 1, nil
		case c == '\\':
			if i+1 >= len(b) {
				return i, &SyntaxError{i, "unterminated escape in string"}
			}
			switch b[i+1] {
			case '"', '\\', '/', 'b', 'f', 'n', 'r', 't':
				i += 2
			case 'u':
				if i+6 > len(b) {
					return i, &SyntaxError{i, "truncated \\u escape in string"}
				}
				for _, h := range b[i+2 : i+6] {
					if !isHex(h) {
						return i, &SyntaxError{i, "bad \\u escape in string"}
					}
				}
				i += 6
			default:
				return i, &SyntaxError{i, fmt.Sprintf("bad escape \\%c in string", b[i+1])}
			}
		default: // c < 0x20
			return i, &SyntaxError{i, "control character in string"}
		}
	}
	return start, &SyntaxError{start, "unterminated string"}
}

// SWAR constants: a byte of ones, and each byte's high bit.
const (
	ones  = 0x0101010101010101
	highs = 0x8080808080808080
)

// plainRun returns the offset of the first byte at or after i that ends a
// run of plain string bytes (a quote, a backslash or a control character),
// or len(b). It looks at eight bytes at a time: a byte of w is zero exactly
// when (w-ones)&^w has its high bit, and comparing with a byte value is
// finding a zero in w XOR that value; bytes below 0x20 are found the same
// way with 0x20 for ones. Each test may mark bytes after a true find, never
// a block without one, so a marked block is re-read byte by byte.
func plainRun(b []byte, i int) int {
	for ; i+8 <= len(b); i += 8 {
		w := binary.LittleEndian.Uint64(b[i:])
		q, s := w^('"'*ones), w^('\\'*ones)
		if ((q-ones)&^q|(s-ones)&^s|(w-0x20*ones)&^w)&highs != 0 {
			break
		}
	}
	for ; i < len(b); i++ {
		if c := b[i]; c == '"' || c == '\\' || c < 0x20 {
			return i
		}
	}
	return i
}

// simpleEnd returns the offset of the first byte at or after i of s that
// Unquote cannot copy as it is (a backslash, or a byte of 0x80 or more), or
// len(s), eight bytes at a time as plainRun does. A find marks no byte
// below it, so the lowest marked byte is the first.
func simpleEnd(s []byte, i int) int {
	for ; i+8 <= len(s); i += 8 {
		w := binary.LittleEndian.Uint64(s[i:])
		e := w ^ ('\\' * ones)
		if m := (w | (e-ones)&^e) & highs; m != 0 {
			return i + bits.TrailingZeros64(m)/8
		}
	}
	for ; i < len(s); i++ {
		if c := s[i]; c == '\\' || c >= utf8.RuneSelf {
			break
		}
	}
	return i
}

func isHex(c byte) bool {
	return '0' <= c && c <= '9' || 'a' <= c && c <= 'f' || 'A' <= c && c <= 'F'
}

func isDigit(c byte) bool { return '0' <= c && c <= '9' }

// scanNumber checks the number starting at b[i] and returns the offset past it.
func scanNumber(b []byte, i int) (int, *SyntaxError) {
	start := i
	if i < len(b) && b[i] == '-' {
		i++
	}
	switch {
	case i < len(b) && b[i] == '0':
		i++
	case i < len(b) && '1' <= b[i] && b[i] <= '9':
		for i < len(b) && isDigit(b[i]) {
			i++
		}
	default:
		return start, &SyntaxError{start, "bad number"}
	}
	if i < len(b) && b[i] == '.' {
		i++
		if i >= len(b) || !isDigit(b[i]) {
			return start, &SyntaxError{start, "bad number: no digits after '.'"}
		}
		for i < len(b) && isDigit(b[i]) {
			i++
		}
	}
	if i < len(b) && (b[i] == 'e' || b[i] == 'E') {
		i++
		if i < len(b) && (b[i] == '+' || b[i] == '-') {
			i++
		}
		if i >= len(b) || !isDigit(b[i]) {
			return start, &SyntaxError{start, "bad number: no digits in exponent"}
		}
		for i < len(b) && isDigit(b[i]) {
			i++
		}
	}
	return i, nil
}

func scanLiteral(b []byte, i int) (int, *SyntaxError) {
	for _, lit := range [...]string{"true", "false", "null"} {
		if len(b)-i >= len(lit) && string(b[i:i+len(lit)]) == lit {
			return i + len(lit), nil
		}
	}
	return i, &SyntaxError{i, "invalid character " + strconv.QuoteRune(firstRune(b[i:])) + " looking for a value"}
}

func firstRune(b []byte) rune {
	r, _ := utf8.DecodeRune(b)
	return r
}

// ScanValue checks the JSON value starting at or after i (leading whitespace
// skipped) and returns its start and the offset just past it. It is iterative,
// so deep nesting cannot exhaust the stack; nesting beyond MaxDepth is an
// error.
func ScanValue(b []byte, i int) (start, end int, err *SyntaxError) {
	var stack []byte // '{' or '[' for each open container
	i = SkipWS(b, i)
	start = i
	for {
		// A value is expected at i.
		if i >= len(b) {
			return start, i, &SyntaxError{i, "unexpected end of input, expected a value"}
		}
		var e *SyntaxError
		switch c := b[i]; {
		case c == '{' || c == '[':
			if len(stack) >= MaxDepth {
				return start, i, &SyntaxError{i, "nesting deeper than " + strconv.Itoa(MaxDepth)}
			}
			stack = append(stack, c)
			i = SkipWS(b, i+1)
			closer := byte('}')
			if c == '[' {
				closer = ']'
			}
			if i < len(b) && b[i] == closer {
				stack = stack[:len(stack)-1]
				i++
				break
			}
			if c == '{' {
				if i, e = scanKeyColon(b, i); e != nil {
					return start, i, e
				}
			}
			continue
		case c == '"':
			i, e = scanString(b, i)
		case c == '-' || isDigit(c):
			i, e = scanNumber(b, i)
		default:
			i, e = scanLiteral(b, i)
		}
		if e != nil {
			return start, i, e
		}
		// After a value: close containers or move to the next element.
		for {
			if len(stack) == 0 {
				return start, i, nil
			}
			i = SkipWS(b, i)
			if i >= len(b) {
				return start, i, &SyntaxError{i, "unexpected end of input inside " + containerName(stack[len(stack)-1])}
			}
			top := stack[len(stack)-1]
			if b[i] == ',' {
				i = SkipWS(b, i+1)
				if top == '{' {
					if i, e = scanKeyColon(b, i); e != nil {
						return start, i, e
					}
				}
				break
			}
			if top == '{' && b[i] == '}' || top == '[' && b[i] == ']' {
				stack = stack[:len(stack)-1]
				i++
				continue
			}
			if top == '{' {
				return start, i, &SyntaxError{i, "expected ',' or '}' in object"}
			}
			return start, i, &SyntaxError{i, "expected ',' or ']' in array"}
		}
	}
}

func containerName(c byte) string {
	if c == '{' {
		return "object"
	}
	return "array"
}

// scanKeyColon checks `"key" :` at i and returns the offset of the value.
func scanKeyColon(b []byte, i int) (int, *SyntaxError) {
	if i >= len(b) || b[i] != '"' {
		return i, &SyntaxError{i, "expected a string key in object"}
	}
	i, e := scanString(b, i)
	if e != nil {
		return i, e
	}
	i = SkipWS(b, i)
	if i >= len(b) || b[i] != ':' {
		return i, &SyntaxError{i, "expected ':' after object key"}
	}
	return SkipWS(b, i+1), nil
}

// Span is a half-open byte range [start, end) of the input.
type Span struct{ Start, End int }

// EachMember calls fn for each member of the (already validated) object
// whose '{' is at b[start], in document order, with the key as written
// (quotes included) and the Span of the whole member, key to end of value.
// It allocates nothing.
func EachMember(b []byte, start int, fn func(rawKey []byte, member Span)) error {
	if start >= len(b) || b[start] != '{' {
		return &SyntaxError{start, "expected an object"}
	}
	i := SkipWS(b, start+1)
	if i < len(b) && b[i] == '}' {
		return nil
	}
	for {
		ks := i
		ke, e := scanString(b, i)
		if e != nil {
			return e
		}
		i = SkipWS(b, ke)
		if i >= len(b) || b[i] != ':' {
			return &SyntaxError{i, "expected ':' after object key"}
		}
		_, ve, e := ScanValue(b, i+1)
		if e != nil {
			return e
		}
		fn(b[ks:ke], Span{ks, ve})
		i = SkipWS(b, ve)
		if i >= len(b) {
			return &SyntaxError{i, "unexpected end of input inside object"}
		}
		if b[i] == '}' {
			return nil
		}
		if b[i] != ',' {
			return &SyntaxError{i, "expected ',' or '}' in object"}
		}
		i = SkipWS(b, i+1)
	}
}

// ArrayElems lists the element spans of the (already validated) array whose
// '[' is at b[start].
func ArrayElems(b []byte, start int) ([]Span, error) {
	if start >= len(b) || b[start] != '[' {
		return nil, &SyntaxError{start, "expected an array"}
	}
	var out []Span
	i := SkipWS(b, start+1)
	if i < len(b) && b[i] == ']' {
		return out, nil
	}
	for {
		vs, ve, e := ScanValue(b, i)
		if e != nil {
			return nil, e
		}
		out = append(out, Span{vs, ve})
		i = SkipWS(b, ve)
		if i >= len(b) {
			return nil, &SyntaxError{i, "unexpected end of input inside array"}
		}
		if b[i] == ']' {
			return out, nil
		}
		if b[i] != ',' {
			return nil, &SyntaxError{i, "expected ',' or ']' in array"}
		}
		i = SkipWS(b, i+1)
	}
}

// Unquote decodes a JSON string literal (quotes included). Invalid UTF-8 and
// lone surrogates become U+FFFD.
func Unquote(q []byte) (string, bool) {
	if len(q) < 2 || q[0] != '"' || q[len(q)-1] != '"' {
		return "", false
	}
	s := q[1 : len(q)-1]
	i := simpleEnd(s, 0)
	if i == len(s) {
		return string(s), true
	}
	var small [256]byte // most strings (paths with escaped slashes) fit
	out := small[:0]
	if len(s) > len(small) {
		out = make([]byte, 0, len(s))
	}
	out = append(out, s[:i]...)
	for {
		j := simpleEnd(s, i)
		out = append(out, s[i:j]...)
		if i = j; i >= len(s) {
			break
		}
		if s[i] != '\\' {
			r, n := utf8.DecodeRune(s[i:])
			out = utf8.AppendRune(out, r)
			i += n
			continue
		}
		if i+1 >= len(s) {
			return "", false
		}
		switch s[i+1] {
		case '"', '\\', '/':
			out = append(out, s[i+1])
		case 'b':
			out = append(out, '\b')
		case 'f':
			out = append(out, '\f')
		case 'n':
			out = append(out, '\n')
		case 'r':
			out = append(out, '\r')
		case 't':
			out = append(out, '\t')
		case 'u':
			r, ok := hex4(s[i+2:])
			if !ok {
				return "", false
			}
			i += 6
			if utf16IsHigh(r) && i+6 <= len(s) && s[i] == '\\' && s[i+1] == 'u' {
				if r2, ok := hex4(s[i+2:]); ok && utf16IsLow(r2) {
					r = (r-0xD800)<<10 | (r2 - 0xDC00) + 0x10000
					i += 6
				}
			}
			if utf16IsHigh(r) || utf16IsLow(r) {
				r = utf8.RuneError
			}
			out = utf8.AppendRune(out, r)
			continue
		default:
			return "", false
		}
		i += 2
	}
	return string(out), true
}

func hex4(b []byte) (rune, bool) {
	if len(b) < 4 {
		return 0, false
	}
	var r rune
	for _, c := range b[:4] {
		var v byte
		switch {
		case '0' <= c && c <= '9':
			v = c - '0'
		case 'a' <= c && c <= 'f':
			v = c - 'a' + 10
		case 'A' <= c && c <= 'F':
			v = c - 'A' + 10
		default:
			return 0, false
		}
		r = r<<4 | rune(v)
	}
	return r, true
}

func utf16IsHigh(r rune) bool { return 0xD800 <= r && r < 0xDC00 }
func utf16IsLow(r rune) bool  { return 0xDC00 <= r && r < 0xE000 }

// ParseUint parses a JSON integer literal as an exact uint64.
func ParseUint(b []byte) (uint64, bool) {
	if len(b) == 0 || len(b) > 20 {
		return 0, false
	}
	var v uint64
	for _, c := range b {
		if !isDigit(c) {
			return 0, false
		}
		d := uint64(c - '0')
		if v > (1<<64-1-d)/10 {
			return 0, false
		}
		v = v*10 + d
	}
	return v, true
}

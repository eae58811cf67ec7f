package jsontape

import (
	"bytes"
	"math"
	"strconv"
)

// A Tape is the result of one validating pass over a JSON value: one node
// per value (and per object key) in document order, each with its byte Span
// and the index of the node that follows its subtree. Navigation is then a
// walk over the node array, with no rescanning; the tape is dropped after
// parsing.
type Tape struct {
	B     []byte
	Nodes []Node
}

type Node struct {
	Start, End int32 // byte span of the value; for keys, of the quoted key
	Next       int32 // index of the first node after this subtree
	Kind       byte  // '{' '[' '"' '0' (number) 't' 'f' 'n', 'k' (object key)
	Esc        bool  // string or key contains a backslash escape
}

// Build validates the JSON value at or after offset i of b and returns
// its tape and the offset just past it.
func Build(b []byte, i int) (*Tape, int, *SyntaxError) {
	if len(b) > math.MaxInt32 {
		return nil, 0, &SyntaxError{0, "input larger than 2 GiB"}
	}
	t := &Tape{B: b, Nodes: make([]Node, 0, (len(b)-i)/10+16)}
	var stack []int32
	i = SkipWS(b, i)
	leaf := func(s, e int, kind byte, esc bool) {
		n := int32(len(t.Nodes))
		t.Nodes = append(t.Nodes, Node{int32(s), int32(e), n + 1, kind, esc})
	}
	key := func() *SyntaxError {
		if i >= len(b) || b[i] != '"' {
			return &SyntaxError{i, "expected a string key in object"}
		}
		e, esc, err := scanStringEsc(b, i)
		if err != nil {
			return err
		}
		leaf(i, e, 'k', esc)
		i = SkipWS(b, e)
		if i >= len(b) || b[i] != ':' {
			return &SyntaxError{i, "expected ':' after object key"}
		}
		i = SkipWS(b, i+1)
		return nil
	}
	for {
		if i >= len(b) {
			return nil, i, &SyntaxError{i, "unexpected end of input, expected a value"}
		}
		switch c := b[i]; {
		case c == '{' || c == '[':
			if len(stack) >= MaxDepth {
				return nil, i, &SyntaxError{i, "nesting deeper than " + strconv.Itoa(MaxDepth)}
			}
			n := int32(len(t.Nodes))
			t.Nodes = append(t.Nodes, Node{Start: int32(i), Kind: c})
			i = SkipWS(b, i+1)
			closer := byte('}')
			if c == '[' {
				closer = ']'
			}
			if i < len(b) && b[i] == closer {
				i++
				t.Nodes[n].End, t.Nodes[n].Next = int32(i), n+1
				break
			}
			stack = append(stack, n)
			if c == '{' {
				if err := key(); err != nil {
					return nil, i, err
				}
			}
			continue
		case c == '"':
			e, esc, err := scanStringEsc(b, i)
			if err != nil {
				return nil, i, err
			}
			leaf(i, e, '"', esc)
			i = e
		case c == '-' || isDigit(c):
			e, err := scanNumber(b, i)
			if err != nil {
				return nil, i, err
			}
			leaf(i, e, '0', false)
			i = e
		default:
			e, err := scanLiteral(b, i)
			if err != nil {
				return nil, i, err
			}
			leaf(i, e, c, false)
			i = e
		}
		// After a value: close containers or go on to the next element.
		for {
			if len(stack) == 0 {
				return t, i, nil
			}
			i = SkipWS(b, i)
			top := stack[len(stack)-1]
			open := t.Nodes[top].Kind
			if i >= len(b) {
				return nil, i, &SyntaxError{i, "unexpected end of input inside " + containerName(open)}
			}
			if b[i] == ',' {
				i = SkipWS(b, i+1)
				if open == '{' {
					if err := key(); err != nil {
						return nil, i, err
					}
				}
				break
			}
			if open == '{' && b[i] == '}' || open == '[' && b[i] == ']' {
				i++
				t.Nodes[top].End, t.Nodes[top].Next = int32(i), int32(len(t.Nodes))
				stack = stack[:len(stack)-1]
				continue
			}
			if open == '{' {
				return nil, i, &SyntaxError{i, "expected ',' or '}' in object"}
			}
			return nil, i, &SyntaxError{i, "expected ',' or ']' in array"}
		}
	}
}

// scanStringEsc is scanString that also reports whether the string has escapes.
func scanStringEsc(b []byte, i int) (int, bool, *SyntaxError) {
	if i+1 <= len(b) {
		// Fast path: no escapes and no control characters before the quote.
		if j := bytes.IndexByte(b[i+1:], '"'); j >= 0 {
			seg := b[i+1 : i+1+j]
			clean := true
			for _, c := range seg {
				if c < 0x20 || c == '\\' {
					clean = false
					break
				}
			}
			if clean {
				return i + 2 + j, false, nil
			}
		}
	}
	e, err := scanString(b, i)
	return e, true, err
}

func (t *Tape) Span(n int32) Span { return Span{int(t.Nodes[n].Start), int(t.Nodes[n].End)} }
func (t *Tape) Raw(n int32) []byte {
	return t.B[t.Nodes[n].Start:t.Nodes[n].End]
}

// keyIs reports whether key node k is s.
func (t *Tape) KeyIs(k int32, s string) bool {
	nd := &t.Nodes[k]
	if !nd.Esc {
		return string(t.B[nd.Start+1:nd.End-1]) == s
	}
	v, _ := Unquote(t.B[nd.Start:nd.End])
	return v == s
}

// keyBytes returns key node k unquoted, without copying when it has no escapes.
func (t *Tape) KeyBytes(k int32) []byte {
	nd := &t.Nodes[k]
	if !nd.Esc {
		return t.B[nd.Start+1 : nd.End-1]
	}
	v, _ := Unquote(t.B[nd.Start:nd.End])
	return []byte(v)
}

// key returns key node k as a string.
func (t *Tape) Key(k int32) string { return t.Str(k) }

// str returns string node n unescaped, or its JSON text for other kinds.
func (t *Tape) Str(n int32) string {
	nd := &t.Nodes[n]
	switch nd.Kind {
	case '"', 'k':
		if !nd.Esc {
			return string(t.B[nd.Start+1 : nd.End-1])
		}
		v, _ := Unquote(t.B[nd.Start:nd.End])
		return v
	case 'n':
		return ""
	}
	return string(t.B[nd.Start:nd.End])
}

// member finds key in object node o and returns its value node.
func (t *Tape) Member(o int32, key string) (int32, bool) {
	if t.Nodes[o].Kind != '{' {
		return 0, false
	}
	found, ok := int32(0), false
	for j := o + 1; j < t.Nodes[o].Next; j = t.Nodes[j+1].Next {
		if t.KeyIs(j, key) {
			found, ok = j+1, true // the last duplicate wins, as in encoding/json
		}
	}
	return found, ok
}

// elems returns the element nodes of array node a.
func (t *Tape) Elems(a int32) []int32 {
	if t.Nodes[a].Kind != '[' {
		return nil
	}
	var out []int32
	for j := a + 1; j < t.Nodes[a].Next; j = t.Nodes[j].Next {
		out = append(out, j)
	}
	return out
}

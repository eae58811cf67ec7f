package crashlog

import (
	"bytes"
	"math"
	"strconv"
)

// A tape is the result of one validating pass over a JSON value: one node
// per value (and per object key) in document order, each with its byte span
// and the index of the node that follows its subtree. Navigation is then a
// walk over the node array, with no rescanning; the tape is dropped after
// parsing.
type tape struct {
	b     []byte
	nodes []tnode
}

type tnode struct {
	start, end int32 // byte span of the value; for keys, of the quoted key
	next       int32 // index of the first node after this subtree
	kind       byte  // '{' '[' '"' '0' (number) 't' 'f' 'n', 'k' (object key)
	esc        bool  // string or key contains a backslash escape
}

// buildTape validates the JSON value at or after offset i of b and returns
// its tape and the offset just past it.
func buildTape(b []byte, i int) (*tape, int, *scanErr) {
	if len(b) > math.MaxInt32 {
		return nil, 0, &scanErr{0, "input larger than 2 GiB"}
	}
	t := &tape{b: b, nodes: make([]tnode, 0, (len(b)-i)/10+16)}
	var stack []int32
	i = skipWS(b, i)
	leaf := func(s, e int, kind byte, esc bool) {
		n := int32(len(t.nodes))
		t.nodes = append(t.nodes, tnode{int32(s), int32(e), n + 1, kind, esc})
	}
	key := func() *scanErr {
		if i >= len(b) || b[i] != '"' {
			return &scanErr{i, "expected a string key in object"}
		}
		e, esc, err := scanStringEsc(b, i)
		if err != nil {
			return err
		}
		leaf(i, e, 'k', esc)
		i = skipWS(b, e)
		if i >= len(b) || b[i] != ':' {
			return &scanErr{i, "expected ':' after object key"}
		}
		i = skipWS(b, i+1)
		return nil
	}
	for {
		if i >= len(b) {
			return nil, i, &scanErr{i, "unexpected end of input, expected a value"}
		}
		switch c := b[i]; {
		case c == '{' || c == '[':
			if len(stack) >= maxJSONDepth {
				return nil, i, &scanErr{i, "nesting deeper than " + strconv.Itoa(maxJSONDepth)}
			}
			n := int32(len(t.nodes))
			t.nodes = append(t.nodes, tnode{start: int32(i), kind: c})
			i = skipWS(b, i+1)
			closer := byte('}')
			if c == '[' {
				closer = ']'
			}
			if i < len(b) && b[i] == closer {
				i++
				t.nodes[n].end, t.nodes[n].next = int32(i), n+1
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
			i = skipWS(b, i)
			top := stack[len(stack)-1]
			open := t.nodes[top].kind
			if i >= len(b) {
				return nil, i, &scanErr{i, "unexpected end of input inside " + containerName(open)}
			}
			if b[i] == ',' {
				i = skipWS(b, i+1)
				if open == '{' {
					if err := key(); err != nil {
						return nil, i, err
					}
				}
				break
			}
			if open == '{' && b[i] == '}' || open == '[' && b[i] == ']' {
				i++
				t.nodes[top].end, t.nodes[top].next = int32(i), int32(len(t.nodes))
				stack = stack[:len(stack)-1]
				continue
			}
			if open == '{' {
				return nil, i, &scanErr{i, "expected ',' or '}' in object"}
			}
			return nil, i, &scanErr{i, "expected ',' or ']' in array"}
		}
	}
}

// scanStringEsc is scanString that also reports whether the string has escapes.
func scanStringEsc(b []byte, i int) (int, bool, *scanErr) {
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

func (t *tape) span(n int32) span { return span{int(t.nodes[n].start), int(t.nodes[n].end)} }
func (t *tape) raw(n int32) []byte {
	return t.b[t.nodes[n].start:t.nodes[n].end]
}

// keyIs reports whether key node k is s.
func (t *tape) keyIs(k int32, s string) bool {
	nd := &t.nodes[k]
	if !nd.esc {
		return string(t.b[nd.start+1:nd.end-1]) == s
	}
	v, _ := unquote(t.b[nd.start:nd.end])
	return v == s
}

// keyBytes returns key node k unquoted, without copying when it has no escapes.
func (t *tape) keyBytes(k int32) []byte {
	nd := &t.nodes[k]
	if !nd.esc {
		return t.b[nd.start+1 : nd.end-1]
	}
	v, _ := unquote(t.b[nd.start:nd.end])
	return []byte(v)
}

// key returns key node k as a string.
func (t *tape) key(k int32) string { return t.str(k) }

// str returns string node n unescaped, or its JSON text for other kinds.
func (t *tape) str(n int32) string {
	nd := &t.nodes[n]
	switch nd.kind {
	case '"', 'k':
		if !nd.esc {
			return string(t.b[nd.start+1 : nd.end-1])
		}
		v, _ := unquote(t.b[nd.start:nd.end])
		return v
	case 'n':
		return ""
	}
	return string(t.b[nd.start:nd.end])
}

// num decodes node n as a tolerant number (see jnum).
func (t *tape) num(n int32) jnum {
	var v jnum
	_ = v.UnmarshalJSON(t.raw(n))
	return v
}

// boolean decodes node n as a tolerant boolean (see jbool).
func (t *tape) boolean(n int32) bool {
	var v jbool
	_ = v.UnmarshalJSON(t.raw(n))
	return v.v
}

// member finds key in object node o and returns its value node.
func (t *tape) member(o int32, key string) (int32, bool) {
	if t.nodes[o].kind != '{' {
		return 0, false
	}
	found, ok := int32(0), false
	for j := o + 1; j < t.nodes[o].next; j = t.nodes[j+1].next {
		if t.keyIs(j, key) {
			found, ok = j+1, true // the last duplicate wins, as in encoding/json
		}
	}
	return found, ok
}

// elems returns the element nodes of array node a.
func (t *tape) elems(a int32) []int32 {
	if t.nodes[a].kind != '[' {
		return nil
	}
	var out []int32
	for j := a + 1; j < t.nodes[a].next; j = t.nodes[j].next {
		out = append(out, j)
	}
	return out
}

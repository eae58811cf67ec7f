package jsontape

import (
	"math"
	"slices"
	"strconv"
	"sync"
)

// A Tape is the result of one validating pass over a JSON value: one node
// per value (and per object key) in document order, each with its byte Span
// and the index of the node that follows its subtree. Navigation is then a
// walk over the node array, with no rescanning; the tape is dropped after
// parsing.
type Tape struct {
	B     []byte
	Nodes []Node
	free  bool // released: a second Release must not pool it twice
}

type Node struct {
	Start, End int32 // byte span of the value; for keys, of the quoted key
	Next       int32 // index of the first node after this subtree
	// Kind is '{' '[' '"' '0' (number) 't' 'f' 'n', 'k' (object key), or
	// Opaque.
	Kind byte
	Esc  bool // string or key contains a backslash escape
}

// Opaque is the Kind of an array that BuildOpaque validated but did not
// expand: one node for the whole array, read with EachElem.
const Opaque = 'A'

// Build validates the JSON value at or after offset i of b and returns
// its tape and the offset just past it.
func Build(b []byte, i int) (*Tape, int, *SyntaxError) {
	return BuildOpaque(b, i, nil)
}

// BuildOpaque is Build, except that an array that is the value of a key
// for which opaque returns true is validated and kept as one Opaque node:
// the tape of a report with a million frames then holds no node per frame.
func BuildOpaque(b []byte, i int, opaque func(key []byte) bool) (*Tape, int, *SyntaxError) {
	if len(b) > math.MaxInt32 {
		return nil, 0, &SyntaxError{0, "input larger than 2 GiB"}
	}
	est := (len(b) - i) / 10
	if opaque != nil {
		est = min(est, 1<<14)
	}
	bd := builder{t: getTape(b, est+16), b: b, i: SkipWS(b, i), opaque: opaque}
	end, err := bd.build()
	if err != nil {
		return nil, end, err
	}
	return bd.t, end, nil
}

// tapePool holds released tapes with their node arrays: a batch builds a
// tape or two per input, each of a few thousand nodes, and dropping them
// would make every input's tape fresh memory to clear and fault in.
var tapePool sync.Pool

// maxPooled bounds the node arrays kept for reuse (1 MiB of nodes).
const maxPooled = 1 << 16

// getTape returns an empty tape of b with room for at least n nodes.
func getTape(b []byte, n int) *Tape {
	if t, ok := tapePool.Get().(*Tape); ok {
		t.B, t.Nodes, t.free = b, slices.Grow(t.Nodes[:0], n), false
		return t
	}
	return &Tape{B: b, Nodes: make([]Node, 0, n)}
}

// Release hands the tape back for a later Build; neither the tape nor any
// node read from it may be used afterwards. Releasing is optional: an
// unreleased tape is collected as usual.
func (t *Tape) Release() {
	if t == nil || t.free || cap(t.Nodes) == 0 || cap(t.Nodes) > maxPooled {
		return
	}
	t.B, t.Nodes, t.free = nil, t.Nodes[:0], true
	tapePool.Put(t)
}

// build reads one value into the tape and returns the offset past it.
func (bd *builder) build() (int, *SyntaxError) {
	for {
		opened, err := bd.value()
		if err != nil {
			return bd.i, err
		}
		if opened {
			continue // the first element of a container comes next
		}
		done, err := bd.after()
		if err != nil {
			return bd.i, err
		}
		if done {
			return bd.i, nil
		}
	}
}

// builder is the state of one Build: the position and the open containers.
type builder struct {
	t      *Tape
	b      []byte
	i      int
	stack  []int32
	opaque func(key []byte) bool
}

func (bd *builder) leaf(s, e int, kind byte, esc bool) {
	n := int32(len(bd.t.Nodes))
	bd.t.Nodes = append(bd.t.Nodes, Node{int32(s), int32(e), n + 1, kind, esc})
	bd.i = e
}

// key reads an object key and its colon.
func (bd *builder) key() *SyntaxError {
	b, i := bd.b, bd.i
	if i >= len(b) || b[i] != '"' {
		return &SyntaxError{i, "expected a string key in object"}
	}
	e, esc, err := scanStringEsc(b, i)
	if err != nil {
		return err
	}
	bd.leaf(i, e, 'k', esc)
	i = SkipWS(b, e)
	if i >= len(b) || b[i] != ':' {
		return &SyntaxError{i, "expected ':' after object key"}
	}
	bd.i = SkipWS(b, i+1)
	return nil
}

// value reads one value; opened reports a non-empty container whose first
// element (and key) is next.
func (bd *builder) value() (opened bool, err *SyntaxError) {
	b, i := bd.b, bd.i
	if i >= len(b) {
		return false, &SyntaxError{i, "unexpected end of input, expected a value"}
	}
	var e int
	switch c := b[i]; {
	case c == '[' && bd.opaque != nil && bd.afterKey():
		if _, e, err = ScanValue(b, i); err == nil {
			bd.leaf(i, e, Opaque, false)
		}
	case c == '{' || c == '[':
		return bd.open(c)
	case c == '"':
		var esc bool
		if e, esc, err = scanStringEsc(b, i); err == nil {
			bd.leaf(i, e, '"', esc)
		}
	case c == '-' || isDigit(c):
		if e, err = scanNumber(b, i); err == nil {
			bd.leaf(i, e, '0', false)
		}
	default:
		if e, err = scanLiteral(b, i); err == nil {
			bd.leaf(i, e, c, false)
		}
	}
	return false, err
}

// afterKey reports whether the value being read is a member whose key
// opaque selects.
func (bd *builder) afterKey() bool {
	n := len(bd.t.Nodes)
	if n == 0 || bd.t.Nodes[n-1].Kind != 'k' {
		return false
	}
	return bd.opaque(bd.t.KeyBytes(int32(n - 1)))
}

// EachElem calls fn with a tape of each element of the array at or after
// offset start of b (an Opaque node's span), in order, until fn returns
// false. The tape is reused from one element to the next (fn must not keep
// it); its spans are offsets into b.
func EachElem(b []byte, start int, fn func(t *Tape) bool) *SyntaxError {
	i := SkipWS(b, start)
	if i >= len(b) || b[i] != '[' {
		return &SyntaxError{i, "expected an array"}
	}
	i = SkipWS(b, i+1)
	if i < len(b) && b[i] == ']' {
		return nil
	}
	t := getTape(b, 64)
	defer t.Release()
	var stack []int32 // shared by the elements' builders
	for {
		t.Nodes = t.Nodes[:0]
		bd := builder{t: t, b: b, i: i, stack: stack[:0]}
		end, err := bd.build()
		stack = bd.stack
		if err != nil {
			return err
		}
		if !fn(t) {
			return nil
		}
		i = SkipWS(b, end)
		switch {
		case i >= len(b):
			return &SyntaxError{i, "unexpected end of input inside array"}
		case b[i] == ']':
			return nil
		case b[i] != ',':
			return &SyntaxError{i, "expected ',' or ']' in array"}
		}
		i = SkipWS(b, i+1)
	}
}

// CountElems counts the elements of the array at or after offset start of b.
func CountElems(b []byte, start int) (int, *SyntaxError) {
	i := SkipWS(b, start)
	if i >= len(b) || b[i] != '[' {
		return 0, &SyntaxError{i, "expected an array"}
	}
	i = SkipWS(b, i+1)
	if i < len(b) && b[i] == ']' {
		return 0, nil
	}
	for n := 1; ; n++ {
		_, end, err := ScanValue(b, i)
		if err != nil {
			return 0, err
		}
		i = SkipWS(b, end)
		switch {
		case i >= len(b):
			return 0, &SyntaxError{i, "unexpected end of input inside array"}
		case b[i] == ']':
			return n, nil
		case b[i] != ',':
			return 0, &SyntaxError{i, "expected ',' or ']' in array"}
		}
		i = SkipWS(b, i+1)
	}
}

// open starts the container c at the current position.
func (bd *builder) open(c byte) (bool, *SyntaxError) {
	b, t := bd.b, bd.t
	if len(bd.stack) >= MaxDepth {
		return false, &SyntaxError{bd.i, "nesting deeper than " + strconv.Itoa(MaxDepth)}
	}
	n := int32(len(t.Nodes))
	t.Nodes = append(t.Nodes, Node{Start: int32(bd.i), Kind: c})
	bd.i = SkipWS(b, bd.i+1)
	closer := byte('}')
	if c == '[' {
		closer = ']'
	}
	if bd.i < len(b) && b[bd.i] == closer {
		bd.i++
		t.Nodes[n].End, t.Nodes[n].Next = int32(bd.i), n+1
		return false, nil
	}
	bd.stack = append(bd.stack, n)
	if c == '{' {
		return true, bd.key()
	}
	return true, nil
}

// after handles what follows a value: it closes containers until the next
// element (done false) or the end of the outermost value (done true).
func (bd *builder) after() (done bool, err *SyntaxError) {
	b, t := bd.b, bd.t
	for len(bd.stack) > 0 {
		bd.i = SkipWS(b, bd.i)
		top := bd.stack[len(bd.stack)-1]
		open := t.Nodes[top].Kind
		switch {
		case bd.i >= len(b):
			return false, &SyntaxError{bd.i, "unexpected end of input inside " + containerName(open)}
		case b[bd.i] == ',':
			bd.i = SkipWS(b, bd.i+1)
			if open == '{' {
				return false, bd.key()
			}
			return false, nil
		case open == '{' && b[bd.i] == '}' || open == '[' && b[bd.i] == ']':
			bd.i++
			t.Nodes[top].End, t.Nodes[top].Next = int32(bd.i), int32(len(t.Nodes))
			bd.stack = bd.stack[:len(bd.stack)-1]
		case open == '{':
			return false, &SyntaxError{bd.i, "expected ',' or '}' in object"}
		default:
			return false, &SyntaxError{bd.i, "expected ',' or ']' in array"}
		}
	}
	return true, nil
}

// scanStringEsc is scanString that also reports whether the string has escapes.
func scanStringEsc(b []byte, i int) (int, bool, *SyntaxError) {
	if i < len(b) && b[i] == '"' {
		// Fast path: no escapes and no control characters before the quote.
		if j := plainRun(b, i+1); j < len(b) && b[j] == '"' {
			return j + 1, false, nil
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
// Plain returns the text of string node n without copying it (it aliases
// the input), when it has no escapes; ok is false for any other node.
func (t *Tape) Plain(n int32) (b []byte, ok bool) {
	nd := &t.Nodes[n]
	if nd.Kind != '"' || nd.Esc {
		return nil, false
	}
	return t.B[nd.Start+1 : nd.End-1], true
}

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

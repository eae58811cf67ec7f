package swift

import (
	"errors"
	"strconv"

	"github.com/symbolicate/symbolicate/diag"
)

// Node is one node of a demangling tree. A node carries either text (an
// identifier, an operator, a builtin type name…), a number (an index, a
// discriminator…) or neither, and any number of children.
//
// Trees returned by [Parse] are read-only: a substitution in the mangling
// makes the same subtree appear in several places, so nodes are shared.
type Node struct {
	Kind     Kind
	payload  payload // which of Text and Index is set
	Text     string
	Index    uint64
	Children []*Node
}

type payload uint8

const (
	noPayload payload = iota
	textPayload
	indexPayload
)

// HasText reports whether the node carries text.
func (n *Node) HasText() bool { return n.payload == textPayload }

// HasIndex reports whether the node carries a number.
func (n *Node) HasIndex() bool { return n.payload == indexPayload }

// String returns the node and its subtree in a compact one-line form, for
// debugging: Kind("text")[child, child].
func (n *Node) String() string {
	var b []byte
	steps, truncated := 0, false
	var walk func(n *Node, depth int)
	walk = func(n *Node, depth int) {
		steps++
		if depth > maxDepth || len(b) > 1<<16 || steps > 1<<16 {
			if !truncated {
				b = append(b, "…"...)
				truncated = true
			}
			return
		}
		b = append(b, n.Kind.String()...)
		switch n.payload {
		case textPayload:
			b = strconv.AppendQuote(append(b, '('), n.Text)
			b = append(b, ')')
		case indexPayload:
			b = strconv.AppendUint(append(b, '('), n.Index, 10)
			b = append(b, ')')
		}
		if len(n.Children) > 0 {
			b = append(b, '[')
			for i, c := range n.Children {
				if i > 0 {
					b = append(b, ", "...)
				}
				walk(c, depth+1)
			}
			b = append(b, ']')
		}
	}
	walk(n, 0)
	return string(b)
}

// at returns child i, failing (through the package's private panic) when the
// node has no such child. Every child access of the printer goes through it,
// so a malformed tree becomes an error instead of an index panic.
func (n *Node) at(i int) *Node {
	if i < 0 || i >= len(n.Children) {
		panic(failure{errMalformedTree})
	}
	return n.Children[i]
}

// first returns child 0 (see at).
func (n *Node) first() *Node { return n.at(0) }

// last returns the last child (see at).
func (n *Node) last() *Node { return n.at(len(n.Children) - 1) }

// childOfKind returns the first child of kind k, or nil.
func (n *Node) childOfKind(k Kind) *Node {
	for _, c := range n.Children {
		if c.Kind == k {
			return c
		}
	}
	return nil
}

// Limits that keep adversarial input cheap. A mangled name longer than
// MaxNameLen is refused; a parse that creates more than maxNodes nodes or
// stacks more than maxStack operands fails; recursion in the parsers and the
// printer stops at maxDepth.
const (
	// MaxNameLen is the longest mangled name (in bytes) that is demangled.
	MaxNameLen = 32 << 10
	// DefaultMaxOutput is the default bound on the demangled text in bytes.
	DefaultMaxOutput = 64 << 10

	maxNodes      = 1 << 16
	maxStack      = 1 << 13
	maxDepth      = 512
	maxPrintDepth = 768 // Swift's NodePrinter::MaxDepth
	maxPrintSteps = 1 << 20
	maxRepeat     = 2048 // largest repeat count of a substitution (as in Swift)
)

// Errors returned by the package. Syntax errors are *diag.FormatError values
// with Format "swift mangling", the byte offset and what was being decoded.
var (
	// ErrNotMangled reports a name that does not start with a Swift mangling
	// prefix.
	ErrNotMangled = errors.New("swift: not a Swift mangled name")
	// ErrLimit reports a name whose demangling exceeds the size, depth or
	// work limits.
	ErrLimit = errors.New("swift: demangling exceeds limits")

	errMalformedTree = errors.New("swift: malformed demangling tree")
)

const errFormat = "swift mangling"

// failure is the private panic value used inside the package to abandon a
// parse or a print; catch turns it back into an error at the API boundary.
type failure struct{ err error }

// catch recovers a failure panic into *errp and re-raises any other panic.
func catch(errp *error) {
	if r := recover(); r != nil {
		f, ok := r.(failure)
		if !ok {
			panic(r)
		}
		*errp = f.err
	}
}

func syntaxError(off int, field, msg string) failure {
	return failure{&diag.FormatError{Format: errFormat, Off: int64(off), Field: field, Msg: msg}}
}

// arena hands out nodes and child slices from chunks so that a parse makes
// few allocations; reset makes the chunks available again to a later parse
// (used by Demangler). The zero value is ready to use.
type arena struct {
	nodeChunks [][]Node
	nodes      []Node // the chunk being filled
	nodeChunk  int    // index of nodes in nodeChunks
	ptrChunks  [][]*Node
	ptrs       []*Node
	ptrChunk   int
	count      int
	hint       int // expected number of nodes, sizes the first chunks
}

// reset forgets every node handed out so far, keeping the memory.
func (a *arena) reset() {
	a.count = 0
	a.nodeChunk, a.ptrChunk = 0, 0
	a.nodes, a.ptrs = nil, nil
	if len(a.nodeChunks) > 0 {
		a.nodes = a.nodeChunks[0][:0]
	}
	if len(a.ptrChunks) > 0 {
		a.ptrs = a.ptrChunks[0][:0]
	}
}

func (a *arena) newNode(k Kind) *Node {
	if a.count >= maxNodes {
		panic(failure{ErrLimit})
	}
	a.count++
	if len(a.nodes) == cap(a.nodes) {
		if a.nodes != nil {
			a.nodeChunk++
		}
		if a.nodeChunk < len(a.nodeChunks) {
			a.nodes = a.nodeChunks[a.nodeChunk][:0]
		} else {
			size := 256
			switch {
			case len(a.nodeChunks) > 0:
				size = min(2*cap(a.nodeChunks[len(a.nodeChunks)-1]), 256)
			case a.hint > 0 && a.hint < size:
				size = a.hint
			}
			a.nodes = make([]Node, 0, size)
			a.nodeChunks = append(a.nodeChunks, a.nodes)
			a.nodeChunk = len(a.nodeChunks) - 1
		}
	}
	a.nodes = a.nodes[:len(a.nodes)+1]
	n := &a.nodes[len(a.nodes)-1]
	*n = Node{Kind: k}
	return n
}

// kids returns an empty slice with room for n children, carved from a shared
// block; appending beyond n reallocates, so blocks never overlap.
func (a *arena) kids(n int) []*Node {
	if n > 32 {
		return make([]*Node, 0, n)
	}
	if cap(a.ptrs)-len(a.ptrs) < n {
		if a.ptrs != nil {
			a.ptrChunk++
		}
		if a.ptrChunk < len(a.ptrChunks) {
			a.ptrs = a.ptrChunks[a.ptrChunk][:0]
		} else {
			size := 512
			switch {
			case len(a.ptrChunks) > 0:
				size = min(2*cap(a.ptrChunks[len(a.ptrChunks)-1]), 512)
			case a.hint > 0 && 2*a.hint < size:
				size = max(2*a.hint, 32)
			}
			a.ptrs = make([]*Node, 0, size)
			a.ptrChunks = append(a.ptrChunks, a.ptrs)
			a.ptrChunk = len(a.ptrChunks) - 1
		}
	}
	s := a.ptrs[len(a.ptrs) : len(a.ptrs) : len(a.ptrs)+n]
	a.ptrs = a.ptrs[:len(a.ptrs)+n]
	return s
}

func (a *arena) str(k Kind, s string) *Node {
	n := a.newNode(k)
	n.Text = s
	n.payload = textPayload
	return n
}

func (a *arena) num(k Kind, i uint64) *Node {
	n := a.newNode(k)
	n.Index = i
	n.payload = indexPayload
	return n
}

// add appends child c to n. Both must be non-nil.
func (a *arena) add(n, c *Node) {
	if len(n.Children) == cap(n.Children) {
		k := a.kids(max(2*len(n.Children), 2))
		n.Children = append(k, n.Children...)
	}
	n.Children = append(n.Children, c)
}

// with returns a new node of kind k with the given children, which must all
// be non-nil.
func (a *arena) with(k Kind, cs ...*Node) *Node {
	n := a.newNode(k)
	n.Children = a.kids(len(cs) + 1)
	n.Children = append(n.Children, cs...)
	return n
}

// clone returns a copy of n with kind k and the same payload and children.
func (a *arena) clone(n *Node, k Kind) *Node {
	m := a.newNode(k)
	m.Text, m.Index, m.payload = n.Text, n.Index, n.payload
	if len(n.Children) > 0 {
		m.Children = append(a.kids(len(n.Children)+1), n.Children...)
	}
	return m
}

func reverseNodes(s []*Node) {
	for i, j := 0, len(s)-1; i < j; i, j = i+1, j-1 {
		s[i], s[j] = s[j], s[i]
	}
}

func itoa(v uint64) string { return strconv.FormatUint(v, 10) }

package dsctest

import (
	"slices"
	"strings"
)

// appendULEB appends v as ULEB128.
func appendULEB(b []byte, v uint64) []byte {
	for {
		c := byte(v & 0x7f)
		v >>= 7
		if v != 0 {
			c |= 0x80
		}
		b = append(b, c)
		if v == 0 {
			return b
		}
	}
}

func ulebLen(v uint64) int {
	n := 1
	for v >= 0x80 {
		v >>= 7
		n++
	}
	return n
}

// trieEntry is one terminal of an export-format trie: a name and the
// terminal payload (for exports: ULEB flags then ULEB offset from the
// mach_header; for the dylibs trie: ULEB image index).
type trieEntry struct {
	name    string
	payload []byte
}

// trieBuilder serializes tries, reusing its node storage between calls.
type trieBuilder struct {
	nodes []trieNode
	edges []trieEdge
}

type trieNode struct {
	payload      []byte
	terminal     bool
	first, count int // edges[first : first+count]
	off          int
}

type trieEdge struct {
	label string
	child int
}

// build serializes entries (names must be unique) as a dyld export trie
// (dyld-formats.md §5.8 step 4): each node is ULEB terminalSize, the
// terminal payload, a child count byte, then per child the NUL-terminated
// edge label and the ULEB offset of the child from the trie start. Nodes are
// laid out in preorder; offsets are iterated until their ULEB sizes settle.
// The result is appended to out, padded with zeros to a multiple of align.
func (t *trieBuilder) build(out []byte, entries []trieEntry, align int) []byte {
	slices.SortFunc(entries, func(a, b trieEntry) int { return strings.Compare(a.name, b.name) })
	t.nodes = t.nodes[:0]
	t.edges = t.edges[:0]
	t.node(entries, 0)
	size := func(n *trieNode) int {
		s := 1 // child count
		if n.terminal {
			s += ulebLen(uint64(len(n.payload))) + len(n.payload)
		} else {
			s++ // terminalSize 0
		}
		for _, e := range t.edges[n.first : n.first+n.count] {
			s += len(e.label) + 1 + ulebLen(uint64(t.nodes[e.child].off))
		}
		return s
	}
	for changed := true; changed; {
		changed = false
		off := 0
		for k := range t.nodes {
			n := &t.nodes[k]
			if n.off != off {
				n.off = off
				changed = true
			}
			off += size(n)
		}
	}
	start := len(out)
	for k := range t.nodes {
		n := &t.nodes[k]
		if n.terminal {
			out = appendULEB(out, uint64(len(n.payload)))
			out = append(out, n.payload...)
		} else {
			out = append(out, 0)
		}
		out = append(out, byte(n.count))
		for _, e := range t.edges[n.first : n.first+n.count] {
			out = append(out, e.label...)
			out = append(out, 0)
			out = appendULEB(out, uint64(t.nodes[e.child].off))
		}
	}
	for (len(out)-start)%align != 0 {
		out = append(out, 0)
	}
	return out
}

// node adds the node for es, whose names share their first depth bytes, and
// returns its index.
func (t *trieBuilder) node(es []trieEntry, depth int) int {
	idx := len(t.nodes)
	t.nodes = append(t.nodes, trieNode{})
	if len(es) > 0 && len(es[0].name) == depth {
		t.nodes[idx].terminal = true
		t.nodes[idx].payload = es[0].payload
		es = es[1:]
	}
	// Reserve this node's edges contiguously before visiting the children;
	// each edge's lo/hi range is kept in child until it is resolved.
	first := len(t.edges)
	var ends []int
	for k := 0; k < len(es); {
		c := es[k].name[depth]
		j := k + 1
		for j < len(es) && es[j].name[depth] == c {
			j++
		}
		// Longest common prefix of the group beyond depth: the edge label.
		a, b := es[k].name, es[j-1].name
		l := depth + 1
		for l < len(a) && l < len(b) && a[l] == b[l] {
			l++
		}
		t.edges = append(t.edges, trieEdge{label: a[depth:l]})
		ends = append(ends, j)
		k = j
	}
	t.nodes[idx].first, t.nodes[idx].count = first, len(ends)
	lo := 0
	for g, hi := range ends {
		depthChild := depth + len(t.edges[first+g].label)
		child := t.node(es[lo:hi], depthChild)
		t.edges[first+g].child = child
		lo = hi
	}
	return idx
}

// buildTrie is a one-off trieBuilder.build.
func buildTrie(entries []trieEntry, align int) []byte {
	var t trieBuilder
	return t.build(nil, entries, align)
}

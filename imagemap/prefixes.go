package imagemap

// prefixTable is the encoder's side of the CIF prefix table (cif.md §8.2,
// §9): a byte trie over every entry, so the longest entry that starts a path
// is found in one walk instead of Swift's scan of the whole table. Children
// are kept as sibling lists; fan-out is small except near the root.
type prefixTable struct {
	nodes []trieNode // nodes[0] is the root
	next  int        // code the next defined prefix gets
}

// trieNode is one byte of one or more table entries.
type trieNode struct {
	child   int32 // first child, or 0 for none (the root is never a child)
	sibling int32 // next sibling, or 0
	code    int32 // code of the entry ending here, or -1
	b       byte  // the byte this node stands for
}

func newPrefixTable() *prefixTable {
	t := &prefixTable{nodes: make([]trieNode, 1, 1024), next: firstDynamicCode}
	t.nodes[0].code = -1
	for code, p := range fixedPrefixes {
		n := 0
		for i := 0; i < len(p); i++ {
			n = t.child(n, p[i])
		}
		t.nodes[n].code = int32(code)
	}
	return t
}

// find returns the child of n for byte c, or 0.
func (t *prefixTable) find(n int, c byte) int {
	for ch := t.nodes[n].child; ch != 0; ch = t.nodes[ch].sibling {
		if t.nodes[ch].b == c {
			return int(ch)
		}
	}
	return 0
}

// child returns the child of n for byte c, creating it if needed.
func (t *prefixTable) child(n int, c byte) int {
	if ch := t.find(n, c); ch != 0 {
		return ch
	}
	ch := int32(len(t.nodes))
	t.nodes = append(t.nodes, trieNode{sibling: t.nodes[n].child, code: -1, b: c})
	t.nodes[n].child = ch
	return int(ch)
}

// longest returns the code and length of the longest table entry that s
// starts with, comparing bytes (so "/lib" matches "/libz.dylib"); n is 0 when
// none does. Entries are distinct, so no tie can arise (cif.md §9).
func (t *prefixTable) longest(s string) (code, n int) {
	node := 0
	for i := 0; i < len(s); i++ {
		if node = t.find(node, s[i]); node == 0 {
			break
		}
		if c := t.nodes[node].code; c >= 0 {
			code, n = int(c), i+1
		}
	}
	return code, n
}

// define adds the prefixes a str of raw text s defines, exactly as the
// decoder will (cif.md §8.3): s[:i] for every separator at i > 0, in order.
func (t *prefixTable) define(s string) {
	last := -1
	for i := len(s) - 1; i > 0; i-- {
		if isSep(s[i]) {
			last = i
			break
		}
	}
	node := 0
	for i := 0; i <= last; i++ {
		if i > 0 && isSep(s[i]) {
			// The decoder numbers every separator, so the code advances even
			// if (impossibly) the entry already existed; the earlier code wins.
			if t.nodes[node].code < 0 {
				t.nodes[node].code = int32(t.next)
			}
			t.next++
		}
		if i < last {
			node = t.child(node, s[i])
		}
	}
}

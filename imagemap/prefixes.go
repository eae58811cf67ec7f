package imagemap

// prefixTable is the encoder's side of the CIF prefix table (cif.md §8.2,
// §9): a byte trie over every entry, so the longest entry that starts a path
// is found in one walk instead of Swift's scan of the whole table.
type prefixTable struct {
	edges map[uint64]int32 // parent<<8 | byte → child node; node 0 is the root
	code  []int32          // table code of the entry ending at each node, or -1
	next  int              // code the next defined prefix gets
}

func newPrefixTable() *prefixTable {
	t := &prefixTable{edges: make(map[uint64]int32, 256), code: []int32{-1}, next: firstDynamicCode}
	for code, p := range fixedPrefixes {
		n := 0
		for i := 0; i < len(p); i++ {
			n = t.child(n, p[i])
		}
		t.code[n] = int32(code)
	}
	return t
}

// child returns the node under n for byte c, creating it if needed.
func (t *prefixTable) child(n int, c byte) int {
	k := uint64(n)<<8 | uint64(c)
	if ch, ok := t.edges[k]; ok {
		return int(ch)
	}
	ch := len(t.code)
	t.code = append(t.code, -1)
	t.edges[k] = int32(ch)
	return ch
}

// longest returns the code and length of the longest table entry that s
// starts with, comparing bytes (so "/lib" matches "/libz.dylib"); n is 0 when
// none does. Entries are distinct, so no tie can arise (cif.md §9).
func (t *prefixTable) longest(s string) (code, n int) {
	node := 0
	for i := 0; i < len(s); i++ {
		ch, ok := t.edges[uint64(node)<<8|uint64(s[i])]
		if !ok {
			break
		}
		node = int(ch)
		if c := t.code[node]; c >= 0 {
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
			if t.code[node] < 0 {
				t.code[node] = int32(t.next)
			}
			t.next++
		}
		if i < last {
			node = t.child(node, s[i])
		}
	}
}

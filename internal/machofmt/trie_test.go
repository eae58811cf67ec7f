package machofmt

import (
	"bytes"
	"errors"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/symbolicate/symbolicate/diag"
	"github.com/symbolicate/symbolicate/internal/bin"
)

var update = flag.Bool("update", false, "rewrite testdata seed files")

// trieNode is a node of a test export trie.
type trieNode struct {
	terminal []byte // encoded terminal payload; nil for none
	edges    []string
	children []int // node indexes, parallel to edges
}

// encodeTrie lays the nodes out in order, each child offset as a two-byte
// ULEB128 so that offsets are known before encoding.
func encodeTrie(nodes []trieNode) []byte {
	size := func(n trieNode) int {
		s := 1 + len(n.terminal) + 1
		for _, e := range n.edges {
			s += len(e) + 1 + 2
		}
		return s
	}
	offs := make([]int, len(nodes))
	for i := 1; i < len(nodes); i++ {
		offs[i] = offs[i-1] + size(nodes[i-1])
	}
	var b []byte
	for _, n := range nodes {
		b = append(b, byte(len(n.terminal)))
		b = append(b, n.terminal...)
		b = append(b, byte(len(n.edges)))
		for j, e := range n.edges {
			b = append(b, e...)
			b = append(b, 0)
			o := offs[n.children[j]]
			b = append(b, byte(o&0x7f|0x80), byte(o>>7))
		}
	}
	return b
}

func sampleTrie() []byte {
	return encodeTrie([]trieNode{
		{edges: []string{"_", "x"}, children: []int{1, 4}},
		{edges: []string{"a", "b"}, children: []int{2, 3}},
		{terminal: []byte{0x00, 0x80, 0x01}},                                           // _a: regular at 0x80
		{terminal: []byte{0x08, 0x01, '_', 'c', 0}},                                    // _b: re-export of _c from ordinal 1
		{terminal: []byte{0x10, 0x20, 0x40}, edges: []string{"y"}, children: []int{5}}, // x: stub 0x20, resolver 0x40
		{terminal: []byte{0x02, 0x07}},                                                 // xy: absolute 7
	})
}

func TestWalkExportTrie(t *testing.T) {
	var got []string
	err := WalkExportTrie(sampleTrie(), 0, func(e *Export) error {
		got = append(got, fmt.Sprintf("%s flags=%#x addr=%#x res=%#x ord=%d imp=%q", e.Name, e.Flags, e.Address, e.Resolver, e.Ordinal, e.ImportName))
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	want := []string{
		`_a flags=0x0 addr=0x80 res=0x0 ord=0 imp=""`,
		`_b flags=0x8 addr=0x0 res=0x0 ord=1 imp="_c"`,
		`x flags=0x10 addr=0x20 res=0x40 ord=0 imp=""`,
		`xy flags=0x2 addr=0x7 res=0x0 ord=0 imp=""`,
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Fatalf("exports:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	stop := errors.New("stop")
	if err := WalkExportTrie(sampleTrie(), 0, func(*Export) error { return stop }); err != stop {
		t.Fatalf("callback error not returned: %v", err)
	}
}

func TestWalkExportTrieHostile(t *testing.T) {
	deep := make([]trieNode, maxTrieDepth+5)
	for i := range deep[:len(deep)-1] {
		deep[i] = trieNode{edges: []string{"a"}, children: []int{i + 1}}
	}
	deep[len(deep)-1] = trieNode{terminal: []byte{0, 1}}
	cases := map[string][]byte{
		"cycle": encodeTrie([]trieNode{
			{edges: []string{"a"}, children: []int{1}},
			{edges: []string{"b"}, children: []int{2}},
			{edges: []string{"c"}, children: []int{1}},
		}),
		"shared node": encodeTrie([]trieNode{
			{edges: []string{"a", "b"}, children: []int{1, 1}},
			{terminal: []byte{0, 1}},
		}),
		"zero child":         {0, 1, 'a', 0, 0},
		"child past end":     {0, 1, 'a', 0, 0x40},
		"terminal past end":  {0x20, 0, 0},
		"label unterminated": {0, 1, 'a', 'b'},
		"no child count":     {0},
		"truncated terminal": {2, 0x80, 0x80, 0},
		"deep":               encodeTrie(deep),
	}
	for name, b := range cases {
		err := WalkExportTrie(b, 0x100, func(*Export) error { return nil })
		var fe *diag.FormatError
		if !errors.As(err, &fe) {
			t.Errorf("%s: err = %v, want *diag.FormatError", name, err)
		} else if fe.Off < 0x100 {
			t.Errorf("%s: error offset %#x not relative to the file", name, fe.Off)
		}
	}
}

// TestTestdataSeeds keeps the fuzz seed files in testdata in step with the
// test encoders; run with -update to rewrite them.
func TestTestdataSeeds(t *testing.T) {
	seeds := map[string][]byte{
		"dylib64.macho": thinImage(true),
		"dylib32.macho": thinImage(false),
		"sample.trie":   sampleTrie(),
	}
	for name, want := range seeds {
		p := filepath.Join("testdata", name)
		if *update {
			if err := os.WriteFile(p, want, 0o644); err != nil {
				t.Fatal(err)
			}
			continue
		}
		got, err := os.ReadFile(p)
		if err != nil {
			t.Fatalf("%v (run go test -update)", err)
		}
		if !bytes.Equal(got, want) {
			t.Errorf("%s is stale; run go test -run TestTestdataSeeds -update", p)
		}
	}
}

// thinImage returns a complete thin Mach-O file: the sample header followed
// by link-edit data (symbols, strings, function starts, export trie) at the
// offsets its load commands name.
func thinImage(is64 bool) []byte {
	im := sampleImage(is64)
	out := make([]byte, 0x4a0)
	copy(out, im.encode())
	le := binaryLE
	strs := []byte("\x00_local\x00_exported\x00_other\x00")
	copy(out[0x440:], strs)
	type sym struct {
		strx uint32
		typ  uint8
		val  uint64
	}
	syms := []sym{{1, NSect, 0x10100}, {8, NSect | NExt, 0x10140}, {18, NSect | NExt, 0x10180}}
	p := 0x400
	for _, s := range syms {
		le.PutUint32(out[p:], s.strx)
		out[p+4], out[p+5] = s.typ, 1
		if is64 {
			le.PutUint64(out[p+8:], s.val)
			p += 16
		} else {
			le.PutUint32(out[p+8:], uint32(s.val))
			p += 12
		}
	}
	copy(out[0x460:], []byte{0x80, 0x02, 0x40, 0x40, 0x00}) // 0x10100, 0x10140, 0x10180
	copy(out[0x470:], sampleTrie())
	return out
}

// TestThinImageLinkedit reads the seed image's link-edit data back.
func TestThinImageLinkedit(t *testing.T) {
	for _, is64 := range []bool{true, false} {
		data := thinImage(is64)
		m, err := Parse(data)
		if err != nil {
			t.Fatal(err)
		}
		st := m.Symtab
		tab, err := NewNlistTable(data[st.SymOff:], uint64(st.NSyms), m.Is64, m.ByteOrder, int64(st.SymOff))
		if err != nil {
			t.Fatal(err)
		}
		var got []string
		for i := 0; i < tab.Len(); i++ {
			n := tab.At(i)
			name, _ := bin.CStringAt(data[st.StrOff:st.StrOff+st.StrSize], uint64(n.Strx), 64)
			got = append(got, fmt.Sprintf("%s@%#x ext=%v", name, n.Value, n.IsExternal()))
		}
		fs := m.FunctionStarts
		ForEachFunctionStart(data[fs.Off:fs.Off+fs.Size], m.Segment("__TEXT").Addr, 0, func(a uint64) {
			got = append(got, fmt.Sprintf("start %#x", a))
		})
		want := "_local@0x10100 ext=false,_exported@0x10140 ext=true,_other@0x10180 ext=true,start 0x10100,start 0x10140,start 0x10180"
		if strings.Join(got, ",") != want {
			t.Errorf("is64=%v: %s\nwant %s", is64, strings.Join(got, ","), want)
		}
	}
}

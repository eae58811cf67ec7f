package jsontape

import (
	"bytes"
	"encoding/json"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestAppendString(t *testing.T) {
	for _, c := range []struct{ in, want string }{
		{"plain", `"plain"`},
		{`a/b "c" \d`, `"a\/b \"c\" \\d"`},
		{"nl\nt\tr\r", `"nl\nt\tr\r"`},
		{"\x00\x1f\x7f", `"\u0000\u001f\u007f"`},
		{"bad \xff utf8", `"bad \ufffd utf8"`},
		{"é ☃ 𝄞", `"é ☃ 𝄞"`},
	} {
		var b bytes.Buffer
		AppendString(&b, c.in)
		if b.String() != c.want {
			t.Errorf("%q → %s, want %s", c.in, b.String(), c.want)
		}
		if !json.Valid(b.Bytes()) {
			t.Errorf("%q → %s is not valid JSON", c.in, b.String())
		}
		back, ok := Unquote(b.Bytes())
		if !ok || (back != c.in && !strings.Contains(c.in, "\xff")) {
			t.Errorf("%q does not unquote back: %q", c.in, back)
		}
	}
}

func TestTapeSpansAndNavigation(t *testing.T) {
	in := []byte(` {"a" : [1, {"b\u0041": "x\/y"}, true], "n": null, "a": -2.5e3} tail`)
	tp, end, err := Build(in, 0)
	if err != nil {
		t.Fatal(err)
	}
	if got := string(in[end:]); got != " tail" {
		t.Fatalf("value ends before %q", got)
	}
	if tp.Nodes[0].Kind != '{' || tp.Nodes[0].Next != int32(len(tp.Nodes)) {
		t.Fatalf("root node %+v", tp.Nodes[0])
	}
	a, ok := tp.Member(0, "a")
	if !ok || string(tp.Raw(a)) != "-2.5e3" {
		t.Fatalf("member a = %q, %v; want the last duplicate", tp.Raw(a), ok)
	}
	n, _ := tp.Member(0, "n")
	if tp.Str(n) != "" || tp.Nodes[n].Kind != 'n' {
		t.Errorf("null member: %q", tp.Str(n))
	}
	first := int32(2) // the array: node 1 is the key "a"
	elems := tp.Elems(first)
	if len(elems) != 3 || string(tp.Raw(elems[0])) != "1" || string(tp.Raw(elems[2])) != "true" {
		t.Fatalf("elems %v", elems)
	}
	obj := elems[1]
	v, ok := tp.Member(obj, "bA")
	if !ok || tp.Str(v) != "x/y" || !tp.KeyIs(obj+1, "bA") || string(tp.KeyBytes(obj+1)) != "bA" {
		t.Errorf("escaped key and value: %q %v", tp.Str(v), ok)
	}
	if sp := tp.Span(obj); string(in[sp.Start:sp.End]) != `{"b\u0041": "x\/y"}` {
		t.Errorf("span %q", in[sp.Start:sp.End])
	}
}

func TestBuildRejectsBadJSON(t *testing.T) {
	for _, c := range []struct{ in, msg string }{
		{`{"a" 1}`, "expected ':'"},
		{`[1, 2`, "unexpected end of input inside array"},
		{`{"a":1,}`, "expected a string key"},
		{`"\x"`, "escape"},
		{`tru`, "looking for a value"},
		{strings.Repeat("[", MaxDepth+1), "nesting deeper"},
	} {
		_, _, err := Build([]byte(c.in), 0)
		if err == nil || !strings.Contains(err.Error(), c.msg) {
			t.Errorf("%.20q: err %v, want %q", c.in, err, c.msg)
		}
	}
}

func TestWriteEdited(t *testing.T) {
	raw := []byte(`[{"a":1},{"a":2}]`)
	var b bytes.Buffer
	edits := []Edit{{Start: 1, End: 8, Text: []byte(`{"a":10}`)}, {Start: 9, End: 16, Text: []byte(`{}`)}}
	if err := WriteEdited(&b, raw, Span{Start: 0, End: len(raw)}, edits); err != nil || b.String() != `[{"a":10},{}]` {
		t.Fatalf("got %s, %v", b.String(), err)
	}
	if err := WriteEdited(&b, raw, Span{Start: 0, End: len(raw)}, []Edit{edits[1], edits[0]}); err == nil {
		t.Error("edits out of order were accepted")
	}
}

// FuzzBuild checks the tape against the standard library's validator: both
// accept the same documents, and spans lie inside the input.
func FuzzBuild(f *testing.F) {
	files, _ := filepath.Glob("../../crashlog/testdata/*.ips")
	for _, p := range files {
		if b, err := os.ReadFile(p); err == nil {
			if i := bytes.IndexByte(b, '\n'); i > 0 {
				f.Add(b[i+1:])
			}
		}
	}
	f.Add([]byte(`{"a":[1,2,{"b":null}]}`))
	f.Fuzz(func(t *testing.T, b []byte) {
		tp, end, err := Build(b, 0)
		valid := json.Valid(b)
		if err != nil {
			if valid && bytes.Count(b, []byte("[")) < MaxDepth && bytes.Count(b, []byte("{")) < MaxDepth {
				t.Fatalf("rejected valid JSON: %v", err)
			}
			return
		}
		if SkipWS(b, end) == len(b) && !valid {
			t.Fatalf("accepted invalid JSON %q", b)
		}
		for _, n := range tp.Nodes {
			if n.Start < 0 || n.End < n.Start || int(n.End) > len(b) {
				t.Fatalf("node %+v outside the input", n)
			}
		}
	})
}

// TestPlainRunAndSimpleEnd compare the eight-bytes-at-a-time scans with a
// byte loop: every byte value at every position of a block and across
// block boundaries, after every start offset, and on random strings.
func TestPlainRunAndSimpleEnd(t *testing.T) {
	naivePlain := func(b []byte, i int) int {
		for ; i < len(b); i++ {
			if c := b[i]; c == '"' || c == '\\' || c < 0x20 {
				break
			}
		}
		return i
	}
	naiveSimple := func(s []byte, i int) int {
		for ; i < len(s); i++ {
			if c := s[i]; c == '\\' || c >= 0x80 {
				break
			}
		}
		return i
	}
	check := func(b []byte) {
		t.Helper()
		for i := 0; i <= len(b); i++ {
			if got, want := plainRun(b, i), naivePlain(b, i); got != want {
				t.Fatalf("plainRun(%q, %d) = %d, want %d", b, i, got, want)
			}
			if got, want := simpleEnd(b, i), naiveSimple(b, i); got != want {
				t.Fatalf("simpleEnd(%q, %d) = %d, want %d", b, i, got, want)
			}
		}
	}
	for pos := 0; pos < 19; pos++ {
		for v := 0; v < 256; v++ {
			b := bytes.Repeat([]byte{'a'}, 19)
			b[pos] = byte(v)
			check(b)
			b[18-pos] = 0x20 // a neighbour just above the control range
			check(b)
		}
	}
	rng := rand.New(rand.NewPCG(1, 2))
	alphabet := []byte{'a', 'z', ' ', '"', '\\', 0x00, 0x1f, 0x20, 0x21, 0x7f, 0x80, 0xa0, 0xff, '/', 'u'}
	for range 20000 {
		b := make([]byte, rng.IntN(40))
		for i := range b {
			if rng.IntN(4) == 0 {
				b[i] = alphabet[rng.IntN(len(alphabet))]
			} else {
				b[i] = byte('a' + rng.IntN(26))
			}
		}
		check(b)
	}
}

// FuzzUnquote checks Unquote against encoding/json on every string literal
// the standard library accepts: the same text, invalid UTF-8 and lone
// surrogates included (both give U+FFFD).
func FuzzUnquote(f *testing.F) {
	for _, s := range []string{`"\/usr\/lib\/system\/libsystem_kernel.dylib"`, `"plain ascii, longer than a word"`,
		`"caf\u00e9 \ud83d\ude00 \ud800 x"`, "\"\xff\xfe bad utf8 \\n\"", `"a\\b\"c\td"`, `""`, "\"é/ü\\/\""} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, q []byte) {
		var want string
		if json.Unmarshal(q, &want) != nil || len(q) == 0 || q[0] != '"' {
			return
		}
		got, ok := Unquote(bytes.TrimSpace(q))
		if !ok || got != want {
			t.Fatalf("Unquote(%q) = %q, %v; encoding/json gives %q", q, got, ok, want)
		}
	})
}

// TestReleaseTwice: releasing a tape twice pools it once, so two later
// builds never share one tape.
func TestReleaseTwice(t *testing.T) {
	tp, _, err := Build([]byte(`[1,2,3]`), 0)
	if err != nil {
		t.Fatal(err)
	}
	tp.Release()
	tp.Release()
	a, _, _ := Build([]byte(`{"a":1}`), 0)
	b, _, _ := Build([]byte(`[true]`), 0)
	if a == b {
		t.Fatal("two builds got the same tape")
	}
	if a.Nodes[0].Kind != '{' || b.Nodes[0].Kind != '[' || len(a.Nodes) != 3 || len(b.Nodes) != 2 {
		t.Fatalf("tapes %+v and %+v", a.Nodes, b.Nodes)
	}
}

package objfile

import (
	"context"
	"path"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/symbolicate/symbolicate/internal/corpus"
	"github.com/symbolicate/symbolicate/symbol"
)

// readTSV returns the rows of a tab-separated file with a header line, as
// maps from column name to value.
func readTSV(tb testing.TB, rel string) []map[string]string {
	tb.Helper()
	lines := strings.Split(strings.TrimRight(string(corpus.Read(tb, rel)), "\n"), "\n")
	head := strings.Split(lines[0], "\t")
	var rows []map[string]string
	for _, l := range lines[1:] {
		cols := strings.Split(l, "\t")
		if len(cols) != len(head) {
			tb.Fatalf("%s: row %q has %d columns, want %d", rel, l, len(cols), len(head))
		}
		row := map[string]string{}
		for i, h := range head {
			row[h] = cols[i]
		}
		rows = append(rows, row)
	}
	return rows
}

func parseHex(tb testing.TB, s string) uint64 {
	tb.Helper()
	v, err := strconv.ParseUint(strings.TrimPrefix(s, "0x"), 16, 64)
	if err != nil {
		tb.Fatalf("bad hex %q: %v", s, err)
	}
	return v
}

// fileLine formats a frame's position as "basename:line" (":0" when the
// file is unknown), the form the expected-answer files use.
func fileLine(f symbol.Frame) string {
	if f.File == "" {
		return ":" + strconv.Itoa(f.Line)
	}
	return path.Base(f.File) + ":" + strconv.Itoa(f.Line)
}

// scanCorpus indexes a corpus directory.
func scanCorpus(tb testing.TB, rel string) *Index {
	tb.Helper()
	ix, err := Scan(context.Background(), []string{corpus.Path(tb, rel)})
	if err != nil {
		tb.Fatal(err)
	}
	for _, w := range ix.Warnings {
		tb.Errorf("scan warning: %v", w)
	}
	return ix
}

// TestMacSymbolicatorExpected checks every app frame of the MacSymbolicator
// crashes against Apple atos (via MacSymbolicatorCLI) and llvm-symbolizer
// 19. The file documents atos' convention: the unadjusted address and the
// outermost (concrete) frame's function and file:line; the innermost
// frame's file:line is checked against llvm-symbolizer's column as well.
func TestMacSymbolicatorExpected(t *testing.T) {
	rows := readTSV(t, "macho/macsymbolicator/EXPECTED.tsv")
	ix := scanCorpus(t, "macho/macsymbolicator")
	b := NewBatch(ix)
	defer b.Close()
	atosLoc := regexp.MustCompile(`\(([^()]*:\d+)\)$`)
	pass := 0
	for _, r := range rows {
		name := r["crash"] + "#" + r["thread_frame"]
		var im *Image
		for _, e := range ix.ByName(r["image"]) {
			if e.Arch == r["arch"] {
				var err error
				if im, err = b.Load(e.UUID, e.Arch, r["image"]); err != nil {
					t.Fatalf("%s: %v", name, err)
				}
				break
			}
		}
		if im == nil {
			t.Fatalf("%s: no %s slice of %s indexed", name, r["arch"], r["image"])
		}
		if im.Binary == nil || im.DSYM == nil {
			t.Errorf("%s: want both binary and dSYM, got binary %v dSYM %v", name, im.Binary != nil, im.DSYM != nil)
		}
		if got := parseHex(t, r["text_vmaddr"]); im.TextAddr != got {
			t.Errorf("%s: __TEXT vmaddr %#x, file says %#x", name, im.TextAddr, got)
		}
		off := parseHex(t, r["runtime_addr"]) - parseHex(t, r["load_addr"])
		if fa := parseHex(t, r["file_addr(unadjusted)"]); fa != im.TextAddr+off {
			t.Errorf("%s: file address %#x, file says %#x", name, im.TextAddr+off, fa)
		}
		res := im.Lookup(off)
		if res.Warning != nil || len(res.Frames) == 0 {
			t.Errorf("%s: %d frames, warning %v", name, len(res.Frames), res.Warning)
			continue
		}
		outer, inner := res.Frames[len(res.Frames)-1], res.Frames[0]
		ok := true
		if outer.Function != r["llvm19_outer_function"] {
			t.Errorf("%s: function %q, want %q", name, outer.Function, r["llvm19_outer_function"])
			ok = false
		}
		m := atosLoc.FindStringSubmatch(r["atos_expected_line"])
		if m == nil {
			t.Fatalf("%s: no file:line in atos line %q", name, r["atos_expected_line"])
		}
		if got := fileLine(outer); got != m[1] || got != r["llvm19_outer_file_line"] {
			t.Errorf("%s: outer frame at %s, want atos %s / llvm %s", name, got, m[1], r["llvm19_outer_file_line"])
			ok = false
		}
		if got := fileLine(inner); got != r["llvm19_inner_file_line"] {
			t.Errorf("%s: inner frame at %s, want %s", name, got, r["llvm19_inner_file_line"])
			ok = false
		}
		if ok {
			pass++
		}
	}
	t.Logf("%d/%d rows pass", pass, len(rows))
}

// TestCrashProbeExpected checks the CrashProbe rows symbolic's test asserts
// (status "ok"): at lookup_addr (the pc for frame 0, pc−1 for callers), the
// concrete function and its file:line equal llvm-symbolizer's columns (which
// give the outermost frame: for the Swift row the inlined "crash" is at
// CRLCrashSwift.swift:36 while the @objc thunk is at line 0). Where the
// crashprobe.com expectation names the same frame, its file:line is checked
// too, against the innermost frame for the row marked "needs inline
// expansion".
func TestCrashProbeExpected(t *testing.T) {
	rows := readTSV(t, "macho/symbolic/crashprobe/EXPECTED.tsv")
	ix := scanCorpus(t, "macho/symbolic/crashprobe/dSYMs")
	b := NewBatch(ix)
	defer b.Close()
	loc := regexp.MustCompile(`^(.*) (\S+\.\w+):(\d+)( or (\d+))?( \(.*\))?$`)
	pass, total, independent := 0, 0, 0
	for _, r := range rows {
		if r["symbolic_test_status"] != "ok" {
			continue
		}
		total++
		name := r["report"] + "#" + r["frame_idx"]
		im, err := b.Load(mustUUID(t, r["image_uuid"]), "arm64", "")
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		look, fa := parseHex(t, r["lookup_addr"]), parseHex(t, r["file_addr"])
		if off := parseHex(t, r["instruction_addr"]) - parseHex(t, r["image_addr"]); fa != im.TextAddr+off {
			t.Errorf("%s: file address %#x, file says %#x", name, im.TextAddr+off, fa)
		}
		if wantAdj := r["frame_idx"] != "0"; (look == fa-1) != wantAdj || (look == fa) == wantAdj {
			t.Errorf("%s: lookup_addr %#x for file_addr %#x does not follow pc / pc-1", name, look, fa)
		}
		res := im.Lookup(look - im.TextAddr)
		if res.Warning != nil || len(res.Frames) == 0 {
			t.Errorf("%s: %d frames, warning %v", name, len(res.Frames), res.Warning)
			continue
		}
		outer, inner := res.Frames[len(res.Frames)-1], res.Frames[0]
		ok := true
		if outer.Function != r["llvm19_function"] || fileLine(outer) != r["llvm19_file_line"] {
			t.Errorf("%s: %s %s, want %s %s", name, outer.Function, fileLine(outer), r["llvm19_function"], r["llvm19_file_line"])
			ok = false
		}
		if m := loc.FindStringSubmatch(r["crashprobe_expected"]); m != nil {
			want := []string{m[2] + ":" + m[3]}
			if m[5] != "" {
				want = append(want, m[2]+":"+m[5])
			}
			var got string
			switch {
			case m[1] == r["llvm19_function"]:
				got = fileLine(outer)
			case strings.Contains(m[6], "needs inline expansion"):
				got = fileLine(inner)
				if len(res.Frames) < 2 {
					t.Errorf("%s: want an inlined frame, got %d frames", name, len(res.Frames))
					ok = false
				}
			default:
				got = want[0] // expectation describes another frame
				independent--
			}
			independent++
			if got != want[0] && (len(want) == 1 || got != want[1]) {
				t.Errorf("%s: at %s, crashprobe.com expects %s", name, got, strings.Join(want, " or "))
				ok = false
			}
		}
		if ok {
			pass++
		}
	}
	t.Logf("%d/%d status-ok rows pass (%d also checked against crashprobe.com's file:line)", pass, total, independent)
}

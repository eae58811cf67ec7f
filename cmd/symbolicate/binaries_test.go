package main

import (
	"bytes"
	"fmt"
	"maps"
	"os"
	"path"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/goccy/go-json"

	"github.com/symbolicate/symbolicate/crashlog"
	"github.com/symbolicate/symbolicate/internal/corpus"
)

// readTSV returns the rows of a tab-separated file with a header line, as maps.
func readTSV(t *testing.T, rel string) []map[string]string {
	t.Helper()
	lines := strings.Split(strings.TrimRight(string(corpus.Read(t, rel)), "\n"), "\n")
	head := strings.Split(lines[0], "\t")
	var rows []map[string]string
	for _, l := range lines[1:] {
		row := map[string]string{}
		for i, v := range strings.Split(l, "\t") {
			if i < len(head) {
				row[head[i]] = v
			}
		}
		rows = append(rows, row)
	}
	return rows
}

// TestMacSymbolicatorAtosAnswers: Apple atos's answers for the app frames of
// real crashes, under atos's convention (the address as given, the outermost
// function of an inline chain, its file:line), through `symbolicate addrs`.
func TestMacSymbolicatorAtosAnswers(t *testing.T) {
	root := corpus.Path(t, "macho/macsymbolicator")
	rows := readTSV(t, "macho/macsymbolicator/EXPECTED.tsv")
	for _, row := range rows {
		// "2 iOSCrashingTest 0x1007da4bc specialized static CrashClass.pleaseCrash() (in iOSCrashingTest) (<compiler-generated>:0)"
		atos := row["atos_expected_line"]
		fields := strings.SplitN(atos, " ", 4)
		fn, rest, ok := strings.Cut(fields[3], " (in ")
		if !ok {
			t.Fatalf("unexpected atos line %q", atos)
		}
		wantLine := rest[strings.LastIndex(rest, "(")+1 : len(rest)-1]
		images := filepath.Join(root, strings.Replace(row["crash"], ".crash", ".ips", 1))
		code, out, errOut := runCLI(t, "", "addrs", "--images", images, "--symbols", root, "--format", "json", row["runtime_addr"])
		if code != exitOK {
			t.Errorf("%s %s: exit %d: %s", row["crash"], row["runtime_addr"], code, errOut)
			continue
		}
		var got struct {
			Symbol, SourceFile string
			SourceLine         int
		}
		if err := json.Unmarshal([]byte(out), &got); err != nil {
			t.Fatal(err)
		}
		if gotLine := fmt.Sprintf("%s:%d", got.SourceFile, got.SourceLine); got.Symbol != fn || gotLine != wantLine {
			t.Errorf("%s frame %s: got %s (%s), atos says %s (%s)", row["crash"], row["thread_frame"], got.Symbol, gotLine, fn, wantLine)
		}
	}
}

// sentryEvent is the part of a Sentry/KSCrash event the CrashProbe reports need.
type sentryEvent struct {
	DebugMeta struct {
		Images []struct {
			Name, UUID string
			ImageAddr  string `json:"image_addr"`
			ImageSize  uint64 `json:"image_size"`
		}
	} `json:"debug_meta"`
	Threads struct {
		Values []struct {
			Crashed    bool
			Stacktrace struct {
				Frames []struct {
					InstructionAddr string `json:"instruction_addr"`
					ImageAddr       string `json:"image_addr"`
				}
			}
		}
	}
}

func hexAddr(t *testing.T, s string) uint64 {
	v, err := strconv.ParseUint(strings.TrimPrefix(s, "0x"), 16, 64)
	if err != nil {
		t.Fatal(err)
	}
	return v
}

// ipsFromSentry writes the crashed thread of a CrashProbe event as a minimal
// bug_type 309 report: usedImages from debug_meta, frames innermost first.
func ipsFromSentry(t *testing.T, data []byte) []byte {
	var ev sentryEvent
	if err := json.Unmarshal(data, &ev); err != nil {
		t.Fatal(err)
	}
	var b bytes.Buffer
	b.WriteString(`{"bug_type":"309","os_version":"iPhone OS 10.3 (14E277)","name":"CrashProbeiOS"}` + "\n")
	b.WriteString(`{"cpuType":"ARM-64","procName":"CrashProbeiOS","threads":[{"triggered":true,"frames":[`)
	index := map[uint64]int{}
	for i, im := range ev.DebugMeta.Images {
		index[hexAddr(t, im.ImageAddr)] = i
	}
	for _, th := range ev.Threads.Values {
		if !th.Crashed {
			continue
		}
		fr := th.Stacktrace.Frames
		for k := len(fr) - 1; k >= 0; k-- {
			base := hexAddr(t, fr[k].ImageAddr)
			i, ok := index[base]
			if !ok {
				t.Fatalf("frame image %s not in debug_meta", fr[k].ImageAddr)
			}
			if k != len(fr)-1 {
				b.WriteByte(',')
			}
			fmt.Fprintf(&b, `{"imageOffset":%d,"imageIndex":%d}`, hexAddr(t, fr[k].InstructionAddr)-base, i)
		}
	}
	b.WriteString(`]}],"usedImages":[`)
	for i, im := range ev.DebugMeta.Images {
		if i > 0 {
			b.WriteByte(',')
		}
		fmt.Fprintf(&b, `{"source":"P","arch":"arm64","base":%d,"size":%d,"uuid":%q,"path":%q,"name":%q}`,
			hexAddr(t, im.ImageAddr), im.ImageSize, strings.ToLower(im.UUID), im.Name, path.Base(im.Name))
	}
	b.WriteString("]}")
	return b.Bytes()
}

// TestCrashProbeAnswers: the crashprobe.com answers (as llvm-symbolizer 19
// gives them, frame 0 at the pc and callers at pc − 1) for real KSCrash
// reports, fed through the main command as .ips reports built from their image
// lists and addresses.
func TestCrashProbeAnswers(t *testing.T) {
	root := corpus.Path(t, "macho/symbolic/crashprobe")
	rows := readTSV(t, "macho/symbolic/crashprobe/EXPECTED.tsv")
	dir := t.TempDir()
	reports := map[string]*crashlog.Report{}
	checked := 0
	for _, row := range rows {
		if row["symbolic_test_status"] != "ok" {
			continue
		}
		name := row["report"]
		rep, ok := reports[name]
		if !ok {
			in := filepath.Join(dir, name+".ips")
			os.WriteFile(in, ipsFromSentry(t, corpus.Read(t, "macho/symbolic/crashprobe/reports-arm64/"+name)), 0o644)
			code, out, errOut := runCLI(t, "", "--format", "json", "--no-demangle", "-q", "--symbols", filepath.Join(root, "dSYMs"), in)
			if code != exitOK && code != exitUnresolved { // system images have no binaries here
				t.Fatalf("%s: exit %d: %s", name, code, errOut)
			}
			var err error
			if rep, err = crashlog.Parse([]byte(out)); err != nil {
				t.Fatalf("%s: output does not parse: %v", name, err)
			}
			reports[name] = rep
		}
		idx, _ := strconv.Atoi(row["frame_idx"])
		var concrete []crashlog.Frame // the report's frames without inline frames
		for _, f := range rep.Threads[0].Frames {
			if !f.Inline {
				concrete = append(concrete, f)
			}
		}
		f := concrete[idx]
		got := fmt.Sprintf("%s %s:%d", f.Symbol, f.SourceFile, f.SourceLine)
		if want := row["llvm19_function"] + " " + row["llvm19_file_line"]; got != want {
			t.Errorf("%s frame %d: got %s, want %s", name, idx, got, want)
		}
		checked++
	}
	t.Logf("%d expected frames checked", checked)
	if checked < 30 {
		t.Errorf("only %d rows checked", checked)
	}
}

// TestDWARFIndexBatch: a batch given --index-dir writes the DWARF index of
// each dSYM it used; the next batch answers from them with the same output
// and rewrites nothing; a damaged index is named, not trusted, and
// rewritten.
func TestDWARFIndexBatch(t *testing.T) {
	root := corpus.Path(t, "macho/symbolic/crashprobe")
	in := t.TempDir()
	for _, name := range []string{"call_abort.json", "call_builtin_trap.json", "access_a_non_object_as_an_object.json"} {
		os.WriteFile(filepath.Join(in, name+".ips"), ipsFromSentry(t, corpus.Read(t, "macho/symbolic/crashprobe/reports-arm64/"+name)), 0o644)
	}
	idx := t.TempDir()
	run := func(withIndex bool) (string, string) {
		t.Helper()
		out := t.TempDir()
		args := []string{"-q", "--symbols", filepath.Join(root, "dSYMs"), "-o", out, in}
		if withIndex {
			args = append(args, "--index-dir", idx)
		}
		code, _, errOut := runCLI(t, "", args...)
		if code != exitOK && code != exitUnresolved {
			t.Fatalf("exit %d: %s", code, errOut)
		}
		var all strings.Builder
		files := readDir(t, out)
		for _, name := range slices.Sorted(maps.Keys(files)) {
			fmt.Fprintf(&all, "== %s\n%s", name, files[name])
		}
		return all.String(), errOut
	}
	want, _ := run(false)
	first, _ := run(true)
	files, _ := filepath.Glob(filepath.Join(idx, "dwarf-*.symidx"))
	if len(files) == 0 || first != want {
		t.Fatalf("%d DWARF indexes written; output same as without: %v\n%s", len(files), first == want, firstDiff(want, first))
	}
	times := map[string]time.Time{}
	for _, f := range files {
		fi, _ := os.Stat(f)
		times[f] = fi.ModTime()
	}
	if second, errOut := run(true); second != want || strings.Contains(errOut, "warning") {
		t.Fatalf("from the indexes: same output %v\n%s", second == want, errOut)
	}
	for _, f := range files {
		if fi, _ := os.Stat(f); !fi.ModTime().Equal(times[f]) {
			t.Errorf("%s was rewritten", f)
		}
	}
	b, _ := os.ReadFile(files[0])
	b[len(b)-5] ^= 0x20
	os.WriteFile(files[0], b, 0o644)
	if third, errOut := run(true); third != want || !strings.Contains(errOut, files[0]) || !strings.Contains(errOut, "checksum") {
		t.Fatalf("with a damaged index: same output %v\n%s", third == want, errOut)
	}
	if _, errOut := run(true); strings.Contains(errOut, "warning") {
		t.Errorf("the damaged index was not rewritten:\n%s", errOut)
	}
}

// firstDiff shows where two texts first differ.
func firstDiff(a, b string) string {
	al, bl := strings.Split(a, "\n"), strings.Split(b, "\n")
	for i := 0; i < len(al) && i < len(bl); i++ {
		if al[i] != bl[i] {
			return fmt.Sprintf("line %d:\n- %s\n+ %s", i+1, al[i], bl[i])
		}
	}
	return fmt.Sprintf("lengths %d and %d lines", len(al), len(bl))
}

// TestDWARFIndexUnwritable: an index directory where nothing can be
// created (/proc/self, even for root) makes "symbolicate index" exit 4
// naming the index it could not write; a batch still writes all its
// outputs, exits as without an index, and warns.
func TestDWARFIndexUnwritable(t *testing.T) {
	if _, err := os.Stat("/proc/self"); err != nil {
		t.Skip("no /proc/self to stand for an unwritable directory")
	}
	root := corpus.Path(t, "macho/symbolic/crashprobe")
	dsym := filepath.Join(root, "dSYMs", "3CD3E3CC-281E-3AF3-84EB-CDE6D56F0559.dSYM")
	code, _, errOut := runCLI(t, "", "index", "--symbols", dsym, "--index-dir", "/proc/self")
	if code != exitOutput || !strings.Contains(errOut, "dwarf-3CD3E3CC-281E-3AF3-84EB-CDE6D56F0559-arm64.symidx") {
		t.Fatalf("index: exit %d, want %d\n%s", code, exitOutput, errOut)
	}
	in := filepath.Join(t.TempDir(), "call_abort.ips")
	os.WriteFile(in, ipsFromSentry(t, corpus.Read(t, "macho/symbolic/crashprobe/reports-arm64/call_abort.json")), 0o644)
	wcode, want, _ := runCLI(t, "", "-q", "--symbols", filepath.Join(root, "dSYMs"), in)
	code, got, errOut := runCLI(t, "", "-q", "--symbols", filepath.Join(root, "dSYMs"), "--index-dir", "/proc/self", in)
	if code != wcode || got != want || !strings.Contains(errOut, "warning") {
		t.Fatalf("batch: exit %d (want %d), same output %v\n%s", code, wcode, got == want, errOut)
	}
}

// TestAddrsDWARFIndexRefused: addrs reads DWARF indexes without writing
// them, so an index it cannot use (damaged here; made from another state of
// the dSYM likewise) is named in a warning, and the answer is the DWARF's.
func TestAddrsDWARFIndexRefused(t *testing.T) {
	root := corpus.Path(t, "macho/macsymbolicator")
	row := readTSV(t, "macho/macsymbolicator/EXPECTED.tsv")[0]
	images := filepath.Join(root, strings.Replace(row["crash"], ".crash", ".ips", 1))
	idx := t.TempDir()
	if code, _, errOut := runCLI(t, "", "index", "--symbols", root, "--index-dir", idx); code != exitOK {
		t.Fatalf("index: exit %d: %s", code, errOut)
	}
	files, _ := filepath.Glob(filepath.Join(idx, "dwarf-*.symidx"))
	if len(files) == 0 {
		t.Fatal("no DWARF index written")
	}
	addrs := func() (string, string) {
		t.Helper()
		code, out, errOut := runCLI(t, "", "addrs", "--images", images, "--symbols", root, "--index-dir", idx, row["runtime_addr"])
		if code != exitOK {
			t.Fatalf("addrs: exit %d: %s", code, errOut)
		}
		return out, errOut
	}
	want, errOut := addrs()
	if strings.Contains(errOut, "warning") {
		t.Fatalf("with good indexes:\n%s", errOut)
	}
	for _, f := range files {
		b, _ := os.ReadFile(f)
		b[len(b)-5] ^= 0x20
		os.WriteFile(f, b, 0o644)
	}
	got, errOut := addrs()
	if got != want || !strings.Contains(errOut, "warning") || !strings.Contains(errOut, "checksum") || !strings.Contains(errOut, "symbolicate index --symbols") {
		t.Fatalf("with damaged indexes: same answer %v\n%s", got == want, errOut)
	}
}

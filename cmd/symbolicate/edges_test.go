package main

import (
	"archive/zip"
	"bytes"
	"compress/gzip"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/goccy/go-json"
	"github.com/symbolicate/symbolicate/dsc/dsctest"
	"github.com/symbolicate/symbolicate/internal/corpus"
)

// TestPathFlagsKeepCommas: an Xcode DeviceSupport folder name has a comma and
// spaces; one flag value is one path, never split.
func TestPathFlagsKeepCommas(t *testing.T) {
	c, _ := demoCache()
	dir := t.TempDir()
	ds := filepath.Join(dir, "iOS DeviceSupport", "iPhone14,2 16.0 (20A362)")
	caches := filepath.Join(dir, "dsc,v1")
	for _, d := range []string{ds, caches} {
		if err := os.MkdirAll(d, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	for _, f := range c.Files {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		os.WriteFile(filepath.Join(caches, filepath.Base(f)), b, 0o644)
	}
	crashes := t.TempDir()
	writeCrashes(t, crashes, 1, false)
	code, out, errOut := runCLI(t, "", filepath.Join(crashes, "crash-a.ips"), "--caches", caches, "--symbols", ds)
	if code != exitOK || strings.Contains(errOut, "no such file") || !strings.Contains(out, "Thread 0 Crashed") {
		t.Fatalf("exit %d, stderr:\n%s", code, errOut)
	}
}

// copyCache copies the demo cache's files into dir, leaving out names that
// end in skip ("" keeps all).
func copyCache(t *testing.T, dir, skip string) {
	t.Helper()
	c, _ := demoCache()
	for _, f := range c.Files {
		if skip != "" && strings.HasSuffix(f, skip) {
			continue
		}
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, filepath.Base(f)), b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

// TestCacheWithoutSymbolsFileIsDegraded: without the .symbols file, local
// functions are not presented as func_<addr>; they count as degraded, the
// summary names the missing file and its UUID, and the exit status is 3.
func TestCacheWithoutSymbolsFileIsDegraded(t *testing.T) {
	c, _ := demoCache()
	caches := t.TempDir()
	copyCache(t, caches, ".symbols")
	crashes := t.TempDir()
	writeCrashes(t, crashes, 2, false)
	code, out, errOut := runCLI(t, "", crashes, "--caches", caches)
	if code != exitUnresolved {
		t.Fatalf("exit %d, want %d:\n%s", code, exitUnresolved, errOut)
	}
	if strings.Contains(out, "func_") {
		t.Error("output presents made-up func_ names")
	}
	sym := filepath.Join(caches, filepath.Base(c.SymbolsPath))
	for _, want := range []string{"degraded", "missing symbols file " + sym + " <" + c.SymbolFileUUID.String() + ">",
		"warning: local symbols file " + sym + " not found"} {
		if !strings.Contains(errOut, want) {
			t.Errorf("stderr lacks %q:\n%s", want, errOut)
		}
	}
}

// TestWalkSkipsWhatIsNotAReport: in a folder, a README, a TestFlight
// feedback.json and a generator's expected-N.json are skipped and counted;
// named explicitly, the same file fails.
func TestWalkSkipsWhatIsNotAReport(t *testing.T) {
	c, _ := demoCache()
	dir := t.TempDir()
	writeCrashes(t, dir, 2, false)
	for name, body := range map[string]string{
		"README.txt":      "How to reproduce: tap twice.\n",
		"feedback.json":   `{"comment": "it crashed", "device": "iPhone14,2"}`,
		"expected-1.json": `[{"thread": 0, "frame": 1, "symbol": "_open"}]`,
	} {
		os.WriteFile(filepath.Join(dir, name), []byte(body), 0o644)
	}
	out := t.TempDir()
	code, _, errOut := runCLI(t, "", dir, "--caches", c.Dir, "-o", out)
	if code != exitOK || !strings.Contains(errOut, "2 crashes") || !strings.Contains(errOut, "3 skipped") {
		t.Fatalf("exit %d:\n%s", code, errOut)
	}
	entries, _ := os.ReadDir(out)
	if len(entries) != 2 {
		t.Errorf("%d outputs, want the 2 reports only", len(entries))
	}
	code, _, errOut = runCLI(t, "", filepath.Join(dir, "feedback.json"), "--caches", c.Dir)
	if code != exitBadInput || !strings.Contains(errOut, "feedback.json") {
		t.Errorf("explicit non-report: exit %d:\n%s", code, errOut)
	}
}

// TestArchivesAndBundles: a .zip of reports, an .xccrashpoint bundle and a
// .gz report, each read in place, with outputs that say where they came from.
func TestArchivesAndBundles(t *testing.T) {
	c, _ := demoCache()
	src := t.TempDir()
	_, reps := writeCrashes(t, src, 3, false)
	in := t.TempDir()
	var zb bytes.Buffer
	z := zip.NewWriter(&zb)
	for i, r := range reps[:2] {
		w, _ := z.Create(fmt.Sprintf("AppStore/crash-%d.ips", i))
		w.Write(r.Data)
	}
	z.Close()
	os.WriteFile(filepath.Join(in, "reports.zip"), zb.Bytes(), 0o644)
	logs := filepath.Join(in, "MyApp.xccrashpoint", "Filters", "Filter_1", "DistributionInfos", "all", "Logs")
	os.MkdirAll(logs, 0o755)
	os.WriteFile(filepath.Join(logs, "MyApp-2026-11-01.crash"), reps[2].Data, 0o644)
	var gz bytes.Buffer
	zw := gzip.NewWriter(&gz)
	zw.Write(reps[0].Data)
	zw.Close()
	gzPath := filepath.Join(t.TempDir(), "single.ips.gz")
	os.WriteFile(gzPath, gz.Bytes(), 0o644)

	out := t.TempDir()
	code, _, errOut := runCLI(t, "", in, "--caches", c.Dir, "-o", out)
	if code != exitOK || !strings.Contains(errOut, "3 crashes") {
		t.Fatalf("exit %d:\n%s", code, errOut)
	}
	for _, want := range []string{"reports.zip/AppStore/crash-0.symbolicated.txt", "reports.zip/AppStore/crash-1.symbolicated.txt",
		"MyApp.xccrashpoint/Filters/Filter_1/DistributionInfos/all/Logs/MyApp-2026-11-01.symbolicated.txt"} {
		if _, err := os.Stat(filepath.Join(out, want)); err != nil {
			t.Errorf("missing output %s", want)
		}
	}
	code, stdout, errOut := runCLI(t, "", gzPath, "--caches", c.Dir)
	if code != exitOK || !strings.Contains(stdout, "Thread 0 Crashed") {
		t.Errorf("explicit .gz: exit %d:\n%s", code, errOut)
	}
}

// TestOutputIsADirectoryUnlessOneFile: a directory argument holding one
// report still means -o is a directory; two inputs with the same base name
// mirror their folders instead of refusing the batch.
func TestOutputIsADirectoryUnlessOneFile(t *testing.T) {
	c, _ := demoCache()
	one := t.TempDir()
	writeCrashes(t, one, 1, false)
	out := filepath.Join(t.TempDir(), "new")
	if code, _, errOut := runCLI(t, "", one, "--caches", c.Dir, "-o", out); code != exitOK {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	if fi, err := os.Stat(filepath.Join(out, "crash-a.symbolicated.txt")); err != nil || fi.IsDir() {
		t.Errorf("-o with a directory argument is not a directory: %v", err)
	}
	root := t.TempDir()
	for _, d := range []string{"x", "y"} {
		os.MkdirAll(filepath.Join(root, d), 0o755)
		writeCrashes(t, filepath.Join(root, d), 1, false)
	}
	out = t.TempDir()
	code, _, errOut := runCLI(t, "", filepath.Join(root, "x", "crash-a.ips"), filepath.Join(root, "y", "crash-a.ips"), "--caches", c.Dir, "-o", out)
	if code != exitOK {
		t.Fatalf("same base names: exit %d: %s", code, errOut)
	}
	for _, want := range []string{"x/crash-a.symbolicated.txt", "y/crash-a.symbolicated.txt"} {
		if _, err := os.Stat(filepath.Join(out, want)); err != nil {
			t.Errorf("missing %s", want)
		}
	}
	// imagemap follows the same rule.
	out = t.TempDir()
	code, _, errOut = runCLI(t, "", "imagemap", filepath.Join(root, "x", "crash-a.ips"), filepath.Join(root, "y", "crash-a.ips"), "-o", out)
	_, e1 := os.Stat(filepath.Join(out, "x", "crash-a.cif"))
	_, e2 := os.Stat(filepath.Join(out, "y", "crash-a.cif"))
	if code != exitOK || e1 != nil || e2 != nil {
		t.Errorf("imagemap: exit %d, %v, %v: %s", code, e1, e2, errOut)
	}
}

// TestMissingCachesAreActionable: a batch against no caches names each
// missing cache once with its OS build, arch and frame count, does not list
// its images, and --missing-json has the full lists.
func TestMissingCachesAreActionable(t *testing.T) {
	c, _ := demoCache()
	dir := t.TempDir()
	writeCrashes(t, dir, 3, true)
	mj := filepath.Join(t.TempDir(), "missing.json")
	code, _, errOut := runCLI(t, "", dir, "--missing-json", mj)
	if code != exitUnresolved {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	want := "missing shared cache " + c.UUID.String() + " (iPhone OS 17.0 (21A329), arm64e): "
	if !strings.Contains(errOut, want) || !strings.Contains(errOut, "in 3 reports") {
		t.Errorf("stderr lacks %q:\n%s", want, errOut)
	}
	if !strings.Contains(errOut, "warning: no --caches or --symbols given") {
		t.Errorf("the absence of sources is not said up front:\n%s", errOut)
	}
	var m struct {
		Caches []struct {
			UUID, OS, Arch  string
			Frames, Reports int
		}
		Images []struct {
			UUID, Name, Arch, OS string
			Frames, Reports      int
		}
	}
	b, err := os.ReadFile(mj)
	if err != nil || json.Unmarshal(b, &m) != nil {
		t.Fatalf("--missing-json: %v\n%s", err, b)
	}
	if len(m.Caches) != 1 || m.Caches[0].UUID != c.UUID.String() || m.Caches[0].Arch != "arm64e" || m.Caches[0].Reports != 3 ||
		len(m.Images) == 0 || m.Images[0].Name != "SampleApp" || m.Images[0].Arch == "" || m.Images[0].OS == "" {
		t.Errorf("missing.json:\n%s", b)
	}
	// Only the app images are listed, not the dylibs of the missing cache.
	if n := strings.Count(errOut, "missing image"); n != len(m.Images) {
		t.Errorf("%d missing-image lines for %d app images:\n%s", n, len(m.Images), errOut)
	}
	for _, im := range m.Images {
		if im.Name != "SampleApp" {
			t.Errorf("a cache image is listed: %+v", im)
		}
	}
}

// TestMissingListsAreCapped: 25 missing images show 20 lines and a count.
func TestMissingListsAreCapped(t *testing.T) {
	dir := t.TempDir()
	writeCrashes(t, dir, 25, true)
	_, _, errOut := runCLI(t, "", dir)
	n := strings.Count(errOut, "\n  missing image ")
	if n != 20 || !regexp.MustCompile(`… and \d+ more missing images`).MatchString(errOut) {
		t.Errorf("%d missing-image lines:\n%s", n, errOut)
	}
}

// TestNoteOncePerBatch: a near-miss binary is noted once for a batch of
// reports that all use the image.
func TestNoteOncePerBatch(t *testing.T) {
	root := corpus.Path(t, "macho/macsymbolicator")
	orig, _ := os.ReadFile(filepath.Join(root, "crashes/single-target-crash.ips"))
	dir := t.TempDir()
	wrong := bytes.ReplaceAll(orig, []byte("01d2a9d5-1f8a-35c8-9228-7c7cca13c5fc"), []byte("01d2a9d5-1f8a-35c8-9228-000000000000"))
	for _, n := range []string{"a.ips", "b.ips", "c.ips"} {
		os.WriteFile(filepath.Join(dir, n), wrong, 0o644)
	}
	_, _, errOut := runCLI(t, "", dir, "--symbols", filepath.Join(root, "bin"), "-o", t.TempDir())
	if n := strings.Count(errOut, "note:"); n != 1 || !strings.Contains(errOut, "in 3 reports") {
		t.Errorf("%d notes, want one for 3 reports:\n%s", n, errOut)
	}
}

// TestProgressLineIsClearedAndErrorsShowWithQuiet: on a terminal the
// progress line shows the rate and is cleared before a message; -q hides the
// summary but not an input's error.
func TestProgressLineIsClearedAndErrorsShowWithQuiet(t *testing.T) {
	c, _ := demoCache()
	dir := t.TempDir()
	writeCrashes(t, dir, 3, false)
	os.WriteFile(filepath.Join(dir, "broken.ips"), []byte("{\"bug_type\":\"309\"}\n{\"threads\":["), 0o644)
	var o, e bytes.Buffer
	code := run(t.Context(), []string{dir, "--caches", c.Dir, "-j", "1"}, &ioStreams{Stdin: strings.NewReader(""), Stdout: &o, Stderr: &e, StderrTTY: true})
	s := e.String()
	if code != exitBadInput || !strings.Contains(s, "/s)") || !strings.Contains(s, "\r\033[Ksymbolicate: "+filepath.Join(dir, "broken.ips")) {
		t.Errorf("exit %d, stderr %q", code, s)
	}
	code, _, errOut := runCLI(t, "", dir, "--caches", c.Dir, "-q")
	if code != exitBadInput || !strings.Contains(errOut, "broken.ips: not a valid .ips report") || strings.Contains(errOut, "crashes,") {
		t.Errorf("-q: exit %d, stderr %q", code, errOut)
	}
}

// TestAddrsBadLineResolvesTheRest: a malformed address line is named with
// its line number; the others are resolved; the exit status is 2.
func TestAddrsBadLineResolvesTheRest(t *testing.T) {
	c, snap := writeSnapshot(t)
	im := c.Images[3]
	var fn dsctest.Function
	for _, f := range im.Functions {
		if f.Name != "" && !f.Local {
			fn = f
			break
		}
	}
	in := fmt.Sprintf("%#x\nnot-an-address\n%#x\n", fn.RuntimeAddress(snapshotSlide), fn.RuntimeAddress(snapshotSlide)+1)
	code, out, errOut := runCLI(t, in, "addrs", "--images", snap, "--caches", c.Dir)
	if code != exitBadInput || !strings.Contains(errOut, "stdin:2:") || strings.Count(out, "\n") != 2 {
		t.Errorf("exit %d, out %q, stderr %q", code, out, errOut)
	}
}

// TestSourcePathsThatDoNotExist: --caches and --symbols are treated alike.
func TestSourcePathsThatDoNotExist(t *testing.T) {
	for _, flag := range []string{"--caches", "--symbols"} {
		code, _, errOut := runCLI(t, "", "x.ips", flag, "/nonexistent")
		if code != exitUsage || !strings.Contains(errOut, "symbolicate: "+flag+" /nonexistent: no such file or directory") {
			t.Errorf("%s: exit %d, stderr %q", flag, code, errOut)
		}
	}
}

// TestConcatenatedReportsAreNamed: a second report in the same file is named
// as such.
func TestConcatenatedReportsAreNamed(t *testing.T) {
	c, reps := writeCrashes(t, t.TempDir(), 2, false)
	p := filepath.Join(t.TempDir(), "two.ips")
	os.WriteFile(p, append(append(reps[0].Data, '\n'), reps[1].Data...), 0o644)
	_, _, errOut := runCLI(t, "", p, "--caches", c.Dir)
	if !strings.Contains(errOut, "a second report starts at line") {
		t.Errorf("stderr:\n%s", errOut)
	}
}

// TestLegacyAsJSONIsText: asked for JSON, a legacy .crash is written as .txt
// with a note.
func TestLegacyAsJSONIsText(t *testing.T) {
	crash := corpus.Path(t, "macho/macsymbolicator/crashes/single-target-crash.crash")
	out := t.TempDir()
	_, _, errOut := runCLI(t, "", crash, filepath.Join(filepath.Dir(crash), "single-target-crash.ips"), "--format", "json", "-o", out)
	if _, err := os.Stat(filepath.Join(out, "single-target-crash.crash.symbolicated.txt")); err != nil || !strings.Contains(errOut, "written as text") {
		t.Errorf("%v:\n%s", err, errOut)
	}
}

// TestInertReportsAreWrittenUnchanged: a jetsam report is written back as
// read by both writers.
func TestInertReportsAreWrittenUnchanged(t *testing.T) {
	in := corpus.Path(t, "ips/13-ios14-bug298-jetsam-highwater.ips")
	want, _ := os.ReadFile(in)
	for _, f := range []string{"text", "json"} {
		code, out, errOut := runCLI(t, "", in, "--format", f)
		if code != exitOK || strings.TrimRight(out, "\n") != strings.TrimRight(string(want), "\n") || !strings.Contains(errOut, "nothing to symbolicate") {
			t.Errorf("%s: exit %d, %d bytes out of %d:\n%s", f, code, len(out), len(want), errOut)
		}
	}
}

// TestUsageAndHelp: usage errors go to stderr only; "help" works; the
// default command is not named twice; trivial switches carry no example;
// the overview lists the default command's flags.
func TestUsageAndHelp(t *testing.T) {
	code, out, errOut := runCLI(t, "", "x.ips", "--format", "xml")
	if code != exitUsage || out != "" || !strings.Contains(errOut, "Usage:") || strings.Contains(errOut, "symbolicate symbolicate") {
		t.Errorf("usage error: exit %d, stdout %q, stderr %q", code, out, errOut)
	}
	code, out, _ = runCLI(t, "", "help", "addrs")
	if code != exitOK || !strings.Contains(out, "Usage: symbolicate addrs") {
		t.Errorf("help addrs: exit %d\n%s", code, out)
	}
	if code, _, _ := runCLI(t, "", "help", "nope"); code != exitUsage {
		t.Errorf("help nope: exit %d", code)
	}
	_, out, _ = runCLI(t, "", "--help")
	if strings.Contains(out, "Example: --version") || !strings.Contains(out, "--caches=PATH") || !strings.Contains(out, "--missing-json") {
		t.Errorf("--help:\n%s", out)
	}
}

// TestMessagesHaveNoInternalPrefixes: errors name the file and what is wrong
// in words, with no package names or doubled prefixes.
func TestMessagesHaveNoInternalPrefixes(t *testing.T) {
	p := filepath.Join(t.TempDir(), "broken.ips")
	os.WriteFile(p, []byte("{\"bug_type\":\"309\"}\n{\"threads\":[{\"frames\":[{\"imageIndex\":"), 0o644)
	_, _, errOut := runCLI(t, "", p)
	want := p + ": not a valid .ips report: line 2, byte 0x38, in payload: unexpected end of input"
	if !strings.Contains(errOut, want) {
		t.Errorf("stderr lacks %q:\n%s", want, errOut)
	}
	_, _, errOut = runCLI(t, "", "dsc", "info", p)
	for _, bad := range []string{"dsc:", "symbolicate: symbolicate:", "objfile:", "ips: offset"} {
		if strings.Contains(errOut, bad) {
			t.Errorf("message has %q: %s", bad, errOut)
		}
	}
}

// TestCachesScanSkipsJunkQuietly: a tree of small junk files and files that
// start like a cache header prints a few warnings and a count, not one line
// each.
func TestCachesScanSkipsJunkQuietly(t *testing.T) {
	dir := t.TempDir()
	copyCache(t, dir, "")
	junk := filepath.Join(dir, "junk")
	os.MkdirAll(junk, 0o755)
	for i := range 40 {
		b := append([]byte("dyld_v1  arm64e\x00"), bytes.Repeat([]byte{0xff}, 5000)...)
		os.WriteFile(filepath.Join(junk, fmt.Sprintf("bad-%d", i)), b, 0o644)
		os.WriteFile(filepath.Join(junk, fmt.Sprintf("tiny-%d", i)), []byte("dyld_v1"), 0o644)
	}
	crashes := t.TempDir()
	writeCrashes(t, crashes, 1, false)
	code, _, errOut := runCLI(t, "", crashes, "--caches", dir)
	if code != exitOK || strings.Count(errOut, "warning:") > 6 || !strings.Contains(errOut, "and 35 more like that") {
		t.Errorf("exit %d:\n%s", code, errOut)
	}
}

// TestIndexCommandAndIndexDir: "symbolicate index" writes an index; a batch
// with --index-dir answers from it, byte for byte as without; a damaged
// index is reported, not trusted, and rewritten by the next batch.
func TestIndexCommandAndIndexDir(t *testing.T) {
	caches := t.TempDir()
	copyCache(t, caches, "")
	idx := t.TempDir()
	code, out, errOut := runCLI(t, "", "index", "--caches", caches, "--index-dir", idx)
	if code != exitOK || !strings.Contains(out, "written") {
		t.Fatalf("index: exit %d\n%s%s", code, out, errOut)
	}
	ents, _ := os.ReadDir(idx)
	if len(ents) != 1 || !strings.HasSuffix(ents[0].Name(), ".symidx") {
		t.Fatalf("index dir holds %v", ents)
	}
	crashes := t.TempDir()
	writeCrashes(t, crashes, 3, false)
	_, plain, _ := runCLI(t, "", crashes, "--caches", caches)
	code, indexed, errOut := runCLI(t, "", crashes, "--caches", caches, "--index-dir", idx)
	if code != exitOK || indexed != plain {
		t.Fatalf("with the index: exit %d, same output %v\n%s", code, indexed == plain, errOut)
	}
	code, out, _ = runCLI(t, "", "index", "--caches", caches, "--index-dir", idx)
	if code != exitOK || !strings.Contains(out, "up to date") {
		t.Errorf("second index run: exit %d\n%s", code, out)
	}
	p := filepath.Join(idx, ents[0].Name())
	b, _ := os.ReadFile(p)
	b[20] ^= 0xff
	os.WriteFile(p, b, 0o644)
	code, damaged, errOut := runCLI(t, "", crashes, "--caches", caches, "--index-dir", idx)
	if code != exitOK || damaged != plain || !strings.Contains(errOut, "not used") {
		t.Fatalf("damaged index: exit %d, same output %v\n%s", code, damaged == plain, errOut)
	}
	if b2, _ := os.ReadFile(p); bytes.Equal(b2, b) {
		t.Error("the damaged index was not rewritten")
	}
}

// TestEmptyIndexDirEnvWritesNothing: SYMBOLICATE_INDEX_DIR set but empty
// means no index, not the working directory.
func TestEmptyIndexDirEnvWritesNothing(t *testing.T) {
	caches := t.TempDir()
	copyCache(t, caches, "")
	crashes := t.TempDir()
	writeCrashes(t, crashes, 1, false)
	wd := t.TempDir()
	t.Chdir(wd)
	t.Setenv("SYMBOLICATE_INDEX_DIR", "")
	if code, _, errOut := runCLI(t, "", crashes, "--caches", caches); code != exitOK {
		t.Fatalf("exit %d\n%s", code, errOut)
	}
	if ents, _ := os.ReadDir(wd); len(ents) != 0 {
		t.Errorf("the working directory holds %v", ents)
	}
	idx := t.TempDir()
	t.Setenv("SYMBOLICATE_INDEX_DIR", idx)
	if code, _, errOut := runCLI(t, "", crashes, "--caches", caches); code != exitOK {
		t.Fatalf("exit %d\n%s", code, errOut)
	}
	if ents, _ := os.ReadDir(idx); len(ents) != 1 {
		t.Errorf("SYMBOLICATE_INDEX_DIR holds %v, want one index", ents)
	}
}

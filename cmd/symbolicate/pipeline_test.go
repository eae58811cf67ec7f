package main

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/symbolicate/symbolicate/crashlog"
	"github.com/symbolicate/symbolicate/dsc/dsctest"
	"github.com/symbolicate/symbolicate/internal/corpus"
)

// TestKernelStyleReportThroughPipeline: a bug_type 210 report whose user
// frames are [imageIndex, offset] tuples relative to the shared cache ("S"
// image, the cache's UUID) and to one dylib ("P" image, the dylib's UUID).
func TestKernelStyleReportThroughPipeline(t *testing.T) {
	c, err := demoCache()
	if err != nil {
		t.Fatal(err)
	}
	im := c.Images[2]
	var fns []dsctest.Function
	for _, f := range im.Functions {
		if f.Name != "" && !f.Local && f.Size > 8 {
			fns = append(fns, f)
		}
	}
	if len(fns) < 2 {
		t.Fatal("demo image has too few exported functions")
	}
	const slide = 0x24000
	a, b := fns[0], fns[1]
	report := fmt.Sprintf(`{"bug_type":"210","os_version":"iPhone OS 17.0 (21A329)","incident_id":"11111111-2222-3333-4444-555555555555"}
{"product":"iPhone15,2","processByPid":{"55":{"pid":55,"procname":"backboardd","threadById":{"700":{"id":700,"userFrames":[[1,%d],[2,%d]],"kernelFrames":[[0,4096]]}}}},
"binaryImages":[["c1421340-45c5-38e5-af75-bddd9d93704c",18446744005157134816,"T"],[%q,%d,"S"],[%q,%d,"P"]]}`,
		a.Address+4-c.Base, b.Address+8-im.Address,
		strings.ToLower(c.UUID.String()), c.Base+slide, strings.ToLower(im.UUID.String()), im.Address+slide)
	in := filepath.Join(t.TempDir(), "panic.ips")
	os.WriteFile(in, []byte(report), 0o644)
	code, out, errOut := runCLI(t, "", "--format", "json", "--no-demangle", in, "--caches", c.Dir)
	if code != exitOK && code != exitUnresolved {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	rep, err := crashlog.Parse([]byte(out))
	if err != nil {
		t.Fatalf("output does not parse: %v", err)
	}
	fr := rep.Threads[0].Frames
	if len(fr) != 2 || fr[0].Symbol != strings.TrimPrefix(a.Name, "_") || fr[0].SymbolLocation != 4 ||
		fr[1].Symbol != strings.TrimPrefix(b.Name, "_") || fr[1].SymbolLocation != 8 {
		t.Fatalf("frames %+v; want %s + 4 (via the cache image) and %s + 8 (via the dylib)", fr, a.Name, b.Name)
	}
	if !strings.Contains(errOut, "not resolvable") {
		t.Errorf("the kernel frame should be counted as not resolvable: %s", errOut)
	}
}

// TestLegacyCrashThroughPipeline: a real legacy text report goes through the
// same pipeline and comes back as text with the app frames filled in.
func TestLegacyCrashThroughPipeline(t *testing.T) {
	root := corpus.Path(t, "macho/macsymbolicator")
	crash := filepath.Join(root, "crashes/single-target-crash.crash")
	code, out, errOut := runCLI(t, "", crash, "--symbols", root, "--format", "json")
	if code != exitOK && code != exitUnresolved {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	for _, want := range []string{"-[MyClass crashingMethod] + 4 (main.m:21)", "main + 46 (main.m:28)"} {
		if !strings.Contains(out, want) {
			t.Errorf("legacy output lacks %q", want)
		}
	}
	in, _ := os.ReadFile(crash)
	if !strings.HasPrefix(out, string(in[:bytes.IndexByte(in, '\n')])) {
		t.Error("legacy output does not start like its input")
	}
}

// TestBinaryMismatchIsReportedNotUsed: a binary with the image's name but
// another UUID, and the right UUID in another arch, are named in the summary
// and never used.
func TestBinaryMismatchIsReportedNotUsed(t *testing.T) {
	root := corpus.Path(t, "macho/macsymbolicator")
	orig, err := os.ReadFile(filepath.Join(root, "crashes/single-target-crash.ips"))
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	// The report's CrashingTest image UUID, changed: the binary named
	// CrashingTest no longer matches.
	wrongUUID := bytes.Replace(orig, []byte("01d2a9d5-1f8a-35c8-9228-7c7cca13c5fc"), []byte("01d2a9d5-1f8a-35c8-9228-000000000000"), -1)
	// The right UUID (the x86_64 slice's), but the report says arm64.
	wrongArch := bytes.Replace(orig, []byte(`"arch" : "x86_64"`), []byte(`"arch" : "arm64"`), 1)
	if bytes.Equal(wrongUUID, orig) || bytes.Equal(wrongArch, orig) {
		t.Fatal("corpus report changed: edits did not apply")
	}
	for name, data := range map[string][]byte{"wrong-uuid.ips": wrongUUID, "wrong-arch.ips": wrongArch} {
		p := filepath.Join(dir, name)
		os.WriteFile(p, data, 0o644)
		code, out, errOut := runCLI(t, "", p, "--symbols", filepath.Join(root, "bin"))
		if code != exitUnresolved {
			t.Errorf("%s: exit %d, want %d", name, code, exitUnresolved)
		}
		if strings.Contains(out, "crashingMethod") {
			t.Errorf("%s: a mismatched binary was used", name)
		}
		if !strings.Contains(errOut, "note:") || !strings.Contains(errOut, "CrashingTest") {
			t.Errorf("%s: mismatch not reported:\n%s", name, errOut)
		}
	}
}

func TestStdinInputAndProgressOnTerminal(t *testing.T) {
	dir := t.TempDir()
	c, _ := writeCrashes(t, dir, 2, false)
	data, _ := os.ReadFile(filepath.Join(dir, "crash-a.ips"))
	code, out, errOut := runCLI(t, string(data), "-", "--caches", c.Dir)
	if code != exitOK || !strings.Contains(out, "Thread 0 Crashed") {
		t.Fatalf("stdin: exit %d: %s", code, errOut)
	}
	var o, e bytes.Buffer
	code = run(t.Context(), []string{dir, "--caches", c.Dir}, &ioStreams{Stdin: strings.NewReader(""), Stdout: &o, Stderr: &e, StderrTTY: true})
	if code != exitOK || !strings.Contains(e.String(), "\rsymbolicating 2/2") {
		t.Fatalf("no progress line on a terminal: exit %d, stderr %q", code, e.String())
	}
	if strings.Contains(o.String(), "symbolicating") {
		t.Error("progress written to stdout")
	}
}

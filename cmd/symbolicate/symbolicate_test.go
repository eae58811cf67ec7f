package main

import (
	"bytes"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"sync"
	"testing"

	"github.com/goccy/go-json"

	"github.com/symbolicate/symbolicate/dsc/dsctest"
	"github.com/symbolicate/symbolicate/internal/corpus"
	"github.com/symbolicate/symbolicate/internal/crashgen"
	"github.com/symbolicate/symbolicate/process"
)

var demoCache = sync.OnceValues(func() (*dsctest.Cache, error) { return dsctest.Cached(dsctest.Demo(11)) })

// writeCrashes writes n generated crashes into dir; app adds an image with no binary.
func writeCrashes(t *testing.T, dir string, n int, app bool) (*dsctest.Cache, []*crashgen.Report) {
	t.Helper()
	c, err := demoCache()
	if err != nil {
		t.Fatal(err)
	}
	var reps []*crashgen.Report
	for i := 0; i < n; i++ {
		cfg := crashgen.Config{Seed: uint64(i), Slide: uint64(i+3) << 14, Threads: 2, Frames: 6, OSSymbolicated: 0.2, Boundary: 0.2}
		if app {
			cfg.AppUUID = process.UUID{0xA9, byte(i)}
		}
		rep, err := crashgen.Generate(c, cfg)
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, "crash-"+string(rune('a'+i))+".ips"), rep.Data, 0o644); err != nil {
			t.Fatal(err)
		}
		reps = append(reps, rep)
	}
	return c, reps
}

func TestSymbolicateAllResolvedExitsZero(t *testing.T) {
	dir := t.TempDir()
	c, reps := writeCrashes(t, dir, 1, false)
	in := filepath.Join(dir, "crash-a.ips")
	before, _ := os.ReadFile(in)
	code, out, errOut := runCLI(t, "", in, "--caches", c.Dir)
	if code != exitOK {
		t.Fatalf("exit %d, stderr %s", code, errOut)
	}
	for _, name := range reps[0].Names() {
		want := strings.TrimPrefix(name, "_") // C names print without the Mach-O underscore
		if !strings.HasPrefix(name, "_$s") && !strings.HasPrefix(name, "__Z") && !strings.Contains(out, want) {
			t.Errorf("output lacks %q", want)
		}
	}
	if !strings.Contains(errOut, "1 crash, 12 frames") {
		t.Errorf("summary = %q", errOut)
	}
	if after, _ := os.ReadFile(in); !bytes.Equal(before, after) {
		t.Error("input file was modified")
	}
}

func TestSymbolicateBatchToDirectory(t *testing.T) {
	dir := t.TempDir()
	c, _ := writeCrashes(t, dir, 3, true)
	if err := os.WriteFile(filepath.Join(dir, "broken.ips"), []byte("{\"bug_type\":\"309\"}\n{\"threads\":[{\"frames\":[{\"imageIndex\":"), 0o644); err != nil {
		t.Fatal(err)
	}
	out := filepath.Join(t.TempDir(), "out")
	code, _, errOut := runCLI(t, "", dir, "--caches", c.Dir, "-o", out+"/", "--format", "json")
	if code != exitBadInput {
		t.Fatalf("exit %d, want %d (a corrupt file in the batch); stderr %s", code, exitBadInput, errOut)
	}
	if !strings.Contains(errOut, "broken.ips") || !strings.Contains(errOut, "3 crashes") || !strings.Contains(errOut, "missing image") {
		t.Errorf("summary does not name the failure, the crashes and the missing images: %s", errOut)
	}
	ents, err := os.ReadDir(out)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, e := range ents {
		names = append(names, e.Name())
	}
	want := []string{"crash-a.symbolicated.ips", "crash-b.symbolicated.ips", "crash-c.symbolicated.ips"}
	if !reflect.DeepEqual(names, want) {
		t.Fatalf("outputs = %v, want %v (no temp files, nothing for the broken input)", names, want)
	}
}

func TestSymbolicateMissingImagesExitThree(t *testing.T) {
	dir := t.TempDir()
	c, _ := writeCrashes(t, dir, 2, true)
	code, out, errOut := runCLI(t, "", dir, "--caches", c.Dir, "-j", "1")
	if code != exitUnresolved {
		t.Fatalf("exit %d, want %d; stderr %s", code, exitUnresolved, errOut)
	}
	if strings.Count(out, "==> ") != 2 || strings.Index(out, "crash-a.ips") > strings.Index(out, "crash-b.ips") {
		t.Errorf("outputs not headed and ordered by input:\n%s", out)
	}
}

func TestSymbolicateNoCachesNamesMissingCache(t *testing.T) {
	dir := t.TempDir()
	c, _ := writeCrashes(t, dir, 1, false)
	code, _, errOut := runCLI(t, "", filepath.Join(dir, "crash-a.ips"))
	if code != exitUnresolved || !strings.Contains(errOut, "missing shared cache "+c.UUID.String()) {
		t.Fatalf("exit %d, stderr %s", code, errOut)
	}
}

func TestSymbolicateUsageErrors(t *testing.T) {
	for _, args := range [][]string{
		{"x.ips", "-j", "0"},
		{"x.ips", "--max-input-size", "lots"},
		{"[.ips"},
	} {
		if code, _, errOut := runCLI(t, "", args...); code != exitUsage {
			t.Errorf("%v: exit %d, want %d; stderr %s", args, code, exitUsage, errOut)
		}
	}
}

// TestMissingExplicitInputDoesNotStopTheBatch: a mistyped path or a pattern
// matching nothing is reported, the other inputs are processed, and the exit
// status says some input could not be read.
func TestMissingExplicitInputDoesNotStopTheBatch(t *testing.T) {
	dir := t.TempDir()
	c, _ := writeCrashes(t, dir, 1, false)
	out := t.TempDir()
	code, _, errOut := runCLI(t, "", "/no/such/file.ips", filepath.Join(dir, "nomatch-*.ips"), filepath.Join(dir, "crash-a.ips"),
		"--caches", c.Dir, "-o", out)
	if code != exitBadInput || !strings.Contains(errOut, "/no/such/file.ips: stat /no/such/file.ips: no such file or directory") ||
		!strings.Contains(errOut, "matches no files") || !strings.Contains(errOut, "1 crash") {
		t.Fatalf("exit %d, stderr:\n%s", code, errOut)
	}
	if _, err := os.Stat(filepath.Join(out, "crash-a.symbolicated.txt")); err != nil {
		t.Errorf("the readable input was not written: %v", err)
	}
}

// TestJSONRoundTripOfEveryCorpusReport: without caches nothing is resolved, so
// the JSON output of every real .ips report equals its input as JSON values,
// integers compared exactly.
func TestJSONRoundTripOfEveryCorpusReport(t *testing.T) {
	dir := corpus.Path(t, "ips")
	ents, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	checked := 0
	for _, e := range ents {
		if !strings.HasSuffix(e.Name(), ".ips") {
			continue
		}
		path := filepath.Join(dir, e.Name())
		code, out, errOut := runCLI(t, "", "--format", "json", "-q", path)
		if code == exitBadInput {
			t.Errorf("%s: not parsed: %s", e.Name(), errOut)
			continue
		}
		if strings.Contains(errOut, "nothing to symbolicate") {
			continue // recognised, named type (jetsam, resource report, …)
		}
		in, _ := os.ReadFile(path)
		if _, body, _ := strings.Cut(out, "\n"); !strings.HasPrefix(strings.TrimSpace(body), "{") {
			continue // legacy text body (bug_type 109): written as text
		}
		if !sameJSONValues(t, in, []byte(out)) {
			t.Errorf("%s: JSON round trip changed values", e.Name())
		}
		checked++
	}
	t.Logf("%d reports round-tripped as JSON values", checked)
	if checked < 8 {
		t.Errorf("only %d reports round-tripped", checked)
	}
}

// sameJSONValues compares two .ips documents (header line and payload) as JSON
// values with exact numbers.
func sameJSONValues(t *testing.T, a, b []byte) bool {
	t.Helper()
	decodeAll := func(data []byte) []any {
		data = bytes.ReplaceAll(data, []byte("\r\n"), []byte("\n"))
		nl := bytes.IndexByte(data, '\n')
		var out []any
		for _, part := range [][]byte{data[:nl], data[nl+1:]} {
			d := json.NewDecoder(bytes.NewReader(part))
			d.UseNumber()
			var v any
			if err := d.Decode(&v); err != nil {
				t.Fatalf("decoding: %v", err)
			}
			out = append(out, v)
		}
		return out
	}
	return reflect.DeepEqual(decodeAll(a), decodeAll(b))
}

// TestEveryCorpusReportParsesOrIsNamed runs the whole real-report corpus as
// one batch: nothing may fail to parse; recognised types with nothing to
// symbolicate are named.
func TestEveryCorpusReportParsesOrIsNamed(t *testing.T) {
	dir := corpus.Path(t, "ips")
	out := t.TempDir()
	code, _, errOut := runCLI(t, "", dir, "-o", out)
	if code != exitUnresolved { // no caches: images are missing, but nothing failed
		t.Fatalf("exit %d, want %d:\n%s", code, exitUnresolved, errOut)
	}
	for _, want := range []string{
		"bug_type 298 (Jetsam): nothing to symbolicate",
		"legacy text report (Panic): nothing to symbolicate",
	} {
		if !strings.Contains(errOut, want) {
			t.Errorf("stderr lacks %q", want)
		}
	}
	if strings.Contains(errOut, "failed") {
		t.Errorf("some report failed:\n%s", errOut)
	}
	// Microstackshot reports (145, 202) are symbolicated now, not skipped.
	for _, skipped := range []string{"bug_type 202", "bug_type 145"} {
		if strings.Contains(errOut, skipped) {
			t.Errorf("%s was skipped:\n%s", skipped, errOut)
		}
	}
}

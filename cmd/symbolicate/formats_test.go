package main

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/symbolicate/symbolicate/internal/crashgen"
	"github.com/symbolicate/symbolicate/process"
)

// writeMixedBatch writes one generated input of every format into dir.
func writeMixedBatch(t *testing.T, dir string) map[string]*crashgen.Report {
	t.Helper()
	c, err := demoCache()
	if err != nil {
		t.Fatal(err)
	}
	cfg := crashgen.Config{Seed: 21, Slide: 4 << 14, Threads: 3, Frames: 8, Boundary: 0.2, AppUUID: process.UUID{0xAD}}
	reps := map[string]*crashgen.Report{}
	add := func(name string, rep *crashgen.Report, err error) {
		if err != nil {
			t.Fatal(err)
		}
		reps[name] = rep
		if err := os.WriteFile(filepath.Join(dir, name), rep.Data, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	rep, err := crashgen.Generate(c, cfg)
	add("crash.ips", rep, err)
	rep, err = crashgen.SwiftBacktrace(c, cfg, crashgen.SwiftOptions{Async: 0.3})
	add("swift.json", rep, err)
	rep, err = crashgen.SwiftBacktrace(c, cfg, crashgen.SwiftOptions{Text: true})
	add("swift.txt", rep, err)
	rep, err = crashgen.MetricKit(c, cfg, crashgen.MetricKitOptions{LoadAddress: true})
	add("metrickit-crash.json", rep, err)
	rep, err = crashgen.MetricKit(c, cfg, crashgen.MetricKitOptions{Sampled: true})
	add("metrickit-hang.json", rep, err)
	rep, err = crashgen.Sample(c, cfg, crashgen.SampleOptions{})
	add("sample.txt", rep, err)
	rep, err = crashgen.Sample(c, cfg, crashgen.SampleOptions{Spindump: true})
	add("spindump.txt", rep, err)
	return reps
}

// TestMixedFormatBatch runs a batch holding every input format with one
// worker and with eight: the outputs must be byte-identical, every input
// symbolicated, and each answer present in its output.
func TestMixedFormatBatch(t *testing.T) {
	c, _ := demoCache()
	in := t.TempDir()
	reps := writeMixedBatch(t, in)
	outs := map[string]string{}
	for _, jobs := range []string{"1", "8"} {
		for _, form := range []string{"text", "json"} {
			out := t.TempDir()
			code, _, errOut := runCLI(t, "", in, "--caches", c.Dir, "-o", out, "-j", jobs, "--format", form, "--no-demangle")
			if code != exitUnresolved { // the app image has no binary
				t.Fatalf("-j %s --format %s: exit %d:\n%s", jobs, form, code, errOut)
			}
			if !strings.Contains(errOut, "7 crashes") {
				t.Errorf("-j %s: summary:\n%s", jobs, errOut)
			}
			ents, _ := os.ReadDir(out)
			var all bytes.Buffer
			for _, e := range ents {
				b, _ := os.ReadFile(filepath.Join(out, e.Name()))
				all.WriteString("== " + e.Name() + "\n")
				all.Write(b)
			}
			key := form
			if prev, ok := outs[key]; ok && prev != all.String() {
				t.Errorf("--format %s: -j 1 and -j 8 outputs differ", form)
			}
			outs[key] = all.String()
			if form != "text" {
				continue
			}
			for name, rep := range reps {
				b, err := os.ReadFile(filepath.Join(out, strings.TrimSuffix(strings.TrimSuffix(name, ".txt"), ".json")+".symbolicated.txt"))
				if err != nil {
					b, err = os.ReadFile(filepath.Join(out, strings.TrimSuffix(name, ".ips")+".symbolicated.txt"))
				}
				if err != nil {
					t.Errorf("%s: no output: %v (%v)", name, err, ents)
					continue
				}
				for _, f := range rep.Frames {
					if f.Symbol != "" && !bytes.Contains(b, []byte(strings.TrimPrefix(f.Symbol, "_"))) {
						t.Errorf("%s: output lacks %s", name, f.Symbol)
						break
					}
				}
			}
		}
	}
}

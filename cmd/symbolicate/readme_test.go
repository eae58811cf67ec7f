package main

import (
	"archive/zip"
	"bufio"
	"bytes"
	"compress/gzip"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"syscall"
	"testing"

	"github.com/symbolicate/symbolicate/internal/crashgen"
	"github.com/symbolicate/symbolicate/internal/supervise"
	"github.com/symbolicate/symbolicate/process"
)

// TestMain lets the test binary stand in for the symbolicate command, so the
// README's examples run the code under test without a separate build.
func TestMain(m *testing.M) {
	if os.Getenv("SYMBOLICATE_TEST_AS_MAIN") == "1" {
		if os.Getenv("SYMBOLICATE_TEST_CRASH") == "1" {
			// A stand-in for a bug the runtime cannot recover from: the
			// supervised child panics on a goroutine.
			if code, done := supervise.Run("symbolicate", exitInternal); done {
				os.Exit(code)
			}
			go func() { panic("test crash") }()
			select {}
		}
		os.Exit(mainStatus())
	}
	os.Exit(m.Run())
}

// TestREADMEExamplesRun runs every symbolicate command line of the README's
// sh blocks, as written, in a directory holding the files they name (made
// from the demo's generated cache and crashes), with $HOME/dsc holding the
// cache. Each must run: exit 0, or 3 where the example's addresses or app
// image have nothing to match, and never a usage error or a missing file.
func TestREADMEExamplesRun(t *testing.T) {
	if _, err := exec.LookPath("sh"); err != nil {
		t.Skip("no sh")
	}
	readme, err := os.ReadFile("../../README.md")
	if err != nil {
		t.Fatal(err)
	}
	dir := readmeSandbox(t)
	bin := t.TempDir()
	self, _ := os.Executable()
	if err := os.Symlink(self, filepath.Join(bin, "symbolicate")); err != nil {
		t.Fatal(err)
	}
	env := append(os.Environ(), "HOME="+filepath.Join(dir, "home"), "XDG_CACHE_HOME="+filepath.Join(dir, "home", ".cache"), "SYMBOLICATE_INDEX_DIR=", "PATH="+bin+":"+os.Getenv("PATH"), "SYMBOLICATE_TEST_AS_MAIN=1",
		"SYMBOLICATE_CACHES=", "SYMBOLICATE_SYMBOLS=")
	lines := readmeCommands(string(readme))
	if len(lines) < 20 {
		t.Fatalf("found only %d example lines in the README", len(lines))
	}
	// The queue examples run against a server and a worker of the test's
	// own (the README's serve and worker lines, on a port the test picks).
	const readmeNATS = "nats://127.0.0.1:4222"
	var worker *exec.Cmd
	var url string
	for i, line := range lines {
		if !strings.Contains(line, readmeNATS) {
			continue
		}
		if worker == nil {
			e := natsServer(t, t.TempDir())
			var werr *lockedBuffer
			worker, werr = child(t, "worker", "--nats", e.URL(), "--caches", filepath.Join(dir, "home", "dsc"), "--name", "readme")
			start(t, worker)
			defer func() {
				worker.Process.Signal(syscall.SIGTERM)
				if code := wait(t, worker); code != 0 {
					t.Errorf("the worker exited %d:\n%s", code, werr)
				}
			}()
			url = e.URL()
		}
		lines[i] = strings.ReplaceAll(line, readmeNATS, url)
	}
	for _, line := range lines {
		cmd := exec.Command("sh", "-c", line)
		cmd.Dir, cmd.Env = dir, env
		var errOut bytes.Buffer
		cmd.Stderr, cmd.Stdout = &errOut, &bytes.Buffer{}
		err := cmd.Run()
		code := cmd.ProcessState.ExitCode()
		t.Logf("exit %d: %s", code, line)
		if err != nil && code != exitUnresolved || strings.Contains(errOut.String(), "no such file") ||
			strings.Contains(errOut.String(), "Usage:") {
			t.Errorf("%s\nexit %d: %v\n%s", line, code, err, errOut.String())
		}
	}
}

// readmeCommands returns the lines of the README's sh blocks that run
// symbolicate (directly, after environment assignments, or in a pipe).
func readmeCommands(readme string) []string {
	var out []string
	in := false
	runs := regexp.MustCompile(`^([A-Z_]+=\S+ )*symbolicate |\| symbolicate `)
	sc := bufio.NewScanner(strings.NewReader(readme))
	for sc.Scan() {
		l := sc.Text()
		switch {
		case strings.HasPrefix(l, "```sh"):
			in = true
		case strings.HasPrefix(l, "```"):
			in = false
		case in && (strings.HasPrefix(l, "symbolicate serve") || strings.HasPrefix(l, "symbolicate worker")):
			// Long-running: the service and worker are run by TestServeSignals
			// and the worker tests instead.
		case in && runs.MatchString(l):
			out = append(out, l)
		}
	}
	return out
}

// readmeSandbox makes a directory with the files the README's examples name.
func readmeSandbox(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	must(os.MkdirAll(filepath.Join(dir, "crashes"), 0o755))
	c, reps := writeCrashes(t, filepath.Join(dir, "crashes"), 3, true)
	must(os.MkdirAll(filepath.Join(dir, "crashes", "older"), 0o755))
	must(os.Rename(filepath.Join(dir, "crashes", "crash-c.ips"), filepath.Join(dir, "crashes", "older", "crash-c.ips")))
	must(os.WriteFile(filepath.Join(dir, "crashes", "README.txt"), []byte("notes, not a report\n"), 0o644))
	must(os.WriteFile(filepath.Join(dir, "crash.ips"), reps[0].Data, 0o644))
	// $HOME/dsc (and two OS folders under it) hold the cache; so does the
	// directory itself, for the dsc commands.
	for _, d := range []string{"home/dsc/iOS17", "home/dsc/iOS18", "build", "logs"} {
		must(os.MkdirAll(filepath.Join(dir, d), 0o755))
	}
	for _, f := range c.Files {
		b, err := os.ReadFile(f)
		must(err)
		for _, d := range []string{"home/dsc/iOS17", "."} {
			must(os.WriteFile(filepath.Join(dir, d, filepath.Base(f)), b, 0o644))
		}
	}
	must(os.WriteFile(filepath.Join(dir, "logs", "app.txt"), []byte("crashed in $s4main3fooyyF\n"), 0o644))
	var gz bytes.Buffer
	zw := gzip.NewWriter(&gz)
	zw.Write(reps[1].Data)
	zw.Close()
	must(os.WriteFile(filepath.Join(dir, "crash.ips.gz"), gz.Bytes(), 0o644))
	var zb bytes.Buffer
	z := zip.NewWriter(&zb)
	for i, r := range reps {
		w, err := z.Create("Crashes/App-" + string(rune('1'+i)) + ".ips")
		must(err)
		w.Write(r.Data)
	}
	must(z.Close())
	must(os.WriteFile(filepath.Join(dir, "reports.zip"), zb.Bytes(), 0o644))
	// One input of each other format.
	cfg := crashgen.Config{Seed: 5, Slide: 3 << 14, Threads: 2, Frames: 6, AppUUID: process.UUID{0xA1}}
	swift, err := crashgen.SwiftBacktrace(c, cfg, crashgen.SwiftOptions{})
	must(err)
	must(os.WriteFile(filepath.Join(dir, "swift-crash.json"), swift.Data, 0o644))
	mk, err := crashgen.MetricKit(c, cfg, crashgen.MetricKitOptions{Sampled: true})
	must(err)
	must(os.WriteFile(filepath.Join(dir, "metrickit.json"), mk.Data, 0o644))
	hang, err := crashgen.Sample(c, cfg, crashgen.SampleOptions{Spindump: true})
	must(err)
	must(os.WriteFile(filepath.Join(dir, "app.hang"), hang.Data, 0o644))
	_, snap := writeSnapshot(t)
	b, err := os.ReadFile(snap)
	must(err)
	must(os.WriteFile(filepath.Join(dir, "process.cinfo"), b, 0o644))
	code, js, errOut := runCLI(t, "", "decode", "--format", "json", filepath.Join(dir, "crash.ips"))
	if code != exitOK {
		t.Fatalf("decode: %s", errOut)
	}
	must(os.WriteFile(filepath.Join(dir, "images.json"), []byte(js), 0o644))
	if code, _, errOut := runCLI(t, "", "imagemap", filepath.Join(dir, "crash.ips"), "-o", filepath.Join(dir, "imagemap.cif")); code != exitOK {
		t.Fatalf("imagemap: %s", errOut)
	}
	return dir
}

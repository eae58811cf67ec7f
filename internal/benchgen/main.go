// Command benchgen measures the main job the way CI runs it: a cold
// `symbolicate` process symbolicating a directory of crashes against a
// full-scale generated shared cache (dsctest.FullScale: 1,600 images, 3.2
// million functions). It generates the cache once (reused from the temp
// directory on later runs), writes the crashes, runs the binary and prints
// wall time, CPU time and peak RSS (getrusage of the child).
//
// Usage: go run ./internal/benchgen [-crashes 1000] [-threads 4 -frames 15] [-demo] [-realistic] [-dir out/bench] [-bin bin/symbolicate] [-j 0]
//
// One crash of 10⁶ frames (-crashes 1 -threads 1000 -frames 1000) measures
// memory per frame.
package main

import (
	"flag"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"syscall"
	"time"

	"github.com/symbolicate/symbolicate/dsc/dsctest"
	"github.com/symbolicate/symbolicate/internal/crashgen"
	"github.com/symbolicate/symbolicate/process"
)

func main() {
	n := flag.Int("crashes", 1000, "number of crashes")
	dir := flag.String("dir", "out/bench", "directory for crashes and outputs")
	bin := flag.String("bin", "bin/symbolicate", "symbolicate binary to run")
	jobs := flag.Int("j", 0, "workers (-j); 0 = the binary's default")
	format := flag.String("format", "text", "output format")
	threads := flag.Int("threads", 4, "threads per crash")
	perThread := flag.Int("frames", 15, "frames per thread")
	demo := flag.Bool("demo", false, "use the small demo cache instead of the full-scale one")
	realistic := flag.Bool("realistic", false, "frames spread as in device reports (mostly the 40 most used system images) instead of uniformly")
	flag.Parse()
	cfg := dsctest.FullScale(1)
	if *demo {
		cfg = dsctest.Demo(1)
	}
	if err := run(cfg, *n, *dir, *bin, *jobs, *format, *threads, *perThread, *realistic); err != nil {
		fmt.Fprintln(os.Stderr, "benchgen:", err)
		os.Exit(1)
	}
}

func run(cfg dsctest.Config, n int, dir, bin string, jobs int, format string, threads, perThread int, realistic bool) error {
	t0 := time.Now()
	c, err := dsctest.Cached(cfg)
	if err != nil {
		return err
	}
	fmt.Printf("cache: %s (%d images) ready in %v\n", c.MainPath, len(c.Images), time.Since(t0).Round(time.Millisecond))

	crashDir := filepath.Join(dir, "crashes")
	outDir := filepath.Join(dir, "out")
	for _, d := range []string{crashDir, outDir} {
		if err := os.RemoveAll(d); err != nil {
			return err
		}
		if err := os.MkdirAll(d, 0o755); err != nil {
			return err
		}
	}
	app := process.UUID{0xBE, 0xAC, 0x4E, 0x5A}
	frames := 0
	for i := 0; i < n; i++ {
		rep, err := crashgen.Generate(c, crashgen.Config{Seed: uint64(i), Slide: uint64(i%512+1) << 14,
			Threads: threads, Frames: perThread, Boundary: 0.1, AppUUID: app, Realistic: realistic})
		if err != nil {
			return err
		}
		frames += len(rep.Frames)
		if err := os.WriteFile(filepath.Join(crashDir, fmt.Sprintf("crash-%04d.ips", i)), rep.Data, 0o644); err != nil {
			return err
		}
	}
	fmt.Printf("crashes: %d reports, %d frames, in %s\n", n, frames, crashDir)

	args := []string{crashDir, "--caches", filepath.Dir(c.MainPath), "-o", outDir, "-q", "--format", format, "--max-input-size", "1GiB"}
	if jobs > 0 {
		args = append(args, "-j", strconv.Itoa(jobs))
	}
	cmd := exec.Command(bin, args...)
	cmd.Stderr = os.Stderr
	start := time.Now()
	err = cmd.Run()
	wall := time.Since(start)
	if ee, ok := err.(*exec.ExitError); ok && ee.ExitCode() == 3 {
		err = nil // the app image has no binary, by design
	}
	if err != nil {
		return fmt.Errorf("%s: %w", bin, err)
	}
	ru := cmd.ProcessState.SysUsage().(*syscall.Rusage)
	fmt.Printf("symbolicate %v\n", args)
	fmt.Printf("wall %v, user %v, sys %v, peak RSS %.1f MiB\n", wall.Round(time.Millisecond),
		cmd.ProcessState.UserTime().Round(time.Millisecond), cmd.ProcessState.SystemTime().Round(time.Millisecond),
		float64(ru.Maxrss)/1024)
	return nil
}

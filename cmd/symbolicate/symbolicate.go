package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"runtime/debug"
	"strconv"
	"strings"
	"time"

	"github.com/symbolicate/symbolicate/format"
	"github.com/symbolicate/symbolicate/internal/gctune"
	"github.com/symbolicate/symbolicate/internal/inputs"
	"github.com/symbolicate/symbolicate/internal/output"
	"github.com/symbolicate/symbolicate/resolve"
)

// symbolicateCmd is the main job: `symbolicate crash.ips --caches ~/dsc`.
type symbolicateCmd struct {
	Inputs []string `arg:"" name:"input" help:"Crash reports: .ips (any bug_type) or legacy .crash files, directories (searched recursively for .ips, .crash, .txt, .json, .hang and .spin files, also inside .zip and .gz archives and Xcode .xccrashpoint bundles), glob patterns, or - for stdin. Example: crash.ips crashes/ -"`
	sourceFlags
	Format        string   `enum:"text,json" default:"text" help:"text: Apple's text rendering; json: the same .ips with symbol and symbolLocation filled in per frame (legacy .crash input is always written as text). Example: --format json"`
	Output        string   `short:"o" placeholder:"PATH" help:"Write to PATH instead of stdout: the file itself for one file argument, otherwise a directory (created when missing) mirroring the inputs (NAME.symbolicated.ips or .txt, written atomically). Example: -o out/"`
	Jobs          int      `short:"j" default:"${jobs}" help:"Reports symbolicated concurrently (default: the number of CPUs). Example: -j 4"`
	Resymbolicate bool     `help:"Replace symbols the OS already wrote (by default only missing ones and <redacted> are filled in)."`
	NoDemangle    bool     `help:"Print linkage names as they are instead of demangling Swift and C++ names."`
	FullPaths     bool     `help:"Keep directories in source file names (default: file name only)."`
	NoInlines     bool     `help:"Leave out inlined-call frames found in dSYMs."`
	MissingJSON   string   `placeholder:"FILE" help:"Also write every missing cache, image and .symbols file (UUID, name, arch, OS build, frames, reports) as JSON to FILE, for CI to fetch exactly what is missing. Example: --missing-json missing.json"`
	MaxInputSize  byteSize `default:"64MiB" placeholder:"SIZE" help:"Largest input read (after decompression); larger ones fail with a clear error. Example: --max-input-size 256MiB"`
	Quiet         bool     `short:"q" help:"Do not print the summary (errors about single inputs are still printed)."`
	natsFlags
}

// Help gives examples and the exit status.
func (c *symbolicateCmd) Help() string {
	return `Matches every image by UUID to the dyld shared caches under --caches (subcaches and
.symbols files are found beside each main cache) and to app binaries and dSYMs under
--symbols, resolves every frame (callers at address − 1, so the call site is named), and
writes Apple's text rendering or the annotated .ips. Reports with nothing to symbolicate
(jetsam, resource reports) are written unchanged. A summary goes to stderr: crashes,
frames, newly symbolicated, already symbolicated, unresolved and degraded frames,
missing shared caches (with their OS build and arch), missing images and .symbols files.
Reports are processed concurrently; output is always in input order.

In a directory, files whose content is not a supported input are skipped (and
counted); a file named on the command line that cannot be read is an error, and the
others are still processed.

` + exitStatusHelp + `

Examples:
  symbolicate crash.ips --caches ~/dsc
  symbolicate crashes/ --caches ~/dsc --symbols build/ -o out/
  symbolicate --format json -o crash.symbolicated.ips crash.ips
  symbolicate AppStoreConnect-crashes.zip --symbols MyApp.app.dSYM -o out/ --missing-json missing.json
  SYMBOLICATE_CACHES=~/dsc/iOS17:~/dsc/iOS18 symbolicate 'reports/*.ips'`
}

// exitStatusHelp is the exit-status section every command's help shares.
const exitStatusHelp = `Exit status: 0 every resolvable frame resolved; 1 usage error; 2 some input could not be
read or parsed (the others were still processed); 3 some images had no matching cache or
binary, or frames lack names because a .symbols file is missing (all output was still
written); 4 some output could not be written (the others were); 5 internal error (a bug:
please report it); 6 a cache or binary changed on disk during the run (the outputs that
used it may be wrong: run them again); 130 interrupted (SIGINT or SIGTERM). When several
apply, the first of 130, 5, 6, 4, 2, 3 wins.`

// Validate rejects a non-positive job count.
func (c *symbolicateCmd) Validate() error {
	if c.Jobs < 1 {
		return errors.New("--jobs must be at least 1")
	}
	return nil
}

// Run symbolicates the inputs.
func (c *symbolicateCmd) Run(ctx context.Context, streams *ioStreams) error {
	con := newConsole(streams)
	found, err := inputs.Collect(c.Inputs, inputs.Options{MaxSize: int64(c.MaxInputSize), Stdin: streams.Stdin,
		Warn: func(path string, err error) { con.printf("symbolicate: warning: skipping %s: %v\n", path, err) }})
	if err != nil {
		return withExit(exitUsage, err)
	}
	if len(found) == 0 {
		return withExit(exitUsage, errors.New("no crash reports found in the inputs"))
	}
	plan, err := output.New(c.Output, outputInputs(found), ".symbolicated", c.oneFile(found))
	if err != nil {
		return withExit(exitUsage, err)
	}
	if n, err := plan.RemoveStale(); err != nil {
		con.printf("symbolicate: warning: looking for temporary files an earlier run left in %s: %v\n", c.Output, err)
	} else if n > 0 {
		con.printf("symbolicate: removed %d temporary file(s) that an earlier, killed run left in %s\n", n, c.Output)
	}
	if c.NATS != "" {
		// The fleet does the work: same outputs, summary and exit status.
		return c.runRemote(ctx, streams, found, plan, con)
	}
	defer tuneGC(found)()
	cfg := c.config()
	cfg.Resolve = resolve.Options{Resymbolicate: c.Resymbolicate, NoDemangle: c.NoDemangle, NoInlines: c.NoInlines}
	cfg.Write = format.WriteOptions{FullPaths: c.FullPaths}
	eng, err := openEngine(ctx, cfg, streams, false)
	if err != nil {
		return err
	}
	defer eng.Close()
	b := eng.Batch(c.Jobs, c.Format == "json")
	b.ReuseOutputs = true // emit writes each output before it returns
	if !plan.Stdout() {
		// Workers render straight into temporary files beside the outputs.
		b.Open = func(name string, text bool) (resolve.Sink, error) { return plan.Create(name, outputExt(text)) }
	}
	if streams.StderrTTY && !c.Quiet && len(found) > 1 {
		b.Progress = con.progress
	}
	items := make([]resolve.Item, len(found))
	for i, in := range found {
		items[i] = resolve.Item{Name: in.Name, Read: in.Read, Found: in.Found, Done: in.Done}
	}
	sum, err := b.Run(ctx, items, func(res *resolve.Result) error { return emit(con, len(found), plan, res) })
	con.clear()
	if err == nil {
		for _, d := range eng.WriteIndexes(true, c.Jobs) {
			con.printf("symbolicate: warning: %s\n", d)
		}
	}
	if !c.Quiet {
		sum.WriteBrief(streams.Stderr)
	}
	if c.MissingJSON != "" {
		if err := writeMissingJSON(c.MissingJSON, sum); err != nil {
			return withExit(exitOutput, err)
		}
	}
	if err != nil {
		return withExit(exitInterrupted, err)
	}
	return withExit(summaryStatus(sum), nil)
}

// bigInput is the input size from which the garbage collector is tuned for
// memory: a report of a million frames takes about 90 bytes per frame, and
// the collector's default headroom (GOGC=100) would double that.
const bigInput = 16 << 20

// tuneGC sets the collector's headroom unless GOGC is set, and returns
// what undoes it. A large input gets less (GOGC=50): peak memory for a
// 10⁶-frame report drops by a fifth, for a sixth more CPU. A batch of
// ordinary reports gets more (see tuneShortRun).
func tuneGC(found []inputs.Input) (stop func()) {
	if os.Getenv("GOGC") != "" {
		return func() {}
	}
	for _, in := range found {
		if in.Size >= bigInput {
			debug.SetGCPercent(50)
			return func() {}
		}
	}
	return tuneShortRun()
}

// Commands that run once over their inputs (a batch of ordinary reports,
// addrs, dsc lookup) collect with GOGC=shortRunGOGC, raised while the live
// heap is small so that the heap may grow to shortRunHeapFloor first: their
// heap is small next to the mapped caches, and collecting less often saves a
// fifth to a third of their CPU (docs/performance.md).
const (
	shortRunGOGC      = 200
	shortRunHeapFloor = 32 << 20
)

// tuneShortRun sets that policy unless GOGC is set, and returns what stops
// it.
func tuneShortRun() (stop func()) {
	if os.Getenv("GOGC") != "" {
		return func() {}
	}
	return gctune.Floor(shortRunGOGC, shortRunHeapFloor, 5*time.Millisecond)
}

// oneFile reports whether the inputs are one file named on the command line,
// so that -o names that file's output.
func (c *symbolicateCmd) oneFile(found []inputs.Input) bool {
	return len(c.Inputs) == 1 && len(found) == 1 && !found[0].Found && found[0].Name == c.Inputs[0]
}

// writeMissingJSON writes the summary's missing caches, images and .symbols
// files to path.
func writeMissingJSON(path string, sum *resolve.Summary) error {
	var b bytes.Buffer
	if err := sum.WriteMissingJSON(&b); err != nil {
		return err
	}
	return output.Write(path, b.Bytes())
}

// summaryStatus maps a batch summary to the exit status.
func summaryStatus(sum *resolve.Summary) int {
	switch {
	case sum.Internal > 0:
		return exitInternal
	case len(sum.Changed) > 0:
		return exitChanged
	case sum.Unwritten > 0:
		return exitOutput
	case sum.Failed > 0:
		return exitBadInput
	case sum.HasMissing():
		return exitUnresolved
	}
	return exitOK
}

// emit writes one result: to its output file, or to stdout (with a header
// line naming the input when there are several). Errors and notes about the
// input are printed as they come.
func emit(con *console, n int, plan *output.Plan, res *resolve.Result) error {
	switch {
	case res.Err != nil:
		con.printf("symbolicate: %s: %v\n", res.Name, res.Err)
		return nil
	case res.Skip != "" && !res.Rendered():
		return nil // a file of a walk that is not a supported input
	case res.Skip != "":
		con.printf("symbolicate: %s: %s\n", res.Name, res.Skip)
	}
	if plan.Stdout() {
		return con.stdout(n, res)
	}
	err := res.WriteErr
	switch {
	case err != nil:
	case res.Sink != nil:
		err = res.Sink.Commit()
	default:
		err = output.Write(plan.Path(res.Name, outputExt(res.Text)), res.Output)
	}
	if err != nil {
		con.printf("symbolicate: %s: output not written: %v\n", res.Name, err)
	}
	return err
}

// outputExt is the extension of an output: .txt for text (also for legacy
// text asked for as JSON: it is written as text), .ips for JSON.
func outputExt(text bool) string {
	if text {
		return ".txt"
	}
	return ".ips"
}

// outputInputs lists the inputs for the output plan.
func outputInputs(found []inputs.Input) []output.Input {
	out := make([]output.Input, len(found))
	for i, in := range found {
		out[i] = output.Input{Name: in.Name, Rel: in.Rel, Path: in.Path}
	}
	return out
}

// byteSize is a size flag: a number of bytes with an optional KiB, MiB or GiB
// (or K, M, G) suffix.
type byteSize int64

// UnmarshalText parses "64MiB", "512k", "1000000".
func (b *byteSize) UnmarshalText(text []byte) error {
	s := strings.TrimSpace(string(text))
	mult := int64(1)
	for _, u := range []struct {
		suffix string
		mult   int64
	}{{"GiB", 1 << 30}, {"MiB", 1 << 20}, {"KiB", 1 << 10}, {"G", 1 << 30}, {"M", 1 << 20}, {"K", 1 << 10}, {"B", 1}} {
		if strings.HasSuffix(strings.ToUpper(s), strings.ToUpper(u.suffix)) {
			s, mult = strings.TrimSpace(s[:len(s)-len(u.suffix)]), u.mult
			break
		}
	}
	n, err := strconv.ParseInt(s, 10, 64)
	if err != nil || n <= 0 || n > (1<<62)/mult {
		return fmt.Errorf("%q is not a size (for example 64MiB)", text)
	}
	*b = byteSize(n * mult)
	return nil
}

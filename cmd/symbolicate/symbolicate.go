package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"time"

	"github.com/symbolicate/symbolicate/format"
	"github.com/symbolicate/symbolicate/internal/output"
	"github.com/symbolicate/symbolicate/resolve"
)

// symbolicateCmd is the main job: `symbolicate crash.ips --caches ~/dsc`.
type symbolicateCmd struct {
	Inputs []string `arg:"" name:"input" help:"Crash reports: .ips (any bug_type) or legacy .crash files, directories (searched recursively for .ips, .crash, .txt and .json files), glob patterns, or - for stdin. Example: crash.ips crashes/ -"`
	sourceFlags
	Format        string `enum:"text,json" default:"text" help:"text: Apple's text rendering; json: the same .ips with symbol and symbolLocation filled in per frame (legacy .crash input is always written as text). Example: --format json"`
	Output        string `short:"o" placeholder:"PATH" help:"Write to PATH instead of stdout: a file for one input, a directory for several (NAME.symbolicated.ips or .txt, written atomically). Example: -o out/"`
	Jobs          int    `short:"j" default:"${jobs}" help:"Reports symbolicated concurrently (default: the number of CPUs). Example: -j 4"`
	Resymbolicate bool   `help:"Replace symbols the OS already wrote (by default only missing ones and <redacted> are filled in). Example: --resymbolicate"`
	NoDemangle    bool   `help:"Print linkage names as they are instead of demangling Swift and C++ names. Example: --no-demangle"`
	FullPaths     bool   `help:"Keep directories in source file names (default: file name only). Example: --full-paths"`
	NoInlines     bool   `help:"Leave out inlined-call frames found in dSYMs. Example: --no-inlines"`
	Quiet         bool   `short:"q" help:"Do not print the summary on stderr. Example: -q"`
}

// Help gives examples and the exit status.
func (c *symbolicateCmd) Help() string {
	return `Matches every image by UUID to the dyld shared caches under --caches (subcaches and
.symbols files are found beside each main cache) and to app binaries and dSYMs under
--symbols, resolves every frame (callers at address − 1, so the call site is named), and
writes Apple's text rendering or the annotated .ips. A summary goes to stderr: crashes,
frames, newly symbolicated, already symbolicated, unresolved (grouped by missing image),
failed files. Reports are processed concurrently; output is always in input order.

Exit status: 0 every resolvable frame resolved; 1 usage error; 2 some input could not be
read or parsed (the others were still processed); 3 some images had no matching cache or
binary (all output was still written); 4 some output could not be written (the others
were). When several apply, the highest wins.

Examples:
  symbolicate crash.ips --caches ~/dsc
  symbolicate crashes/ --caches ~/dsc --symbols build/ -o out/
  symbolicate --format json -o crash.symbolicated.ips crash.ips
  SYMBOLICATE_CACHES=~/dsc/iOS17:~/dsc/iOS18 symbolicate 'reports/*.ips'`
}

// Validate rejects a non-positive job count.
func (c *symbolicateCmd) Validate() error {
	if c.Jobs < 1 {
		return errors.New("--jobs must be at least 1")
	}
	return nil
}

// Run symbolicates the inputs.
func (c *symbolicateCmd) Run(ctx context.Context, streams *ioStreams) error {
	items, err := collectInputs(c.Inputs, streams.Stdin)
	if err != nil {
		return withExit(exitUsage, err)
	}
	if len(items) == 0 {
		return withExit(exitUsage, errors.New("no crash reports found in the inputs"))
	}
	plan, err := output.New(c.Output, outputInputs(items), ".symbolicated")
	if err != nil {
		return withExit(exitUsage, err)
	}
	cfg := c.config()
	cfg.Resolve = resolve.Options{Resymbolicate: c.Resymbolicate, NoDemangle: c.NoDemangle, NoInlines: c.NoInlines}
	cfg.Write = format.WriteOptions{FullPaths: c.FullPaths}
	eng, err := openEngine(ctx, cfg, streams.Stderr)
	if err != nil {
		return err
	}
	defer eng.Close()
	b := eng.Batch(c.Jobs, c.Format == "json")
	var prog *progress
	if streams.StderrTTY && !c.Quiet && len(items) > 1 {
		prog = &progress{w: streams.Stderr}
		b.Progress = prog.update
	}
	inputs := make([]resolve.Item, len(items))
	for i := range items {
		inputs[i] = items[i].item
	}
	sum, err := b.Run(ctx, inputs, func(res *resolve.Result) error { return emit(streams, len(items), plan, res) })
	prog.clear()
	if !c.Quiet {
		sum.Write(streams.Stderr)
	}
	if err != nil {
		return withExit(exitInterrupted, err)
	}
	return withExit(summaryStatus(sum), nil)
}

// summaryStatus maps a batch summary to the exit status.
func summaryStatus(sum *resolve.Summary) int {
	switch {
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
// line naming the input when there are several).
func emit(streams *ioStreams, n int, plan *output.Plan, res *resolve.Result) error {
	if res.Err != nil || res.Skip != "" {
		if res.Skip != "" {
			fmt.Fprintf(streams.Stderr, "symbolicate: %s: %s\n", res.Name, res.Skip)
		}
		return nil
	}
	if plan.Stdout() {
		if n > 1 {
			fmt.Fprintf(streams.Stdout, "==> %s <==\n", res.Name)
		}
		_, err := streams.Stdout.Write(res.Output)
		if err == nil && len(res.Output) > 0 && res.Output[len(res.Output)-1] != '\n' {
			_, err = io.WriteString(streams.Stdout, "\n")
		}
		return err
	}
	ext := ".ips"
	if res.Text {
		ext = ".txt" // also for legacy text asked for as JSON: it is written as text
	}
	return output.Write(plan.Path(res.Name, ext), res.Output)
}

// input is one crash report to read, with the name its output is derived from.
type input struct {
	item resolve.Item
	rel  string // path relative to the directory argument it was found in; the base name otherwise
}

// collectInputs expands files, directories, glob patterns and "-" into items, in a stable order.
func collectInputs(args []string, stdin io.Reader) ([]input, error) {
	var out []input
	seen := map[string]bool{}
	add := func(path, rel string) {
		if seen[path] {
			return
		}
		seen[path] = true
		out = append(out, input{item: resolve.Item{Name: path, Read: func() ([]byte, error) { return os.ReadFile(path) }}, rel: rel})
	}
	for _, arg := range args {
		if arg == "-" {
			if seen["-"] {
				continue
			}
			seen["-"] = true
			out = append(out, input{item: resolve.Item{Name: "-", Read: func() ([]byte, error) { return io.ReadAll(stdin) }}, rel: "stdin"})
			continue
		}
		matches := []string{arg}
		if _, err := os.Lstat(arg); err != nil && strings.ContainsAny(arg, "*?[") {
			m, gerr := filepath.Glob(arg)
			if gerr != nil {
				return nil, fmt.Errorf("pattern %q: %w", arg, gerr)
			}
			if len(m) == 0 {
				return nil, fmt.Errorf("pattern %q matches no files", arg)
			}
			matches = m
		}
		for _, p := range matches {
			fi, err := os.Stat(p)
			if err != nil {
				return nil, err
			}
			if !fi.IsDir() {
				add(p, filepath.Base(p))
				continue
			}
			var found []string
			err = filepath.WalkDir(p, func(q string, d fs.DirEntry, err error) error {
				if err != nil {
					return err
				}
				if !d.IsDir() && hasReportExt(d.Name()) && !strings.Contains(d.Name(), ".symbolicated.") {
					found = append(found, q)
				}
				return nil
			})
			if err != nil {
				return nil, err
			}
			sort.Strings(found)
			for _, q := range found {
				rel, _ := filepath.Rel(p, q)
				add(q, rel)
			}
		}
	}
	return out, nil
}

func hasReportExt(name string) bool {
	for _, e := range output.ReportExts {
		if strings.HasSuffix(name, e) {
			return true
		}
	}
	return false
}

// outputInputs lists the items for the output plan.
func outputInputs(items []input) []output.Input {
	out := make([]output.Input, len(items))
	for i, it := range items {
		out[i] = output.Input{Name: it.item.Name, Rel: it.rel}
	}
	return out
}

// progress draws a one-line progress indicator on a terminal.
type progress struct {
	w    io.Writer
	last time.Time
	hot  bool
}

func (p *progress) update(done, total int) {
	if now := time.Now(); done == total || now.Sub(p.last) >= 100*time.Millisecond {
		p.last = now
		p.hot = true
		fmt.Fprintf(p.w, "\rsymbolicating %d/%d", done, total)
	}
}

func (p *progress) clear() {
	if p != nil && p.hot {
		fmt.Fprint(p.w, "\r\033[K")
	}
}

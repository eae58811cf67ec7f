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

	"github.com/symbolicate/symbolicate/crashlog"
	"github.com/symbolicate/symbolicate/internal/atomicfile"
	"github.com/symbolicate/symbolicate/resolve"
)

// sourceFlags are the flags that say where symbols come from; several commands share them.
type sourceFlags struct {
	Caches  []string `name:"caches" placeholder:"PATH" type:"path" help:"dyld_shared_cache file or directory searched recursively for caches (by content, not name); repeatable. Default: $$SYMBOLICATE_CACHES, colon-separated. Example: --caches ~/dsc"`
	Symbols []string `name:"symbols" placeholder:"PATH" type:"path" help:"App binaries, dSYM bundles or directories of them (e.g. Xcode DeviceSupport) searched recursively and matched by UUID; repeatable. Default: $$SYMBOLICATE_SYMBOLS, colon-separated. Example: --symbols build/MyApp.app.dSYM"`
}

// paths returns the flag values, or the colon-separated environment variable when the flag is absent.
func envPaths(flag []string, env string) []string {
	if len(flag) > 0 {
		return flag
	}
	var out []string
	for _, p := range filepath.SplitList(os.Getenv(env)) {
		if p != "" {
			out = append(out, p)
		}
	}
	return out
}

// sources is what the flags opened; close it when done.
type sources struct {
	*resolve.Resolver
	bins *resolve.BinaryIndex
}

func (s *sources) Close() error {
	s.Caches.Close()
	return s.bins.Close()
}

// resolver opens the caches and binaries named by the flags (or the
// environment). It returns warnings about files it skipped.
func (s *sourceFlags) resolver(ctx context.Context, opts resolve.Options) (*sources, []string, error) {
	src := &sources{Resolver: &resolve.Resolver{Options: opts}}
	var warnings []string
	if paths := envPaths(s.Caches, "SYMBOLICATE_CACHES"); len(paths) > 0 {
		caches, err := resolve.ScanCaches(ctx, paths)
		if err != nil {
			return nil, nil, withExit(exitUsage, err)
		}
		src.Caches = caches
		warnings = append(warnings, caches.Warnings...)
	}
	bins, err := openBinaries(ctx, envPaths(s.Symbols, "SYMBOLICATE_SYMBOLS"))
	if err != nil {
		src.Caches.Close()
		return nil, nil, withExit(exitUsage, err)
	}
	if bins != nil {
		src.bins, src.Binaries = bins, bins
		warnings = append(warnings, bins.Warnings...)
	}
	return src, warnings, nil
}

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
parsed (the others were still processed); 3 some images had no matching cache or binary
(all output was still written).

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
	outs, err := outputPaths(c.Output, items)
	if err != nil {
		return withExit(exitUsage, err)
	}
	r, warnings, err := c.resolver(ctx, resolve.Options{
		Resymbolicate: c.Resymbolicate, Demangle: demangler(c.NoDemangle),
		FullPaths: c.FullPaths, NoInlines: c.NoInlines,
	})
	if err != nil {
		return err
	}
	defer r.Close()
	for _, w := range warnings {
		fmt.Fprintf(streams.Stderr, "symbolicate: warning: %s\n", w)
	}
	b := &resolve.Batch{Resolver: r.Resolver, Jobs: c.Jobs, Text: crashlog.TextOptions{FullPaths: c.FullPaths}}
	if c.Format == "json" {
		b.Format = resolve.FormatJSON
	}
	var prog *progress
	if streams.StderrTTY && !c.Quiet && len(items) > 1 {
		prog = &progress{w: streams.Stderr}
		b.Progress = prog.update
	}
	inputs := make([]resolve.Item, len(items))
	for i := range items {
		inputs[i] = items[i].item
	}
	sum, err := b.Run(ctx, inputs, func(res *resolve.Result) error { return c.emit(streams, len(items), outs, res) })
	prog.clear()
	if err != nil {
		return withExit(exitUsage, err)
	}
	if !c.Quiet {
		sum.Write(streams.Stderr)
	}
	switch {
	case sum.Failed > 0:
		return withExit(exitBadInput, nil)
	case sum.HasMissing():
		return withExit(exitUnresolved, nil)
	}
	return nil
}

// emit writes one result: to its output file, or to stdout (with a header
// line naming the input when there are several).
func (c *symbolicateCmd) emit(streams *ioStreams, n int, outs map[string]outPath, res *resolve.Result) error {
	if res.Err != nil || res.Skip != "" {
		if res.Skip != "" {
			fmt.Fprintf(streams.Stderr, "symbolicate: %s: %s\n", res.Name, res.Skip)
		}
		return nil
	}
	if c.Output == "" {
		if n > 1 {
			fmt.Fprintf(streams.Stdout, "==> %s <==\n", res.Name)
		}
		_, err := streams.Stdout.Write(res.Output)
		if err == nil && len(res.Output) > 0 && res.Output[len(res.Output)-1] != '\n' {
			_, err = io.WriteString(streams.Stdout, "\n")
		}
		return err
	}
	dest := outs[res.Name].path
	if !outs[res.Name].exact {
		if res.Text {
			dest += ".txt" // also for legacy text asked for as JSON: it is written as text
		} else {
			dest += ".ips"
		}
	}
	if err := os.MkdirAll(filepath.Dir(dest), 0o755); err != nil {
		return err
	}
	return atomicfile.Write(dest, 0o644, func(w io.Writer) error {
		_, err := w.Write(res.Output)
		return err
	})
}

// input is one crash report to read, with the name its output is derived from.
type input struct {
	item resolve.Item
	rel  string // path relative to the directory argument it was found in; the base name otherwise
}

// reportExts are the file name endings searched for inside directories.
var reportExts = []string{".ips", ".ips.synced", ".crash", ".txt", ".json"}

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
	for _, e := range reportExts {
		if strings.HasSuffix(name, e) {
			return true
		}
	}
	return false
}

// outPath is where one input's output goes: exactly path, or path plus the
// extension of what is written (.ips or .txt).
type outPath struct {
	path  string
	exact bool
}

// outputPaths maps each input name to its output file. With one input and an
// -o that is not an existing directory (and does not end in a separator), -o
// is the file itself; otherwise -o is a directory holding NAME.symbolicated.EXT,
// keeping the layout of directory inputs.
func outputPaths(output string, items []input) (map[string]outPath, error) {
	outs := map[string]outPath{}
	if output == "" {
		return outs, nil
	}
	isDir := strings.HasSuffix(output, string(filepath.Separator)) || strings.HasSuffix(output, "/")
	if fi, err := os.Stat(output); err == nil && fi.IsDir() {
		isDir = true
	}
	if !isDir && len(items) == 1 {
		outs[items[0].item.Name] = outPath{path: output, exact: true}
		return outs, nil
	}
	taken := map[string]string{}
	for _, it := range items {
		dest := filepath.Join(output, stem(it.rel)+".symbolicated")
		if other, dup := taken[dest]; dup {
			return nil, fmt.Errorf("inputs %s and %s would both be written to %s", other, it.item.Name, dest)
		}
		taken[dest] = it.item.Name
		outs[it.item.Name] = outPath{path: dest}
	}
	return outs, nil
}

// stem strips a report extension from name.
func stem(name string) string {
	for _, e := range reportExts {
		if strings.HasSuffix(name, e) {
			return strings.TrimSuffix(name, e)
		}
	}
	return name
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

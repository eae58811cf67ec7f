package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"

	"github.com/symbolicate/symbolicate"
	"github.com/symbolicate/symbolicate/diag"
)

// sourceFlags are the flags that say where symbols come from; several commands share them.
type sourceFlags struct {
	Caches   []string `name:"caches" placeholder:"PATH" type:"path" sep:"none" help:"dyld_shared_cache file or directory searched recursively for caches (by content, not name); repeatable. Default: $$SYMBOLICATE_CACHES, colon-separated. Example: --caches ~/dsc"`
	Symbols  []string `name:"symbols" placeholder:"PATH" type:"path" sep:"none" help:"App binaries, dSYM bundles or directories of them (e.g. Xcode DeviceSupport) searched recursively and matched by UUID; repeatable. Default: $$SYMBOLICATE_SYMBOLS, colon-separated. Example: --symbols build/MyApp.app.dSYM"`
	IndexDir string   `name:"index-dir" placeholder:"DIR" type:"path" help:"Symbol indexes in DIR (see \"symbolicate index\"): caches, binaries and dSYMs with one there skip building their tables or parsing their DWARF; a batch of crash reports also writes the ones still missing when it ends, and \"symbolicate index\" writes them all; the other commands only read them. Default: $$SYMBOLICATE_INDEX_DIR (empty: none). Example: --index-dir ~/.cache/symbolicate"`
}

// config returns the sources the flags (or the environment) name.
func (s *sourceFlags) config() symbolicate.Config {
	return symbolicate.Config{Caches: envPaths(s.Caches, "SYMBOLICATE_CACHES"), Symbols: envPaths(s.Symbols, "SYMBOLICATE_SYMBOLS"), IndexDir: envPath(s.IndexDir, "SYMBOLICATE_INDEX_DIR")}
}

// envPath returns the flag value, or the environment variable when the flag
// is absent. (Kong's own env tag would turn an empty variable into the
// working directory.)
func envPath(flag, env string) string {
	if flag != "" {
		return flag
	}
	return os.Getenv(env)
}

// envPaths returns the flag values, or the colon-separated environment variable when the flag is absent.
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

// openEngine opens the sources of cfg and prints what opening them met as
// warnings; optional says the command works without sources (decode), so
// their absence is not worth a word. A path that does not exist is a usage
// error.
func openEngine(ctx context.Context, cfg symbolicate.Config, streams *ioStreams, optional bool) (*symbolicate.Engine, error) {
	con := newConsole(streams)
	if streams.StderrTTY {
		cfg.ScanProgress = con.scanning
	}
	e, err := symbolicate.Open(ctx, cfg)
	con.clear()
	if err != nil {
		return nil, withExit(exitUsage, err)
	}
	var diags []diag.Diagnostic
	for _, d := range e.Diagnostics() {
		if !(optional && d.Code == diag.NoSources && d.Path == "") {
			diags = append(diags, d)
		}
	}
	printDiagnostics(streams.Stderr, diags)
	return e, nil
}

// maxDiagnostics is how many diagnostics of one kind are printed; the rest
// are counted.
const maxDiagnostics = 5

// printDiagnostics prints diagnostics as warnings, at most maxDiagnostics of
// each kind (a tree full of junk files gives a few lines and a count, not
// thousands).
func printDiagnostics(w io.Writer, diags []diag.Diagnostic) {
	n := map[diag.Code]int{}
	for _, d := range diags {
		if n[d.Code]++; n[d.Code] <= maxDiagnostics {
			fmt.Fprintf(w, "symbolicate: warning: %s\n", d)
		}
	}
	for _, d := range diags {
		if c := n[d.Code]; c > maxDiagnostics {
			fmt.Fprintf(w, "symbolicate: warning: … and %d more like that (%s)\n", c-maxDiagnostics, d.Code)
			n[d.Code] = 0
		}
	}
}

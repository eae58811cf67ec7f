// Command symbolicate turns Apple crash reports and process snapshots into
// readable stack traces. See the README for examples; `symbolicate --help` lists
// the commands.
package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"runtime"
	"runtime/debug"
	"strconv"
	"strings"
	"syscall"

	"github.com/alecthomas/kong"
	"github.com/symbolicate/symbolicate/internal/supervise"
)

// Exit statuses. They are part of the interface: CI jobs branch on them.
// When several apply, the first of 130, 5, 6, 4, 2, 3 wins.
const (
	exitOK          = 0   // everything resolved
	exitUsage       = 1   // bad flags or arguments, and nothing else
	exitBadInput    = 2   // some input could not be read or parsed; the others were still processed
	exitUnresolved  = 3   // some images had no matching cache or binary (addrs, dsc lookup: some address unresolved)
	exitOutput      = 4   // some output could not be written; the others were
	exitInternal    = 5   // an internal error (a bug, or the Go runtime stopped the process)
	exitChanged     = 6   // a cache or binary changed on disk during the run: outputs that used it may be wrong
	exitInterrupted = 130 // interrupted (SIGINT or SIGTERM); the summary of what was done is printed
)

// version is set at link time (-ldflags "-X main.version=v1.2.3"); otherwise it
// comes from the module build info.
var version = ""

const description = `Symbolicate Apple crash reports and process snapshots.

Reads .ips crash reports, legacy .crash text, Swift Compact ImageMap (CIF) blobs
and dyld compact-info snapshots; matches images by UUID to dyld_shared_cache
files and app binaries; writes Apple-style text or annotated .ips JSON.

Exit status: 0 all frames resolved; 1 usage error; 2 some input could not be
read or parsed (the others were still processed); 3 some images had no
matching cache or binary, or a .symbols file is missing (all output was still
written); 4 some output could not be written (the others were); 5 internal
error (a bug: please report it); 6 a cache or binary changed on disk during
the run (outputs that used it may be wrong); 130 interrupted (SIGINT or
SIGTERM). When several apply, the first of 130, 5, 6, 4, 2, 3 wins.`

// cli is the root of the command tree. Each command is one field here and one
// file in this directory.
type cli struct {
	Version kong.VersionFlag `help:"Print the version and exit."`

	Symbolicate symbolicateCmd `cmd:"" default:"withargs" help:"Symbolicate crash reports (the default command). Example: symbolicate crash.ips --caches ~/dsc"`
	Decode      decodeCmd      `cmd:"" help:"Print the image list of a CIF blob, dyld snapshot or crash report. Example: symbolicate decode imagemap.cif"`
	Encode      encodeCmd      `cmd:"" help:"Turn an image list (decode's JSON) into a Compact ImageMap (CIF) blob. Example: symbolicate encode images.json -o images.cif"`
	Imagemap    imagemapCmd    `cmd:"" help:"Emit the CIF of crash reports' or snapshots' image lists. Example: symbolicate imagemap crash.ips -o crash.cif"`
	Addrs       addrsCmd       `cmd:"" help:"Resolve runtime addresses against an image list. Example: symbolicate addrs --images crash.ips --caches ~/dsc 0x18a98520c"`
	Dsc         dscCmd         `cmd:"" name:"dsc" help:"Inspect a dyld shared cache: header and images, or address lookups."`
	Index       indexCmd       `cmd:"" help:"Write symbol indexes of shared caches, so later runs skip building symbol tables. Example: symbolicate index --caches ~/dsc"`
	Serve       serveCmd       `cmd:"" help:"Run the HTTP symbolication service. Example: symbolicate serve --caches ~/dsc"`
	Worker      workerCmd      `cmd:"" help:"Take symbolication jobs from NATS JetStream for the caches given. Example: symbolicate worker --nats nats://127.0.0.1:4222 --caches ~/dsc"`
	Submit      submitCmd      `cmd:"" help:"Submit inputs as jobs to NATS JetStream; prints the batch ID. Example: symbolicate submit --nats nats://127.0.0.1:4222 crashes/"`
	Results     resultsCmd     `cmd:"" help:"Gather a submitted batch's results. Example: symbolicate results --nats nats://127.0.0.1:4222 --batch ID -o out/"`
	Demangle    demangleCmd    `cmd:"" help:"Demangle Swift and C++ names, or filter text replacing mangled names. Example: symbolicate demangle '$s4main3fooyyF'"`
	Help        helpCmd        `cmd:"" help:"Show the help of a command. Example: symbolicate help addrs"`
}

// helpCmd is `symbolicate help [command]`.
type helpCmd struct {
	Command []string `arg:"" optional:"" help:"The command, e.g. addrs or dsc lookup; none for the overview."`
}

// Run prints the help of the command named.
func (h *helpCmd) Run(kctx *kong.Context) error {
	tctx, err := kong.Trace(kctx.Kong, h.Command)
	want := strings.Join(h.Command, " ")
	if err != nil || tctx.Error != nil || want != "" && tctx.Command() != want && !strings.HasPrefix(tctx.Command(), want+" ") {
		return withExit(exitUsage, fmt.Errorf("no command %q: run \"symbolicate --help\" for the list", want))
	}
	return tctx.PrintUsage(false)
}

// helpPrinter is kong's help with two changes: usage lines name the default
// command as "symbolicate" alone, and the overview ends with the default
// command's arguments and flags, which are what most runs use.
func helpPrinter(options kong.HelpOptions, ctx *kong.Context) error {
	out := ctx.Stdout
	var buf bytes.Buffer
	ctx.Stdout = &buf
	defer func() { ctx.Stdout = out }()
	if err := kong.DefaultHelpPrinter(options, ctx); err != nil {
		return err
	}
	if ctx.Selected() == nil && !options.Summary {
		// The default command's arguments and flags, without its prose
		// ("symbolicate symbolicate --help" has that).
		if main, err := kong.Trace(ctx.Kong, []string{"symbolicate"}); err == nil {
			var mb bytes.Buffer
			ctx.Stdout = &mb
			if err := kong.DefaultHelpPrinter(options, main); err != nil {
				return err
			}
			if i := strings.Index(mb.String(), "\nArguments:"); i >= 0 {
				buf.WriteString("\nThe default command, symbolicate <input> ... (\"symbolicate help symbolicate\" explains it):\n")
				buf.WriteString(mb.String()[i:])
			}
		}
	}
	_, err := io.WriteString(out, strings.ReplaceAll(buf.String(), "symbolicate symbolicate", "symbolicate"))
	return err
}

// ioStreams carries the process streams so commands can be run in-process by tests.
type ioStreams struct {
	Stdin  io.Reader
	Stdout io.Writer
	Stderr io.Writer
	// StderrTTY reports whether stderr is a terminal (progress lines are shown only then).
	StderrTTY bool
}

// exitError carries an exit status with its message. An empty message prints nothing.
type exitError struct {
	code int
	err  error
}

func (e *exitError) Error() string {
	if e.err == nil {
		return ""
	}
	return e.err.Error()
}
func (e *exitError) Unwrap() error { return e.err }

// ExitCode implements kong's exit-code convention.
func (e *exitError) ExitCode() int { return e.code }

// withExit attaches an exit status to err.
func withExit(code int, err error) error { return &exitError{code: code, err: err} }

func main() {
	// No heap profile is ever taken from this process; sampling allocations
	// for one cost a batch about 1% of its CPU, most of it faulting in the
	// profiler's hash table.
	runtime.MemProfileRate = 0
	os.Exit(mainStatus())
}

// mainStatus runs the command under a supervisor (so that a crash of the Go
// runtime is exit status 5, not the runtime's 2), with SIGINT and SIGTERM
// cancelling the work, and returns the exit status.
func mainStatus() int {
	if code, done := supervise.Run("symbolicate", exitInternal); done {
		return code
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	streams := &ioStreams{Stdin: os.Stdin, Stdout: os.Stdout, Stderr: os.Stderr, StderrTTY: isTerminal(os.Stderr)}
	return run(ctx, os.Args[1:], streams)
}

// run parses args, runs the selected command and returns the exit status.
func run(ctx context.Context, args []string, streams *ioStreams) int {
	var root cli
	exited := -1
	parser, err := kong.New(&root,
		kong.Name("symbolicate"),
		kong.Description(description),
		kong.UsageOnError(),
		kong.ConfigureHelp(kong.HelpOptions{Compact: true, WrapUpperBound: 100}),
		kong.Help(helpPrinter),
		kong.Vars{
			"version": "symbolicate " + buildVersion(),
			"jobs":    strconv.Itoa(runtime.GOMAXPROCS(0)),
		},
		kong.Writers(streams.Stdout, streams.Stderr),
		kong.Exit(func(code int) { exited = code; panic(kongExit{}) }),
		kong.BindTo(ctx, (*context.Context)(nil)),
		kong.Bind(streams),
	)
	if err != nil {
		fmt.Fprintf(streams.Stderr, "symbolicate: %v\n", err)
		return exitUsage
	}
	kctx, code, done := parse(parser, args, &exited)
	if done {
		return code
	}
	if err := kctx.Run(); err != nil {
		return report(streams.Stderr, err)
	}
	return exitOK
}

// kongExit is the panic value used to stop kong after --help or --version.
type kongExit struct{}

// parse runs the kong parser, turning its exit requests (help, version) and
// parse errors into exit statuses instead of os.Exit.
func parse(parser *kong.Kong, args []string, exited *int) (kctx *kong.Context, code int, done bool) {
	defer func() {
		if r := recover(); r != nil {
			if _, ok := r.(kongExit); !ok {
				panic(r)
			}
			kctx, code, done = nil, *exited, true
			if code != 0 {
				code = exitUsage
			}
		}
	}()
	kctx, err := parser.Parse(args)
	if err != nil {
		var perr *kong.ParseError
		if errors.As(err, &perr) {
			// Usage after an error goes to stderr with the error.
			out := perr.Context.Stdout
			perr.Context.Stdout = parser.Stderr
			_ = perr.Context.PrintUsage(true)
			perr.Context.Stdout = out
		}
		fmt.Fprintf(parser.Stderr, "symbolicate: %v\n", err)
		return nil, exitUsage, true
	}
	return kctx, 0, false
}

// report prints err (if it has a message) and returns its exit status.
func report(w io.Writer, err error) int {
	code := exitUsage
	var coder interface{ ExitCode() int }
	if errors.As(err, &coder) {
		code = coder.ExitCode()
	}
	if msg := err.Error(); msg != "" {
		fmt.Fprintf(w, "symbolicate: %s\n", msg)
	}
	return code
}

func buildVersion() string {
	if version != "" {
		return version
	}
	if bi, ok := debug.ReadBuildInfo(); ok && bi.Main.Version != "" {
		return bi.Main.Version
	}
	return "(devel)"
}

// isTerminal reports whether f is a character device (a terminal), without cgo.
func isTerminal(f *os.File) bool {
	fi, err := f.Stat()
	return err == nil && fi.Mode()&os.ModeCharDevice != 0
}

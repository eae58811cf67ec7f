package main

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"sync"

	"github.com/goccy/go-json"

	"github.com/symbolicate/symbolicate"
	"github.com/symbolicate/symbolicate/diag"
	"github.com/symbolicate/symbolicate/format"
	"github.com/symbolicate/symbolicate/imagemap"
	"github.com/symbolicate/symbolicate/internal/output"
	"github.com/symbolicate/symbolicate/process"
	"github.com/symbolicate/symbolicate/resolve"
)

// cachesFlag is --caches alone, for commands that expand snapshot cache images.
type cachesFlag struct {
	Caches []string `name:"caches" placeholder:"PATH" type:"path" sep:"none" help:"dyld_shared_cache file or directory searched recursively; expands a snapshot's cache images (bitmap bits) into paths and UUIDs. Default: $$SYMBOLICATE_CACHES. Example: --caches ~/dsc"`
}

// config returns the caches the flag (or the environment) names.
func (f *cachesFlag) config() symbolicate.Config {
	return symbolicate.Config{Caches: envPaths(f.Caches, "SYMBOLICATE_CACHES")}
}

// readInput reads a file argument, "-" meaning stdin.
func readInput(name string, stdin io.Reader) ([]byte, error) {
	if name == "-" {
		return io.ReadAll(stdin)
	}
	return os.ReadFile(name)
}

// parseInput reads and parses one input of any format. Errors name the file;
// warnings are printed.
func parseInput(eng *symbolicate.Engine, name string, streams *ioStreams) (*format.Parsed, error) {
	b, err := readInput(name, streams.Stdin)
	if err != nil {
		return nil, err
	}
	p, err := eng.Parse(b)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	for _, w := range p.Warnings {
		fmt.Fprintf(streams.Stderr, "symbolicate: %s: warning: %s\n", name, w)
	}
	return p, nil
}

// decodeCmd is `symbolicate decode`.
type decodeCmd struct {
	Files  []string `arg:"" name:"file" help:"Inputs: a Swift Compact ImageMap (CIF) blob, a dyld compact-info buffer (raw or in an Apple Archive), a process.plist, an .ips or .crash report, a Swift backtrace JSON, or base64 text of any of them; - reads stdin. Example: imagemap.cif process.cinfo"`
	Format string   `enum:"text,json" default:"text" help:"text: one line per image like Apple's Binary Images; json: {format, platform, wordSize, images: [{path, name, uuid, base, endOfText, arch}]}. Example: --format json"`
	cachesFlag
}

// Help gives examples and the exit status.
func (c *decodeCmd) Help() string {
	return `The format is detected from the content. Text output has one line per image:
"0xbase - 0xend  name  <UUID>  path". Cache images of a dyld snapshot are listed as
"cache image #i" unless --caches holds the snapshot's shared cache.

Exit status: 0 all inputs decoded; 2 an input was unknown or corrupt (one line on
stderr names the file, the format tried, the byte offset and what was wrong; the other
inputs are still decoded); 1 usage error.

Examples:
  symbolicate decode imagemap.cif
  symbolicate decode --format json process.cinfo
  pbpaste | symbolicate decode -
  symbolicate decode --caches ~/dsc snapshot.aar`
}

// Run decodes each input.
func (c *decodeCmd) Run(ctx context.Context, streams *ioStreams) error {
	eng, err := openEngine(ctx, c.config(), streams, true)
	if err != nil {
		return err
	}
	defer eng.Close()
	failed := false
	for i, name := range c.Files {
		p, err := parseInput(eng, name, streams)
		if err != nil {
			fmt.Fprintf(streams.Stderr, "symbolicate: %v\n", err)
			failed = true
			continue
		}
		list := p.Process().Listed()
		if c.Format == "json" {
			err = imagemap.WriteJSON(streams.Stdout, p.Format, list)
		} else {
			if len(c.Files) > 1 {
				if i > 0 {
					fmt.Fprintln(streams.Stdout)
				}
				fmt.Fprintf(streams.Stdout, "==> %s (%s) <==\n", name, p.Format)
			}
			err = imagemap.WriteText(streams.Stdout, list)
		}
		if err != nil {
			return withExit(exitOutput, err)
		}
	}
	if failed {
		return withExit(exitBadInput, nil)
	}
	return nil
}

// encodeCmd is `symbolicate encode`.
type encodeCmd struct {
	File   string `arg:"" name:"file" help:"The JSON that 'symbolicate decode --format json' writes (or any input decode accepts); - reads stdin. Example: images.json"`
	Output string `short:"o" placeholder:"PATH" help:"Write the CIF blob to PATH (atomically) instead of stdout. Example: -o images.cif"`
	Base64 bool   `name:"base64" help:"Write base64 text (no padding, as Swift embeds CIF in JSON) instead of binary."`
	cachesFlag
}

// Help gives examples.
func (c *encodeCmd) Help() string {
	return `Encodes an image list as a Swift Compact ImageMap (CIF) blob that Swift's decoder
accepts. See docs/cif.md for where our encoder's choices differ from Swift's.

Examples:
  symbolicate decode --format json app.cif > images.json   # edit, then:
  symbolicate encode images.json -o images.cif
  symbolicate encode --base64 images.json`
}

// Run encodes the input.
func (c *encodeCmd) Run(ctx context.Context, streams *ioStreams) error {
	eng, err := openEngine(ctx, c.config(), streams, true)
	if err != nil {
		return err
	}
	defer eng.Close()
	plan, err := output.New(c.Output, []output.Input{{Name: c.File, Rel: inputRel(c.File), Path: c.File}}, "", true)
	if err != nil {
		return withExit(exitUsage, err)
	}
	p, err := parseInput(eng, c.File, streams)
	if err != nil {
		return withExit(exitBadInput, err)
	}
	return writeCIF(streams, p, plan.Path(c.File, cifExt(c.Base64)), c.Base64)
}

// cifExt is the extension of a CIF output.
func cifExt(b64 bool) string {
	if b64 {
		return ".cif.b64"
	}
	return ".cif"
}

// inputRel is the name an input's output is derived from.
func inputRel(name string) string {
	if name == "-" {
		return "stdin"
	}
	return filepath.Base(name)
}

// writeCIF encodes p's image list and writes it to path (or stdout when path
// is "").
func writeCIF(streams *ioStreams, p *format.Parsed, path string, b64 bool) error {
	blob, err := imagemap.Encode(p.Process().Listed())
	if err != nil {
		return withExit(exitBadInput, err)
	}
	out := blob
	if b64 {
		out = []byte(imagemap.EncodeBase64(blob) + "\n")
	}
	if path == "" {
		_, err = streams.Stdout.Write(out)
	} else {
		err = output.Write(path, out)
	}
	if err != nil {
		return withExit(exitOutput, err)
	}
	return nil
}

// imagemapCmd is `symbolicate imagemap`.
type imagemapCmd struct {
	Files  []string `arg:"" name:"file" help:"Crash reports (.ips, .crash) or dyld snapshots (compact info, Apple Archive, process.plist); - reads stdin. Example: crashes/*.ips"`
	Output string   `short:"o" placeholder:"PATH" help:"Output file for one input; for several, a directory receiving NAME.cif (or NAME.cif.b64). Example: -o maps/"`
	Base64 bool     `name:"base64" help:"Write base64 text (one line per input) instead of binary."`
	cachesFlag
}

// Help gives examples.
func (c *imagemapCmd) Help() string {
	return `Emits the Compact ImageMap (CIF) of each input's image list, so crash pipelines can
store image lists compactly. A snapshot's cache images are expanded from the matching
shared cache under --caches.

Exit status: 0 all written; 2 an input could not be decoded (the others are still
written); 1 usage error.

Examples:
  symbolicate imagemap crash.ips -o crash.cif
  symbolicate imagemap --base64 crashes/*.ips
  symbolicate imagemap --caches ~/dsc process.cinfo -o process.cif`
}

// Validate requires -o or --base64 for several binary outputs.
func (c *imagemapCmd) Validate() error {
	if len(c.Files) > 1 && c.Output == "" && !c.Base64 {
		return errors.New("several inputs need -o DIR or --base64")
	}
	return nil
}

// Run writes the image map of each input.
func (c *imagemapCmd) Run(ctx context.Context, streams *ioStreams) error {
	eng, err := openEngine(ctx, c.config(), streams, true)
	if err != nil {
		return err
	}
	defer eng.Close()
	inputs := make([]output.Input, len(c.Files))
	for i, name := range c.Files {
		inputs[i] = output.Input{Name: name, Rel: inputRel(name), Path: name}
	}
	plan, err := output.New(c.Output, inputs, "", len(c.Files) == 1)
	if err != nil {
		return withExit(exitUsage, err)
	}
	status := exitOK
	for _, name := range c.Files {
		p, err := parseInput(eng, name, streams)
		if err == nil {
			err = writeCIF(streams, p, plan.Path(name, cifExt(c.Base64)), c.Base64)
		}
		if err != nil {
			fmt.Fprintf(streams.Stderr, "symbolicate: %v\n", err)
			code := exitBadInput
			var coder interface{ ExitCode() int }
			if errors.As(err, &coder) {
				code = coder.ExitCode()
			}
			status = max(status, code)
		}
	}
	return withExit(status, nil)
}

// addrsCmd is `symbolicate addrs`.
type addrsCmd struct {
	Images string   `required:"" placeholder:"FILE" help:"The image list: a CIF blob, a compact-info buffer (its cache record names the cache and its bitmap bits become that cache's images), an .ips or .crash report, or base64 of one. Example: --images crash.ips"`
	Addrs  []string `arg:"" optional:"" name:"addr" help:"Runtime addresses in hex, with or without 0x; when none are given, one per line is read from stdin. Example: 0x18a98520c 18a985210"`
	Format string   `enum:"text,json" default:"text" help:"text: one line per address; json: one object per line (address, image, uuid, symbol, offset, …). Example: --format json"`
	sourceFlags
	NoDemangle bool `help:"Print linkage names as they are."`
	FullPaths  bool `help:"Keep directories in source file names."`
	Jobs       int  `short:"j" default:"${jobs}" help:"Lookups in parallel (default: the number of CPUs). Example: -j 4"`
}

// Help gives examples and the exit status.
func (c *addrsCmd) Help() string {
	return `Resolves runtime addresses of a process against its image list, with the same
caches and binaries as the main command. Addresses are looked up as given.

Exit status (as for dsc lookup): 0 every address resolved; 3 some address had no image
or symbol; 2 the image list could not be decoded, or an image's symbols were damaged;
1 usage error.

Examples:
  symbolicate addrs --images crash.ips --caches ~/dsc 0x1a2b3c4d0 0x1a2b3c4d8
  symbolicate addrs --images snapshot.cinfo --caches ~/dsc --format json < addrs.txt`
}

// Run resolves the addresses.
func (c *addrsCmd) Run(ctx context.Context, streams *ioStreams) error {
	defer tuneShortRun()()
	addrs, bad, err := parseAddrs(c.Addrs, streams.Stdin, streams.Stderr)
	if err != nil {
		return err
	}
	cfg := c.config()
	cfg.Resolve.NoDemangle = c.NoDemangle
	var warnMu sync.Mutex // lookups run in parallel
	cfg.IndexWarn = func(d diag.Diagnostic) {
		warnMu.Lock()
		defer warnMu.Unlock()
		fmt.Fprintf(streams.Stderr, "symbolicate: warning: %s\n", d)
	}
	eng, err := openEngine(ctx, cfg, streams, false)
	if err != nil {
		return err
	}
	defer eng.Close()
	if _, err := os.Stat(c.Images); err != nil && c.Images != "-" {
		return withExit(exitUsage, err)
	}
	p, err := parseInput(eng, c.Images, streams)
	if err != nil {
		return withExit(exitBadInput, err)
	}
	w := bufio.NewWriter(streams.Stdout)
	t := addrTally{badInput: bad}
	for _, res := range eng.Addresses(p.Process(), addrs, c.Jobs) {
		t.add(&res)
		if c.Format == "json" {
			err = writeAddrJSON(w, &res, c.FullPaths)
		} else {
			err = writeAddrText(w, &res, c.FullPaths)
		}
		if err != nil {
			return withExit(exitOutput, err)
		}
	}
	if err := w.Flush(); err != nil {
		return withExit(exitOutput, err)
	}
	return t.status("")
}

// addrTally counts the addresses addrs and dsc lookup could not resolve, so
// that both end with the same exit status for the same outcome.
type addrTally struct {
	noImage, noSource, noSymbol, damaged int
	badInput                             bool // some input line was not an address
}

func (t *addrTally) add(res *resolve.AddrResult) {
	var me *resolve.MissingError
	switch {
	case res.Resolution != nil:
	case errors.Is(res.Err, resolve.ErrNoImage):
		t.noImage++
	case errors.As(res.Err, &me):
		t.noSource++
	case errors.Is(res.Err, resolve.ErrNoSymbol):
		t.noSymbol++
	default:
		t.damaged++
	}
}

// status is 2 when symbols could not be read, 3 when some address lay in no
// image or had no symbol, 0 otherwise; where ("of the cache") qualifies the
// image in the message.
func (t *addrTally) status(where string) error {
	if where != "" {
		where = " " + where
	}
	switch {
	case t.damaged > 0:
		return withExit(exitBadInput, fmt.Errorf("%d address(es) are in images whose symbols could not be read", t.damaged))
	case t.badInput:
		return withExit(exitBadInput, errors.New("some input lines are not addresses (see above); the others were resolved"))
	case t.noImage > 0:
		return withExit(exitUnresolved, fmt.Errorf("%d address(es) lie in no image%s", t.noImage, where))
	case t.noSource > 0:
		return withExit(exitUnresolved, fmt.Errorf("%d address(es) are in images that no cache or binary has", t.noSource))
	case t.noSymbol > 0:
		return withExit(exitUnresolved, fmt.Errorf("%d address(es) have no symbol", t.noSymbol))
	}
	return nil
}

// parseAddrs parses hex addresses from args, where a malformed one is a
// usage error, or from stdin lines when there are none (blank lines and #
// comments skipped), where a malformed line is reported on stderr with its
// line number and the others are still returned; bad says some were.
func parseAddrs(args []string, stdin io.Reader, stderr io.Writer) (addrs []uint64, bad bool, err error) {
	for _, a := range args {
		v, err := parseHex(a)
		if err != nil {
			return nil, false, withExit(exitUsage, err)
		}
		addrs = append(addrs, v)
	}
	if len(args) > 0 {
		return addrs, false, nil
	}
	sc := bufio.NewScanner(stdin)
	for n := 1; sc.Scan(); n++ {
		f := strings.TrimSpace(sc.Text())
		if f == "" || strings.HasPrefix(f, "#") {
			continue
		}
		v, err := parseHex(f)
		if err != nil {
			fmt.Fprintf(stderr, "symbolicate: stdin:%d: %v (skipped)\n", n, err)
			bad = true
			continue
		}
		addrs = append(addrs, v)
	}
	if err := sc.Err(); err != nil {
		return nil, false, withExit(exitBadInput, fmt.Errorf("reading stdin: %w", err))
	}
	return addrs, bad, nil
}

// imageName is the name of the image an address lies in: its Name, else the
// last component of its path; "" when there is none.
func imageName(res *resolve.AddrResult) string {
	if res.Image == nil {
		return ""
	}
	if res.Image.Name != "" {
		return res.Image.Name
	}
	return process.NameOf(res.Image.Path)
}

func imageLabel(res *resolve.AddrResult) string {
	if n := imageName(res); n != "" {
		return n
	}
	return "???"
}

func writeAddrText(w io.Writer, res *resolve.AddrResult, full bool) error {
	var err error
	switch {
	case res.Resolution != nil:
		s := res.Resolution
		_, err = fmt.Fprintf(w, "%#x  %s  %s + %d", res.Address, imageLabel(res), s.Symbol, s.SymbolLocation)
		if err == nil && s.SourceFile != "" {
			_, err = fmt.Fprintf(w, " (%s:%d)", process.SourceName(s.SourceFile, full), s.SourceLine)
		}
		if err == nil {
			_, err = io.WriteString(w, "\n")
		}
		for _, in := range s.Inlined {
			if err == nil {
				_, err = fmt.Fprintf(w, "    inlined: %s (%s:%d)\n", in.Symbol, process.SourceName(in.SourceFile, full), in.SourceLine)
			}
		}
	case res.Image != nil:
		_, err = fmt.Fprintf(w, "%#x  %s  %#x + %d  (%v)\n", res.Address, imageLabel(res), res.Image.Base, res.Offset, res.Err)
	default:
		_, err = fmt.Fprintf(w, "%#x  ???  (%v)\n", res.Address, res.Err)
	}
	return err
}

// addrJSON is one line of `addrs --format json`.
type addrJSON struct {
	Address    string        `json:"address"`
	Image      string        `json:"image,omitempty"`
	Path       string        `json:"path,omitempty"`
	UUID       string        `json:"uuid,omitempty"`
	Symbol     string        `json:"symbol,omitempty"`
	RawSymbol  string        `json:"rawSymbol,omitempty"`
	Offset     *uint64       `json:"offset,omitempty"`
	SourceFile string        `json:"sourceFile,omitempty"`
	SourceLine int           `json:"sourceLine,omitempty"`
	Inlined    []inlinedJSON `json:"inlined,omitempty"`
	Error      string        `json:"error,omitempty"`
}

type inlinedJSON struct {
	Symbol     string `json:"symbol"`
	RawSymbol  string `json:"rawSymbol,omitempty"`
	SourceFile string `json:"sourceFile,omitempty"`
	SourceLine int    `json:"sourceLine,omitempty"`
}

func writeAddrJSON(w io.Writer, res *resolve.AddrResult, full bool) error {
	j := addrJSON{Address: fmt.Sprintf("%#x", res.Address)}
	if im := res.Image; im != nil {
		j.Image, j.Path = imageName(res), im.Path
		if u, ok := im.UUID(); ok {
			j.UUID = u.String()
		}
	}
	if s := res.Resolution; s != nil {
		off := s.SymbolLocation
		j.Symbol, j.RawSymbol, j.Offset = s.Symbol, s.RawSymbol, &off
		j.SourceFile, j.SourceLine = sourceName(s.SourceFile, full), s.SourceLine
		for _, in := range s.Inlined {
			j.Inlined = append(j.Inlined, inlinedJSON{Symbol: in.Symbol, RawSymbol: in.RawSymbol,
				SourceFile: sourceName(in.SourceFile, full), SourceLine: in.SourceLine})
		}
	} else if res.Err != nil {
		j.Error = res.Err.Error()
	}
	b, err := json.Marshal(j)
	if err != nil {
		return err
	}
	_, err = w.Write(append(b, '\n'))
	return err
}

// sourceName shortens a source file name for display; "" stays "".
func sourceName(f string, full bool) string {
	if f == "" {
		return ""
	}
	return process.SourceName(f, full)
}

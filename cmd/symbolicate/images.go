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

	"github.com/goccy/go-json"

	"github.com/symbolicate/symbolicate/imagemap"
	"github.com/symbolicate/symbolicate/internal/atomicfile"
	"github.com/symbolicate/symbolicate/resolve"
)

// cachesFlag is --caches alone, for commands that expand snapshot cache images.
type cachesFlag struct {
	Caches []string `name:"caches" placeholder:"PATH" type:"path" help:"dyld_shared_cache file or directory searched recursively; expands a snapshot's cache images (bitmap bits) into paths and UUIDs. Default: $$SYMBOLICATE_CACHES. Example: --caches ~/dsc"`
}

func (f *cachesFlag) open(ctx context.Context, stderr io.Writer) (*resolve.Caches, error) {
	paths := envPaths(f.Caches, "SYMBOLICATE_CACHES")
	if len(paths) == 0 {
		return nil, nil
	}
	c, err := resolve.ScanCaches(ctx, paths)
	if err != nil {
		return nil, withExit(exitUsage, err)
	}
	for _, w := range c.Warnings {
		fmt.Fprintf(stderr, "symbolicate: warning: %s\n", w)
	}
	return c, nil
}

// readInput reads a file argument, "-" meaning stdin.
func readInput(name string, stdin io.Reader) ([]byte, error) {
	if name == "-" {
		return io.ReadAll(stdin)
	}
	return os.ReadFile(name)
}

// loadList reads and decodes one image-list input. Errors name the file.
func loadList(name string, stdin io.Reader, caches *resolve.Caches) (*resolve.ImageList, error) {
	b, err := readInput(name, stdin)
	if err != nil {
		return nil, err
	}
	l, err := resolve.LoadImageList(b, caches)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	return l, nil
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
	caches, err := c.open(ctx, streams.Stderr)
	if err != nil {
		return err
	}
	defer caches.Close()
	failed := false
	for i, name := range c.Files {
		l, err := loadList(name, streams.Stdin, caches)
		if err != nil {
			fmt.Fprintf(streams.Stderr, "symbolicate: %v\n", err)
			failed = true
			continue
		}
		for _, w := range l.Warnings {
			fmt.Fprintf(streams.Stderr, "symbolicate: %s: warning: %s\n", name, w)
		}
		if c.Format == "json" {
			err = imagemap.WriteJSON(streams.Stdout, l.Format, l.Map)
		} else {
			if len(c.Files) > 1 {
				if i > 0 {
					fmt.Fprintln(streams.Stdout)
				}
				fmt.Fprintf(streams.Stdout, "==> %s (%s) <==\n", name, l.Format)
			}
			err = imagemap.WriteText(streams.Stdout, l.Map)
		}
		if err != nil {
			return err
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
	Base64 bool   `name:"base64" help:"Write base64 text (no padding, as Swift embeds CIF in JSON) instead of binary. Example: --base64"`
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
	caches, err := c.open(ctx, streams.Stderr)
	if err != nil {
		return err
	}
	defer caches.Close()
	l, err := loadList(c.File, streams.Stdin, caches)
	if err != nil {
		return withExit(exitBadInput, err)
	}
	return writeCIF(streams, l, c.Output, c.Base64)
}

// writeCIF encodes l and writes it to path (or stdout when path is "").
func writeCIF(streams *ioStreams, l *resolve.ImageList, path string, b64 bool) error {
	blob, err := imagemap.Encode(l.Map)
	if err != nil {
		return withExit(exitBadInput, err)
	}
	out := blob
	if b64 {
		out = []byte(imagemap.EncodeBase64(blob) + "\n")
	}
	if path == "" {
		_, err = streams.Stdout.Write(out)
		return err
	}
	return atomicfile.Write(path, 0o644, func(w io.Writer) error { _, err := w.Write(out); return err })
}

// imagemapCmd is `symbolicate imagemap`.
type imagemapCmd struct {
	Files  []string `arg:"" name:"file" help:"Crash reports (.ips, .crash) or dyld snapshots (compact info, Apple Archive, process.plist); - reads stdin. Example: crashes/*.ips"`
	Output string   `short:"o" placeholder:"PATH" help:"Output file for one input; for several, a directory receiving NAME.cif (or NAME.cif.b64). Example: -o maps/"`
	Base64 bool     `name:"base64" help:"Write base64 text (one line per input) instead of binary. Example: --base64"`
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
	caches, err := c.open(ctx, streams.Stderr)
	if err != nil {
		return err
	}
	defer caches.Close()
	failed := false
	for _, name := range c.Files {
		l, err := loadList(name, streams.Stdin, caches)
		if err == nil {
			err = writeCIF(streams, l, c.dest(name), c.Base64)
		}
		if err != nil {
			fmt.Fprintf(streams.Stderr, "symbolicate: %v\n", err)
			failed = true
			continue
		}
		for _, w := range l.Warnings {
			fmt.Fprintf(streams.Stderr, "symbolicate: %s: warning: %s\n", name, w)
		}
	}
	if failed {
		return withExit(exitBadInput, nil)
	}
	return nil
}

func (c *imagemapCmd) dest(name string) string {
	if c.Output == "" || len(c.Files) == 1 && !strings.HasSuffix(c.Output, "/") {
		if fi, err := os.Stat(c.Output); c.Output == "" || err != nil || !fi.IsDir() {
			return c.Output
		}
	}
	ext := ".cif"
	if c.Base64 {
		ext = ".cif.b64"
	}
	base := filepath.Base(name)
	if name == "-" {
		base = "stdin"
	}
	return filepath.Join(c.Output, stem(base)+ext)
}

// addrsCmd is `symbolicate addrs`.
type addrsCmd struct {
	Images string   `required:"" placeholder:"FILE" help:"The image list: a CIF blob, a compact-info buffer (its cache record names the cache and its bitmap bits become that cache's images), an .ips or .crash report, or base64 of one. Example: --images crash.ips"`
	Addrs  []string `arg:"" optional:"" name:"addr" help:"Runtime addresses in hex, with or without 0x; when none are given, one per line is read from stdin. Example: 0x18a98520c 18a985210"`
	Format string   `enum:"text,json" default:"text" help:"text: one line per address; json: one object per line (address, image, uuid, symbol, offset, …). Example: --format json"`
	sourceFlags
	NoDemangle bool `help:"Print linkage names as they are. Example: --no-demangle"`
	FullPaths  bool `help:"Keep directories in source file names. Example: --full-paths"`
}

// Help gives examples and the exit status.
func (c *addrsCmd) Help() string {
	return `Resolves runtime addresses of a process against its image list, with the same
caches and binaries as the main command. Addresses are looked up as given.

Exit status: 0 every address resolved; 3 some address had no image or symbol; 2 the
image list could not be decoded; 1 usage error.

Examples:
  symbolicate addrs --images crash.ips --caches ~/dsc 0x1a2b3c4d0 0x1a2b3c4d8
  symbolicate addrs --images snapshot.cinfo --caches ~/dsc --format json < addrs.txt`
}

// Run resolves the addresses.
func (c *addrsCmd) Run(ctx context.Context, streams *ioStreams) error {
	addrs, err := parseAddrs(c.Addrs, streams.Stdin)
	if err != nil {
		return withExit(exitUsage, err)
	}
	r, warnings, err := c.resolver(ctx, resolve.Options{Demangle: demangler(c.NoDemangle), FullPaths: c.FullPaths})
	if err != nil {
		return err
	}
	defer r.Close()
	for _, w := range warnings {
		fmt.Fprintf(streams.Stderr, "symbolicate: warning: %s\n", w)
	}
	b, err := readInput(c.Images, streams.Stdin)
	if err != nil {
		return withExit(exitUsage, err)
	}
	l, err := resolve.LoadImageList(b, r.Caches)
	if err != nil {
		return withExit(exitBadInput, fmt.Errorf("%s: %w", c.Images, err))
	}
	for _, w := range l.Warnings {
		fmt.Fprintf(streams.Stderr, "symbolicate: %s: warning: %s\n", c.Images, w)
	}
	w := bufio.NewWriter(streams.Stdout)
	unresolved := false
	for _, res := range r.Addresses(l, addrs) {
		unresolved = unresolved || res.Resolution == nil
		if c.Format == "json" {
			err = writeAddrJSON(w, &res)
		} else {
			err = writeAddrText(w, &res)
		}
		if err != nil {
			return err
		}
	}
	if err := w.Flush(); err != nil {
		return err
	}
	if unresolved {
		return withExit(exitUnresolved, nil)
	}
	return nil
}

// parseAddrs parses hex addresses from args, or from stdin lines when there
// are none (blank lines and # comments skipped, as dsc lookup does).
func parseAddrs(args []string, stdin io.Reader) ([]uint64, error) {
	if len(args) == 0 {
		sc := bufio.NewScanner(stdin)
		for sc.Scan() {
			if f := strings.TrimSpace(sc.Text()); f != "" && !strings.HasPrefix(f, "#") {
				args = append(args, f)
			}
		}
		if err := sc.Err(); err != nil {
			return nil, fmt.Errorf("reading stdin: %w", err)
		}
	}
	out := make([]uint64, 0, len(args))
	for _, a := range args {
		v, err := parseHex(a)
		if err != nil {
			return nil, err
		}
		out = append(out, v)
	}
	return out, nil
}

func imageLabel(res *resolve.AddrResult) string {
	if res.Image == nil {
		return "???"
	}
	if res.Image.Name != "" {
		return res.Image.Name
	}
	return "???"
}

func writeAddrText(w io.Writer, res *resolve.AddrResult) error {
	var err error
	switch {
	case res.Resolution != nil:
		s := res.Resolution
		_, err = fmt.Fprintf(w, "%#x  %s  %s + %d", res.Address, imageLabel(res), s.Symbol, s.SymbolLocation)
		if err == nil && s.SourceFile != "" {
			_, err = fmt.Fprintf(w, " (%s:%d)", s.SourceFile, s.SourceLine)
		}
		if err == nil {
			_, err = io.WriteString(w, "\n")
		}
		for _, in := range s.Inlined {
			if err == nil {
				_, err = fmt.Fprintf(w, "    inlined: %s (%s:%d)\n", in.Symbol, in.SourceFile, in.SourceLine)
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

func writeAddrJSON(w io.Writer, res *resolve.AddrResult) error {
	j := addrJSON{Address: fmt.Sprintf("%#x", res.Address)}
	if im := res.Image; im != nil {
		j.Image, j.Path = im.Name, im.Path
		if im.HasUUID {
			j.UUID = im.UUID.String()
		}
	}
	if s := res.Resolution; s != nil {
		off := s.SymbolLocation
		j.Symbol, j.RawSymbol, j.Offset = s.Symbol, s.RawSymbol, &off
		j.SourceFile, j.SourceLine = s.SourceFile, s.SourceLine
		for _, in := range s.Inlined {
			j.Inlined = append(j.Inlined, inlinedJSON{Symbol: in.Symbol, RawSymbol: in.RawSymbol, SourceFile: in.SourceFile, SourceLine: in.SourceLine})
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

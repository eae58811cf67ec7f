package main

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"

	"github.com/goccy/go-json"

	"github.com/symbolicate/symbolicate/diag"
	"github.com/symbolicate/symbolicate/dsc"
	"github.com/symbolicate/symbolicate/resolve"
	"github.com/symbolicate/symbolicate/symbol"
)

// dscCmd groups the commands that inspect dyld shared caches directly.
type dscCmd struct {
	Info   dscInfoCmd   `cmd:"" help:"Show a dyld shared cache's header, files, mappings and images."`
	Lookup dscLookupCmd `cmd:"" help:"Resolve cache addresses to image and symbol + offset."`
}

// dscInfoCmd is `symbolicate dsc info`.
type dscInfoCmd struct {
	Cache  string `arg:"" name:"cache" type:"path" help:"Main cache file; subcaches and .symbols are found beside it. Example: /System/Cryptexes/OS/System/Library/dyld/dyld_shared_cache_arm64e"`
	Images bool   `help:"Also print one line per image: address, UUID, path."`
	Format string `enum:"text,json" default:"text" help:"Output format: text or json. Example: --format json"`
}

// dscLookupCmd is `symbolicate dsc lookup`.
type dscLookupCmd struct {
	Cache    string   `arg:"" name:"cache" type:"path" help:"Main cache file. Example: dyld_shared_cache_arm64e"`
	Addrs    []string `arg:"" optional:"" name:"addr" help:"Addresses in hex, with or without 0x; when none are given, one per line is read from stdin. Example: 0x1a2b3c4d0 1a2b3c4d4"`
	Slide    string   `help:"Hex slide of the cache in the process; subtracted from every address. Example: --slide 0x1c5c4000"`
	Base     string   `help:"Hex runtime address of the cache header in the process (slide = base - sharedRegionStart). Example: --base 0x19c5c4000"`
	Verbose  bool     `short:"v" help:"Print the cache summary before the results."`
	Raw      bool     `help:"Print linkage names as they are instead of demangling Swift and C++ names."`
	Format   string   `enum:"text,json" default:"text" help:"Output format: text, or json for one object per address (address, image, uuid, symbol, offset). Example: --format json"`
	Jobs     int      `short:"j" default:"${jobs}" help:"Lookups in parallel (default: the number of CPUs). Example: -j 4"`
	IndexDir string   `name:"index-dir" placeholder:"DIR" type:"path" help:"Answer from the cache's symbol index in DIR when there is one (see \"symbolicate index\"), instead of building its tables. Default: $$SYMBOLICATE_INDEX_DIR (empty: none). Example: --index-dir ~/.cache/symbolicate"`
}

// Help gives examples and the exit status.
func (c *dscInfoCmd) Help() string {
	return `Prints the main header (UUID, platform and OS version, header generation), every
file of the cache (main file, subcaches, .symbols) with its UUID and mappings, and with
--images one line per image: index, unslid address, UUID, install name. A missing
.symbols file is a warning: exported names are still there, local ones are not.

Exit status: 0 the cache was read; 2 it could not be (a missing or mismatched subcache
names the file and both UUIDs); 1 usage error.

Examples:
  symbolicate dsc info ~/dsc/dyld_shared_cache_arm64e
  symbolicate dsc info --images --format json ~/dsc/dyld_shared_cache_arm64e | jq '.images[] | select(.path | test("UIKitCore"))'`
}

// Help explains addresses, slides and the exit status.
func (c *dscLookupCmd) Help() string {
	return `Addresses are unslid cache addresses unless --slide or --base is given; then they
are runtime addresses from a process and the slide is subtracted first.

Names are printed as every command prints them: demangled, without the Mach-O
leading underscore; --raw prints linkage names.

Exit status (as for addrs): 0 every address was resolved; 3 some address lay in no
image of the cache or had no symbol there (its line says which); 2 the cache could not
be read, or an image's symbols were damaged (the line shows the image and the error);
1 a flag or address was malformed.

Examples:
  symbolicate dsc lookup dyld_shared_cache_arm64e 0x1a2b3c4d0
  symbolicate dsc lookup --base 0x19c5c4000 -v dyld_shared_cache_arm64e 0x1b6e0f3a8
  grep -o '0x[0-9a-f]*' frames.txt | symbolicate dsc lookup --format json dyld_shared_cache_arm64e`
}

// Validate rejects --slide together with --base.
func (c *dscLookupCmd) Validate() error {
	if c.Slide != "" && c.Base != "" {
		return errors.New("--slide and --base are mutually exclusive")
	}
	return nil
}

// openCache opens a cache, turning failures into exit status 2.
func openCache(path string) (*dsc.Cache, error) {
	c, err := dsc.Open(path)
	if err != nil {
		return nil, withExit(exitBadInput, err)
	}
	return c, nil
}

// Run prints the cache description.
func (c *dscInfoCmd) Run(ctx context.Context, streams *ioStreams) error {
	cache, err := openCache(c.Cache)
	if err != nil {
		return err
	}
	defer cache.Close()
	info := describeCache(cache, c.Images)
	if c.Format == "json" {
		return writeJSON(streams.Stdout, info)
	}
	w := bufio.NewWriter(streams.Stdout)
	info.writeText(w)
	return w.Flush()
}

// cacheInfo is the JSON (and text) description of a cache.
type cacheInfo struct {
	Path              string      `json:"path"`
	Magic             string      `json:"magic"`
	Arch              string      `json:"arch"`
	UUID              string      `json:"uuid"`
	Platform          string      `json:"platform"`
	OSVersion         string      `json:"osVersion,omitempty"`
	HeaderSize        string      `json:"headerSize"`
	Generation        string      `json:"generation"`
	CacheType         string      `json:"cacheType,omitempty"`
	FormatVersion     int         `json:"formatVersion"`
	SharedRegionStart string      `json:"sharedRegionStart"`
	SharedRegionSize  string      `json:"sharedRegionSize,omitempty"`
	MaxSlide          string      `json:"maxSlide,omitempty"`
	ImageCount        int         `json:"imageCount"`
	LocalSymbols      string      `json:"localSymbols"`
	Files             []fileInfo  `json:"files"`
	Warnings          []string    `json:"warnings,omitempty"`
	Images            []imageInfo `json:"images,omitempty"`
}

type fileInfo struct {
	Role     string        `json:"role"`
	Path     string        `json:"path"`
	UUID     string        `json:"uuid"`
	VMOffset string        `json:"vmOffset,omitempty"`
	Mappings []mappingInfo `json:"mappings"`
}

type mappingInfo struct {
	Name       string `json:"name"`
	Address    string `json:"address"`
	Size       string `json:"size"`
	FileOffset string `json:"fileOffset"`
	MaxProt    string `json:"maxProt"`
	InitProt   string `json:"initProt"`
	Flags      string `json:"flags,omitempty"`
}

type imageInfo struct {
	Index    int      `json:"index"`
	Address  string   `json:"address"`
	TextSize string   `json:"textSize"`
	UUID     string   `json:"uuid"`
	Path     string   `json:"path"`
	Aliases  []string `json:"aliases,omitempty"`
}

func hexs(v uint64) string { return "0x" + strconv.FormatUint(v, 16) }

func prot(p uint32) string {
	b := []byte("---")
	if p&1 != 0 {
		b[0] = 'r'
	}
	if p&2 != 0 {
		b[1] = 'w'
	}
	if p&4 != 0 {
		b[2] = 'x'
	}
	return string(b)
}

func describeCache(c *dsc.Cache, withImages bool) *cacheInfo {
	h := c.Header()
	info := &cacheInfo{
		Path: c.Path(), Magic: h.Magic, Arch: h.Arch, UUID: c.UUID().String(),
		Platform: dsc.PlatformName(h.Platform), OSVersion: dsc.OSVersionString(h.OSVersion),
		HeaderSize: hexs(uint64(h.MappingOffset)), Generation: h.Generation(), CacheType: h.CacheTypeName(),
		FormatVersion: int(h.FormatVersion), SharedRegionStart: hexs(c.SharedRegionStart()),
		ImageCount: c.ImageCount(), Warnings: c.Warnings(),
	}
	if h.Platform == 0 {
		info.Platform = "unknown"
	}
	if h.SharedRegionSize != 0 {
		info.SharedRegionSize, info.MaxSlide = hexs(h.SharedRegionSize), hexs(h.MaxSlide)
	}
	info.LocalSymbols = "none"
	for _, f := range c.Files() {
		fi := fileInfo{Role: f.Role, Path: f.Path, UUID: f.UUID.String()}
		if f.Role != "main" && f.Role != "symbols file" {
			fi.VMOffset = hexs(f.VMOffset)
		}
		if f.Role == "symbols file" {
			info.LocalSymbols = "in " + f.Path
		}
		for _, m := range f.Mappings {
			mi := mappingInfo{Name: m.Name, Address: hexs(m.Address), Size: hexs(m.Size), FileOffset: hexs(m.FileOffset),
				MaxProt: prot(m.MaxProt), InitProt: prot(m.InitProt)}
			if m.Flags != 0 {
				mi.Flags = hexs(m.Flags)
			}
			fi.Mappings = append(fi.Mappings, mi)
		}
		info.Files = append(info.Files, fi)
	}
	if info.LocalSymbols == "none" && c.HasLocalSymbols() {
		info.LocalSymbols = "in the main cache file"
	}
	if withImages {
		for _, im := range c.Images() {
			info.Images = append(info.Images, imageInfo{Index: im.Index, Address: hexs(im.Address),
				TextSize: hexs(im.TextSize), UUID: im.UUID.String(), Path: im.Path, Aliases: im.Aliases})
		}
	}
	return info
}

func (info *cacheInfo) writeText(w io.Writer) {
	kv := func(k, v string) {
		if v != "" {
			fmt.Fprintf(w, "%-20s %s\n", k+":", v)
		}
	}
	kv("Cache", info.Path)
	kv("Magic", fmt.Sprintf("%q (%s)", info.Magic, info.Arch))
	kv("UUID", info.UUID)
	kv("Platform", strings.TrimSpace(info.Platform+" "+info.OSVersion))
	kv("Header", fmt.Sprintf("%s bytes: %s", info.HeaderSize, info.Generation))
	kv("Cache type", info.CacheType)
	kv("Format version", strconv.Itoa(info.FormatVersion))
	region := info.SharedRegionStart
	if info.SharedRegionSize != "" {
		region += fmt.Sprintf(" (size %s, max slide %s)", info.SharedRegionSize, info.MaxSlide)
	}
	kv("Shared region", region)
	kv("Images", strconv.Itoa(info.ImageCount))
	kv("Local symbols", info.LocalSymbols)
	fmt.Fprintf(w, "Files (%d):\n", len(info.Files))
	for _, f := range info.Files {
		fmt.Fprintf(w, "  %s: %s\n    UUID %s", f.Role, f.Path, f.UUID)
		if f.VMOffset != "" {
			fmt.Fprintf(w, ", VM offset %s", f.VMOffset)
		}
		fmt.Fprintln(w)
		for _, m := range f.Mappings {
			fmt.Fprintf(w, "    %-18s %s/%s  %14s-%-14s size %-12s file %s", m.Name, m.InitProt, m.MaxProt,
				m.Address, addHex(m.Address, m.Size), m.Size, m.FileOffset)
			if m.Flags != "" {
				fmt.Fprintf(w, " flags %s", m.Flags)
			}
			fmt.Fprintln(w)
		}
	}
	for _, warn := range info.Warnings {
		fmt.Fprintf(w, "warning: %s\n", warn)
	}
	if info.Images != nil {
		fmt.Fprintln(w, "Images:")
		for _, im := range info.Images {
			fmt.Fprintf(w, "  %5d %s %s %s\n", im.Index, im.Address, im.UUID, im.Path)
			for _, a := range im.Aliases {
				fmt.Fprintf(w, "        alias %s\n", a)
			}
		}
	}
}

// addHex adds two 0x-prefixed hex strings produced by hexs.
func addHex(a, b string) string {
	x, _ := strconv.ParseUint(strings.TrimPrefix(a, "0x"), 16, 64)
	y, _ := strconv.ParseUint(strings.TrimPrefix(b, "0x"), 16, 64)
	return hexs(x + y)
}

func writeJSON(w io.Writer, v any) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(v)
}

// parseHex parses a hex number with or without 0x.
func parseHex(s string) (uint64, error) {
	t := strings.TrimSpace(s)
	t = strings.TrimPrefix(strings.TrimPrefix(t, "0x"), "0X")
	v, err := strconv.ParseUint(t, 16, 64)
	if err != nil || t == "" {
		return 0, fmt.Errorf("%q is not a hex address", s)
	}
	return v, nil
}

// lookupResult is one line of `dsc lookup --format json`.
type lookupResult struct {
	Address   string  `json:"address"`
	Unslid    string  `json:"unslid,omitempty"`
	Image     string  `json:"image,omitempty"`
	UUID      string  `json:"uuid,omitempty"`
	Symbol    *string `json:"symbol"`
	RawSymbol string  `json:"rawSymbol,omitempty"`
	Offset    *uint64 `json:"offset"`
	Error     string  `json:"error,omitempty"`
}

// Run resolves each address.
func (c *dscLookupCmd) Run(ctx context.Context, streams *ioStreams) error {
	defer tuneShortRun()()
	var slide, base uint64
	var err error
	if c.Slide != "" {
		if slide, err = parseHex(c.Slide); err != nil {
			return withExit(exitUsage, fmt.Errorf("--slide: %w", err))
		}
	}
	if c.Base != "" {
		if base, err = parseHex(c.Base); err != nil {
			return withExit(exitUsage, fmt.Errorf("--base: %w", err))
		}
	}
	addrs, bad, err := parseAddrs(c.Addrs, streams.Stdin, streams.Stderr)
	if err != nil {
		return err
	}
	cache, err := openCache(c.Cache)
	if err != nil {
		return err
	}
	defer cache.Close()
	if dir := envPath(c.IndexDir, "SYMBOLICATE_INDEX_DIR"); dir != "" {
		if err := cache.UseIndex(dir); err != nil {
			fmt.Fprintf(streams.Stderr, "symbolicate: warning: %v; building the tables instead\n", err)
		}
	}
	if c.Base != "" {
		if base < cache.SharedRegionStart() {
			return withExit(exitUsage, fmt.Errorf("--base %#x is below the cache's unslid base %#x", base, cache.SharedRegionStart()))
		}
		slide = base - cache.SharedRegionStart()
	}
	w := bufio.NewWriter(streams.Stdout)
	if c.Verbose {
		if err := c.writeSummary(w, cache, slide); err != nil {
			return withExit(exitOutput, err)
		}
	}
	r := resolve.New([]symbol.Source{dsc.SetOf(cache)}, resolve.Options{NoDemangle: c.Raw})
	t := addrTally{badInput: bad}
	for _, res := range r.Addresses(cache.Process(slide), addrs, c.Jobs) {
		t.add(&res)
		if res.Image == nil && res.Resolution != nil {
			// Found by the cache outside every image's text (data, stubs):
			// name the image whose segments hold it.
			if im, err := cache.ImageForAddress(res.Address - slide); err == nil {
				pi := cache.ImageAt(im.Index)
				res.Image, res.Offset = &pi, res.Address-slide-im.Address
			}
		}
		if err := c.writeResult(w, &res, slide); err != nil {
			return withExit(exitOutput, err)
		}
	}
	if err := w.Flush(); err != nil {
		return withExit(exitOutput, err)
	}
	for _, d := range cache.Diagnostics() {
		if d.Code == diag.UnusableIndex { // found damaged in use: the tables were built
			fmt.Fprintf(streams.Stderr, "symbolicate: warning: %s\n", d)
		}
	}
	return t.status("of the cache")
}

// writeSummary prints the cache description (-v).
func (c *dscLookupCmd) writeSummary(w io.Writer, cache *dsc.Cache, slide uint64) error {
	info := describeCache(cache, false)
	if c.Format == "json" {
		return json.NewEncoder(w).Encode(map[string]any{"cache": info})
	}
	info.writeText(w)
	if slide != 0 {
		fmt.Fprintf(w, "%-20s %#x\n", "Slide:", slide)
	}
	_, err := fmt.Fprintln(w)
	return err
}

// writeResult prints one address: its image and symbol + offset, or why it
// has none.
func (c *dscLookupCmd) writeResult(w io.Writer, res *resolve.AddrResult, slide uint64) error {
	j := lookupResult{Address: hexs(res.Address)}
	if slide != 0 {
		j.Unslid = hexs(res.Address - slide)
	}
	if im := res.Image; im != nil {
		j.Image = im.Path
		if u, ok := im.UUID(); ok {
			j.UUID = u.String()
		}
		name, off := im.Name, res.Offset
		var ue *resolve.UnnamedError
		switch s := res.Resolution; {
		case s != nil:
			name, off, j.RawSymbol = s.Symbol, s.SymbolLocation, s.RawSymbol
		case errors.As(res.Err, &ue) && res.Offset >= ue.Start:
			// Not a name: say so, and where the function starts.
			name, off = fmt.Sprintf("<unnamed function %#x>", im.Base+ue.Start), res.Offset-ue.Start
		}
		j.Symbol, j.Offset = &name, &off
	}
	if res.Err != nil {
		j.Error = res.Err.Error()
	}
	if c.Format == "json" {
		b, err := json.Marshal(j)
		if err != nil {
			return err
		}
		_, err = fmt.Fprintf(w, "%s\n", b)
		return err
	}
	prefix := j.Address
	if slide != 0 {
		prefix += " (" + j.Unslid + ")"
	}
	var err error
	switch {
	case j.Symbol == nil:
		_, err = fmt.Fprintf(w, "%s: not in any image of the cache\n", prefix)
	case res.Err != nil && !errors.Is(res.Err, resolve.ErrNoSymbol) && !errors.Is(res.Err, resolve.ErrDegraded):
		_, err = fmt.Fprintf(w, "%s: %s %s + %d (symbols unavailable: %v)\n", prefix, j.Image, *j.Symbol, *j.Offset, res.Err)
	default:
		_, err = fmt.Fprintf(w, "%s: %s %s + %d\n", prefix, j.Image, *j.Symbol, *j.Offset)
	}
	return err
}

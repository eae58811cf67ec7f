// Package dsc reads Apple dyld shared caches (dyld_shared_cache_*) for
// symbolication, as specified in ../shared/specs/dyld-formats.md §5–§6.
//
// [Open] maps the main cache file, every subcache and the .symbols file
// read-only and decodes only their headers, so opening costs the same for a
// 40 MB test cache and a 4 GB OS cache. Every header generation from dyld-353
// to dyld-1378 is read, with field presence decided by mappingOffset (§5.2);
// 64-bit caches (arm64, arm64e, x86_64, x86_64h), arm64_32 and the 32-bit
// ARM and i386 caches are supported, as are v1 (".1") and v2 (".01",
// ".NN.dyldlinkedit", ".development") subcaches. Every subcache UUID and the
// .symbols UUID are checked against the main header.
//
// Symbols of an image are built on first use and cached: external and
// "<redacted>" local symbols from the image's slice of the shared LINKEDIT
// symbol table, real local names from the .symbols file (or the in-cache
// local symbols of older caches), function starts for unnamed functions and
// the export trie for exports missing from the symbol table. The cost of a
// build is proportional to that image; nothing scans the whole cache.
//
// A *Cache is safe for concurrent use. Every offset, count and size read
// from the files is checked before use: a hostile or truncated cache yields a
// *diag.FormatError (or one of the errors in errors.go), never a panic or an
// allocation larger than the input.
package dsc

import (
	"bytes"
	"errors"
	"fmt"
	"io/fs"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"

	"github.com/symbolicate/symbolicate/diag"
	"github.com/symbolicate/symbolicate/internal/bin"
	"github.com/symbolicate/symbolicate/internal/mmap"
	"github.com/symbolicate/symbolicate/process"
	"github.com/symbolicate/symbolicate/symbol"
)

// Cache is an open dyld shared cache: the main file, its subcaches and its
// optional .symbols file. It is safe for concurrent use; Close must not race
// with other calls.
type Cache struct {
	path    string
	real    string  // path with symbolic links resolved: where members are looked for
	hdr     *Header // main header
	files   []*cacheFile
	symbols *cacheFile // nil when absent
	base    uint64     // unslid start of the cache
	vm      []vmRange  // every mapping of every file, sorted by address
	images  []Image
	text    []addrRange // __TEXT ranges sorted by start
	state   []imageState
	diagMu  sync.Mutex
	diags   []diag.Diagnostic // conditions that degrade the cache
	maps    []mapping         // every loaded file, closed by Close
	broken  atomic.Pointer[symbol.ChangedError]
	index   atomic.Pointer[index] // an open symbol index, when one was given
	built   atomic.Int64          // tables built (not read from an index)
	closed  bool

	rangesOnce sync.Once
	ranges     []addrRange // every non-LINKEDIT segment of every image
	uuidOnce   sync.Once
	byUUID     map[process.UUID]int
	pathOnce   sync.Once
	byPath     map[string]int
	localsOnce sync.Once
	locals     *localSymbols
	localsErr  error
}

// cacheFile is one mapped file of the cache.
type cacheFile struct {
	info FileInfo
	data []byte
	hdr  *Header
	m    mapping
}

// mapping is one loaded file: a memory mapping (mmap.File), or bytes read
// whole (OpenFS).
type mapping interface {
	Data() []byte
	Close() error
	// Changed reports whether the file on disk is no longer the one loaded.
	Changed() error
	// Contains reports whether a memory address lies in the loaded bytes.
	Contains(addr uintptr) bool
}

// memFile is a file read whole: it cannot change under its reader.
type memFile []byte

func (m memFile) Data() []byte             { return m }
func (memFile) Close() error               { return nil }
func (memFile) Changed() error             { return nil }
func (memFile) Contains(addr uintptr) bool { return false }

// FileInfo describes one file of the cache for display.
type FileInfo struct {
	Path     string
	Role     string // "main", "subcache N" or "symbols file"
	Suffix   string // subcache file suffix (".01", ".1", ".symbols"); "" for main
	UUID     process.UUID
	VMOffset uint64 // subcache cacheVMOffset
	Size     int64
	Mappings []Mapping
}

// Mapping is one dyld_cache_mapping_info, with the flags and slide-info
// range of the matching mapping-with-slide entry when the header has them.
type Mapping struct {
	Name            string // __TEXT, __DATA_CONST, __AUTH, __LINKEDIT, … (§5.3)
	Address         uint64 // unslid VM address
	Size            uint64
	FileOffset      uint64
	MaxProt         uint32
	InitProt        uint32
	Flags           uint64
	SlideInfoOffset uint64
	SlideInfoSize   uint64
}

// vmRange maps [addr, addr+size) to data[off:] of files[file].
type vmRange struct {
	addr, size uint64
	file       int
	off        uint64
}

// loader fetches a named file.
type loader func(name string) (mapping, error)

// Open opens the cache whose main file is at path, with its subcaches and
// .symbols file beside it (beside the file a symbolic link leads to). Files
// are memory-mapped read-only; FIFOs and devices are refused without being
// opened for reading.
func Open(path string) (*Cache, error) {
	real := path
	if r, err := filepath.EvalSymlinks(path); err == nil {
		real = r // members are beside the file a link leads to
	}
	return open(path, real, func(name string) (mapping, error) {
		f, err := mmap.Open(name)
		if err != nil {
			return nil, err
		}
		return f, nil
	})
}

// OpenFS opens the cache whose main file is name in fsys (slash-separated,
// as fs.FS requires), reading each file whole. It serves tests, fuzzing and
// embedded data; use Open for real caches.
func OpenFS(fsys fs.FS, name string) (*Cache, error) {
	return open(name, name, func(n string) (mapping, error) {
		b, err := fs.ReadFile(fsys, n)
		if err != nil {
			return nil, err
		}
		return memFile(b), nil
	})
}

func open(path, real string, load loader) (*Cache, error) {
	c := &Cache{path: path, real: real}
	err := mmap.Guard(func() error { return c.load(load) })
	if err != nil {
		c.Close()
		return nil, err
	}
	return c, nil
}

// load opens and checks every file of the cache; on error the caller closes
// whatever was opened.
func (c *Cache) load(load loader) error {
	path := c.path
	m, err := load(path)
	if err != nil {
		return fmt.Errorf("%w", err)
	}
	c.maps = append(c.maps, m)
	data := m.Data()
	hdr, err := ParseHeader(data)
	if err != nil {
		return fmt.Errorf("%s: %w", path, err)
	}
	c.hdr = hdr
	main := &cacheFile{info: FileInfo{Path: path, Role: "main", UUID: hdr.UUID, Size: int64(len(data))}, data: data, hdr: hdr, m: m}
	if main.info.Mappings, err = parseMappings(data, hdr); err != nil {
		return fmt.Errorf("%s: %w", path, err)
	}
	if len(main.info.Mappings) == 0 {
		return fmt.Errorf("%s: %w", path, diag.Errorf(format, 0x14, "mappingCount", "the cache has no mappings"))
	}
	c.files = append(c.files, main)
	c.base = main.info.Mappings[0].Address
	if hdr.MappingOffset > 0xE0 {
		c.base = hdr.SharedRegionStart
	}
	if err := c.openSubCaches(load); err != nil {
		return err
	}
	if err := c.openSymbolsFile(load); err != nil {
		return err
	}
	if err := c.buildVM(); err != nil {
		return fmt.Errorf("%s: %w", path, err)
	}
	if err := c.readImages(); err != nil {
		return fmt.Errorf("%s: %w", path, err)
	}
	c.state = make([]imageState, len(c.images))
	return nil
}

// Close unmaps every file. The Cache must not be used afterwards; strings
// and values it returned stay valid.
func (c *Cache) Close() error {
	c.closed = true
	var errs []error
	for _, m := range c.maps {
		if err := m.Close(); err != nil {
			errs = append(errs, err)
		}
	}
	c.maps = nil
	for _, f := range c.files {
		f.data = nil
	}
	if c.symbols != nil {
		c.symbols.data = nil
	}
	c.vm = nil
	return errors.Join(errs...)
}

// basePath returns the main path without a trailing ".development", the
// base that v2 subcache suffixes and ".symbols" are appended to (§5.5).
func (c *Cache) basePath() string {
	return strings.TrimSuffix(c.real, ".development")
}

// openSubCaches opens and checks every subcache the main header lists.
func (c *Cache) openSubCaches(load loader) error {
	h := c.hdr
	if !h.hasSubCaches() {
		return nil
	}
	main := c.files[0].data
	entSize := uint64(56)
	if h.subCacheEntryV1() {
		entSize = 24
	}
	off := uint64(h.SubCacheArrayOffset)
	if off < uint64(h.MappingOffset) || off > uint64(len(main)) ||
		bin.SliceCap(uint64(h.SubCacheArrayCount), entSize, uint64(len(main))-off) < 0 {
		return fmt.Errorf("%s: %w", c.path, diag.Errorf(format, 0x188, "subCacheArray",
			"%d entries of %d bytes at %#x do not fit in the file (%#x bytes)", h.SubCacheArrayCount, entSize, off, len(main)))
	}
	for i := uint64(0); i < uint64(h.SubCacheArrayCount); i++ {
		e := main[off+i*entSize : off+(i+1)*entSize]
		var want process.UUID
		copy(want[:], e)
		vmOff := le64(e[16:])
		var suffix, name string
		if entSize == 24 {
			suffix = fmt.Sprintf(".%d", i+1)
			name = c.real + suffix
		} else {
			raw := e[24:56]
			if j := bytes.IndexByte(raw, 0); j >= 0 {
				raw = raw[:j]
			}
			suffix = string(raw)
			if !validSuffix(suffix) {
				return fmt.Errorf("%s: %w", c.path, diag.Errorf(format, int64(off+i*entSize+24), "fileSuffix",
					"subcache %d suffix %q is not a file-name suffix", i+1, suffix))
			}
			name = c.basePath() + suffix
		}
		role := fmt.Sprintf("subcache %d", i+1)
		f, err := c.openMember(load, name, role, want)
		if err != nil {
			return err
		}
		f.info.Suffix = suffix
		f.info.VMOffset = vmOff
		if f.hdr.Arch != h.Arch {
			return &FileError{Path: name, Role: role, MainUUID: h.UUID, Want: want, Got: f.hdr.UUID,
				Err: fmt.Errorf("architecture %s differs from the main cache's %s", f.hdr.Arch, h.Arch)}
		}
		if len(f.info.Mappings) > 0 && f.info.Mappings[0].Address != c.base+vmOff {
			return &FileError{Path: name, Role: role, MainUUID: h.UUID, Want: want, Got: f.hdr.UUID,
				Err: diag.Errorf(format, int64(h.MappingOffset), "mapping address",
					"first mapping at %#x, but the main header places the subcache at %#x (base %#x + cacheVMOffset %#x)",
					f.info.Mappings[0].Address, c.base+vmOff, c.base, vmOff)}
		}
		c.files = append(c.files, f)
	}
	return nil
}

// validSuffix accepts ".NN", ".NN.dyldlinkedit", ".development" and the like:
// a leading dot and only letters, digits, dots, '_' and '-' (never a path).
func validSuffix(s string) bool {
	if len(s) < 2 || s[0] != '.' || strings.Contains(s, "..") {
		return false
	}
	for _, r := range s {
		if !(r == '.' || r == '_' || r == '-' || r >= '0' && r <= '9' || r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z') {
			return false
		}
	}
	return true
}

// openMember loads a subcache or .symbols file and checks its magic and UUID.
func (c *Cache) openMember(load loader, name, role string, want process.UUID) (*cacheFile, error) {
	ferr := func(got process.UUID, err error) error {
		return &FileError{Path: name, Role: role, MainUUID: c.hdr.UUID, Want: want, Got: got, Err: err}
	}
	m, err := load(name)
	if err != nil {
		return nil, ferr(process.UUID{}, err)
	}
	c.maps = append(c.maps, m)
	data := m.Data()
	h, err := ParseHeader(data)
	if err != nil {
		return nil, ferr(process.UUID{}, err)
	}
	if h.UUID != want {
		return nil, ferr(h.UUID, ErrUUIDMismatch)
	}
	f := &cacheFile{info: FileInfo{Path: name, Role: role, UUID: h.UUID, Size: int64(len(data))}, data: data, hdr: h, m: m}
	if f.info.Mappings, err = parseMappings(data, h); err != nil {
		if role != symbolsRole {
			return nil, ferr(h.UUID, err)
		}
		// The .symbols file's mappings are never used for addresses; a bad
		// table there costs nothing but the listing.
		c.warn(diag.Diagnostic{Code: diag.InputWarning, Path: name, Err: fmt.Errorf("%s %s: mappings ignored: %w", role, name, err)})
	}
	return f, nil
}

// symbolsRole is the FileInfo.Role of the .symbols file.
const symbolsRole = "symbols file"

// openSymbolsFile opens <base>.symbols when the header names one (§5.5,
// §5.6). A missing file is a warning; a wrong one is an error.
func (c *Cache) openSymbolsFile(load loader) error {
	h := c.hdr
	if !h.splitLocals() || h.SymbolFileUUID.IsZero() {
		return nil
	}
	name := c.basePath() + ".symbols"
	f, err := c.openMember(load, name, symbolsRole, h.SymbolFileUUID)
	if err != nil {
		var fe *FileError
		if errors.As(err, &fe) && errors.Is(fe.Err, fs.ErrNotExist) {
			c.warn(diag.Diagnostic{Code: diag.MissingSymbolsFile, Path: name, UUID: h.SymbolFileUUID,
				Err: fmt.Errorf("local symbols file %s not found (symbolFileUUID %s): only exported and <redacted> symbol names are available",
					name, h.SymbolFileUUID)})
			return nil
		}
		return err
	}
	f.info.Suffix = ".symbols"
	c.symbols = f
	return nil
}

// Warnings returns conditions that degraded the cache without making it
// unusable, such as a missing .symbols file, as text.
func (c *Cache) Warnings() []string {
	c.diagMu.Lock()
	defer c.diagMu.Unlock()
	out := make([]string, len(c.diags))
	for i, d := range c.diags {
		out[i] = d.String()
	}
	return out
}

// Diagnostics returns the same conditions as Warnings, typed; a missing
// .symbols file is diag.MissingSymbolsFile with its path and UUID.
func (c *Cache) Diagnostics() []diag.Diagnostic {
	c.diagMu.Lock()
	defer c.diagMu.Unlock()
	return append([]diag.Diagnostic(nil), c.diags...)
}

func (c *Cache) warn(d diag.Diagnostic) {
	c.diagMu.Lock()
	c.diags = append(c.diags, d)
	c.diagMu.Unlock()
}

// missingSymbols returns the diagnostic of a missing .symbols file, when the
// cache's local names are not at hand.
func (c *Cache) missingSymbols() *diag.Diagnostic {
	c.diagMu.Lock()
	defer c.diagMu.Unlock()
	for i := range c.diags {
		if c.diags[i].Code == diag.MissingSymbolsFile {
			d := c.diags[i]
			return &d
		}
	}
	return nil
}

// Path returns the main cache file path given to Open.
func (c *Cache) Path() string { return c.path }

// Header returns a copy of the main cache header.
func (c *Cache) Header() *Header {
	h := *c.hdr
	return &h
}

// UUID returns the main cache header UUID, the identity crash logs record.
func (c *Cache) UUID() process.UUID { return c.hdr.UUID }

// SharedRegionStart returns the unslid base address of the cache: the
// header's sharedRegionStart, or the first mapping's address in headers that
// predate it (§5.2, §5.9).
func (c *Cache) SharedRegionStart() uint64 { return c.base }

// Arch returns the cache architecture, e.g. "arm64e".
func (c *Cache) Arch() string { return c.hdr.Arch }

// Files returns the main file, the subcaches in header order and the
// .symbols file if present.
func (c *Cache) Files() []FileInfo {
	out := make([]FileInfo, 0, len(c.files)+1)
	for _, f := range c.files {
		out = append(out, f.info)
	}
	if c.symbols != nil {
		out = append(out, c.symbols.info)
	}
	return out
}

// HasLocalSymbols reports whether local symbol names are available (a
// .symbols file, or in-cache local symbols in older caches).
func (c *Cache) HasLocalSymbols() bool {
	if c.hdr.splitLocals() {
		return c.symbols != nil
	}
	return c.hdr.LocalSymbolsOffset != 0 && c.hdr.LocalSymbolsSize != 0
}

func le64(b []byte) uint64 {
	return uint64(b[0]) | uint64(b[1])<<8 | uint64(b[2])<<16 | uint64(b[3])<<24 |
		uint64(b[4])<<32 | uint64(b[5])<<40 | uint64(b[6])<<48 | uint64(b[7])<<56
}

package dsctest

import (
	"fmt"
	"sort"

	"github.com/symbolicate/symbolicate/process"
)

// Cache is the ground truth of what Generate wrote.
type Cache struct {
	Dir            string
	MainPath       string       // path of the main cache file (open this)
	Files          []string     // every file written: main, subcaches, .symbols
	UUID           process.UUID // main header UUID
	SymbolFileUUID process.UUID // zero when the layout has none
	Base           uint64       // unslid sharedRegionStart
	Images         []Image      // in imagesText order

	// Config is the configuration after defaults were filled in.
	Config Config
	// Size is the VM size of the cache: the span of every mapping of the main
	// file and its subcaches (the main header's sharedRegionSize in split
	// layouts).
	Size uint64
	// SubCaches describes the subcache files in the order of the main
	// header's subcache array (empty for LayoutSingle).
	SubCaches []SubCache
	// SymbolsPath is the .symbols file; "" when none was written.
	SymbolsPath string

	plan *plan
}

// SubCache is one subcache file as the main header's subcache array names it.
type SubCache struct {
	Path     string
	Suffix   string // fileSuffix (v2 entries) or ".N" (v1)
	UUID     process.UUID
	VMOffset uint64 // cacheVMOffset: its first mapping's address − Base
}

// Image is one generated dylib.
type Image struct {
	Index     int
	Path      string // install name, e.g. "/usr/lib/system/libsystem_kernel.dylib"
	UUID      process.UUID
	Address   uint64     // unslid address of its mach_header (= __TEXT vmaddr)
	TextSize  uint64     // __TEXT vmsize
	Segments  []Segment  // every segment, in load-command order
	Functions []Function // sorted by Address; nil when Config.DiscardTruth

	// TextFile is the path of the file holding the image's __TEXT.
	TextFile string
	// Data lists the image's exported data symbols (in the symtab and the
	// export trie, but not functions).
	Data []DataSymbol
}

// Segment is one LC_SEGMENT(_64) of an image.
type Segment struct {
	Name       string
	Addr, Size uint64
}

// Function is one function in an image's __text.
type Function struct {
	Name     string // mangled/linkage name as in the symtab, e.g. "_open"; "" when unnamed
	Address  uint64 // unslid start
	Size     uint64 // bytes up to the next function start (or end of __text)
	Exported bool   // in the export trie (and, unless trie-only, the symtab's external range)
	Local    bool   // local symbol: "<redacted>" in LINKEDIT, real name only in .symbols / in-cache locals
	// TrieOnly marks an exported function that is absent from the symtab.
	TrieOnly bool
}

// DataSymbol is an exported data symbol.
type DataSymbol struct {
	Name    string
	Address uint64 // unslid
	Segment string
}

// RuntimeAddress returns the address of f in a process whose shared cache
// was slid by slide (runtime = unslid + slide, dyld-formats.md §5.9).
func (f Function) RuntimeAddress(slide uint64) uint64 { return f.Address + slide }

// RuntimeAddress returns the runtime address of the image's mach_header for
// the given slide.
func (im *Image) RuntimeAddress(slide uint64) uint64 { return im.Address + slide }

// Slide returns the slide of a process whose shared cache header is mapped at
// runtimeBase.
func (c *Cache) Slide(runtimeBase uint64) uint64 { return runtimeBase - c.Base }

// Functions returns the functions of image i, sorted by address. It
// regenerates them from the configuration when the Cache was made with
// DiscardTruth, so that full-scale caches can still be checked image by
// image.
func (c *Cache) Functions(i int) ([]Function, error) {
	if i < 0 || i >= len(c.Images) {
		return nil, fmt.Errorf("dsctest: image %d of %d", i, len(c.Images))
	}
	if fs := c.Images[i].Functions; fs != nil {
		return fs, nil
	}
	var g genImage
	c.plan.generate(i, true, &g)
	return c.plan.functions(&g), nil
}

// Lookup returns the image and function containing the unslid address addr.
// ok is false when addr is in no image's __TEXT or in its header before the
// first function. With DiscardTruth each call regenerates the image's
// functions.
func (c *Cache) Lookup(addr uint64) (img *Image, fn Function, ok bool) {
	k := sort.Search(len(c.Images), func(k int) bool { return c.Images[k].Address > addr }) - 1
	if k < 0 || addr >= c.Images[k].Address+c.Images[k].TextSize {
		return nil, Function{}, false
	}
	img = &c.Images[k]
	fs, err := c.Functions(k)
	if err != nil {
		return nil, Function{}, false
	}
	j := sort.Search(len(fs), func(j int) bool { return fs[j].Address > addr }) - 1
	if j < 0 || addr >= fs[j].Address+fs[j].Size {
		return img, Function{}, false
	}
	return img, fs[j], true
}

// SymbolName returns the name a symbolicator should print for f given what
// the cache holds: the real name of exported functions and, when local
// symbols were written, of local ones; "<redacted>" for local functions
// without them; "" for unnamed functions.
func (c *Cache) SymbolName(f Function) string {
	if f.Local && c.Config.NoSymbolsFile {
		return "<redacted>"
	}
	return f.Name
}

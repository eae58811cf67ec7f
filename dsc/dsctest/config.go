package dsctest

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"slices"
)

// Layout selects the on-disk layout of a generated cache.
type Layout int

const (
	// LayoutSplit is the dyld-1042+ layout (header 0x200..0x228): a main
	// file and subcaches named by v2 entries (".01", ".02", …, a
	// ".NN.dylddata" holding DATA and a ".NN.dyldlinkedit" holding the shared
	// LINKEDIT; x86_64 caches use plain ".NN"), plus a ".symbols" file with
	// the local symbols.
	LayoutSplit Layout = iota
	// LayoutSplitV1 is the dyld-940..960 layout (header 0x1C8): subcaches
	// ".1", ".2", … named by 24-byte v1 entries, and a ".symbols" file.
	LayoutSplitV1
	// LayoutSingle is the dyld-353..852 layout (header 0x68..0x140): one file
	// with the local symbols inside it (12-byte dyld_cache_local_symbols_entry,
	// dylibOffset = file offset of the dylib).
	LayoutSingle
)

// String returns "split", "splitv1" or "single".
func (l Layout) String() string {
	switch l {
	case LayoutSplit:
		return "split"
	case LayoutSplitV1:
		return "splitv1"
	case LayoutSingle:
		return "single"
	}
	return fmt.Sprintf("Layout(%d)", int(l))
}

// Config describes a cache to generate. Zero values pick sensible defaults.
//
// The three fractions are shares of each image's functions: 0 selects the
// default (Local 0.5, Unnamed 0.05, TrieOnly 0.05) and a negative value
// selects none at all.
type Config struct {
	Seed   int64  // everything is deterministic from the seed
	Arch   string // "arm64e" (default), "arm64", "x86_64", "x86_64h", "arm64_32"
	Layout Layout
	// HeaderSize is mappingOffset; 0 = newest for the layout (0x228, 0x1C8,
	// 0x140). Accepted: 0x200, 0x208, 0x228 for LayoutSplit; 0x1C8 for
	// LayoutSplitV1; 0x68, 0x98, 0xF8, 0x138, 0x140 for LayoutSingle.
	HeaderSize      uint32
	Images          int // number of dylibs (default 8)
	SymbolsPerImage int // functions per image (default 16)
	// LocalFraction is the share of functions that are local (not exported):
	// real names only in .symbols / in-cache locals; in the LINKEDIT symtab
	// they appear as "<redacted>".
	LocalFraction float64
	// UnnamedFraction is the share of functions that have no symbol anywhere
	// (only LC_FUNCTION_STARTS).
	UnnamedFraction float64
	// TrieOnlyFraction is the share of exported functions present only in the
	// export trie, not in the symtab.
	TrieOnlyFraction float64
	// NoSymbolsFile leaves out the .symbols file (symbolFileUUID is still
	// set). For LayoutSingle it leaves out the in-cache local symbols.
	NoSymbolsFile bool
	// Base is sharedRegionStart (default 0x180000000 for arm64 and arm64e,
	// 0x7FF800000000 for x86_64*, and 0x1A000000 for arm64_32, whose
	// addresses are 32-bit).
	Base      uint64
	Platform  uint32 // dyld platform number (default 2 = iOS)
	OSVersion uint32 // packed 0xMMMMmmpp (default 17.0)
	// DiscardTruth keeps Image.Functions nil in the returned Cache (for
	// full-scale benchmarks); Cache.Functions regenerates one image's list.
	DiscardTruth bool
	// SubCaches is the number of subcaches holding __TEXT besides the main
	// file, for the split layouts (default 2, or Images/64 up to 40 for large
	// caches). The DATA, LINKEDIT and .symbols files come on top.
	SubCaches int
}

// Header sizes (mappingOffset) of the dyld generations, dyld-formats.md §5.2.
const (
	hdr353  = 0x68
	hdr421  = 0x98
	hdr519  = 0xF8
	hdr625  = 0x138
	hdr832  = 0x140
	hdr940  = 0x1C8
	hdr1042 = 0x200
	hdr1231 = 0x208
	hdr1284 = 0x228
)

const (
	defaultImages   = 8
	defaultSymbols  = 16
	defaultLocal    = 0.5
	defaultUnnamed  = 0.05
	defaultTrieOnly = 0.05
	maxImages       = 1 << 16
	maxSymbols      = 1 << 20
)

// normalize fills defaults and validates cfg.
func (cfg Config) normalize() (Config, error) {
	if cfg.Arch == "" {
		cfg.Arch = "arm64e"
	}
	a, ok := archs[cfg.Arch]
	if !ok {
		return cfg, fmt.Errorf("dsctest: unknown arch %q", cfg.Arch)
	}
	for _, step := range []func(*Config, archInfo) error{normalizeHeader, normalizeCounts, normalizeFractions, normalizeAddresses} {
		if err := step(&cfg, a); err != nil {
			return cfg, err
		}
	}
	return cfg, nil
}

// normalizeHeader checks the header generation against the layout.
func normalizeHeader(cfg *Config, _ archInfo) error {
	var allowed []uint32
	switch cfg.Layout {
	case LayoutSplit:
		allowed = []uint32{hdr1042, hdr1231, hdr1284}
	case LayoutSplitV1:
		allowed = []uint32{hdr940}
	case LayoutSingle:
		allowed = []uint32{hdr353, hdr421, hdr519, hdr625, hdr832}
	default:
		return fmt.Errorf("dsctest: unknown layout %d", int(cfg.Layout))
	}
	if cfg.HeaderSize == 0 {
		cfg.HeaderSize = allowed[len(allowed)-1]
	}
	if !slices.Contains(allowed, cfg.HeaderSize) {
		return fmt.Errorf("dsctest: header size %#x is not a %v generation (want one of %#x)", cfg.HeaderSize, cfg.Layout, allowed)
	}
	return nil
}

// normalizeCounts fills and checks the numbers of images, functions and
// subcaches.
func normalizeCounts(cfg *Config, _ archInfo) error {
	if cfg.Images == 0 {
		cfg.Images = defaultImages
	}
	if cfg.Images < 0 || cfg.Images > maxImages {
		return fmt.Errorf("dsctest: %d images out of range [1, %d]", cfg.Images, maxImages)
	}
	if cfg.SymbolsPerImage == 0 {
		cfg.SymbolsPerImage = defaultSymbols
	}
	if cfg.SymbolsPerImage < 0 || cfg.SymbolsPerImage > maxSymbols {
		return fmt.Errorf("dsctest: %d functions per image out of range [1, %d]", cfg.SymbolsPerImage, maxSymbols)
	}
	if cfg.Layout == LayoutSingle {
		cfg.SubCaches = 0
		return nil
	}
	if cfg.SubCaches < 0 {
		return fmt.Errorf("dsctest: %d subcaches", cfg.SubCaches)
	}
	if cfg.SubCaches == 0 {
		cfg.SubCaches = min(max(2, cfg.Images/64), 40)
	}
	// Every text-bearing file holds at least one image.
	cfg.SubCaches = min(cfg.SubCaches, cfg.Images-1)
	return nil
}

// normalizeFractions fills and checks the fractions of local, unnamed and
// trie-only functions.
func normalizeFractions(cfg *Config, _ archInfo) error {
	for _, f := range []struct {
		p   *float64
		def float64
		n   string
	}{{&cfg.LocalFraction, defaultLocal, "LocalFraction"}, {&cfg.UnnamedFraction, defaultUnnamed, "UnnamedFraction"}, {&cfg.TrieOnlyFraction, defaultTrieOnly, "TrieOnlyFraction"}} {
		switch {
		case *f.p == 0:
			*f.p = f.def
		case *f.p < 0:
			*f.p = 0
		case *f.p > 1:
			return fmt.Errorf("dsctest: %s %v is above 1", f.n, *f.p)
		}
	}
	if cfg.LocalFraction+cfg.UnnamedFraction > 1 {
		return fmt.Errorf("dsctest: LocalFraction %v + UnnamedFraction %v exceed 1", cfg.LocalFraction, cfg.UnnamedFraction)
	}
	return nil
}

// normalizeAddresses fills and checks the base address and the platform.
func normalizeAddresses(cfg *Config, a archInfo) error {
	if cfg.Base == 0 {
		cfg.Base = a.base
	}
	if cfg.Base%a.pageSize != 0 {
		return fmt.Errorf("dsctest: base %#x is not aligned to the %#x page size", cfg.Base, a.pageSize)
	}
	if !a.is64 && cfg.Base >= 1<<31 {
		return fmt.Errorf("dsctest: base %#x does not fit a 32-bit %s cache", cfg.Base, a.name)
	}
	if cfg.Platform == 0 {
		cfg.Platform = 2
	}
	if cfg.OSVersion == 0 {
		cfg.OSVersion = 17 << 16
	}
	return nil
}

// generatorVersion changes whenever the bytes written for a Config change, so
// that caches reused by [Cached] are never stale.
const generatorVersion = 2

// Hash returns a hex digest identifying the bytes Generate writes for cfg
// (after defaults are filled in), for keying reusable caches.
func (cfg Config) Hash() (string, error) {
	n, err := cfg.normalize()
	if err != nil {
		return "", err
	}
	sum := n.digest()
	return hex.EncodeToString(sum[:12]), nil
}

// digest hashes a normalized Config, leaving out what does not change the
// files (DiscardTruth).
func (cfg Config) digest() [32]byte {
	cfg.DiscardTruth = false
	return sha256.Sum256([]byte(fmt.Sprintf("dsctest v%d %#v", generatorVersion, cfg)))
}

// FullScale returns the Config of a full-OS-scale cache: 1,600 images of
// 2,000 functions each (3,200,000 functions; more than 3,000,000 of them
// named), in the newest split layout. Truth is discarded (use
// [Cache.Functions] to regenerate one image's functions).
func FullScale(seed int64) Config {
	return Config{
		Seed:             seed,
		Arch:             "arm64e",
		Layout:           LayoutSplit,
		Images:           1600,
		SymbolsPerImage:  2000,
		LocalFraction:    0.6,
		UnnamedFraction:  0.02,
		TrieOnlyFraction: 0.02,
		DiscardTruth:     true,
		SubCaches:        24,
	}
}

// Demo returns a tiny, fast Config for the demo and end-to-end tests: six
// images with recognisable names (libsystem_kernel.dylib, libsystem_c.dylib,
// libdyld.dylib, Foundation, UIKitCore, libsystem_pthread.dylib) holding
// well-known functions such as _open, _abort, _dlopen, _NSLog,
// -[UIApplication _run] and _pthread_kill, a mix of exported and local ones.
func Demo(seed int64) Config {
	return Config{
		Seed:             seed,
		Arch:             "arm64e",
		Layout:           LayoutSplit,
		Images:           6,
		SymbolsPerImage:  12,
		LocalFraction:    0.4,
		UnnamedFraction:  -1,
		TrieOnlyFraction: -1,
		SubCaches:        2,
	}
}

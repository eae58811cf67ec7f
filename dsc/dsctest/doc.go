// Package dsctest generates synthetic dyld shared caches for tests,
// benchmarks and the demo, written to ../shared/specs/dyld-formats.md §5–§6
// and checked against the conventions of the Apple-built caches in the
// corpus (corpus/macho/testbins/dyldcache).
//
// [Generate] writes a cache described by a [Config] into a directory and
// returns its ground truth as a [Cache]: every image with its UUID,
// segments and functions (name, address, size, exported/local/trie-only).
// Output is deterministic: the same Config gives identical bytes.
// Generation streams: each image is regenerated from the seed when needed,
// so memory stays bounded (tens of MiB) at [FullScale], and [Cached] reuses
// a generated cache across benchmark runs.
//
// # Layouts
//
// [LayoutSplit] (dyld-1042…1378, header 0x200/0x208/0x228): the main file
// holds the header, mappings and mappings-with-slide, image_info,
// image_text_info, v2 subcache entries, the install-name pool and the
// __TEXT of the first images; ".01", ".02", … hold more __TEXT;
// ".NN.dylddata" holds __DATA_CONST, __DATA and (arm64e) __AUTH_CONST of
// every image; ".NN.dyldlinkedit" holds the shared LINKEDIT (x86_64 caches
// use plain ".NN" suffixes and keep image lists in every subcache, for
// Rosetta); ".symbols" holds dyld_cache_local_symbols_info with 64-bit
// entries (dylibOffset = load address − base), nlist and strings under its
// own header, whose UUID is the main header's symbolFileUUID.
//
// [LayoutSplitV1] (dyld-940…960, header 0x1C8): subcaches ".1", ".2", …
// named by 24-byte v1 entries, each holding __TEXT and DATA of its images and
// an image list; LINKEDIT is in the last file (x86_64: one per file, each
// with its own string pool); ".symbols" as above.
//
// [LayoutSingle] (dyld-353…852, header 0x68 to 0x140): one file with
// __TEXT, DATA (arm64e from 0x140: DATA and AUTH) and LINKEDIT, and the
// local symbols after the mappings (12-byte entries, dylibOffset = file
// offset of the dylib). Fields follow each generation: no imagesText at
// 0x68, slide info through header 0x38/0x40 before 0x140, LC_VERSION_MIN_*
// instead of LC_BUILD_VERSION before 0x138, LC_DYLD_INFO_ONLY instead of
// LC_DYLD_EXPORTS_TRIE before the chained-fixups era.
//
// Every image has a real mach_header (MH_DYLIB, MH_DYLIB_IN_CACHE) and load
// commands: LC_SEGMENT(_64) __TEXT (section __text), __DATA_CONST, __DATA,
// __AUTH_CONST (arm64e), __LINKEDIT; LC_ID_DYLIB; the exports command;
// LC_SYMTAB and LC_DYSYMTAB (the image's slice of the shared nlist array,
// the shared string pool); LC_UUID; the version command;
// LC_SOURCE_VERSION; LC_LOAD_DYLIB; LC_FUNCTION_STARTS; LC_DATA_IN_CODE.
// Local functions appear in the LINKEDIT symtab as "<redacted>" and with
// their names only in the local symbols. DATA holds no pointers, so every
// slide info blob (v1 before dyld-421, then v2, v3 for arm64e, v4 for
// arm64_32) marks every page as having nothing to rebase. Code signatures are
// empty SuperBlobs. Patch tables, ObjC/Swift optimizations, prebuilt loaders
// and accelerator info are not generated (their header fields are 0).
//
// # Conventions of the real caches
//
// The tests run one independent header and load-command reader over the
// four corpus caches (header 0x140: arm64, arm64 objc, arm64e objc; header
// 0x200: dyld-1042.1) and over generated caches of every layout, and check
// the same conventions on both:
//
//   - magic "dyld_v1" + the arch right-aligned in 15 bytes + NUL; the header
//     size is one of a dyld generation; dyldBaseAddress, branch pools and
//     (from 0x140) the old slide info fields are 0;
//   - the code signature ends the file after the mappings and is a SuperBlob;
//   - mappings start at file offset 0 at sharedRegionStart, are contiguous in
//     the file, ascend in VM and are 16 KiB-aligned (address, size and file
//     offset) on arm64*; __TEXT r-x first, DATA rw-, LINKEDIT r-- last; the
//     builders leave 32 MiB between regions (every region up to dyld-832,
//     where writability changes from dyld-940);
//   - the mappings-with-slide table sits mappingCount×56 bytes after the
//     mapping table, leaving a gap of mappingCount×24 bytes, and only
//     writable mappings have slide info, in 4 KiB slide pages;
//   - image_info follows the slide table, image_text_info follows image_info,
//     then the subcache entries, then the install-name pool in image order;
//   - before dyld-940 image_info.pathFileOffset points at the LC_ID_DYLIB
//     name inside the image's __TEXT (only image_text_info uses the pool) and
//     inode is a hash of the path (sum = sum×5 + byte); from dyld-1042 both
//     tables use the pool and inode is 0; modTime is 0;
//   - images ascend, 4 KiB-aligned (a page from dyld-1042), with __TEXT a
//     multiple of the page inside an r-x mapping; maxSlide = 2 GiB minus the
//     first mapping's size; sharedRegionSize covers the mappings (4 GiB in
//     the dyld-832 caches); platform matches LC_BUILD_VERSION;
//     formatVersion is 10 at dyld-832 and 0 from dyld-1042; osVersion is
//     libdyld's minimum OS; the dylibs trie lies in LINKEDIT and maps every
//     install name to its image index;
//   - Mach-O: MH_DYLIB with MH_DYLIB_IN_CACHE|MH_TWOLEVEL|MH_DYLDLINK|
//     MH_NOUNDEFS; load commands ordered segments, ID_DYLIB, exports, SYMTAB,
//     DYSYMTAB, UUID, version, SOURCE_VERSION, dylibs, FUNCTION_STARTS,
//     DATA_IN_CODE; __TEXT first (at the image address and the mach_header's
//     file offset, __text first), __LINKEDIT last and identical for all
//     images of a file; LC_UUID equals image_text_info.uuid;
//   - one string pool per LINKEDIT, starting with a single NUL (not ld64's
//     " \0"); per-image nlist slices follow each other in image order;
//     LC_DYSYMTAB indexes the slice (ilocalsym 0, iextdefsym = nlocalsym,
//     iundefsym after the extdefs, or 0 when there are none at dyld-1042);
//     extdefs are N_SECT|N_EXT and sorted by name; function starts ascend
//     inside __text; every extdef is in the export trie at the same address.
//
// Where the real caches differ from dyld-formats.md: the spec lists
// mappings-with-slide directly after the mappings, but every builder leaves
// mappingCount×24 bytes between them; the spec says install names are stored
// in the header area, but before dyld-940 image_info points into each
// image's LC_ID_DYLIB; it does not mention the path-hash inode, that
// sharedRegionSize is the whole 4 GiB region (not the cache size) before
// dyld-940, that slide info uses 4 KiB pages in 16 KiB mappings, that the
// dyld-1042 cache writes iundefsym 0 when an image has no undefined symbols,
// or that maxSlide is 2 GiB minus the first mapping. From dyld-1378's
// builder (not the corpus): the .symbols file has one mapping, its header,
// at an address after the cache that sharedRegionSize does not count.
//
// One deviation from the agreed API: arm64_32 caches default to base
// 0x1A000000 (dyld's arm64_32 shared region), since 0x180000000 does not fit
// their 32-bit addresses.
package dsctest

// Package objfile finds and symbolicates an app's own Mach-O images: thin and
// fat (universal) executables, dylibs, frameworks and bundles, and their dSYM
// companions, matched by LC_UUID.
//
// The work comes in three layers:
//
//   - [Open] maps one file read-only and lists its slices (CPU type → arch
//     name, LC_UUID, file type) from the fat header (FAT_MAGIC or
//     FAT_MAGIC_64) and each slice's Mach-O header.
//   - [Scan] walks files and directories (dSYM bundles, Xcode DeviceSupport
//     "Symbols" trees, loose binaries), recognises Mach-O by magic, skips
//     dyld shared caches, and builds an [Index] by UUID and by name. The
//     index answers "which file holds UUID U for arch A" and reports a file
//     whose name matches but whose UUID or arch does not as a
//     [*MismatchError], never as a silent substitute.
//   - An [Image] (from a [Batch], which opens each file once) answers an
//     address given as an offset from the image's load address (the crash
//     report's imageOffset, equal to address − __TEXT vmaddr) with a chain of
//     frames: the function, its start, the source file, line and column, and
//     the functions inlined at that address, innermost first, in the
//     convention of llvm-symbolizer's inlining output
//     (../shared/specs/oracles.md §1).
//
// Names come from DWARF (DW_AT_linkage_name, else DW_AT_name, following
// DW_AT_abstract_origin and DW_AT_specification) and from the Mach-O symbol
// table, LC_FUNCTION_STARTS and the export trie (via internal/symtab). They
// are linkage names, not demangled; symbol-table names lose the single
// leading underscore Mach-O adds to C-level names, as atos and
// llvm-symbolizer print them.
//
// DWARF comes from the __DWARF segment of a dSYM (or of a binary that carries
// one). The sections are read here with bounded sizes, including
// ZLIB-compressed ones whose declared size is capped before anything is
// allocated, and handed to debug/dwarf with [dwarf.New] and
// [dwarf.Data.AddSection]. (*macho.File).DWARF is never called: it trusts the
// ZLIB size field (../shared/specs/style.md §1). Compile units are parsed
// lazily, one at a time, when an address first falls in them.
//
// Everything read from a file is checked before use; damaged input yields
// errors (*diag.FormatError where the fault is at a known offset), never a
// panic or an allocation the file's size does not justify.
package objfile

// Package atlas reads dyld process snapshots: the "compact info" buffer a
// process publishes through dyld_all_image_infos (dyld-1042 and later), the
// Apple Archive that wraps it from dyld-1284 on (process.cinfo and
// process.plist), and the shared-cache atlas (<cache>.atlas) that names the
// cache images a snapshot marks as loaded. It implements
// ../shared/specs/dyld-formats.md §1–§4 and writes compact info byte for byte
// as dyld-1378 does.
//
// The pieces, one file each: PVLE integers (§2), the cache-image bitmap
// (§3), CRC-32C and the legacy dyld-1042…1340 checksum (§1.9), the
// compact-info decoder and encoder (§1), the Apple Archive reader (§4.3),
// the parallel-compression wrapper (§4.7), binary plists (§4.4–§4.6) and
// [Snapshot.ImageMap], which turns a snapshot into an [process.Process].
//
// [Decode] accepts any snapshot form; [Sniff] tells the forms apart.
//
// # Legacy checksums
//
// dyld-1042 through dyld-1340 computed the compact-info checksum with a
// "hardware" CRC routine that tests byte values instead of addresses, so
// buffers from those versions carry a value that is not CRC-32C. A buffer
// whose stored checksum equals that legacy writer value is accepted and a
// warning is added to [Snapshot.Warnings]; a buffer matching neither value
// is rejected.
//
// # Hardening
//
// All input is untrusted. Every count, length and offset is checked against
// the bytes that remain before it is used or allocated; errors are
// *diag.FormatError (with format, offset and field) or *PlistError (with the
// key path), never panics. Binary plists pass a structural check before
// howett.net/plist sees them: object offsets and lengths, reference ranges,
// nesting at most 32 deep, no cycles, and at most 4M values (and 16 per
// input byte) when shared objects are counted at every reference. Each
// decoder has a fuzz target. Nothing here prints or logs.
package atlas

// Package imagemap is the image list every input decodes to (path, build ID,
// base address, end of text) and the codec for Swift's Compact ImageMap Format
// (CIF), as specified in ../shared/specs/cif.md (docs/cif.md lists where this
// implementation deliberately differs from Swift's).
//
// [Decode] reads CIF as the Swift runtime writes it; [Encode] writes the bytes
// Swift's encoder writes, minus its known bugs. [EncodeBase64] and
// [DecodeBase64] handle the unpadded base64 form Swift embeds in JSON.
// [WriteJSON], [ReadJSON] and [WriteText] are the human-facing forms of a [Map].
//
// # Hardening
//
// The decoder treats its input as hostile. Every count and length is checked
// against the bytes that remain before anything is allocated; the image count
// is capped at [MaxImages], build IDs at [MaxBuildIDLen] bytes, each path at
// [MaxPathLen] bytes, and the total of all decoded paths at 64 KiB plus 64
// times the input length, so memory use is linear in the input. Errors are
// *diag.FormatError values (Format "cif") naming the offset and the field, for
// example "image 3 path". The decoder never panics; the fuzz targets in the
// tests back that claim.
package imagemap

// Package crashlog reads and writes Apple crash reports: the .ips container
// (a JSON header line followed by a JSON payload or a text body) and legacy
// text ".crash" reports, as specified in ../shared/specs/ips.md. It knows
// formats only; matching images to binaries and filling in symbols is the
// resolver's job, which records its findings in Frame.Resolved.
//
// [Parse] turns any supported input into a [Report]: bug_type 309 and the
// crash-like payloads that share its schema ([KindCrash]), kernel-style
// payloads with [imageIndex, imageOffset] tuples ([KindKernel]: 210, 151,
// 288), legacy text and the text body of a bug_type 109 .ips
// ([KindLegacyText]), and recognised reports with nothing to symbolicate
// ([KindOther]: jetsam, resource reports, …).
//
// [Report.WriteJSON] writes the .ips back by splicing the resolved frames into
// the original bytes, so everything else stays byte-identical (docs/output.md
// gives the contract). [Report.WriteText] renders Apple's text layouts, or
// rewrites the symbol part of frame lines in a legacy text report.
//
// # Hardening
//
// Input is untrusted. Parse never panics and allocates in proportion to its
// input; JSON is validated by a small iterative scanner of this package (depth
// bounded) before go-json decodes values, and integers are decoded from their
// literal text, never through float64. Errors are *diag.FormatError values
// naming the format ("ips" or "crash"), the byte offset, the line and the
// field, wrapping the decoder's error where there is one.
package crashlog

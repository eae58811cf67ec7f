// Package diag holds the two kinds of trouble every layer reports: a
// FormatError for input that is malformed at a known place, and a Diagnostic
// for a condition worth telling a person or a program about that did not
// stop the work (a missing cache, a near-miss binary, a skipped file).
//
// Both are values a library user can branch on: FormatError through
// errors.As, a Diagnostic through its Code, which is stable across releases.
package diag

package diag

import (
	"fmt"

	"github.com/symbolicate/symbolicate/process"
)

// Code names a kind of diagnostic. Codes are stable: programs branch on them
// and the service and JSON outputs carry them.
type Code string

// Diagnostic codes.
const (
	// SkippedFile: a file under a --caches or --symbols path could not be
	// read or decoded and was passed over (Path, Err).
	SkippedFile Code = "skipped-file"
	// UnusableCache: a file that looks like a shared cache could not be
	// opened (Path, Err).
	UnusableCache Code = "unusable-cache"
	// DuplicateCache: two caches have the same UUID; the one at Path is
	// used, the one named by Err's text is not (UUID).
	DuplicateCache Code = "duplicate-cache"
	// Mismatch: a binary nearly matches an image (same name, another UUID;
	// or same UUID, another arch) and is not used (Image, UUID, Err).
	Mismatch Code = "binary-mismatch"
	// SourceError: a symbol source could not read the file it has for an
	// image (Image, UUID, Err).
	SourceError Code = "source-error"
	// SlideMismatch: images of one cache disagree on its slide (UUID, Err).
	SlideMismatch Code = "slide-mismatch"
	// InputWarning: a problem in an input that did not stop decoding it (Err).
	InputWarning Code = "input-warning"
	// MissingSymbolsFile: a shared cache's .symbols file, which holds the
	// names of its local functions, is not beside it (Path, UUID: the file's).
	MissingSymbolsFile Code = "missing-symbols-file"
	// NoSources: no --caches or --symbols were given, or a path given holds
	// no cache or binary (Path, Err).
	NoSources Code = "no-sources"
	// CacheNotFound: the shared cache a snapshot names is not at hand, so its
	// images are listed by index (UUID, Err).
	CacheNotFound Code = "cache-not-found"
	// UnusableIndex: a symbol index of the cache at Path could not be used
	// (foreign, outdated or damaged); tables are built instead (UUID, Err).
	UnusableIndex Code = "unusable-index"
)

// Diagnostic is one condition worth reporting. Which fields are set depends
// on the Code (see the constants); the others are zero.
type Diagnostic struct {
	Code  Code
	Path  string       // the file concerned
	Image string       // the image's name
	UUID  process.UUID // the image's or the cache's UUID
	Err   error        // what is wrong, in words
}

// String is the one-line text shown to people.
func (d Diagnostic) String() string {
	switch d.Code {
	case SkippedFile:
		return fmt.Sprintf("skipping %s: %v", d.Path, d.Err)
	case UnusableCache:
		return fmt.Sprintf("shared cache %s: %v", d.Path, d.Err)
	case Mismatch, SourceError:
		return fmt.Sprintf("%s: %v", d.Image, d.Err)
	}
	if d.Err != nil {
		return d.Err.Error()
	}
	return string(d.Code)
}

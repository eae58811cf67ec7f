// Package symbol is the contract between the resolver and the symbol sources
// it asks, as database/sql/driver is for database/sql: package resolve
// defines what it needs here, and every source (shared caches in package
// dsc, binaries and dSYMs in package objfile, a symbol server or an ELF
// reader later) implements it. It imports only the process model.
//
// A [Source] finds the symbols of one image by build ID; the [Symbolizer] it
// returns answers offsets into that image. Sources that hold whole dyld
// shared caches also implement [Caches], which the resolver needs for frames
// given relative to a cache (the process's own cache, kernel-style "S"
// regions, absolute addresses).
package symbol

import (
	"errors"

	"github.com/symbolicate/symbolicate/process"
)

// Frame is one function at an address: the concrete function, or an inlined
// call inside it.
type Frame struct {
	// Function is the linkage name in display form, spelled as atos, DWARF
	// and crash reports spell it: without the extra leading underscore of
	// Mach-O symbol tables ("objc_msgSend", "$s4main3fooyyF", "_ZN3foo3barEv").
	Function string
	// Start is where the function (or inlined range) starts, on the scale of
	// the address that was asked: an offset from the image's load address
	// for [Symbolizer.Symbolize], an unslid address for
	// [Cache.SymbolizeAddress].
	Start uint64
	// File is the source file as recorded (full path), "" when unknown; Line
	// and Column are 0 when unknown.
	File         string
	Line, Column int
	// Inlined marks a frame inlined into the next one in the list.
	Inlined bool
	// Synthetic marks a Function made up ("func_<hex address>") for a
	// function known only from its start address (LC_FUNCTION_STARTS).
	Synthetic bool
}

// Symbolizer answers addresses of one image. It is safe for concurrent use.
type Symbolizer interface {
	// Symbolize looks up off, an offset from the image's load address, as
	// given (no return-address adjustment). It returns the frames at that
	// address, innermost first, the last being the concrete function; none
	// when no symbol covers off. An error wrapping ErrNoImage says off lies
	// outside the image; other errors report damaged symbols.
	Symbolize(off uint64) ([]Frame, error)
	// Path is the file the symbols come from.
	Path() string
}

// Source finds the symbols of images by build ID. It is safe for concurrent
// use.
type Source interface {
	// Image returns the symbolizer of the image with build ID id. arch, when
	// not empty, must match; name (the image's name or path) only serves to
	// explain a miss. It returns an error wrapping ErrNotFound when the
	// source has no such image, one wrapping ErrMismatch for a near miss
	// (the right name with another build ID, or the right build ID in
	// another arch: reported, never used), and other errors for files that
	// could not be read.
	Image(id process.BuildID, arch, name string) (Symbolizer, error)
}

// Caches is implemented by sources that hold whole dyld shared caches.
type Caches interface {
	// Cache returns the cache whose main header UUID is u.
	Cache(u process.UUID) (Cache, bool)
}

// Cache is one dyld shared cache seen whole.
type Cache interface {
	UUID() process.UUID
	// SharedRegionStart is the unslid address of the cache's first byte.
	SharedRegionStart() uint64
	// Image returns the cache's image with build ID id (its symbolizer
	// answers offsets from the image's load address) and the image's unslid
	// address.
	Image(id process.BuildID) (Symbolizer, uint64, bool)
	// SymbolizeAddress looks up an unslid address anywhere in the cache;
	// the frames' Start fields are unslid addresses. An error wrapping
	// ErrNoImage says the address lies in no image.
	SymbolizeAddress(addr uint64) ([]Frame, error)
	// ImageCount and ImageAt list the cache's images in cache order, unslid
	// (for expanding a snapshot's bitmap of loaded cache images).
	ImageCount() int
	ImageAt(i int) process.Image
	// Path is the main cache file.
	Path() string
}

// CacheImage is implemented by the symbolizers of shared-cache images, so the
// resolver can check that images of one cache agree on its slide.
type CacheImage interface {
	Symbolizer
	// Cache is the cache holding the image, and Address its unslid address.
	Cache() Cache
	Address() uint64
}

// Errors of sources and symbolizers.
var (
	// ErrNotFound: the source has no image with the build ID.
	ErrNotFound = errors.New("no binary or dSYM with this UUID")
	// ErrMismatch: a binary nearly matches; it is reported and never used.
	ErrMismatch = errors.New("binary does not match")
	// ErrNoImage: the address lies in no image.
	ErrNoImage = errors.New("address is in no known image")
	// ErrDegraded: the function at the address has a name that is not at
	// hand, because a file of the source is missing (a shared cache's
	// .symbols file); see DegradedError.
	ErrDegraded = errors.New("symbol names are incomplete")
)

// DegradedError is returned by a symbolizer for an address whose function
// would be named by a file that is missing.
type DegradedError struct {
	// Missing is the absent file, MissingUUID its UUID, and Cache the UUID
	// of the shared cache it belongs to.
	Missing     string
	MissingUUID process.UUID
	Cache       process.UUID
}

func (e *DegradedError) Error() string {
	return "the local symbols file " + e.Missing + " <" + e.MissingUUID.String() + "> is missing"
}

// Unwrap returns ErrDegraded.
func (e *DegradedError) Unwrap() error { return ErrDegraded }

// ErrChanged is wrapped by ChangedError: a file of a source changed on disk
// while it was in use.
var ErrChanged = errors.New("changed on disk while in use")

// ChangedError reports a file of a source (a shared cache's subcache, a
// dSYM's DWARF file) that was truncated, replaced or rewritten while it was
// in use. Lookups in that source fail with it from then on, and answers it
// gave before may be wrong.
type ChangedError struct {
	Source string // the source: a main cache file, a binary or dSYM
	File   string // the file that changed
	Err    error  // how it was noticed
}

func (e *ChangedError) Error() string {
	s := e.Source
	if e.File != "" && e.File != e.Source {
		s += " (" + e.File + ")"
	}
	return s + " " + ErrChanged.Error() + ": " + e.Err.Error()
}

// Unwrap returns ErrChanged.
func (e *ChangedError) Unwrap() error { return ErrChanged }

// Checker is implemented by sources whose files can change on disk: Changed
// compares every file in use with the file on disk now, and marks the
// changed ones so that they are never trusted again.
type Checker interface {
	Changed() []*ChangedError
}

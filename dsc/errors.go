package dsc

import (
	"errors"
	"fmt"

	"github.com/symbolicate/symbolicate/process"
)

// Sentinel errors. Callers branch on them with errors.Is.
var (
	// ErrNotDSC is returned by Open and ParseHeader for a file that does not
	// start with a dyld_v1 magic of a known architecture.
	ErrNotDSC = errors.New("not a dyld shared cache")
	// ErrNoImage is returned (inside an *AddressError) by Lookup and
	// ImageForAddress for an address that lies in no image of the cache.
	ErrNoImage = errors.New("address is in no image of the cache")
	// ErrUUIDMismatch is returned (inside a *FileError) by Open when a
	// subcache or .symbols file has a UUID other than the one the main
	// header records for it.
	ErrUUIDMismatch = errors.New("UUID mismatch")
	// ErrClosed is returned by methods called after Close.
	ErrClosed = errors.New("cache is closed")
)

// AddressError reports an address outside every image.
type AddressError struct {
	Addr uint64 // unslid address
}

// Error names the address.
func (e *AddressError) Error() string {
	return fmt.Sprintf("dsc: address %#x is in no image of the cache", e.Addr)
}

// Unwrap returns ErrNoImage.
func (e *AddressError) Unwrap() error { return ErrNoImage }

// FileError reports a subcache or .symbols file that is missing, unreadable
// or belongs to another cache. Err wraps fs.ErrNotExist, ErrUUIDMismatch or
// the decoding error.
type FileError struct {
	Path     string
	Role     string       // "subcache 2" or "symbols file"
	MainUUID process.UUID // UUID of the main cache file
	Want     process.UUID // UUID the main header records for this file
	Got      process.UUID // UUID found in the file; zero if it was not read
	Err      error
}

// Error names the file, its role and the UUIDs involved.
func (e *FileError) Error() string {
	switch {
	case errors.Is(e.Err, ErrUUIDMismatch):
		return fmt.Sprintf("dsc: %s %s has UUID %s, but main cache %s expects %s",
			e.Role, e.Path, e.Got, e.MainUUID, e.Want)
	default:
		return fmt.Sprintf("dsc: %s %s (expected UUID %s, main cache %s): %v",
			e.Role, e.Path, e.Want, e.MainUUID, e.Err)
	}
}

// Unwrap returns the underlying error.
func (e *FileError) Unwrap() error { return e.Err }

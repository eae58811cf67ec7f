// Package plainfile opens regular files without registering them with the
// Go runtime's network poller.
//
// os.OpenFile on Linux tries to add every file to the poller: two fcntl
// calls to make it non-blocking, an epoll_ctl that fails for a regular
// file, and two more fcntl calls to undo it. A batch reads and writes
// thousands of small files, for which those are most of the system calls.
// Files opened here are plain blocking descriptors, which is what the
// runtime ends up with for a regular file anyway. Rename likewise skips
// what a batch's outputs do not need.
package plainfile

import "os"

// Open opens path for reading, as os.Open does.
func Open(path string) (*os.File, error) { return OpenFile(path, os.O_RDONLY, 0) }

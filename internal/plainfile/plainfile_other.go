//go:build !(linux || darwin)

package plainfile

import "os"

// OpenFile is os.OpenFile.
func OpenFile(path string, flag int, perm os.FileMode) (*os.File, error) {
	return os.OpenFile(path, flag, perm)
}

// Rename is os.Rename.
func Rename(oldname, newname string) error { return os.Rename(oldname, newname) }

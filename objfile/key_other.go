//go:build !unix

package objfile

import (
	"os"
	"path/filepath"
)

// fileKey identifies a file or directory independently of the path that
// reached it: its path with symbolic links resolved.
type fileKey struct{ path string }

func keyOf(_ os.FileInfo, path string) (fileKey, bool) {
	p, err := filepath.EvalSymlinks(path)
	if err != nil {
		return fileKey{}, false
	}
	p, err = filepath.Abs(p)
	return fileKey{path: p}, err == nil
}

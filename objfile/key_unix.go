//go:build unix

package objfile

import (
	"os"
	"syscall"
)

// fileKey identifies a file or directory independently of the path that
// reached it.
type fileKey struct{ dev, ino uint64 }

func keyOf(fi os.FileInfo, _ string) (fileKey, bool) {
	st, ok := fi.Sys().(*syscall.Stat_t)
	if !ok {
		return fileKey{}, false
	}
	return fileKey{dev: uint64(st.Dev), ino: uint64(st.Ino)}, true
}

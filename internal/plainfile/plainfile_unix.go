//go:build linux || darwin

package plainfile

import (
	"os"
	"syscall"
)

// OpenFile is os.OpenFile without the poller (see the package comment).
func OpenFile(path string, flag int, perm os.FileMode) (*os.File, error) {
	for {
		fd, err := syscall.Open(path, flag|syscall.O_CLOEXEC, syscallMode(perm))
		if err == syscall.EINTR {
			continue
		}
		if err != nil {
			return nil, &os.PathError{Op: "open", Path: path, Err: err}
		}
		return os.NewFile(uintptr(fd), path), nil
	}
}

// syscallMode is perm as open(2) takes it (permission bits, setuid,
// setgid, sticky), as os.OpenFile computes it.
func syscallMode(perm os.FileMode) uint32 {
	m := uint32(perm.Perm())
	if perm&os.ModeSetuid != 0 {
		m |= syscall.S_ISUID
	}
	if perm&os.ModeSetgid != 0 {
		m |= syscall.S_ISGID
	}
	if perm&os.ModeSticky != 0 {
		m |= syscall.S_ISVTX
	}
	return m
}

// Rename is os.Rename without its Lstat of newname first (os.Rename looks
// for a directory there, to fail with EEXIST rather than the kernel's
// EISDIR or ENOTEMPTY): renaming a file over a directory still fails.
func Rename(oldname, newname string) error {
	for {
		err := syscall.Rename(oldname, newname)
		if err == syscall.EINTR {
			continue
		}
		if err != nil {
			return &os.LinkError{Op: "rename", Old: oldname, New: newname, Err: err}
		}
		return nil
	}
}

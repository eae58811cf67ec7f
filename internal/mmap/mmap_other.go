//go:build !linux && !darwin

package mmap

import (
	"io"
	"os"
	"unsafe"
)

// mapFile reads the whole file: this platform has no mmap support here.
func mapFile(f *os.File, size int) ([]byte, func([]byte) error, error) {
	data := make([]byte, size)
	if _, err := io.ReadFull(f, data); err != nil {
		return nil, nil, err
	}
	return data, nil, nil
}

func openNoBlock(path string) (*os.File, error) { return os.Open(path) }

func fileID(os.FileInfo) (dev, ino uint64) { return 0, 0 }

func ptr(b []byte) unsafe.Pointer { return unsafe.Pointer(unsafe.SliceData(b)) }

func release([]byte) error { return nil }

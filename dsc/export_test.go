package dsc

import (
	"encoding/binary"
	"hash/crc32"
)

// UseIndexBytes attaches the index held in b, as OpenIndex does for a file.
func (c *Cache) UseIndexBytes(b []byte) error {
	ix, err := c.checkIndex("fuzz", b)
	if err != nil {
		return err
	}
	c.index.Store(ix)
	return nil
}

// RefreshIndexChecksums recomputes, where the records let it, every
// checksum of an index, so that a fuzzer reaches the checks behind them.
func RefreshIndexChecksums(b []byte) {
	le := binary.LittleEndian
	if len(b) < headerSize {
		return
	}
	nfiles, nimages, npools := uint64(le.Uint32(b[32:])), uint64(le.Uint32(b[36:])), uint64(le.Uint32(b[40:]))
	tabOff, tabLen := le.Uint64(b[48:]), le.Uint64(b[56:])
	if tabOff <= uint64(len(b)) && tabLen <= uint64(len(b))-tabOff && nfiles < 1<<20 {
		imgs := tabOff + nfiles*fileRecSize
		for i := uint64(0); i < nimages && imgs+(i+1)*imageRecSize <= tabOff+tabLen; i++ {
			r := b[imgs+i*imageRecSize:]
			off, size := le.Uint64(r), le.Uint64(r[8:])
			if off <= uint64(len(b)) && size <= uint64(len(b))-off {
				le.PutUint32(r[16:], crc32.Checksum(b[off:off+size], castagnoli))
			}
		}
		le.PutUint32(b[64:], crc32.Checksum(b[tabOff:tabOff+tabLen], castagnoli))
	}
	if poolsOff := le.Uint64(b[72:]); poolsOff <= uint64(len(b)) && npools <= (uint64(len(b))-poolsOff)/poolRecSize {
		le.PutUint32(b[80:], crc32.Checksum(b[poolsOff:poolsOff+npools*poolRecSize], castagnoli))
	}
	le.PutUint32(b[68:], 0)
	le.PutUint32(b[68:], crc32.Checksum(b[:headerSize], castagnoli))
}

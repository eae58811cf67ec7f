package atlas

import (
	"bytes"
	"compress/flate"
	"compress/zlib"
	"encoding/binary"
	"errors"
	"fmt"
	"io"

	"github.com/symbolicate/symbolicate/diag"
	"github.com/symbolicate/symbolicate/internal/bin"
)

const fmtPBZ = "parallel compression"

// ErrUnsupportedCompression is returned (wrapped) by [DecompressPBZ] for the
// LZMA, LZ4, LZFSE and LZBITMAP variants of the parallel-compression wrapper.
var ErrUnsupportedCompression = errors.New("unsupported compression")

// maxDeflateRatio bounds how many bytes one byte of DEFLATE data can expand
// to (the format's limit is about 1032:1), so a block header cannot make the
// reader allocate more than its input can produce.
const maxDeflateRatio = 1032

// pbzAlgorithm names the compression of a parallel-compression magic.
func pbzAlgorithm(magic string) (name string, known bool) {
	switch magic {
	case "pbzz":
		return "zlib", true
	case "pbz-":
		return "none", true
	case "pbzx":
		return "LZMA", true
	case "pbz4":
		return "LZ4", true
	case "pbze":
		return "LZFSE", true
	case "pbzb":
		return "LZBITMAP", true
	}
	return "", false
}

// IsPBZ reports whether b starts with one of the parallel-compression magics
// (pbzz, pbzx, pbz4, pbze, pbzb, pbz-) that may wrap an .atlas file.
func IsPBZ(b []byte) bool {
	if len(b) < 4 {
		return false
	}
	_, ok := pbzAlgorithm(string(b[:4]))
	return ok
}

// DecompressPBZ undoes the parallel-compression wrapper of an .atlas file
// (spec §4.7): a 12-byte header (magic and a big-endian uint64 block size)
// and then blocks of big-endian uint64 decompressed size, uint64 compressed
// size and the compressed bytes. "pbz-" blocks are stored as they are;
// "pbzz" blocks are DEFLATE data, with or without a zlib header (Apple's
// COMPRESSION_ZLIB is raw DEFLATE). The other algorithms give an error
// wrapping [ErrUnsupportedCompression]. The output may not exceed maxSize
// bytes; each block must decompress to exactly its declared size.
func DecompressPBZ(b []byte, maxSize int64) ([]byte, error) {
	if len(b) < 12 || !IsPBZ(b) {
		return nil, diag.Errorf(fmtPBZ, 0, "magic", "not a parallel-compression header")
	}
	magic := string(b[:4])
	alg, _ := pbzAlgorithm(magic)
	if magic != "pbzz" && magic != "pbz-" {
		return nil, fmt.Errorf("%s (%s): %w", magic, alg, ErrUnsupportedCompression)
	}

	// First pass: check every block header and the total size.
	var total uint64
	for pos := uint64(12); pos < uint64(len(b)); {
		if uint64(len(b))-pos < 16 {
			return nil, diag.Errorf(fmtPBZ, int64(pos), "block header", "needs 16 bytes, %d remain", uint64(len(b))-pos)
		}
		usize := binary.BigEndian.Uint64(b[pos:])
		csize := binary.BigEndian.Uint64(b[pos+8:])
		end, ok := bin.Span(pos+16, csize, uint64(len(b)))
		if !ok {
			return nil, diag.Errorf(fmtPBZ, int64(pos+8), "compressed size", "%d bytes run past the end (%d remain)", csize, uint64(len(b))-pos-16)
		}
		if magic == "pbz-" && usize != csize {
			return nil, diag.Errorf(fmtPBZ, int64(pos), "block size", "uncompressed block of %d bytes stores %d", usize, csize)
		}
		if limit, ok := bin.Mul(csize, maxDeflateRatio); ok && usize > limit+64 {
			return nil, diag.Errorf(fmtPBZ, int64(pos), "block size", "%d bytes cannot come from %d compressed bytes", usize, csize)
		}
		total += usize
		if total > uint64(maxSize) || total < usize {
			return nil, diag.Errorf(fmtPBZ, int64(pos), "block size", "output exceeds the limit of %d bytes", maxSize)
		}
		pos = end
	}

	out := make([]byte, 0, int(total))
	for pos, i := uint64(12), 0; pos < uint64(len(b)); i++ {
		usize := binary.BigEndian.Uint64(b[pos:])
		csize := binary.BigEndian.Uint64(b[pos+8:])
		block := b[pos+16 : pos+16+csize]
		if magic == "pbz-" {
			out = append(out, block...)
		} else {
			var err error
			if out, err = inflateBlock(out, block, usize); err != nil {
				return nil, diag.Errorf(fmtPBZ, int64(pos+16), "block", "block %d: %v", i, err)
			}
		}
		pos += 16 + csize
	}
	return out, nil
}

// inflateBlock appends exactly size bytes decompressed from block to out,
// whose capacity must already hold them.
func inflateBlock(out, block []byte, size uint64) ([]byte, error) {
	start := len(out)
	read := func(r io.Reader) error {
		dst := out[start : start+int(size)]
		if n, err := io.ReadFull(r, dst); err != nil {
			if err == io.ErrUnexpectedEOF || err == io.EOF {
				return fmt.Errorf("decompressed to %d bytes, header says %d", n, size)
			}
			return err
		}
		var one [1]byte
		switch n, err := r.Read(one[:]); {
		case n > 0:
			return fmt.Errorf("decompresses to more than the %d bytes the header says", size)
		case err != io.EOF:
			if err == nil {
				err = io.ErrNoProgress
			}
			return err
		}
		return nil
	}
	if len(block) >= 2 && block[0]&0x0F == 8 && (uint16(block[0])<<8|uint16(block[1]))%31 == 0 {
		if zr, err := zlib.NewReader(bytes.NewReader(block)); err == nil && read(zr) == nil {
			return out[:start+int(size)], nil
		}
	}
	if err := read(flate.NewReader(bytes.NewReader(block))); err != nil {
		return out[:start], err
	}
	return out[:start+int(size)], nil
}

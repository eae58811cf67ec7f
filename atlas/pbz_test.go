package atlas

import (
	"bytes"
	"compress/flate"
	"compress/zlib"
	"encoding/binary"
	"errors"
	"strings"
	"testing"

	"github.com/symbolicate/symbolicate/diag"
)

// writePBZ wraps data in a parallel-compression container with the given
// magic, cutting it into blocks of blockSize bytes; compress turns a block
// into its stored form.
func writePBZ(magic string, data []byte, blockSize int, compress func([]byte) []byte) []byte {
	out := []byte(magic)
	out = binary.BigEndian.AppendUint64(out, uint64(blockSize))
	for len(data) > 0 {
		n := min(blockSize, len(data))
		c := compress(data[:n])
		out = binary.BigEndian.AppendUint64(out, uint64(n))
		out = binary.BigEndian.AppendUint64(out, uint64(len(c)))
		out = append(out, c...)
		data = data[n:]
	}
	return out
}

func zlibBlock(b []byte) []byte {
	var buf bytes.Buffer
	w := zlib.NewWriter(&buf)
	w.Write(b)
	w.Close()
	return buf.Bytes()
}

func deflateBlock(b []byte) []byte {
	var buf bytes.Buffer
	w, _ := flate.NewWriter(&buf, flate.BestCompression)
	w.Write(b)
	w.Close()
	return buf.Bytes()
}

func storedBlock(b []byte) []byte { return b }

func TestDecompressPBZ(t *testing.T) {
	data := bytes.Repeat([]byte("AA01 atlas payload "), 1000)
	for name, in := range map[string][]byte{
		"pbzz zlib":    writePBZ("pbzz", data, 4096, zlibBlock),
		"pbzz deflate": writePBZ("pbzz", data, 5000, deflateBlock),
		"pbz- stored":  writePBZ("pbz-", data, 3000, storedBlock),
	} {
		if !IsPBZ(in) {
			t.Errorf("%s: IsPBZ false", name)
		}
		got, err := DecompressPBZ(in, 1<<20)
		if err != nil {
			t.Errorf("%s: %v", name, err)
			continue
		}
		if !bytes.Equal(got, data) {
			t.Errorf("%s: output differs (%d bytes, want %d)", name, len(got), len(data))
		}
	}
	// An empty container decompresses to nothing.
	if got, err := DecompressPBZ(writePBZ("pbzz", nil, 16, zlibBlock), 10); err != nil || len(got) != 0 {
		t.Errorf("empty container: %q, %v", got, err)
	}
}

func TestDecompressPBZErrors(t *testing.T) {
	data := bytes.Repeat([]byte{7}, 10000)
	good := writePBZ("pbzz", data, 4096, zlibBlock)
	for _, magic := range []string{"pbzx", "pbz4", "pbze", "pbzb"} {
		_, err := DecompressPBZ(writePBZ(magic, data, 4096, storedBlock), 1<<20)
		if !errors.Is(err, ErrUnsupportedCompression) || !strings.Contains(err.Error(), magic) {
			t.Errorf("%s: error %v, want ErrUnsupportedCompression naming the magic", magic, err)
		}
	}
	lieBig := bytes.Clone(good)
	binary.BigEndian.PutUint64(lieBig[12:], 4097) // first block claims one byte more
	lieHuge := bytes.Clone(good)
	binary.BigEndian.PutUint64(lieHuge[12:], 1<<40)
	cases := []struct {
		name, field string
		b           []byte
		max         int64
	}{
		{"not pbz", "magic", []byte("AA01xxxxxxxxxxxx"), 1 << 20},
		{"short header", "magic", []byte("pbzz0000"), 1 << 20},
		{"cap", "block size", good, 9999},
		{"truncated block", "compressed size", good[:len(good)-1], 1 << 20},
		{"truncated block header", "block header", good[:12+8], 1 << 20},
		{"size lie", "block", lieBig, 1 << 20},
		{"impossible ratio", "block size", lieHuge, 1 << 62},
		{"stored size mismatch", "block size", func() []byte {
			b := writePBZ("pbz-", data, 4096, storedBlock)
			binary.BigEndian.PutUint64(b[12:], 4095)
			return b
		}(), 1 << 20},
		{"corrupt deflate", "block", func() []byte {
			b := bytes.Clone(good)
			for i := 30; i < 40; i++ {
				b[i] ^= 0xFF
			}
			return b
		}(), 1 << 20},
	}
	for _, tc := range cases {
		_, err := DecompressPBZ(tc.b, tc.max)
		var fe *diag.FormatError
		if !errors.As(err, &fe) || fe.Field != tc.field {
			t.Errorf("%s: error %v, want a FormatError on field %q", tc.name, err, tc.field)
		}
	}
}

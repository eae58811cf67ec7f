package inputs

import (
	"bytes"
	"errors"
	"io"
	"testing"
	"testing/iotest"
)

// TestReadSized reads with a size hint that is right, too small (the file
// grew after its stat), too large (it shrank) or absent, through readers
// that return a byte at a time; the limit holds in every case.
func TestReadSized(t *testing.T) {
	data := bytes.Repeat([]byte("0123456789"), 100) // 1,000 bytes
	for _, tc := range []struct {
		name      string
		hint, max int64
		tooLarge  bool
	}{
		{"exact", 1000, 1 << 20, false},
		{"grew", 400, 1 << 20, false},
		{"shrank", 4000, 1 << 20, false},
		{"no hint", 0, 1 << 20, false},
		{"at the limit", 1000, 1000, false},
		{"over the limit", 1000, 999, true},
		{"grew past the limit", 400, 999, true},
	} {
		for _, slow := range []bool{false, true} {
			var r io.Reader = bytes.NewReader(data)
			if slow {
				r = iotest.OneByteReader(r)
			}
			got, err := readLimited(r, tc.max, tc.hint)
			switch {
			case tc.tooLarge && !errors.Is(err, ErrTooLarge):
				t.Errorf("%s (slow %v): %d bytes, %v; want ErrTooLarge", tc.name, slow, len(got), err)
			case !tc.tooLarge && (err != nil || !bytes.Equal(got, data)):
				t.Errorf("%s (slow %v): %d bytes, %v; want the %d bytes", tc.name, slow, len(got), err, len(data))
			}
		}
	}
	if _, err := readLimited(iotest.ErrReader(io.ErrUnexpectedEOF), 100, 10); !errors.Is(err, io.ErrUnexpectedEOF) {
		t.Errorf("a failing reader: %v", err)
	}
}

package imagemap

import (
	"encoding/hex"
	"errors"
	"io"
	"strconv"

	"github.com/symbolicate/symbolicate/process"
)

// WriteText writes m as one line per image, in the style of the Binary
// Images section of an Apple crash report:
//
//	       0x100000000 -        0x100003fff  App  <82D13D98-219E-3040-B62A-07A297007A7C>  /Applications/App.app/Contents/MacOS/App
//	0xfffffffffffff000 -                ???  dyld  /usr/lib/dyld
//
// The two addresses are right-aligned in 18 columns. As in Apple's reports
// the second one is the last byte of text, EndOfText−1; it is "???" when the
// end of text is unknown (0); the first is "???" for an image whose address
// is unknown (process.Unplaced). The name is Name, else the last component of
// Path, else "???". A 16-byte build ID is shown as an uppercase dashed UUID,
// any other as lowercase hex; "<…>" is left out when there is none, and the
// path when it is empty. Lines end in "\n" and carry no trailing spaces.
func WriteText(w io.Writer, m *process.Process) error {
	if m == nil {
		return errors.New("imagemap text: nil map")
	}
	var line []byte
	for i := range m.Images {
		im := &m.Images[i]
		line = line[:0]
		line = appendAddr(line, im.Base, im.Kind != process.Unplaced)
		line = append(line, " - "...)
		line = appendAddr(line, im.End-1, im.End != 0)
		line = append(line, "  "...)
		name := im.Name
		if name == "" {
			name = process.NameOf(im.Path)
		}
		if name == "" {
			name = "???"
		}
		line = append(line, name...)
		if u, ok := im.UUID(); ok {
			line = append(line, "  <"...)
			line = u.AppendText(line)
			line = append(line, '>')
		} else if len(im.ID) > 0 {
			line = append(line, "  <"...)
			line = hex.AppendEncode(line, []byte(im.ID))
			line = append(line, '>')
		}
		if im.Path != "" {
			line = append(line, "  "...)
			line = append(line, im.Path...)
		}
		line = append(line, '\n')
		if _, err := w.Write(line); err != nil {
			return err
		}
	}
	return nil
}

// appendAddr appends "0x…" (or "???" when !known) right-aligned in 18 columns.
func appendAddr(b []byte, v uint64, known bool) []byte {
	var tmp [18]byte
	s := append(tmp[:0], "???"...)
	if known {
		s = strconv.AppendUint(append(tmp[:0], "0x"...), v, 16)
	}
	for i := len(s); i < len(tmp); i++ {
		b = append(b, ' ')
	}
	return append(b, s...)
}

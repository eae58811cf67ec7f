package jsontape

import (
	"bytes"
	"fmt"
	"io"
	"unicode/utf8"
)

// Edit replaces raw[Start:End] with Text.
type Edit struct {
	Start, End int
	Text       []byte
}

// WriteEdited writes raw[within] with the edits, which must be sorted and
// disjoint and lie within it, applied; everything else is copied unchanged.
func WriteEdited(w io.Writer, raw []byte, within Span, edits []Edit) error {
	pos := within.Start
	for _, e := range edits {
		if e.Start < pos || e.End > within.End {
			return fmt.Errorf("jsontape: internal error: overlapping edits at offset %d", e.Start)
		}
		if _, err := w.Write(raw[pos:e.Start]); err != nil {
			return err
		}
		if _, err := w.Write(e.Text); err != nil {
			return err
		}
		pos = e.End
	}
	_, err := w.Write(raw[pos:within.End])
	return err
}

// AppendString writes s as a JSON string in Apple's style ('/' escaped as
// \/). Invalid UTF-8 becomes U+FFFD so the output is always valid JSON.
func AppendString(buf *bytes.Buffer, s string) { appendString(buf, s, true) }

// AppendStringPlain is AppendString without escaping '/', as most JSON
// writers (the Swift backtracer's, MetricKit's) leave it.
func AppendStringPlain(buf *bytes.Buffer, s string) { appendString(buf, s, false) }

func appendString(buf *bytes.Buffer, s string, slash bool) {
	const hexDigits = "0123456789abcdef"
	buf.WriteByte('"')
	for i := 0; i < len(s); {
		c := s[i]
		if c >= utf8.RuneSelf {
			r, n := utf8.DecodeRuneInString(s[i:])
			if r == utf8.RuneError && n == 1 {
				buf.WriteString(`\ufffd`)
			} else {
				buf.WriteString(s[i : i+n])
			}
			i += n
			continue
		}
		switch c {
		case '"':
			buf.WriteString(`\"`)
		case '\\':
			buf.WriteString(`\\`)
		case '/':
			if slash {
				buf.WriteString(`\/`)
			} else {
				buf.WriteByte('/')
			}
		case '\n':
			buf.WriteString(`\n`)
		case '\r':
			buf.WriteString(`\r`)
		case '\t':
			buf.WriteString(`\t`)
		case '\b':
			buf.WriteString(`\b`)
		case '\f':
			buf.WriteString(`\f`)
		default:
			if c < 0x20 || c == 0x7f {
				buf.WriteString(`\u00`)
				buf.WriteByte(hexDigits[c>>4])
				buf.WriteByte(hexDigits[c&0xf])
			} else {
				buf.WriteByte(c)
			}
		}
		i++
	}
	buf.WriteByte('"')
}

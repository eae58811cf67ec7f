package crashlog

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"strconv"
	"unicode/utf8"

	"github.com/symbolicate/symbolicate/format"
	"github.com/symbolicate/symbolicate/process"
)

// The JSON writer edits the original bytes in place: every frame group whose
// concrete frame has a Resolution is replaced by new frame text, and
// everything else — key order, Apple's " : " separators and \/ escapes, the
// header line, text after the payload — is copied unchanged. See
// docs/output.md for the contract.

// isOwnedRawKey reports whether a quoted key is one of the frame keys a
// Resolution replaces.
func isOwnedRawKey(q []byte) bool {
	if bytes.IndexByte(q, '\\') >= 0 {
		k, _ := unquote(q)
		q = []byte(`"` + k + `"`)
	}
	switch string(q) {
	case `"symbol"`, `"symbolLocation"`, `"sourceFile"`, `"sourceLine"`, `"rawSymbol"`:
		return true
	}
	return false
}

// edit replaces raw[start:end] with text.
type edit struct {
	start, end int
	text       []byte
}

// WriteJSON writes the report as an .ips (header line and payload) with each
// resolved frame filled in: symbol and symbolLocation, sourceFile and
// sourceLine when known, rawSymbol when the linkage name differs, and the
// resolution's inline frames as extra frame objects ("inline": true, same
// imageIndex and imageOffset) before the concrete frame. Inline frames already
// present for a re-resolved frame are replaced. A resolved [imageIndex,
// imageOffset] tuple of a kernel-style report becomes a frame object.
// Everything else is written byte for byte as read. Legacy text reports have
// no JSON form: WriteJSON returns ErrNotJSON for them.
func (r *Report) WriteJSON(w io.Writer, opts format.WriteOptions) error {
	if r == nil || r.raw == nil {
		return errors.New("crashlog: WriteJSON on a report that was not parsed")
	}
	if r.Kind == KindLegacyText {
		return ErrNotJSON
	}
	buf := bytes.NewBuffer(make([]byte, 0, (r.ips.end-r.ips.start)*5/4+256))
	if err := r.appendJSON(buf, opts.FullPaths); err != nil {
		return err
	}
	_, err := w.Write(buf.Bytes())
	return err
}

// writeEdited writes raw[within] with the (sorted, disjoint) edits applied.
func writeEdited(w io.Writer, raw []byte, within span, edits []edit) error {
	pos := within.start
	for _, e := range edits {
		if e.start < pos || e.end > within.end {
			return fmt.Errorf("crashlog: internal error: overlapping edits at offset %d", e.start)
		}
		if _, err := w.Write(raw[pos:e.start]); err != nil {
			return err
		}
		if _, err := w.Write(e.text); err != nil {
			return err
		}
		pos = e.end
	}
	_, err := w.Write(raw[pos:within.end])
	return err
}

// appendJSON writes the .ips with every resolved frame group replaced, in
// one pass over the input: frame lists are sorted by position at parse time
// and frames within a list are in document order.
func (r *Report) appendJSON(buf *bytes.Buffer, full bool) error {
	pos := r.ips.start
	for li := range r.lists {
		l := &r.lists[li]
		frames := l.frames(r)
		for g := range frameGroups(frames) {
			if g.orphan {
				continue // inline frames without their concrete frame: left alone
			}
			first, concrete := g.first, g.concrete
			c := &frames[concrete]
			start := frames[first].src.start
			if c.Resolved == nil || c.src.end <= c.src.start || start >= c.src.end {
				continue
			}
			if start < pos || c.src.end > r.ips.end {
				return fmt.Errorf("crashlog: frame at offset %d is out of order; frame lists must keep their parsed shape", start)
			}
			buf.Write(r.raw[pos:start])
			for _, in := range c.Resolved.Inlined {
				appendInlineFrame(buf, c, &in, full)
				buf.Write(l.sep)
			}
			r.appendResolvedFrame(buf, c, full)
			pos = c.src.end
		}
	}
	buf.Write(r.raw[pos:r.ips.end])
	return nil
}

// appendInlineFrame writes one inline frame object for concrete frame c.
func appendInlineFrame(buf *bytes.Buffer, c *Frame, in *process.InlineFrame, full bool) {
	buf.WriteString(`{"imageOffset":`)
	buf.WriteString(strconv.FormatUint(c.Offset, 10))
	buf.WriteString(`,"imageIndex":`)
	buf.WriteString(strconv.Itoa(c.Image))
	res := process.Resolution{Symbol: in.Symbol, RawSymbol: in.RawSymbol, SymbolLocation: in.SymbolLocation,
		SourceFile: in.SourceFile, SourceLine: in.SourceLine}
	appendResolutionMembers(buf, &res, full)
	buf.WriteString(`,"inline":true}`)
}

// appendResolvedFrame rewrites the concrete frame: the original members other
// than the owned keys are copied verbatim, then the resolution's members are
// appended. A tuple becomes an object.
func (r *Report) appendResolvedFrame(buf *bytes.Buffer, c *Frame, full bool) {
	b := r.raw
	buf.WriteByte('{')
	n := 0
	if c.tuple {
		parts, err := arrayElems(b, c.src.start)
		if err == nil && len(parts) >= 2 {
			buf.WriteString(`"imageIndex":`)
			buf.Write(b[parts[0].start:parts[0].end])
			buf.WriteString(`,"imageOffset":`)
			buf.Write(b[parts[1].start:parts[1].end])
		} else {
			buf.WriteString(`"imageIndex":`)
			buf.WriteString(strconv.Itoa(c.Image))
			buf.WriteString(`,"imageOffset":`)
			buf.WriteString(strconv.FormatUint(c.Offset, 10))
		}
		n = 2
	} else {
		_ = eachMember(b, c.src.start, func(rawKey []byte, m span) {
			if isOwnedRawKey(rawKey) {
				return
			}
			if n > 0 {
				buf.WriteByte(',')
			}
			buf.Write(b[m.start:m.end])
			n++
		})
	}
	if n == 0 {
		// An object with nothing but owned keys (should not happen): keep the
		// location so the frame stays usable.
		buf.WriteString(`"imageOffset":`)
		buf.WriteString(strconv.FormatUint(c.Offset, 10))
		buf.WriteString(`,"imageIndex":`)
		buf.WriteString(strconv.Itoa(c.Image))
	}
	appendResolutionMembers(buf, c.Resolved, full)
	buf.WriteByte('}')
}

// appendResolutionMembers writes ,"symbol":…,"symbolLocation":… and the
// optional source and raw-symbol members; the source file is shortened to
// its last component unless full.
func appendResolutionMembers(buf *bytes.Buffer, res *process.Resolution, full bool) {
	buf.WriteString(`,"symbol":`)
	appendJSONString(buf, res.Symbol)
	buf.WriteString(`,"symbolLocation":`)
	buf.WriteString(strconv.FormatUint(res.SymbolLocation, 10))
	if res.SourceFile != "" {
		buf.WriteString(`,"sourceFile":`)
		appendJSONString(buf, process.SourceName(res.SourceFile, full))
		if res.SourceLine > 0 {
			buf.WriteString(`,"sourceLine":`)
			buf.WriteString(strconv.Itoa(res.SourceLine))
		}
	}
	if res.RawSymbol != "" && res.RawSymbol != res.Symbol {
		buf.WriteString(`,"rawSymbol":`)
		appendJSONString(buf, res.RawSymbol)
	}
}

// appendJSONString writes s as a JSON string in Apple's style ('/' escaped
// as \/). Invalid UTF-8 becomes U+FFFD so the output is always valid JSON.
func appendJSONString(buf *bytes.Buffer, s string) {
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
			buf.WriteString(`\/`)
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

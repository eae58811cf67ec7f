package crashlog

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"strconv"

	"github.com/symbolicate/symbolicate/format"
	"github.com/symbolicate/symbolicate/internal/bufpool"
	"github.com/symbolicate/symbolicate/internal/jsontape"
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
		k, _ := jsontape.Unquote(q)
		q = []byte(`"` + k + `"`)
	}
	switch string(q) {
	case `"symbol"`, `"symbolLocation"`, `"sourceFile"`, `"sourceLine"`, `"rawSymbol"`:
		return true
	}
	return false
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
	buf := bytes.NewBuffer(bufpool.Get(min((r.ips.End-r.ips.Start)*5/4+256, 2*spillAt)))
	err := r.appendJSON(w, buf, opts.FullPaths)
	bufpool.Put(buf.Bytes()) // w has what it was given: writers keep nothing
	return err
}

// appendJSON writes the .ips with every resolved frame group replaced, in
// one pass over the input: frame lists are sorted by position at parse time
// and frames within a list are in document order.
// What is rendered goes through buf to w as buf fills.
func (r *Report) appendJSON(w io.Writer, buf *bytes.Buffer, full bool) error {
	spill := func() error {
		_, err := w.Write(buf.Bytes())
		buf.Reset()
		return err
	}
	// raw copies input bytes; long runs go to w directly, not through buf.
	raw := func(b []byte) error {
		if len(b) < 4096 {
			buf.Write(b)
			return nil
		}
		if err := spill(); err != nil {
			return err
		}
		_, err := w.Write(b)
		return err
	}
	pos := r.ips.Start
	for li := range r.lists {
		l := &r.lists[li]
		frames := l.frames(r)
		for g := range frameGroups(frames) {
			if g.orphan {
				continue // inline frames without their concrete frame: left alone
			}
			first, concrete := g.first, g.concrete
			c := &frames[concrete]
			start := frames[first].src.Start()
			res := r.resolution(c)
			if res == nil || c.src.End() <= c.src.Start() || start >= c.src.End() {
				continue
			}
			if start < pos || c.src.End() > r.ips.End {
				return fmt.Errorf("crashlog: frame at offset %d is out of order; frame lists must keep their parsed shape", start)
			}
			if err := raw(r.raw[pos:start]); err != nil {
				return err
			}
			for _, in := range res.Inlined {
				appendInlineFrame(buf, c, &in, full)
				buf.Write(l.sep)
			}
			r.appendResolvedFrame(buf, c, res, full)
			pos = c.src.End()
			if buf.Len() >= spillAt {
				if err := spill(); err != nil {
					return err
				}
			}
		}
	}
	if err := raw(r.raw[pos:r.ips.End]); err != nil {
		return err
	}
	return spill()
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
func (r *Report) appendResolvedFrame(buf *bytes.Buffer, c *Frame, res *process.Resolution, full bool) {
	b := r.raw
	buf.WriteByte('{')
	n := 0
	if c.tuple {
		parts, err := jsontape.ArrayElems(b, c.src.Start())
		if err == nil && len(parts) >= 2 {
			buf.WriteString(`"imageIndex":`)
			buf.Write(b[parts[0].Start:parts[0].End])
			buf.WriteString(`,"imageOffset":`)
			buf.Write(b[parts[1].Start:parts[1].End])
		} else {
			buf.WriteString(`"imageIndex":`)
			buf.WriteString(strconv.Itoa(c.Image))
			buf.WriteString(`,"imageOffset":`)
			buf.WriteString(strconv.FormatUint(c.Offset, 10))
		}
		n = 2
	} else {
		_ = jsontape.EachMember(b, c.src.Start(), func(rawKey []byte, m jsontape.Span) {
			if isOwnedRawKey(rawKey) {
				return
			}
			if n > 0 {
				buf.WriteByte(',')
			}
			buf.Write(b[m.Start:m.End])
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
	appendResolutionMembers(buf, res, full)
	buf.WriteByte('}')
}

// appendResolutionMembers writes ,"symbol":…,"symbolLocation":… and the
// optional source and raw-symbol members; the source file is shortened to
// its last component unless full.
func appendResolutionMembers(buf *bytes.Buffer, res *process.Resolution, full bool) {
	buf.WriteString(`,"symbol":`)
	jsontape.AppendString(buf, res.Symbol)
	buf.WriteString(`,"symbolLocation":`)
	buf.WriteString(strconv.FormatUint(res.SymbolLocation, 10))
	if res.SourceFile != "" {
		buf.WriteString(`,"sourceFile":`)
		jsontape.AppendString(buf, process.SourceName(res.SourceFile, full))
		if res.SourceLine > 0 {
			buf.WriteString(`,"sourceLine":`)
			buf.WriteString(strconv.Itoa(res.SourceLine))
		}
	}
	if res.RawSymbol != "" && res.RawSymbol != res.Symbol {
		buf.WriteString(`,"rawSymbol":`)
		jsontape.AppendString(buf, res.RawSymbol)
	}
}

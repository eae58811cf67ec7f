package crashlog

import (
	"bytes"
	"io"
	"sort"

	"github.com/symbolicate/symbolicate/internal/jsontape"
	"github.com/symbolicate/symbolicate/process"
)

// writeLegacyText reproduces a text report with each resolved frame's symbol
// part rewritten: "symbol + offset (file:line)". Inlined calls of the
// resolution are inserted before the frame as lines with the same frame
// number, image and address, ending in " [inlined]"; "[inlined]" lines
// already in the input for that frame are replaced. Everything else is copied
// byte for byte.
func (r *Report) writeLegacyText(w io.Writer, fullPaths bool) error {
	var edits []jsontape.Edit
	add := func(frames []Frame) {
		for g := range frameGroups(frames) {
			if g.orphan {
				continue
			}
			first, concrete := g.first, g.concrete
			c := &frames[concrete]
			resolved := r.resolution(c)
			if resolved == nil || c.line.End() <= c.line.Start() || c.src.Start() < c.line.Start() {
				continue
			}
			eol := []byte("\n")
			if c.line.End() < len(r.raw) && r.raw[c.line.End()] == '\r' {
				eol = []byte("\r\n")
			}
			prefix := r.raw[c.line.Start():c.src.Start()]
			if len(prefix) > 0 && prefix[len(prefix)-1] != ' ' {
				prefix = append(append([]byte(nil), prefix...), ' ')
			}
			var buf bytes.Buffer
			for _, in := range resolved.Inlined {
				res := process.Resolution{Symbol: in.Symbol, SymbolLocation: in.SymbolLocation, SourceFile: in.SourceFile, SourceLine: in.SourceLine}
				buf.Write(prefix)
				appendSymbolPart(&buf, r, c, &res, true, fullPaths)
				buf.Write(eol)
			}
			start := c.src.Start()
			if first != concrete || len(resolved.Inlined) > 0 {
				start = frames[first].line.Start()
				buf.Write(prefix)
			}
			appendSymbolPart(&buf, r, c, resolved, false, fullPaths)
			edits = append(edits, jsontape.Edit{Start: start, End: c.line.End(), Text: buf.Bytes()})
		}
	}
	for i := range r.Threads {
		add(r.Threads[i].Frames)
	}
	add(r.LastExceptionBacktrace)
	sort.Slice(edits, func(a, b int) bool { return edits[a].Start < edits[b].Start })
	return jsontape.WriteEdited(w, r.raw, r.ips, edits)
}
